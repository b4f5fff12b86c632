import { LitElement, html } from 'lit';
import { guard } from 'lit/directives/guard.js';
import { repeat } from 'lit/directives/repeat.js';
import { api } from '../lib/api-client.js';
import { shortDuration } from '../lib/format.js';
import { jobSocket, REFUSED } from '../lib/job-socket.js';

const MAX_EVENTS = 500;
const EVENTS_PAGE = 5000;
const DRAW_EVERY_MS = 100; // the most GET /api/v1/jobs/{id}/events gives at once

/** How a job ended, as a tone: a cancel or a stop is the user's choice, not a failure. */
const END_TONES = { succeeded: 'tone-green', cancelled: 'tone-neutral', stopped: 'tone-neutral' };

export function toneOf(e) {
  const k = e.kind;
  if (k === 'job.finished' && e.data?.status) return END_TONES[e.data.status] ?? 'tone-red';
  if (k.endsWith('.cancelled') || k.endsWith('.stopped')) return 'tone-neutral';
  if (k.endsWith('.failed') || k.includes('error')) return 'tone-red';
  if (k.includes('warning') || k.endsWith('.cancelling') || k.endsWith('.retrying')) return 'tone-amber';
  if (k.endsWith('.started')) return 'tone-teal';
  if (k.endsWith('.finished') || k.endsWith('.created') || k.endsWith('.fitted')) return 'tone-green';
  return '';
}

/** One event: drawn once (guard), kept by its id while newer ones arrive (repeat). */
function row(e) {
  return html`<div class="ev">
    <span class="muted mono">${new Date(e.timestamp).toLocaleTimeString()}</span>
    <span class="mono ${toneOf(e)}">${e.kind}</span>
    <span class="muted">${e.data?.duration_ms != null ? shortDuration(e.data.duration_ms) : ''}</span>
    ${payload(e)}</div>`;
}

// Shown on the event's first line (kind, duration) or in their own lines (message, error); stamped by the server on
// every job event (attempt); or read better elsewhere on the page (the agent's id: its name; a raw process clock).
const NOT_A_FIELD = new Set(['kind', 'attempt', 'duration_ms', 'message', 'error', 'agent_id', 'process_started_ns']);
const isEmpty = (v) => v == null || v === '' || (typeof v === 'object' && Object.keys(v).length === 0);

/** What an event says beyond its kind: its message, its error, then its other fields as name value. */
function payload(e) {
  const d = e.data || {};
  if (e.kind === 'table' && Array.isArray(d.rows)) return html`<div class="ev-fields muted">${d.name || 'table'} · ${d.rows.length} rows</div>`;
  const fields = Object.entries(d).filter(([k, v]) => !isEmpty(v) && !NOT_A_FIELD.has(k));
  return html`
    ${d.message != null ? html`<div class="ev-message" data-testid="ev-message">${String(d.message)}</div>` : ''}
    ${d.error != null ? html`<div class="ev-message tone-red" data-testid="ev-error">${String(d.error)}</div>` : ''}
    ${fields.length ? html`<div class="ev-fields">${fields.map(([k, v]) => html`<span class="ev-field"><span class="muted">${k}</span>
      <span class="mono">${typeof v === 'object' ? JSON.stringify(v) : String(v)}</span></span>`)}</div>` : ''}`;
}

/**
 * The live event list of seed 004 over the job's WebSocket: connection indicator, tone-coded kinds, short durations,
 * each event's message, error and other fields. A connection lost for any other reason is opened again from the last
 * event seen (after_event), as often as it takes, waiting longer after each failure; the job.closed sentinel ends it.
 *
 * A job may write 100,000 events: the panel opens with the newest 500 and the count from the API, then follows the
 * socket from there; what arrives is drawn in batches, at most one draw per animation frame and ten a second (as
 * Dagster's LogsProvider batches), never once per event. The panel
 * keeps the newest 500 and counts them all; the rest are one download away. Each draw's events also go up as one
 * bubbling `job-events` (detail: the array) for the page (tables for the leaderboard).
 */
class EventStream extends LitElement {
  static properties = { jobId: {}, events: { state: true }, total: { state: true }, state: { state: true },
    message: { state: true }, downloading: { state: true } };
  createRenderRoot() { return this; }

  constructor() {
    super();
    this.events = [];
    this.total = 0;
    this.state = 'connecting';
  }

  updated(changed) {
    if (changed.has('jobId')) {
      this.close();
      this.events = [];
      this.total = 0;
      this.arrived = [];
      this.drawnAt = -DRAW_EVERY_MS;
      this.lastId = 0;
      this.message = null;
      this.start(this.jobId);
    }
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.close();
  }

  close() {
    clearTimeout(this.drawTimer);
    cancelAnimationFrame(this.frame);
    this.drawing = false;
    this.socket?.close();
    this.socket = null;
  }

  /**
   * The newest MAX_EVENTS and the count of all from the API, then live from the newest one's id: a job that wrote
   * 100,000 events opens with 500, not with all of them sent one by one. Should the API fail, the socket replays all.
   */
  async start(id) {
    try {
      const tail = await api(`/api/v1/jobs/${encodeURIComponent(id)}/events?last=${MAX_EVENTS}`);
      if (id !== this.jobId) return; // another job came meanwhile: its own start follows it
      this.total = tail.total - tail.events.length; // draw() counts what it draws
      this.lastId = tail.next_after;
      this.arrived.push(...tail.events);
      this.drawSoon();
    } catch (e) {
      if (id !== this.jobId) return;
      const refused = { 401: 4401, 403: 4403, 404: 4404 }[e.status];
      if (refused) { this.state = 'error'; this.message = REFUSED[refused]; return; } // the socket would say the same
    }
    this.connect();
  }

  /** Events only (no lines), from the last one seen; job-socket.js reconnects and says when it is refused. */
  connect() {
    this.socket = jobSocket(this.jobId, { afterEvent: this.lastId }, {
      event: (e) => {
        this.lastId = e.id;
        this.arrived.push(e);
        this.drawSoon();
      },
      state: (state, refusal) => {
        this.state = state;
        if (refusal) this.message = refusal;
      },
    });
  }

  /**
   * One draw in the next animation frame, and while events pour in, not more than every DRAW_EVERY_MS: a draw lays
   * out the list, and at 60 a second that costs the browser more than the events themselves.
   */
  drawSoon() {
    if (this.drawing) return;
    this.drawing = true;
    const wait = Math.max(0, this.drawnAt + DRAW_EVERY_MS - performance.now());
    this.drawTimer = setTimeout(() => { this.frame = requestAnimationFrame(() => this.draw()); }, wait);
  }

  /** Everything that arrived since the last draw, in one update. */
  draw() {
    this.drawing = false;
    this.drawnAt = performance.now();
    const fresh = this.arrived;
    this.arrived = [];
    this.total += fresh.length;
    this.events = this.events.concat(fresh.slice(-MAX_EVENTS)).slice(-MAX_EVENTS);
    this.dispatchEvent(new CustomEvent('job-events', { detail: fresh, bubbles: true }));
  }

  /** All of the job's events as one JSON file, read page by page from GET /api/v1/jobs/{id}/events. */
  async downloadAll() {
    this.downloading = true;
    try {
      const all = [];
      for (let after = 0; ;) {
        const page = await api(`/api/v1/jobs/${encodeURIComponent(this.jobId)}/events?after=${after}&limit=${EVENTS_PAGE}`);
        all.push(...page.events);
        if (page.events.length < EVENTS_PAGE) break;
        after = page.next_after;
      }
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([JSON.stringify({ job_id: this.jobId, events: all })], { type: 'application/json' }));
      a.download = `kiln-job-${this.jobId}-events.json`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    } catch (e) {
      this.message = `Could not download the events: ${e.message}`;
    } finally {
      this.downloading = false;
    }
  }

  render() {
    const shown = this.events.slice().reverse();
    return html`<div class="events" data-testid="events">
      <div class="events-head">
        <h2>Events</h2>
        <span class="conn ${this.state}" data-testid="conn">● ${this.state}</span>
        <span class="muted small" data-testid="event-count">${this.total.toLocaleString()} ${this.total === 1 ? 'event' : 'events'}</span>
      </div>
      ${this.message ? html`<p class="error-box" data-testid="events-error">${this.message}</p>` : ''}
      ${this.total > shown.length ? html`<p class="muted small" data-testid="events-capped">The newest ${shown.length} are shown.
        <button class="small" @click=${this.downloadAll} ?disabled=${this.downloading} data-testid="events-download">
          ${this.downloading ? 'Downloading…' : `Download all ${this.total.toLocaleString()} (JSON)`}</button></p>` : ''}
      <div class="ev-list" data-testid="event-list">${repeat(shown, (e) => e.id, (e) => guard([e], () => row(e)))}</div>
    </div>`;
  }
}
customElements.define('kiln-event-stream', EventStream);
