import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';
import { dateTime } from '../lib/format.js';
import { poll } from '../lib/schedule.js';
import '../components/delivery-log.js';

const EVENTS = ['job.failed', 'job.succeeded', 'job.timed_out', 'job.cancelled', 'build.completed', 'build.failed', 'service.failed'];

const pairs = (text) => Object.fromEntries(text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean).map((s) => {
  const i = s.indexOf('=');
  return i < 0 ? [s, ''] : [s.slice(0, i).trim(), s.slice(i + 1).trim()];
}));

/**
 * Notification subscriptions (admins): the list, a form for a new one (its secret shown once, right after), the
 * delivery log of the one selected (refreshed every 3 s while open) and "Send test".
 */
class NotificationsPage extends LitElement {
  static properties = {
    subscriptions: { state: true }, selected: { state: true }, deliveries: { state: true }, created: { state: true },
    errors: { state: true }, error: { state: true }, forbidden: { state: true }, busy: { state: true },
  };
  createRenderRoot() { return this; }

  constructor() {
    super();
    this.errors = {};
  }

  connectedCallback() {
    super.connectedCallback();
    this.stopPolling = poll(() => this.load(), 3000);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.stopPolling();
  }

  async load() {
    if (this.forbidden) return;
    try {
      this.subscriptions = (await api('/api/v1/notifications')).subscriptions;
      if (this.selected && !this.subscriptions.some((s) => s.id === this.selected)) this.selected = null;
      this.deliveries = this.selected ? (await api(`/api/v1/notifications/${this.selected}/deliveries`)).deliveries : null;
      this.error = null;
    } catch (e) {
      if (e.status === 403) this.forbidden = true;
      else this.error = e.message;
    }
  }

  async create(e) {
    e.preventDefault();
    const f = new FormData(e.target);
    const body = { url: f.get('url').trim(), events: f.getAll('events'), format: f.get('format') };
    const filters = {};
    if (f.get('type').trim()) filters.type = f.get('type').trim();
    if (f.get('name').trim()) filters.name = f.get('name').trim();
    if (f.get('labels').trim()) filters.labels = pairs(f.get('labels'));
    if (Object.keys(filters).length) body.filters = filters;
    this.busy = true;
    try {
      this.created = await api('/api/v1/notifications', { method: 'POST', body });
      this.errors = {};
      this.error = null;
      e.target.reset();
      this.selected = this.created.id;
      await this.load();
    } catch (err) {
      this.error = err.problem?.detail || err.message;
      this.errors = Object.fromEntries((err.problem?.errors || []).map((x) => [x.field.replace(/^filters\./, '').split(/[.[]/)[0], x.message]));
    } finally {
      this.busy = false;
    }
  }

  async act(s, what) {
    try {
      if (what === 'delete') {
        if (!confirm(`Delete the subscription to ${s.url}, with its delivery log?`)) return;
        await api(`/api/v1/notifications/${s.id}`, { method: 'DELETE' });
        if (this.created?.id === s.id) this.created = null;
      } else {
        await api(`/api/v1/notifications/${s.id}/test`, { method: 'POST' });
        this.selected = s.id;
      }
      await this.load();
    } catch (e) {
      this.error = e.message;
    }
  }

  select(s) {
    this.selected = this.selected === s.id ? null : s.id;
    this.deliveries = null;
    this.load();
  }

  fieldError(name) {
    return this.errors[name] ? html`<span class="field-error" data-testid="error-${name}">${this.errors[name]}</span>` : '';
  }

  render() {
    if (this.forbidden) {
      return html`<h1>Notifications</h1><div class="panel"><p class="muted" data-testid="admins-only">Only admins manage
        notification subscriptions. A job can still name its own: <span class="mono">"notify": [{"url": …, "on": ["job.failed"]}]</span>.</p></div>`;
    }
    const subs = this.subscriptions || [];
    const chosen = subs.find((s) => s.id === this.selected);
    return html`<h1>Notifications</h1>
      ${this.error ? html`<p class="error-box" data-testid="notifications-error">${this.error}</p>` : ''}
      ${this.created ? html`<div class="panel secret-box" data-testid="new-secret">
        <strong>Subscription created.</strong> Its signing secret is shown only now — store it with the receiver, which
        checks <span class="mono">X-Kiln-Signature: sha256=HMAC-SHA256(secret, body)</span>:
        <pre class="mono" data-testid="secret">${this.created.secret}</pre>
        <button @click=${() => (this.created = null)}>I have stored it</button></div>` : ''}
      <div class="panel table-panel"><table data-testid="subscriptions">
        <thead><tr><th>URL</th><th>Events</th><th>Filters</th><th>Format</th><th>Created</th><th></th></tr></thead>
        <tbody>${subs.map((s) => html`<tr data-testid="subscription" class=${s.id === this.selected ? 'selected' : ''}>
          <td class="mono small">${s.url}</td>
          <td>${s.events.map((e) => html`<span class="badge chip">${e}</span>`)}</td>
          <td class="small mono">${filterText(s.filters)}</td>
          <td>${s.format}</td><td class="small">${dateTime(s.created_at)}</td>
          <td class="actions"><button @click=${() => this.select(s)} data-testid="show-log">${s.id === this.selected ? 'Hide log' : 'Delivery log'}</button>
            <button @click=${() => this.act(s, 'test')} data-testid="send-test">Send test</button>
            <button class="danger" @click=${() => this.act(s, 'delete')} data-testid="delete">Delete</button></td></tr>`)}
          ${!subs.length ? html`<tr><td colspan="6" class="muted">No subscriptions yet: nothing is sent anywhere.</td></tr>` : ''}</tbody>
      </table></div>
      ${chosen ? html`<div class="panel" style="overflow-x:auto"><h2>Delivery log — <span class="mono small">${chosen.url}</span></h2>
        <kiln-delivery-log .deliveries=${this.deliveries}></kiln-delivery-log></div>` : ''}
      <form class="panel" @submit=${this.create} novalidate data-testid="new-subscription"><h2>New subscription</h2>
        <div class="form-row"><label for="url">URL that receives a POST for each event</label>
          <input id="url" name="url" placeholder="https://hooks.example.com/kiln">${this.fieldError('url')}</div>
        <div class="form-row"><span>Events</span><div class="checks">${EVENTS.map((e) => html`<label class="check">
          <input type="checkbox" name="events" value=${e} ?checked=${e === 'job.failed'}> ${e}</label>`)}</div>${this.fieldError('events')}</div>
        <div class="form-grid">
          <div class="form-row"><label for="type">Only jobs of type</label><input id="type" name="type" placeholder="any">${this.fieldError('type')}</div>
          <div class="form-row"><label for="name">Only jobs named</label><input id="name" name="name" placeholder="any">${this.fieldError('name')}</div>
          <div class="form-row"><label for="labels">Only jobs with labels (key=value)</label><input id="labels" name="labels" placeholder="arch=arm64">${this.fieldError('labels')}</div>
          <div class="form-row"><label for="format">Format</label><select id="format" name="format">
            <option value="json">JSON (Kiln's event)</option><option value="slack">Slack ({"text": …})</option></select>${this.fieldError('format')}</div>
        </div>
        <button class="primary" type="submit" ?disabled=${this.busy} data-testid="create">Create subscription</button>
      </form>`;
  }
}
customElements.define('kiln-notifications-page', NotificationsPage);

function filterText(f) {
  const parts = [];
  if (f.type) parts.push(`type=${f.type}`);
  if (f.name) parts.push(`name=${f.name}`);
  for (const [k, v] of Object.entries(f.labels || {})) parts.push(`${k}=${v}`);
  return parts.join(' ') || 'all jobs';
}
