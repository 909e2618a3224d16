// The board is live: GET /api/v1/events tells every open board what changed and each
// refetches what the event names. Two tabs of one browser share one stream (Web Lock
// leader + BroadcastChannel); a second browser has its own. Nothing reloads the page
// and the board never polls, so whatever appears came through the stream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browser, ok, sql, until, seoulDate, PASSWORD, WEB } from './lib.mjs';

let b;
before(async () => { b = await browser(); });
after(async () => { await b?.close(); });

const tag = String(process.pid);
async function user(login, role, extra = {}) {
  const u = await ok('POST', '/users', { login, name: extra.name || login, role, password: PASSWORD, skills: ['desktop', 'laptop', 'printer'], ...extra });
  sql(`UPDATE users SET work_start = '00:00', work_end = '23:59', work_days = '{1,2,3,4,5,6,7}' WHERE id = ${u.id}`);
  return u;
}

async function board(ctx, loginName, hash = '') {
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/.test(m.text())) problems.push('csp: ' + m.text());
  });
  if (loginName) {
    await page.goto(WEB + '/');
    await page.getByLabel('아이디', { exact: true }).fill(loginName);
    await page.getByLabel('비밀번호', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: '로그인', exact: true }).click();
    await page.waitForURL(WEB + '/dispatch/');
  }
  if (page.url() !== WEB + '/dispatch/' + hash) await page.goto(WEB + '/dispatch/' + hash);
  await page.getByRole('navigation', { name: '상황판 메뉴' }).waitFor();
  await page.evaluate(() => { window.__sameDocument = true; });
  return { page, problems };
}

const streamsOf = (ctx) => {
  const seen = [];
  ctx.on('request', (r) => { if (new URL(r.url()).pathname === '/api/v1/events') seen.push(r.url()); });
  return seen;
};

test('two boards show a ticket taken in over the API without reload; tabs share one stream', async (t) => {
  const desk = await user(`live_${tag}`, 'dispatcher', { name: '상황실 이' });
  const ctxA = await b.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
  const ctxB = await b.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
  const streamsA = streamsOf(ctxA);
  const a1 = await board(ctxA, desk.login);
  const a2 = await board(ctxA, null); // a second tab of the same browser
  const b1 = await board(ctxB, desk.login);
  const lanes = [a1, a2, b1].map((x) => x.page.getByRole('region', { name: /새 접수 · 미배정/ }));
  for (const l of lanes) await l.waitFor();
  // every tab has subscribed (the leader's stream is open) before the ticket is made
  await until(async () => streamsA.length >= 1, 'the first browser opened its stream');
  await new Promise((r) => setTimeout(r, 500));

  const cust = await ok('POST', '/customers', { name: `실시간고객${tag}`, phone: '010-2222-0001' });
  const dev = await ok('POST', '/devices', { asset_tag: `LIVE-${tag}`, kind: 'desktop', customer_id: cust.id });
  const t0 = Date.now();
  const tk = await ok('POST', '/tickets', { customer_id: cust.id, device_id: dev.id, fault_code: 'NO_BOOT', symptom: '전원 안 들어옴', channel: 'phone', verification: 'callback' });
  const seen = await Promise.all(lanes.map(async (l) => {
    await l.getByRole('link', { name: new RegExp(tk.number) }).waitFor({ timeout: 15000 });
    return Date.now() - t0;
  }));
  t.diagnostic(`ticket on the boards after ${seen.join(', ')} ms (the issue's aim: within 1000 ms)`);
  for (const x of [a1, a2, b1]) assert.equal(await x.page.evaluate(() => window.__sameDocument), true, 'no reload');
  assert.equal(streamsA.length, 1, 'two tabs of one browser share one event stream');
  for (const x of [a1, a2, b1]) assert.deepEqual(x.problems, []);
  await ctxA.close();
  await ctxB.close();
});

test('the ticket page and the day follow an engineer step made elsewhere', async () => {
  const desk = await user(`live2_${tag}`, 'dispatcher', { name: '상황실 박' });
  const eng = await user(`liveeng_${tag}`, 'engineer', { name: `실시간기사${tag}` });
  const cust = await ok('POST', '/customers', { name: `단계고객${tag}`, phone: '010-2222-0002' });
  const dev = await ok('POST', '/devices', { asset_tag: `LIVE2-${tag}`, kind: 'desktop', customer_id: cust.id });
  const tk = await ok('POST', '/tickets', { customer_id: cust.id, device_id: dev.id, fault_code: 'SLOW', symptom: '느림', channel: 'phone', verification: 'callback' });
  const date = seoulDate(1);
  const v = await ok('POST', `/tickets/${tk.id}/visits`, { engineer_id: eng.id, start: `${date}T14:00:00+09:00`, end: `${date}T15:00:00+09:00` });

  const ctx = await b.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
  const tp = await board(ctx, desk.login, `#/tickets/${tk.id}`);
  await tp.page.getByText('1차 방문').waitFor();
  const dp = await board(ctx, null, `#/day/${date}`);
  const row = dp.page.getByRole('region', { name: eng.name, exact: true });
  await row.getByRole('link', { name: new RegExp(`14:00 단계고객${tag}`) }).waitFor();
  assert.match(await row.innerText(), /확인 전/);
  await new Promise((r) => setTimeout(r, 500));

  // the engineer's pre-call reached the customer: the visit is confirmed on both screens
  const token = (await ok('POST', '/session', { login: eng.login, password: PASSWORD })).token;
  await ok('POST', `/visits/${v.id}/precall`, { outcome: 'reached', note: '내일 2시' }, token);
  await until(async () => /확정/.test(await row.innerText()), 'the day view shows the confirmed visit');
  const visit = tp.page.locator('li.panel').filter({ hasText: '1차 방문' });
  await until(async () => /확정/.test(await visit.innerText()), 'the ticket page shows the confirmed visit');
  assert.match(await tp.page.locator('ol.timeline').innerText(), /사전 연락/);
  for (const x of [tp, dp]) assert.equal(await x.page.evaluate(() => window.__sameDocument), true, 'no reload');
  for (const x of [tp, dp]) assert.deepEqual(x.problems, []);
  await ctx.close();
});

test("when the tab holding the stream closes, the other tab takes it over", async () => {
  const desk = await user(`live3_${tag}`, 'dispatcher', { name: '상황실 최' });
  const ctx = await b.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
  const streams = streamsOf(ctx);
  const first = await board(ctx, desk.login);
  const second = await board(ctx, null);
  await until(async () => streams.length === 1, 'the first tab opened the stream');
  await first.page.close();
  await until(async () => streams.length === 2, 'the second tab opened its own after the first closed');
  const lane = second.page.getByRole('region', { name: /새 접수 · 미배정/ });
  await lane.waitFor();
  await new Promise((r) => setTimeout(r, 500));
  const cust = await ok('POST', '/customers', { name: `인계고객${tag}`, phone: '010-2222-0003' });
  const dev = await ok('POST', '/devices', { asset_tag: `LIVE3-${tag}`, kind: 'desktop', customer_id: cust.id });
  const tk = await ok('POST', '/tickets', { customer_id: cust.id, device_id: dev.id, fault_code: 'NO_BOOT', symptom: '전원', channel: 'phone', verification: 'callback' });
  await lane.getByRole('link', { name: new RegExp(tk.number) }).waitFor({ timeout: 15000 });
  assert.equal(await second.page.evaluate(() => window.__sameDocument), true, 'no reload');
  assert.deepEqual(second.problems, []);
  await ctx.close();
});
