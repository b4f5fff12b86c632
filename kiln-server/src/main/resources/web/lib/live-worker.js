import { resumableSource } from './resumable-source.js';

/**
 * The one live connection of a browser, and the tabs it serves. Loaded as a SharedWorker (by live.js), this module
 * serves every tab of the dashboard from one EventSource on /api/v1/stream, so a browser never spends more than one
 * of its six HTTP/1.1 connections per host on it; where SharedWorker is missing, live.js imports LiveTabs and runs one
 * in the tab, for that tab alone.
 *
 * A tab is a client: anything with postMessage(message). It sends { type: 'join', visible }, { type: 'visible',
 * visible } and { type: 'leave' } (through handle); it receives { type: 'event', event } and { type: 'state', state }.
 * The connection is held while any joined tab is visible, and closed while all are hidden ('paused'): a browser with
 * only background tabs holds nothing open on the server. It reopens from its cursor (the last event id seen; the
 * stream's `ready` event gives one even before any event), and a tab shown after a long rest gets the events it
 * missed, or a `reset` when there were more than the server replays.
 */

// Every event name the dashboard listens to, by the prefix the server is asked for. EventSource hands a named event
// only to a listener for that exact name, so a kind missing here never arrives. Jobs' own events (tables, progress)
// are not asked for: the job page has them from its WebSocket. New pages (build requests, partitions) add theirs here.
export const KINDS = {
  activity: ['activity'],
  'job.': ['job.queued', 'job.assigned', 'job.started', 'job.finished', 'job.retrying', 'job.cancelling',
    'job.cancelled', 'job.lost', 'job.output', 'job.artifact', 'job.stopping'],
  'service.': ['service.ready'],
  'agent.': ['agent.connected', 'agent.disconnected', 'agent.online', 'agent.draining', 'agent.leaving', 'agent.offline', 'agent.disabled'],
  // build requests and partitions (the build, partition and graph pages, recent activity)
  'build.': ['build.received', 'build.planning', 'build.planned', 'build.executing', 'build.completed', 'build.failed',
    'build.cancelled', 'build.job_scheduled', 'build.job_started', 'build.job_finished', 'build.job_skipped', 'build.delegated'],
  'partition.': ['partition.status'],
};

/** Sent as they come but not stored: the newest of each is kept for tabs that join after it. */
export const SNAPSHOT_KINDS = new Set(['activity']);

/** The server's word that more was missed than it replays: every page reloads what it shows. */
export const RESET = 'reset';

export class LiveTabs {
  constructor() {
    this.clients = new Map(); // client → { visible }
    this.snapshots = new Map();
    this.state = 'off';
    this.connection = null;
    this.cursor = null; // null: start from now
  }

  handle(client, message) {
    if (message.type === 'join') {
      this.clients.set(client, { visible: message.visible });
      client.postMessage({ type: 'state', state: this.state });
      for (const event of this.snapshots.values()) client.postMessage({ type: 'event', event });
    } else if (message.type === 'visible') {
      const c = this.clients.get(client);
      if (c) c.visible = message.visible;
    } else if (message.type === 'leave') {
      this.clients.delete(client);
    }
    this.update();
  }

  update() {
    const wanted = [...this.clients.values()].some((c) => c.visible);
    if (wanted && !this.connection) this.open();
    if (!wanted && this.connection) {
      this.cursor = this.connection.cursor;
      this.connection.close();
      this.connection = null;
    }
    if (!this.connection) this.setState(this.clients.size ? 'paused' : 'off');
    if (!this.clients.size) this.snapshots.clear();
  }

  open() {
    const handlers = {};
    for (const name of [...Object.values(KINDS).flat(), RESET]) handlers[name] = (data) => this.deliver(name, data);
    handlers.ready = () => {}; // carries the cursor (its id), nothing to show
    const kinds = encodeURIComponent(Object.keys(KINDS).join(','));
    const url = (since) => `/api/v1/stream?kinds=${kinds}` + (since === null ? '' : `&since=${since}`);
    this.connection = resumableSource(url, this.cursor, handlers, (state) => this.setState(state));
  }

  deliver(name, data) {
    // Stored events come as { id, job_id, kind, timestamp, data }; snapshots (activity) and reset as their bare data.
    const stored = typeof data?.id === 'number' && data.kind === name;
    const event = stored ? data : { id: null, job_id: null, kind: name, data };
    if (SNAPSHOT_KINDS.has(name)) this.snapshots.set(name, event);
    this.broadcast({ type: 'event', event });
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.broadcast({ type: 'state', state });
  }

  broadcast(message) {
    for (const client of this.clients.keys()) client.postMessage(message);
  }
}

// Run as a SharedWorker: each tab that connects is a client, over its MessagePort.
if (typeof SharedWorkerGlobalScope === 'function' && self instanceof SharedWorkerGlobalScope) {
  const tabs = new LiveTabs();
  self.onconnect = (e) => {
    const port = e.ports[0];
    // a browser without EventSource in workers: each tab keeps its own connection
    if (typeof EventSource !== 'function') port.postMessage({ type: 'unsupported' });
    else port.onmessage = (m) => tabs.handle(port, m.data);
  };
}
