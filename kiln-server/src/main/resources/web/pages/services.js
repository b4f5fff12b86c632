import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';
import { shortDuration } from '../lib/format.js';
import { subscribe } from '../lib/live.js';
import { coalesce, poll } from '../lib/schedule.js';
import '../components/status-badge.js';

/**
 * The services that are not finished (GET /api/v1/services): state (starting until ready), agent, uptime, restarts,
 * and Stop. Job and service events reload it at once; a slow poll covers a live connection that is down; the
 * uptimes tick every second from the page's own clock.
 */
class ServicesPage extends LitElement {
  static properties = { services: { state: true }, error: { state: true }, now: { state: true } };
  createRenderRoot() { return this; }

  connectedCallback() {
    super.connectedCallback();
    this.now = Date.now();
    this.stopPolling = poll(() => this.load(), 10_000);
    this.refresh = coalesce(() => this.load(), 300);
    this.unsubscribe = subscribe({ kinds: ['job.', 'service.'] }, this.refresh);
    this.clock = setInterval(() => { this.now = Date.now(); }, 1000);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.stopPolling();
    this.unsubscribe();
    this.refresh.cancel();
    clearInterval(this.clock);
  }

  async load() {
    try {
      this.services = (await api('/api/v1/services')).services;
      this.error = null;
    } catch (e) {
      this.error = e.message;
    }
  }

  async stop(s) {
    try {
      await api(`/api/v1/jobs/${s.id}/stop`, { method: 'POST' });
      await this.load();
    } catch (e) {
      this.error = e.message;
    }
  }

  /** What the state column says: a running service that is not ready yet is starting. */
  static state(s) {
    return s.starting ? 'starting' : s.status;
  }

  render() {
    const list = this.services;
    return html`<h1>Services</h1>
      ${this.error ? html`<p class="error-box">${this.error}</p>` : ''}
      <div class="panel" style="overflow-x:auto">
      ${list && !list.length ? html`<p class="muted" data-testid="no-services">No service is running. A job submitted with
        <code>"service": true</code> runs until it is stopped here (or with <code>kiln stop</code>).</p>` : ''}
      ${list?.length ? html`<table data-testid="services-table">
        <thead><tr><th>Service</th><th>State</th><th>Agent</th><th class="num">Uptime</th><th class="num">Restarts</th><th></th></tr></thead>
        <tbody>${list.map((s) => html`<tr data-testid="service-row" data-id=${s.id}>
          <td><a href="/jobs/${s.id}">${s.name}</a> <span class="muted mono small">${s.short_id}</span></td>
          <td><kiln-status-badge .status=${ServicesPage.state(s)}></kiln-status-badge></td>
          <td>${s.agent_name || '—'}</td>
          <td class="num" data-testid="uptime">${s.started_at && s.status !== 'queued' ? shortDuration(this.now - Date.parse(s.started_at)) : '—'}</td>
          <td class="num">${Math.max(0, s.attempt - 1)}</td>
          <td><button class="danger" data-testid="stop" ?disabled=${s.status === 'stopping'}
            @click=${() => this.stop(s)}>${s.status === 'stopping' ? 'Stopping…' : 'Stop'}</button></td>
        </tr>`)}</tbody></table>` : ''}
      </div>`;
  }
}
customElements.define('kiln-services-page', ServicesPage);
