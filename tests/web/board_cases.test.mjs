// The board's outbox, complaint queue and work plans (#/outbox, #/complaints, #/plans):
// a dead letter appears live with its reason and 다시 보내기 queues it again; a complaint
// is taken a step from the board; a lead approves a plan and a second board sees it move
// without reload. axe-core on each screen at 320 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browser, ok, sql, until, axe, noHorizontalScroll, PASSWORD, WEB } from './lib.mjs';

let b;
before(async () => { b = await browser(); });
after(async () => { await b?.close(); });

const tag = String(process.pid);
let n = 0;
async function user(role, extra = {}) {
  const login = `case_${role}_${tag}_${++n}`;
  const u = await ok('POST', '/users', { login, name: extra.name || login, role, password: PASSWORD, skills: ['desktop'], ...extra });
  return u;
}

async function board(loginName, hash, width = 320) {
  const ctx = await b.newContext({ viewport: { width, height: 900 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
  const page = await ctx.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  page.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/.test(m.text())) problems.push('csp: ' + m.text());
  });
  await page.goto(WEB + '/');
  await page.getByLabel('아이디', { exact: true }).fill(loginName);
  await page.getByLabel('비밀번호', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: '로그인', exact: true }).click();
  await page.waitForURL(/\/(m|dispatch)\/$/);
  await page.goto(WEB + '/dispatch/' + hash);
  await page.getByRole('navigation', { name: '상황판 메뉴' }).waitFor();
  // nothing below reloads the page: what appears came through the event stream
  await page.evaluate(() => { window.__sameDocument = true; });
  return { ctx, page, problems };
}

const sameDocument = (page) => page.evaluate(() => window.__sameDocument === true);

async function ticket(cust) {
  const dev = await ok('POST', '/devices', { asset_tag: `CASE-${tag}-${++n}`, kind: 'desktop', customer_id: cust.id });
  return ok('POST', '/tickets', { customer_id: cust.id, device_id: dev.id, fault_code: 'SLOW', symptom: '느림', channel: 'phone', verification: 'callback' });
}

test('the outbox: a dead letter appears live with its reason; 다시 보내기 queues it again', async () => {
  const desk = await user('dispatcher');
  const cust = await ok('POST', '/customers', { name: `발송고객${tag}`, phone: '010-3333-0001' });
  const t = await ticket(cust);
  const { ctx, page, problems } = await board(desk.login, '#/outbox');
  const dead = page.getByRole('region', { name: /보내지 못한 알림/ });
  const retrying = page.getByRole('region', { name: /다시 보내는 중/ });
  await dead.waitFor();
  await page.waitForTimeout(500); // the stream is open

  // what a delivery worker writes when it gives up, and when an attempt failed
  const id = Number(sql(`INSERT INTO notifications (ticket_id, recipient_kind, recipient_id, recipient, channel, template, status, attempts, last_error)
    VALUES (${t.id}, 'customer', ${cust.id}, '010-3333-0001', 'sms', 'delay_notice', 'dead', 8, 'gateway answered 410 Gone ${tag}') RETURNING id`));
  const rid = Number(sql(`INSERT INTO notifications (ticket_id, recipient_kind, recipient_id, recipient, channel, template, status, attempts, last_error, next_attempt_at)
    VALUES (${t.id}, 'customer', ${cust.id}, '010-3333-0001', 'sms', 'result_notice', 'queued', 2, 'timeout after 10 s ${tag}', now() + interval '1 hour') RETURNING id`));
  const row = dead.locator(`li[data-notification="${id}"]`);
  await row.getByText(`gateway answered 410 Gone ${tag}`).waitFor();
  await row.getByText(t.number).waitFor();
  await retrying.locator(`li[data-notification="${rid}"]`).getByText(`timeout after 10 s ${tag}`).waitFor();
  await axe(page, 'the outbox');
  await noHorizontalScroll(page, 'the outbox');

  await row.getByRole('button', { name: /다시 보내기/ }).click();
  await until(async () => (await row.count()) === 0, 'the re-sent notice left the dead letters');
  const after = sql(`SELECT status || ':' || attempts FROM notifications WHERE id = ${id}`);
  assert.match(after, /^(queued:0|queued:1|sent:1)$/, 'queued again with its attempts reset (or already sent)');
  assert.equal(sql(`SELECT count(*) FROM audit_events WHERE action = 'notification.resend' AND after->>'notification_id' = '${id}'`), '1');
  // the API lists the same: not dead any more, the retrying one still retrying
  const listed = await ok('GET', '/notifications?status=dead&limit=500');
  assert.ok(!listed.items.some((x) => x.id === id));
  const r = await ok('GET', '/notifications?status=retrying&limit=500');
  assert.ok(r.items.some((x) => x.id === rid && x.retrying === true));
  assert.ok(await sameDocument(page));
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('the complaint queue: a survey candidate is listed apart; a complaint is analysed from the board', async () => {
  const desk = await user('dispatcher');
  const cust = await ok('POST', '/customers', { name: `민원고객${tag}`, phone: '010-4444-0001' });
  const t = await ticket(cust);
  const { ctx, page, problems } = await board(desk.login, '#/complaints');
  await page.getByRole('region', { name: /만족도 낮은 평가/ }).waitFor();
  await page.waitForTimeout(500);

  const c = await ok('POST', '/complaints', { ticket_id: t.id, channel: 'phone', description: `기사가 약속 시간에 늦었습니다 ${tag}`, result_channel: 'sms' });
  // what a survey with a low rating opens (public survey, pg_cases.c)
  const sid = Number(sql(`INSERT INTO complaints (customer_id, ticket_id, channel, description, result_channel)
    VALUES (${cust.id}, ${t.id}, 'survey', '만족도 1점 ${tag}', 'sms') RETURNING id`));
  const received = page.getByRole('region', { name: /^접수/ });
  const item = received.locator(`li[data-complaint="${c.id}"]`);
  await item.getByText(`기사가 약속 시간에 늦었습니다 ${tag}`).waitFor();
  await page.getByRole('region', { name: /만족도 낮은 평가/ }).locator(`li[data-complaint="${sid}"]`).waitFor();
  await axe(page, 'the complaint queue');
  await noHorizontalScroll(page, 'the complaint queue');

  // an empty cause is refused in the page, nothing sent
  await item.getByRole('button', { name: '원인 분석 기록' }).click();
  await item.getByRole('alert').filter({ hasText: '원인을 적어 주세요.' }).waitFor();
  assert.equal((await ok('GET', `/complaints/${c.id}`)).status, 'received');

  await item.getByLabel('원인', { exact: true }).fill('앞 방문이 길어졌는데 연락하지 않음');
  await item.getByRole('button', { name: '원인 분석 기록' }).click();
  const analysed = page.getByRole('region', { name: /^원인 분석/ }).locator(`li[data-complaint="${c.id}"]`);
  await analysed.getByText('앞 방문이 길어졌는데 연락하지 않음').waitFor();
  assert.equal(await item.count(), 0);
  const got = await ok('GET', `/complaints/${c.id}`);
  assert.equal(got.status, 'analysed');
  assert.equal(got.analysed_by.id, desk.id);

  // the next step is offered: 처리 결과 기록; training without a person is the API's refusal
  await analysed.getByLabel('처리 내용', { exact: true }).fill('기사 일정 조정, 사과 연락');
  await analysed.getByText('고객응대교육 실시').click();
  await analysed.getByRole('button', { name: '처리 결과 기록' }).click();
  await analysed.getByRole('alert').filter({ hasText: '교육 대상 직원' }).waitFor();
  assert.equal((await ok('GET', `/complaints/${c.id}`)).status, 'analysed');

  // a step taken elsewhere (over the API) moves the card here too
  await ok('POST', `/complaints/${sid}/analyse`, { cause: '설명 부족' });
  await page.getByRole('region', { name: /^원인 분석/ }).locator(`li[data-complaint="${sid}"]`).waitFor();
  assert.ok(await sameDocument(page));
  assert.deepEqual(problems, []);
  await ctx.close();
});

test('work plans: the lead approves one and rejects another with a reason; a second board sees it live', async () => {
  const lead = await user('lead', { name: `계획팀장${tag}` });
  const team = await ok('POST', '/teams', { name: `계획팀 ${tag}`, lead_id: lead.id });
  sql(`UPDATE users SET team_id = ${team.id} WHERE id = ${lead.id}`);
  const desk = await user('dispatcher');
  const p1 = await ok('POST', '/work-plans', { title: `총무과 PC 이전 ${tag}`, description: '3층에서 5층으로 PC 40대 이전', team_id: team.id, division: '총무과' });
  const p2 = await ok('POST', '/work-plans', { title: `본관 네트워크 재구성 ${tag}`, description: '스위치 교체', team_id: team.id });
  await ok('POST', `/work-plans/${p1.id}/submit`, {});

  const L = await board(lead.login, '#/plans');
  const D = await board(desk.login, '#/plans', 1280);
  const waitingL = L.page.getByRole('region', { name: /승인 대기/ });
  const waitingD = D.page.getByRole('region', { name: /승인 대기/ });
  await waitingL.locator(`li[data-plan="${p1.id}"]`).waitFor();
  await waitingD.locator(`li[data-plan="${p1.id}"]`).waitFor();
  // the desk sees it but may not decide
  assert.equal(await waitingD.getByRole('button', { name: /승인/ }).count(), 0);
  await L.page.waitForTimeout(500);

  // submitted elsewhere: appears on both boards live
  await ok('POST', `/work-plans/${p2.id}/submit`, {});
  await waitingL.locator(`li[data-plan="${p2.id}"]`).waitFor();
  await waitingD.locator(`li[data-plan="${p2.id}"]`).waitFor();
  await axe(L.page, 'work plans (lead)');
  await noHorizontalScroll(L.page, 'work plans (lead)');

  await waitingL.getByRole('button', { name: `승인: 총무과 PC 이전 ${tag}` }).click();
  const approvedD = D.page.getByRole('region', { name: /승인됨/ }).locator(`li[data-plan="${p1.id}"]`);
  await approvedD.waitFor();
  assert.equal(await waitingD.locator(`li[data-plan="${p1.id}"]`).count(), 0);
  const got = await ok('GET', `/work-plans/${p1.id}`);
  assert.equal(got.status, 'approved');
  assert.equal(got.decided_by.id, lead.id);

  // a rejection needs its reason
  const form = L.page.getByRole('form', { name: `반려: 본관 네트워크 재구성 ${tag}` });
  await form.getByRole('button', { name: '반려' }).click();
  await L.page.getByRole('alert').filter({ hasText: '반려 사유를 적어 주세요.' }).waitFor();
  await form.getByLabel('반려 사유').fill('야간 작업 일정이 빠져 있음');
  await form.getByRole('button', { name: '반려' }).click();
  await until(async () => (await waitingD.locator(`li[data-plan="${p2.id}"]`).count()) === 0, 'the rejected plan left the second board');
  const rej = await ok('GET', `/work-plans/${p2.id}`);
  assert.equal(rej.status, 'rejected');
  assert.equal(rej.reject_reason, '야간 작업 일정이 빠져 있음');
  await axe(D.page, 'work plans (desk)');
  assert.ok(await sameDocument(D.page));
  assert.deepEqual([...L.problems, ...D.problems], []);
  await L.ctx.close();
  await D.ctx.close();
});
