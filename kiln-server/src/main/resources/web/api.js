// Talking to the Kiln API: same-origin fetch with the session cookie; a 401 sends the user to sign in.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

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
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, json);
  return json;
}

export function navigate(path) {
  history.pushState({}, '', path);
  window.dispatchEvent(new Event('kiln-navigate'));
}

/** Calls fn now and every ms while the tab is visible (Page Visibility): hidden tabs make no requests. */
export function poll(fn, ms) {
  let timer = null;
  const tick = async () => {
    timer = null;
    if (document.hidden) return;
    try { await fn(); } catch (e) { /* shown by the caller */ }
    if (timer === null && !stopped) timer = setTimeout(tick, ms);
  };
  let stopped = false;
  const onVisible = () => { if (!document.hidden && timer === null && !stopped) tick(); };
  document.addEventListener('visibilitychange', onVisible);
  tick();
  return () => { stopped = true; clearTimeout(timer); document.removeEventListener('visibilitychange', onVisible); };
}

export const TERMINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'lost', 'stopped']);

/** 850ms, 3.5s, 2m 05s, 1h 02m */
export function shortDuration(ms) {
  if (ms == null || isNaN(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function since(iso) {
  if (!iso) return '';
  const ms = Date.now() - Date.parse(iso);
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))}s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)}h ago`;
  return new Date(iso).toLocaleString();
}

export function time(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

const TYPE_COLORS = { build: '#e8590c', test: '#8250df', deploy: '#1a7f37', plan: '#0969da', service: '#0a7ea4' };
/** A type's icon: its initial on the type's colour (no emoji font needed). */
export const typeIcon = (t) => {
  const s = document.createElement('span');
  s.className = 'type-icon';
  s.style.background = TYPE_COLORS[t] || '#6e7781';
  s.textContent = (t || '?')[0].toUpperCase();
  s.title = t;
  return s;
};
