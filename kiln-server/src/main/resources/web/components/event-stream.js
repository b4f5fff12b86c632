import { LitElement, html } from 'lit';
import { shortDuration } from '../lib/format.js';
import { retryDelay } from '../lib/schedule.js';

const MAX_EVENTS = 500;
const NO_LINES = Number.MAX_SAFE_INTEGER; // this panel wants events only: start the line cursor past any log

export function toneOf(e) {
  const k = e.kind;
  if (k.endsWith('.failed') || k.includes('error') || (k === 'job.finished' && e.data?.status && e.data.status !== 'succeeded')) return 'tone-red';
  if (k.includes('warning') || k.endsWith('.cancelling') || k.endsWith('.retrying')) return 'tone-amber';
  if (k.endsWith('.started')) return 'tone-teal';
  if (k.endsWith('.finished') || k.endsWith('.created') || k.endsWith('.fitted')) return 'tone-green';
  return '';
}

/** Close codes the server means for good: the same request would be refused again, so there is no retry. */
const REFUSED = {
  4400: 'The server did not accept where this stream should resume.',
  4401: 'Sign in to see live events.',
  4403: 'Your token may not watch this job.',
  4404: 'No such job.',
};

/**
 * The live event list of seed 004 over the job's WebSocket: connection indicator, tone-coded kinds, short durations,
 * at most 500 events kept. A connection lost for any other reason is opened again from the last event seen
 * (after_event), as often as it takes, waiting longer after each failure; the job.closed sentinel ends it.
 * Each event is also dispatched as a bubbling `job-event` for the page (tables for the leaderboard).
 */
class EventStream extends LitElement {
  static properties = { jobId: {}, events: { state: true }, state: { state: true }, message: { state: true } };
  createRenderRoot() { return this; }

  constructor() {
    super();
    this.events = [];
    this.state = 'connecting';
  }

  updated(changed) {
    if (changed.has('jobId')) {
      this.close();
      this.events = [];
      this.lastId = 0;
      this.failures = 0;
      this.sawClosed = false;
      this.message = null;
      this.connect();
    }
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.close();
  }

  close() {
    clearTimeout(this.retryTimer);
    const ws = this.ws;
    this.ws = null; // first, so its onclose knows it was us
    ws?.close();
  }

  connect() {
    this.state = this.failures ? 'reconnecting' : 'connecting';
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/jobs/${encodeURIComponent(this.jobId)}/events/ws`
      + `?after_line=${NO_LINES}&after_event=${this.lastId}`);
    this.ws = ws;
    ws.onopen = () => { this.state = 'live'; this.failures = 0; };
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.type === 'event') {
        this.lastId = msg.event.id;
        this.events = [...this.events, msg.event].slice(-MAX_EVENTS);
        this.dispatchEvent(new CustomEvent('job-event', { detail: msg.event, bubbles: true }));
      } else if (msg.type === 'job.closed') {
        this.sawClosed = true;
        this.state = 'closed';
      }
    };
    ws.onclose = (e) => {
      if (ws !== this.ws) return;
      this.ws = null;
      if (REFUSED[e.code]) {
        this.state = 'error';
        this.message = REFUSED[e.code];
      } else if (this.sawClosed) {
        this.state = 'closed';
      } else {
        this.state = 'reconnecting';
        this.retryTimer = setTimeout(() => this.connect(), retryDelay(this.failures++));
      }
    };
  }

  render() {
    return html`<div class="events" data-testid="events">
      <div style="display:flex; justify-content: space-between; margin-bottom: 6px;">
        <h2 style="margin:0">Events</h2>
        <span class="conn ${this.state}" data-testid="conn">● ${this.state} · ${this.events.length}</span>
      </div>
      ${this.message ? html`<p class="error-box" data-testid="events-error">${this.message}</p>` : ''}
      ${this.events.slice().reverse().map((e) => html`<div class="ev">
        <span class="muted mono">${new Date(e.timestamp).toLocaleTimeString()}</span>
        <span class="mono ${toneOf(e)}">${e.kind}</span>
        <span class="muted">${e.data?.duration_ms != null ? shortDuration(e.data.duration_ms) : ''}</span></div>`)}
    </div>`;
  }
}
customElements.define('kiln-event-stream', EventStream);
