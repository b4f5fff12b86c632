import { LitElement, html } from 'lit';
import { api, withQuery } from '../lib/api-client.js';
import { PARTITION_STATUSES, partitionHref, requestBuild, shortId } from '../lib/builds.js';
import { timeAgo } from '../lib/format.js';
import { statusLook } from '../lib/status.js';
import '../components/counts.js';
import '../components/paged-list.js';
import '../components/status-badge.js';

const FILTERS = [
  { name: 'prefix', placeholder: 'ref prefix, e.g. reports/daily/' },
  { name: 'status', label: 'Status', options: [['', 'any status'], ...PARTITION_STATUSES.map((s) => [s, statusLook(s).label])] },
];
const COLUMNS = ['', 'Partition', 'Status', 'Definition', 'Build', 'Job', 'Updated'];

/**
 * Every partition Kiln has built or is building (its latest state), by prefix and status, a cursor page at a time,
 * with the counts by status for the prefix. Rows can be selected and built (a build request, then its page).
 */
class PartitionsPage extends LitElement {
  static properties = { counts: { state: true }, capped: { state: true }, selected: { state: true }, error: { state: true }, busy: { state: true } };
  createRenderRoot() { return this; }

  constructor() {
    super();
    this.selected = new Set();
    // the list's pages come through here, so the counts of the same answer show above it
    this.source = async ({ filters, cursor, limit }) => {
      const body = await api(withQuery('/api/v1/partitions', { ...filters, limit, cursor }));
      this.counts = body.counts;
      this.capped = body.counts_capped;
      return { items: body.items, next_cursor: body.next_cursor };
    };
    this.row = (p) => html`<tr data-ref=${p.ref}>
      <td><input type="checkbox" aria-label="select ${p.ref}" .checked=${this.selected.has(p.ref)} @change=${(e) => this.select(p.ref, e.target.checked)}></td>
      <td><a class="mono" href=${partitionHref(p.ref)}>${p.ref}</a></td>
      <td><kiln-status-badge .status=${p.status}></kiln-status-badge></td>
      <td>${p.definition || ''}</td>
      <td>${p.build_id ? html`<a class="mono" href="/builds/${p.build_id}">${shortId(p.build_id)}</a>` : '—'}</td>
      <td>${p.job_id ? html`<a class="mono" href="/jobs/${p.job_id}">${shortId(p.job_id)}</a>` : '—'}</td>
      <td title=${p.updated_at || ''}>${timeAgo(p.updated_at)}</td></tr>`;
  }

  select(ref, on) {
    const next = new Set(this.selected);
    if (on) next.add(ref); else next.delete(ref);
    this.choose(next);
  }

  /** The selection, and the list's rows drawn again (their boxes follow it). */
  choose(selected) {
    this.selected = selected;
    this.querySelector('kiln-paged-list')?.requestUpdate();
  }

  async build() {
    this.busy = true;
    try {
      await requestBuild([...this.selected], this.querySelector('input[name=force]').checked);
    } catch (e) {
      this.error = e.message;
    } finally {
      this.busy = false;
    }
  }

  render() {
    const c = this.counts;
    return html`
      <h1>Partitions</h1>
      ${c ? html`<kiln-counts data-testid="partition-counts" .items=${PARTITION_STATUSES.map((s) => ({ key: s, value: `${(c[s] ?? 0).toLocaleString()}${this.capped ? '+' : ''}`, label: statusLook(s).label, status: s }))}></kiln-counts>` : ''}
      <div class="form-actions" style="margin-bottom:10px">
        <button class="primary" ?disabled=${!this.selected.size || this.busy} @click=${this.build} data-testid="build-selected">Build ${this.selected.size || ''} selected</button>
        <label><input type="checkbox" name="force"> force</label>
        ${this.selected.size ? html`<button class="small" @click=${() => this.choose(new Set())}>clear selection</button>` : ''}
        <span class="muted small">or ask for any partition on the <a href="/graph">graph page</a></span>
      </div>
      ${this.error ? html`<p class="error-box">${this.error}</p>` : ''}
      <kiln-paged-list .source=${this.source} .filters=${FILTERS} .columns=${COLUMNS} .row=${this.row} .limit=${50}
        .empty=${html`No partition matches. Partitions appear here once a build asks for them.`} .tableTestId=${'partitions-table'}></kiln-paged-list>`;
  }
}
customElements.define('kiln-partitions-page', PartitionsPage);
