// Screenshots of the dispatcher's board for the README (docs/board-*.png), in Debian's
// chromium at 1280x800 against a real fieldd (run_web.py --exec):
//   FIELDD_BIN=build/dev/fieldd python3 tests/web/run_web.py --exec node tests/web/board_shots.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { browser, ok, sql, seoulDate, PASSWORD, WEB } from './lib.mjs';

const DOCS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');
const date = seoulDate(1);
const person = async (login, name, role, team_id) => {
  const u = await ok('POST', '/users', { login, name, role, password: PASSWORD, skills: ['desktop', 'laptop', 'printer'], team_id });
  sql(`UPDATE users SET work_start = '08:00', work_end = '20:00', work_days = '{1,2,3,4,5,6,7}' WHERE id = ${u.id}`);
  return u;
};
const desk = await person('desk', '김상황', 'dispatcher');
const lead = await person('lead1', '최팀장', 'lead');
const team = await ok('POST', '/teams', { name: '1팀', lead_id: lead.id });
const engs = [];
for (const [l, n] of [['e1', '강민준'], ['e2', '이서연'], ['e3', '박지훈']]) engs.push(await person(l, n, 'engineer', team.id));
const custs = [];
for (const [n, rank, dep] of [['윤국장', 'executive', '기획국'], ['한주무관', 'staff', '민원과'], ['정주무관', 'staff', '총무과'], ['오주무관', 'staff', '세무과']])
  custs.push(await ok('POST', '/customers', { name: n, rank, phone: '010-7000-0000', department: dep, title: n.slice(1) }));
let k = 0;
const ticket = async (c, kind, fault) => {
  const d = await ok('POST', '/devices', { asset_tag: `PC-${++k}`, kind, model: kind === 'printer' ? 'LaserJet M404' : 'OptiPlex 7090', customer_id: c.id, location: { building: '본관', floor: '3층', room: '301호' } });
  return ok('POST', '/tickets', { customer_id: c.id, device_id: d.id, fault_code: fault, symptom: '증상', channel: 'phone', verification: 'callback' });
};
const book = async (t, e, h, leadId) => ok('POST', `/tickets/${t.id}/visits`, { engineer_id: e.id, lead_id: leadId, start: `${date}T${String(h).padStart(2, '0')}:00:00+09:00`, end: `${date}T${String(h + 1).padStart(2, '0')}:00:00+09:00` });
const vip = await ticket(custs[0], 'laptop', 'NO_BOOT');
await book(vip, engs[0], 10, lead.id);
for (const [i, h] of [[1, 9], [2, 13], [3, 15]]) {
  const t = await ticket(custs[i], i === 1 ? 'printer' : 'desktop', i === 1 ? 'PRINT_JAM' : 'SLOW');
  const v = await book(t, engs[i - 1], h);
  if (i !== 3) await ok('POST', `/visits/${v.id}/precall`, { outcome: 'reached', note: '확인' });
}
await ticket(custs[2], 'monitor', 'DISPLAY');
await ticket(custs[3], 'desktop', 'NETWORK');

const b = await browser();
const ctx = await b.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
const page = await ctx.newPage();
await page.goto(WEB + '/');
await page.getByLabel('아이디', { exact: true }).fill(desk.login);
await page.getByLabel('비밀번호', { exact: true }).fill(PASSWORD);
await page.getByRole('button', { name: '로그인', exact: true }).click();
await page.waitForURL(WEB + '/dispatch/');
await page.getByRole('region', { name: /에스컬레이션/ }).getByRole('link').first().waitFor();
await page.screenshot({ path: path.join(DOCS, 'board-lanes.png') });
await page.goto(`${WEB}/dispatch/#/day/${date}`);
await page.locator('li.slot').nth(3).waitFor();
await page.screenshot({ path: path.join(DOCS, 'board-day.png') });
await b.close();
console.log('docs/board-lanes.png, docs/board-day.png');
