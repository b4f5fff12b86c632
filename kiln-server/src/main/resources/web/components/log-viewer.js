import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';
import { jobSocket } from '../lib/job-socket.js';
import { ansi } from './ansi.js';

const ROW = 18;      // px per line: fixed, so line n sits at (n - 1) * ROW
const PAGE = 1000;   // lines per server page
const OVERSCAN = 30;
// The box is one row taller than its lines (room for a horizontal scrollbar under long lines), at least MIN_ROWS,
// and grows with the log up to the window's height (styles.css caps it).
const MIN_ROWS = 3;

/**
 * A virtualised log: only the rows in view exist in the DOM, and pages of 1,000 lines are fetched by line range as
 * they come into view, so a million-line log opens at once. Live lines arrive over the job's WebSocket (follow) while `live` (the
 * page says so for a running attempt) until the stream says the attempt ended. Auto-scroll pins to the bottom until
 * the user scrolls up, and resumes when they scroll back down. The box is as tall as its lines, up to the window.
 */
class LogViewer extends LitElement {
  static properties = {
    jobId: {}, attempt: { type: Number }, live: { type: Boolean },
    total: { state: true }, first: { state: true }, showTs: { state: true }, pinned: { state: true }, ended: { state: true },
    search: { state: true }, hit: { state: true }, searching: { state: true },
  };
  createRenderRoot() { return this; }

  constructor() {
    super();
    this.pages = new Map();
    this.loading = new Set();
    this.total = 0;
    this.first = 0;
    this.pinned = true;
    this.showTs = false;
    this.search = '';
    this.hit = 0;
  }

  updated(changed) {
    if (changed.has('jobId') || changed.has('attempt')) this.reset();
    if (this.pinned && this.viewport) this.viewport.scrollTop = this.viewport.scrollHeight;
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.source?.close();
  }

  async reset() {
    this.source?.close();
    this.pages = new Map();
    this.loading = new Set();
    this.total = 0;
    this.pinned = true;
    this.ended = false;
    if (!this.attempt) return;
    const shown = `${this.jobId}/${this.attempt}`;
    const head = await api(`/api/v1/jobs/${this.jobId}/logs?attempt=${this.attempt}&limit=1&after=0`);
    if (shown !== `${this.jobId}/${this.attempt}`) return; // another job or attempt came meanwhile: its reset follows it
    this.total = head.total_lines;
    this.follow(this.total);
    this.requestUpdate();
  }

  /**
   * Live lines of this attempt after line `after`, over the job's WebSocket (lines only): a dropped connection
   * resumes after the last line received, however often it drops. Lines are drawn once per animation frame, not
   * once per batch. A WebSocket, not SSE: it does not take one of the browser's six connections per host.
   */
  follow(after) {
    if (!this.live) return;
    let queued = [];
    let frame = 0;
    this.source = jobSocket(this.jobId, { attempt: this.attempt, afterLine: after }, {
      lines: (batch) => {
        queued.push(...batch.lines);
        if (!frame) frame = requestAnimationFrame(() => {
          frame = 0;
          for (const l of queued) this.put(l);
          queued = [];
          this.requestUpdate();
        });
      },
      closed: () => {
        this.ended = true;
        this.dispatchEvent(new CustomEvent('log-end'));
      },
    });
  }

  put(line) {
    const page = Math.floor((line.number - 1) / PAGE);
    let lines = this.pages.get(page);
    if (!lines) this.pages.set(page, (lines = []));
    lines[(line.number - 1) % PAGE] = line;
    if (line.number > this.total) this.total = line.number;
  }

  line(n) {
    return this.pages.get(Math.floor((n - 1) / PAGE))?.[(n - 1) % PAGE];
  }

  async fetchPage(page) {
    if (this.loading.has(page)) return;
    this.loading.add(page);
    try {
      const res = await api(`/api/v1/jobs/${this.jobId}/logs?attempt=${this.attempt}&after=${page * PAGE}&limit=${PAGE}`);
      for (const l of res.lines) this.put(l);
      this.requestUpdate();
    } finally {
      this.loading.delete(page);
    }
  }

  onScroll() {
    const v = this.viewport;
    this.first = Math.floor(v.scrollTop / ROW);
    this.pinned = v.scrollTop + v.clientHeight >= v.scrollHeight - ROW * 2;
  }

  get viewport() {
    return this.querySelector('.viewport');
  }

  async findNext(e) {
    e?.preventDefault();
    const q = this.querySelector('input[name=find]').value;
    this.search = q;
    if (!q) return;
    this.searching = true;
    // From the line after the current hit, through cached pages and then pages fetched from the server.
    for (let n = this.hit + 1; n <= this.total; n++) {
      let l = this.line(n);
      if (!l) {
        await this.fetchPage(Math.floor((n - 1) / PAGE));
        l = this.line(n);
      }
      if (l && l.text.includes(q)) {
        this.hit = n;
        this.pinned = false;
        this.viewport.scrollTop = Math.max(0, (n - 5) * ROW);
        this.searching = false;
        return;
      }
    }
    this.searching = false;
    this.hit = 0;
  }

  toBottom() {
    this.pinned = true;
    this.viewport.scrollTop = this.viewport.scrollHeight;
  }

  render() {
    const height = this.viewport?.clientHeight || 600;
    const from = Math.max(1, this.first + 1 - OVERSCAN);
    const to = Math.min(this.total, this.first + Math.ceil(height / ROW) + OVERSCAN);
    const rows = [];
    for (let n = from; n <= to; n++) {
      const l = this.line(n);
      if (!l) this.fetchPage(Math.floor((n - 1) / PAGE));
      rows.push(html`<div class="row ${l ? l.stream : ''} ${n === this.hit ? 'hit' : ''}" style="top:${(n - 1) * ROW}px" data-n=${n}>
        <span class="n">${n}</span>${this.showTs && l ? html`<span class="ts">${l.timestamp.slice(11, 23)}</span>` : ''}<span class="t">${l ? ansi(l.text) : '…'}</span></div>`);
    }
    return html`<div class="logs" data-testid="log-viewer">
      <div class="toolbar">
        <span data-testid="line-count">${this.total.toLocaleString()} lines</span>
        <label><input type="checkbox" .checked=${this.showTs} @change=${(e) => (this.showTs = e.target.checked)}> timestamps</label>
        <form @submit=${this.findNext} style="display:flex; gap:4px;">
          <input name="find" placeholder="find in log" aria-label="Find in log">
          <button type="submit">${this.searching ? 'Searching…' : 'Find next'}</button>
        </form>
        ${this.search && !this.searching ? html`<span>${this.hit ? 'line ' + this.hit : 'no match'}</span>` : ''}
        <span style="flex:1"></span>
        ${!this.pinned ? html`<button @click=${this.toBottom}>Jump to end</button>`
          : this.live && !this.ended ? html`<span class="small" title="scroll up to stop following" data-testid="following">following ↓</span>` : ''}
        <a class="button" href="/api/v1/jobs/${this.jobId}/logs.txt?attempt=${this.attempt}" download>Download</a>
      </div>
      <div class="viewport" style="height:${(Math.max(this.total, MIN_ROWS) + 1) * ROW}px" @scroll=${this.onScroll}>
        <div style="height:${this.total * ROW}px; position: relative;">${rows}</div>
      </div></div>`;
  }
}
customElements.define('kiln-log-viewer', LogViewer);
