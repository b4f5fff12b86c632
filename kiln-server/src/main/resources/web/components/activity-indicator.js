import { LitElement, html } from 'lit';
import { api } from '../api.js';

/**
 * The header's indicator of background work (seed 003): idle, or busy with the most relevant label and a +N badge.
 * Fed by the global event stream's `activity` events; polls /api/v1/activity every 5 s while the stream is down,
 * never while the tab is hidden. Shows nothing when signed out.
 */
class ActivityIndicator extends LitElement {
  static properties = { activity: { state: true }, signedIn: { type: Boolean } };
  createRenderRoot() { return this; }

  connectedCallback() {
    super.connectedCallback();
    this.activity = null;
    this.onVisibility = () => (document.hidden ? this.stop() : this.start());
    document.addEventListener('visibilitychange', this.onVisibility);
    this.start();
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.stop();
  }

  start() {
    if (this.source || document.hidden) return;
    this.source = new EventSource('/api/v1/stream?kinds=activity');
    this.source.addEventListener('activity', (e) => { this.activity = JSON.parse(e.data); this.stopPolling(); });
    this.source.onerror = () => this.startPolling();
  }

  stop() {
    this.source?.close();
    this.source = null;
    this.stopPolling();
  }

  startPolling() {
    if (this.timer || document.hidden) return;
    const tick = async () => {
      try { this.activity = await api('/api/v1/activity'); } catch (e) { /* signed out or down */ }
    };
    tick();
    this.timer = setInterval(tick, 5000);
  }

  stopPolling() {
    clearInterval(this.timer);
    this.timer = null;
  }

  render() {
    const a = this.activity;
    if (!a) return html``;
    if (!a.busy) return html`<span class="indicator idle" data-testid="indicator" title="Nothing running"><span class="dot"></span>Idle</span>`;
    const p = a.primary;
    return html`<a href="/jobs/${p.job_id}" class="indicator busy" data-testid="indicator" title="${a.count} active">
      <span class="dot"></span><span class="label">${p.label}</span>${a.count > 1 ? html`<span class="more">+${a.count - 1}</span>` : ''}</a>`;
  }
}
customElements.define('kiln-activity', ActivityIndicator);
