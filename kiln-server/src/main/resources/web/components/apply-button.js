import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';
import { navigate } from '../lib/router.js';

/**
 * Seed 002's Apply: a button on a succeeded plan that opens a popover of the workers that may apply it — "auto" first,
 * then each online agent whose labels meet the plan's `apply.labels`, with its load — and creates the apply job on the
 * one picked, then goes to its page. A refusal (applied already, stale) is shown in the popover, with "force".
 */
class ApplyButton extends LitElement {
  static properties = { job: { attribute: false }, open: { state: true }, workers: { state: true }, error: { state: true },
    force: { state: true }, busy: { state: true } };
  createRenderRoot() { return this; }

  async toggle() {
    this.open = !this.open;
    this.error = null;
    if (!this.open) return;
    try {
      const all = (await api('/api/v1/workers')).workers;
      const needs = this.job.config.apply?.labels || {};
      this.workers = all.filter((w) => w.state === 'online' && meets(w.labels, needs));
    } catch (e) {
      this.error = e.message;
    }
  }

  async apply(agent) {
    this.busy = true;
    try {
      const made = await api(`/api/v1/jobs/${this.job.id}/apply`, { method: 'POST', body: { agent, force: !!this.force } });
      this.open = false;
      navigate('/jobs/' + made.id);
    } catch (e) {
      this.error = e.message;
    } finally {
      this.busy = false;
    }
  }

  render() {
    const workers = this.workers || [];
    return html`<span class="popover-anchor">
      <button class="primary" @click=${this.toggle} aria-expanded=${this.open ? 'true' : 'false'} data-testid="apply">Apply ▾</button>
      ${this.open ? html`<div class="popover" role="menu" data-testid="apply-popover">
        <div class="muted small">Apply on…</div>
        <button class="worker" role="menuitem" ?disabled=${this.busy} @click=${() => this.apply('auto')} data-testid="apply-auto">
          <b>auto</b> <span class="muted small">the first matching worker with a free slot</span></button>
        ${this.workers == null ? html`<div class="muted small">Loading workers…</div>`
          : workers.length === 0 ? html`<div class="muted small" data-testid="apply-none">No online worker matches ${labelsText(this.job.config.apply?.labels)}</div>`
          : workers.map((w) => html`<button class="worker" role="menuitem" ?disabled=${this.busy} @click=${() => this.apply(w.name)}
              data-testid="apply-worker" data-name=${w.name}>
              <b>${w.name}</b> <span class="muted small">${w.active}/${w.capacity} busy · load ${w.load?.toFixed?.(2) ?? '—'}</span></button>`)}
        <label class="small"><input type="checkbox" .checked=${!!this.force} @change=${(e) => (this.force = e.target.checked)}
          data-testid="apply-force"> force (applied already, or a newer plan exists)</label>
        ${this.error ? html`<p class="error-box small" data-testid="apply-error">${this.error}</p>` : ''}
      </div>` : ''}
    </span>`;
  }
}
customElements.define('kiln-apply-button', ApplyButton);

/** Whether an agent's labels (each a list of values) meet requirements key=value. */
function meets(labels, needs) {
  return Object.entries(needs).every(([k, v]) => (labels?.[k] || []).includes(v));
}

function labelsText(labels) {
  const entries = Object.entries(labels || {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : '(any)';
}
