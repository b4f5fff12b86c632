import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';
import { shortDuration, timeAgo } from '../lib/format.js';
import { subscribe } from '../lib/live.js';
import { coalesce, poll } from '../lib/schedule.js';
import '../components/counts.js';
import '../components/status-badge.js';

/**
 * The queue (totals by architecture and label, waits and why) and the workers (state, labels, load, drain).
 * Polled every 3 s (load and heartbeats change without events); job and worker events refresh it at once.
 */
class QueuePage extends LitElement {
  static properties = { queue: { state: true }, workers: { state: true }, error: { state: true } };
  createRenderRoot() { return this; }

  connectedCallback() {
    super.connectedCallback();
    this.stopPolling = poll(() => this.load(), 3000);
    this.refresh = coalesce(() => this.load(), 500);
    this.unsubscribe = subscribe({ kinds: ['job.', 'agent.'] }, this.refresh);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.stopPolling();
    this.unsubscribe();
    this.refresh.cancel();
  }

  async load() {
    try {
      [this.queue, this.workers] = await Promise.all([api('/api/v1/queue?limit=100'), api('/api/v1/workers')]);
      this.error = null;
    } catch (e) {
      this.error = e.message;
    }
  }

  async act(worker, action) {
    try {
      await api(`/api/v1/workers/${worker.id}/${action}`, { method: 'POST' });
      await this.load();
    } catch (e) {
      this.error = e.message;
    }
  }

  render() {
    const q = this.queue;
    return html`<h1>Queue & workers</h1>
      ${this.error ? html`<p class="error-box">${this.error}</p>` : ''}
      ${q ? html`<kiln-counts .items=${[
        { key: 'queued', value: q.total_queued, label: 'queued', status: 'queued' },
        { key: 'building', value: q.total_building, label: 'building', status: 'running' },
        { key: 'slots', value: `${q.capacity.in_use}/${q.capacity.online_slots}`, label: 'slots in use' },
        { key: 'wait', value: q.estimated_wait_time_seconds != null ? shortDuration(q.estimated_wait_time_seconds * 1000) : '—', label: 'estimated wait' },
      ]}></kiln-counts>
      <div class="panel"><h2>By architecture</h2>
        ${Object.entries(q.jobs_by_architecture).map(([k, v]) => html`<span class="badge chip">${k}: ${v}</span>`)}
        ${Object.keys(q.jobs_by_label).length ? html`<h2 style="margin-top:10px">By label</h2>
          ${Object.entries(q.jobs_by_label).map(([k, v]) => html`<span class="badge chip">${k}: ${v}</span>`)}` : ''}
        ${!q.total_queued ? html`<p class="muted">Nothing is waiting.</p>` : ''}
      </div>
      ${q.head.length ? html`<div class="panel" style="overflow-x:auto"><h2>Head of the queue</h2><table data-testid="queue-table">
        <thead><tr><th>#</th><th>Job</th><th>Priority</th><th>Waiting because</th><th>Estimated wait</th><th>Queued</th></tr></thead>
        <tbody>${q.head.map((j) => html`<tr><td>${j.position}</td><td><a href="/jobs/${j.id}">${j.name}</a> <span class="muted mono small">${j.short_id}</span></td>
          <td class="num">${j.priority}</td><td>${j.waiting_reason.message}</td>
          <td>${j.estimated_wait_seconds != null ? shortDuration(j.estimated_wait_seconds * 1000) : '—'}</td><td>${timeAgo(j.queued_at)}</td></tr>`)}</tbody>
      </table></div>` : ''}` : ''}
      <div class="panel" style="overflow-x:auto"><h2>Workers</h2><table data-testid="workers-table">
        <thead><tr><th>Agent</th><th>State</th><th>Labels</th><th>Jobs</th><th>Load</th><th>Memory</th><th>Last heartbeat</th><th>Version</th><th></th></tr></thead>
        <tbody>${(this.workers?.workers || []).map((w) => html`<tr>
          <td>${w.name}<div class="muted mono small">${w.id.slice(0, 8)}</div></td>
          <td><kiln-status-badge .status=${w.state}></kiln-status-badge></td>
          <td class="small mono">${Object.entries(w.labels).map(([k, v]) => `${k}=${v.length > 1 ? '[' + v.join(',') + ']' : v[0]}`).join(' ')}</td>
          <td>${w.active}/${w.capacity} ${w.active_jobs.map((id) => html`<a class="mono small" href="/jobs/${id}">${id.slice(0, 8)}</a> `)}</td>
          <td class="num">${w.load?.toFixed(2)}</td>
          <td class="num">${w.memory_total_bytes ? Math.round((100 * w.memory_used_bytes) / w.memory_total_bytes) + '%' : '—'}</td>
          <td>${timeAgo(w.last_seen)}</td><td class="mono small">${w.version}</td>
          <td>${w.state === 'online' ? html`<button @click=${() => this.act(w, 'drain')} data-testid="drain">Drain</button>` : ''}
              ${w.state === 'draining' || w.state === 'disabled' ? html`<button @click=${() => this.act(w, 'resume')} data-testid="resume">Resume</button>` : ''}</td>
        </tr>`)}</tbody></table></div>`;
  }
}
customElements.define('kiln-queue-page', QueuePage);
