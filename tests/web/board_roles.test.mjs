// Roles on the board: a team lead sees their team's people and visits and may move their
// team's visit; another team's ticket is refused with the API's reason, in Korean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browser, ok, sql, axe, seoulDate, PASSWORD, WEB } from './lib.mjs';

let b;
before(async () => { b = await browser(); });
after(async () => { await b?.close(); });

const tag = String(process.pid);
async function user(login, role, extra = {}) {
  const u = await ok('POST', '/users', { login, name: extra.name || login, role, password: PASSWORD, skills: ['desktop', 'laptop', 'printer'], ...extra });
  sql(`UPDATE users SET work_start = '00:00', work_end = '23:59', work_days = '{1,2,3,4,5,6,7}' WHERE id = ${u.id}`);
  return u;
}

test("a lead sees their team's day, moves their team's visit, and is refused another team's ticket", async () => {
  const lead = await user(`rlead_${tag}`, 'lead', { name: `한팀장${tag}` });
  const team = await ok('POST', '/teams', { name: `1팀 ${tag}`, lead_id: lead.id });
  const mine = await user(`reng_${tag}`, 'engineer', { name: `우리기사${tag}`, team_id: team.id });
  const lead2 = await user(`rlead2_${tag}`, 'lead', { name: `남팀장${tag}` });
  const team2 = await ok('POST', '/teams', { name: `2팀 ${tag}`, lead_id: lead2.id });
  const other = await user(`reng2_${tag}`, 'engineer', { name: `남의기사${tag}`, team_id: team2.id });
  const cust = await ok('POST', '/customers', { name: `역할고객${tag}`, phone: '010-6666-0001' });
  const date = seoulDate(1);
  const make = async (eng, h, n) => {
    const dev = await ok('POST', '/devices', { asset_tag: `ROLE-${tag}-${n}`, kind: 'desktop', customer_id: cust.id });
    const t = await ok('POST', '/tickets', { customer_id: cust.id, device_id: dev.id, fault_code: 'SLOW', symptom: '느림', channel: 'phone', verification: 'callback' });
    const v = await ok('POST', `/tickets/${t.id}/visits`, { engineer_id: eng.id, start: `${date}T${h}:00:00+09:00`, end: `${date}T${h + 1}:00:00+09:00` });
    return { t, v };
  };
  const a = await make(mine, 10, 1);
  const o = await make(other, 11, 2);

  const ctx = await b.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(WEB + '/');
  await page.getByLabel('아이디', { exact: true }).fill(lead.login);
  await page.getByLabel('비밀번호', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: '로그인', exact: true }).click();
  await page.waitForURL(WEB + '/m/'); // a lead's own app is the phone app; the board is one link away
  await page.goto(`${WEB}/dispatch/#/day/${date}`);
  await page.getByRole('region', { name: mine.name, exact: true }).getByRole('link', { name: /10:00/ }).waitFor();
  assert.equal(await page.getByRole('region', { name: other.name, exact: true }).count(), 0, "another team's engineer has no row");
  await axe(page, 'day view of a lead');

  // their team's visit: moved to 15:00 with a reason
  await page.goto(`${WEB}/dispatch/#/tickets/${a.t.id}`);
  await page.getByText('1차 방문').waitFor();
  await page.getByLabel('시작').fill(`${date}T15:00`);
  await page.getByLabel('끝', { exact: true }).fill(`${date}T16:00`);
  await page.getByLabel('배정 사유').fill('고객이 오후를 원함');
  await page.getByRole('button', { name: '배정', exact: true }).click();
  await page.locator('li.panel').filter({ hasText: '15:00' }).waitFor();
  const moved = await ok('GET', `/visits/${a.v.id}`);
  assert.equal(new Date(moved.start).toISOString(), new Date(`${date}T15:00:00+09:00`).toISOString());

  // another team's ticket: the API does not show it, nor does the board
  await page.goto(`${WEB}/dispatch/#/tickets/${o.t.id}`);
  await page.getByRole('alert').filter({ hasText: /찾을 수 없습니다|권한이 없습니다/ }).waitFor();
  assert.equal(await page.getByRole('button', { name: '배정', exact: true }).count(), 0);
  assert.deepEqual(problems, []);
  await ctx.close();
});
