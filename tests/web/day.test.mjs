// An engineer's whole day through the phone app, in Debian's chromium on a 360 px phone,
// against the real fieldd and PostgreSQL: log in, the day's list, the visit page, pre-call,
// depart, arrive, estimate, consent, the checklist (partial save, the completion gate,
// finishing it), complete; the server's state is checked over the API after each step and
// axe-core checks every screen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browser, phone, signIn, seedDay, ok, axe, settled, until, touchTargets, noHorizontalScroll, seoulDate, WEB } from './lib.mjs';

let b;
before(async () => { b = await browser(); console.log('# chromium', b.version()); });
after(async () => { await b?.close(); });

const visitOf = (id, token) => ok('GET', `/visits/${id}`, undefined, token);

test('an engineer works through a visit from log-in to completion', async () => {
  const day = await seedDay('day_eng', { hours: [10, 14] });
  const [v1, v2] = day.visits;
  const { page, problems } = await phone(b);

  // log in: the login page is accessible, then the app shows today's visits in time order
  await page.goto(WEB + '/');
  await axe(page, 'login');
  await signIn(page, day.login);
  await page.getByRole('heading', { name: '오늘 방문' }).waitFor();
  const cards = page.getByRole('link', { name: /박민수/ });
  await until(async () => (await cards.count()) === 2, 'both visits listed');
  assert.match(await cards.nth(0).textContent(), /10:00–11:00.*확인 전/);
  assert.match(await cards.nth(1).textContent(), /14:00–15:00.*확인 전/);
  assert.match(await cards.nth(0).textContent(), /본관 3층 301호/);
  await axe(page, 'day list');
  await touchTargets(page, 'day list');
  await noHorizontalScroll(page, 'day list');

  // the visit page: what is needed before arrival, a tel: link, the next step
  await cards.nth(0).click();
  await page.waitForURL(`${WEB}/m/#/visits/${v1.id}`);
  await page.getByRole('heading', { name: /박민수/ }).waitFor();
  assert.equal(await page.getByRole('link', { name: /010-1234-5678 전화/ }).first().getAttribute('href'), 'tel:010-1234-5678');
  await page.getByText('전원이 들어오지만 화면이 안 나옴').first().waitFor();
  await page.getByRole('heading', { name: '이 장비의 고장 이력' }).waitFor();
  const next = page.locator('button.big');
  assert.equal(await next.textContent(), '사전 연락');
  await axe(page, 'visit (proposed)');
  await touchTargets(page, 'visit page');

  // 사전 연락 → 통화 완료: confirmed
  await next.click();
  await page.getByRole('button', { name: '통화 완료', exact: true }).waitFor();
  await axe(page, 'pre-call form');
  await page.getByLabel('메모').fill('10시 방문 확인');
  await page.getByRole('button', { name: '통화 완료', exact: true }).click();
  await settled(page);
  let s = await until(async () => { const v = await visitOf(v1.id, day.token); return v.status === 'confirmed' && v; }, 'visit confirmed');
  assert.equal(s.precall_attempts.at(-1).outcome, 'reached');
  assert.equal(s.precall_attempts.at(-1).note, '10시 방문 확인');
  await page.getByText('확정').first().waitFor();

  // 출발: en route
  assert.equal(await next.textContent(), '출발');
  await axe(page, 'visit (confirmed)');
  await next.click();
  await settled(page);
  s = await until(async () => { const v = await visitOf(v1.id, day.token); return v.status === 'en_route' && v; }, 'visit en route');
  assert.ok(s.departed_at);

  // 도착: on site
  assert.equal(await next.textContent(), '도착');
  await next.click();
  await settled(page);
  s = await until(async () => { const v = await visitOf(v1.id, day.token); return v.status === 'on_site' && v; }, 'visit on site');
  assert.ok(s.arrived_at);

  // 예상 시간 (minutes, explanation)
  assert.equal(await next.textContent(), '예상 시간');
  await next.click();
  await page.getByLabel('예상 작업 시간 (분)').fill('45');
  await page.getByLabel('고객에게 한 설명').fill('그래픽카드 재장착 후 점검');
  await axe(page, 'estimate form');
  await page.getByRole('button', { name: '예상 시간', exact: true }).click();
  await settled(page);
  s = await until(async () => { const v = await visitOf(v1.id, day.token); return v.estimate && v; }, 'estimate stored');
  assert.equal(s.estimate.minutes, 45);
  assert.equal(s.estimate.explanation, '그래픽카드 재장착 후 점검');

  // 고객 동의 (the customer's name is offered)
  assert.equal(await next.textContent(), '고객 동의');
  await next.click();
  assert.equal(await page.getByLabel('동의한 분').inputValue(), '박민수');
  await page.getByRole('button', { name: '고객 동의', exact: true }).click();
  await settled(page);
  s = await until(async () => { const v = await visitOf(v1.id, day.token); return v.consent && v; }, 'consent stored');
  assert.equal(s.consent.by, '박민수');

  // the checklist is next; 완료 before it is explained, not sent
  assert.equal(await next.textContent(), '점검표');
  await page.getByRole('button', { name: '완료', exact: true }).click();
  await page.getByLabel('처리 내용').fill('그래픽카드 재장착');
  await page.getByRole('button', { name: '완료', exact: true }).click();
  const gate = page.getByRole('alert').filter({ hasText: '점검표를 먼저 마쳐야' });
  await gate.waitFor();
  assert.match(await gate.textContent(), /전원 및 부팅|필수 항목/);
  assert.equal((await visitOf(v1.id, day.token)).status, 'on_site');
  await page.getByRole('button', { name: '닫기' }).click();

  // 점검표: every item type, required marks, a partial save, then the rest and 점검 마침
  await next.click();
  await page.waitForURL(`${WEB}/m/#/visits/${v1.id}/checklist`);
  await page.getByRole('heading', { name: /점검표/ }).waitFor();
  const cl0 = await ok('GET', `/visits/${v1.id}/checklist`, undefined, day.token);
  const types = new Set(cl0.items.map((i) => i.type));
  assert.deepEqual([...types].sort(), ['check', 'choice', 'number', 'pass_fail', 'text']);
  await axe(page, 'checklist');
  await touchTargets(page, 'checklist');
  const req = cl0.items.filter((i) => i.required);
  // the required ones say so to everyone, screen readers included
  for (const it of req.filter((i) => i.type === 'pass_fail')) await page.getByRole('group', { name: `${it.label} (필수)` }).waitFor();

  const fill = async (it) => {
    if (it.type === 'check') return page.getByRole('checkbox', { name: new RegExp('^' + it.label) }).check();
    if (it.type === 'pass_fail') return page.getByRole('group', { name: new RegExp('^' + it.label) }).getByLabel('적합', { exact: true }).check();
    if (it.type === 'number') return page.locator(`#ck-${it.key}`).fill(String(it.min !== undefined ? Math.max(it.min, 8) : 8));
    if (it.type === 'text') return page.locator(`#ck-${it.key}`).fill('최신');
    if (it.type === 'choice') return page.locator(`#ck-${it.key}`).selectOption(it.options[0]);
  };
  const [firstHalf, secondHalf] = [req.slice(0, 4), req.slice(4)];
  for (const it of firstHalf) await fill(it);
  await page.getByRole('button', { name: '저장', exact: true }).click();
  await settled(page);
  let cl = await until(async () => { const c = await ok('GET', `/visits/${v1.id}/checklist`, undefined, day.token); return c.items.filter((i) => i.answer).length === firstHalf.length && c; }, 'partial save stored');
  assert.equal(cl.complete, false);
  for (const it of firstHalf) assert.notEqual(cl.items.find((i) => i.key === it.key).answer, null, it.key);

  // 점검 마침 with a required item left out is refused on the phone, naming it
  await page.getByRole('button', { name: '점검 마침' }).click();
  await page.getByText(/필수 항목을 먼저 채우세요: .*/).waitFor();
  for (const it of secondHalf) await fill(it);
  await page.getByRole('button', { name: '점검 마침' }).click();
  await settled(page);
  cl = await until(async () => { const c = await ok('GET', `/visits/${v1.id}/checklist`, undefined, day.token); return c.complete && c; }, 'checklist completed');
  assert.equal(cl.items.filter((i) => i.required && i.answer === null).length, 0);

  // 완료: completed and resolved
  await page.getByRole('link', { name: '방문으로' }).click();
  await page.waitForURL(`${WEB}/m/#/visits/${v1.id}`);
  await until(async () => (await next.textContent()) === '완료', 'complete is the next step');
  await next.click();
  await page.getByLabel('처리 내용').fill('그래픽카드 재장착, 정상 출력 확인');
  await axe(page, 'complete form');
  await page.getByRole('button', { name: '완료', exact: true }).click();
  await settled(page);
  s = await until(async () => { const v = await visitOf(v1.id, day.token); return v.status === 'completed' && v; }, 'visit completed');
  assert.equal(s.resolved, true);
  assert.equal(s.resolution, '그래픽카드 재장착, 정상 출력 확인');

  // back on the list: the first is 완료, the second still waits
  await page.getByRole('link', { name: '방문 목록' }).click();
  await until(async () => /완료/.test(await cards.nth(0).textContent()), 'list shows 완료');
  assert.match(await cards.nth(1).textContent(), /확인 전/);
  assert.equal((await visitOf(v2.id, day.token)).status, 'proposed');

  // log out: back at the login page, the session is gone
  await page.getByRole('button', { name: '로그아웃' }).click();
  await page.waitForURL(WEB + '/');
  assert.equal((await page.context().request.get(WEB + '/api/v1/me')).status(), 401);
  assert.deepEqual(problems, []);
});

test('the other steps: no answer, reschedule, late notice, customer absent, cancel', async () => {
  const day = await seedDay('steps_eng', { hours: [9, 15] });
  const [v1, v2] = day.visits;
  const { page, problems } = await phone(b);
  await signIn(page, day.login);
  const next = page.locator('button.big');

  // 사전 연락 → 부재중: still 확인 전, the attempt recorded
  await page.goto(`${WEB}/m/#/visits/${v1.id}`);
  await next.click();
  await page.getByRole('button', { name: '부재중', exact: true }).click();
  let s = await until(async () => { const v = await visitOf(v1.id, day.token); return v.precall_attempts.length === 1 && v; }, 'no-answer recorded');
  assert.equal(s.precall_attempts[0].outcome, 'no_answer');
  assert.equal(s.status, 'proposed');
  await settled(page);
  assert.equal(await next.textContent(), '사전 연락');

  // 사전 연락 → 일정 변경 to the day after tomorrow, 15:30 for 90 minutes
  const later = seoulDate(2);
  await next.click();
  await page.getByLabel('새 날짜').fill(later);
  await page.getByLabel('시작').selectOption('15:30');
  await page.getByLabel('길이').selectOption('90');
  await page.getByRole('button', { name: '일정 변경', exact: true }).click();
  s = await until(async () => { const v = await visitOf(v1.id, day.token); return v.status === 'confirmed' && v; }, 'rescheduled and confirmed');
  assert.equal(Date.parse(s.start), Date.parse(`${later}T15:30:00+09:00`));
  assert.equal(Date.parse(s.end), Date.parse(`${later}T17:00:00+09:00`));
  assert.equal(s.precall_attempts.at(-1).outcome, 'reschedule');

  // 지연 알림 (minutes and a note), then 고객 부재 with the memo
  await settled(page);
  await page.getByRole('button', { name: '지연 알림', exact: true }).click();
  await page.getByLabel('늦는 시간 (분)').fill('20');
  await page.getByLabel('메모 (고객에게 전할 말)').fill('앞 작업이 길어짐');
  await axe(page, 'late notice form');
  await page.getByRole('button', { name: '지연 알림', exact: true }).click();
  s = await until(async () => { const v = await visitOf(v1.id, day.token); return v.late_notice && v; }, 'late notice stored');
  assert.equal(s.late_notice.minutes, 20);
  await settled(page);
  await page.getByRole('button', { name: '고객 부재', exact: true }).click();
  await page.getByLabel('메모', { exact: true }).fill('문 앞에 방문 카드');
  await page.getByRole('button', { name: '고객 부재', exact: true }).click();
  s = await until(async () => { const v = await visitOf(v1.id, day.token); return v.status === 'absent' && v; }, 'absent');
  assert.equal(s.absent.memo_left, true);
  assert.equal(s.absent.note, '문 앞에 방문 카드');
  await page.getByRole('heading', { name: /고객 부재/ }).waitFor();
  assert.equal(await next.count(), 0);

  // 방문 취소 needs a reason
  await page.goto(`${WEB}/m/#/visits/${v2.id}`);
  await page.getByRole('button', { name: '방문 취소', exact: true }).click();
  await page.getByRole('button', { name: '방문 취소', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: '취소 사유를 적어 주세요' }).waitFor();
  await page.getByLabel('취소 사유').fill('고객이 장비를 교체함');
  await page.getByRole('button', { name: '방문 취소', exact: true }).click();
  s = await until(async () => { const v = await visitOf(v2.id, day.token); return v.status === 'cancelled' && v; }, 'cancelled');
  assert.equal(s.cancel_reason, '고객이 장비를 교체함');
  await page.getByRole('heading', { name: /취소/ }).waitFor();
  assert.deepEqual(problems, []);
});
