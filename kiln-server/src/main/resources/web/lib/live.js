import { LiveTabs, RESET, SNAPSHOT_KINDS } from './live-worker.js';

/**
 * The dashboard's live events. Every tab of the browser shares one EventSource on /api/v1/stream, held by a
 * SharedWorker (live-worker.js); this tab talks to it through a MessagePort. Without SharedWorker the tab runs the
 * same code itself (one connection per tab). The connection starts from now, resumes from the last event id after a
 * drop, and rests while every tab is hidden. Components subscribe by event kind and, optionally, job id:
 *
 *   const stop = subscribe({ kinds: ['job.'], jobId }, (event) => …);   // event: { id, job_id, kind, timestamp, data }
 *   onLiveState((state) => …);   // 'off' | 'connecting' | 'live' | 'retrying' | 'paused' (every tab hidden)
 *
 * A subscriber reads an event as "look again". When the server could not replay everything that was missed, every
 * subscriber (except those of snapshots such as activity) gets an event of kind 'reset' and reloads what it shows.
 */

const subscribers = new Set();
const stateListeners = new Set();
/** The newest of each snapshot event (activity: what is busy now), for subscribers who arrive after it. */
const snapshots = new Map();
let state = 'off';
let send = null; // the way to the hub: a MessagePort's, or the tab's own LiveTabs

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

/** Joins the live connection (once signed in); calling it again does nothing. */
export function startLive() {
  if (send) return;
  send = connectHub();
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('pagehide', onPageHide);
  window.addEventListener('pageshow', onPageShow);
  send({ type: 'join', visible: !document.hidden });
}

/** Leaves it (signing out): the stream would only be refused. */
export function stopLive() {
  if (!send) return;
  send({ type: 'leave' });
  send = null;
  document.removeEventListener('visibilitychange', onVisibility);
  window.removeEventListener('pagehide', onPageHide);
  window.removeEventListener('pageshow', onPageShow);
  snapshots.clear();
  setState('off');
}

/** The shared worker's port, or, where there is none, a hub of this tab's own. */
function connectHub() {
  if (typeof SharedWorker === 'function') {
    try {
      const worker = new SharedWorker(new URL('./live-worker.js', import.meta.url), { type: 'module', name: 'kiln-live' });
      const viaWorker = (message) => worker.port.postMessage(message);
      const alone = () => { // the worker could not start, or cannot stream: this tab goes on by itself
        if (send !== viaWorker) return;
        send = ownHub();
        send({ type: 'join', visible: !document.hidden });
      };
      worker.port.onmessage = (m) => (m.data.type === 'unsupported' ? alone() : receive(m.data));
      worker.onerror = alone;
      return viaWorker;
    } catch {
      // module workers unsupported, or refused: this tab keeps its own connection
    }
  }
  return ownHub();
}

function ownHub() {
  const hub = new LiveTabs();
  const me = { postMessage: receive };
  return (message) => hub.handle(me, message);
}

function onVisibility() {
  send?.({ type: 'visible', visible: !document.hidden });
}

// A closed tab leaves, or the worker would hold the connection for it; one restored from the back-forward cache joins again.
function onPageHide() {
  send?.({ type: 'leave' });
}

function onPageShow(e) {
  if (e.persisted) send?.({ type: 'join', visible: !document.hidden });
}

function receive(message) {
  if (message.type === 'state') setState(message.state);
  else if (message.type === 'event') deliver(message.event);
}

function deliver(event) {
  if (SNAPSHOT_KINDS.has(event.kind)) snapshots.set(event.kind, event);
  for (const s of subscribers) {
    if (!wants(s, event)) continue;
    try { s.fn(event); } catch (e) { reportError(e); } // one broken subscriber must not starve the others
  }
}

function wants(subscriber, event) {
  if (event.kind === RESET) return !subscriber.kinds.length || subscriber.kinds.some((k) => !SNAPSHOT_KINDS.has(k));
  return (subscriber.jobId === null || subscriber.jobId === event.job_id)
    && (!subscriber.kinds.length || subscriber.kinds.some((k) => event.kind.startsWith(k)));
}

function setState(next) {
  if (next === state) return;
  state = next;
  for (const fn of stateListeners) fn(state);
}
