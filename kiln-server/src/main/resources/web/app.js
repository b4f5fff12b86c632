import { LitElement, html } from 'lit';
import { api, navigate } from './api.js';
import './components/activity-indicator.js';
import './pages/home.js';
import './pages/job.js';
import './pages/queue.js';
import './pages/submit.js';
import './pages/login.js';

const theme = localStorage.getItem('kiln-theme') || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
document.documentElement.dataset.theme = theme;

/** The shell: top bar, navigation, the activity indicator, and the page for the current path. */
class KilnApp extends LitElement {
  static properties = { path: { state: true }, user: { state: true } };
  createRenderRoot() { return this; }

  connectedCallback() {
    super.connectedCallback();
    this.path = location.pathname;
    this.user = undefined;
    window.addEventListener('popstate', () => this.route());
    window.addEventListener('kiln-navigate', () => this.route());
    // Internal links navigate without reloading the page.
    document.addEventListener('click', (e) => {
      const a = e.composedPath().find((n) => n.tagName === 'A');
      if (!a || a.target || e.ctrlKey || e.metaKey || e.shiftKey || !a.getAttribute('href')?.startsWith('/')
          || a.hasAttribute('download') || a.getAttribute('href').startsWith('/api/')) return;
      e.preventDefault();
      navigate(a.getAttribute('href'));
    });
    this.whoAmI();
  }

  async whoAmI() {
    try {
      const me = await api('/api/v1/session');
      this.user = me.signed_in ? me : null;
    } catch (e) {
      this.user = null;
    }
    this.route();
  }

  route() {
    this.path = location.pathname;
    if (this.user === null && this.path !== '/login') {
      history.replaceState({}, '', '/login?next=' + encodeURIComponent(location.pathname + location.search));
      this.path = '/login';
    }
  }

  async signOut() {
    await api('/api/v1/session', { method: 'DELETE' });
    this.user = null;
    navigate('/login');
  }

  toggleTheme() {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem('kiln-theme', next);
    this.requestUpdate();
  }

  page() {
    const p = this.path;
    if (p === '/login') return html`<kiln-login></kiln-login>`;
    if (this.user === undefined) return html`<p class="muted">Loading…</p>`;
    const job = p.match(/^\/jobs\/([^/]+)$/);
    if (job) return html`<kiln-job-page .jobId=${decodeURIComponent(job[1])}></kiln-job-page>`;
    if (p === '/queue') return html`<kiln-queue-page></kiln-queue-page>`;
    if (p === '/submit') return html`<kiln-submit-page></kiln-submit-page>`;
    if (p === '/' || p === '/jobs') return html`<kiln-home-page></kiln-home-page>`;
    return html`<div class="panel"><h1>Not found</h1><p>There is no page at ${p}. <a href="/">Recent activity</a></p></div>`;
  }

  render() {
    const link = (href, label) => html`<a href=${href} class=${this.path === href ? 'active' : ''}>${label}</a>`;
    return html`
      <header class="top">
        <a class="brand" href="/"><svg width="18" height="18" viewBox="0 0 16 16" aria-hidden="true"><path fill="#e8590c" d="M8 1c3 3 5 5 5 8a5 5 0 0 1-10 0c0-2 1-3 2-4 0 2 1 3 2 3 0-3-1-5 1-7z"/></svg> Kiln</a>
        ${this.user ? html`<nav>${link('/', 'Activity')}${link('/queue', 'Queue & workers')}${link('/submit', 'Submit')}</nav>` : ''}
        <span class="spacer"></span>
        ${this.user ? html`<kiln-activity></kiln-activity>` : ''}
        <button @click=${this.toggleTheme} title="Light or dark" aria-label="Toggle theme">
          ${document.documentElement.dataset.theme === 'dark' ? 'Light' : 'Dark'}</button>
        ${this.user ? html`<span class="muted small">${this.user.name} (${this.user.role})</span>
          <button @click=${this.signOut} data-testid="sign-out">Sign out</button>` : ''}
      </header>
      <main>${this.page()}</main>`;
  }
}
customElements.define('kiln-app', KilnApp);
