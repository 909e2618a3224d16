// The app's words (mobile-web/shared/words.js) against the server's codes: every error
// code of include/fieldd/errors.h (the rule codes among them) and every code the domain
// still spells as a string (cases.c) has a Korean
// sentence, and no sentence shows the code itself. No browser, no server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { problems, explain, ko } from '../../mobile-web/shared/words.js';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('every error and rule code has a Korean explanation, never the code', () => {
  const errors = [...readFileSync(path.join(ROOT, 'include/fieldd/errors.h'), 'utf8').matchAll(/X\(ERR_\w+,\s*\d+,\s*"([a-z_]+)"/g)].map((m) => m[1]);
  assert.ok(errors.length > 20, 'error registry read');
  const domain = path.join(ROOT, 'server/domain');
  const rules = new Set();
  for (const f of readdirSync(domain).filter((f) => f.endsWith('.c'))) {
    for (const m of readFileSync(path.join(domain, f), 'utf8').matchAll(/verdict\([^,]+,\s*(?:409|422),\s*"([a-z_]+)"/g)) rules.add(m[1]);
  }
  // the visit's rule codes are rows of the registry (domain answers their error ids)
  assert.ok(errors.includes('precall_required') && errors.includes('checklist_incomplete') &&
    errors.includes('checklist_locked'), 'rule codes read');
  for (const code of [...errors, ...rules]) {
    assert.ok(problems[code], `no Korean sentence for ${code}`);
    const msg = explain({ status: 422, code });
    assert.match(msg, /[가-힣]/, code);
    assert.ok(!msg.includes(code), `${code} shown as a code`);
  }
  // validation errors name the field in words
  assert.match(explain({ status: 422, code: 'validation_failed', errors: [{ field: 'minutes', message: 'x' }] }), /\(분\)/);
});

test('the words on the controls are those of SPEC §7', () => {
  const spec = {
    login: '아이디', password: '비밀번호', signIn: '로그인', signOut: '로그아웃', precall: '사전 연락',
    reached: '통화 완료', noAnswer: '부재중', reschedule: '일정 변경', depart: '출발', late: '지연 알림',
    arrive: '도착', estimate: '예상 시간', consent: '고객 동의', checklist: '점검표', save: '저장',
    complete: '완료', absent: '고객 부재', cancel: '방문 취소', offline: '오프라인',
  };
  for (const [k, w] of Object.entries(spec)) assert.equal(ko[k], w, k);
  assert.equal(ko.waiting(3), '대기 3건');
  assert.deepEqual(ko.status, { proposed: '확인 전', confirmed: '확정', en_route: '이동 중', on_site: '작업 중', completed: '완료', absent: '고객 부재', cancelled: '취소' });
});
