import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';
import { byteSize, dateTime, shortDuration } from '../lib/format.js';
import { watchJob } from '../lib/job-watch.js';
import { navigate } from '../lib/router.js';
import { CANCELLABLE, TERMINAL } from '../lib/status.js';
import '../components/apply-button.js';
import '../components/event-stream.js';
import '../components/job-notifications.js';
import '../components/leaderboard.js';
import '../components/log-viewer.js';
import '../components/promote-form.js';
import '../components/status-badge.js';
import { typeIcon } from '../components/type-icon.js';

/** Table events read when the page opens: the newest of each name among them becomes a leaderboard. */
const TABLES = 50;

const BANNERS = {
  succeeded: () => '✓ Succeeded',
  failed: (j) => `✗ Failed: ${j.error_message || 'exit code ' + j.exit_code}`,
  timed_out: (j) => `✗ Timed out: ${j.error_message || ''}`,
  lost: (j) => `✗ Lost: ${j.error_message || 'the agent went away'}`,
  cancelled: () => 'Cancelled by user',
};

/**
 * The job page of seed 002 with seed 004's event panel and leaderboard. What the job is doing comes from one watch
 * (lib/job-watch.js): each status it reports that differs from the one shown reloads the job's details.
 */
class JobPage extends LitElement {
  static properties = { jobId: {}, job: { state: true }, attempt: { state: true }, error: { state: true }, now: { state: true },
    queueInfo: { state: true }, tables: { state: true }, artifacts: { state: true }, acting: { state: true },
    copy: { state: true }, snapshotAsJson: { state: true } };
  createRenderRoot() { return this; }

  constructor() {
    super();
    this.tables = new Map();
  }

  connectedCallback() {
    super.connectedCallback();
    // the running duration counts up between status changes
    this.ticker = setInterval(() => { if (this.job && !TERMINAL.has(this.job.status)) this.now = Date.now(); }, 1000);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this.ticker);
    this.stopWatching?.();
  }

  updated(changed) {
    if (changed.has('jobId')) {
      this.job = null;
      this.attempt = null;
      this.queueInfo = null;
      this.artifacts = null;
      this.tables = new Map();
      this.tablesLoaded = false;
      this.stopWatching?.();
      this.load();
      // A missing job is load()'s to say; any other failure is passing, and the next check tries again.
      this.stopWatching = watchJob(this.jobId, (s, news) => this.onStatus(s, news), (e) => { if (e.status === 404) this.stopWatching(); });
    }
  }

  onStatus(s, news) {
    this.queueInfo = s.queue_info;
    if (!this.job) return; // the first load() is under way
    const moved = s.status !== this.job.status || s.attempt !== this.job.attempt;
    if (moved || news.has('job.output') || news.has('job.artifact') || news.has('service.ready')) this.load();
  }

  async load() {
    const asked = this.jobId;
    try {
      const job = await api(`/api/v1/jobs/${encodeURIComponent(asked)}`);
      if (asked !== this.jobId) return; // the page moved on to another job meanwhile
      // /jobs/<short id or prefix>: the server found the job; the address (and this page) go on with its whole id
      if (job.id !== asked) { navigate(`/jobs/${job.id}${location.search}${location.hash}`, { replace: true }); return; }
      const followLatest = this.attempt == null || this.attempt === this.job?.attempt;
      this.job = job;
      if (followLatest) this.attempt = job.attempt;
      this.error = null;
      if (!this.tablesLoaded) this.loadTables(job.id);
      if (TERMINAL.has(job.status)) this.artifacts = (await api(`/api/v1/jobs/${job.id}/artifacts`)).artifacts;
    } catch (e) {
      this.error = e.status === 404 ? `There is no job ${this.jobId}.` : e.message;
    }
  }

  /**
   * The tables the job wrote before this page opened (the event panel starts from the newest 500 events, which may
   * not hold them); later ones come with the panel's events. A table already drawn from the panel stays.
   */
  async loadTables(id) {
    this.tablesLoaded = true;
    try {
      const res = await api(`/api/v1/jobs/${id}/events?last=${TABLES}&kind=table`);
      if (id !== this.job?.id) return;
      const tables = new Map();
      for (const ev of res.events) if (Array.isArray(ev.data?.rows)) tables.set(ev.data.name || 'Table', ev.data.rows);
      for (const [name, rows] of this.tables) tables.set(name, rows);
      this.tables = tables;
    } catch (e) {
      this.tablesLoaded = false; // the next load() tries again
    }
  }

  /** Tables a job emits become leaderboards; the job's status is the watch's business, not the event panel's. */
  onJobEvents(e) {
    let tables = null;
    for (const ev of e.detail) {
      if (ev.kind === 'table' && Array.isArray(ev.data?.rows)) (tables ??= new Map(this.tables)).set(ev.data.name || 'Table', ev.data.rows);
    }
    if (tables) this.tables = tables;
  }

  async cancel() {
    this.acting = true;
    try {
      await api(`/api/v1/jobs/${this.job.id}/${this.job.service ? 'stop' : 'cancel'}`, { method: 'POST' }); // a service is stopped
      await this.load();
    } catch (e) {
      this.error = e.message;
    } finally {
      this.acting = false;
    }
  }

  async rerun() {
    this.acting = true;
    try {
      const job = await api(`/api/v1/jobs/${this.job.id}/rerun`, { method: 'POST' });
      navigate('/jobs/' + job.id);
    } catch (e) {
      this.error = e.message;
    } finally {
      this.acting = false;
    }
  }

  /**
   * The full id to the clipboard. Where the browser has no clipboard API (a page served over plain http from another
   * host) or refuses it, the id is shown selected for Ctrl+C instead: the button never says "copied" when it did not.
   */
  async copyId() {
    try {
      await navigator.clipboard.writeText(this.job.id);
      this.copy = 'copied';
      clearTimeout(this.copyTimer);
      this.copyTimer = setTimeout(() => { this.copy = null; }, 1500);
    } catch {
      this.copy = 'manual';
      await this.updateComplete;
      this.querySelector('[data-testid=id-to-copy]')?.select();
    }
  }

  /**
   * What was asked for, as seed 004's two-column list, to reproduce the job: the spec, the commit actually checked
   * out, the input files with their SHA-256 and downloads; the exact JSON of the spec one click away.
   */
  snapshot(j) {
    const { input_files: inputs, ...config } = j.config;
    const reproduce = { ...config, checked_out_commit: j.checked_out_commit };
    const toggle = html`<button class="small" data-testid="snapshot-toggle" @click=${() => (this.snapshotAsJson = !this.snapshotAsJson)}>
      ${this.snapshotAsJson ? 'Show as list' : 'Show JSON'}</button>`;
    if (this.snapshotAsJson) {
      return html`${toggle}<pre class="json" data-testid="snapshot-json">${JSON.stringify(j.config, null, 2)}</pre>`;
    }
    return html`${toggle}<dl class="grid2 snapshot" data-testid="snapshot-list">${Object.entries(reproduce).map(([k, v]) => html`
      <dt class="muted">${k}</dt><dd class="mono">${snapshotValue(v)}</dd>`)}
      <dt class="muted">input_files</dt><dd data-testid="input-files">${inputs?.length ? inputs.map((f) => html`<div>
        <a href="/api/v1/jobs/${j.id}/inputs/${f.path.split('/').map(encodeURIComponent).join('/')}" download>${f.path}</a>
        <span class="muted small mono" title="${f.size.toLocaleString()} bytes">${byteSize(f.size)} · sha256 ${f.sha256}</span></div>`) : '—'}</dd></dl>`;
  }

  duration(j) {
    if (!j.started_at) return '';
    const end = j.completed_at ? Date.parse(j.completed_at) : Date.now();
    return shortDuration(end - Date.parse(j.started_at));
  }

  render() {
    if (this.error && !this.job) return html`<div class="panel"><h1>Job</h1><p class="error-box">${this.error}</p><a href="/">Back to activity</a></div>`;
    const j = this.job;
    if (!j) return html`<p class="muted">Loading…</p>`;
    const terminal = TERMINAL.has(j.status);
    const active = CANCELLABLE.has(j.status);
    return html`
      <div class="job-head">
        <span class="title">${typeIcon(j.type)} <span class="muted small">${j.type}</span> ${j.name}</span>
        <kiln-status-badge .status=${j.starting ? 'starting' : j.status} data-testid="status"></kiln-status-badge>
        <span class="spacer" style="flex:1"></span>
        ${active ? html`<button class="danger" @click=${this.cancel} ?disabled=${this.acting}
          data-testid=${j.service ? 'stop' : 'cancel'}>${j.service ? 'Stop' : 'Cancel'}</button>` : ''}
        ${terminal ? html`<button @click=${this.rerun} ?disabled=${this.acting} data-testid="rerun">Re-run</button>` : ''}
        ${j.status === 'succeeded' && j.config.apply ? html`<kiln-apply-button .job=${j}></kiln-apply-button>` : ''}
      </div>
      <div class="job-head meta">
        <span title="duration" data-testid="duration">duration ${this.duration(j) || '—'}</span>
        <span class="mono" title=${j.id}>${this.copy === 'manual'
          ? html`<input readonly class="mono small id-to-copy" .value=${j.id} size=${j.id.length} data-testid="id-to-copy" @focus=${(e) => e.target.select()}>
            <span class="small" data-testid="copy-state">press Ctrl+C to copy</span>`
          : html`${j.short_id} <button class="small" @click=${this.copyId} title="Copy the full id" data-testid="copy">${this.copy === 'copied' ? 'copied' : 'copy'}</button>`}</span>
        <span>agent: ${j.agent_name || '—'}</span>
        <span>created ${dateTime(j.created_at)}</span>
        ${j.rerun_of ? html`<span>re-run of <a href="/jobs/${j.rerun_of}">${j.rerun_of.slice(0, 8)}</a></span>` : ''}
        ${j.applies ? html`<span data-testid="applies">applies <a href="/jobs/${j.applies}">${j.applies.slice(0, 8)}</a></span>` : ''}
        ${j.applied_by?.length ? html`<span data-testid="applied-by">applied by ${j.applied_by.map((id, i) => html`${i ? ', ' : ''}<a href="/jobs/${id}">${id.slice(0, 8)}</a>`)}</span>` : ''}
      </div>
      ${j.status === 'succeeded' ? html`<div class="panel" data-testid="promote-panel"><kiln-promote-form .job=${j}></kiln-promote-form></div>` : ''}
      ${terminal && BANNERS[j.status] ? html`<div class="banner ${j.status}" data-testid="banner">${BANNERS[j.status](j)}</div>` : ''}
      ${this.error ? html`<p class="error-box">${this.error}</p>` : ''}
      ${j.status === 'queued' ? queueReason(this.queueInfo) : ''}
      <div class="job-layout">
        <div>
          ${j.attempts.length > 1 ? html`<div style="margin-bottom:6px">Attempt
            <select data-testid="attempt" @change=${(e) => (this.attempt = Number(e.target.value))}>
              ${j.attempts.map((a) => html`<option value=${a.number} ?selected=${a.number === this.attempt}>#${a.number} — ${a.status}</option>`)}
            </select></div>` : ''}
          ${this.attempt > 0 ? html`<kiln-log-viewer .jobId=${j.id} .attempt=${this.attempt}
              ?live=${!terminal && this.attempt === j.attempt}></kiln-log-viewer>`
            : html`<div class="logs"><div class="toolbar">Waiting for an agent: no log yet.</div></div>`}
          ${[...this.tables].map(([name, rows]) => html`<kiln-leaderboard .name=${name} .rows=${rows}></kiln-leaderboard>`)}
          <div class="panel" style="margin-top:16px">
            <details open><summary>Job details</summary><div class="grid2">
              ${[['ID', j.id], ['Type', j.type], ['Status', j.status], ['Priority', j.priority], ['Agent', j.agent_name || '—'],
                 ['Attempt', j.attempt], ['Created', dateTime(j.created_at)], ['Queued', dateTime(j.queued_at)], ['Started', dateTime(j.started_at)],
                 ['Completed', dateTime(j.completed_at)], ['Repository', j.source_repository || '—'], ['Branch', j.branch || '—'],
                 ['Commit', j.commit_hash || '—'], ['Requirements', Object.entries(j.labels).map(([k, v]) => `${k}=${v}`).join(', ') || '—']]
                .map(([k, v]) => html`<span class="muted">${k}</span><span class="mono">${v}</span>`)}
            </div></details>
            <details data-testid="snapshot"><summary>Request snapshot</summary>${this.snapshot(j)}</details>
            <details><summary>Execution metadata</summary>
              <div class="grid2">
                <span class="muted">Exit code</span><span class="mono">${j.exit_code ?? '—'}</span>
                <span class="muted">Duration</span><span>${this.duration(j) || '—'}</span>
                <span class="muted">Agent</span><span>${j.agent_name || '—'}</span>
              </div>
              <h2 style="margin-top:10px">Outputs</h2><pre class="json">${JSON.stringify(j.outputs, null, 2)}</pre>
              <h2>Attempts</h2><pre class="json">${JSON.stringify(j.attempts, null, 2)}</pre>
              ${this.artifacts?.length ? html`<h2>Artifacts</h2><ul>${this.artifacts.map((a) => html`<li>
                <a href=${a.download_url} download>${a.name}</a> <span class="muted small" title="${a.size.toLocaleString()} bytes">${byteSize(a.size)} · sha256 ${a.sha256.slice(0, 12)}…</span></li>`)}</ul>` : ''}
            </details>
          </div>
          <kiln-job-notifications .jobId=${j.id} .status=${j.status}></kiln-job-notifications>
        </div>
        <div class="panel" @job-events=${this.onJobEvents}><kiln-event-stream .jobId=${j.id}></kiln-event-stream></div>
      </div>`;
  }
}
customElements.define('kiln-job-page', JobPage);

/** One value of the request snapshot: absent as a dash, maps as k=v lines, lists comma-separated. */
function snapshotValue(v) {
  if (v == null || v === '') return '—';
  if (Array.isArray(v)) return v.length ? v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ') : '—';
  if (typeof v === 'object') {
    const entries = Object.entries(v);
    return entries.length ? entries.map(([k, x]) => html`<div>${k}=${typeof x === 'object' ? JSON.stringify(x) : String(x)}</div>`) : '—';
  }
  return String(v);
}

/** Why a queued job waits: its place in the queue, the reason and the likely wait (from the watch's /status). */
function queueReason(q) {
  if (!q) return '';
  return html`<div class="panel" data-testid="waiting">Queued — position ${q.position} of ${q.total_queued}:
    <b>${q.waiting_reason.message}</b>${q.estimate_text ? html` · ${q.estimate_text}` : ''}</div>`;
}
