// Replays that failed on an engineer's phone reach the board: the phone queued steps
// offline, the dispatcher cancelled the visit meanwhile, the phone's replay is refused
// (409) and the phone reports it; the board's lane "휴대폰 재전송 실패" shows it without
// reload (the event stream), with the ticket and the step, and "처리 완료" takes it off
// (recorded on the server with who did it).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browser, phone, signIn, seedDay, ok, sql, axe, until, PASSWORD, WEB } from './lib.mjs';

let b;
before(async () => { b = await browser(); });
after(async () => { await b?.close(); });

const tag = String(process.pid);
const statusText = (page) => page.locator('div.status[role=status]').innerText();

async function board(ctx, loginName) {
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
  await page.waitForURL(WEB + '/dispatch/');
  await page.getByRole('navigation', { name: '상황판 메뉴' }).waitFor();
  await page.evaluate(() => { window.__sameDocument = true; });
  return { page, problems };
}

test('a step the server refused on replay shows in the board lane and is marked handled', async () => {
  const desk = await ok('POST', '/users', { login: `rfdesk_${tag}`, name: '상황실 정', role: 'dispatcher', password: PASSWORD });
  const day = await seedDay('rf_eng', { hours: [14] });
  const v = day.visits[0];
  const ticket = await ok('GET', `/tickets/${v.ticket_id}`);

  const deskCtx = await b.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
  const desk1 = await board(deskCtx, desk.login);
  const lane = desk1.page.getByRole('region', { name: /휴대폰 재전송 실패/ });
  await lane.getByText('거절된 재전송이 없습니다.').waitFor();

  // the engineer records the pre-call and the departure offline
  const { ctx, page, problems } = await phone(b);
  await signIn(page, day.login);
  await page.goto(`${WEB}/m/#/visits/${v.id}`);
  await page.locator('button.big').waitFor();
  await ctx.setOffline(true);
  await until(async () => /오프라인/.test(await statusText(page)), '오프라인 shown');
  await page.locator('button.big').click(); // 사전 연락
  await page.getByRole('button', { name: '통화 완료', exact: true }).click();
  await until(async () => /대기 1건/.test(await statusText(page)), '대기 1건 shown');
  // meanwhile the desk cancels the visit; back online, the replay is refused
  await ok('POST', `/visits/${v.id}/cancel`, { reason: '고객 요청으로 취소' });
  await ctx.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await page.getByRole('alert').filter({ hasText: '사전 연락' }).waitFor();

  // the board shows it by itself: the ticket, the step, the engineer
  const card = lane.getByRole('listitem').filter({ hasText: ticket.number });
  await card.waitFor({ timeout: 15000 });
  const text = await card.innerText();
  assert.match(text, /사전 연락/);
  assert.match(text, new RegExp(day.user.name));
  assert.match(text, /방문 상태가 이미 바뀌어/); // the 409 in words, never the code
  assert.doesNotMatch(text, /step_out_of_order|409/);
  assert.match(await lane.getByRole('heading').innerText(), /1건/);
  assert.equal(await desk1.page.evaluate(() => window.__sameDocument), true, 'no reload');
  await axe(desk1.page, 'board with a refused replay');
  // the ticket link opens the ticket page
  assert.equal(await card.getByRole('link', { name: ticket.number }).getAttribute('href'), `#/tickets/${ticket.id}`);

  // handled: it leaves the lane, and the server knows who handled it
  await card.getByRole('button', { name: '처리 완료', exact: true }).click();
  await lane.getByText('거절된 재전송이 없습니다.').waitFor();
  const listed = await ok('GET', `/replay-failures?ticket_id=${ticket.id}`);
  assert.equal(listed.items.length, 1);
  assert.equal(listed.items[0].state, 'handled');
  assert.equal(listed.items[0].handled.by.id, desk.id);
  assert.equal(listed.items[0].visit_id, v.id);
  assert.equal(sql(`SELECT count(*) FROM audit_events WHERE replay_failure_id = ${listed.items[0].id} AND actor_id = ${desk.id}`), '1');
  assert.deepEqual(problems, []);
  assert.deepEqual(desk1.problems, []);
  await ctx.close();
  await deskCtx.close();
});
