// Korean input: Enter pressed while a syllable is still being composed (the IME's Enter,
// keyCode 229 / isComposing) must not submit a form half-typed: not the log-in, not a
// step form. The composition is driven through the browser's own IME path (CDP
// Input.imeSetComposition), then committed, then a real Enter submits the whole word.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { browser, phone, signIn, seedDay, ok, call, until, WEB } from './lib.mjs';

let b;
before(async () => { b = await browser(); });
after(async () => { await b?.close(); });

async function compose(cdp, steps) {
  for (const t of steps) await cdp.send('Input.imeSetComposition', { text: t, selectionStart: t.length, selectionEnd: t.length });
}
// Enter while composing: a key event with text, as a phone keyboard sends it
async function enterWhileComposing(page, cdp) {
  await cdp.send('Input.dispatchKeyEvent', { type: 'keyDown', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, nativeVirtualKeyCode: 13, text: '\r', unmodifiedText: '\r' });
  await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, nativeVirtualKeyCode: 13 });
  await page.evaluate(() => new Promise((r) => setTimeout(r, 300)));
}

test('Enter during Korean composition never submits; after it, Enter sends the whole word', async () => {
  const day = await seedDay('ime_eng', { hours: [16], customer: '김영희' });
  const v = day.visits[0];
  const { page, problems } = await phone(b);
  const cdp = await page.context().newCDPSession(page);

  // the log-in form: a Korean login being typed is not sent
  let sessions = 0;
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().endsWith('/api/v1/session')) sessions++; });
  await page.goto(WEB + '/');
  await page.getByLabel('비밀번호', { exact: true }).fill('아무거나-비밀번호-123');
  await page.getByLabel('아이디', { exact: true }).click();
  await compose(cdp, ['ㄱ', '기', '김']);
  await enterWhileComposing(page, cdp);
  assert.equal(sessions, 0, 'log-in sent during composition');
  assert.equal(page.url(), WEB + '/');
  await cdp.send('Input.insertText', { text: '김' });
  assert.equal(await page.getByLabel('아이디', { exact: true }).inputValue(), '김');

  // the consent form of a visit on site: the customer's name typed in Korean
  for (const [s, body] of [['precall', { outcome: 'reached' }], ['arrive', undefined], ['estimate', { minutes: 20, explanation: '점검' }]]) {
    await ok('POST', `/visits/${v.id}/${s}`, body, day.token);
  }
  await signIn(page, day.login);
  await page.goto(`${WEB}/m/#/visits/${v.id}`);
  await page.locator('button.big', { hasText: '고객 동의' }).click();
  const by = page.getByLabel('동의한 분');
  await by.fill('');
  await by.click();
  await compose(cdp, ['ㅎ', '호', '홍', '홍ㄱ', '홍기', '홍길', '홍길ㄷ', '홍길도', '홍길동']);
  await enterWhileComposing(page, cdp);
  // nothing queued or sent, the form still open
  assert.match(await page.locator('div.status[role=status]').innerText(), /모두 보냄/);
  assert.equal((await ok('GET', `/visits/${v.id}`, undefined, day.token)).consent, null);
  await cdp.send('Input.insertText', { text: '홍길동' });
  assert.equal(await by.inputValue(), '홍길동');
  await by.press('Enter');
  const s = await until(async () => { const x = await ok('GET', `/visits/${v.id}`, undefined, day.token); return x.consent && x; }, 'consent sent after the real Enter');
  assert.equal(s.consent.by, '홍길동');
  assert.deepEqual(problems, []);
});
