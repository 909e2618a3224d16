// The outbox on the board (#/outbox): notices the delivery workers gave up on (dead
// letters, with the reason and 다시 보내기) and notices queued again after a failed
// attempt (retrying, with the reason and the next try). Both lists are
// GET /notifications?status=dead|retrying; a `notification` event (queued, sent, dead,
// or a failed attempt) reloads them, so the panel follows the delivery workers live.
import { html, useState, useEffect, useRef } from '/shared/ui.js';
import { api, ApiError, newKey } from '/shared/api.js';
import { desk } from '/shared/words.js';
import { onEvent } from '/dispatch/live.js';
import { all, board, failText, toLogin, when, Problem } from '/dispatch/app.js';

// Reload on events of the given kinds; a burst of events is one reload.
export function useReloadOn(kinds, reload) {
  const ref = useRef(reload);
  ref.current = reload;
  useEffect(() => {
    let timer = null;
    const off = onEvent((ev) => {
      if (ev.kind !== 'resync' && !kinds.includes(ev.kind)) return;
      clearTimeout(timer);
      timer = setTimeout(() => ref.current(ev), 100);
    });
    return () => { off(); clearTimeout(timer); };
  }, []);
}

function ResendButton({ n, onDone }) {
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const go = async () => {
    setBusy(true);
    try {
      await api('POST', `/notifications/${n.id}/resend`, undefined, newKey());
      setErr(null);
      onDone();
    } catch (x) {
      if (x instanceof ApiError && x.status === 401) return toLogin();
      setErr(failText(x));
    } finally {
      setBusy(false);
    }
  };
  return html`<button type="button" onClick=${go} disabled=${busy}
      aria-label=${`${desk.resend}: ${n.ticket_number || '#' + n.id} ${board.template[n.template] || n.template}`}>${desk.resend}</button>
    <${Problem} text=${err} />`;
}

function Row({ n, dead, onDone }) {
  return html`<li class="panel" data-notification=${n.id}>
    <div><strong>${board.template[n.template] || n.template}</strong>${' · ' + (desk.channel[n.channel] || n.channel)}${n.ticket_id && html` · <a href=${'#/tickets/' + n.ticket_id}>${n.ticket_number || '#' + n.ticket_id}</a>`}</div>
    <div class="note">${when(n.created_at)} · ${desk.attempts(n.attempts)}${!dead && n.next_attempt_at ? ` · ${desk.nextTry} ${when(n.next_attempt_at)}` : ''}</div>
    <div>${desk.reason}: <span class="reason">${n.last_error || '—'}</span></div>
    ${dead && html`<${ResendButton} n=${n} onDone=${onDone} />`}
  </li>`;
}

export function Outbox() {
  const [data, setData] = useState(null);
  const [err, setErr] = useState(null);
  const reload = () =>
    Promise.all([all('/notifications?status=dead', 500), all('/notifications?status=retrying', 500)]).then(
      ([dead, retrying]) => { setData({ dead: dead.reverse(), retrying: retrying.reverse() }); setErr(null); },
      (e) => (e instanceof ApiError && e.status === 401 ? toLogin() : setErr(failText(e))));
  useEffect(() => { reload(); }, []);
  useReloadOn(['notification'], reload);
  return html`<main class="wide">
    <h1>${desk.outbox}</h1>
    <${Problem} text=${err} />
    ${!data ? html`<p class="note">불러오는 중…</p>` : html`
      <section aria-labelledby="ob-dead" class="lane">
        <h2 id="ob-dead">${desk.dead} <span class="count">${data.dead.length}건</span></h2>
        <p class="note">여러 번 보내도 닿지 않은 알림입니다. 연락처를 확인한 뒤 다시 보내세요.</p>
        ${data.dead.length ? html`<ul class="plain">${data.dead.map((n) => html`<${Row} key=${n.id} n=${n} dead=${true} onDone=${reload} />`)}</ul>`
          : html`<p class="note">보내지 못한 알림이 없습니다.</p>`}
      </section>
      <section aria-labelledby="ob-retry" class="lane">
        <h2 id="ob-retry">${desk.retrying} <span class="count">${data.retrying.length}건</span></h2>
        <p class="note">한 번 이상 실패해서 잠시 뒤 다시 보낼 알림입니다.</p>
        ${data.retrying.length ? html`<ul class="plain">${data.retrying.map((n) => html`<${Row} key=${n.id} n=${n} dead=${false} />`)}</ul>`
          : html`<p class="note">다시 보낼 알림이 없습니다.</p>`}
      </section>`}
  </main>`;
}
