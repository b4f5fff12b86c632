import { LitElement, html } from 'lit';
import { statusLook } from '../lib/status.js';

/**
 * A row of big numbers with what they count: <kiln-counts .items=${[{ key, value, label, status? }]}>.
 * Each is findable as data-testid="count-<key>"; one with a status gets that status's colour as a dot.
 */
class Counts extends LitElement {
  static properties = { items: { type: Array } };
  createRenderRoot() { return this; }

  render() {
    return html`<div class="counts">${(this.items || []).map((c) => html`
      <div class="count" data-testid="count-${c.key}"><b>${c.value ?? '—'}</b><span class="muted">${c.status
        ? html`<span class="dot" style="background: var(${statusLook(c.status).color})"></span>` : ''}${c.label}</span></div>`)}
    </div>`;
  }
}
customElements.define('kiln-counts', Counts);

/** { running: 3, queued: 12 } → counts items labelled and coloured by status, in the order given. */
export function countsByStatus(byStatus) {
  return Object.entries(byStatus).map(([status, n]) => ({ key: status, value: n, label: statusLook(status).label, status }));
}
