// A visit that belongs to a large job's work plan (R12) in the engineer app: the engineer
// sees the plan (title, status, scope) on the visit and among their plans, without the
// plan's steps (they are the lead's); the lead on the same visit starts the plan, then
// writes the completion report with no signal and it is sent from the outbox when the
// signal is back. axe-core at 320 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browser, phone, signIn, ok, sql, axe, until, settled, touchTargets, noHorizontalScroll, seoulDate, login, PASSWORD } from './lib.mjs';

let b;
before(async () => { b = await browser(); });
after(async () => { await b?.close(); });

const tag = String(process.pid);
async function user(loginName, role, extra = {}) {
  const u = await ok('POST', '/users', { login: loginName, name: extra.name || loginName, role, password: PASSWORD, skills: ['desktop'], ...extra });
  sql(`UPDATE users SET work_start = '00:00', work_end = '23:59', work_days = '{1,2,3,4,5,6,7}' WHERE id = ${u.id}`);
  return u;
}

test('the plan on a visit: the engineer sees it; the lead starts it and reports it offline', async () => {
  const lead = await user(`plead_${tag}`, 'lead', { name: '오팀장', phone: '010-8888-0001' });
  const team = await ok('POST', '/teams', { name: `이전팀 ${tag}`, lead_id: lead.id });
  sql(`UPDATE users SET team_id = ${team.id} WHERE id = ${lead.id}`);
  const eng = await user(`peng_${tag}`, 'engineer', { name: '유기사', team_id: team.id });
  const cust = await ok('POST', '/customers', { name: '총무과 서무', phone: '010-8888-0002', department: '총무과' });
  const dev = await ok('POST', '/devices', { asset_tag: `PLAN-${tag}`, kind: 'desktop', customer_id: cust.id, location: { building: '본관', floor: '3층', room: '301호' } });
  const t = await ok('POST', '/tickets', { customer_id: cust.id, device_id: dev.id, fault_code: 'NETWORK', symptom: 'PC 이전 후 연결', channel: 'phone', verification: 'callback' });
  const date = seoulDate();
  const v = await ok('POST', `/tickets/${t.id}/visits`, { engineer_id: eng.id, lead_id: lead.id, start: `${date}T15:00:00+09:00`, end: `${date}T16:00:00+09:00` });
  const title = `총무과 PC 40대 5층 이전 ${tag}`;
  const plan = await ok('POST', '/work-plans', { title, description: '3층 사무실 PC 40대를 5층으로 옮기고 네트워크 연결 확인', team_id: team.id, division: '총무과', ticket_ids: [t.id] });
  await ok('POST', `/work-plans/${plan.id}/submit`, {});
  await ok('POST', `/work-plans/${plan.id}/approve`, {}, await login(lead.login));

  // the engineer: the plan among theirs, and on the visit, with no plan steps
  {
    const { ctx, page, problems } = await phone(b, { width: 320 });
    await signIn(page, eng.login);
    const mine = page.getByRole('region', { name: '내 작업 계획' });
    await mine.getByText(title).waitFor();
    await axe(page, 'day with the plans, 320 px');
    await mine.getByRole('link', { name: '방문 보기' }).click();
    const sec = page.getByRole('region', { name: `작업 계획: ${title}` });
    await sec.waitFor();
    assert.match(await sec.innerText(), /승인됨/);
    assert.match(await sec.innerText(), /5층으로 옮기고/);
    assert.match(await sec.innerText(), /접수 1건/);
    assert.equal(await sec.getByRole('button').count(), 0, 'an engineer gets no plan steps');
    await sec.getByText('작업 시작과 완료 보고는 팀장님이 합니다.').waitFor();
    await axe(page, 'visit with its plan (engineer), 320 px');
    await touchTargets(page, 'visit with its plan (engineer)');
    await noHorizontalScroll(page, 'visit with its plan (engineer)');
    assert.deepEqual(problems, []);
    await ctx.close();
  }

  // the lead on the same visit: 작업 시작, then 완료 보고 written with no signal
  const { ctx, page, problems } = await phone(b, { width: 320 });
  await signIn(page, lead.login);
  await page.goto(page.url() + `#/visits/${v.id}`);
  const sec = page.getByRole('region', { name: `작업 계획: ${title}` });
  await sec.getByRole('button', { name: '작업 시작' }).click();
  await until(async () => (await ok('GET', `/work-plans/${plan.id}`)).status === 'in_progress', 'the plan started');
  await settled(page);
  assert.equal(await sec.locator('.st').innerText(), '작업 중');

  await ctx.setOffline(true);
  await page.evaluate(() => window.dispatchEvent(new Event('offline')));
  await sec.getByRole('button', { name: '완료 보고' }).click();
  await sec.getByRole('button', { name: '완료 보고' }).click(); // empty: refused in the page
  await sec.getByRole('alert').filter({ hasText: '완료 보고서를 적어 주세요.' }).waitFor();
  await sec.getByLabel('완료 보고서').fill('PC 40대 이전, 네트워크 40회선 확인 완료');
  await sec.getByRole('button', { name: '완료 보고' }).click();
  await page.locator('div.status[role=status]').filter({ hasText: '대기 1건' }).waitFor();
  assert.equal(await sec.locator('.st').innerText(), '완료', 'the phone shows the plan completed at once');
  assert.equal((await ok('GET', `/work-plans/${plan.id}`)).status, 'in_progress', 'nothing sent without a signal');
  await axe(page, 'visit with its plan (lead, offline), 320 px');

  await ctx.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await settled(page);
  const done = await until(async () => { const p = await ok('GET', `/work-plans/${plan.id}`); return p.status === 'completed' && p; }, 'the report sent');
  assert.equal(done.report, 'PC 40대 이전, 네트워크 40회선 확인 완료');
  assert.equal(done.completed_by.id, lead.id);
  assert.deepEqual(problems, []);
  await ctx.close();
});
