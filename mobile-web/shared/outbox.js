// The offline queue. Every step and checklist save goes here first (IndexedDB), with its
// Idempotency-Key made now and the moment it was pressed as `at`, and is sent from here:
// in order, one at a time (a Web Lock keeps two tabs from replaying at once), the same key
// on every retry. A refusal (409/422/403/404) stops that visit's queue and stays on screen
// until the engineer has read it, and is reported to the server (POST
// /me/replay-failures) so the desk sees it on the board's lane; a 401 waits for the
// password and then goes on.
import { api, ApiError, newKey } from './api.js';
import { outbox } from './store.js';

export const sync = { online: navigator.onLine, needLogin: false, items: [], sending: false };
const listeners = new Set();
let onSent = async () => {};

export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
function emit() {
  for (const fn of listeners) fn(sync);
}

// fn(item, response) after an action was accepted, to update the cached visit/checklist
export function whenSent(fn) {
  onSent = fn;
}

export async function load() {
  sync.items = await outbox.all();
  emit();
}

export const nowRfc3339 = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export async function enqueue({ visitId, path, method = 'POST', body = {}, label, kind, at = true }) {
  const pressedAt = nowRfc3339();
  const item = {
    visitId, path, method, label, kind, pressedAt,
    body: at ? { ...body, at: pressedAt } : body,
    key: newKey(),
    state: 'waiting',
  };
  item.id = await outbox.add(item);
  await load();
  replay();
  return item;
}

export async function discard(id) {
  await outbox.del(id);
  await load();
  replay();
}

export function setOnline(on) {
  sync.online = on;
  emit();
  if (on) replay();
}

export function loggedIn() {
  sync.needLogin = false;
  emit();
  replay();
}

let running = null;
let again = false;
let retryTimer = null;

export function replay() {
  if (running) {
    again = true;
    return running;
  }
  running = (async () => {
    try {
      do {
        again = false;
        if (navigator.locks) await navigator.locks.request('fieldd-outbox', replayOnce);
        else await replayOnce();
      } while (again);
    } finally {
      running = null;
      sync.sending = false;
      emit();
    }
  })();
  return running;
}

// Tells the server a replay was refused (once per entry: the server keeps one report per
// Idempotency-Key, so a report sent twice is still one). False when it could not be sent
// now (no network, a 5xx); the next replay tries again.
async function reportFailure(it) {
  const p = it.error.problem || {};
  const cut = (s, n) => (typeof s === 'string' && s ? s.slice(0, n) : null);
  try {
    await api('POST', '/me/replay-failures', {
      method: it.method,
      path: '/api/v1' + it.path,
      status: it.error.status,
      code: cut(p.code, 100),
      detail: cut(p.detail || p.title, 2000),
      at: it.error.at || nowRfc3339(),
      idempotency_key: it.key,
    }, 'rf-' + it.key);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status >= 500 || e.status === 429 || e.status === 401) return false;
  }
  it.reported = true;
  await outbox.put(it);
  return true;
}

async function replayOnce() {
  if (sync.needLogin) return;
  const items = await outbox.all();
  for (const it of items) {
    if (it.state === 'failed' && !it.reported && !(await reportFailure(it))) break;
  }
  const stopped = new Set(items.filter((i) => i.state === 'failed').map((i) => i.visitId));
  for (const it of items) {
    if (it.state === 'failed' || stopped.has(it.visitId)) continue;
    sync.sending = true;
    emit();
    let res;
    try {
      res = await api(it.method, it.path, it.body, it.key);
    } catch (e) {
      if (!(e instanceof ApiError)) {
        // no network: keep everything, wait for `online`, focus or the next start
        sync.online = false;
        emit();
        return;
      }
      if (e.status === 401) {
        sync.needLogin = true;
        emit();
        return;
      }
      if (e.status >= 500 || e.status === 429 || e.problem.code === 'idempotency_in_progress') {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(replay, 3000);
        return;
      }
      it.state = 'failed';
      it.error = { status: e.status, problem: e.problem, at: nowRfc3339() };
      await outbox.put(it);
      await reportFailure(it);
      stopped.add(it.visitId);
      await load();
      await onSent(it, null).catch(() => {});
      continue;
    }
    sync.online = true;
    await outbox.del(it.id);
    await onSent(it, res).catch(() => {});
    await load();
  }
}
