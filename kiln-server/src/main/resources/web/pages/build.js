import { LitElement, html } from 'lit';
import { api, withQuery } from '../lib/api-client.js';
import { BUILD_ACTIVE, buildDuration, eventTime, partitionHref, plural, progress, requestBuild, shortId } from '../lib/builds.js';
import { dateTime, shortDuration } from '../lib/format.js';
import { subscribe } from '../lib/live.js';
import { coalesce, poll } from '../lib/schedule.js';
import { TERMINAL } from '../lib/status.js';
import '../components/log-viewer.js';
import '../components/partition-grid.js';
import '../components/status-badge.js';

const PAGE = 1000;         // partitions and events per request
const KEPT_EVENTS = 2000;  // the timeline keeps the newest this many of the build's own events, and of partition changes
/** Polling, the fallback to the live stream (seed 000): often while the build moves, rarely once it ended. */
const POLL_ACTIVE_MS = 2000;
const POLL_ENDED_MS = 10000;

/**
 * A build request's page (seed 000, chunk 5): header, partitions, jobs, the execution timeline with each job's log
 * inline, and delegation both ways. It polls (2 s while the build moves, 10 s after; never in a hidden tab, and at
 * once when shown again) and reloads within a second on the live stream's news of this build or of the builds it
 * waits on or that wait on it.
 */
class BuildPage extends LitElement {
  static properties = { buildId: {}, build: { state: true }, partitions: { state: true }, events: { state: true },
    error: { state: true }, notFound: { state: true }, now: { state: true }, acting: { state: true },
    allLoaded: { state: true }, eventsLoaded: { state: true }, expanded: { state: true }, showPartitionEvents: { state: true }, copied: { state: true } };
  createRenderRoot() { return this; }

  constructor() {
    super();
    this.expanded = new Map(); // event id → { jobId, attempt, live } of an opened log
  }

  connectedCallback() {
    super.connectedCallback();
    this.ticker = setInterval(() => { if (this.build && BUILD_ACTIVE.has(this.build.status)) this.now = Date.now(); }, 1000);
    // live news reloads the summary and events; every page of a large build's partitions waits for the next poll
    this.soon = coalesce(() => { if (!document.hidden) this.refresh({ allPartitions: false }); }, 300);
    this.unsubscribe = subscribe({ kinds: ['build.', 'partition.status'] }, (e) => this.onLive(e));
  }

  disconnectedCallback() {
    super.disconnectedCallback();
    clearInterval(this.ticker);
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.stopPolling?.();
    this.unsubscribe();
    this.soon.cancel();
  }

  updated(changed) {
    if (changed.has('buildId')) {
      this.build = null;
      this.partitions = null;
      this.allLoaded = false;
      this.partitionsAsOf = null;
      this.events = [];
      this.partitionEvents = [];
      this.eventsLoaded = false;
      this.eventsAfter = null;
      this.earlierDropped = 0;
      this.earlierPartitionEvents = 0;
      this.error = null;
      this.notFound = false;
      this.expanded = new Map();
      this.stopPolling?.();
      this.stopPolling = null;
      this.pollEvery(POLL_ACTIVE_MS);
    }
  }

  /** (Re)starts polling at this pace; poll() loads at once, skips hidden tabs and catches up when shown. */
  pollEvery(ms) {
    if (this.pollMs === ms && this.stopPolling) return;
    this.stopPolling?.();
    this.pollMs = ms;
    this.stopPolling = poll((stop) => (this.notFound ? stop() : this.refresh()), ms);
  }

  /** News of this build, or of a build it delegates to or that waits on it: the page reloads (bursts fold into one). */
  onLive(e) {
    if (e.kind === 'reset') { this.soon(); return; }
    const id = e.data?.build_id;
    if (!id || !this.build) return;
    if (id === this.build.id && e.kind === 'partition.status' && this.partitions) this.applyPartition(e);
    if (id === this.build.id || this.related().has(id)) this.soon();
  }

  /**
   * A partition's new status straight from the stream: the grid changes before the reload answers. A 10,000-partition
   * build sends tens of thousands of these: they are gathered and applied once per animation frame.
   */
  applyPartition(e) {
    (this.pending ??= new Map()).set(e.data.ref, e);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flushPartitions());
  }

  flushPartitions() {
    this.frame = 0;
    const pending = this.pending;
    this.pending = null;
    if (!pending || !this.partitions) return;
    let next = null;
    this.partitions.forEach((p, i) => {
      const e = pending.get(p.ref);
      if (!e) return;
      next ??= [...this.partitions];
      next[i] = { ...p, status: e.data.status, job_id: e.data.job_id ?? p.job_id, updated_at: e.timestamp };
    });
    if (next) this.partitions = next;
  }

  related() {
    const ids = new Set((this.build?.waited_on_by || []).map((w) => w.build_id));
    for (const p of this.partitions || []) if (p.delegation) ids.add(p.delegation.build_id);
    return ids;
  }

  async refresh({ allPartitions = true } = {}) {
    const asked = this.buildId;
    if (this.loading) { this.again = true; return; } // one load at a time; the news that came meanwhile gets one more
    this.loading = true;
    try {
      // each part is shown as it comes: the header and the first 1,000 partitions first, then the rest, then events
      const build = await api(`/api/v1/builds/${encodeURIComponent(asked)}`);
      if (asked !== this.buildId) return;
      this.build = build;
      this.error = null;
      if (!build.partitions_truncated || !this.partitions) this.partitions = build.partitions || [];
      if (!build.partitions_truncated) this.allLoaded = true;
      this.pollEvery(BUILD_ACTIVE.has(build.status) ? POLL_ACTIVE_MS : POLL_ENDED_MS);
      // an ended build's partitions, once read after its end, no longer change: the 10 s poll does not read them again
      const settled = this.allLoaded && !BUILD_ACTIVE.has(this.partitionsAsOf);
      if (build.partitions_truncated && ((allPartitions && !settled) || !this.allLoaded)) {
        const all = await this.allPartitions(asked);
        if (asked !== this.buildId) return;
        this.partitions = all;
        this.allLoaded = true;
        this.partitionsAsOf = build.status;
      }
      await this.loadEvents(asked);
    } catch (e) {
      if (asked !== this.buildId) return;
      this.notFound = e.status === 404;
      this.error = this.notFound ? `There is no build ${asked}. It may have been removed, or the link is wrong.` : e.message;
    } finally {
      this.loading = false;
      if (this.again) { this.again = false; this.soon(); }
    }
  }

  /** Every requested partition of a large build, page by page (/builds/{id}/partitions). */
  async allPartitions(id) {
    const all = [];
    let cursor = null;
    do {
      const page = await api(withQuery(`/api/v1/builds/${encodeURIComponent(id)}/partitions`, { limit: PAGE, cursor }));
      all.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return all;
  }

  /** The events after the newest one shown, oldest first; the timeline keeps the newest KEPT_EVENTS. */
  async loadEvents(id) {
    let fresh = [];
    for (;;) {
      const page = await api(withQuery(`/api/v1/builds/${encodeURIComponent(id)}/events`, { after: this.eventsAfter, limit: PAGE }));
      if (id !== this.buildId) return;
      fresh = fresh.concat(page.items);
      if (page.items.length) this.eventsAfter = page.items[page.items.length - 1].id;
      if (!page.next_cursor || !page.items.length) break;
    }
    this.eventsLoaded = true;
    if (!fresh.length) return;
    // a big build's thousands of partition changes must not push its few job events out of the timeline
    const [events, droppedEvents] = keepNewest(this.events, fresh.filter((e) => e.kind !== 'partition.status'));
    const [changes, droppedChanges] = keepNewest(this.partitionEvents, fresh.filter((e) => e.kind === 'partition.status'));
    this.earlierDropped += droppedEvents;
    this.earlierPartitionEvents += droppedChanges;
    this.partitionEvents = changes;
    this.events = events;
  }

  /** A button's action: the buttons wait while it runs; its failure is shown above the partitions. */
  async act(action) {
    this.acting = true;
    try {
      await action();
    } catch (e) {
      this.error = e.message;
    } finally {
      this.acting = false;
    }
  }

  cancel() {
    return this.act(async () => {
      await api(`/api/v1/builds/${this.build.id}/cancel`, { method: 'POST' });
      await this.refresh();
    });
  }

  /** The same partitions and force again, as a new build request; its page opens. */
  buildAgain() {
    return this.act(() => requestBuild(this.partitions.map((p) => p.ref), !!this.build.force));
  }

  async copyId() {
    try {
      await navigator.clipboard.writeText(this.build.id);
      this.copied = 'copied';
    } catch {
      this.copied = 'manual';
      await this.updateComplete;
      this.querySelector('[data-testid=id-to-copy]')?.select();
    }
  }

  /** A job event's log, opened inline: the job's latest attempt, followed while the job runs. */
  async toggleLog(event) {
    const next = new Map(this.expanded);
    if (next.has(event.id)) next.delete(event.id);
    else {
      const jobId = event.job_id || event.data.job_id;
      next.set(event.id, { jobId, loading: true });
      this.expanded = next;
      try {
        const job = await api(`/api/v1/jobs/${jobId}`);
        this.expanded = new Map(this.expanded).set(event.id, { jobId, attempt: job.attempt, live: !TERMINAL.has(job.status), status: job.status });
      } catch (e) {
        this.expanded = new Map(this.expanded).set(event.id, { jobId, error: e.message });
      }
      return;
    }
    this.expanded = next;
  }

  render() {
    if (this.error && !this.build) {
      return html`<div class="panel" data-testid="build-error"><h1>Build</h1><p class="error-box">${this.error}</p>
        <a href="/">Back to activity</a> · <a href="/graph">Build graph</a></div>`;
    }
    const b = this.build;
    if (!b) return html`<p class="muted" data-testid="build-loading">Loading build…</p>`;
    const active = BUILD_ACTIVE.has(b.status);
    const done = b.counts?.available ?? 0;
    return html`
      <div class="job-head">
        <span class="title">Build <span class="mono">${shortId(b.id)}</span></span>
        <kiln-status-badge .status=${b.status} data-testid="build-status"></kiln-status-badge>
        ${this.copied === 'manual' ? html`<input readonly class="mono small id-to-copy" .value=${b.id} size=${b.id.length} data-testid="id-to-copy">`
          : html`<button class="small" @click=${this.copyId} title="Copy the full id ${b.id}" data-testid="copy">${this.copied || 'copy id'}</button>`}
        <span class="spacer" style="flex:1"></span>
        ${active ? html`<button class="danger" @click=${this.cancel} ?disabled=${this.acting} data-testid="cancel">Cancel</button>`
          : html`<button @click=${this.buildAgain} ?disabled=${this.acting || !this.allLoaded} data-testid="build-again">Build again</button>`}
      </div>
      <div class="job-head meta">
        <span>created ${dateTime(b.created_at)}</span>
        <span data-testid="partition-count">${plural(b.requested_count, 'partition')}</span>
        <span data-testid="progress">${progress(b)} available</span>
        <span>${b.jobs_done ?? 0}/${b.jobs_total ?? 0} jobs done</span>
        <span data-testid="duration">duration ${shortDuration(buildDuration(b, this.now || Date.now())) || '—'}</span>
        ${b.force ? html`<span>force</span>` : ''}
        ${b.created_by ? html`<span>by ${b.created_by}</span>` : ''}
        ${b.graph_version ? html`<span class="mono" title=${b.graph_version}>graph ${b.graph_version.slice(0, 12)}</span>` : ''}
      </div>
      <div class="progress-bar" title="${progress(b)} partitions available"><span style="width:${b.requested_count ? (100 * done) / b.requested_count : 0}%"></span></div>
      ${b.status === 'failed' ? html`<div class="banner failed" data-testid="banner">✗ Failed${b.reason ? `: ${b.reason}` : ''}</div>` : ''}
      ${b.status === 'cancelled' ? html`<div class="banner cancelled" data-testid="banner">Cancelled${b.reason ? `: ${b.reason}` : ''}</div>` : ''}
      ${b.status === 'completed' ? html`<div class="banner succeeded" data-testid="banner">✓ Completed</div>` : ''}
      ${this.error ? html`<p class="error-box">${this.error}</p>` : ''}
      ${b.waited_on_by?.length ? html`<div class="panel" data-testid="waited-on-by"><b>Other builds wait on this one:</b>
        ${b.waited_on_by.map((w) => html`<div class="small"><a class="mono" href="/builds/${w.build_id}">build ${shortId(w.build_id)}</a>
          waits for <a class="mono" href=${partitionHref(w.ref)}>${w.ref}</a></div>`)}</div>` : ''}
      <div class="panel"><h2>Partitions</h2><kiln-partition-grid .partitions=${this.partitions || []}></kiln-partition-grid></div>
      ${this.jobsPanel(b)}
      ${this.timeline()}`;
  }

  jobsPanel(b) {
    if (!b.jobs?.length) return html`<h2 class="section">Jobs</h2><div class="panel"><p class="muted">${BUILD_ACTIVE.has(b.status) ? 'Planning…' : 'No jobs: nothing needed building.'}</p></div>`;
    return html`<h2 class="section">Jobs</h2><div class="panel table-panel"><table data-testid="build-jobs">
      <thead><tr><th>Job</th><th>Status</th><th>Definition</th><th class="num">Partitions</th><th>After</th></tr></thead>
      <tbody>${b.jobs.map((j) => html`<tr data-key=${j.key}>
        <td class="mono">${j.job_id ? html`<a href="/jobs/${j.job_id}">${j.key}</a>` : j.key}${j.config_step ? html` <span class="muted small">config step</span>` : ''}</td>
        <td><kiln-status-badge .status=${j.status}></kiln-status-badge>${j.reason ? html` <span class="muted small">${j.reason}</span>` : ''}</td>
        <td>${j.definition}</td>
        <td class="num" title=${(j.partitions || []).join('\n')}>${(j.partitions || []).length}</td>
        <td class="mono small">${(j.depends_on || []).join(', ') || '—'}</td></tr>`)}
      </tbody></table></div>`;
  }

  timeline() {
    const events = this.showPartitionEvents ? [...this.events, ...this.partitionEvents].sort((a, b) => a.id - b.id) : this.events;
    const dropped = this.earlierDropped + (this.showPartitionEvents ? this.earlierPartitionEvents : 0);
    return html`<div class="panel timeline" data-testid="timeline">
      <div class="events-head"><h2>Execution timeline</h2>
        <label class="small"><input type="checkbox" .checked=${!!this.showPartitionEvents} @change=${(e) => (this.showPartitionEvents = e.target.checked)}> partition changes</label></div>
      ${dropped ? html`<p class="muted small">${dropped.toLocaleString()} earlier events not shown.</p>` : ''}
      ${events.length ? events.map((e) => this.eventRow(e)) : html`<p class="muted">${this.eventsLoaded ? 'No events yet.' : 'Loading events…'}</p>`}
    </div>`;
  }

  eventRow(e) {
    const t = eventTime(e);
    const jobId = e.job_id || e.data?.job_id;
    const open = this.expanded.get(e.id);
    const tone = /failed|cancelled/.test(e.kind) || e.data?.status === 'failed' ? 'tone-red'
      : /completed|finished/.test(e.kind) ? 'tone-green' : 'tone-teal';
    return html`<div class="tl-item" data-kind=${e.kind} data-event=${e.id}>
      <span class="mono small muted" title=${t.toISOString()}>${t.toLocaleTimeString([], { hour12: false })}.${String(t.getMilliseconds()).padStart(3, '0')}</span>
      <span class="mono small ${tone}">${e.kind}</span>
      <span class="small">${describe(e)}</span>
      ${jobId && e.kind.startsWith('build.job_') ? html`<button class="small" data-testid="toggle-log" @click=${() => this.toggleLog(e)}>${open ? 'Hide log' : 'Show log'}</button>` : html`<span></span>`}
      ${open ? html`<div class="tl-log">${open.error ? html`<p class="error-box">${open.error}</p>`
        : open.loading ? html`<p class="muted small">Loading…</p>`
        : open.attempt > 0 ? html`<kiln-log-viewer .jobId=${open.jobId} .attempt=${open.attempt} ?live=${open.live}></kiln-log-viewer>`
        : html`<p class="muted small">The job is ${open.status}: no log yet.</p>`}</div>` : ''}
    </div>`;
  }
}
customElements.define('kiln-build-page', BuildPage);

/** kept + fresh, at most KEPT_EVENTS of the newest, and how many were let go. */
function keepNewest(kept, fresh) {
  const all = fresh.length ? kept.concat(fresh) : kept;
  return all.length > KEPT_EVENTS ? [all.slice(-KEPT_EVENTS), all.length - KEPT_EVENTS] : [all, 0];
}

/** One line for an event from its data, with links to what it names. */
function describe(e) {
  const d = e.data || {};
  const job = d.job_id || e.job_id;
  const jobLink = job ? html` <a class="mono" href="/jobs/${job}">job ${shortId(job)}</a>` : '';
  const ref = d.ref ? html`<a class="mono" href=${partitionHref(d.ref)}>${d.ref}</a>` : '';
  switch (e.kind) {
    case 'build.planned': return `${plural(d.jobs, 'job')} planned; ${d.skipped ?? 0} already available, ${d.delegated ?? 0} delegated`;
    case 'build.failed': case 'build.cancelled': return d.reason || '';
    case 'build.job_scheduled': return html`<span class="mono">${d.key}</span> submitted as${jobLink}${d.partitions ? ` (${plural([].concat(d.partitions).length, 'partition')})` : ''}`;
    case 'build.job_started': return html`<span class="mono">${d.key}</span> started${jobLink}`;
    case 'build.job_finished': return html`<span class="mono">${d.key}</span> ${d.status}${jobLink}`;
    case 'build.job_skipped': return html`<span class="mono">${d.key}</span> skipped${d.reason ? `: ${d.reason}` : ''}`;
    case 'build.delegated': return d.from_build // in the maker's timeline: who waits on it
      ? html`<a class="mono" href="/builds/${d.from_build}">build ${shortId(d.from_build)}</a> waits on ${ref} (${d.kind})`
      : html`${ref} delegated to <a class="mono" href="/builds/${d.to_build}">build ${shortId(d.to_build)}</a> (${d.kind})`;
    case 'partition.status': return html`${ref} → ${d.status}${jobLink}`;
    default: return d.message || '';
  }
}
