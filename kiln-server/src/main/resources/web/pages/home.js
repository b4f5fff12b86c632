import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';
import { shortDuration, timeAgo } from '../lib/format.js';
import { subscribe } from '../lib/live.js';
import { navigate } from '../lib/router.js';
import { coalesce } from '../lib/schedule.js';
import { ACTIVE, JOB_STATUSES } from '../lib/status.js';
import '../components/counts.js';
import '../components/paged-list.js';
import '../components/status-badge.js';
import { typeIcon } from '../components/type-icon.js';
import { buildRow, BUILD_COLUMNS } from './build-rows.js';

const FILTERS = [
  { name: 'status', label: 'Status', options: [['', 'any status'], [ACTIVE.join(','), 'active'], ...JOB_STATUSES.map((s) => [s, s])] },
  { name: 'type', placeholder: 'type (build, test…)' },
  { name: 'label', placeholder: 'label, e.g. arch=arm64' },
  { name: 'text', placeholder: 'search name, command, id' },
];
const COLUMNS = ['Status', 'Job', 'Type', 'Agent', 'Created', 'Duration'];

const jobRow = (j) => html`
  <tr class="clickable" @click=${(e) => { if (!e.target.closest('a')) navigate('/jobs/' + j.id); }}>
    <td><kiln-status-badge .status=${j.status}></kiln-status-badge></td>
    <td><a href="/jobs/${j.id}">${j.name}</a> <span class="muted mono small">${j.short_id}</span></td>
    <td>${typeIcon(j.type)} ${j.type}</td>
    <td>${j.agent_name || html`<span class="muted">—</span>`}</td>
    <td title=${j.created_at}>${timeAgo(j.created_at)}</td>
    <td class="num">${j.duration_seconds != null ? shortDuration(j.duration_seconds * 1000) : ''}</td>
  </tr>`;

/** Recent activity: how much runs and waits, and every job, newest first, filtered and paged; live. */
class HomePage extends LitElement {
  static properties = { queue: { state: true }, error: { state: true } };
  createRenderRoot() { return this; }

  connectedCallback() {
    super.connectedCallback();
    this.loadCounts();
    // Any job's news: the counts and the newest page change (bursts folded into one reload).
    this.refresh = coalesce(() => {
      this.loadCounts();
      this.querySelector('kiln-paged-list:not([data-testid])')?.refreshIfAtStart();
    }, 500);
    this.unsubscribe = subscribe({ kinds: ['job.'] }, this.refresh);
    this.refreshBuilds = coalesce(() => this.querySelector('[data-testid=builds-list]')?.refreshIfAtStart(), 500);
    this.unsubscribeBuilds = subscribe({ kinds: ['build.'] }, this.refreshBuilds);
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    this.unsubscribe();
    this.refresh.cancel();
    this.unsubscribeBuilds();
    this.refreshBuilds.cancel();
  }

  async loadCounts() {
    try {
      this.queue = await api('/api/v1/queue?limit=0');
      this.error = null;
    } catch (e) {
      this.error = e.message;
    }
  }

  render() {
    const q = this.queue;
    return html`
      <h1>Recent activity</h1>
      ${q ? html`<kiln-counts .items=${[
        { key: 'running', value: q.total_running, label: 'running', status: 'running' },
        { key: 'queued', value: q.total_queued, label: 'queued', status: 'queued' },
        { key: 'slots', value: `${q.capacity.in_use}/${q.capacity.online_slots}`, label: 'agent slots in use' },
      ]}></kiln-counts>` : ''}
      ${this.error ? html`<p class="error-box">${this.error}</p>` : ''}
      <h2>Builds</h2>
      <kiln-paged-list data-testid="builds-list" .source=${'/api/v1/builds'} .columns=${BUILD_COLUMNS} .row=${buildRow} .limit=${5}
        .empty=${html`No build requests yet. <a href="/graph">Ask for partitions</a>.`} .paging=${'more'}
        .tableTestId=${'builds-table'}></kiln-paged-list>
      <h2 class="section">Jobs</h2>
      <kiln-paged-list .source=${'/api/v1/jobs'} .itemsKey=${'jobs'} .filters=${FILTERS} .columns=${COLUMNS} .row=${jobRow}
        .empty=${html`No jobs match. <a href="/submit">Submit one</a>.`} .pageLabels=${['← Newer', 'Older →']}
        .tableTestId=${'jobs-table'}></kiln-paged-list>`;
  }
}
customElements.define('kiln-home-page', HomePage);
