// Work plans on the board (#/plans, R12): plans waiting for approval first, with 승인 and
// 반려 (with the reason) for the lead of the plan's team (and an admin); the desk sees
// them without the buttons. Then the approved plans and those under way. A `work_plan`
// event refetches that plan (GET /work-plans/{id}), so a decision on one board shows on
// every other at once.
import { html, useState, imeGuard } from '/shared/ui.js';
import { api, ApiError, newKey } from '/shared/api.js';
import { desk } from '/shared/words.js';
import { useLiveRows } from '/dispatch/rows.js';
import { explain, failText, toLogin, when, st, Problem } from '/dispatch/app.js';

const SHOWN = ['submitted', 'approved', 'in_progress'];

// Who may decide: an admin, or the lead of the plan's team (the API says the same).
const mayDecide = (p) => st.me.role === 'admin' || (st.me.role === 'lead' && p.team && (p.team.lead_id === st.me.id || p.team.id === st.me.team_id));

function Decide({ p, onDone }) {
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const send = async (step, body) => {
    setBusy(true);
    try {
      onDone(await api('POST', `/work-plans/${p.id}/${step}`, body, newKey()));
      setErr(null);
    } catch (x) {
      if (x instanceof ApiError && x.status === 401) return toLogin();
      setErr(x instanceof ApiError ? explain(x.problem) : failText(x));
    } finally {
      setBusy(false);
    }
  };
  const reject = (e) => {
    e.preventDefault();
    const reason = e.currentTarget.reason.value.trim();
    if (!reason) return setErr('반려 사유를 적어 주세요.');
    send('reject', { reason });
  };
  return html`<div class="decide">
    <button type="button" class="primary" disabled=${busy} onClick=${() => send('approve', {})}
      aria-label=${`${desk.approve}: ${p.title}`}>${desk.approve}</button>
    <form onSubmit=${reject} onKeyDown=${imeGuard} novalidate aria-label=${`${desk.reject}: ${p.title}`}>
      <label for=${`p${p.id}-reason`}>${desk.rejectReason}</label>
      <input id=${`p${p.id}-reason`} name="reason" type="text" maxlength="4000" />
      <button type="submit" class="danger" disabled=${busy}>${desk.reject}</button>
    </form>
    <${Problem} text=${err} />
  </div>`;
}

function Plan({ p, onDone }) {
  return html`<li class="panel" data-plan=${p.id}>
    <div><strong>${p.title}</strong> <span class="st">${desk.planStatus[p.status] || p.status}</span>${' · ' + ((p.team && p.team.name) || '')}${p.division ? ' · ' + p.division : ''}</div>
    <div class="note">${p.planned_start ? when(p.planned_start) + ' – ' + when(p.planned_end) : '일정 미정'}
      · 접수 ${p.tickets.length}건 · 방문 ${p.visits.length}건${p.submitted_by ? ' · 올린 사람 ' + p.submitted_by.name : ''}</div>
    <p>${p.description}</p>
    ${p.tickets.length > 0 && html`<div>${p.tickets.map((t, i) => html`${i ? ', ' : ''}<a href=${'#/tickets/' + t.id}>${t.number}</a>`)}</div>`}
    ${p.status === 'submitted' && (mayDecide(p) ? html`<${Decide} p=${p} onDone=${onDone} />`
      : html`<p class="note">${(p.team && p.team.name) || '담당 팀'} 팀장의 승인을 기다립니다.</p>`)}
  </li>`;
}

export function Plans() {
  const { list: rows, err, put } = useLiveRows('work_plan', '/work-plans', SHOWN);
  const list = rows || [];
  return html`<main class="wide">
    <h1>${desk.plans}</h1>
    <${Problem} text=${err} />
    <p class="note">R12: 대규모 작업은 계획을 세워 팀장 승인을 받은 뒤 시작하고, 끝나면 완료 보고서를 씁니다.</p>
    ${!rows ? html`<p class="note">불러오는 중…</p>` : SHOWN.map((s) => {
      const items = list.filter((p) => p.status === s);
      return html`<section class="lane" aria-labelledby=${'pl-' + s} key=${s}>
        <h2 id=${'pl-' + s}>${desk.planStatus[s]} <span class="count">${items.length}건</span></h2>
        ${items.length ? html`<ul class="plain">${items.map((p) => html`<${Plan} key=${p.id} p=${p} onDone=${put} />`)}</ul>`
          : html`<p class="note">이 단계의 작업 계획이 없습니다.</p>`}
      </section>`;
    })}
  </main>`;
}
