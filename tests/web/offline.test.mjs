// Offline in a basement: the app shell comes from the service worker and the day from
// IndexedDB; steps and checklist answers pressed with no signal wait in the outbox
// (the status region says 오프라인 and 대기 N건), survive a reload, and once the signal
// is back land on the server exactly once each, stamped with the time they were pressed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browser, phone, signIn, seedDay, ok, sql, axe, settled, until, WEB } from './lib.mjs';

let b;
before(async () => { b = await browser(); });
after(async () => { await b?.close(); });

const statusText = (page) => page.locator('div.status[role=status]').innerText();
const secs = (iso) => Math.floor(Date.parse(iso) / 1000);

test('steps and checklist answers made offline land once each, with the pressed time', async () => {
  const day = await seedDay('off_eng', { hours: [9] });
  const v = day.visits[0];
  const { ctx, page, problems } = await phone(b);
  await signIn(page, day.login);
  // the service worker controls the app, and the visit's checklist is kept on the phone
  await until(() => page.evaluate(() => navigator.serviceWorker.ready.then(() => !!navigator.serviceWorker.controller)), 'service worker in control');
  await page.goto(`${WEB}/m/#/visits/${v.id}/checklist`);
  await page.getByRole('button', { name: '저장', exact: true }).waitFor();
  await page.goto(`${WEB}/m/#/visits/${v.id}`);
  await page.locator('button.big').waitFor();

  await ctx.setOffline(true);
  await until(async () => /오프라인/.test(await statusText(page)), '오프라인 shown');
  const next = page.locator('button.big');
  const pressed = {};
  const press = async (name, fn) => {
    const t0 = Math.floor(Date.now() / 1000);
    await fn();
    pressed[name] = [t0, Math.ceil(Date.now() / 1000)];
    await new Promise((r) => setTimeout(r, 1100)); // distinct seconds for each step
  };
  await press('precall', async () => {
    await next.click();
    await page.getByRole('button', { name: '통화 완료', exact: true }).click();
  });
  await press('depart', () => next.click());
  await press('arrive', () => next.click());
  await press('estimate', async () => {
    await next.click();
    await page.getByLabel('예상 작업 시간 (분)').fill('30');
    await page.getByLabel('고객에게 한 설명').fill('전원부 점검');
    await page.getByRole('button', { name: '예상 시간', exact: true }).click();
  });
  await press('consent', async () => {
    await next.click();
    await page.getByRole('button', { name: '고객 동의', exact: true }).click();
  });
  await until(async () => /대기 5건/.test(await statusText(page)), '대기 5건 shown');
  assert.match(await statusText(page), /오프라인/);
  await axe(page, 'visit, offline with waiting actions');

  // the checklist, offline: every required item, then 점검 마침
  assert.equal(await next.textContent(), '점검표');
  await next.click();
  await page.getByRole('button', { name: '점검 마침' }).waitFor();
  const items = await page.evaluate(async () => {
    const db = await new Promise((res, rej) => { const r = indexedDB.open('fieldd'); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
    const id = Number(location.hash.match(/visits\/(\d+)/)[1]);
    return new Promise((res) => { const g = db.transaction('kv').objectStore('kv').get('checklist:' + id); g.onsuccess = () => res(g.result.items); });
  });
  for (const it of items.filter((i) => i.required)) {
    if (it.type === 'check') await page.getByRole('checkbox', { name: new RegExp('^' + it.label) }).check();
    else if (it.type === 'pass_fail') await page.getByRole('group', { name: new RegExp('^' + it.label) }).getByLabel('적합', { exact: true }).check();
    else if (it.type === 'number') await page.locator(`#ck-${it.key}`).fill('16');
    else if (it.type === 'text') await page.locator(`#ck-${it.key}`).fill('2026-12-01');
    else if (it.type === 'choice') await page.locator(`#ck-${it.key}`).selectOption(it.options[0]);
  }
  await press('checklist', () => page.getByRole('button', { name: '점검 마침' }).click());
  await until(async () => /대기 6건/.test(await statusText(page)), '대기 6건 shown');

  // 완료, offline too
  await page.getByRole('link', { name: '방문으로' }).click();
  await until(async () => (await next.textContent()) === '완료', '완료 is next');
  await press('complete', async () => {
    await next.click();
    await page.getByLabel('처리 내용').fill('전원부 커넥터 재장착');
    await page.getByRole('button', { name: '완료', exact: true }).click();
  });
  await until(async () => /대기 7건/.test(await statusText(page)), '대기 7건 shown');

  // nothing reached the server
  assert.equal((await ok('GET', `/visits/${v.id}`, undefined, day.token)).status, 'proposed');

  // reload with no signal: the shell from the service worker, the visit from IndexedDB,
  // the queue still there
  await page.reload();
  await page.getByRole('heading', { name: /박민수/ }).waitFor();
  await until(async () => /오프라인/.test(await statusText(page)) && /대기 7건/.test(await statusText(page)), 'offline queue survives a reload');
  assert.match(await page.locator('main').innerText(), /완료/);
  await page.getByRole('link', { name: '방문 목록' }).click();
  await page.getByRole('link', { name: /박민수/ }).waitFor();
  await axe(page, 'day list, offline');

  // back online: everything lands, in order, once
  await ctx.setOffline(false);
  await page.evaluate(() => window.dispatchEvent(new Event('online')));
  await until(async () => /모두 보냄/.test(await statusText(page)), 'outbox emptied');
  const s = await until(async () => { const x = await ok('GET', `/visits/${v.id}`, undefined, day.token); return x.status === 'completed' && x; }, 'visit completed on the server');
  assert.equal(s.precall_attempts.length, 1);
  assert.equal(s.estimate.minutes, 30);
  assert.equal(s.consent.by, '박민수');
  assert.equal(s.resolution, '전원부 커넥터 재장착');
  const cl = await ok('GET', `/visits/${v.id}/checklist`, undefined, day.token);
  assert.equal(cl.complete, true);
  // each step once in the audit trail
  const actions = sql(`SELECT action FROM audit_events WHERE visit_id = ${v.id} ORDER BY id`).split('\n');
  for (const a of ['visit.precall', 'visit.depart', 'visit.arrive', 'visit.estimate', 'visit.consent', 'checklist.completed', 'visit.complete']) {
    assert.equal(actions.filter((x) => x === a).length, 1, `${a} once in ${actions}`);
  }
  // the pressed time, not the replay time
  const within = (iso, [t0, t1], what) => assert.ok(secs(iso) >= t0 && secs(iso) <= t1, `${what} at ${iso}, pressed between ${new Date(t0 * 1000).toISOString()} and ${new Date(t1 * 1000).toISOString()}`);
  within(s.precall_attempts[0].at, pressed.precall, 'pre-call');
  within(s.departed_at, pressed.depart, 'depart');
  within(s.arrived_at, pressed.arrive, 'arrive');
  within(s.estimate.at, pressed.estimate, 'estimate');
  within(s.consent.at, pressed.consent, 'consent');
  within(s.completed_at, pressed.complete, 'complete');
  // the checklist too: every answer and the completion at the press of 점검 마침, while
  // fieldd's receipt time beside them is the replay's (after 완료 was pressed)
  const answered = cl.items.filter((i) => i.answer);
  assert.ok(answered.length >= items.filter((i) => i.required).length, 'every required item answered');
  for (const i of answered) within(i.answer.at, pressed.checklist, `answer ${i.key}`);
  within(cl.completed_at, pressed.checklist, 'checklist completion');
  assert.ok(secs(cl.completed_received_at) >= pressed.complete[0], `checklist received at ${cl.completed_received_at}, at the replay`);
  const auditAt = sql(`SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM audit_events WHERE visit_id = ${v.id} AND action = 'checklist.completed'`);
  within(auditAt, pressed.checklist, 'checklist.completed in the audit trail');
  await settled(page);
  assert.deepEqual(problems, []);
});
