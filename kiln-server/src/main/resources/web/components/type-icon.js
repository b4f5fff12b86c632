import { html } from 'lit';

const TYPE_COLORS = { build: '#e8590c', test: '#8250df', deploy: '#1a7f37', plan: '#0969da', service: '#0a7ea4' };

/** A job type's icon: its initial on the type's colour (no emoji font needed). */
export function typeIcon(type) {
  return html`<span class="type-icon" style="background:${TYPE_COLORS[type] || '#6e7781'}" title=${type || ''}>${(type || '?')[0].toUpperCase()}</span>`;
}
