// The app installs to the home screen (what keeps iOS and Android from purging its
// offline store): Chromium's own installability check finds nothing missing once the
// service worker controls /m/. A persistent profile in a fresh directory (incognito
// contexts are never installable).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { seedDay, signIn, WEB } from './lib.mjs';

test('the engineer app is installable as a PWA', async () => {
  const day = await seedDay('install_eng');
  const dir = mkdtempSync(path.join(tmpdir(), 'fieldd-web-profile-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.FIELDD_CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 360, height: 740 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul',
  });
  try {
    const page = await ctx.newPage();
    await signIn(page, day.login);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    await page.locator('a.card').first().waitFor();
    const cdp = await ctx.newCDPSession(page);
    const manifest = await cdp.send('Page.getAppManifest');
    assert.deepEqual(manifest.errors, []);
    assert.match(manifest.url, /\/m\/manifest\.webmanifest$/);
    assert.deepEqual((await cdp.send('Page.getInstallabilityErrors')).installabilityErrors, []);
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
