import { LitElement, html } from 'lit';
import { api, navigate, poll, shortDuration, time, typeIcon, TERMINAL } from '../api.js';
import '../components/log-viewer.js';
import '../components/event-stream.js';
import '../components/leaderboard.js';

const BANNERS = {
  succeeded: () => '✓ Succeeded',
  failed: (j) => `✗ Failed: ${j.error_message || 'exit code ' + j.exit_code}`,
  timed_out: (j) => `✗ Timed out: ${j.error_message || ''}`,
  lost: (j) => `✗ Lost: ${j.error_message || 'the agent went away'}`,
  cancelled: () => 'Cancelled by user',
};

/** The job page of seed 002 with seed 004's event panel and leaderboard. */
class JobPage extends LitElement {
  static properties = { jobId: {}, job: { state: true }, attempt: { state: true }, error: { state: true }, now: { state: true },
    tables: { state: true }, artifacts: { state: true }, acting: { state: true } };
  createRenderRoot() { return this; }

  constructor() {
    super();
    this.tables = new Map();
  }

  connectedCallback() {
    super.connectedCallback();
    this.ticker = setInterval(() => { if (this.job && !TERMINAL.has(this.job.status)) this.now = Date.now(); }, 1000);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this.ticker);
    this.stopPolling?.();
  }

  updated(changed) {
    if (changed.has('jobId')) {
      this.job = null;
      this.attempt = null;
      this.tables = new Map();
      this.stopPolling?.();
      this.load();
      // Light status every 3 s until the job ends (seed 002); paused while the tab is hidden.
      this.stopPolling = poll(async () => {
        if (this.job && TERMINAL.has(this.job.status)) { this.stopPolling(); return; }
        const s = await api(`/api/v1/jobs/${this.jobId}/status`);
        if (!this.job || s.status !== this.job.status || s.attempt !== this.job.attempt) await this.load();
      }, 3000);
    }
  }

  async load() {
    try {
      const job = await api(`/api/v1/jobs/${encodeURIComponent(this.jobId)}`);
      const followLatest = this.attempt == null || this.attempt === this.job?.attempt;
      this.job = job;
      if (followLatest) this.attempt = job.attempt;
      this.error = null;
      if (TERMINAL.has(job.status)) this.artifacts = (await api(`/api/v1/jobs/${job.id}/artifacts`)).artifacts;
    } catch (e) {
      this.error = e.status === 404 ? `There is no job ${this.jobId}.` : e.message;
    }
  }

  onJobEvent(e) {
    const ev = e.detail;
    if (ev.kind === 'table' && Array.isArray(ev.data?.rows)) {
      this.tables = new Map(this.tables).set(ev.data.name || 'Table', ev.data.rows);
    }
    if (ev.kind.startsWith('job.')) {
      clearTimeout(this.reload);
      this.reload = setTimeout(() => this.load(), 100);
    }
  }

  async cancel() {
    this.acting = true;
    try {
      await api(`/api/v1/jobs/${this.job.id}/cancel`, { method: 'POST' });
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

  copyId() {
    navigator.clipboard?.writeText(this.job.id);
    this.copied = true;
    this.requestUpdate();
    setTimeout(() => { this.copied = false; this.requestUpdate(); }, 1500);
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
    const active = ['queued', 'assigned', 'running'].includes(j.status);
    return html`
      <div class="job-head">
        <span class="title">${typeIcon(j.type)} <span class="muted small">${j.type}</span> ${j.name}</span>
        <span class="badge ${j.status}" data-testid="status">${j.status}</span>
        <span class="spacer" style="flex:1"></span>
        ${active ? html`<button class="danger" @click=${this.cancel} ?disabled=${this.acting} data-testid="cancel">Cancel</button>` : ''}
        ${terminal ? html`<button @click=${this.rerun} ?disabled=${this.acting} data-testid="rerun">Re-run</button>` : ''}
      </div>
      <div class="job-head meta">
        <span title="duration" data-testid="duration">duration ${this.duration(j) || '—'}</span>
        <span class="mono" title=${j.id}>${j.short_id} <button class="small" @click=${this.copyId} title="Copy the full id">${this.copied ? 'copied' : 'copy'}</button></span>
        <span>agent: ${j.agent_name || '—'}</span>
        <span>created ${time(j.created_at)}</span>
        ${j.rerun_of ? html`<span>re-run of <a href="/jobs/${j.rerun_of}">${j.rerun_of.slice(0, 8)}</a></span>` : ''}
      </div>
      ${terminal && BANNERS[j.status] ? html`<div class="banner ${j.status}" data-testid="banner">${BANNERS[j.status](j)}</div>` : ''}
      ${this.error ? html`<p class="error-box">${this.error}</p>` : ''}
      ${j.status === 'queued' ? html`<kiln-queue-reason .jobId=${j.id}></kiln-queue-reason>` : ''}
      <div class="job-layout">
        <div>
          ${j.attempts.length > 1 ? html`<div style="margin-bottom:6px">Attempt
            <select data-testid="attempt" @change=${(e) => (this.attempt = Number(e.target.value))}>
              ${j.attempts.map((a) => html`<option value=${a.number} ?selected=${a.number === this.attempt}>#${a.number} — ${a.status}</option>`)}
            </select></div>` : ''}
          ${this.attempt > 0 ? html`<kiln-log-viewer .jobId=${j.id} .attempt=${this.attempt} ?live=${true}></kiln-log-viewer>`
            : html`<div class="logs"><div class="toolbar">Waiting for an agent: no log yet.</div></div>`}
          ${[...this.tables].map(([name, rows]) => html`<kiln-leaderboard .name=${name} .rows=${rows}></kiln-leaderboard>`)}
          <div class="panel" style="margin-top:16px">
            <details open><summary>Job details</summary><div class="grid2">
              ${[['ID', j.id], ['Type', j.type], ['Status', j.status], ['Priority', j.priority], ['Agent', j.agent_name || '—'],
                 ['Attempt', j.attempt], ['Created', time(j.created_at)], ['Queued', time(j.queued_at)], ['Started', time(j.started_at)],
                 ['Completed', time(j.completed_at)], ['Repository', j.source_repository || '—'], ['Branch', j.branch || '—'],
                 ['Commit', j.commit_hash || '—'], ['Requirements', Object.entries(j.labels).map(([k, v]) => `${k}=${v}`).join(', ') || '—']]
                .map(([k, v]) => html`<span class="muted">${k}</span><span class="mono">${v}</span>`)}
            </div></details>
            <details><summary>Config snapshot</summary><pre class="json">${JSON.stringify(j.config, null, 2)}</pre></details>
            <details><summary>Execution metadata</summary>
              <div class="grid2">
                <span class="muted">Exit code</span><span class="mono">${j.exit_code ?? '—'}</span>
                <span class="muted">Duration</span><span>${this.duration(j) || '—'}</span>
                <span class="muted">Agent</span><span>${j.agent_name || '—'}</span>
              </div>
              <h2 style="margin-top:10px">Outputs</h2><pre class="json">${JSON.stringify(j.outputs, null, 2)}</pre>
              <h2>Attempts</h2><pre class="json">${JSON.stringify(j.attempts, null, 2)}</pre>
              ${this.artifacts?.length ? html`<h2>Artifacts</h2><ul>${this.artifacts.map((a) => html`<li>
                <a href=${a.download_url} download>${a.name}</a> <span class="muted small">${a.size.toLocaleString()} bytes · sha256 ${a.sha256.slice(0, 12)}…</span></li>`)}</ul>` : ''}
            </details>
          </div>
        </div>
        <div class="panel" @job-event=${this.onJobEvent}><kiln-event-stream .jobId=${j.id}></kiln-event-stream></div>
      </div>`;
  }
}
customElements.define('kiln-job-page', JobPage);

/** Why a queued job waits, refreshed every 3 s while visible. */
class QueueReason extends LitElement {
  static properties = { jobId: {}, info: { state: true } };
  createRenderRoot() { return this; }
  connectedCallback() {
    super.connectedCallback();
    this.stop = poll(async () => { this.info = (await api(`/api/v1/jobs/${this.jobId}/status`)).queue_info; }, 3000);
  }
  disconnectedCallback() { super.disconnectedCallback(); this.stop?.(); }
  render() {
    const q = this.info;
    if (!q) return html``;
    return html`<div class="panel" data-testid="waiting">Queued — position ${q.position} of ${q.total_queued}:
      <b>${q.waiting_reason.message}</b>${q.estimated_wait_seconds != null ? html` · about ${shortDuration(q.estimated_wait_seconds * 1000)}` : ''}</div>`;
  }
}
customElements.define('kiln-queue-reason', QueueReason);
