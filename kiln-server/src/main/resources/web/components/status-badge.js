import { LitElement, html } from 'lit';
import { statusLook } from '../lib/status.js';

/**
 * A status as a coloured pill: <kiln-status-badge .status=${'running'}>. The colour and label come from
 * lib/status.js, the one mapping every page uses; a status still moving (running, cancelling…) pulses.
 */
class StatusBadge extends LitElement {
  static properties = { status: {} };
  createRenderRoot() { return this; }

  render() {
    const { label, color, moving } = statusLook(this.status);
    return html`<span class="badge ${moving ? 'moving' : ''}" style="--badge-color: var(${color})">${label}</span>`;
  }
}
customElements.define('kiln-status-badge', StatusBadge);
