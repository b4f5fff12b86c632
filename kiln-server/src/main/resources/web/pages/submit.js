import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';
import { navigate } from '../lib/router.js';

const pairs = (text) => Object.fromEntries(text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean).map((s) => {
  const i = s.indexOf('=');
  return i < 0 ? [s, ''] : [s.slice(0, i).trim(), s.slice(i + 1).trim()];
}));

/** A form for a new job; the API's validation messages appear at their fields. */
class SubmitPage extends LitElement {
  static properties = { errors: { state: true }, error: { state: true }, busy: { state: true } };
  createRenderRoot() { return this; }

  constructor() {
    super();
    this.errors = {};
  }

  async submit(e) {
    e.preventDefault();
    const f = new FormData(e.target);
    const spec = { command: f.get('command') };
    const text = (k, field = k) => { const v = f.get(k).trim(); if (v) spec[field] = v; };
    text('name'); text('type'); text('source_repository'); text('branch'); text('commit_hash'); text('target_architecture');
    const num = (k) => { const v = f.get(k).trim(); if (v) spec[k] = /^-?\d+$/.test(v) ? Number(v) : v; };
    num('priority'); num('timeout_seconds');
    if (f.get('labels').trim()) spec.labels = pairs(f.get('labels'));
    if (f.get('env').trim()) spec.env = pairs(f.get('env'));
    const retries = f.get('retry').trim();
    if (retries) spec.retry = { limit: /^\d+$/.test(retries) ? Number(retries) : retries, on: ['failure', 'timeout', 'agent_lost'] };
    this.busy = true;
    try {
      const job = await api('/api/v1/jobs', { method: 'POST', body: spec });
      navigate('/jobs/' + job.id);
    } catch (err) {
      this.error = err.problem?.detail || err.message;
      this.errors = Object.fromEntries((err.problem?.errors || []).map((x) => [x.field.split(/[.[]/)[0], x.message]));
    } finally {
      this.busy = false;
    }
  }

  field(name, label, attrs = {}) {
    return html`<div class="form-row"><label for=${name}>${label}</label>
      <input id=${name} name=${name} placeholder=${attrs.placeholder || ''}>
      ${this.errors[name] ? html`<span class="field-error" data-testid="error-${name}">${this.errors[name]}</span>` : ''}</div>`;
  }

  area(name, label, placeholder, rows = 3) {
    return html`<div class="form-row"><label for=${name}>${label}</label>
      <textarea id=${name} name=${name} rows=${rows} placeholder=${placeholder}></textarea>
      ${this.errors[name] ? html`<span class="field-error" data-testid="error-${name}">${this.errors[name]}</span>` : ''}</div>`;
  }

  render() {
    return html`<h1>Submit a job</h1><form class="panel" @submit=${this.submit} novalidate>
      ${this.area('command', 'Command (run by bash in the workspace)', 'make -j4 && make test', 4)}
      <div class="form-grid">
        ${this.field('name', 'Name', { placeholder: 'nightly build' })}
        ${this.field('type', 'Type', { placeholder: 'build' })}
        ${this.field('source_repository', 'Repository', { placeholder: 'https://… or file:///…' })}
        ${this.field('branch', 'Branch', { placeholder: 'main' })}
        ${this.field('commit_hash', 'Commit', { placeholder: 'HEAD' })}
        ${this.field('target_architecture', 'Architecture', { placeholder: 'x86_64' })}
        ${this.field('priority', 'Priority', { placeholder: '0' })}
        ${this.field('timeout_seconds', 'Timeout (seconds)', { placeholder: '3600' })}
        ${this.field('retry', 'Retries', { placeholder: '0' })}
      </div>
      ${this.area('labels', 'Labels the agent must have (key=value, one per line)', 'toolchain=gcc-12', 2)}
      ${this.area('env', 'Environment (KEY=value, one per line)', 'MODE=release', 2)}
      ${this.error ? html`<p class="error-box" data-testid="submit-error">${this.error}</p>` : ''}
      <button class="primary" type="submit" ?disabled=${this.busy} data-testid="submit">Submit</button>
    </form>`;
  }
}
customElements.define('kiln-submit-page', SubmitPage);
