import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';

/**
 * Seed 004's promote: an inline release name and a submit on a succeeded job; once promoted it shows ✓ with the
 * release (name, version, manifest checksum) and stays disabled. A job promoted before shows its releases at once.
 */
class PromoteForm extends LitElement {
  static properties = { job: { attribute: false }, made: { state: true }, error: { state: true }, busy: { state: true } };
  createRenderRoot() { return this; }

  async promote(e) {
    e.preventDefault();
    const name = new FormData(e.target).get('name').trim();
    this.busy = true;
    try {
      this.made = await api(`/api/v1/jobs/${this.job.id}/promote`, { method: 'POST', body: { name } });
      this.error = null;
    } catch (err) {
      this.error = err.problem?.errors?.[0]?.message ? `${err.problem.errors[0].field} ${err.problem.errors[0].message}` : err.message;
    } finally {
      this.busy = false;
    }
  }

  render() {
    const done = this.made || this.job.releases?.[0];
    return html`<form class="promote" @submit=${this.promote} data-testid="promote-form">
      <input name="name" placeholder="release name" required ?disabled=${!!done || this.busy} .value=${done?.name || ''}
        aria-label="Release name" data-testid="promote-name">
      <button type="submit" ?disabled=${!!done || this.busy} data-testid="promote">${done ? '✓ Promoted' : 'Promote'}</button>
      ${done ? html`<a href="/releases/${encodeURIComponent(done.name)}/${encodeURIComponent(done.version)}" data-testid="release-link">
        ${done.name} ${done.version}</a> <span class="muted small mono">sha256 ${done.manifest_sha256.slice(0, 12)}…</span>` : ''}
      ${this.error ? html`<span class="error-box small" data-testid="promote-error">${this.error}</span>` : ''}
    </form>`;
  }
}
customElements.define('kiln-promote-form', PromoteForm);
