import { LitElement, html } from 'lit';
import { shortDuration } from '../api.js';

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

/**
 * The live event list of seed 004 over the job's WebSocket: connection indicator, tone-coded kinds, short durations,
 * at most 500 events kept. One reconnect with the cursor after an unexpected close; 4401/4403 are shown and not
 * retried; the job.closed sentinel ends it.
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
      this.retried = false;
      this.connect();
    }
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.close();
  }

  close() {
    this.closedByUs = true;
    this.ws?.close();
    this.ws = null;
  }

  connect() {
    this.closedByUs = false;
    this.state = 'connecting';
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/api/v1/jobs/${this.jobId}/events/ws?after_line=${NO_LINES}&after_event=${this.lastId}`);
    this.ws = ws;
    ws.onopen = () => { this.state = 'live'; };
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
      if (this.closedByUs) return;
      if (e.code === 4401) { this.state = 'error'; this.message = 'Sign in to see live events.'; return; }
      if (e.code === 4403) { this.state = 'error'; this.message = 'Your token may not watch this job.'; return; }
      if (e.code === 4404) { this.state = 'error'; this.message = 'No such job.'; return; }
      if (this.sawClosed) { this.state = 'closed'; return; }
      if (!this.retried) {
        this.retried = true;
        setTimeout(() => this.connect(), 500);
      } else {
        this.state = 'error';
        this.message = 'Live events disconnected. Reload to try again.';
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
