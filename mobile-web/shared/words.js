// The service's own words (SPEC §7): the accessible name of every control is exactly
// one of these. Korean first; an English catalogue can follow with the same keys.
export const ko = {
  login: '아이디',
  password: '비밀번호',
  signIn: '로그인',
  signOut: '로그아웃',
  precall: '사전 연락',
  reached: '통화 완료',
  noAnswer: '부재중',
  reschedule: '일정 변경',
  depart: '출발',
  late: '지연 알림',
  arrive: '도착',
  estimate: '예상 시간',
  consent: '고객 동의',
  checklist: '점검표',
  save: '저장',
  complete: '완료',
  absent: '고객 부재',
  cancel: '방문 취소',
  offline: '오프라인',
  waiting: (n) => `대기 ${n}건`,
  status: {
    proposed: '확인 전',
    confirmed: '확정',
    en_route: '이동 중',
    on_site: '작업 중',
    completed: '완료',
    absent: '고객 부재',
    cancelled: '취소',
  },
};

// Rule and error codes (include/fieldd/errors.h and the rule codes of SPEC §1) in plain
// Korean for an engineer on site: never shown as a code.
export const problems = {
  precall_required: '먼저 고객에게 사전 연락을 해서 방문 시간을 확정하세요. 통화가 된 뒤에 출발·도착을 기록할 수 있습니다.',
  lead_required: '이 건은 팀장님이 함께 방문해야 합니다. 팀장 배정은 상황실에 요청하세요.',
  consent_required: '작업 전에 예상 시간을 설명하고 고객 동의를 받아야 완료할 수 있습니다.',
  follow_up_reason_required: '해결되지 않았다면 다시 방문해야 하는 이유를 적어 주세요.',
  checklist_incomplete: '점검표의 필수 항목을 모두 채우고 점검 마침을 눌러야 완료할 수 있습니다.',
  checklist_locked: '점검표가 이미 마감되어 바꿀 수 없습니다. 팀장님께 수정을 요청하세요.',
  no_proposal: '지금 맞는 일정이 없습니다. 상황실에 문의하세요.',
  step_out_of_order: '방문 상태가 이미 바뀌어 이 단계를 지금 기록할 수 없습니다. 방문 상태를 확인하세요.',
  conflict: '다른 사람이 먼저 이 방문을 바꿨습니다. 방문 상태를 확인하세요.',
  double_booked: '그 시간에 이미 다른 방문이 잡혀 있습니다. 다른 시간을 고르세요.',
  validation_failed: '입력한 내용을 확인해 주세요.',
  malformed_json: '요청을 보낼 수 없었습니다. 앱을 새로 고쳐 주세요.',
  bad_request: '요청을 처리할 수 없었습니다.',
  bad_query: '날짜를 확인해 주세요.',
  unauthenticated: '로그인이 끝났습니다. 비밀번호를 다시 입력해 주세요.',
  bad_credentials: '아이디 또는 비밀번호가 맞지 않습니다.',
  forbidden: '이 작업을 할 권한이 없습니다.',
  cross_origin: '이 주소에서는 보낼 수 없습니다. 앱을 다시 열어 주세요.',
  not_found: '찾을 수 없습니다. 방문이 다른 사람에게 넘어갔을 수 있습니다.',
  method_not_allowed: '요청을 처리할 수 없었습니다.',
  duplicate: '이미 기록되어 있습니다.',
  idempotency_key_invalid: '요청을 보낼 수 없었습니다. 앱을 새로 고쳐 주세요.',
  idempotency_in_progress: '앞서 보낸 요청을 처리하는 중입니다. 잠시 뒤 다시 보냅니다.',
  idempotency_key_reused: '같은 작업을 다른 내용으로 다시 보냈습니다. 상황실에 알려 주세요.',
  body_too_large: '보낸 내용이 너무 깁니다. 메모를 줄여 주세요.',
  uri_too_long: '요청을 처리할 수 없었습니다.',
  unsupported_media_type: '요청을 처리할 수 없었습니다. 앱을 새로 고쳐 주세요.',
  rule_violation: '서비스 규칙상 지금 할 수 없는 작업입니다.',
  rate_limited: '시도가 너무 많습니다. 잠시 뒤 다시 해 주세요.',
  internal: '서버에 문제가 생겼습니다. 잠시 뒤 다시 보냅니다.',
  overloaded: '서버가 바쁩니다. 잠시 뒤 다시 보냅니다.',
  database_unavailable: '서버가 잠시 응답하지 않습니다. 잠시 뒤 다시 보냅니다.',
  bad_framing: '요청 형식이 올바르지 않아 받을 수 없었습니다. 앱을 새로 고쳐 주세요.',
  bad_host: '요청 형식이 올바르지 않아 받을 수 없었습니다. 앱을 새로 고쳐 주세요.',
  transfer_coding_not_implemented: '요청 형식이 올바르지 않아 받을 수 없었습니다. 앱을 새로 고쳐 주세요.',
  headers_too_large: '요청을 처리할 수 없었습니다.',
  method_not_implemented: '요청 형식이 올바르지 않아 받을 수 없었습니다. 앱을 새로 고쳐 주세요.',
  http_version_not_supported: '요청 형식이 올바르지 않아 받을 수 없었습니다. 앱을 새로 고쳐 주세요.',
  request_timeout: '연결이 느려 요청을 끝까지 받지 못했습니다. 잠시 뒤 다시 보냅니다.',
  plan_not_approved: '작업 계획이 아직 승인되지 않아 시작할 수 없습니다. 팀장님 승인을 먼저 받으세요.',
  training_staff_required: '교육 대상 직원을 한 명 이상 정해 주세요.',
  metrics_forbidden: '이 주소에서는 볼 수 없는 정보입니다.',
  survey_answered: '이 접수 건의 평가는 이미 받았습니다. 감사합니다.',
  survey_not_open: '평가는 작업이 끝난 뒤에 보낼 수 있습니다.',
};

// Field names of validation errors, so "minutes" reads as the label on the form.
export const fields = {
  at: '누른 시각',
  minutes: '분',
  note: '메모',
  explanation: '설명',
  by: '동의한 분',
  resolution: '처리 내용',
  follow_up_reason: '재방문 사유',
  reason: '취소 사유',
  start: '새 시작 시각',
  end: '새 끝 시각',
  memo_left: '메모 남김',
  value: '답',
};

export function explain(problem) {
  if (!problem) return '알 수 없는 오류가 났습니다.';
  const code = problem.code;
  let msg = problems[code] || (problem.status >= 500 ? problems.internal : '요청을 처리할 수 없었습니다.');
  if (code === 'validation_failed' && Array.isArray(problem.errors) && problem.errors.length) {
    msg += ' (' + problem.errors.map((e) => fields[e.field] || e.field).join(', ') + ')';
  }
  return msg;
}

export const escalation = {
  repeat_fault: '반복 고장 (팀장 동행)',
  vip: 'VIP',
  next_repeat_escalates: '다음 고장은 팀장 동행',
};

export const faults = {
  NO_BOOT: '부팅 안 됨', SLOW: '느림', NETWORK: '네트워크', PRINT_JAM: '용지 걸림',
  DISPLAY: '화면', OS_ERROR: 'OS 오류', MALWARE: '악성코드', PERIPHERAL: '주변기기',
};

const timeFmt = new Intl.DateTimeFormat('ko-KR', { timeZone: 'Asia/Seoul', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const dateFmt = new Intl.DateTimeFormat('ko-KR', { timeZone: 'Asia/Seoul', month: 'long', day: 'numeric', weekday: 'short' });
export const hm = (iso) => (iso ? timeFmt.format(new Date(iso)) : '');
export const day = (iso) => (iso ? dateFmt.format(new Date(iso)) : '');
export const windowText = (v) => `${hm(v.start)}–${hm(v.end)}`;

// YYYY-MM-DD of a date in Asia/Seoul (the server's default time zone)
export function seoulDate(d = new Date(), plusDays = 0) {
  const t = new Date(d.getTime() + plusDays * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul' }).format(t);
}

// The desk's words for the outbox, complaints (R13) and work plans (R12): the names of
// the board's controls, worded like the charters (민원 접수 → 원인 분석 → 처리 → 결과
// 통보 → 고객 의견; 계획 → 승인 → 작업 → 완료 보고).
export const desk = {
  outbox: '알림 발송',
  dead: '보내지 못한 알림',
  retrying: '다시 보내는 중',
  resend: '다시 보내기',
  reason: '실패 사유',
  attempts: (n) => `${n}번 시도`,
  nextTry: '다음 시도',
  complaints: '민원',
  complaintStatus: { received: '접수', analysed: '원인 분석', resolved: '처리', notified: '결과 통보', closed: '종결' },
  // the next step of a complaint in each status, as its button says it
  complaintStep: { received: '원인 분석 기록', analysed: '처리 결과 기록', resolved: '결과 통보', notified: '고객 의견 기록' },
  cause: '원인',
  action: '처리 내용',
  voucher: '상품권 보상',
  voucherAmount: '상품권 금액(원)',
  training: '고객응대교육 실시',
  staff: '교육 대상 직원',
  rating: '고객 만족도 (1–5)',
  comment: '고객 의견',
  surveyCandidates: '만족도 낮은 평가 (민원 후보)',
  plans: '작업 계획',
  planStatus: { draft: '작성 중', submitted: '승인 대기', approved: '승인됨', rejected: '반려', in_progress: '작업 중', completed: '완료' },
  approve: '승인',
  reject: '반려',
  rejectReason: '반려 사유',
  startPlan: '작업 시작',
  completePlan: '완료 보고',
  report: '완료 보고서',
  plan: '작업 계획',
  myPlans: '내 작업 계획',
  channel: { sms: '문자', email: '이메일', phone: '전화', push: '앱 알림', kakao: '카카오톡' },
};

// A replay the server refused on an engineer's phone (the board's lane; the phone reports
// it through POST /api/v1/me/replay-failures): the lane, its control, the step by the
// refused path's last segment.
export const replayWords = {
  lane: '휴대폰 재전송 실패',
  rule: '기사 휴대폰이 오프라인에서 기록한 단계를 서버가 거절했습니다. 기사와 통화해 바로잡으세요.',
  empty: '거절된 재전송이 없습니다.',
  handle: '처리 완료',
  handled: '처리 완료로 표시했습니다.',
  step: {
    precall: '사전 연락', depart: '출발', late: '지연 알림', arrive: '도착', estimate: '예상 시간',
    consent: '고객 동의', complete: '완료', absent: '고객 부재', cancel: '방문 취소', checklist: '점검표',
  },
};
