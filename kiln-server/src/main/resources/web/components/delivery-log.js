import { LitElement, html } from 'lit';
import { dateTime, timeAgo } from '../lib/format.js';
import './status-badge.js';

/**
 * Notification deliveries as a table: status, event, attempts, the latest attempt's HTTP status, duration and error,
 * and when a pending one is tried next. Used by the Notifications page (a subscription's log) and the job page.
 */
class DeliveryLog extends LitElement {
  static properties = { deliveries: {}, showTarget: { type: Boolean } };
  createRenderRoot() { return this; }

  render() {
    const rows = this.deliveries || [];
    if (!rows.length) return html`<p class="muted" data-testid="no-deliveries">No deliveries yet.</p>`;
    return html`<table data-testid="delivery-log">
      <thead><tr><th>Status</th><th>Event</th>${this.showTarget ? html`<th>To</th>` : ''}<th>Attempts</th><th>HTTP</th>
        <th>Duration</th><th>Last attempt</th><th>Next retry</th><th>Error</th><th>Delivery id</th></tr></thead>
      <tbody>${rows.map((d) => html`<tr data-testid="delivery">
        <td><kiln-status-badge .status=${d.status}></kiln-status-badge></td>
        <td class="mono small">${d.event}</td>
        ${this.showTarget ? html`<td class="small">${d.subscription_id ? 'subscription' : html`<span class="mono">${d.url}</span>`}</td>` : ''}
        <td class="num">${d.attempts}</td>
        <td class="num" data-testid="status-code">${d.status_code ?? '—'}</td>
        <td class="num">${d.duration_ms != null ? `${d.duration_ms} ms` : '—'}</td>
        <td title=${d.last_attempt_at ? dateTime(d.last_attempt_at) : ''}>${d.last_attempt_at ? timeAgo(d.last_attempt_at) : '—'}</td>
        <td>${d.next_attempt_at && d.status === 'pending' ? dateTime(d.next_attempt_at) : '—'}</td>
        <td class="small">${d.error || ''}</td>
        <td class="mono small" title=${d.id}>${d.id.slice(0, 8)}</td>
      </tr>`)}</tbody></table>`;
  }
}
customElements.define('kiln-delivery-log', DeliveryLog);
