// Shared helpers of the browser tests: the API of the running fieldd (set up by
// run_web.py), SQL on its database, Debian's chromium through playwright-core on a phone
// viewport, and axe-core on every screen.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

export const API = process.env.FIELDD_URL;
export const WEB = process.env.FIELDD_WEB_URL || API; // the browser's origin
const ADMIN = process.env.FIELDD_ADMIN_TOKEN;
const PSQL = JSON.parse(process.env.FIELDD_TEST_PSQL || '[]');
export const PASSWORD = 'web-pass-Qz7#long-1';
const CHROMIUM = process.env.FIELDD_CHROMIUM || '/usr/bin/chromium';
if (!API || !ADMIN) throw new Error('run through tests/web/run_web.py (FIELDD_URL, FIELDD_ADMIN_TOKEN)');

// ------------------------------------------------------------------- API --
export async function call(method, path, body, token = ADMIN, headers = {}) {
  const h = { Authorization: 'Bearer ' + token, ...headers };
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const r = await fetch(API + '/api/v1' + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text };
}

export async function ok(method, path, body, token = ADMIN) {
  const r = await call(method, path, body, token);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${r.text.slice(0, 400)}`);
  return r.json;
}

export function sql(q) {
  return execFileSync(PSQL[0], PSQL.slice(1), { input: q, encoding: 'utf8' }).trim();
}

export async function login(loginName, password = PASSWORD) {
  return (await ok('POST', '/session', { login: loginName, password }, ADMIN)).token;
}

// Polls until fn() returns a truthy value (the server is reached over the network, the
// page replays in the background): the value, or a failure naming what never happened.
export let lastPage = null; // the page whose text goes into a failure message
export async function until(fn, what, tries = 150) {
  let last;
  for (let i = 0; i < tries; i++) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  const shown = lastPage ? await lastPage.locator('body').innerText().catch(() => '') : '';
  assert.fail('never happened: ' + what + (shown ? '\n--- page ---\n' + (shown.length > 2400 ? shown.slice(0, 1000) + '\n…\n' + shown.slice(-1400) : shown) : ''));
}

export const seoulDate = (plusDays = 0) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(new Date(Date.now() + plusDays * 86400000));

let serial = 0;
const KINDS = ['desktop', 'laptop', 'printer', 'monitor', 'network'];

// An engineer with their day: one visit per entry of `visits` (hours on today's date in
// Asia/Seoul, one hour each), each for a new device of `kind` of one customer.
export async function seedDay(prefix, { hours = [10], kind = 'desktop', customer = '박민수', date = seoulDate(), fault = 'SLOW' } = {}) {
  const name = `${prefix}_${process.pid}_${++serial}`; // a fresh login on every run
  const user = await ok('POST', '/users', { login: name, name: name + ' 기사', role: 'engineer', password: PASSWORD, skills: KINDS, phone: '010-9000-0001' });
  sql(`UPDATE users SET work_start = '00:00', work_end = '23:59', work_days = '{1,2,3,4,5,6,7}' WHERE id = ${user.id}`);
  const cust = await ok('POST', '/customers', { name: customer, phone: '010-1234-5678', department: '총무과', title: '주무관' });
  const visits = [];
  for (const h of hours) {
    serial++;
    const dev = await ok('POST', '/devices', { asset_tag: `WEB-${process.pid}-${serial}`, kind, model: 'OptiPlex 7090', customer_id: cust.id, location: { building: '본관', floor: '3층', room: '301호' } });
    const t = await ok('POST', '/tickets', { customer_id: cust.id, device_id: dev.id, fault_code: fault, symptom: '전원이 들어오지만 화면이 안 나옴', channel: 'phone', verification: 'callback' });
    const hh = String(h).padStart(2, '0');
    const v = await ok('POST', `/tickets/${t.id}/visits`, { engineer_id: user.id, start: `${date}T${hh}:00:00+09:00`, end: `${date}T${String(h + 1).padStart(2, '0')}:00:00+09:00` });
    visits.push(v);
  }
  const token = await login(name);
  return { login: name, user, token, customer: cust, visits };
}

// ---------------------------------------------------------------- browser --
export async function browser() {
  const b = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  return b;
}

// A phone: 360x740 (or `width`), touch, Korean, Seoul time. Console errors, page errors
// and CSP refusals are collected in `problems` (the tests assert it stays empty).
export async function phone(b, { width = 360, height = 740 } = {}) {
  const ctx = await b.newContext({
    viewport: { width, height }, isMobile: true, hasTouch: true, deviceScaleFactor: Number(process.env.FIELDD_DPR || 2),
    locale: 'ko-KR', timezoneId: 'Asia/Seoul',
  });
  const page = await ctx.newPage();
  lastPage = page;
  const problems = [];
  const watch = (p) => {
    p.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
    p.on('console', (m) => {
      const t = m.text();
      if (m.type() === 'error' && !/Failed to load resource|ERR_INTERNET_DISCONNECTED|net::ERR/.test(t)) problems.push('console: ' + t);
      if (/Content.Security.Policy|Refused to/.test(t)) problems.push('csp: ' + t);
    });
  };
  watch(page);
  ctx.on('page', watch);
  return { ctx, page, problems };
}

export async function signIn(page, loginName, password = PASSWORD) {
  await page.goto(WEB + '/');
  await page.getByLabel('아이디', { exact: true }).fill(loginName);
  await page.getByLabel('비밀번호', { exact: true }).fill(password);
  await page.getByRole('button', { name: '로그인', exact: true }).click();
  await page.waitForURL(WEB + '/m/');
  await page.getByRole('heading', { level: 1 }).waitFor();
}

// Every action sent: the status region shows nothing waiting.
export async function settled(page) {
  const st = page.locator('div.status[role=status]');
  await until(async () => !/대기 \d+건/.test(await st.textContent()), 'the outbox emptied');
}

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

// axe-core (WCAG 2.0/2.1/2.2 A and AA) on the page as it is: no violations.
export async function axe(page, screen) {
  await page.evaluate(AXE);
  const res = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
  );
  const v = res.violations.map((x) => `${x.id}: ${x.help} (${x.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')})`);
  assert.deepEqual(v, [], `axe on ${screen}`);
}

// Every button, link and form control big enough for a thumb (48 CSS px, WCAG 2.5.8 asks 24).
export async function touchTargets(page, screen, min = 44) {
  const small = await page.evaluate((min) => {
    const out = [];
    for (const el of document.querySelectorAll('button, a.button, a.card, a.back, input:not([type=checkbox]):not([type=radio]), select, label.check')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.height < min) out.push(`${el.tagName} "${(el.textContent || el.name || '').trim().slice(0, 20)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
    return out;
  }, min);
  assert.deepEqual(small, [], `touch targets on ${screen}`);
}

export async function noHorizontalScroll(page, screen) {
  const w = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  assert.ok(w[0] <= w[1], `${screen}: page is ${w[0]} px wide in a ${w[1]} px screen`);
}
