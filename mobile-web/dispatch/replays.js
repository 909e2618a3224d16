// The board's lane "휴대폰 재전송 실패": steps an engineer's phone replayed (made offline)
// that the server refused, as the phone reported them (GET /api/v1/replay-failures?state=
// open; the desk sees every report, a lead their team's). Kept live by the event stream:
// a replay_failure event refetches that report, resync reloads the lane. "처리 완료"
// marks one handled (POST /replay-failures/{id}/handle, audited) and it leaves the lane.
import { html, useState, useEffect, useRef } from '/shared/ui.js';
import { api, ApiError, newKey } from '/shared/api.js';
import { replayWords as w, hm, day, explain } from '/shared/words.js';
import { onEvent } from '/dispatch/live.js';

const when = (iso) => (iso ? `${day(iso)} ${hm(iso)}` : '');

// "/api/v1/visits/12/arrive" -> "도착"; a checklist save -> "점검표"
export function stepName(path) {
  const m = /^\/api\/v1\/visits\/\d+\/([a-z_]+)/.exec(path || '');
  return (m && w.step[m[1]]) || path;
}

async function loadOpen() {
  const r = await api('GET', '/replay-failures?state=open&limit=200');
  return new Map(r.items.map((f) => [f.id, f]));
}

export function ReplayLane({ onAuth }) {
  const [items, setItems] = useState(null);
  const [err, setErr] = useState(null);
  const [done, setDone] = useState(null);
  const fail = (e) => (e instanceof ApiError && e.status === 401 && onAuth ? onAuth() : setErr(e instanceof ApiError ? explain(e.problem) : '서버에 연결할 수 없습니다.'));
  const reload = () => loadOpen().then((m) => { setItems(m); setErr(null); }, fail);
  const put = (f) => setItems((m) => { const n = new Map(m || []); f.state === 'open' ? n.set(f.id, f) : n.delete(f.id); return n; });
  const drop = (id) => setItems((m) => { const n = new Map(m || []); n.delete(id); return n; });
  const timers = useRef(new Map());
  useEffect(() => {
    reload();
    const off = onEvent((ev) => {
      if (ev.kind !== 'resync' && ev.kind !== 'replay_failure') return;
      const key = ev.kind === 'resync' ? 'resync' : ev.ref;
      clearTimeout(timers.current.get(key));
      timers.current.set(key, setTimeout(() => {
        timers.current.delete(key);
        if (ev.kind === 'resync') return reload();
        api('GET', '/replay-failures/' + ev.ref).then(put, (e) => (e instanceof ApiError && e.status === 404 ? drop(ev.ref) : fail(e)));
      }, 50));
    });
    return () => { off(); for (const t of timers.current.values()) clearTimeout(t); };
  }, []);
  const handle = async (f) => {
    try {
      put(await api('POST', `/replay-failures/${f.id}/handle`, {}, newKey()));
      setDone(f.id);
    } catch (e) {
      if (e instanceof ApiError && (e.status === 409 || e.status === 404)) drop(f.id);
      else fail(e);
    }
  };
  const list = items ? [...items.values()].sort((a, b) => b.id - a.id) : [];
  return html`<section class="lane" aria-labelledby="lane-replay">
    <h2 id="lane-replay">${w.lane} <span class="count">${list.length}건</span></h2>
    <p class="note">${w.rule}</p>
    ${err && html`<p class="problem" role="alert">${err}</p>`}
    ${done && html`<p class="ok" role="status">${w.handled}</p>`}
    ${!items ? html`<p class="note">불러오는 중…</p>`
      : list.length ? html`<ul class="visits">${list.map((f) => html`<li key=${f.id} class="card replay-failure">
          <span class="card-head"><strong id=${'rf-' + f.id}>${f.ticket ? html`<a href=${'#/tickets/' + f.ticket.id}>${f.ticket.number}</a>` : '접수 없음'}</strong>
            <span class="st">${stepName(f.path)}</span></span>
          <span>${f.engineer ? f.engineer.name : ''} · ${when(f.at)}</span>
          <span class="note">${explain({ code: f.code, status: f.status, detail: f.detail })}</span>
          <button type="button" aria-describedby=${'rf-' + f.id} onClick=${() => handle(f)}>${w.handle}</button>
        </li>`)}</ul>`
      : html`<p class="note">${w.empty}</p>`}
  </section>`;
}
