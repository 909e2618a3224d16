// The fieldd API from the browser: the session cookie (HttpOnly) authenticates, writes
// carry an Idempotency-Key, errors come back as RFC 9457 problems.
export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.title) || 'HTTP ' + status);
    this.status = status;
    this.problem = problem || { status, code: status >= 500 ? 'internal' : 'bad_request' };
  }
}

export async function api(method, path, body, key) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (key) headers['Idempotency-Key'] = key;
  const r = await fetch('/api/v1' + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
  });
  if (r.status === 204) return null;
  const ct = r.headers.get('Content-Type') || '';
  const data = ct.includes('json') ? await r.json().catch(() => null) : null;
  if (!r.ok) throw new ApiError(r.status, data);
  return data;
}

export const newKey = () =>
  (crypto.randomUUID ? crypto.randomUUID() : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(''));

// Where a person works: engineers and leads on the phone app, the rest on the board.
export const homeOf = (user) => (user && (user.role === 'engineer' || user.role === 'lead') ? '/m/' : '/dispatch/');
