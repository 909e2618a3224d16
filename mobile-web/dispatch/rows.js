// A board page's rows of one kind, kept live: loaded for each of `statuses`
// (GET path?status=s); an event of `kind` refetches the row it names (a burst for one
// row is one request), and the row leaves when its status is no longer shown or it is
// gone (404); a resync reloads them all. Used by the complaint queue and the work plans.
import { useState, useEffect } from '/shared/ui.js';
import { api, ApiError } from '/shared/api.js';
import { onEvent } from '/dispatch/live.js';
import { all, failText, toLogin } from '/dispatch/app.js';

export function useLiveRows(kind, path, statuses) {
  const [map, setMap] = useState(null);
  const [err, setErr] = useState(null);
  const fail = (e) => (e instanceof ApiError && e.status === 401 ? toLogin() : setErr(failText(e)));
  const reload = () => Promise.all(statuses.map((s) => all(`${path}?status=${s}`, 500))).then(
    (lists) => { setMap(new Map(lists.flat().map((r) => [r.id, r]))); setErr(null); }, fail);
  const drop = (id) => setMap((m) => { const n = new Map(m || []); n.delete(id); return n; });
  // a row as the server now has it: kept while its status is shown
  const put = (r) => (statuses.includes(r.status)
    ? setMap((m) => new Map(m || []).set(r.id, r)) : drop(r.id));
  useEffect(() => {
    reload();
    const timers = new Map();
    const off = onEvent((ev) => {
      if (ev.kind === 'resync') return reload();
      if (ev.kind !== kind) return;
      clearTimeout(timers.get(ev.ref));
      timers.set(ev.ref, setTimeout(() => {
        timers.delete(ev.ref);
        api('GET', `${path}/${ev.ref}`).then(put,
          (e) => (e instanceof ApiError && e.status === 404 ? drop(ev.ref) : fail(e)));
      }, 50));
    });
    return () => { off(); for (const t of timers.values()) clearTimeout(t); };
  }, []);
  const list = map ? [...map.values()].sort((a, b) => a.id - b.id) : null;
  return { list, err, put };
}
