// Replays that go wrong: a step the server refuses (the dispatcher cancelled the visit
// while the engineer was offline) stops that visit's queue and is shown in plain Korean,
// never dropped; a session that expired while offline asks for the password and then
// replays with the same Idempotency-Keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browser, phone, signIn, seedDay, ok, sql, axe, until, PASSWORD, WEB } from './lib.mjs';

let b;
before(async () => { b = await browser(); });
after(async () => { await b?.close(); });

const statusText = (page) => page.locator('div.status[role=status]').innerText();

async function offlineWithSteps(login, v, ctx, page) {
  await signIn(page, login);
  await page.goto(`${WEB}/m/#/visits/${v.id}`);
  await page.locator('button.big').waitFor();
  await ctx.setOffline(true);
  await until(async () => /오프라인/.test(await statusText(page)), '오프라인 shown');
  await page.locator('button.big').click(); // 사전 연락
  await page.getByRole('button', { name: '통화 완료', exact: true }).click();
  await page.locator('button.big', { hasText: '출발' }).click();
  await until(async () => /대기 2건/.test(await statusText(page)), '대기 2건 shown');
}

async function goOnline(ctx, page) {
  await ctx.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
}

test('a step refused on replay stops that visit and is explained, not dropped', async () => {
  const day = await seedDay('conflict_eng', { hours: [11, 15] });
  const [v, other] = day.visits;
  const { ctx, page, problems } = await phone(b);
  await offlineWithSteps(day.login, v, ctx, page);
  // another visit of the day gets a step too: its queue is not held up by the conflict
  await page.goto(`${WEB}/m/#/visits/${other.id}`);
  await page.locator('button.big', { hasText: '사전 연락' }).click();
  await page.getByRole('button', { name: '부재중', exact: true }).click();
  await until(async () => /대기 3건/.test(await statusText(page)), '대기 3건 shown');

  // meanwhile the dispatcher cancels the first visit
  await ok('POST', `/visits/${v.id}/cancel`, { reason: '고객 요청으로 취소' });
  await goOnline(ctx, page);

  const alert = page.getByRole('alert').filter({ hasText: '사전 연락' });
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /보내지 못했습니다/);
  assert.match(text, /방문 상태가 이미 바뀌어/); // the 409 in words
  assert.doesNotMatch(await page.locator('body').innerText(), /step_out_of_order|409|conflict/);
  // the visit's 출발 waits behind it (not sent, not dropped); the other visit's pre-call went
  await until(async () => /대기 1건/.test(await statusText(page)) && /보내지 못한 작업 1건/.test(await statusText(page)), 'one failed, one waiting');
  await until(async () => (await ok('GET', `/visits/${other.id}`, undefined, day.token)).precall_attempts.length === 1, 'other visit pre-call sent');
  const server = await ok('GET', `/visits/${v.id}`, undefined, day.token);
  assert.equal(server.status, 'cancelled');
  assert.equal(server.departed_at, null);
  assert.equal(server.precall_attempts.length, 0);
  await axe(page, 'replay conflict shown');

  // the visit page shows the server's view (취소) beside the conflict
  await alert.getByRole('link', { name: '방문 보기' }).click();
  await page.getByRole('heading', { name: /취소/ }).waitFor();
  // read and cleared: the next one of that visit is tried and refused the same way
  await page.getByRole('button', { name: '확인함, 이 작업 지우기' }).click();
  await page.getByRole('alert').filter({ hasText: '출발' }).waitFor();
  assert.match(await statusText(page), /보내지 못한 작업 1건/);
  assert.doesNotMatch(await statusText(page), /대기/);
  await page.getByRole('button', { name: '확인함, 이 작업 지우기' }).click();
  await until(async () => /모두 보냄/.test(await statusText(page)), 'all cleared');
  assert.deepEqual(problems, []);
});

test('an expired session during replay asks for the password, then replays with the same keys', async () => {
  const day = await seedDay('expired_eng', { hours: [13] });
  const v = day.visits[0];
  const { ctx, page, problems } = await phone(b);
  await offlineWithSteps(day.login, v, ctx, page);
  const keys = await page.evaluate(async () => {
    const db = await new Promise((res, rej) => { const r = indexedDB.open('fieldd'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    return new Promise((res) => { const g = db.transaction('outbox').objectStore('outbox').getAll(); g.onsuccess = () => res(g.result.map((i) => i.key)); });
  });
  assert.equal(keys.length, 2);

  // the session ends while the phone is offline
  sql(`DELETE FROM sessions WHERE user_id = ${day.user.id}`);
  await goOnline(ctx, page);
  const form = page.getByRole('form', { name: '다시 로그인' });
  await form.waitFor();
  assert.match(await statusText(page), /대기 2건/);
  assert.equal((await ok('GET', `/visits/${v.id}`, undefined, await loginAgain(day.login))).status, 'proposed');
  await axe(page, 'password asked again');

  await form.getByLabel('비밀번호', { exact: true }).fill(PASSWORD);
  await form.getByRole('button', { name: '로그인', exact: true }).click();
  await until(async () => /모두 보냄/.test(await statusText(page)), 'outbox emptied after logging in again');
  const s = await ok('GET', `/visits/${v.id}`, undefined, await loginAgain(day.login));
  assert.equal(s.status, 'en_route');
  assert.equal(s.precall_attempts.length, 1);
  // the keys made when the steps were pressed are the ones the server kept
  const stored = sql(`SELECT key FROM idempotency_keys WHERE user_id = ${day.user.id} ORDER BY created_at`).split('\n');
  assert.deepEqual(stored.sort(), [...keys].sort());
  assert.deepEqual(problems, []);
});

async function loginAgain(login) {
  return (await ok('POST', '/session', { login, password: PASSWORD })).token;
}
