// The tracking page in a real browser: Debian's chromium driven by playwright-core, at
// 320 px, with JavaScript off (the page must work without it) and on (its own CSP
// enforced, nothing refused, no errors), and axe-core's WCAG 2.x A/AA rules on every
// state. Run by test_track_browser.py, which starts fieldd and gives the pages in
// TRACK_CONFIRMED (a visit agreed, a delay notice), TRACK_DONE and TRACK_DONE_JS
// (completed, survey open). Exit code 0 when every check holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const confirmed = process.env.TRACK_CONFIRMED;
const done = process.env.TRACK_DONE;
const doneJs = process.env.TRACK_DONE_JS;

async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless=new'],
  });
}

// axe (and the width check) in a context of its own: scripts on, the page's CSP bypassed
// only to inject axe
async function axeViolations(b, url) {
  const ctx = await b.newContext({ viewport: { width: 320, height: 640 }, bypassCSP: true });
  const page = await ctx.newPage();
  await page.goto(url);
  // nothing wider than the phone: no sideways scrolling at 320 px
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 320, `${url} is ${width} px wide`);
  await page.addScriptTag({ content: axeSource });
  const res = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } }));
  await ctx.close();
  return res.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

test('a confirmed visit at 320 px without JavaScript', async () => {
  const b = await browser();
  try {
    const ctx = await b.newContext({ viewport: { width: 320, height: 640 }, javaScriptEnabled: false });
    const page = await ctx.newPage();
    const resp = await page.goto(confirmed);
    assert.equal(resp.status(), 200);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), '서비스 진행 상황');
    await page.getByText('방문 일정이 확정되었습니다.').waitFor();
    await page.getByText('부품 입고 지연').waitFor();
    const cal = page.getByRole('link', { name: '캘린더에 추가' });
    assert.match(await cal.getAttribute('href'), /\/appointment\.ics$/);
    await ctx.close();
    assert.deepEqual(await axeViolations(b, confirmed), []);
  } finally {
    await b.close();
  }
});

test('the survey is sent with the plain form, without JavaScript', async () => {
  const b = await browser();
  try {
    const ctx = await b.newContext({ viewport: { width: 320, height: 640 }, javaScriptEnabled: false });
    const page = await ctx.newPage();
    await page.goto(done);
    await page.getByText('처리가 완료되었습니다.').waitFor();
    assert.deepEqual(await axeViolations(b, done), []);
    await page.getByRole('radio', { name: '4점 만족' }).check();
    await page.getByLabel('의견 (선택)').fill('친절하게 설명해 주셨습니다');
    await Promise.all([page.waitForURL(/survey=thanks/), page.getByRole('button', { name: '평가 보내기' }).click()]);
    await page.getByRole('status').getByText('평가해 주셔서 감사합니다').waitFor();
    assert.equal(await page.getByRole('button', { name: '평가 보내기' }).count(), 0);
    await page.getByText('4점 (만족)').waitFor();
    await ctx.close();
    assert.deepEqual(await axeViolations(b, page.url()), []);
  } finally {
    await b.close();
  }
});

// JavaScript on, the page's CSP enforced: what a browser reports (errors, refusals)
async function withScripts(b) {
  const ctx = await b.newContext({ viewport: { width: 320, height: 640 }, acceptDownloads: true });
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' || /Content.Security.Policy|Refused to/.test(m.text())) problems.push(m.type() + ': ' + m.text());
  });
  return { ctx, page, problems };
}

test('a confirmed visit at 320 px with JavaScript on: the same page under its CSP, the invitation behind its link', async () => {
  const b = await browser();
  try {
    const { ctx, page, problems } = await withScripts(b);
    const resp = await page.goto(confirmed);
    assert.equal(resp.status(), 200);
    assert.match(resp.headers()['content-security-policy'], /default-src 'none'/);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), '서비스 진행 상황');
    await page.getByText('방문 일정이 확정되었습니다.').waitFor();
    await page.getByText('부품 입고 지연').waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 320, `the page is ${width} px wide`);
    // 캘린더에 추가: the invitation itself
    const href = await page.getByRole('link', { name: '캘린더에 추가' }).getAttribute('href');
    const r = await ctx.request.get(new URL(href, confirmed).href);
    const ics = { type: r.headers()['content-type'], body: await r.text() };
    assert.match(ics.type, /^text\/calendar/);
    assert.match(ics.body, /BEGIN:VEVENT/);
    assert.deepEqual(problems, []);
    await ctx.close();
    assert.deepEqual(await axeViolations(b, confirmed), []);
  } finally {
    await b.close();
  }
});

test('the survey with JavaScript on: sent, thanked, not offered again', async () => {
  const b = await browser();
  try {
    const { ctx, page, problems } = await withScripts(b);
    await page.goto(doneJs);
    await page.getByText('처리가 완료되었습니다.').waitFor();
    await page.getByRole('radio', { name: '2점' }).check();
    await page.getByLabel('의견 (선택)').fill('도착이 늦었습니다');
    await Promise.all([page.waitForURL(/survey=thanks/), page.getByRole('button', { name: '평가 보내기' }).click()]);
    await page.getByRole('status').getByText('평가해 주셔서 감사합니다').waitFor();
    assert.equal(await page.getByRole('button', { name: '평가 보내기' }).count(), 0);
    // a reload does not send it again (post/redirect/get)
    await page.reload();
    await page.getByText(/2점/).first().waitFor();
    assert.deepEqual(problems, []);
    await ctx.close();
    assert.deepEqual(await axeViolations(b, page.url()), []);
  } finally {
    await b.close();
  }
});
