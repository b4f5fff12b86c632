import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';
import { poll } from '../lib/schedule.js';
import './delivery-log.js';

/**
 * A job's notifications on its page: its own notify targets and every delivery about it (subscriptions' URLs stay
 * with admins). Nothing is drawn for a job without either. Reloads when the job's status changes, and every 3 s while
 * a delivery is still pending.
 */
class JobNotifications extends LitElement {
  static properties = { jobId: {}, status: {}, data: { state: true } };
  createRenderRoot() { return this; }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.stopPolling?.();
  }

  updated(changed) {
    if (changed.has('jobId') || changed.has('status')) {
      this.stopPolling?.();
      this.stopPolling = poll((stop) => this.load(stop), 3000);
    }
  }

  async load(stop) {
    const asked = this.jobId;
    try {
      const data = await api(`/api/v1/jobs/${asked}/notifications`);
      if (asked !== this.jobId) return;
      this.data = data;
      if (!data.deliveries.some((d) => d.status === 'pending')) stop();
    } catch {
      stop(); // the job page says what is wrong with the job
    }
  }

  render() {
    const d = this.data;
    if (!d || (!d.targets.length && !d.deliveries.length)) return '';
    return html`<div class="panel" style="margin-top:16px;overflow-x:auto" data-testid="job-notifications"><h2>Notifications</h2>
      ${d.targets.length ? html`<ul class="small">${d.targets.map((t) => html`<li><span class="mono">${t.url}</span> on
        ${t.on.map((e) => html`<span class="badge chip">${e}</span>`)}</li>`)}</ul>` : ''}
      <kiln-delivery-log .deliveries=${d.deliveries} showTarget></kiln-delivery-log></div>`;
  }
}
customElements.define('kiln-job-notifications', JobNotifications);
