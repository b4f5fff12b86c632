import { LitElement, html } from 'lit';
import { tableNumber } from '../lib/format.js';

/**
 * Any table a job emits ({"kind":"table","rows":[...]}) as a sortable leaderboard: columns in the order of the first
 * row, click to sort (descending first, again for ascending), numeric sort for numbers, localeCompare otherwise.
 * A column of numbers is right-aligned, its header too.
 */
class Leaderboard extends LitElement {
  static properties = { name: {}, rows: { type: Array }, sortBy: { state: true }, asc: { state: true } };
  createRenderRoot() { return this; }

  sort(col) {
    if (this.sortBy === col) this.asc = !this.asc;
    else { this.sortBy = col; this.asc = false; }
  }

  render() {
    const rows = this.rows || [];
    if (!rows.length) return html`<p class="muted">No rows yet: the job has not emitted this table.</p>`;
    const cols = Object.keys(rows[0]);
    const numeric = (c) => rows.every((r) => r[c] == null || typeof r[c] === 'number');
    let shown = rows;
    if (this.sortBy) {
      const c = this.sortBy;
      const byNumber = numeric(c);
      shown = [...rows].sort((a, b) => {
        const d = byNumber ? (a[c] ?? -Infinity) - (b[c] ?? -Infinity) : String(a[c] ?? '').localeCompare(String(b[c] ?? ''));
        return this.asc ? d : -d;
      });
    }
    return html`<div class="panel" data-testid="leaderboard">
      <h2>${this.name || 'Table'}</h2>
      <div style="overflow-x:auto"><table>
        <thead><tr>${cols.map((c) => html`<th class=${numeric(c) ? 'num' : ''} style="cursor:pointer" @click=${() => this.sort(c)}>${c}${this.sortBy === c ? (this.asc ? ' ▲' : ' ▼') : ''}</th>`)}</tr></thead>
        <tbody>${shown.map((r) => html`<tr>${cols.map((c) => typeof r[c] === 'number'
          ? html`<td class="num">${tableNumber(r[c])}</td>` : html`<td>${r[c] ?? ''}</td>`)}</tr>`)}</tbody>
      </table></div></div>`;
  }
}
customElements.define('kiln-leaderboard', Leaderboard);
