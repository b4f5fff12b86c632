import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';
import { onLiveState, subscribe } from '../lib/live.js';
import { poll } from '../lib/schedule.js';
import { timeAgo } from '../lib/format.js';

/**
 * The header's indicator of background work (seed 003): idle, or busy with the most recent item's label ("Build
 * queued…", "Building (web)", "Starting server…", "Server running (web)", "Stopping server…") and +N for the rest;
 * a click opens the list of all of them, each a link to its job. Fed by the live connection's `activity` snapshots
 * (lib/live.js: one connection for every tab); while that connection is being retried, /api/v1/activity is polled
 * every 5 s instead (never in a hidden tab). The shell renders it only for a signed-in user, so a signed-out page
 * fetches nothing.
 */
class ActivityIndicator extends LitElement {
  static properties = { activity: { state: true }, open: { state: true } };
  createRenderRoot() { return this; }

  connectedCallback() {
    super.connectedCallback();
    this.activity = null;
    this.open = false;
    this.unsubscribe = subscribe({ kinds: ['activity'] }, (e) => { this.activity = e.data; });
    this.offState = onLiveState((state) => {
      if (state === 'retrying' && !this.stopPolling) {
        this.stopPolling = poll(async () => { this.activity = await api('/api/v1/activity'); }, 5000);
      } else if (state !== 'retrying') {
        this.stopPolling?.();
        this.stopPolling = null;
      }
    });
    // the list closes on a click elsewhere or Escape, as a menu does
    this.onOutside = (e) => { if (this.open && !this.contains(e.target)) this.open = false; };
    this.onKey = (e) => { if (e.key === 'Escape') this.open = false; };
    document.addEventListener('click', this.onOutside);
    document.addEventListener('keydown', this.onKey);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.unsubscribe();
    this.offState();
    this.stopPolling?.();
    this.stopPolling = null;
    document.removeEventListener('click', this.onOutside);
    document.removeEventListener('keydown', this.onKey);
  }

  willUpdate() {
    if (!this.activity?.busy) this.open = false; // nothing to list: the list must not reappear with the next item
  }

  render() {
    const a = this.activity;
    if (!a) return html``;
    if (!a.busy) {
      return html`<span class="indicator idle" data-testid="indicator" title="Nothing running"><span class="dot"></span>Idle</span>`;
    }
    // an executing build names itself first ("Building 37/120 partitions…"), then the jobs, the most recent first
    const items = [...(a.builds || []), ...a.items];
    const count = (a.builds?.length || 0) + a.count;
    const p = items[0] || a.primary;
    return html`<span class="activity">
      <button class="indicator busy" data-testid="indicator" aria-haspopup="true" aria-expanded=${this.open ? 'true' : 'false'}
          title="${count} active: click for the list" @click=${() => { this.open = !this.open; }}>
        <span class="dot"></span><span class="label" data-testid="indicator-label">${p.label}</span>${count > 1
          ? html`<span class="more" data-testid="indicator-more">+${count - 1}</span>` : ''}</button>
      ${this.open ? html`<div class="activity-list panel" role="menu" data-testid="activity-list">
        ${items.map((i) => html`<a role="menuitem" href=${hrefOf(i)} data-status=${i.status}
            @click=${() => { this.open = false; }}><span>${i.label}</span><span class="muted small">${i.kind === 'build'
              ? `build ${(i.build_id || i.id).slice(0, 8)}` : `${i.name} · since ${timeAgo(i.since)}`}</span></a>`)}
        ${a.items.some((i) => i.service) ? html`<a role="menuitem" href="/services" class="small"
            @click=${() => { this.open = false; }}>All services →</a>` : ''}
      </div>` : ''}
    </span>`;
  }
}
customElements.define('kiln-activity', ActivityIndicator);

/** An executing build request's item ("Building 37/120 partitions…") opens its build page; a job's, the job page. */
const hrefOf = (item) => (item.kind === 'build' ? `/builds/${item.build_id || item.id}` : `/jobs/${item.job_id}`);
