import { navigate } from './router.js';

/**
 * A failed API call. The server answers errors as problem+json (RFC 9457): `problem.detail` says what went wrong,
 * `problem.errors` (validation) lists `{ field, message }` for the form to show at each field.
 */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/**
 * Calls the Kiln API: same-origin with the session cookie, a JSON body in, parsed JSON out (null for 204).
 * A 401 outside the session endpoint means the session ended: the user is sent to sign in and comes back after.
 */
export async function api(path, { method = 'GET', body } = {}) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body !== undefined ? { 'Content-Type': 'application/json' } : {},
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (res.status === 401 && !path.startsWith('/api/v1/session')) {
    navigate('/login?next=' + encodeURIComponent(location.pathname + location.search));
    throw new ApiError(401, null);
  }
  if (res.status === 204) return null;
  const text = await res.text();
  if (res.ok) return text ? JSON.parse(text) : null;
  throw new ApiError(res.status, problemOf(text));
}

/** The error body as a problem; a proxy's HTML page or plain text becomes its detail. */
function problemOf(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return { detail: text.slice(0, 200) };
  }
}

/** path?k=v&… from the params that have a value: an empty filter is no filter. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
