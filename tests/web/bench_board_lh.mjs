// Lighthouse (desktop preset) on the dispatcher's board, signed in as a dispatcher with a
// few tickets and visits on the board: the scores and the metrics, median of LH_RUNS runs
// by performance score. Not a test: figures for docs/performance.md.
//   sh scripts/npm.sh tests/bench/lighthouse
//   FIELDD_BIN=build/release/fieldd python3 tests/web/run_web.py --exec node tests/web/bench_board_lh.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ok, sql, seoulDate, PASSWORD, WEB, API } from './lib.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LH = path.join(HERE, '..', 'bench', 'lighthouse', 'node_modules', 'lighthouse', 'cli', 'index.js');
const desk = await ok('POST', '/users', { login: 'lh_desk', name: '상황실', role: 'dispatcher', password: PASSWORD });
const eng = await ok('POST', '/users', { login: 'lh_eng', name: '강기사', role: 'engineer', password: PASSWORD, skills: ['desktop'] });
sql(`UPDATE users SET work_start = '00:00', work_end = '23:59', work_days = '{1,2,3,4,5,6,7}' WHERE id = ${eng.id}`);
const cust = await ok('POST', '/customers', { name: '박민수', phone: '010-1234-5678', department: '총무과' });
const date = seoulDate(1);
for (let i = 0; i < 12; i++) {
  const d = await ok('POST', '/devices', { asset_tag: `LH-${i}`, kind: 'desktop', customer_id: cust.id });
  const t = await ok('POST', '/tickets', { customer_id: cust.id, device_id: d.id, fault_code: 'SLOW', symptom: '느림', channel: 'phone', verification: 'callback' });
  if (i % 2) await ok('POST', `/tickets/${t.id}/visits`, { engineer_id: eng.id, start: `${date}T${String(8 + i).padStart(2, '0')}:00:00+09:00`, end: `${date}T${String(9 + i).padStart(2, '0')}:00:00+09:00` });
}
const session = await fetch(API + '/api/v1/session', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ login: desk.login, password: PASSWORD }) });
const cookie = (session.headers.get('set-cookie') || '').split(';')[0];
const runs = [];
for (let i = 0; i < Number(process.env.LH_RUNS || 3); i++) {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'fieldd-lh-')), 'board.json');
  const r = spawnSync(process.execPath, [LH, WEB + '/dispatch/', '--quiet', '--preset=desktop', '--output=json', '--output-path=' + out,
    '--only-categories=performance,accessibility,best-practices',
    '--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run',
    '--extra-headers=' + JSON.stringify({ Cookie: cookie })],
  { env: { ...process.env, CHROME_PATH: process.env.FIELDD_CHROMIUM || '/usr/bin/chromium' }, encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(r.stderr);
    process.exit(1);
  }
  runs.push(JSON.parse(readFileSync(out, 'utf8')));
}
runs.sort((x, y) => x.categories.performance.score - y.categories.performance.score);
const j = runs[Math.floor(runs.length / 2)];
const c = j.categories, a = j.audits;
console.log(`lighthouse ${j.lighthouseVersion} on ${j.finalDisplayedUrl} (${j.configSettings.formFactor}), median of ${runs.length}; performance of each: ${runs.map((x) => Math.round(x.categories.performance.score * 100)).join(', ')}`);
console.log('| performance | accessibility | best practices | FCP | LCP | TBT | CLS | speed index | bytes |');
console.log('|---|---|---|---|---|---|---|---|---|');
console.log(`| ${Math.round(c.performance.score * 100)} | ${Math.round(c.accessibility.score * 100)} | ${Math.round(c['best-practices'].score * 100)} | ${a['first-contentful-paint'].displayValue} | ${a['largest-contentful-paint'].displayValue} | ${a['total-blocking-time'].displayValue} | ${a['cumulative-layout-shift'].displayValue} | ${a['speed-index'].displayValue} | ${a['total-byte-weight'].displayValue} |`);
for (const [k, cat] of Object.entries(c)) {
  const failed = cat.auditRefs.filter((ref) => ref.weight > 0 && a[ref.id].score !== null && a[ref.id].score < 1).map((ref) => `${ref.id} (${a[ref.id].score})`);
  if (failed.length) console.log(`  ${k}: below full marks: ${failed.join(', ')}`);
}
