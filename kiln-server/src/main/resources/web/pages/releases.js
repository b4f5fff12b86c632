import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';
import { byteSize, dateTime } from '../lib/format.js';

/** Releases (seed 004): newest first, each with its source job and manifest checksum. */
class ReleasesPage extends LitElement {
  static properties = { releases: { state: true }, error: { state: true } };
  createRenderRoot() { return this; }

  async connectedCallback() {
    super.connectedCallback();
    try {
      this.releases = (await api('/api/v1/releases')).releases;
    } catch (e) {
      this.error = e.message;
    }
  }

  render() {
    return html`<h1>Releases</h1>
      ${this.error ? html`<p class="error-box">${this.error}</p>` : ''}
      ${this.releases == null ? html`<p class="muted">Loading…</p>` : this.releases.length === 0
        ? html`<p class="muted" data-testid="no-releases">No release yet: promote a succeeded job from its page.</p>`
        : html`<div class="panel table-panel"><table data-testid="releases-table"><thead><tr>
            <th>Name</th><th>Version</th><th>Promoted</th><th>By</th><th>Files</th><th>Job</th><th>Manifest SHA-256</th></tr></thead>
            <tbody>${this.releases.map((r) => html`<tr>
              <td><a href=${releasePath(r)}>${r.name}</a></td><td class="mono">${r.version}</td><td>${dateTime(r.promoted_at)}</td>
              <td>${r.promoted_by || '—'}</td><td class="num">${r.files.length}</td>
              <td><a class="mono" href="/jobs/${r.job_id}">${r.job_id.slice(0, 8)}</a></td>
              <td class="mono small">${r.manifest_sha256.slice(0, 16)}…</td></tr>`)}</tbody></table></div>`}`;
  }
}
customElements.define('kiln-releases-page', ReleasesPage);

/** One release: its files with sizes, SHA-256 and downloads, the manifest and its checksum. Releases never change. */
class ReleasePage extends LitElement {
  static properties = { name: {}, version: {}, release: { state: true }, error: { state: true } };
  createRenderRoot() { return this; }

  async updated(changed) {
    if (!changed.has('name') && !changed.has('version')) return;
    try {
      this.release = await api(releasePath({ name: this.name, version: this.version }).replace('/releases/', '/api/v1/releases/'));
      this.error = null;
    } catch (e) {
      this.error = e.status === 404 ? `There is no release ${this.name} ${this.version}.` : e.message;
    }
  }

  render() {
    const r = this.release;
    if (this.error) return html`<div class="panel"><h1>Release</h1><p class="error-box">${this.error}</p><a href="/releases">All releases</a></div>`;
    if (!r) return html`<p class="muted">Loading…</p>`;
    return html`<h1 data-testid="release-title">${r.name} <span class="muted">${r.version}</span></h1>
      <div class="panel grid2">
        <span class="muted">Source job</span><span><a class="mono" href="/jobs/${r.job_id}">${r.job_id}</a></span>
        <span class="muted">Promoted</span><span>${dateTime(r.promoted_at)}${r.promoted_by ? ` by ${r.promoted_by}` : ''}</span>
        <span class="muted">Manifest SHA-256</span><span class="mono" data-testid="manifest-sha">${r.manifest_sha256}</span>
        <span class="muted">Manifest</span><span><a href=${r.manifest_url} download>${r.name}-${r.version}.sha256</a>
          <span class="muted small">check the files with <code>sha256sum -c</code></span></span>
      </div>
      <div class="panel table-panel"><table data-testid="release-files"><thead><tr><th>File</th><th class="num">Size</th><th>SHA-256</th></tr></thead>
        <tbody>${r.files.map((f) => html`<tr><td><a href=${f.download_url} download>${f.path}</a></td>
          <td class="num" title="${f.size.toLocaleString()} bytes">${byteSize(f.size)}</td><td class="mono small">${f.sha256}</td></tr>`)}</tbody></table></div>
      <a href="/releases">All releases</a>`;
  }
}
customElements.define('kiln-release-page', ReleasePage);

function releasePath(r) {
  return `/releases/${encodeURIComponent(r.name)}/${encodeURIComponent(r.version)}`;
}
