import { LitElement, html } from 'lit';
import { api, navigate, since, shortDuration, typeIcon } from '../api.js';

const STATUSES = ['queued', 'assigned', 'running', 'cancelling', 'succeeded', 'failed', 'timed_out', 'cancelled', 'lost'];

/** Recent activity: running, queued and recent jobs, live; filters; paging through any number of jobs. */
class HomePage extends LitElement {
  static properties = { jobs: { state: true }, queue: { state: true }, error: { state: true }, cursors: { state: true }, next: { state: true } };
  createRenderRoot() { return this; }

  connectedCallback() {
    super.connectedCallback();
    const q = new URLSearchParams(location.search);
    this.filters = { status: q.get('status') || '', type: q.get('type') || '', label: q.get('label') || '', text: q.get('text') || '' };
    this.cursors = [];
    this.load();
    this.source = new EventSource('/api/v1/stream?kinds=job.');
    this.source.onmessage = () => {};
    for (const kind of ['job.queued', 'job.started', 'job.finished', 'job.cancelled', 'job.assigned']) {
      this.source.addEventListener(kind, () => this.soon());
    }
    this.onVisibility = () => { if (!document.hidden) this.load(); };
    document.addEventListener('visibilitychange', this.onVisibility);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.source?.close();
    document.removeEventListener('visibilitychange', this.onVisibility);
    clearTimeout(this.pending);
  }

  /** Live updates arrive in bursts: reload the first page at most every 500 ms, never while hidden. */
  soon() {
    if (this.pending || document.hidden || this.cursors.length) return;
    this.pending = setTimeout(() => { this.pending = null; this.load(); }, 500);
  }

  query(cursor) {
    const p = new URLSearchParams({ limit: '25' });
    for (const [k, v] of Object.entries(this.filters)) if (v) p.set(k, v);
    if (cursor) p.set('cursor', cursor);
    return p;
  }

  async load() {
    try {
      const cursor = this.cursors[this.cursors.length - 1];
      const [page, queue] = await Promise.all([api('/api/v1/jobs?' + this.query(cursor)), api('/api/v1/queue?limit=0')]);
      this.jobs = page.jobs;
      this.next = page.next_cursor;
      this.queue = queue;
      this.error = null;
    } catch (e) {
      this.error = e.message;
    }
  }

  applyFilters(e) {
    e.preventDefault();
    const f = new FormData(e.target);
    this.filters = { status: f.get('status'), type: f.get('type').trim(), label: f.get('label').trim(), text: f.get('text').trim() };
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(this.filters)) if (v) q.set(k, v);
    history.replaceState({}, '', '/' + (q.toString() ? '?' + q : ''));
    this.cursors = [];
    this.load();
  }

  older() { this.cursors = [...this.cursors, this.next]; this.load(); }
  newer() { this.cursors = this.cursors.slice(0, -1); this.load(); }

  render() {
    const q = this.queue;
    return html`
      <h1>Recent activity</h1>
      ${q ? html`<div class="counts">
        <div class="count" data-testid="count-running"><b>${q.total_running}</b><span class="muted">running</span></div>
        <div class="count" data-testid="count-queued"><b>${q.total_queued}</b><span class="muted">queued</span></div>
        <div class="count"><b>${q.capacity.in_use}/${q.capacity.online_slots}</b><span class="muted">agent slots in use</span></div>
      </div>` : ''}
      <form class="filters" @submit=${this.applyFilters}>
        <select name="status" aria-label="Status">
          <option value="">any status</option>
          <option value="queued,assigned,running,cancelling" ?selected=${this.filters.status === 'queued,assigned,running,cancelling'}>active</option>
          ${STATUSES.map((s) => html`<option value=${s} ?selected=${this.filters.status === s}>${s}</option>`)}
        </select>
        <input name="type" placeholder="type (build, test…)" .value=${this.filters.type}>
        <input name="label" placeholder="label, e.g. arch=arm64" .value=${this.filters.label}>
        <input name="text" placeholder="search name, command, id" .value=${this.filters.text}>
        <button type="submit">Filter</button>
      </form>
      ${this.error ? html`<p class="error-box">${this.error}</p>` : ''}
      <div class="panel" style="padding: 0; overflow-x: auto;">
        <table data-testid="jobs-table">
          <thead><tr><th>Status</th><th>Job</th><th>Type</th><th>Agent</th><th>Created</th><th>Duration</th></tr></thead>
          <tbody>
            ${(this.jobs || []).map((j) => html`
              <tr class="clickable" @click=${() => navigate('/jobs/' + j.id)}>
                <td><span class="badge ${j.status}">${j.status}</span></td>
                <td><a href="/jobs/${j.id}">${j.name}</a> <span class="muted mono small">${j.short_id}</span></td>
                <td>${typeIcon(j.type)} ${j.type}</td>
                <td>${j.agent_name || html`<span class="muted">—</span>`}</td>
                <td title=${j.created_at}>${since(j.created_at)}</td>
                <td class="num">${j.duration_seconds != null ? shortDuration(j.duration_seconds * 1000) : ''}</td>
              </tr>`)}
            ${this.jobs && !this.jobs.length ? html`<tr><td colspan="6" class="muted">No jobs match. <a href="/submit">Submit one</a>.</td></tr>` : ''}
          </tbody>
        </table>
      </div>
      <div class="pager">
        <button @click=${this.newer} ?disabled=${!this.cursors.length}>← Newer</button>
        <button @click=${this.older} ?disabled=${!this.next}>Older →</button>
      </div>`;
  }
}
customElements.define('kiln-home-page', HomePage);
