// fieldd engineer app (/m/): the day's visits, each step of a visit, the PC checklist,
// all usable offline. Hash routes: #/ (the day), #/visits/{id}, #/visits/{id}/checklist.
import { html, render, useState, useEffect, imeGuard } from '/shared/ui.js';
import { api, ApiError, homeOf } from '/shared/api.js';
import { kv } from '/shared/store.js';
import * as box from '/shared/outbox.js';
import { ko, explain, escalation, faults, hm, windowText, seoulDate } from '/shared/words.js';
import { initPlans, loadPlans, planSent, PlanOnVisit, MyPlans } from '/m/plans.js';

// ---------------------------------------------------------------- state --
const st = {
  user: null,
  date: seoulDate(),
  days: {}, // date -> [visit ids]
  visits: {}, // id -> visit
  devices: {}, // id -> device detail
  checklists: {}, // visit id -> checklist | null (none for this device kind)
  faults: {}, // fault code -> Korean name
  loadError: null,
  route: parseRoute(),
};
let redraw = () => {};
const changed = () => redraw();
initPlans(changed, () => st.user);

function parseRoute() {
  const m = location.hash.match(/^#\/visits\/(\d+)(\/checklist)?/);
  if (!m) return { page: 'day' };
  return { page: m[2] ? 'checklist' : 'visit', id: Number(m[1]) };
}

async function remember(v) {
  st.visits[v.id] = v;
  await kv.set('visit:' + v.id, v);
}

async function visitOf(id) {
  if (st.visits[id]) return st.visits[id];
  const v = await kv.get('visit:' + id);
  if (v) st.visits[id] = v;
  return v;
}

// The day from the server (kept in IndexedDB), or from IndexedDB when there is no signal.
async function loadDay(date) {
  try {
    const r = await api('GET', '/me/visits?limit=100&date=' + date);
    const items = r.items || [];
    // a visit with actions still waiting keeps the phone's view until they are sent
    for (const v of items) if (!hasPending(v.id) || !(await visitOf(v.id))) await remember(v);
    st.days[date] = items.map((v) => v.id);
    await kv.set('day:' + date, st.days[date]);
    st.loadError = null;
    changed();
    prime(items);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return needLogin();
    const ids = await kv.get('day:' + date);
    if (ids) {
      st.days[date] = ids;
      await fromPhone(ids);
      st.loadError = null;
    } else st.loadError = e instanceof ApiError ? explain(e.problem) : '신호가 없고 이 날의 방문은 아직 받아 두지 않았습니다.';
    changed();
  }
}

// The kept visits of a day and their devices (for the repeat counts), from IndexedDB.
async function fromPhone(ids) {
  for (const id of ids) {
    const v = await visitOf(id);
    const dev = v && v.ticket && v.ticket.device && v.ticket.device.id;
    if (dev && !st.devices[dev]) st.devices[dev] = await kv.get('device:' + dev);
  }
}

// Keep what the visit pages need for a day with no signal: devices and checklists.
async function prime(items) {
  for (const v of items) {
    const dev = v.ticket && v.ticket.device && v.ticket.device.id;
    if (dev && !st.devices[dev]) {
      try {
        st.devices[dev] = await api('GET', '/devices/' + dev);
        await kv.set('device:' + dev, st.devices[dev]);
      } catch { /* kept from before, or shown as missing */ }
    }
    if (!hasPending(v.id)) await fetchChecklist(v.id);
  }
  changed();
}

async function fetchChecklist(id) {
  try {
    st.checklists[id] = await api('GET', '/visits/' + id + '/checklist');
    await kv.set('checklist:' + id, st.checklists[id]);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      st.checklists[id] = null;
      await kv.set('checklist:' + id, null);
    }
  }
}

async function loadVisit(id) {
  await visitOf(id);
  if (st.checklists[id] === undefined) {
    const c = await kv.get('checklist:' + id);
    if (c !== undefined) st.checklists[id] = c;
  }
  changed();
  if (!hasPending(id)) {
    try {
      await remember(await api('GET', '/visits/' + id));
      await fetchChecklist(id);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) needLogin();
    }
  }
  const v = st.visits[id];
  const dev = v && v.ticket && v.ticket.device && v.ticket.device.id;
  if (dev && !st.devices[dev]) {
    st.devices[dev] = await kv.get('device:' + dev);
    try {
      st.devices[dev] = await api('GET', '/devices/' + dev);
      await kv.set('device:' + dev, st.devices[dev]);
    } catch { /* offline: the kept one */ }
  }
  changed();
}

const hasPending = (id) => box.sync.items.some((i) => i.visitId === id);

function needLogin() {
  box.sync.needLogin = true;
  changed();
}

// ------------------------------------------------------- steps, offline --
// What a step does to the visit on the phone at once (the server's answer replaces it).
function applyLocal(v, kind, body) {
  const n = { ...v };
  const at = body.at;
  switch (kind) {
    case 'precall':
      n.precall_attempts = [...(v.precall_attempts || []), { outcome: body.outcome, note: body.note || null, at }];
      if (body.outcome !== 'no_answer') n.status = 'confirmed';
      if (body.outcome === 'reschedule') Object.assign(n, { start: body.start, end: body.end });
      break;
    case 'depart': Object.assign(n, { status: 'en_route', departed_at: at }); break;
    case 'late': n.late_notice = { minutes: body.minutes, note: body.note, at }; break;
    case 'arrive': Object.assign(n, { status: 'on_site', arrived_at: at }); break;
    case 'estimate': n.estimate = { minutes: body.minutes, explanation: body.explanation, at }; break;
    case 'consent': n.consent = { by: body.by, at }; break;
    case 'complete': Object.assign(n, { status: 'completed', completed_at: at, resolved: body.resolved, resolution: body.resolution }); break;
    case 'absent': Object.assign(n, { status: 'absent', absent: { memo_left: body.memo_left, note: body.note } }); break;
    case 'cancel': Object.assign(n, { status: 'cancelled', cancel_reason: body.reason }); break;
  }
  return n;
}

const STEP_LABEL = {
  precall: ko.precall, depart: ko.depart, late: ko.late, arrive: ko.arrive, estimate: ko.estimate,
  consent: ko.consent, complete: ko.complete, absent: ko.absent, cancel: ko.cancel, checklist: ko.checklist,
};

async function step(v, kind, body = {}) {
  const item = await box.enqueue({ visitId: v.id, path: `/visits/${v.id}/${kind}`, body, label: STEP_LABEL[kind], kind });
  await remember(applyLocal(v, kind, item.body));
  changed();
}

async function saveChecklist(v, answers, complete) {
  const c = st.checklists[v.id];
  // the moment 저장 / 점검 마침 was pressed, sent as `at` like the steps' (the outbox
  // keeps it), so answers and the completion replayed later from a basement keep that time
  const at = box.nowRfc3339();
  if (c) {
    const byKey = Object.fromEntries(answers.map((a) => [a.key, a]));
    const items = c.items.map((it) => (byKey[it.key] ? { ...it, answer: { value: byKey[it.key].value, note: null, by: st.user && st.user.id, at } } : it));
    st.checklists[v.id] = { ...c, items, complete: c.complete || complete };
    await kv.set('checklist:' + v.id, st.checklists[v.id]);
  }
  await box.enqueue({
    visitId: v.id, path: `/visits/${v.id}/checklist`, method: 'PUT', at: false,
    body: { answers, complete, at }, label: ko.checklist + ' ' + ko.save, kind: 'checklist',
  });
  changed();
}

box.whenSent(async (item, res) => {
  if (item.plan) return planSent(item, res); // a work plan's step (m/plans.js)
  if (res && item.kind === 'checklist') {
    st.checklists[item.visitId] = res;
    await kv.set('checklist:' + item.visitId, res);
  } else if (res && res.id === item.visitId) {
    if (!box.sync.items.some((i) => i.visitId === item.visitId && i.id !== item.id)) await remember(res);
  } else if (!res) {
    // refused: show the server's view of the visit again, beside the refusal
    try {
      await remember(await api('GET', '/visits/' + item.visitId));
      await fetchChecklist(item.visitId);
    } catch { /* offline: keep */ }
  }
  changed();
});

// ------------------------------------------------------------ components --
function StatusRegion({ sync }) {
  const waiting = sync.items.filter((i) => i.state === 'waiting').length;
  const failed = sync.items.filter((i) => i.state === 'failed');
  const parts = [];
  if (!sync.online) parts.push(html`<span class="off">${ko.offline}</span>`);
  if (waiting > 0) parts.push(html`<span>${ko.waiting(waiting)}</span>`);
  if (failed.length > 0) parts.push(html`<span>보내지 못한 작업 ${failed.length}건</span>`);
  if (!parts.length) parts.push(html`<span>모두 보냄</span>`);
  return html`<div role="status" class="status" aria-live="polite">${parts.map((p, i) => html`${i > 0 && ' · '}${p}`)}</div>
    ${failed.map((f) => html`<div class="problem" role="alert" key=${f.id}>
      <p><strong>${f.label}</strong> (방문 #${f.visitId}, ${hm(f.pressedAt)}에 누름)을 보내지 못했습니다: ${explain(f.error && f.error.problem)}</p>
      <div class="row"><a class="button" href=${'#/visits/' + f.visitId}>방문 보기</a>
      <button type="button" onClick=${() => box.discard(f.id)}>확인함, 이 작업 지우기</button></div>
    </div>`)}`;
}

function Relogin() {
  const [err, setErr] = useState('');
  const login = (() => { try { return localStorage.getItem('fieldd.login') || ''; } catch { return ''; } })();
  async function submit(e) {
    e.preventDefault();
    const f = e.currentTarget;
    try {
      const s = await api('POST', '/session', { login: f.login.value.trim(), password: f.password.value });
      st.user = s.user;
      await kv.set('user', s.user);
      box.loggedIn();
      changed();
      loadDay(st.date);
    } catch (x) {
      setErr(x instanceof ApiError ? explain(x.problem) : '연결할 수 없습니다. 신호를 확인하세요.');
    }
  }
  return html`<form class="dialog" onSubmit=${submit} onKeyDown=${imeGuard} aria-labelledby="relogin-h">
    <h2 id="relogin-h">다시 로그인</h2>
    <p>로그인이 끝났습니다. 비밀번호를 다시 입력하면 기다리는 작업을 이어서 보냅니다.</p>
    <label for="re-id">${ko.login}</label>
    <input id="re-id" name="login" type="text" autocomplete="username" autocapitalize="none" defaultValue=${login} required />
    <label for="re-pw">${ko.password}</label>
    <input id="re-pw" name="password" type="password" autocomplete="current-password" required />
    ${err && html`<p class="problem" role="alert">${err}</p>`}
    <button type="submit" class="primary big">${ko.signIn}</button>
  </form>`;
}

function Badges({ v }) {
  const t = v.ticket || {};
  const pending = box.sync.items.some((i) => i.visitId === v.id && i.state === 'waiting');
  return html`${(t.escalations || []).map((e) => html`<span class=${'badge ' + e} key=${e}>${escalation[e] || e}</span>`)}${t.requires_lead && !(t.escalations || []).length && html`<span class="badge">팀장 동행</span>`}${pending && html`<span class="badge pending">보내기 대기</span>`}`;
}

// R7: the ticket's repeat count comes with the device's fault history (kept offline too)
function repeatOf(v) {
  const t = v.ticket || {};
  if (t.repeat && t.repeat.count) return t.repeat.count;
  const dev = st.devices[t.device && t.device.id];
  const h = dev && (dev.fault_history || []).find((x) => x.ticket_id === t.id);
  return h ? h.repeat_count : null;
}
const KIND = { desktop: '데스크톱', laptop: '노트북', printer: '프린터', monitor: '모니터', network: '네트워크 장비', scanner: '스캐너' };
const kindName = (k) => KIND[k] || k;
const place = (loc) => (loc ? [loc.building, loc.floor, loc.room].filter(Boolean).join(' ') : '');
// fault names from GET /fault-codes (kept with the day), the built-in words until then
const faultName = (c) => (st.faults[c] || faults[c] || c);
async function loadFaults() {
  st.faults = (await kv.get('faults')) || {};
  try {
    const r = await api('GET', '/fault-codes');
    st.faults = Object.fromEntries((r.items || []).map((f) => [f.code, f.name]));
    await kv.set('faults', st.faults);
  } catch { /* offline: the kept ones */ }
  changed();
}

function DayPage({ sync }) {
  const ids = st.days[st.date];
  const list = (ids || []).map((id) => st.visits[id]).filter(Boolean).sort((a, b) => a.start.localeCompare(b.start));
  const today = seoulDate();
  const tomorrow = seoulDate(new Date(), 1);
  const go = (d) => { st.date = d; changed(); loadDay(d); };
  const [held, setHeld] = useState('');
  // logging out with actions still waiting would leave them to the next person on the phone
  const out = () => (box.sync.items.length ? setHeld('보내지 못한 작업이 있어 로그아웃하지 않았습니다. 신호가 있는 곳에서 모두 보낸 뒤 로그아웃하세요.') : logout());
  return html`<main>
    <div class="topbar"><h1>${st.date === today ? '오늘 방문' : st.date === tomorrow ? '내일 방문' : st.date + ' 방문'}</h1>
      <button type="button" onClick=${out}>${ko.signOut}</button></div>
    ${held && html`<p class="problem" role="alert">${held}</p>`}
    <${StatusRegion} sync=${sync} />
    ${sync.needLogin && html`<${Relogin} />`}
    <nav class="row" aria-label="날짜">
      <button type="button" aria-pressed=${st.date === today} onClick=${() => go(today)}>오늘</button>
      <button type="button" aria-pressed=${st.date === tomorrow} onClick=${() => go(tomorrow)}>내일</button>
      <div><label for="day-pick">날짜 선택</label>
      <input id="day-pick" type="date" value=${st.date} onChange=${(e) => e.currentTarget.value && go(e.currentTarget.value)} /></div>
    </nav>
    ${st.loadError && html`<p class="problem" role="alert">${st.loadError}</p>`}
    ${ids && list.length === 0 && html`<p>이 날은 방문이 없습니다.</p>`}
    <ul class="visits">${list.map((v) => {
      const t = v.ticket || {};
      const c = t.customer || {};
      const d = t.device || {};
      return html`<li key=${v.id}><a class="card" href=${'#/visits/' + v.id}>
        <span class="card-head"><span>${windowText(v)} ${c.name}</span><span class=${'st ' + v.status}>${ko.status[v.status] || v.status}</span></span>
        <span class="note">${place(d.location)} · ${kindName(d.kind)} ${d.model || ''}</span><br />
        <span>${faultName(t.fault_code)}${repeatOf(v) > 1 ? ` · 같은 고장 ${repeatOf(v)}회째` : ''}</span> <${Badges} v=${v} />
      </a></li>`;
    })}</ul>
    <${MyPlans} />
    <${Calendar} />
  </main>`;
}

// The phone's calendar subscribes to the engineer's feed (webcal://): the URL is fetched
// when asked for (it is a credential) and offered as a link the calendar app opens.
function Calendar() {
  const [msg, setMsg] = useState('');
  const [url, setUrl] = useState(null);
  async function subscribe() {
    try {
      let c = await api('GET', '/me/calendar');
      if (!c.webcal_url) c = await api('POST', '/me/calendar/rotate');
      setUrl(c.webcal_url);
      setMsg('아래 링크를 누르면 휴대폰 캘린더 앱이 내 방문 일정을 구독합니다.');
    } catch (e) {
      setMsg(e instanceof ApiError ? explain(e.problem) : '신호가 있을 때 다시 눌러 주세요.');
    }
  }
  return html`<h2>캘린더</h2><button type="button" onClick=${subscribe}>캘린더 구독</button>
    <p role="status">${msg}</p>${url && html`<p><a class="button primary" href=${url}>휴대폰 캘린더에 추가</a></p>`}`;
}

async function logout() {
  try { await api('DELETE', '/session'); } catch { /* gone already */ }
  await kv.clear();
  location.href = '/';
}

// The steps that fit the visit's status now; the first is the big next step.
function stepsFor(v, checklist) {
  switch (v.status) {
    case 'proposed': return ['precall', 'cancel'];
    case 'confirmed': return ['depart', 'precall', 'late', 'arrive', 'absent', 'cancel'];
    case 'en_route': return ['arrive', 'late', 'absent', 'cancel'];
    case 'on_site': {
      const gate = checklist && !checklist.complete;
      const next = !v.estimate ? 'estimate' : !v.consent ? 'consent' : gate ? 'checklist' : 'complete';
      return [next, ...['estimate', 'consent', 'complete', 'absent'].filter((s) => s !== next)];
    }
    default: return [];
  }
}

function VisitPage({ id, sync }) {
  const v = st.visits[id];
  const [open, setOpen] = useState(null);
  useEffect(() => { setOpen(null); }, [id, v && v.status]);
  if (!v) return html`<main><a class="back" href="#/">방문 목록</a><h1>방문 #${id}</h1><${StatusRegion} sync=${sync} /><p>이 방문은 아직 휴대폰에 없습니다. 신호가 있을 때 다시 여세요.</p></main>`;
  const t = v.ticket || {};
  const c = t.customer || {};
  const d = t.device || {};
  const dev = st.devices[d.id];
  const checklist = st.checklists[id];
  const steps = stepsFor(v, checklist);
  const failed = sync.items.find((i) => i.visitId === id && i.state === 'failed');
  const press = (s) => (s === 'checklist' ? (location.hash = `#/visits/${id}/checklist`) : s === 'depart' || s === 'arrive' ? step(v, s) : setOpen(s));
  return html`<main>
    <a class="back" href="#/">방문 목록</a>
    <div class="topbar"><h1>${c.name} <span class=${'st ' + v.status}>${ko.status[v.status]}</span></h1></div>
    <${StatusRegion} sync=${sync} />
    ${sync.needLogin && html`<${Relogin} />`}
    ${failed && html`<p class="problem">이 방문의 작업은 위 문제를 확인할 때까지 보내지 않고 기다립니다.</p>`}
    <dl>
      <dt>시간</dt><dd>${windowText(v)}</dd>
      <dt>접수</dt><dd>${t.number} · ${t.priority}</dd>
      <dt>고객</dt><dd>${c.name} ${c.title || ''} ${c.department ? '· ' + c.department : ''}${c.phone && html`<br /><a class="button tel" href=${'tel:' + c.phone}>${c.phone} 전화</a>`}</dd>
      <dt>장소</dt><dd>${place(d.location)}</dd>
      <dt>장비</dt><dd>${kindName(d.kind)} ${d.model || ''} (${d.asset_tag})</dd>
      <dt>고장</dt><dd>${faultName(t.fault_code)}: ${t.symptom}</dd>
      <dt>반복</dt><dd>${repeatOf(v) ? (repeatOf(v) > 1 ? `같은 고장 ${repeatOf(v)}회째` : '처음') : '모름'} <${Badges} v=${v} /></dd>
      ${v.lead && html`<dt>팀장</dt><dd>${v.lead.name}${v.lead.phone && html`<br /><a class="button tel" href=${'tel:' + v.lead.phone}>${v.lead.phone} 전화</a>`}</dd>`}
      ${v.engineer && v.lead && html`<dt>엔지니어</dt><dd>${v.engineer.name}</dd>`}
      ${v.estimate && html`<dt>예상</dt><dd>${v.estimate.minutes}분 · ${v.estimate.explanation}</dd>`}
      ${v.consent && html`<dt>동의</dt><dd>${v.consent.by}</dd>`}
      ${v.late_notice && html`<dt>지연</dt><dd>${v.late_notice.minutes}분${v.late_notice.note ? ' · ' + v.late_notice.note : ''}</dd>`}
      ${v.resolution && html`<dt>처리</dt><dd>${v.resolved === false ? '미해결 · ' : ''}${v.resolution}${v.follow_up_reason ? ' (재방문: ' + v.follow_up_reason + ')' : ''}</dd>`}
      ${v.absent && html`<dt>부재</dt><dd>${v.absent.memo_left ? '메모 남김' : '메모 없음'}${v.absent.note ? ' · ' + v.absent.note : ''}</dd>`}
      ${v.cancel_reason && html`<dt>취소 사유</dt><dd>${v.cancel_reason}</dd>`}
    </dl>
    <section class="steps" aria-label="단계">
      ${open ? html`<${StepForm} kind=${open} v=${v} close=${() => setOpen(null)} />`
        : html`${steps.length > 0 && html`<button type="button" class="primary big" onClick=${() => press(steps[0])}>${STEP_LABEL[steps[0]]}</button>`}
          ${steps.slice(1).map((s) => html`<button type="button" key=${s} class=${s === 'cancel' ? 'danger' : ''} onClick=${() => press(s)}>${STEP_LABEL[s]}</button>`)}`}
      ${checklist && steps[0] !== 'checklist' && !open && html`<p><a class="button" href=${`#/visits/${id}/checklist`}>${ko.checklist}</a> ${checklist.complete ? '마침' : '아직 마치지 않음'}</p>`}
    </section>
    <${PlanOnVisit} v=${v} key=${'plan' + id} />
    <${History} dev=${dev} ticketId=${t.id} />
  </main>`;
}

function History({ dev, ticketId }) {
  if (!dev) return null;
  const rows = (dev.fault_history || []).filter((h) => h.ticket_id !== ticketId);
  return html`<h2>이 장비의 고장 이력</h2>${rows.length === 0 ? html`<p>이전 고장이 없습니다.</p>`
    : html`<ul>${rows.map((h) => html`<li key=${h.ticket_id}>${h.created_at.slice(0, 10)} ${faultName(h.fault_code)} (${h.repeat_count}회째): ${h.symptom}${h.resolution && html` → ${h.resolution}`}</li>`)}</ul>`}`;
}

const SLOTS = [];
for (let m = 7 * 60; m <= 20 * 60; m += 30) SLOTS.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
const seoul = (date, time) => `${date}T${time}:00+09:00`;
function addMinutes(date, time, mins) {
  const t = new Date(Date.parse(seoul(date, time)) + mins * 60000);
  return seoul(seoulDate(t), new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Seoul', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t));
}

function StepForm({ kind, v, close }) {
  const [err, setErr] = useState('');
  const c = (v.ticket && v.ticket.customer) || {};
  const num = (s) => (/^\d+$/.test(s.trim()) ? Number(s) : NaN);
  async function submit(e, outcome) {
    e.preventDefault();
    if (kind === 'precall' && !outcome) return;
    const f = e.currentTarget.form || e.currentTarget;
    const val = (n) => (f.elements[n] ? f.elements[n].value.trim() : '');
    let body;
    switch (kind) {
      case 'precall':
        body = { outcome, note: val('note') || null };
        if (outcome === 'reschedule') {
          if (!val('date')) return setErr('새 날짜를 고르세요.');
          body.start = seoul(val('date'), val('time'));
          body.end = addMinutes(val('date'), val('time'), Number(val('duration')));
        }
        break;
      case 'late': {
        const m = num(val('minutes'));
        if (!(m >= 1 && m <= 600)) return setErr('늦는 시간을 1분에서 600분 사이로 적어 주세요.');
        body = { minutes: m, note: val('note') || null };
        break;
      }
      case 'estimate': {
        const m = num(val('minutes'));
        if (!(m >= 1 && m <= 10080)) return setErr('예상 작업 시간을 분으로 적어 주세요.');
        if (!val('explanation')) return setErr('고객에게 설명한 내용을 적어 주세요.');
        body = { minutes: m, explanation: val('explanation') };
        break;
      }
      case 'consent':
        if (!val('by')) return setErr('동의한 분의 이름을 적어 주세요.');
        body = { by: val('by') };
        break;
      case 'complete': {
        const resolved = f.elements.resolved.value !== 'no';
        if (!val('resolution')) return setErr('처리 내용을 적어 주세요.');
        if (!resolved && !val('follow_up')) return setErr('해결되지 않았다면 재방문 사유를 적어 주세요.');
        body = { resolved, resolution: val('resolution') };
        if (!resolved) body.follow_up_reason = val('follow_up');
        const cl = st.checklists[v.id];
        if (cl && !cl.complete) return setErr(explainGate(cl));
        break;
      }
      case 'absent':
        body = { memo_left: f.elements.memo_left.checked, note: val('note') || null };
        break;
      case 'cancel':
        if (!val('reason')) return setErr('취소 사유를 적어 주세요.');
        body = { reason: val('reason') };
        break;
    }
    setErr('');
    await step(v, kind, body);
    close();
  }
  const fields = {
    precall: html`<p>고객에게 전화하세요${c.phone && html`: <a class="button tel" href=${'tel:' + c.phone}>${c.phone} 전화</a>`}. 통화 결과를 고르세요.</p>
      <label for="f-note">메모</label><textarea id="f-note" name="note"></textarea>
      <fieldset><legend>일정 변경일 때 새 시간</legend>
        <label for="f-date">새 날짜</label><input id="f-date" name="date" type="date" defaultValue=${seoulDate(new Date(v.start))} />
        <label for="f-time">시작</label><select id="f-time" name="time">${SLOTS.map((s) => html`<option key=${s} selected=${s === hm(v.start)}>${s}</option>`)}</select>
        <label for="f-len">길이</label><select id="f-len" name="duration">${[30, 60, 90, 120, 180, 240].map((m) => html`<option key=${m} value=${m} selected=${m === 60}>${m}분</option>`)}</select>
      </fieldset>
      <div class="row">
        <button type="submit" class="primary" onClick=${(e) => submit(e, 'reached')}>${ko.reached}</button>
        <button type="submit" onClick=${(e) => submit(e, 'no_answer')}>${ko.noAnswer}</button>
        <button type="submit" onClick=${(e) => submit(e, 'reschedule')}>${ko.reschedule}</button>
      </div>`,
    late: html`<label for="f-min">늦는 시간 (분)</label><input id="f-min" name="minutes" type="number" inputmode="numeric" min="1" max="600" required />
      <label for="f-note">메모 (고객에게 전할 말)</label><textarea id="f-note" name="note"></textarea>
      <button type="submit" class="primary big">${ko.late}</button>`,
    estimate: html`<label for="f-min">예상 작업 시간 (분)</label><input id="f-min" name="minutes" type="number" inputmode="numeric" min="1" required />
      <label for="f-exp">고객에게 한 설명</label><textarea id="f-exp" name="explanation" required></textarea>
      <button type="submit" class="primary big">${ko.estimate}</button>`,
    consent: html`<p>예상 시간을 설명했고 고객이 작업에 동의했으면 기록하세요.</p>
      <label for="f-by">동의한 분</label><input id="f-by" name="by" type="text" defaultValue=${c.name || ''} required />
      <button type="submit" class="primary big">${ko.consent}</button>`,
    complete: html`<fieldset><legend>해결 여부</legend>
        <label class="check"><input type="radio" name="resolved" value="yes" defaultChecked />해결됨</label>
        <label class="check"><input type="radio" name="resolved" value="no" />해결 안 됨 (재방문 필요)</label></fieldset>
      <label for="f-res">처리 내용</label><textarea id="f-res" name="resolution" required></textarea>
      <label for="f-fu">재방문 사유 (해결 안 됨일 때)</label><textarea id="f-fu" name="follow_up"></textarea>
      <button type="submit" class="primary big">${ko.complete}</button>`,
    absent: html`<label class="check"><input type="checkbox" name="memo_left" defaultChecked />방문 메모(카드)를 남김</label>
      <label for="f-note">메모</label><textarea id="f-note" name="note"></textarea>
      <button type="submit" class="primary big">${ko.absent}</button>`,
    cancel: html`<label for="f-reason">취소 사유</label><textarea id="f-reason" name="reason" required></textarea>
      <button type="submit" class="danger big">${ko.cancel}</button>`,
  }[kind];
  return html`<form class="dialog" onSubmit=${(e) => submit(e, null)} onKeyDown=${imeGuard} aria-label=${STEP_LABEL[kind]} novalidate>
    <h2>${STEP_LABEL[kind]}</h2>
    ${fields}
    ${err && html`<p class="problem" role="alert">${err}</p>`}
    <button type="button" onClick=${close}>닫기</button>
  </form>`;
}

function missingRequired(cl) {
  return cl.items.filter((it) => it.required && (!it.answer || it.answer.value === null || it.answer.value === ''));
}

function explainGate(cl) {
  const miss = missingRequired(cl);
  return miss.length
    ? `점검표를 먼저 마쳐야 완료할 수 있습니다. 아직 답하지 않은 필수 항목: ${miss.map((i) => i.label).join(', ')}.`
    : '점검표를 먼저 마쳐야 완료할 수 있습니다. 점검표에서 점검 마침을 누르세요.';
}

const PF = { pass: '적합', fail: '부적합' };

function ChecklistPage({ id, sync }) {
  const v = st.visits[id];
  const cl = st.checklists[id];
  const [msg, setMsg] = useState('');
  const [dirty] = useState(() => new Set());
  if (!v || cl === undefined) return html`<main><a class="back" href=${'#/visits/' + id}>방문으로</a><h1>${ko.checklist}</h1><${StatusRegion} sync=${sync} /><p>점검표를 아직 받아 두지 않았습니다. 신호가 있을 때 다시 여세요.</p></main>`;
  if (cl === null) return html`<main><a class="back" href=${'#/visits/' + id}>방문으로</a><h1>${ko.checklist}</h1><p>이 장비에는 점검표가 없습니다.</p></main>`;
  function collect(form) {
    const answers = [];
    for (const it of cl.items) {
      if (!dirty.has(it.key)) continue;
      const el = form.elements['ck-' + it.key];
      let value;
      if (it.type === 'check') value = el.checked;
      else if (it.type === 'number') value = el.value.trim() === '' ? null : Number(el.value);
      else value = el.value === '' ? null : el.value;
      if (it.type === 'number' && value !== null && !Number.isFinite(value)) return { error: `${it.label}: 숫자를 적어 주세요.` };
      if (it.type === 'number' && value !== null && ((it.min !== undefined && value < it.min) || (it.max !== undefined && value > it.max)))
        return { error: `${it.label}: ${it.min ?? ''}–${it.max ?? ''} 사이로 적어 주세요.` };
      answers.push({ key: it.key, value });
    }
    return { answers };
  }
  async function save(e, complete) {
    e.preventDefault();
    const form = e.currentTarget.form || e.currentTarget;
    const { answers, error } = collect(form);
    if (error) return setMsg(error);
    if (complete) {
      const after = { ...cl, items: cl.items.map((it) => { const a = answers.find((x) => x.key === it.key); return a ? { ...it, answer: { value: a.value } } : it; }) };
      const miss = missingRequired(after);
      if (miss.length) return setMsg(`필수 항목을 먼저 채우세요: ${miss.map((i) => i.label).join(', ')}.`);
    }
    dirty.clear();
    await saveChecklist(v, answers, complete);
    setMsg(complete ? '점검을 마쳤습니다.' : '저장했습니다.');
  }
  const mark = (k) => () => dirty.add(k);
  const locked = cl.complete;
  return html`<main>
    <a class="back" href=${'#/visits/' + id}>방문으로</a>
    <h1>${ko.checklist}: ${cl.template.title}</h1>
    <${StatusRegion} sync=${sync} />
    ${sync.needLogin && html`<${Relogin} />`}
    <p class="note"><span class="req">*</span> 표시는 필수 항목입니다. ${locked ? '점검을 마쳐 더 바꿀 수 없습니다.' : '저장은 중간에 몇 번이든 할 수 있습니다.'}</p>
    <form onSubmit=${(e) => save(e, false)} onKeyDown=${imeGuard} novalidate>
      ${cl.items.map((it) => {
        const a = it.answer ? it.answer.value : null;
        const id2 = 'ck-' + it.key;
        const req = it.required && html` <span class="req" aria-hidden="true">*</span><span class="hidden-text"> (필수)</span>`;
        const lbl = it.label + (it.required ? ' (필수)' : '');
        switch (it.type) {
          case 'check':
            return html`<label class="check" key=${it.key}><input type="checkbox" name=${id2} defaultChecked=${a === true} disabled=${locked} onChange=${mark(it.key)} aria-label=${lbl} />${it.label}${it.required && html` <span class="req" aria-hidden="true">*</span>`}</label>`;
          case 'pass_fail':
            return html`<fieldset key=${it.key}><legend>${it.label}${req}</legend><div class="row">${['pass', 'fail'].map((p) => html`<label class="check" key=${p}><input type="radio" name=${id2} value=${p} defaultChecked=${a === p} disabled=${locked} onChange=${mark(it.key)} />${PF[p]}</label>`)}</div></fieldset>`;
          case 'number':
            return html`<div key=${it.key}><label for=${id2}>${it.label}${it.unit ? ` (${it.unit})` : ''}${req}</label><input id=${id2} name=${id2} type="number" inputmode="decimal" step="any" min=${it.min} max=${it.max} defaultValue=${a ?? ''} disabled=${locked} onInput=${mark(it.key)} /></div>`;
          case 'text':
            return html`<div key=${it.key}><label for=${id2}>${it.label}${req}</label><input id=${id2} name=${id2} type="text" defaultValue=${a ?? ''} disabled=${locked} onInput=${mark(it.key)} /></div>`;
          case 'choice':
            return html`<div key=${it.key}><label for=${id2}>${it.label}${req}</label><select id=${id2} name=${id2} disabled=${locked} onChange=${mark(it.key)}><option value="">선택</option>${(it.options || []).map((o) => html`<option key=${o} selected=${a === o}>${o}</option>`)}</select></div>`;
          default:
            return null;
        }
      })}
      ${msg && html`<p role="status">${msg}</p>`}
      ${!locked && html`<div class="row"><button type="submit" class="primary">${ko.save}</button>
        <button type="button" onClick=${(e) => save(e, true)}>점검 마침</button></div>`}
    </form>
  </main>`;
}

function App() {
  const [, tick] = useState(0);
  const [sync, setSync] = useState({ ...box.sync });
  useEffect(() => {
    redraw = () => tick((n) => n + 1);
    return box.subscribe((s) => setSync({ ...s, items: [...s.items] }));
  }, []);
  const r = st.route;
  if (r.page === 'visit') return html`<${VisitPage} id=${r.id} sync=${sync} />`;
  if (r.page === 'checklist') return html`<${ChecklistPage} id=${r.id} sync=${sync} />`;
  return html`<${DayPage} sync=${sync} />`;
}

// ----------------------------------------------------------------- start --
async function start() {
  st.user = await kv.get('user');
  await box.load();
  render(html`<${App} />`, document.getElementById('app'));
  try {
    st.user = await api('GET', '/me');
    await kv.set('user', st.user);
    if (homeOf(st.user) !== '/m/') return location.replace(homeOf(st.user));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      // not signed in on this phone: the login page, then back here (e.g. a calendar link)
      if (!st.user && !box.sync.items.length) return location.replace('/?next=' + encodeURIComponent(location.pathname + location.hash));
      needLogin();
    }
  }
  box.setOnline(navigator.onLine);
  const ids = await kv.get('day:' + st.date);
  if (ids) {
    st.days[st.date] = ids;
    await fromPhone(ids);
    changed();
  }
  route();
  loadDay(st.date);
  loadFaults();
  loadPlans();
  box.replay();
}

function route() {
  st.route = parseRoute();
  if (st.route.page !== 'day') loadVisit(st.route.id);
  changed();
  window.scrollTo(0, 0);
}

window.addEventListener('hashchange', route);
window.addEventListener('online', () => box.setOnline(true));
window.addEventListener('offline', () => box.setOnline(false));
window.addEventListener('focus', () => box.replay());
document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && box.replay());
box.subscribe(() => {
  // after a replay the cached day is stale: fetch it again when nothing waits
  if (box.sync.online && !box.sync.sending && !box.sync.items.some((i) => i.state === 'waiting')) {
    clearTimeout(start.t);
    start.t = setTimeout(() => { loadDay(st.date); loadPlans(); }, 300);
  }
});
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/m/sw.js', { scope: '/m/' }).catch(() => {});
if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
start();
