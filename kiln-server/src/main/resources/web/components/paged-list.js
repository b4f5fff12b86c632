import { LitElement, html } from 'lit';
import { api, withQuery } from '../lib/api-client.js';

/**
 * A filterable list read page by page with the API's cursors: the shape of every "many things" page (jobs now,
 * build requests and partitions next).
 *
 *   <kiln-paged-list
 *     .source=${'/api/v1/jobs'}   a list URL answering { <itemsKey>: [...], next_cursor }, called with the filters,
 *                                 limit and cursor as query parameters; or a function
 *                                 ({ filters, cursor, limit }) => Promise<{ items, next_cursor }>
 *     .itemsKey=${'jobs'}         the array's name in a URL's answer ('items' if not given)
 *     .filters=${[{ name, placeholder, label?, options?: [[value, text], …] }]}   a select when options are given
 *     .columns=${['Status', …]}  .row=${(item) => html`<tr>…</tr>`}  .empty=${html`No jobs match.`}
 *     .paging=${'pages'}          'pages': previous / next, one page shown; 'more': each page added below
 *     .pageLabels=${['← Newer', 'Older →']}  .limit=${25}  .tableTestId=${'jobs-table'}>
 *
 * The filters live in the address (replaceState): a filtered list can be linked to, and survives a reload.
 * refreshIfAtStart() reloads for live updates, but only while the first page is shown: a later page stays still
 * while someone reads it.
 */
class PagedList extends LitElement {
  static properties = {
    source: {}, itemsKey: {}, filters: { type: Array }, columns: { type: Array }, row: {}, empty: {},
    paging: {}, pageLabels: { type: Array }, limit: { type: Number }, tableTestId: {},
    items: { state: true }, next: { state: true }, cursors: { state: true }, error: { state: true },
  };
  createRenderRoot() { return this; }

  constructor() {
    super();
    this.filters = [];
    this.columns = [];
    this.paging = 'pages';
    this.pageLabels = ['← Previous', 'Next →'];
    this.limit = 25;
    this.cursors = []; // the cursor of each page after the first: its length is how far in we are
    this.requests = 0; // answers to superseded requests are dropped: the latest filter or page wins
  }

  connectedCallback() {
    super.connectedCallback();
    const q = new URLSearchParams(location.search);
    this.values = Object.fromEntries(this.filters.map((f) => [f.name, q.get(f.name) || '']));
    this.load();
  }

  get atStart() {
    return this.cursors.length === 0;
  }

  refreshIfAtStart() {
    if (this.atStart) this.load();
  }

  async load({ append = false } = {}) {
    const request = ++this.requests;
    try {
      const page = await this.fetchPage(this.cursors[this.cursors.length - 1]);
      if (request !== this.requests) return;
      this.items = append ? [...this.items, ...page.items] : page.items;
      this.next = page.next_cursor;
      this.error = null;
    } catch (e) {
      if (request === this.requests) this.error = e.message;
    }
  }

  async fetchPage(cursor) {
    const filters = Object.fromEntries(Object.entries(this.values).filter(([, v]) => v));
    if (typeof this.source === 'function') return this.source({ filters, cursor, limit: this.limit });
    const body = await api(withQuery(this.source, { ...filters, limit: this.limit, cursor }));
    return { items: body[this.itemsKey || 'items'] || [], next_cursor: body.next_cursor };
  }

  applyFilters(e) {
    e.preventDefault();
    const form = new FormData(e.target);
    this.values = Object.fromEntries(this.filters.map((f) => [f.name, String(form.get(f.name) || '').trim()]));
    history.replaceState(history.state, '', withQuery(location.pathname, this.values));
    this.cursors = [];
    this.load();
  }

  forward() {
    this.cursors = [...this.cursors, this.next];
    this.load({ append: this.paging === 'more' });
  }

  back() {
    this.cursors = this.cursors.slice(0, -1);
    this.load();
  }

  renderFilter(f) {
    const value = this.values[f.name];
    if (f.options) {
      return html`<select name=${f.name} aria-label=${f.label || f.name}>
        ${f.options.map(([v, text]) => html`<option value=${v} ?selected=${v === value}>${text}</option>`)}</select>`;
    }
    return html`<input name=${f.name} aria-label=${f.label || f.name} placeholder=${f.placeholder || ''} .value=${value}>`;
  }

  renderPager() {
    const [previous, next] = this.pageLabels;
    if (this.paging === 'more') {
      return this.next ? html`<div class="pager"><button @click=${this.forward}>Load more</button></div>` : '';
    }
    return html`<div class="pager">
      <button @click=${this.back} ?disabled=${this.atStart}>${previous}</button>
      <button @click=${this.forward} ?disabled=${!this.next}>${next}</button></div>`;
  }

  render() {
    const items = this.items;
    return html`
      ${this.filters.length ? html`<form class="filters" @submit=${this.applyFilters}>
        ${this.filters.map((f) => this.renderFilter(f))}<button type="submit">Filter</button></form>` : ''}
      ${this.error ? html`<p class="error-box">${this.error}</p>` : ''}
      <div class="panel table-panel">
        <table data-testid=${this.tableTestId || ''}>
          <thead><tr>${this.columns.map((c) => html`<th>${c}</th>`)}</tr></thead>
          <tbody>
            ${(items || []).map((item) => this.row(item))}
            ${items === undefined ? html`<tr><td colspan=${this.columns.length} class="muted">Loading…</td></tr>` : ''}
            ${items?.length === 0 ? html`<tr><td colspan=${this.columns.length} class="muted">${this.empty || 'Nothing matches.'}</td></tr>` : ''}
          </tbody>
        </table>
      </div>
      ${this.renderPager()}`;
  }
}
customElements.define('kiln-paged-list', PagedList);
