// Screenshots of the engineer app for the README (docs/app-*.png), taken in Debian's
// chromium on a 360 px phone against a real fieldd (run_web.py --exec):
//   FIELDD_BIN=build/dev/fieldd python3 tests/web/run_web.py --exec node tests/web/screenshots.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { browser, phone, signIn, seedDay, ok, WEB } from './lib.mjs';

const DOCS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');
const day = await seedDay('shot_eng', { hours: [9, 11, 14, 16] });
const [v1, v2] = day.visits;
for (const [s, body] of [['precall', { outcome: 'reached' }], ['depart', {}], ['arrive', {}], ['estimate', { minutes: 40, explanation: '그래픽카드 재장착 후 점검' }], ['consent', { by: '박민수' }]]) {
  await ok('POST', `/visits/${v1.id}/${s}`, body, day.token);
}
await ok('POST', `/visits/${v2.id}/precall`, { outcome: 'reached' }, day.token);
const b = await browser();
const { page } = await phone(b);
await signIn(page, day.login);
await page.locator('a.card').nth(3).waitFor();
await page.screenshot({ path: path.join(DOCS, 'app-day.png') });
await page.goto(`${WEB}/m/#/visits/${v2.id}`);
await page.locator('button.big').waitFor();
await page.screenshot({ path: path.join(DOCS, 'app-visit.png') });
await page.goto(`${WEB}/m/#/visits/${v1.id}/checklist`);
await page.getByRole('button', { name: '저장', exact: true }).waitFor();
await page.screenshot({ path: path.join(DOCS, 'app-checklist.png') });
await b.close();
console.log('docs/app-day.png, docs/app-visit.png, docs/app-checklist.png');
