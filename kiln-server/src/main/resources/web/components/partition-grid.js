import { LitElement, html } from 'lit';
import { timeAgo } from '../lib/format.js';
import { BUILD_PARTITION_STATUSES, partitionHref, shortId } from '../lib/builds.js';
import { statusLook } from '../lib/status.js';
import './status-badge.js';

const ROW = 32;       // px per row: fixed, so row i sits at i * ROW
const OVERSCAN = 20;
const MAX_ROWS = 16;  // the box's height in rows; more scroll inside it

/**
 * A build's partitions: status filter chips with their counts, and a virtualised list (only the rows in view exist
 * in the DOM), so 10,000 partitions scroll without a freeze. Each row: the ref (to its page), status, the job that
 * makes it, when it last changed, and for a delegated one the build that makes it (active or historical).
 *
 *   <kiln-partition-grid .partitions=${[{ ref, status, definition, job_id, updated_at, delegation }]}></kiln-partition-grid>
 */
class PartitionGrid extends LitElement {
  static properties = { partitions: { type: Array }, filter: { state: true }, first: { state: true } };
  createRenderRoot() { return this; }

  constructor() {
    super();
    this.partitions = [];
    this.filter = '';
    this.first = 0;
  }

  onScroll(e) {
    const first = Math.floor(e.target.scrollTop / ROW);
    if (first !== this.first) this.first = first;
  }

  choose(status) {
    this.filter = status;
    this.first = 0;
    const box = this.querySelector('.grid-viewport');
    if (box) box.scrollTop = 0;
  }

  /** Counted and filtered when the partitions or the filter change, not on every scrolled row. */
  willUpdate(changed) {
    if (!changed.has('partitions') && !changed.has('filter') && this.shown) return;
    const all = this.partitions || [];
    this.counts = new Map();
    for (const p of all) this.counts.set(p.status, (this.counts.get(p.status) || 0) + 1);
    this.shown = this.filter ? all.filter((p) => p.status === this.filter) : all;
  }

  render() {
    const all = this.partitions || [];
    const { counts, shown } = this;
    const statuses = [...BUILD_PARTITION_STATUSES, ...[...counts.keys()].filter((s) => !BUILD_PARTITION_STATUSES.includes(s))];
    const from = Math.max(0, this.first - OVERSCAN);
    const to = Math.min(shown.length, this.first + MAX_ROWS + OVERSCAN);
    const rows = [];
    for (let i = from; i < to; i++) rows.push(this.row(shown[i], i));
    return html`
      <div class="filters status-chips" data-testid="partition-filter">
        <button class=${this.filter === '' ? 'active' : ''} @click=${() => this.choose('')} data-status="">all <b>${all.length.toLocaleString()}</b></button>
        ${statuses.filter((s) => counts.get(s)).map((s) => html`<button class=${this.filter === s ? 'active' : ''} data-status=${s}
          @click=${() => this.choose(s)}><span class="dot" style="background: var(${statusLook(s).color})"></span>${statusLook(s).label} <b>${counts.get(s).toLocaleString()}</b></button>`)}
      </div>
      <div class="grid-head partition-row"><span>Partition</span><span>Status</span><span>Job</span><span>Updated</span><span>Delegated to</span></div>
      <div class="grid-viewport" data-testid="partition-grid" style="height:${Math.min(Math.max(shown.length, 1), MAX_ROWS) * ROW}px" @scroll=${this.onScroll}>
        <div style="height:${shown.length * ROW}px; position: relative;">${rows}</div>
        ${shown.length === 0 ? html`<p class="muted empty">${all.length ? `No partition is ${statusLook(this.filter).label}.` : 'No partitions yet.'}</p>` : ''}
      </div>`;
  }

  row(p, i) {
    const d = p.delegation;
    return html`<div class="partition-row" style="top:${i * ROW}px" data-ref=${p.ref}>
      <a class="mono ref" href=${partitionHref(p.ref)} title=${p.ref}>${p.ref}</a>
      <span><kiln-status-badge .status=${p.status}></kiln-status-badge></span>
      <span class="small">${p.job_id ? html`<a class="mono" href="/jobs/${p.job_id}">${shortId(p.job_id)}</a>` : ''} <span class="muted">${p.definition || ''}</span></span>
      <span class="small muted" title=${p.updated_at || ''}>${timeAgo(p.updated_at)}</span>
      <span class="small">${d ? html`${d.build_id ? html`<a class="mono" href="/builds/${d.build_id}" data-testid="delegation">${shortId(d.build_id)}</a>`
        : html`<span class="muted" title="made before, by a build Kiln no longer knows">earlier build</span>`}
        <span class="delegation ${d.kind}">${d.kind}</span>` : ''}</span>
    </div>`;
  }
}
customElements.define('kiln-partition-grid', PartitionGrid);
