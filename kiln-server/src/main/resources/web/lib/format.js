// How numbers, times and sizes read on every page.

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

/** 12s ago, 5m ago, 3h ago; older than a day, the local date and time. */
export function timeAgo(iso) {
  if (!iso) return '';
  const ms = Date.now() - Date.parse(iso);
  if (ms < 60_000) return `${Math.max(0, Math.round(ms / 1000))}s ago`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m ago`;
  if (ms < 86_400_000) return `${Math.round(ms / 3_600_000)}h ago`;
  return new Date(iso).toLocaleString();
}

/** The local date and time, or a dash for a time that has not happened. */
export function dateTime(iso) {
  return iso ? new Date(iso).toLocaleString() : '—';
}

/** 512 B, 1.5 KB, 20 MB (powers of 1024; one decimal below 10). */
export function byteSize(n) {
  if (n == null || isNaN(n)) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return i === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
}

/** Seed 004's number rule for tables: integers bare, floats with 4 decimals, tiny values in exponent form. */
export function tableNumber(x) {
  if (Number.isInteger(x)) return String(x);
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential(2);
  return x.toFixed(4);
}
