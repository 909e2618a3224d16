// One live event stream (GET /api/v1/events, Server-Sent Events) per browser, shared by
// its tabs: the tab holding the Web Lock "fieldd-events" opens the EventSource and passes
// every event to the other tabs over a BroadcastChannel. When that tab closes, its lock is
// released and the next waiting tab takes over (EventSource resumes from the last id it
// saw, so nothing is missed). Without Web Locks every tab opens its own stream.
// An event names what changed (kind, ticket_id, visit_id, ref); the board refetches that.
const CHANNEL = 'fieldd-events';
let listeners = [];
let started = false;
let lastId = null;
// Events are at-least-once: a reconnect may send again an event that committed late
// (docs/architecture.md, "Ids and commit order"); the event's own id (data.id) says so.
const seen = new Set();

export function onEvent(fn) {
  listeners.push(fn);
  start();
  return () => { listeners = listeners.filter((f) => f !== fn); };
}

function deliver(ev) {
  // the stream's position (the SSE id: line) is what a reconnect must send back
  const pos = ev.position != null ? ev.position : ev.id;
  if (pos != null && pos !== '') lastId = pos;
  if (ev.kind !== 'resync' && ev.id != null) {
    if (seen.has(ev.id)) return;
    seen.add(ev.id);
    if (seen.size > 5000) seen.delete(seen.values().next().value);
  }
  for (const f of listeners) {
    try { f(ev); } catch (e) { console.warn('event handler', e); }
  }
}

function start() {
  if (started) return;
  started = true;
  const bc = 'BroadcastChannel' in self ? new BroadcastChannel(CHANNEL) : null;
  if (bc) bc.onmessage = (m) => deliver(m.data);
  const pass = (m) => {
    let data = null;
    try { data = JSON.parse(m.data); } catch { return; }
    if (!data.kind) data.kind = m.type;
    if (m.lastEventId) data.position = m.lastEventId;
    bc && bc.postMessage(data);
    deliver(data);
  };
  const open = () => {
    const url = '/api/v1/events' + (lastId != null ? '?last_event_id=' + encodeURIComponent(lastId) : '');
    const es = new EventSource(url, { withCredentials: true });
    for (const k of ['ticket', 'visit', 'checklist', 'notification', 'schedule', 'complaint', 'work_plan', 'replay_failure', 'resync']) es.addEventListener(k, pass);
    es.onmessage = pass;
    // EventSource retries by itself after a network error, but gives up for good on an
    // HTTP error (a 503 from a restarting server or a proxy): then try again here,
    // from the last event seen, so nothing is missed
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) setTimeout(open, 5000);
    };
  };
  // this tab is the leader until it closes: the promise never settles
  const lead = () => new Promise(() => open());
  if (navigator.locks && bc) navigator.locks.request(CHANNEL, lead);
  else lead();
}
