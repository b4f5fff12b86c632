import { api } from './api-client.js';
import { resumableSource } from './resumable-source.js';
import { retryDelay } from './schedule.js';

/**
 * The tab's one live connection: a single EventSource on /api/v1/stream shared by every component, which
 * subscribe by event kind and, optionally, job id. Event ids are the cursor: a dropped connection resumes after the
 * last event seen (resumable-source.js), and so does a tab shown again after being hidden (the connection is closed
 * while hidden, so a tab in the background holds nothing open on the server).
 *
 *   const stop = subscribe({ kinds: ['job.'], jobId }, (event) => …);   // event: { id, job_id, kind, timestamp, data }
 *   onLiveState((state) => …);   // 'off' | 'connecting' | 'live' | 'retrying' | 'paused' (tab hidden)
 */

// Every event name the dashboard listens to, by the prefix the server is asked for. EventSource hands a named event
// only to a listener for that exact name, so a kind missing here never arrives. Jobs' own events (tables, progress)
// are not asked for: the job page has them from its WebSocket. New pages (build requests, partitions) add theirs here.
const KINDS = {
  activity: ['activity'],
  'job.': ['job.queued', 'job.assigned', 'job.started', 'job.finished', 'job.retrying', 'job.cancelling',
    'job.cancelled', 'job.lost', 'job.output', 'job.artifact'],
  'agent.': ['agent.connected', 'agent.disconnected', 'agent.online', 'agent.draining', 'agent.leaving', 'agent.offline', 'agent.disabled'],
};

const subscribers = new Set();
const stateListeners = new Set();
/** The newest of each snapshot event (activity: what is busy now), for subscribers who arrive after it. */
const snapshots = new Map();
let state = 'off';
let running = false;
let connection = null;
let opening = false;
let cursor = null;
let failures = 0;

export function subscribe({ kinds = [], jobId = null } = {}, fn) {
  const subscriber = { kinds, jobId, fn };
  subscribers.add(subscriber);
  for (const event of snapshots.values()) if (wants(subscriber, event)) fn(event);
  return () => subscribers.delete(subscriber);
}

/** fn(state) now and on every change; returns the way to stop listening. */
export function onLiveState(fn) {
  stateListeners.add(fn);
  fn(state);
  return () => stateListeners.delete(fn);
}

/** Opens the connection (once signed in); calling it again does nothing. */
export function startLive() {
  if (running) return;
  running = true;
  document.addEventListener('visibilitychange', onVisibility);
  connect();
}

/** Closes it (signing out): the stream would only be refused. */
export function stopLive() {
  running = false;
  document.removeEventListener('visibilitychange', onVisibility);
  disconnect();
  snapshots.clear();
  setState('off');
}

function onVisibility() {
  if (document.hidden) {
    disconnect();
    setState('paused');
  } else {
    connect();
  }
}

async function connect() {
  if (!running || document.hidden || connection || opening) return;
  if (cursor === null) {
    opening = true;
    setState('connecting');
    try {
      cursor = await startingCursor();
      failures = 0;
    } catch {
      setState('retrying');
      setTimeout(connect, retryDelay(failures++));
      return;
    } finally {
      opening = false;
    }
    if (!running || document.hidden || connection) return;
  }
  const handlers = {};
  for (const name of Object.values(KINDS).flat()) handlers[name] = (data) => deliver(name, data);
  const kinds = encodeURIComponent(Object.keys(KINDS).join(','));
  connection = resumableSource((after) => `/api/v1/stream?kinds=${kinds}&after=${after}`, cursor, handlers, setState);
}

function disconnect() {
  if (!connection) return;
  cursor = connection.cursor;
  connection.close();
  connection = null;
}

/**
 * Where a first connection starts. The stream sends everything after its cursor and the server has no "from now", so
 * start at the newest job's first event: a recent id, below the newest, found with two one-row reads. What follows it
 * comes again (a few events); a page reads an event as "look again", so one seen twice does no harm.
 */
async function startingCursor() {
  const { jobs } = await api('/api/v1/jobs?limit=1');
  if (!jobs.length) return 0;
  const { events } = await api(`/api/v1/jobs/${jobs[0].id}/events?limit=1`);
  return events.length ? events[0].id - 1 : 0;
}

function deliver(name, data) {
  // Stored events come as { id, job_id, kind, timestamp, data }; snapshots (activity) as their bare data.
  const stored = typeof data?.id === 'number' && data.kind === name;
  const event = stored ? data : { id: null, job_id: null, kind: name, data };
  if (!stored) snapshots.set(name, event);
  for (const s of subscribers) {
    if (!wants(s, event)) continue;
    try { s.fn(event); } catch (e) { reportError(e); } // one broken subscriber must not starve the others
  }
}

function wants(subscriber, event) {
  return (subscriber.jobId === null || subscriber.jobId === event.job_id)
    && (!subscriber.kinds.length || subscriber.kinds.some((k) => event.kind.startsWith(k)));
}

function setState(next) {
  if (next === state) return;
  state = next;
  for (const fn of stateListeners) fn(state);
}
