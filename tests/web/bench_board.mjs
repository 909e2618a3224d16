// The board's day view with 50 engineers x 400 visits: the render, from the visits in
// hand to the next frame (performance.measure 'day-render' in dispatch/app.js), against
// the same screen for a day with no visits, in the same run. Not a test (no timed
// assertions): it prints the figures for docs/performance.md.
//   FIELDD_BIN=build/release/fieldd python3 tests/web/run_web.py --exec node tests/web/bench_board.mjs
import { browser, ok, sql, seoulDate, PASSWORD, WEB } from './lib.mjs';

const ENGINEERS = 50, PER = 8, RUNS = 7;
const date = seoulDate(3), empty = seoulDate(4);
const tag = String(process.pid);
const desk = await ok('POST', '/users', { login: `bench_desk_${tag}`, name: '상황실', role: 'dispatcher', password: PASSWORD });
const cust = await ok('POST', '/customers', { name: '벤치고객', phone: '010-0000-0000' });
let n = 0;
for (let e = 0; e < ENGINEERS; e++) {
  const u = await ok('POST', '/users', { login: `bench_eng_${tag}_${e}`, name: `기사${String(e + 1).padStart(2, '0')}`, role: 'engineer', password: PASSWORD, skills: ['desktop'] });
  sql(`UPDATE users SET work_start = '00:00', work_end = '23:59', work_days = '{1,2,3,4,5,6,7}' WHERE id = ${u.id}`);
  for (let i = 0; i < PER; i++) {
    const dev = await ok('POST', '/devices', { asset_tag: `BENCH-${tag}-${++n}`, kind: 'desktop', customer_id: cust.id });
    const t = await ok('POST', '/tickets', { customer_id: cust.id, device_id: dev.id, fault_code: 'SLOW', symptom: '느림', channel: 'phone', verification: 'callback' });
    const h = 8 + i;
    await ok('POST', `/tickets/${t.id}/visits`, { engineer_id: u.id, start: `${date}T${String(h).padStart(2, '0')}:00:00+09:00`, end: `${date}T${String(h).padStart(2, '0')}:30:00+09:00` });
  }
}
const b = await browser();
const ctx = await b.newContext({ viewport: { width: 1440, height: 900 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
const page = await ctx.newPage();
await page.goto(WEB + '/');
await page.getByLabel('아이디', { exact: true }).fill(desk.login);
await page.getByLabel('비밀번호', { exact: true }).fill(PASSWORD);
await page.getByRole('button', { name: '로그인', exact: true }).click();
await page.waitForURL(WEB + '/dispatch/');

async function measure(d, slots) {
  const out = [];
  for (let i = 0; i < RUNS; i++) {
    await page.goto(`${WEB}/dispatch/#/day/${d}`);
    await page.reload();
    await page.waitForFunction((want) => document.querySelectorAll('li.slot').length === want && performance.getEntriesByName('day-render').length > 0, slots, { timeout: 60000 });
    out.push(await page.evaluate(() => performance.getEntriesByName('day-render').at(-1).duration));
  }
  out.sort((a, c) => a - c);
  return out[Math.floor(out.length / 2)];
}
const full = await measure(date, ENGINEERS * PER);
const none = await measure(empty, 0);
console.log(`day view, ${ENGINEERS} engineers x ${ENGINEERS * PER} visits: median render ${full.toFixed(1)} ms over ${RUNS} loads`);
console.log(`the same screen with no visits (baseline): ${none.toFixed(1)} ms; ratio ${(full / Math.max(none, 0.1)).toFixed(1)}x`);
await b.close();
