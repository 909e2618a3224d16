// Work plans (R12) in the engineer app: a visit whose ticket belongs to a large job's plan
// shows the plan (title, status, scope); the day page lists the person's plans. The plans
// come from GET /work-plans (an engineer sees the plans whose visits they go on, a lead
// also their team's) and are kept in IndexedDB for a day without signal. The plan's own
// steps are a lead's (the API lets staff start and complete a plan, not engineers): a
// lead gets 작업 시작 on an approved plan and 완료 보고 (with the written report) on one
// under way, sent through the same offline outbox as the visit steps.
import { html, useState, imeGuard } from '/shared/ui.js';
import { api, ApiError } from '/shared/api.js';
import { kv } from '/shared/store.js';
import * as box from '/shared/outbox.js';
import { desk, day } from '/shared/words.js';

const plans = { list: [], byTicket: {} };
let redraw = () => {};
let me = () => null;

export function initPlans(onChange, user) {
  redraw = onChange;
  me = user;
}

function keep(list) {
  plans.list = list;
  plans.byTicket = {};
  for (const p of list) for (const t of p.tickets || []) plans.byTicket[t.id] = p.id;
  redraw();
}

export async function loadPlans() {
  const kept = await kv.get('plans');
  if (kept && !plans.list.length) keep(kept);
  try {
    const r = await api('GET', '/work-plans?limit=100');
    // a plan with a step still waiting keeps the phone's view until it is sent
    const local = new Map(plans.list.map((p) => [p.id, p]));
    keep((r.items || []).map((p) => (pending(p.id) && local.has(p.id) ? local.get(p.id) : p)));
    await kv.set('plans', plans.list);
  } catch (e) {
    if (!(e instanceof ApiError)) return; // offline: the kept ones
  }
}

const pending = (id) => box.sync.items.some((i) => i.plan === id);
export const planOfVisit = (v) => {
  const id = v && v.ticket && plans.byTicket[v.ticket.id];
  return id ? plans.list.find((p) => p.id === id) : null;
};

// The outbox sent (res) or refused (null) a plan step: the server's plan replaces ours.
export async function planSent(item, res) {
  if (res && res.id === item.plan) {
    keep(plans.list.map((p) => (p.id === res.id ? res : p)));
    await kv.set('plans', plans.list);
  } else await loadPlans();
}

async function planStep(p, v, kind, body) {
  await box.enqueue({
    visitId: v.id, plan: p.id, path: `/work-plans/${p.id}/${kind}`, body, at: false,
    label: `${desk.plan} ${kind === 'start' ? desk.startPlan : desk.completePlan}`, kind: 'plan_' + kind,
  });
  const next = kind === 'start' ? 'in_progress' : 'completed';
  keep(plans.list.map((x) => (x.id === p.id ? { ...x, status: next, ...(body.report ? { report: body.report } : {}) } : x)));
  await kv.set('plans', plans.list);
}

const period = (p) => (p.planned_start ? `${day(p.planned_start)} – ${day(p.planned_end)}` : '일정 미정');

// The plan a visit belongs to, with the lead's steps.
export function PlanOnVisit({ v }) {
  const p = planOfVisit(v);
  const [writing, setWriting] = useState(false);
  const [err, setErr] = useState('');
  if (!p) return null;
  const u = me();
  const lead = u && (u.role === 'lead' || u.role === 'admin' || u.role === 'dispatcher');
  const complete = async (e) => {
    e.preventDefault();
    const report = e.currentTarget.report.value.trim();
    if (!report) return setErr('완료 보고서를 적어 주세요.');
    setErr('');
    setWriting(false);
    await planStep(p, v, 'complete', { report });
  };
  return html`<section class="plan" aria-labelledby="plan-h">
    <h2 id="plan-h">${desk.plan}: ${p.title}</h2>
    <p><span class="st">${desk.planStatus[p.status] || p.status}</span> · ${p.team && p.team.name}${p.division ? ' · ' + p.division : ''}</p>
    <p>${p.description}</p>
    <p class="note">${period(p)} · 접수 ${(p.tickets || []).length}건 · 방문 ${(p.visits || []).length}건</p>
    ${p.report && html`<p>${desk.report}: ${p.report}</p>`}
    ${lead && p.status === 'approved' && html`<button type="button" class="primary" onClick=${() => planStep(p, v, 'start', {})}>${desk.startPlan}</button>`}
    ${lead && p.status === 'in_progress' && !writing && html`<button type="button" onClick=${() => setWriting(true)}>${desk.completePlan}</button>`}
    ${writing && html`<form onSubmit=${complete} onKeyDown=${imeGuard} novalidate>
      <label for="plan-report">${desk.report}</label>
      <textarea id="plan-report" name="report" maxlength="60000" rows="4"></textarea>
      ${err && html`<p class="problem" role="alert">${err}</p>`}
      <button type="submit" class="primary">${desk.completePlan}</button>
    </form>`}
    ${!lead && (p.status === 'approved' || p.status === 'in_progress') && html`<p class="note">작업 시작과 완료 보고는 팀장님이 합니다.</p>`}
    ${!lead && (p.status === 'submitted' || p.status === 'draft') && html`<p class="note">아직 승인되지 않은 계획입니다. 승인 전에는 작업을 시작하지 않습니다.</p>`}
  </section>`;
}

// The person's plans, on the day page.
export function MyPlans() {
  const list = plans.list.filter((p) => p.status !== 'completed' && p.status !== 'rejected');
  if (!list.length) return null;
  return html`<section aria-labelledby="my-plans-h">
    <h2 id="my-plans-h">${desk.myPlans}</h2>
    <ul class="plans">${list.map((p) => {
      const u = me();
      const first = (p.visits || []).find((x) => x.status !== 'cancelled' && u && (x.engineer_id === u.id || x.lead_id === u.id));
      return html`<li key=${p.id}><strong>${p.title}</strong> <span class="st">${desk.planStatus[p.status] || p.status}</span>
        <br /><span class="note">${period(p)} · 접수 ${(p.tickets || []).length}건</span>
        ${first && html`<br /><a href=${'#/visits/' + first.id}>방문 보기</a>`}</li>`;
    })}</ul>
  </section>`;
}
