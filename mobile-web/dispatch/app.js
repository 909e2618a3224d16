// fieldd dispatcher's board (/dispatch/): the lanes of what needs a person now, the day of
// people x time, the ticket page, intake at the desk with the proposal preview, reports.
// Hash routes: #/ (lanes), #/day/YYYY-MM-DD, #/intake, #/tickets/{id}, #/reports,
// #/outbox, #/complaints, #/plans (outbox.js, complaints.js, plans.js).
// Live: every event of GET /api/v1/events (live.js) makes the screen refetch what it names.
import { html, render, useState, useEffect, useRef, imeGuard } from '/shared/ui.js';
import { api, ApiError, newKey } from '/shared/api.js';
import { ko, problems, explain as explainBase, escalation, faults, hm, day, seoulDate, desk } from '/shared/words.js';
import { onEvent } from '/dispatch/live.js';
import { BarChart } from '/dispatch/charts.js';
import { Outbox } from '/dispatch/outbox.js';
import { Complaints } from '/dispatch/complaints.js';
import { Plans } from '/dispatch/plans.js';
import { ReplayLane } from '/dispatch/replays.js';

// ------------------------------------------------------------ words ------
// The board's own words (SPEC §7: 접수, 배정, 지연 안내, the status words of ko.status).
export const board = {
  intake: '접수',
  assign: '배정',
  delay: '지연 안내',
  accept: '제안 수락',
  cancelTicket: '접수 취소',
  callback: '통화 기록',
  ticketStatus: { new: '새 접수', scheduled: '일정 잡힘', in_progress: '처리 중', resolved: '해결', closed: '종료', cancelled: '취소' },
  verification: { callback: '회신 전화로 확인', employee_id: '사번 확인', in_person: '직접 대면', sso: '통합 로그인' },
  channel: { phone: '전화', web: '웹', email: '이메일', walk_in: '방문 접수', app: '앱' },
  kinds: { desktop: '데스크톱', laptop: '노트북', printer: '프린터', monitor: '모니터', network: '네트워크', scanner: '스캐너', server: '서버', phone: '전화기', other: '기타' },
  notification: { queued: '보내는 중', sent: '보냄', dead: '보내지 못함', failed: '보내지 못함', skipped: '전화로 안내' },
  template: {
    appointment_confirmed: '방문 확정', absent_notice: '부재 안내', delay_notice: '지연 안내', late_notice: '도착 지연',
    escalation: '에스컬레이션', result_notice: '처리 결과', survey: '만족도 조사', visit_cancelled: '방문 취소',
    rescheduled: '일정 변경', complaint_received: '불만 접수', complaint_result: '불만 처리 결과',
  },
  channel2: { sms: '문자', email: '이메일', phone: '전화', push: '앱 알림', kakao: '카카오톡' },
};

// What a refusal means at the desk (the engineer app's wording speaks to engineers).
const deskProblems = {
  ...problems,
  lead_required: '반복 고장(R7)이나 VIP(R8) 건은 팀장이 함께 가야 합니다. 팀장을 지정하세요.',
  double_booked: '그 시간에 이미 다른 방문이 잡혀 있는 사람이 있습니다. 다른 사람이나 시간을 고르세요.',
  no_proposal: '14일 안에 맞는 사람과 시간이 없습니다. 기사와 시간을 직접 고르세요.',
  not_found: '찾을 수 없습니다. 이미 지워졌거나 볼 권한이 없습니다.',
  forbidden: '이 작업을 할 권한이 없습니다. 담당 팀의 건인지 확인하세요.',
  conflict: '다른 사람이 먼저 바꿨습니다. 화면을 다시 불러왔습니다.',
};
const deskFields = {
  customer_id: '고객', device_id: '장비', fault_code: '고장 종류', symptom: '증상', channel: '접수 경로',
  verification: '본인 확인', priority: '우선순위', engineer_id: '기사', lead_id: '팀장', start: '시작', end: '끝',
  reason: '사유', new_due_at: '새 기한', reached: '통화 결과', note: '메모',
};
export function explain(p) {
  if (!p) return '알 수 없는 오류가 났습니다.';
  if (p.code === 'validation_failed' && Array.isArray(p.errors) && p.errors.length)
    return '입력한 내용을 확인해 주세요. (' + p.errors.map((e) => deskFields[e.field] || e.field).join(', ') + ')';
  return deskProblems[p.code] || explainBase(p);
}
export const failText = (e) => (e instanceof ApiError ? explain(e.problem) : '서버에 연결할 수 없습니다.');

export const metricNames = {
  first_visit_resolution: '첫 방문 해결 (R6)',
  sla_met: '기한 내 처리 (R11)',
  delay_notice_before_breach: '기한 전 지연 안내 (R11)',
  first_contact: '첫 연락 목표 시간 (R14)',
  precall_first_attempt: '첫 사전 연락 통화 (R3)',
  on_time_arrival: '약속 시간 도착 (R4)',
  consent_before_work: '작업 전 동의 (R5)',
  repeat_fault_with_lead: '반복 고장 팀장 동행 (R7)',
  vip_with_lead: 'VIP 팀장 동행 (R8)',
  checklist_completion: '점검표 완료 (R9)',
  absence_with_notice: '부재 안내 (R10)',
  satisfaction: '만족도 (5점 만점)',
};
// a rate as people read it: percent, or the mean rating of the surveys
export const rateText = (metric, r) =>
  r.rate == null ? '—' : metric === 'satisfaction' ? r.rate.toFixed(1) : (r.rate * 100).toFixed(1) + '%';

// ------------------------------------------------------------ state ------
export const st = { me: null, users: {}, teams: [], faultCodes: [], route: parseRoute() };
const OPEN = new Set(['new', 'scheduled', 'in_progress']);
const SOON_MS = 2 * 3600 * 1000; // "about to be overdue": due within two hours

function parseRoute() {
  const h = location.hash;
  let m;
  if ((m = h.match(/^#\/tickets\/(\d+)/))) return { page: 'ticket', id: Number(m[1]) };
  if ((m = h.match(/^#\/day(?:\/(\d{4}-\d{2}-\d{2}))?/))) return { page: 'day', date: m[1] || seoulDate() };
  if (h.startsWith('#/intake')) return { page: 'intake' };
  if (h.startsWith('#/reports')) return { page: 'reports' };
  if (h.startsWith('#/outbox')) return { page: 'outbox' };
  if (h.startsWith('#/complaints')) return { page: 'complaints' };
  if (h.startsWith('#/plans')) return { page: 'plans' };
  return { page: 'lanes' };
}

export const toLogin = () => location.replace('/?next=' + encodeURIComponent(location.pathname + location.hash));

// Every page of a list (lists answer {items, next_cursor}), up to `max` items.
export async function all(path, max = 1000) {
  const out = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await api('GET', path + sep + 'limit=200' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    out.push(...(r.items || []));
    cursor = r.next_cursor;
  } while (cursor && out.length < max);
  return out;
}

export const personName = (id) => (id == null ? '' : (st.users[id] && st.users[id].name) || '#' + id);
const isLead = () => st.me && st.me.role === 'lead';
const myTeam = () => (isLead() ? st.teams.find((t) => t.lead_id === st.me.id) : null);
// The people a lead works with: their team and themselves; everyone for the desk.
function people() {
  let list = Object.values(st.users).filter((u) => u.active !== false && (u.role === 'engineer' || u.role === 'lead'));
  const team = myTeam();
  if (isLead()) list = list.filter((u) => u.id === st.me.id || (team && (team.member_ids || []).includes(u.id)) || u.team_id === (team && team.id));
  return list.sort((a, b) => (a.team_id || 0) - (b.team_id || 0) || a.name.localeCompare(b.name, 'ko'));
}

// "2026-12-04T14:00" (a datetime-local in Seoul) <-> RFC 3339
export const fromLocal = (v) => (v ? v + (v.length === 16 ? ':00' : '') + '+09:00' : null);
const toLocal = (iso) => {
  if (!iso) return '';
  const d = new Date(new Date(iso).getTime() + 9 * 3600000);
  return d.toISOString().slice(0, 16);
};
export const when = (iso) => (iso ? `${day(iso)} ${hm(iso)}` : '');

// Refetch what an event names when it names something the screen shows. Events about the
// same row within 50 ms are one refetch; events about different rows each get theirs.
export function useLive(match, reload) {
  const ref = useRef({ match, reload, timers: new Map() });
  ref.current.match = match;
  ref.current.reload = reload;
  useEffect(() => {
    const off = onEvent((ev) => {
      const r = ref.current;
      if (ev.kind !== 'resync' && !r.match(ev)) return;
      const key = ev.kind === 'resync' ? 'resync' : ev.kind + ':' + ev.ref;
      clearTimeout(r.timers.get(key));
      r.timers.set(key, setTimeout(() => { r.timers.delete(key); r.reload(ev); }, 50));
    });
    return () => { off(); for (const t of ref.current.timers.values()) clearTimeout(t); };
  }, []);
}

// ------------------------------------------------------------ shell ------
function Nav() {
  const p = st.route.page;
  const link = (href, page, text) => html`<a href=${href} aria-current=${p === page ? 'page' : undefined}>${text}</a>`;
  const out = async () => {
    try { await api('DELETE', '/session'); } catch { /* gone already */ }
    location.href = '/';
  };
  return html`<header class="boardbar">
    <nav aria-label="상황판 메뉴">
      ${link('#/', 'lanes', '상황판')} ${link('#/day/' + seoulDate(), 'day', '일정')}
      ${link('#/intake', 'intake', '접수하기')} ${link('#/reports', 'reports', '보고서')}
      ${link('#/outbox', 'outbox', desk.outbox)} ${link('#/complaints', 'complaints', desk.complaints)} ${link('#/plans', 'plans', desk.plans)}
    </nav>
    <span class="who">${st.me.name} (${({ admin: '관리자', dispatcher: '상황실', lead: '팀장' })[st.me.role] || st.me.role})</span>
    <button type="button" onClick=${out}>${ko.signOut}</button>
  </header>`;
}

export function Problem({ text }) {
  return text ? html`<p class="problem" role="alert">${text}</p>` : null;
}

function Badges({ t }) {
  return html`${(t.escalations || []).map((e) => html`<span class=${'badge ' + e}>${escalation[e] || e}</span> `)}${t.overdue && html`<span class="badge overdue">기한 초과</span> `}`;
}

function TicketCard({ t, extra }) {
  return html`<li><a class="card" href=${'#/tickets/' + t.id}>
    <span class="card-head"><strong>${t.number}</strong> <span class="st">${board.ticketStatus[t.status] || t.status}</span> ${t.priority}</span>
    <span>${t.customer && t.customer.name} · ${t.fault_name || faults[t.fault_code] || t.fault_code}</span>
    <span class="note">기한 ${when(t.due_at)}${extra ? ' · ' + extra : ''}</span>
    <${Badges} t=${t} />
  </a></li>`;
}

// ------------------------------------------------------------ lanes ------
// The lanes are views of two maps, the open tickets and the visits around today: loaded
// once from the lists, then kept by the events (a ticket event refetches that ticket, a
// visit event that visit), so a change costs one request however many boards are open.
async function loadLanes() {
  const lists = await Promise.all([
    ...['status=new', 'status=scheduled', 'status=in_progress', 'overdue=true', 'first_contact_breach=true', 'escalation=repeat_fault', 'vip=true'].map((f) => all('/tickets?' + f, 400)),
    all(`/visits?from=${encodeURIComponent(new Date(Date.now() - 12 * 3600000).toISOString())}&to=${seoulDate(new Date(), 2)}`, 1000),
  ]);
  const visits = lists.pop();
  const tickets = new Map();
  for (const l of lists) for (const t of l) if (OPEN.has(t.status)) tickets.set(t.id, t);
  return { tickets, visits: new Map(visits.map((v) => [v.id, v])) };
}

export function lanesOf({ tickets, visits }, now = Date.now()) {
  const open = [...tickets.values()].filter((t) => OPEN.has(t.status)).sort((a, b) => new Date(a.due_at) - new Date(b.due_at));
  const due = (t) => new Date(t.due_at).getTime() - now;
  const horizon = new Date(seoulDate(new Date(now), 2) + 'T00:00:00+09:00').getTime();
  return {
    unassigned: open.filter((t) => t.status === 'new'),
    due: open.filter((t) => due(t) < SOON_MS),
    noContact: open.filter((t) => !(t.first_contact && t.first_contact.at)),
    // R3: a visit not yet confirmed that starts before tomorrow ends needs its pre-call now
    precall: [...visits.values()].filter((v) => v.status === 'proposed' && new Date(v.start).getTime() < horizon).sort((a, b) => new Date(a.start) - new Date(b.start)),
    escalations: open.filter((t) => (t.escalations || []).some((e) => e === 'repeat_fault' || e === 'vip')),
  };
}

function Lane({ id, title, rule, items, empty, children }) {
  return html`<section class="lane" aria-labelledby=${id}>
    <h2 id=${id}>${title} <span class="count">${items.length}건</span></h2>
    ${rule && html`<p class="note">${rule}</p>`}
    ${items.length ? html`<ul class="visits">${children}</ul>` : html`<p class="note">${empty}</p>`}
  </section>`;
}

function Lanes() {
  const [data, setData] = useState(null);
  const [err, setErr] = useState(null);
  const [, tick] = useState(0);
  const fail = (e) => (e instanceof ApiError && e.status === 401 ? toLogin() : setErr(failText(e)));
  const reload = () => loadLanes().then((x) => { setData(x); setErr(null); }, fail);
  useEffect(() => {
    reload();
    const t = setInterval(() => tick((n) => n + 1), 60000); // "about to be due" moves with the clock
    return () => clearInterval(t);
  }, []);
  useLive((ev) => ev.kind === 'resync' || ev.kind === 'ticket' || ev.kind === 'visit', async (ev) => {
    if (ev.kind === 'resync' || !data) return reload();
    try {
      if (ev.kind === 'ticket') {
        const t = await api('GET', '/tickets/' + ev.ref);
        setData((d) => { const m = new Map(d.tickets); OPEN.has(t.status) ? m.set(t.id, t) : m.delete(t.id); return { ...d, tickets: m }; });
      } else {
        const v = await api('GET', '/visits/' + ev.ref);
        setData((d) => { const m = new Map(d.visits); m.set(v.id, v); return { ...d, visits: m }; });
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        const key = ev.kind === 'ticket' ? 'tickets' : 'visits';
        setData((d) => { const m = new Map(d[key]); m.delete(ev.ref); return { ...d, [key]: m }; });
      } else fail(e);
    }
  });
  const d = data && lanesOf(data);
  return html`<main class="wide">
    <h1>상황판</h1>
    <${Problem} text=${err} />
    ${!d ? html`<p class="note">불러오는 중…</p>` : html`<div class="lanes">
      <${Lane} id="lane-new" title="새 접수 · 미배정" items=${d.unassigned} empty="배정을 기다리는 접수가 없습니다.">
        ${d.unassigned.map((t) => html`<${TicketCard} t=${t} key=${t.id} />`)}<//>
      <${Lane} id="lane-due" title="기한 초과 · 임박" rule="R11: 기한을 넘기기 전에 지연 안내" items=${d.due} empty="기한이 급한 건이 없습니다.">
        ${d.due.map((t) => html`<${TicketCard} t=${t} key=${t.id} extra=${new Date(t.due_at).getTime() < Date.now() ? '기한 초과' : '2시간 안에 기한'} />`)}<//>
      <${Lane} id="lane-contact" title="첫 연락 전" rule="R14: VIP 5분, 그 밖 30분 안에 첫 연락" items=${d.noContact} empty="모든 건에 첫 연락을 했습니다.">
        ${d.noContact.map((t) => html`<${TicketCard} t=${t} key=${t.id} extra=${'첫 연락 목표 ' + t.first_contact.target_min + '분'} />`)}<//>
      <${Lane} id="lane-precall" title="사전 연락 필요" rule="R3: 내일까지 시작하는 확인 전 방문" items=${d.precall} empty="사전 연락을 기다리는 방문이 없습니다.">
        ${d.precall.map((v) => html`<li key=${v.id}><a class="card" href=${'#/tickets/' + v.ticket_id}>
          <span class="card-head"><strong>${v.ticket ? v.ticket.number : '#' + v.ticket_id}</strong> <span class="st">${ko.status[v.status]}</span></span>
          <span>${when(v.start)}–${hm(v.end)} · ${personName(v.engineer_id)}${v.lead_id ? ' + ' + personName(v.lead_id) : ''}</span>
          ${v.ticket && v.ticket.customer && html`<span class="note">${v.ticket.customer.name}</span>`}
        </a></li>`)}<//>
      <${Lane} id="lane-esc" title="에스컬레이션" rule="R7 반복 고장, R8 VIP: 팀장 동행" items=${d.escalations} empty="에스컬레이션된 건이 없습니다.">
        ${d.escalations.map((t) => html`<${TicketCard} t=${t} key=${t.id} />`)}<//>
      <${ReplayLane} onAuth=${toLogin} />
    </div>`}
  </main>`;
}

// ------------------------------------------------------------ day --------
const DAY_FROM = 7, DAY_TO = 21; // the hours the grid shows (visits outside are clamped)
export function dayRows(list, visits) {
  const rows = new Map(list.map((p) => [p.id, []]));
  for (const v of visits) {
    if (v.status === 'cancelled') continue;
    if (rows.has(v.engineer_id)) rows.get(v.engineer_id).push(v);
    if (v.lead_id != null && v.lead_id !== v.engineer_id && rows.has(v.lead_id)) rows.get(v.lead_id).push(v);
  }
  return rows;
}

function DayView({ date }) {
  const [visits, setVisits] = useState(null);
  const [err, setErr] = useState(null);
  const next = (n) => seoulDate(new Date(date + 'T12:00:00+09:00'), n);
  const reload = () => all(`/visits?from=${date}&to=${next(1)}`, 5000).then((x) => { performance.mark('day-data'); setVisits(x); setErr(null); }, (e) => (e instanceof ApiError && e.status === 401 ? toLogin() : setErr(failText(e))));
  useEffect(() => { setVisits(null); reload(); }, [date]);
  // the render's cost, from the data in hand to the next frame (docs/performance.md)
  useEffect(() => { if (visits) requestAnimationFrame(() => performance.measure('day-render', 'day-data')); }, [visits]);
  // one visit changed: fetch that visit only; anything else about schedules: the day
  useLive((ev) => ev.kind === 'visit' || ev.kind === 'schedule', async (ev) => {
    if (ev.kind === 'visit' && ev.visit_id && visits) {
      try {
        const v = await api('GET', '/visits/' + ev.visit_id);
        setVisits((cur) => [...(cur || []).filter((x) => x.id !== v.id), v]);
        return;
      } catch { /* gone from view: the whole day */ }
    }
    reload();
  });
  const list = people();
  const rows = visits ? dayRows(list, visits) : new Map();
  const span = (DAY_TO - DAY_FROM) * 3600000;
  const base = new Date(`${date}T${String(DAY_FROM).padStart(2, '0')}:00:00+09:00`).getTime();
  const pos = (v) => {
    const a = Math.max(0, Math.min(1, (new Date(v.start).getTime() - base) / span));
    const b = Math.max(a + 0.01, Math.min(1, (new Date(v.end).getTime() - base) / span));
    return { left: (a * 100).toFixed(2) + '%', width: ((b - a) * 100).toFixed(2) + '%' };
  };
  const hours = [];
  for (let h = DAY_FROM; h < DAY_TO; h += 2) hours.push(h);
  return html`<main class="wide">
    <h1>${day(date + 'T12:00:00+09:00')} 일정</h1>
    <nav class="row" aria-label="날짜">
      <a class="button" href=${'#/day/' + next(-1)}>전날</a>
      <a class="button" href=${'#/day/' + seoulDate()}>오늘</a>
      <a class="button" href=${'#/day/' + next(1)}>다음날</a>
      <div><label for="day-pick">날짜 선택</label>
      <input id="day-pick" type="date" value=${date} onChange=${(e) => e.currentTarget.value && (location.hash = '#/day/' + e.currentTarget.value)} /></div>
    </nav>
    <${Problem} text=${err} />
    ${!visits ? html`<p class="note">불러오는 중…</p>` : html`
    <div class="day" role="group" aria-label="사람별 방문">
      <div class="dayrow hours" aria-hidden="true"><span class="who"></span><span class="track">${hours.map((h) => html`<span class="tick" style=${{ left: (((h - DAY_FROM) / (DAY_TO - DAY_FROM)) * 100).toFixed(2) + '%' }}>${h}시</span>`)}</span></div>
      ${list.map((p) => html`<section class="dayrow" key=${p.id} aria-label=${p.name}>
        <h3 class="who">${p.name}${p.role === 'lead' ? ' (팀장)' : ''}</h3>
        <ul class="track">${rows.get(p.id).map((v) => html`<li key=${v.id} class=${'slot ' + v.status} style=${pos(v)}>
          <a href=${'#/tickets/' + v.ticket_id} title=${`${hm(v.start)}–${hm(v.end)} ${ko.status[v.status]}`}>
            ${hm(v.start)} ${v.ticket && v.ticket.customer ? v.ticket.customer.name : ''} <span class="st">${ko.status[v.status] || v.status}</span>${v.lead_id === p.id && v.engineer_id !== p.id ? html` <span class="note">동행</span>` : ''}
          </a></li>`)}</ul>
      </section>`)}
    </div>
    ${!list.length && html`<p class="note">보여 줄 사람이 없습니다.</p>`}`}
  </main>`;
}

// ------------------------------------------------------------ ticket -----
function AssignForm({ ticket, visit, proposal, onDone }) {
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const list = people();
  const leads = Object.values(st.users).filter((u) => u.role === 'lead' && u.active !== false);
  const start0 = (visit && visit.start) || (proposal && proposal.start);
  const end0 = (visit && visit.end) || (proposal && proposal.end);
  const lead0 = visit ? visit.lead_id : proposal ? proposal.lead_id : null;
  const submit = async (e) => {
    e.preventDefault();
    const f = e.currentTarget;
    const body = {
      engineer_id: Number(f.engineer.value) || null,
      lead_id: f.lead.value ? Number(f.lead.value) : null,
      reason: f.reason.value.trim(),
    };
    if (f.start.value || f.end.value) Object.assign(body, { start: fromLocal(f.start.value), end: fromLocal(f.end.value) });
    if (visit) body.visit_id = visit.id;
    if (!body.engineer_id) return setErr('기사를 고르세요.');
    if (!body.reason) return setErr('배정을 바꾸는 사유를 적어 주세요.');
    setBusy(true);
    try {
      await api('POST', `/tickets/${ticket.id}/assign`, body, newKey());
      setErr(null);
      onDone && onDone();
    } catch (x) {
      if (x instanceof ApiError && x.status === 401) return toLogin();
      setErr(failText(x));
    } finally { setBusy(false); }
  };
  return html`<form class="panel" onSubmit=${submit} onKeyDown=${imeGuard} novalidate aria-labelledby="assign-h">
    <h3 id="assign-h">다른 기사 · 시간으로 ${board.assign}</h3>
    <label for="as-eng">기사</label>
    <select id="as-eng" name="engineer">
      <option value="">고르세요</option>
      ${list.map((u) => html`<option value=${u.id} selected=${visit ? visit.engineer_id === u.id : proposal && proposal.engineer_id === u.id}>${u.name}${u.role === 'lead' ? ' (팀장)' : ''}</option>`)}
    </select>
    <label for="as-lead">동행 팀장</label>
    <select id="as-lead" name="lead">
      <option value="" selected=${lead0 == null}>없음</option>
      ${leads.map((u) => html`<option value=${u.id} selected=${lead0 === u.id}>${u.name}</option>`)}
    </select>
    <div class="row">
      <div><label for="as-start">시작</label><input id="as-start" name="start" type="datetime-local" step="1800" value=${toLocal(start0)} /></div>
      <div><label for="as-end">끝</label><input id="as-end" name="end" type="datetime-local" step="1800" value=${toLocal(end0)} /></div>
    </div>
    <label for="as-reason">배정 사유</label>
    <input id="as-reason" name="reason" type="text" maxlength="1000" />
    <${Problem} text=${err} />
    <button type="submit" class="primary" disabled=${busy}>${board.assign}</button>
  </form>`;
}

function ActionForm({ id, title, fields, button, send, danger }) {
  const [err, setErr] = useState(null);
  const [done, setDone] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    const f = e.currentTarget;
    try {
      const msg = await send(f);
      if (typeof msg === 'string' && !msg.startsWith('ok:')) return setErr(msg);
      setErr(null);
      setDone(msg ? msg.slice(3) : '저장했습니다.');
      f.reset();
    } catch (x) {
      if (x instanceof ApiError && x.status === 401) return toLogin();
      setDone(null);
      setErr(failText(x));
    }
  };
  return html`<form class="panel" onSubmit=${submit} onKeyDown=${imeGuard} novalidate aria-labelledby=${id}>
    <h3 id=${id}>${title}</h3>
    ${fields}
    <${Problem} text=${err} />
    ${done && html`<p class="ok" role="status">${done}</p>`}
    <button type="submit" class=${danger ? 'danger' : 'primary'}>${button}</button>
  </form>`;
}

function Checklist({ visitId }) {
  const [cl, setCl] = useState(undefined);
  useEffect(() => { api('GET', `/visits/${visitId}/checklist`).then(setCl, () => setCl(null)); }, [visitId]);
  useLive((ev) => ev.kind === 'checklist' && ev.visit_id === visitId, () => api('GET', `/visits/${visitId}/checklist`).then(setCl, () => setCl(null)));
  if (!cl) return null;
  const ans = (it) => {
    const a = it.answer;
    if (!a) return '—';
    const v = a.value;
    return v === true ? '확인' : v === false ? '아니오' : v === 'pass' ? '정상' : v === 'fail' ? '불량' : String(v);
  };
  return html`<details><summary>${ko.checklist} (${cl.complete ? '완료' : '작성 중'})</summary>
    <table><caption class="hidden-text">점검표 항목</caption><thead><tr><th scope="col">항목</th><th scope="col">답</th></tr></thead>
    <tbody>${cl.items.map((it) => html`<tr key=${it.key}><td>${it.label}${it.required ? ' *' : ''}</td><td>${ans(it)}</td></tr>`)}</tbody></table>
  </details>`;
}

// A notice that could not be delivered goes again (the desk's POST /notifications/{id}/resend).
function Resend({ id, onDone }) {
  const [err, setErr] = useState(null);
  const go = async () => {
    try {
      await api('POST', `/notifications/${id}/resend`, undefined, newKey());
      setErr(null);
      onDone();
    } catch (x) {
      if (x instanceof ApiError && x.status === 401) return toLogin();
      setErr(failText(x));
    }
  };
  return html`<button type="button" onClick=${go}>다시 보내기</button><${Problem} text=${err} />`;
}

const actionWords = {
  'ticket.created': '접수', 'ticket.assigned': '배정', 'ticket.delayed': '지연 안내', 'ticket.cancelled': '접수 취소', 'ticket.callback': '고객 통화',
  'ticket.status': '상태 변경', 'checklist.changed': '점검표 저장', 'checklist.completed': '점검 마침', 'notification.resend': '알림 다시 보냄',
  'visit.created': '방문 예약', 'visit.precall': '사전 연락', 'visit.depart': '출발', 'visit.arrive': '도착', 'visit.late': '지연 알림', 'visit.estimate': '예상 시간',
  'visit.consent': '고객 동의', 'visit.complete': '완료', 'visit.absent': '고객 부재', 'visit.cancel': '방문 취소',
  'replay_failure.handled': '휴대폰 재전송 실패 처리',
};

function TicketPage({ id }) {
  const [t, setT] = useState(null);
  const [err, setErr] = useState(null);
  const reload = () => api('GET', '/tickets/' + id).then((x) => { setT(x); setErr(null); }, (e) => (e instanceof ApiError && e.status === 401 ? toLogin() : setErr(failText(e))));
  useEffect(() => { setT(null); reload(); }, [id]);
  useLive((ev) => ev.ticket_id === id || (ev.kind === 'ticket' && ev.ref === id), reload);
  if (!t) return html`<main class="wide"><h1>접수 #${id}</h1><${Problem} text=${err} />${!err && html`<p class="note">불러오는 중…</p>`}</main>`;
  const planned = t.visits.find((v) => v.status === 'proposed' || v.status === 'confirmed');
  const open = OPEN.has(t.status);
  const d = t.device || {};
  return html`<main class="wide">
    <h1>${t.number} ${t.customer && t.customer.name}</h1>
    <${Problem} text=${err} />
    <p><span class="st">${board.ticketStatus[t.status]}</span> ${t.priority} <${Badges} t=${t} /></p>
    <dl>
      <dt>고장</dt><dd>${t.fault_name || t.fault_code} — ${t.symptom}</dd>
      <dt>장비</dt><dd>${d.asset_tag} · ${board.kinds[d.kind] || d.kind} ${d.model || ''}</dd>
      <dt>기한</dt><dd>${when(t.due_at)}${t.overdue ? ' (기한 초과)' : ''}</dd>
      <dt>같은 고장</dt><dd>${t.repeat.count}번째 (최근 ${t.repeat.window_days}일)</dd>
      <dt>첫 연락</dt><dd>${t.first_contact.at ? when(t.first_contact.at) + (t.first_contact.met ? ' (목표 안)' : ' (목표 넘김)') : `아직 없음 (목표 ${t.first_contact.target_min}분)`}</dd>
      <dt>본인 확인</dt><dd>${board.verification[t.verification] || t.verification}</dd>
      ${t.cancel_reason && html`<dt>취소 사유</dt><dd>${t.cancel_reason}</dd>`}
    </dl>
    <h2>방문</h2>
    ${t.visits.length ? html`<ul class="plain">${t.visits.map((v) => html`<li key=${v.id} class="panel">
      <strong>${v.seq}차 방문</strong> <span class="st">${ko.status[v.status] || v.status}</span>
      <div>${when(v.start)}–${hm(v.end)} · ${(v.engineer && v.engineer.name) || personName(v.engineer_id)}${v.lead_id ? ' + 팀장 ' + ((v.lead && v.lead.name) || personName(v.lead_id)) : ''}</div>
      ${v.resolution && html`<div class="note">처리: ${v.resolution}</div>`}
      ${v.cancel_reason && html`<div class="note">취소 사유: ${v.cancel_reason}</div>`}
      <${Checklist} visitId=${v.id} />
    </li>`)}</ul>` : html`<p class="note">아직 방문이 없습니다.</p>`}
    ${open && html`<div class="forms">
      <${AssignForm} ticket=${t} visit=${planned} onDone=${reload} />
      <${ActionForm} id="delay-h" title=${board.delay + ' (R11)'} button=${board.delay}
        fields=${html`<label for="dl-reason">지연 사유</label><input id="dl-reason" name="reason" type="text" maxlength="2000" />
          <label for="dl-due">새 기한</label><input id="dl-due" name="due" type="datetime-local" />`}
        send=${async (f) => {
          if (!f.reason.value.trim()) return '지연 사유를 적어 주세요.';
          if (!f.due.value) return '새 기한을 고르세요.';
          await api('POST', `/tickets/${id}/delay`, { reason: f.reason.value.trim(), new_due_at: fromLocal(f.due.value) }, newKey());
          reload();
          return 'ok:고객에게 지연 안내를 보냈습니다.';
        }} />
      <${ActionForm} id="cb-h" title="고객 통화 (R14)" button=${board.callback}
        fields=${html`<label class="check"><input type="checkbox" name="reached" /> 고객과 통화됨</label>
          <label for="cb-note">통화 메모</label><input id="cb-note" name="note" type="text" maxlength="2000" />`}
        send=${async (f) => {
          await api('POST', `/tickets/${id}/callback`, { reached: f.reached.checked, note: f.note.value.trim() || null }, newKey());
          reload();
          return 'ok:통화를 기록했습니다.';
        }} />
      ${html`<${ActionForm} id="cx-h" title="접수 취소" button=${board.cancelTicket} danger=${true}
        fields=${html`<label for="cx-reason">취소 사유</label><input id="cx-reason" name="reason" type="text" maxlength="2000" />`}
        send=${async (f) => {
          if (!f.reason.value.trim()) return '취소 사유를 적어 주세요.';
          await api('POST', `/tickets/${id}/cancel`, { reason: f.reason.value.trim() }, newKey());
          reload();
          return 'ok:접수를 취소했습니다.';
        }} />`}
    </div>`}
    <h2>알림</h2>
    ${t.notifications.length ? html`<table><caption class="hidden-text">이 건의 알림</caption>
      <thead><tr><th scope="col">시각</th><th scope="col">종류</th><th scope="col">경로</th><th scope="col">상태</th></tr></thead>
      <tbody>${t.notifications.map((n) => html`<tr key=${n.id}><td>${when(n.created_at)}</td><td>${board.template[n.template] || n.template}</td><td>${board.channel2[n.channel] || n.channel}</td>
        <td>${board.notification[n.status] || n.status}${(n.status === 'dead' || n.status === 'failed') && html` <${Resend} id=${n.id} onDone=${reload} />`}</td></tr>`)}</tbody></table>`
      : html`<p class="note">보낸 알림이 없습니다.</p>`}
    <h2>이력</h2>
    <ol class="timeline">${t.timeline.map((e) => html`<li key=${e.id}><time datetime=${e.at}>${when(e.at)}</time> ${actionWords[e.action] || e.action}${e.actor && e.actor.name ? ' · ' + e.actor.name : ''}</li>`)}</ol>
  </main>`;
}

// ------------------------------------------------------------ intake -----
export function repeatPreview(history, code, windowDays = 90, now = Date.now()) {
  const since = now - windowDays * 86400000;
  const n = history.filter((h) => h.fault_code === code && h.status !== 'cancelled' && new Date(h.created_at).getTime() >= since).length;
  return n + 1; // this ticket would be the n+1-th
}

function Intake() {
  const [q, setQ] = useState('');
  const [found, setFound] = useState({ customers: [], devices: [] });
  const [customer, setCustomer] = useState(null);
  const [devices, setDevices] = useState([]);
  const [device, setDevice] = useState(null);
  const [fault, setFault] = useState('');
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState(null);
  const [booked, setBooked] = useState(null);
  const seq = useRef(0);

  const search = (text) => {
    setQ(text);
    const mine = ++seq.current;
    const s = text.trim();
    if (s.length < 1) return setFound({ customers: [], devices: [] });
    setTimeout(async () => {
      if (mine !== seq.current) return;
      try {
        const [c, d] = await Promise.all([
          api('GET', '/customers?limit=10&q=' + encodeURIComponent(s)),
          s.length >= 3 ? api('GET', '/devices?limit=5&q=' + encodeURIComponent(s)) : { items: [] },
        ]);
        if (mine === seq.current) setFound({ customers: c.items || [], devices: d.items || [] });
      } catch (x) {
        if (x instanceof ApiError && x.status === 401) toLogin();
      }
    }, 200);
  };
  const pickCustomer = async (c, devId) => {
    setCustomer(c);
    setDevice(null);
    setFound({ customers: [], devices: [] });
    const list = await all('/devices?customer_id=' + c.id, 200);
    setDevices(list);
    if (devId) pickDevice(devId);
    else if (list.length === 1) pickDevice(list[0].id);
  };
  const pickDevice = async (id) => setDevice(await api('GET', '/devices/' + id));
  const pickByTag = async (d) => {
    const c = await api('GET', '/customers/' + d.customer_id);
    pickCustomer(c, d.id);
  };

  const submit = async (e) => {
    e.preventDefault();
    const f = e.currentTarget;
    const body = {
      customer_id: customer && customer.id, device_id: device && device.id, fault_code: f.fault.value,
      symptom: f.symptom.value.trim(), channel: f.channel.value, verification: f.verification.value,
    };
    if (f.priority.value) body.priority = f.priority.value;
    const missing = [];
    if (!body.customer_id) missing.push('고객');
    if (!body.device_id) missing.push('장비');
    if (!body.fault_code) missing.push('고장 종류');
    if (!body.symptom) missing.push('증상');
    if (!body.verification) missing.push('본인 확인 (R1)');
    if (missing.length) return setErr('입력한 내용을 확인해 주세요. (' + missing.join(', ') + ')');
    setBusy(true);
    try {
      const t = await api('POST', '/tickets', body, newKey());
      setErr(null);
      setCreated(t);
    } catch (x) {
      if (x instanceof ApiError && x.status === 401) return toLogin();
      setErr(failText(x));
    } finally { setBusy(false); }
  };
  const accept = async () => {
    const p = created.proposal;
    setBusy(true);
    try {
      const v = await api('POST', `/tickets/${created.id}/visits`, p ? { engineer_id: p.engineer_id, lead_id: p.lead_id, start: p.start, end: p.end } : {}, newKey());
      setErr(null);
      setBooked(v);
    } catch (x) {
      setErr(failText(x));
    } finally { setBusy(false); }
  };

  if (created) {
    const p = created.proposal;
    return html`<main class="wide">
      <h1>${created.number} 접수됨</h1>
      <p><${Badges} t=${created} /> ${created.priority} · 기한 ${when(created.due_at)} · 같은 고장 ${created.repeat.count}번째</p>
      ${booked ? html`<p class="ok" role="status">방문을 예약했습니다: ${when(booked.start)}–${hm(booked.end)} ${personName(booked.engineer_id)}${booked.lead_id ? ' + 팀장 ' + personName(booked.lead_id) : ''}. 다음은 고객 사전 연락입니다.</p>
        <p><a class="button primary" href=${'#/tickets/' + created.id}>접수 보기</a> <a class="button" href="#/intake" onClick=${() => location.reload()}>새 접수</a></p>` : html`
      <section class="panel" aria-labelledby="prop-h">
        <h2 id="prop-h">배정 제안 (아직 예약 전)</h2>
        ${p ? html`<dl>
          <dt>기사</dt><dd>${personName(p.engineer_id)}</dd>
          <dt>동행 팀장</dt><dd>${p.lead_id ? personName(p.lead_id) : '없음'}</dd>
          <dt>시간</dt><dd>${when(p.start)}–${hm(p.end)}</dd>
          ${!p.meets_due && html`<dt>기한</dt><dd class="problem">기한 안에 맞는 사람이 없어 가장 빠른 시간입니다. 지연 안내가 필요합니다.</dd>`}
        </dl>` : html`<p class="note">${deskProblems.no_proposal}</p>`}
        <${Problem} text=${err} />
        ${p && html`<button type="button" class="primary" disabled=${busy} onClick=${accept}>${board.accept}</button>`}
      </section>
      <${AssignForm} ticket=${created} proposal=${p} onDone=${() => api('GET', '/tickets/' + created.id).then((t) => setBooked(t.visits.find((v) => v.status !== 'cancelled') || {}))} />`}
    </main>`;
  }

  const history = device ? device.fault_history || [] : [];
  const nth = device && fault ? repeatPreview(history, fault) : null;
  return html`<main class="wide">
    <h1>${board.intake}</h1>
    <form onSubmit=${submit} onKeyDown=${imeGuard} novalidate>
      <label for="in-find">고객 찾기 (이름, 전화, 부서 또는 자산 번호)</label>
      <input id="in-find" type="text" autocomplete="off" value=${q} onInput=${(e) => search(e.currentTarget.value)} aria-controls="in-found" />
      <ul id="in-found" class="plain" aria-live="polite">
        ${found.devices.map((d) => html`<li key=${'d' + d.id}><button type="button" onClick=${() => pickByTag(d)}>장비 ${d.asset_tag} ${board.kinds[d.kind] || d.kind} ${d.model || ''}</button></li>`)}
        ${found.customers.map((c) => html`<li key=${c.id}><button type="button" onClick=${() => pickCustomer(c)}>${c.name} ${c.title || ''} · ${c.department || ''} ${c.phone || ''}${c.is_vip ? ' · VIP' : ''}</button></li>`)}
      </ul>
      ${customer && html`<p class="panel">고객: <strong>${customer.name}</strong> ${customer.title || ''} ${customer.department || ''} ${customer.phone || ''} ${customer.is_vip && html`<span class="badge vip">VIP</span>`}</p>`}
      ${customer && html`<fieldset><legend>장비</legend>
        ${devices.length ? devices.map((d) => html`<label class="check" key=${d.id}><input type="radio" name="device" value=${d.id} checked=${device && device.id === d.id} onChange=${() => pickDevice(d.id)} /> ${d.asset_tag} · ${board.kinds[d.kind] || d.kind} ${d.model || ''}</label>`) : html`<p class="note">이 고객의 장비가 없습니다.</p>`}
      </fieldset>`}
      ${device && html`<section aria-labelledby="hist-h">
        <h2 id="hist-h">이 장비의 고장 이력 (${history.length}건)</h2>
        ${history.length ? html`<table><caption class="hidden-text">고장 이력</caption><thead><tr><th scope="col">접수</th><th scope="col">날짜</th><th scope="col">고장</th><th scope="col">상태</th><th scope="col">처리</th></tr></thead>
          <tbody>${history.map((h) => html`<tr key=${h.ticket_id}><td>${h.number}</td><td>${day(h.created_at)}</td><td>${faults[h.fault_code] || h.fault_code}</td><td>${board.ticketStatus[h.status] || h.status}</td><td>${h.resolution || ''}</td></tr>`)}</tbody></table>`
          : html`<p class="note">이력이 없습니다.</p>`}
      </section>`}
      <label for="in-fault">고장 종류</label>
      <select id="in-fault" name="fault" onChange=${(e) => setFault(e.currentTarget.value)}>
        <option value="">고르세요</option>
        ${st.faultCodes.map((f) => html`<option value=${f.code} key=${f.code}>${f.name || faults[f.code] || f.code}</option>`)}
      </select>
      ${nth && html`<p class=${nth >= 3 ? 'problem' : 'note'} id="in-repeat" role="status">같은 고장 ${nth}번째 (최근 90일)${nth >= 3 ? ': 반복 고장, 팀장 동행 (R7)' : nth === 2 ? ': 다음에 또 나면 팀장 동행' : ''}</p>`}
      <label for="in-symptom">증상</label>
      <textarea id="in-symptom" name="symptom" maxlength="4000"></textarea>
      <div class="row">
        <div><label for="in-channel">접수 경로</label>
        <select id="in-channel" name="channel">${Object.entries(board.channel).map(([k, v]) => html`<option value=${k}>${v}</option>`)}</select></div>
        <div><label for="in-verif">본인 확인 (R1)</label>
        <select id="in-verif" name="verification"><option value="">고르세요</option>${Object.entries(board.verification).map(([k, v]) => html`<option value=${k}>${v}</option>`)}</select></div>
        <div><label for="in-prio">우선순위</label>
        <select id="in-prio" name="priority"><option value="">기본 (P3)</option>${['P1', 'P2', 'P3', 'P4'].map((p) => html`<option value=${p}>${p}</option>`)}</select></div>
      </div>
      <${Problem} text=${err} />
      <button type="submit" class="primary big" disabled=${busy}>${board.intake}</button>
    </form>
  </main>`;
}

// ------------------------------------------------------------ reports ----
function Reports() {
  const [r, setR] = useState(null);
  const [err, setErr] = useState(null);
  const [csv, setCsv] = useState(null);
  const [params, setParams] = useState(() => ({ from: seoulDate(new Date(), -30), to: seoulDate(new Date(), 1), team_id: '', engineer_id: '' }));
  const query = (p) => '/reports/service-standards?' + new URLSearchParams(Object.entries(p).filter(([, v]) => v)).toString();
  const load = async (p) => {
    try {
      const x = await api('GET', query(p));
      setR(x);
      setErr(null);
      const res = await fetch('/api/v1' + query(p), { headers: { Accept: 'text/csv' }, credentials: 'same-origin' });
      if (res.ok) {
        if (csv) URL.revokeObjectURL(csv);
        setCsv(URL.createObjectURL(await res.blob()));
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return toLogin();
      setErr(failText(e));
    }
  };
  useEffect(() => { load(params); }, []);
  const submit = (e) => {
    e.preventDefault();
    const f = e.currentTarget;
    const p = { from: f.from.value, to: f.to.value, team_id: f.team.value, engineer_id: f.engineer.value };
    setParams(p);
    load(p);
  };
  const list = people();
  const m = r && r.overall;
  const keys = Object.keys(metricNames);
  return html`<main class="wide">
    <h1>서비스 기준 보고서</h1>
    <form class="row" onSubmit=${submit} novalidate aria-label="보고서 조건">
      <div><label for="rp-from">시작일</label><input id="rp-from" name="from" type="date" value=${params.from} /></div>
      <div><label for="rp-to">종료일 (포함 안 함)</label><input id="rp-to" name="to" type="date" value=${params.to} /></div>
      <div><label for="rp-team">팀</label><select id="rp-team" name="team"><option value="">전체</option>${st.teams.map((t) => html`<option value=${t.id} selected=${String(t.id) === params.team_id}>${t.name}</option>`)}</select></div>
      <div><label for="rp-eng">기사</label><select id="rp-eng" name="engineer"><option value="">전체</option>${list.map((u) => html`<option value=${u.id} selected=${String(u.id) === params.engineer_id}>${u.name}</option>`)}</select></div>
      <div><button type="submit" class="primary">보고서 보기</button></div>
    </form>
    <${Problem} text=${err} />
    ${csv && html`<p><a class="button" href=${csv} download="service-standards.csv">CSV 내려받기</a></p>`}
    ${m && html`
      <h2 id="rp-chart-h">기준별 달성률</h2>
      <${BarChart} labelledby="rp-chart-h" rows=${keys.filter((k) => k !== 'satisfaction').map((k) => ({ label: metricNames[k], value: m[k].rate, text: rateText(k, m[k]) }))} />
      <table id="rp-table"><caption>전체 (${day(r.period.from)} – ${day(r.period.to)})</caption>
        <thead><tr><th scope="col">기준</th><th scope="col">해당</th><th scope="col">대상</th><th scope="col">비율</th></tr></thead>
        <tbody>${keys.map((k) => html`<tr key=${k} data-metric=${k}><th scope="row">${metricNames[k]}</th><td>${m[k].numerator == null ? '—' : m[k].numerator}</td><td>${m[k].denominator}</td><td>${rateText(k, m[k])}</td></tr>`)}</tbody>
      </table>
      ${r.teams.length > 0 && html`<h2>팀별</h2>
        <table><caption class="hidden-text">팀별 달성률</caption><thead><tr><th scope="col">팀</th>${keys.map((k) => html`<th scope="col">${metricNames[k]}</th>`)}</tr></thead>
        <tbody>${r.teams.map((t) => html`<tr key=${'t' + t.team_id}><th scope="row">${t.team || '팀 없음'}</th>${keys.map((k) => html`<td>${rateText(k, t.metrics[k])}</td>`)}</tr>`)}</tbody></table>`}
      ${r.engineers.length > 0 && html`<h2>기사별</h2>
        <table><caption class="hidden-text">기사별 달성률</caption><thead><tr><th scope="col">기사</th>${keys.map((k) => html`<th scope="col">${metricNames[k]}</th>`)}</tr></thead>
        <tbody>${r.engineers.map((t) => html`<tr key=${'e' + t.engineer_id}><th scope="row">${t.engineer || '배정 전'}</th>${keys.map((k) => html`<td>${rateText(k, t.metrics[k])}</td>`)}</tr>`)}</tbody></table>`}
      <h2 id="rp-fail-h">점검표 불량 (모델별, R9)</h2>
      ${r.checklist_failures.length ? html`
        <${BarChart} labelledby="rp-fail-h" rows=${r.checklist_failures.map((c) => ({ label: `${c.model || '모델 모름'} · ${c.label}`, value: c.failures / c.answers, text: `${c.failures}/${c.answers}` }))} />
        <table id="rp-fail"><caption class="hidden-text">모델별 점검표 불량</caption><thead><tr><th scope="col">종류</th><th scope="col">모델</th><th scope="col">항목</th><th scope="col">불량</th><th scope="col">답한 수</th></tr></thead>
        <tbody>${r.checklist_failures.map((c) => html`<tr key=${c.kind + c.model + c.key}><td>${board.kinds[c.kind] || c.kind}</td><td>${c.model || '모델 모름'}</td><td>${c.label}</td><td>${c.failures}</td><td>${c.answers}</td></tr>`)}</tbody></table>`
        : html`<p class="note">이 기간에 불량으로 답한 점검 항목이 없습니다.</p>`}`}
  </main>`;
}

// ------------------------------------------------------------ app --------
function App() {
  const [, setN] = useState(0);
  useEffect(() => {
    const f = () => { st.route = parseRoute(); setN((n) => n + 1); window.scrollTo(0, 0); };
    addEventListener('hashchange', f);
    // the address may have changed between the first render and this listener
    if (JSON.stringify(parseRoute()) !== JSON.stringify(st.route)) f();
    return () => removeEventListener('hashchange', f);
  }, []);
  const r = st.route;
  const page = r.page === 'ticket' ? html`<${TicketPage} id=${r.id} key=${'t' + r.id} />`
    : r.page === 'day' ? html`<${DayView} date=${r.date} />`
    : r.page === 'intake' ? html`<${Intake} />`
    : r.page === 'reports' ? html`<${Reports} />`
    : r.page === 'outbox' ? html`<${Outbox} />`
    : r.page === 'complaints' ? html`<${Complaints} />`
    : r.page === 'plans' ? html`<${Plans} />`
    : html`<${Lanes} />`;
  return html`<${Nav} />${page}`;
}

async function main() {
  let me;
  try {
    me = await api('GET', '/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return toLogin();
    render(html`<main class="wide"><h1>fieldd 상황판</h1><p class="problem" role="alert">${failText(e)}</p></main>`, document.getElementById('app'));
    return;
  }
  if (!me || me.role === 'engineer') return location.replace('/m/');
  st.me = me;
  const [users, teams, fc] = await Promise.all([
    all('/users', 2000).catch(() => []),
    api('GET', '/teams?limit=200').then((x) => x.items || [], () => []),
    api('GET', '/fault-codes').then((x) => x.items || x || [], () => []),
  ]);
  for (const u of users) st.users[u.id] = u;
  st.users[me.id] = st.users[me.id] || me;
  st.teams = teams;
  st.faultCodes = fc;
  st.route = parseRoute();
  render(html`<${App} />`, document.getElementById('app'));
}

main();
