// What each status means on screen, in one place: its label, its colour and whether it is still moving.
// Colours are CSS variables (styles.css, --st-*), so the light and dark themes each choose their own shade.

const STATUSES = {
  // jobs
  queued: { color: '--st-queued' },
  assigned: { color: '--st-assigned', moving: true },
  running: { color: '--st-running', moving: true },
  starting: { color: '--st-assigned', moving: true }, // a running service whose ready_when has not held yet
  cancelling: { color: '--st-cancelling', moving: true },
  stopping: { color: '--st-stopping', moving: true },
  succeeded: { color: '--st-succeeded' },
  failed: { color: '--st-failed' },
  timed_out: { color: '--st-timed_out', label: 'timed out' },
  cancelled: { color: '--st-cancelled' },
  lost: { color: '--st-lost' },
  stopped: { color: '--st-stopped' },
  // workers
  online: { color: '--st-succeeded' },
  draining: { color: '--st-cancelling' },
  leaving: { color: '--st-cancelling', label: 'leaving (shutting down)' },
  offline: { color: '--st-cancelled' },
  disabled: { color: '--st-cancelled' },
  // notification deliveries (failed: given up, as a job's)
  pending: { color: '--st-queued', moving: true },
  delivered: { color: '--st-succeeded' },
  // build requests and partitions (seed 000: completed/available = success, executing/building = warning,
  // failed = error, every other one neutral; failed and cancelled are the jobs' own above)
  received: { color: '--st-neutral', moving: true },
  planning: { color: '--st-neutral', moving: true },
  executing: { color: '--st-warning', moving: true },
  completed: { color: '--st-succeeded' },
  requested: { color: '--st-neutral' },
  scheduled: { color: '--st-neutral' },
  building: { color: '--st-warning', moving: true },
  available: { color: '--st-succeeded' },
  delegated: { color: '--st-neutral' },
  waiting: { color: '--st-neutral' },
  skipped: { color: '--st-neutral' },
  missing: { color: '--st-neutral', label: 'never built' },
};

/** { label, color (a CSS variable name), moving }; a status not listed here gets the neutral colour and its own name. */
export function statusLook(status) {
  const s = STATUSES[status] || {};
  return { label: s.label || String(status ?? '—').replaceAll('_', ' '), color: s.color || '--st-neutral', moving: !!s.moving };
}

/** Every job status, in the order a job passes through them, for filters. */
export const JOB_STATUSES = ['queued', 'assigned', 'running', 'cancelling', 'stopping', 'succeeded', 'failed', 'timed_out',
  'cancelled', 'lost', 'stopped'];

/** Finished for good (as the server's JobStatus.isTerminal): nothing more will happen to the job. */
export const TERMINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'lost', 'stopped']);

/** Not yet finished: what the "active" filter asks for. */
export const ACTIVE = JOB_STATUSES.filter((s) => !TERMINAL.has(s));

/** A job that may still be cancelled from the page. */
export const CANCELLABLE = new Set(['queued', 'assigned', 'running']);
