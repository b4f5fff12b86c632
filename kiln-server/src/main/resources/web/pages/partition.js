import { LitElement, html } from 'lit';
import { api, withQuery } from '../lib/api-client.js';
import { eventTime, partitionHref, requestBuild, shortId } from '../lib/builds.js';
import { dateTime } from '../lib/format.js';
import { subscribe } from '../lib/live.js';
import { coalesce } from '../lib/schedule.js';
import { neighbours } from '../lib/partition-refs.js';
import '../components/status-badge.js';

const HISTORY = 500;

/**
 * One partition: its latest status, the definition that makes it, what it reads and what reads it (from the graph),
 * the builds and jobs that touched it (its events), and "Build now" (with force). News of it on the live stream
 * reloads the page.
 */
class PartitionPage extends LitElement {
  static properties = { ref: {}, status: { state: true }, events: { state: true }, graph: { state: true }, error: { state: true },
    busy: { state: true } };
  createRenderRoot() { return this; }

  connectedCallback() {
    super.connectedCallback();
    this.soon = coalesce(() => this.load(), 300);
    this.unsubscribe = subscribe({ kinds: ['partition.status'] }, (e) => { if (e.kind === 'reset' || e.data?.ref === this.ref) this.soon(); });
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.unsubscribe();
    this.soon.cancel();
  }

  updated(changed) {
    if (changed.has('ref')) {
      this.status = null;
      this.events = null;
      this.error = null;
      this.load();
    }
  }

  async load() {
    const ref = this.ref;
    const path = `/api/v1/partitions/${encodeURIComponent(ref)}`;
    try {
      const [status, events, graph] = await Promise.all([api(`${path}/status`),
        api(withQuery(`${path}/events`, { limit: HISTORY })), this.graph || api('/api/v1/graph')]);
      if (ref !== this.ref) return;
      Object.assign(this, { status, events: events.items, graph, error: null });
    } catch (e) {
      if (ref !== this.ref) return;
      this.error = e.status === 404 ? `No job definition of the build graph makes ${ref}.` : e.message;
    }
  }

  async buildNow() {
    this.busy = true;
    try {
      await requestBuild([this.ref], this.querySelector('input[name=force]').checked);
    } catch (e) {
      this.error = e.message;
    } finally {
      this.busy = false;
    }
  }

  render() {
    if (this.error && !this.status) return html`<div class="panel" data-testid="partition-error"><h1 class="mono">${this.ref}</h1><p class="error-box">${this.error}</p><a href="/partitions">All partitions</a></div>`;
    const s = this.status;
    if (!s) return html`<p class="muted">Loading…</p>`;
    const n = neighbours(this.graph, this.ref);
    const refList = (items, testId) => html`<ul class="ref-list" data-testid=${testId}>${items.length ? items.map((r) => html`<li>
      <a class="mono" href=${partitionHref(r.ref)}>${r.ref}</a> <span class="muted small">${r.definition || 'no definition makes it'}</span></li>`)
      : html`<li class="muted">none</li>`}</ul>`;
    return html`
      <div class="job-head">
        <span class="title mono">${this.ref}</span>
        <kiln-status-badge .status=${s.status} data-testid="partition-status"></kiln-status-badge>
        <span class="spacer" style="flex:1"></span>
        <label class="small"><input type="checkbox" name="force"> force</label>
        <button class="primary" @click=${this.buildNow} ?disabled=${this.busy} data-testid="build-now">Build now</button>
      </div>
      <div class="job-head meta">
        <span>made by <a class="mono" href="/graph#def-${s.definition}" data-testid="partition-definition">${s.definition}</a></span>
        ${s.build_id ? html`<span>last build <a class="mono" href="/builds/${s.build_id}">${shortId(s.build_id)}</a></span>` : ''}
        ${s.job_id ? html`<span>job <a class="mono" href="/jobs/${s.job_id}">${shortId(s.job_id)}</a></span>` : ''}
        <span>updated ${dateTime(s.updated_at)}</span>
      </div>
      ${this.error ? html`<p class="error-box">${this.error}</p>` : ''}
      <div class="job-layout">
        <div class="panel"><h2>History</h2>
          ${this.events?.length ? html`<table class="small" data-testid="partition-history"><thead><tr><th>When</th><th>Event</th><th>Status</th><th>Build</th><th>Job</th></tr></thead><tbody>
            ${this.events.map((e) => html`<tr><td title=${eventTime(e).toISOString()}>${eventTime(e).toLocaleString()}</td><td class="mono">${e.kind}</td>
              <td>${e.data?.status ? html`<kiln-status-badge .status=${e.data.status}></kiln-status-badge>` : ''}</td>
              <td>${e.data?.build_id ? html`<a class="mono" href="/builds/${e.data.build_id}">${shortId(e.data.build_id)}</a>` : ''}</td>
              <td>${e.data?.job_id || e.job_id ? html`<a class="mono" href="/jobs/${e.data?.job_id || e.job_id}">${shortId(e.data?.job_id || e.job_id)}</a>` : ''}</td></tr>`)}
          </tbody></table>` : html`<p class="muted">No build has touched it yet.</p>`}
        </div>
        <div>
          <div class="panel"><h2>Upstream (its inputs)</h2>${refList(n.upstream, 'upstream')}</div>
          <div class="panel"><h2>Downstream (read by)</h2>${refList(n.downstream, 'downstream')}</div>
        </div>
      </div>`;
  }
}
customElements.define('kiln-partition-page', PartitionPage);
