import { html } from 'lit';
import { buildDuration, progress, shortId } from '../lib/builds.js';
import { shortDuration, timeAgo } from '../lib/format.js';
import { navigate } from '../lib/router.js';
import '../components/status-badge.js';

/** The columns and row of a build request in a list (recent activity): id, status, requested, progress, started, duration. */
export const BUILD_COLUMNS = ['Status', 'Build', 'Requested', 'Progress', 'Started', 'Duration'];

export const buildRow = (b) => html`
  <tr class="clickable" data-build=${b.id} @click=${(e) => { if (!e.target.closest('a')) navigate('/builds/' + b.id); }}>
    <td><kiln-status-badge .status=${b.status}></kiln-status-badge></td>
    <td><a class="mono" href="/builds/${b.id}">${shortId(b.id)}</a>${b.force ? html` <span class="muted small">force</span>` : ''}</td>
    <td class="num">${b.requested_count}</td>
    <td class="num" data-testid="build-progress">${progress(b)}</td>
    <td title=${b.started_at || b.created_at}>${timeAgo(b.started_at || b.created_at)}</td>
    <td class="num">${shortDuration(buildDuration(b))}</td>
  </tr>`;
