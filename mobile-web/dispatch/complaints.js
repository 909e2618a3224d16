// The complaint queue on the board (#/complaints, R13): every open complaint in its step
// of the charter's five (접수 → 원인 분석 → 처리 → 결과 통보 → 고객 의견) with the form
// for its next step, and, first, the survey candidates (a low survey rating opened a
// complaint with channel "survey"). A `complaint` event refetches that complaint
// (GET /complaints/{id}); a closed one leaves the queue.
import { html, useState, imeGuard } from '/shared/ui.js';
import { api, ApiError, newKey } from '/shared/api.js';
import { desk } from '/shared/words.js';
import { useLiveRows } from '/dispatch/rows.js';
import { board, explain, failText, toLogin, when, st, Problem } from '/dispatch/app.js';

const OPEN = ['received', 'analysed', 'resolved', 'notified'];

// One form per step: its fields and the body it sends.
function StepForm({ c, onDone }) {
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const id = (k) => `c${c.id}-${k}`;
  const staff = Object.values(st.users).filter((u) => u.active !== false && u.role !== 'admin').sort((a, b) => a.name.localeCompare(b.name, 'ko'));
  let fields, path, body;
  if (c.status === 'received') {
    path = 'analyse';
    fields = html`<label for=${id('cause')}>${desk.cause}</label><textarea id=${id('cause')} name="cause" maxlength="4000" rows="2"></textarea>`;
    body = (f) => (f.cause.value.trim() ? { cause: f.cause.value.trim() } : '원인을 적어 주세요.');
  } else if (c.status === 'analysed') {
    path = 'resolve';
    fields = html`<label for=${id('action')}>${desk.action}</label><textarea id=${id('action')} name="action" maxlength="4000" rows="2"></textarea>
      <label class="check"><input type="checkbox" name="voucher" /> ${desk.voucher}</label>
      <label for=${id('amount')}>${desk.voucherAmount}</label><input id=${id('amount')} name="amount" type="number" min="1000" step="1000" inputmode="numeric" defaultValue="10000" />
      <label class="check"><input type="checkbox" name="training" /> ${desk.training}</label>
      <label for=${id('staff')}>${desk.staff}</label><select id=${id('staff')} name="staff"><option value="">—</option>
        ${staff.map((u) => html`<option value=${u.id}>${u.name}</option>`)}</select>`;
    body = (f) => {
      if (!f.action.value.trim()) return '처리 내용을 적어 주세요.';
      const b = { action: f.action.value.trim(), training_required: f.training.checked };
      if (f.voucher.checked) b.compensation = { kind: 'voucher', amount_krw: Number(f.amount.value) || 10000 };
      if (f.staff.value) b.staff_ids = [Number(f.staff.value)];
      return b;
    };
  } else if (c.status === 'resolved') {
    path = 'notify';
    fields = html`<p class="note">고객이 고른 ${desk.channel[c.result_channel] || c.result_channel}(으)로 처리 결과를 알립니다.</p>`;
    body = () => ({});
  } else {
    path = 'feedback';
    fields = html`<label for=${id('rating')}>${desk.rating}</label><select id=${id('rating')} name="rating">
        ${[5, 4, 3, 2, 1].map((n) => html`<option value=${n}>${n}</option>`)}</select>
      <label for=${id('comment')}>${desk.comment}</label><input id=${id('comment')} name="comment" type="text" maxlength="4000" />`;
    body = (f) => ({ rating: Number(f.rating.value), comment: f.comment.value.trim() || null });
  }
  const submit = async (e) => {
    e.preventDefault();
    const b = body(e.currentTarget);
    if (typeof b === 'string') return setErr(b);
    setBusy(true);
    try {
      onDone(await api('POST', `/complaints/${c.id}/${path}`, b, newKey()));
      setErr(null);
    } catch (x) {
      if (x instanceof ApiError && x.status === 401) return toLogin();
      setErr(x instanceof ApiError ? explain(x.problem) : failText(x));
    } finally {
      setBusy(false);
    }
  };
  return html`<form onSubmit=${submit} onKeyDown=${imeGuard} novalidate aria-label=${`${desk.complaintStep[c.status]}: 민원 ${c.id}`}>
    ${fields}
    <${Problem} text=${err} />
    <button type="submit" class="primary" disabled=${busy}>${desk.complaintStep[c.status]}</button>
  </form>`;
}

function Complaint({ c, onDone }) {
  return html`<li class="panel" data-complaint=${c.id}>
    <div><strong>민원 ${c.id}</strong> <span class="st">${desk.complaintStatus[c.status] || c.status}</span>${' · ' + ((c.customer && c.customer.name) || '')}${c.ticket && html` · <a href=${'#/tickets/' + c.ticket.id}>${c.ticket.number}</a>`}</div>
    <div class="note">${when(c.received_at)} · ${board.channel[c.channel] || (c.channel === 'survey' ? '만족도 조사' : c.channel)}</div>
    <p>${c.description}</p>
    ${c.cause && html`<div>${desk.cause}: ${c.cause}</div>`}
    ${c.action && html`<div>${desk.action}: ${c.action}${c.compensation ? ` · ${desk.voucher} ${c.compensation.amount_krw.toLocaleString('ko-KR')}원` : ''}${c.training_required ? ' · ' + desk.training : ''}</div>`}
    ${c.status !== 'closed' && html`<${StepForm} c=${c} onDone=${onDone} />`}
  </li>`;
}

export function Complaints() {
  const { list: rows, err, put } = useLiveRows('complaint', '/complaints', OPEN);
  const list = rows || [];
  const survey = list.filter((c) => c.channel === 'survey' && c.status === 'received');
  const rest = list.filter((c) => !survey.includes(c));
  return html`<main class="wide">
    <h1>${desk.complaints}</h1>
    <${Problem} text=${err} />
    <p class="note">R13: 접수한 민원은 원인 분석, 처리, 결과 통보, 고객 의견 순서로 처리합니다. 간단한 민원은 7일 안에 회신합니다.</p>
    ${!rows ? html`<p class="note">불러오는 중…</p>` : html`
      <section class="lane" aria-labelledby="cq-survey">
        <h2 id="cq-survey">${desk.surveyCandidates} <span class="count">${survey.length}건</span></h2>
        ${survey.length ? html`<ul class="plain">${survey.map((c) => html`<${Complaint} key=${c.id} c=${c} onDone=${put} />`)}</ul>`
          : html`<p class="note">낮은 평가로 열린 민원이 없습니다.</p>`}
      </section>
      ${OPEN.map((s) => {
        const items = rest.filter((c) => c.status === s);
        return html`<section class="lane" aria-labelledby=${'cq-' + s} key=${s}>
          <h2 id=${'cq-' + s}>${desk.complaintStatus[s]} <span class="count">${items.length}건</span></h2>
          ${items.length ? html`<ul class="plain">${items.map((c) => html`<${Complaint} key=${c.id} c=${c} onDone=${put} />`)}</ul>`
            : html`<p class="note">이 단계의 민원이 없습니다.</p>`}
        </section>`;
      })}`}
  </main>`;
}
