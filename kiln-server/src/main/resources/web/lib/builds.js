// What the build-request pages share: statuses, asking for a build, progress and time of a build summary.
import { api } from './api-client.js';
import { navigate } from './router.js';

/** A build request's statuses in the order it passes through them (the contract's state machine). */
export const BUILD_STATUSES = ['received', 'planning', 'executing', 'completed', 'failed', 'cancelled'];

/** Still moving: polled every 2 s and cancellable. */
export const BUILD_ACTIVE = new Set(['received', 'planning', 'executing']);

/** A partition's statuses within a build. */
export const BUILD_PARTITION_STATUSES = ['requested', 'scheduled', 'building', 'available', 'failed', 'delegated'];

/** A partition's latest state across builds (the partitions page). */
export const PARTITION_STATUSES = ['scheduled', 'building', 'available', 'failed'];

/** Asks for the partitions to be built and opens the new build's page; the server's problem is thrown to the caller. */
export async function requestBuild(partitions, force = false) {
  const build = await api('/api/v1/builds', { method: 'POST', body: { partitions, force } });
  navigate('/builds/' + build.id);
  return build;
}

/** "37/120": partitions available (or delegated and done elsewhere) out of those requested. */
export function progress(b) {
  return `${(b.counts?.available ?? 0).toLocaleString()}/${(b.requested_count ?? 0).toLocaleString()}`;
}

/** How long it ran: to its end, or to now while it runs; empty before it started. */
export function buildDuration(b, now = Date.now()) {
  if (b.duration_ms != null) return b.duration_ms;
  const start = b.started_at || b.created_at;
  if (!start) return null;
  return (b.ended_at ? Date.parse(b.ended_at) : now) - Date.parse(start);
}

/** An event's time: from its nanoseconds (exact; a JS number holds them to ~0.25 µs), else its RFC 3339 string. */
export function eventTime(e) {
  return e.timestamp_ns != null ? new Date(Number(e.timestamp_ns) / 1e6) : new Date(e.timestamp);
}

/** The 8-character form of an id, as jobs show theirs. */
export const shortId = (id) => String(id ?? '').slice(0, 8);

/** /partitions/<ref>: a ref's slashes encoded, so it is one path segment. */
export const partitionHref = (ref) => '/partitions/' + encodeURIComponent(ref);

/** "1 job", "16 jobs". */
export const plural = (n, word) => `${Number(n ?? 0).toLocaleString()} ${word}${n === 1 ? '' : 's'}`;
