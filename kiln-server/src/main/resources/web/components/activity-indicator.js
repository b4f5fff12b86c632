import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';
import { onLiveState, subscribe } from '../lib/live.js';
import { poll } from '../lib/schedule.js';

/**
 * The header's indicator of background work (seed 003): idle, or busy with the most relevant label and a +N badge.
 * Fed by the live connection's `activity` events; while that connection is being retried, /api/v1/activity is
 * polled every 5 s instead (never in a hidden tab).
 */
class ActivityIndicator extends LitElement {
  static properties = { activity: { state: true } };
  createRenderRoot() { return this; }

  connectedCallback() {
    super.connectedCallback();
    this.activity = null;
    this.unsubscribe = subscribe({ kinds: ['activity'] }, (e) => { this.activity = e.data; });
    this.offState = onLiveState((state) => {
      if (state === 'retrying' && !this.stopPolling) {
        this.stopPolling = poll(async () => { this.activity = await api('/api/v1/activity'); }, 5000);
      } else if (state !== 'retrying') {
        this.stopPolling?.();
        this.stopPolling = null;
      }
    });
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.unsubscribe();
    this.offState();
    this.stopPolling?.();
    this.stopPolling = null;
  }

  render() {
    const a = this.activity;
    if (!a) return html``;
    if (!a.busy) return html`<span class="indicator idle" data-testid="indicator" title="Nothing running"><span class="dot"></span>Idle</span>`;
    const p = a.builds?.[0] || a.primary; // an executing build names itself first: "Building 37/120 partitions…"
    const count = a.count + (a.builds?.length || 0);
    return html`<a href=${hrefOf(p)} class="indicator busy" data-testid="indicator" title="${count} active">
      <span class="dot"></span><span class="label">${p.label}</span>${count > 1 ? html`<span class="more">+${count - 1}</span>` : ''}</a>`;
  }
}
customElements.define('kiln-activity', ActivityIndicator);

/** An executing build request's item ("Building 37/120 partitions…") opens its build page; a job's, the job page. */
const hrefOf = (item) => (item.kind === 'build' ? `/builds/${item.build_id || item.id}` : `/jobs/${item.job_id}`);
