import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';
import { dateTime, shortDuration } from '../lib/format.js';
import { subscribe } from '../lib/live.js';
import { coalesce } from '../lib/schedule.js';
import '../components/build-form.js';
import '../components/graph-diagram.js';
import '../components/status-badge.js';

/**
 * The build graph (seed 000's graph page): the version in force and where it came from, the last refused version's
 * errors, the diagram, and each job definition with what it reads, makes and runs, and how its jobs went. A form
 * analyzes partitions (the plan, nothing run) or asks for them to be built. Builds ending refresh the metrics.
 */
class GraphPage extends LitElement {
  static properties = { graph: { state: true }, error: { state: true }, metrics: { state: true } };
  createRenderRoot() { return this; }

  connectedCallback() {
    super.connectedCallback();
    this.metrics = new Map();
    this.load();
    this.refresh = coalesce(() => this.loadMetrics(), 1000);
    this.unsubscribe = subscribe({ kinds: ['build.completed', 'build.failed', 'build.cancelled'] }, this.refresh);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.unsubscribe();
    this.refresh.cancel();
  }

  async load() {
    try {
      this.graph = await api('/api/v1/graph');
      this.error = null;
      this.loadMetrics();
    } catch (e) {
      this.error = e.message;
    }
  }

  /** Each definition's metrics; one that cannot be read says so on its card and the others still show. */
  async loadMetrics() {
    const defs = this.graph?.definitions || [];
    const answers = await Promise.all(defs.map((d) => api(`/api/v1/graph/jobs/${encodeURIComponent(d.name)}/metrics`)
      .then((m) => [d.name, m], (e) => [d.name, { error: e.message }])));
    this.metrics = new Map(answers);
  }

  render() {
    const g = this.graph;
    if (this.error && !g) return html`<h1>Build graph</h1><p class="error-box" data-testid="graph-error">${this.error}</p>`;
    if (!g) return html`<h1>Build graph</h1><p class="muted">Loading…</p>`;
    return html`
      <div class="job-head">
        <span class="title">Build graph</span>
        ${g.version ? html`<span class="mono small" title=${g.version} data-testid="graph-version">version ${g.version_short}</span>` : ''}
      </div>
      ${g.version ? html`<div class="job-head meta">
        <span>from ${g.source === 'file' ? html`<span class="mono">${g.file}</span>` : 'the API (PUT)'}</span>
        <span>loaded ${dateTime(g.loaded_at)}</span>
        <span>${g.definitions.length} job definitions</span>
        ${g.reload_rule ? html`<span class="small" title=${g.reload_rule}>reloads when the file changes</span>` : ''}
      </div>` : html`<div class="panel" data-testid="graph-empty"><p>No build graph is loaded.</p><p class="muted">${g.detail}</p></div>`}
      ${g.last_error ? this.lastError(g.last_error) : ''}
      ${g.definitions.length ? html`
        <div class="panel graph-panel"><kiln-graph-diagram .definitions=${g.definitions} .edges=${g.edges}></kiln-graph-diagram></div>
        <kiln-build-form .patterns=${g.definitions.flatMap((d) => d.outputs)}></kiln-build-form>
        <h2>Job definitions</h2>
        ${g.definitions.map((d) => this.definition(d, g))}` : ''}`;
  }

  lastError(f) {
    return html`<div class="banner failed" data-testid="graph-last-error">
      The last ${f.source === 'file' ? 'change to the file' : 'graph put through the API'} was refused (${dateTime(f.at)}); the version above stays in force.
      <ul class="small">${f.errors.map((e) => html`<li>line ${e.line}, column ${e.column}${e.field ? html` <span class="mono">${e.field}</span>` : ''}: ${e.message}</li>`)}</ul>
    </div>`;
  }

  definition(d, g) {
    const readers = [...new Set(g.edges.filter((e) => e.from === d.name).map((e) => e.to))];
    const sources = [...new Set(g.edges.filter((e) => e.to === d.name).map((e) => e.from))];
    const job = Object.fromEntries(Object.entries(d.job || {}).filter(([, v]) => v !== null && v !== undefined
      && !(Array.isArray(v) && !v.length) && !(typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).length)));
    return html`<div class="panel definition" id="def-${d.name}" data-testid="definition-${d.name}">
      <h2 class="mono">${d.name}</h2>
      <div class="grid2">
        <span class="muted">outputs</span><span class="mono">${d.outputs.map((o) => html`<div>${o}</div>`)}</span>
        <span class="muted">inputs</span><span class="mono">${d.inputs.length ? d.inputs.map((i) => html`<div>${i}</div>`) : html`<span class="muted">none (a source)</span>`}</span>
        <span class="muted">reads from</span><span>${sources.length ? sources.map((s) => html`<a href="#def-${s}" class="chip-link">${s}</a> `) : '—'}</span>
        <span class="muted">read by</span><span>${readers.length ? readers.map((s) => html`<a href="#def-${s}" class="chip-link">${s}</a> `) : '—'}</span>
        <span class="muted">command</span><code class="mono">${d.command}</code>
        ${d.batch > 1 ? html`<span class="muted">batch</span><span>up to ${d.batch} partitions per job</span>` : ''}
        ${d.config ? html`<span class="muted">config</span><span class="mono">${typeof d.config === 'string' ? d.config : JSON.stringify(d.config)}</span>` : ''}
      </div>
      <details><summary class="small">Job fields</summary><pre class="json">${JSON.stringify(job, null, 2)}</pre></details>
      ${this.metricsOf(d.name)}
    </div>`;
  }

  metricsOf(name) {
    const m = this.metrics.get(name);
    if (!m) return '';
    if (m.error) return html`<p class="muted small" data-testid="metrics-${name}">Metrics unavailable: ${m.error}</p>`;
    if (!m.runs) return html`<p class="muted small" data-testid="metrics-${name}">No jobs run yet.</p>`;
    const d = m.duration_ms || {};
    return html`<div data-testid="metrics-${name}">
      <div class="counts">
        <div class="count"><b>${m.runs}</b><span class="muted">runs</span></div>
        <div class="count"><b>${Math.round((m.success_rate ?? 0) * 100)}%</b><span class="muted">succeeded (${m.succeeded}/${m.runs})</span></div>
        <div class="count"><b>${shortDuration(d.avg) || '—'}</b><span class="muted">average</span></div>
        <div class="count"><b>${shortDuration(d.p95) || '—'}</b><span class="muted">p95</span></div>
      </div>
      ${m.recent?.length ? html`<table class="small"><thead><tr><th>Recent</th><th>Build</th><th>Partitions</th><th>Started</th><th class="num">Duration</th></tr></thead><tbody>
        ${m.recent.map((r) => html`<tr>
          <td><kiln-status-badge .status=${r.status}></kiln-status-badge> ${r.job_id ? html`<a class="mono" href="/jobs/${r.job_id}">${r.job_id.slice(0, 8)}</a>` : ''}</td>
          <td>${r.build_id ? html`<a class="mono" href="/builds/${r.build_id}">${r.build_id.slice(0, 8)}</a>` : '—'}</td>
          <td class="num">${r.partitions_count ?? ''}</td><td>${dateTime(r.started_at)}</td><td class="num">${shortDuration(r.duration_ms)}</td></tr>`)}
      </tbody></table>` : ''}
    </div>`;
  }
}
customElements.define('kiln-graph-page', GraphPage);
