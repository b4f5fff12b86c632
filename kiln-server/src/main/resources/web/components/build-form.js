import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';
import { requestBuild } from '../lib/builds.js';

/**
 * Asks for partitions: one ref per line and `force`, then "Analyze" (the plan, nothing run: POST /graph/analyze) or
 * "Build" (a build request, then its page). The graph's output patterns are offered below the box: a click starts a
 * line with the pattern's fixed prefix. A refused ref is named with the server's message.
 *
 *   <kiln-build-form .patterns=${['reports/daily/date={week}-{day}', …]}></kiln-build-form>
 */
class BuildForm extends LitElement {
  static properties = { patterns: { type: Array }, plan: { state: true }, error: { state: true }, fieldErrors: { state: true }, busy: { state: true } };
  createRenderRoot() { return this; }

  refs() {
    return this.querySelector('textarea').value.split('\n').map((s) => s.trim()).filter(Boolean);
  }

  force() {
    return this.querySelector('input[name=force]').checked;
  }

  async run(action) {
    this.error = null;
    this.fieldErrors = [];
    const partitions = this.refs();
    if (!partitions.length) { this.error = 'Enter at least one partition ref, one per line.'; return; }
    this.busy = true;
    try {
      if (action === 'analyze') this.plan = await api('/api/v1/graph/analyze', { method: 'POST', body: { partitions, force: this.force() } });
      else await requestBuild(partitions, this.force());
    } catch (e) {
      this.error = e.message;
      this.fieldErrors = (e.problem?.errors || []).map((f) => {
        const i = /\[(\d+)\]/.exec(f.field || '')?.[1];
        return i != null && partitions[i] ? `${partitions[i]}: ${f.message}` : `${f.field}: ${f.message}`;
      });
    } finally {
      this.busy = false;
    }
  }

  /** The pattern's text up to its first placeholder, on a new line where the caret goes. */
  start(pattern) {
    const box = this.querySelector('textarea');
    const prefix = pattern.split('{')[0];
    box.value = box.value && !box.value.endsWith('\n') ? `${box.value}\n${prefix}` : box.value + prefix;
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  render() {
    return html`<div class="panel" data-testid="build-form">
      <h2>Analyze or build partitions</h2>
      <textarea name="partitions" rows="4" aria-label="Partitions, one per line" placeholder="one partition ref per line, e.g. ${this.patterns?.[0]?.split('{')[0] || ''}…"></textarea>
      ${this.patterns?.length ? html`<div class="small muted pattern-hints">patterns: ${this.patterns.map((p) => html`<button type="button" class="small link-like mono" @click=${() => this.start(p)} title="start a line with this pattern">${p}</button>`)}</div>` : ''}
      <div class="form-actions">
        <label><input type="checkbox" name="force"> force (rebuild partitions already available)</label>
        <span class="spacer" style="flex:1"></span>
        <button @click=${() => this.run('analyze')} ?disabled=${this.busy} data-testid="analyze">Analyze</button>
        <button class="primary" @click=${() => this.run('build')} ?disabled=${this.busy} data-testid="build">Build</button>
      </div>
      ${this.error ? html`<div class="error-box" data-testid="build-form-error">${this.error}
        ${this.fieldErrors?.length ? html`<ul class="small">${this.fieldErrors.map((f) => html`<li>${f}</li>`)}</ul>` : ''}</div>` : ''}
      ${this.plan ? planView(this.plan) : ''}
    </div>`;
  }
}
customElements.define('kiln-build-form', BuildForm);

/** The answer of /graph/analyze: what would be built, skipped and delegated, and the jobs in dependency order. */
function planView(p) {
  const s = p.summary;
  return html`<div data-testid="plan">
    <div class="counts" style="margin-top:12px">
      <div class="count" data-testid="plan-jobs"><b>${s.jobs}</b><span class="muted">jobs</span></div>
      <div class="count" data-testid="plan-partitions"><b>${s.partitions_to_build}</b><span class="muted">partitions to build</span></div>
      <div class="count"><b>${s.skipped}</b><span class="muted">already available</span></div>
      <div class="count"><b>${s.delegated}</b><span class="muted">delegated</span></div>
    </div>
    ${p.note ? html`<p class="muted small">${p.note}</p>` : ''}
    <table class="small"><thead><tr><th>Requested</th><th>Outcome</th><th>Job</th></tr></thead><tbody>
      ${p.requested.map((r) => html`<tr><td class="mono">${r.ref}</td><td>${r.outcome}${r.build_id ? html` → <a href="/builds/${r.build_id}">${r.build_id.slice(0, 8)}</a>` : ''}</td><td class="mono">${r.job || '—'}</td></tr>`)}
    </tbody></table>
    <table class="small" data-testid="plan-table" style="margin-top:10px"><thead><tr><th>Job</th><th>Definition</th><th>Partitions</th><th>After</th></tr></thead><tbody>
      ${p.jobs.map((j) => html`<tr><td class="mono">${j.key}</td><td>${j.definition}</td>
        <td class="mono" title=${j.partitions.join('\n')}>${j.partitions.length === 1 ? j.partitions[0] : `${j.partitions[0]} +${j.partitions.length - 1}`}</td>
        <td class="mono small">${[...j.depends_on, ...(j.waits_for_builds || []).map((b) => `build ${b.slice(0, 8)}`)].join(', ') || '—'}</td></tr>`)}
    </tbody></table>
  </div>`;
}
