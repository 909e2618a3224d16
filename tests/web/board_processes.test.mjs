// The board across fieldd processes (issue 12, item 6): every process LISTENs on the same
// database, so a ticket taken in through a second `fieldd serve` reaches boards served by
// the first; and a board whose server restarted (its event stream ended, the server was
// down while tickets were taken in elsewhere) catches up by itself with Last-Event-ID,
// without reload, missing nothing. What is asserted is what the page shows; waits are for
// elements (generous timeouts), never for a time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browser, ok, call, PASSWORD, WEB } from './lib.mjs';
import { Fieldd, freePort } from './procs.mjs';

let b;
const procs = [];
before(async () => { b = await browser(); });
after(async () => {
  await b?.close();
  for (const p of procs) await p.stop();
});

const tag = String(process.pid);
let serial = 0;

async function desk(login) {
  return ok('POST', '/users', { login: `${login.toLowerCase()}_${tag}`, name: `상황실 ${login}`, role: 'dispatcher', password: PASSWORD });
}

// A ticket taken in over the API of `base` (a fieldd process): the ticket.
async function intake(base, token) {
  serial++;
  const at = async (method, path, body) => {
    const r = await fetch(base + '/api/v1' + path, { method, headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const j = await r.json();
    assert.equal(r.status, 201, `${path} on ${base}: ${r.status} ${JSON.stringify(j)}`);
    return j;
  };
  const cust = await at('POST', '/customers', { name: `프로세스고객${tag}_${serial}`, phone: '010-3333-0001' });
  const dev = await at('POST', '/devices', { asset_tag: `PROC-${tag}-${serial}`, kind: 'desktop', customer_id: cust.id });
  return at('POST', '/tickets', { customer_id: cust.id, device_id: dev.id, fault_code: 'NO_BOOT', symptom: '전원 안 들어옴', channel: 'phone', verification: 'callback' });
}

async function tokenOf(base, login) {
  const r = await fetch(base + '/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login, password: PASSWORD }) });
  assert.equal(r.status, 201);
  return (await r.json()).token;
}

// A board signed in at origin `web`, on its lanes; its event streams are counted.
async function board(web, login) {
  const ctx = await b.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
  const streams = []; // each event-stream request: the id it resumes from (header or query)
  const requests = []; // every API request's path and query
  ctx.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === '/api/v1/events') {
      const i = streams.push(u.searchParams.get('last_event_id')) - 1;
      r.allHeaders().then((h) => { if (h['last-event-id']) streams[i] = h['last-event-id']; }, () => {});
    }
    else if (u.pathname.startsWith('/api/v1/')) requests.push(u.pathname + u.search);
  });
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  page.on('console', (m) => { if (/Content.Security.Policy|Refused to/.test(m.text())) problems.push('csp: ' + m.text()); });
  await page.goto(web + '/');
  await page.getByLabel('아이디', { exact: true }).fill(login);
  await page.getByLabel('비밀번호', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: '로그인', exact: true }).click();
  await page.waitForURL(web + '/dispatch/');
  const lane = page.getByRole('region', { name: /새 접수 · 미배정/ });
  await lane.waitFor();
  await page.evaluate(() => { window.__sameDocument = true; });
  return { ctx, page, lane, streams, requests, problems };
}

// The stream is open: its starting id has arrived (EventSource's lastEventId is not
// readable from the page, so wait for the request and for a ticket event to come through).
async function streamLive(x, base, token) {
  const probe = await intake(base, token);
  await x.lane.getByRole('link', { name: new RegExp(probe.number) }).waitFor({ timeout: 20000 });
}

test('a ticket taken in through a second fieldd process shows on two boards without reload', async () => {
  const d = await desk('proca');
  const second = new Fieldd(await freePort());
  procs.push(second);
  await second.start();
  const x1 = await board(WEB, d.login);
  const x2 = await board(WEB, d.login);
  const token = await tokenOf(WEB, d.login);
  await streamLive(x1, WEB, token);
  await streamLive(x2, WEB, token);

  const tk = await intake(second.url, await tokenOf(second.url, d.login));
  for (const x of [x1, x2]) {
    await x.lane.getByRole('link', { name: new RegExp(tk.number) }).waitFor({ timeout: 20000 });
    assert.equal(await x.page.evaluate(() => window.__sameDocument), true, 'no reload');
    assert.equal(x.streams.length, 1, 'one event stream, never reopened');
    assert.deepEqual(x.problems, []);
  }
  // the boards were served by the first process: the ticket came from the other one
  assert.notEqual(new URL(second.url).port, new URL(WEB).port);
  for (const x of [x1, x2]) await x.ctx.close();
  assert.equal(await second.stop(), 0);
});

test('a board whose server restarted catches up without reload and misses no ticket', async () => {
  const d = await desk('procb');
  const own = new Fieldd(await freePort());
  procs.push(own);
  await own.start();
  const x = await board(own.url, d.login);
  const token = await tokenOf(WEB, d.login);
  await streamLive(x, WEB, token);
  const before = await intake(WEB, token);
  await x.lane.getByRole('link', { name: new RegExp(before.number) }).waitFor({ timeout: 20000 });

  // the board's server stops: its stream ends; tickets are taken in through the other
  // process while it is down
  assert.equal(await own.stop(), 0);
  const seenBefore = x.requests.length;
  const missed = [];
  for (let i = 0; i < 3; i++) missed.push(await intake(WEB, token));
  const r = await call('GET', '/tickets?status=new&limit=200');
  for (const t of missed) assert.ok(r.json.items.some((i) => i.id === t.id), 'taken in');
  // it starts again on the same port (the board's origin): the board reconnects with its
  // Last-Event-ID and the missed tickets come from the database
  await own.start();
  for (const t of missed) await x.lane.getByRole('link', { name: new RegExp(t.number) }).waitFor({ timeout: 30000 });
  // and it is live again
  const after = await intake(WEB, token);
  await x.lane.getByRole('link', { name: new RegExp(after.number) }).waitFor({ timeout: 20000 });
  assert.equal(await x.page.evaluate(() => window.__sameDocument), true, 'no reload');
  assert.ok(x.streams.length >= 2, 'the board opened its stream again');
  assert.match(String(x.streams[x.streams.length - 1]), /^\d+$/, 'it resumed from its Last-Event-ID: ' + JSON.stringify(x.streams));
  // caught up from the stream (one GET per missed ticket), not by reloading the lists
  const since = x.requests.slice(seenBefore);
  assert.deepEqual(since.filter((p) => p.startsWith('/api/v1/tickets?')), [], 'no list was reloaded');
  for (const t of missed) assert.ok(since.includes('/api/v1/tickets/' + t.id), `fetched ticket ${t.id} on its event`);
  assert.deepEqual(x.problems, []);
  await x.ctx.close();
});
