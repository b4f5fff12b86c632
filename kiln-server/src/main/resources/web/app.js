import { LitElement, html } from 'lit';
import { api } from './lib/api-client.js';
import { startLive, stopLive } from './lib/live.js';
import { handleLinkClicks, navigate, onNavigation } from './lib/router.js';
import { ROUTES, matchRoute } from './routes.js';
import './components/activity-indicator.js';

const theme = localStorage.getItem('kiln-theme') || (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
document.documentElement.dataset.theme = theme;

/**
 * The shell: top bar (navigation, the activity indicator, theme, who is signed in) and the page the route table
 * (routes.js) names for the address. Signed out, every page but the public ones gives way to sign-in.
 */
class KilnApp extends LitElement {
  static properties = { route: { state: true }, user: { state: true } };
  createRenderRoot() { return this; }

  connectedCallback() {
    super.connectedCallback();
    this.user = undefined; // not known yet
    this.route = matchRoute(location.pathname);
    onNavigation(() => this.follow());
    handleLinkClicks();
    this.whoAmI();
  }

  async whoAmI() {
    try {
      const me = await api('/api/v1/session');
      this.user = me.signed_in ? me : null;
    } catch {
      this.user = null;
    }
    this.follow();
  }

  /** Shows the page for the address; signed out, that is the sign-in page, which sends the user back after. */
  follow() {
    let route = matchRoute(location.pathname);
    if (this.user === null && !route.public) {
      navigate('/login?next=' + encodeURIComponent(location.pathname + location.search), { replace: true });
      return; // navigate() comes back here with the sign-in route
    }
    // The live connection is for signed-in pages; the sign-in page would only be refused it.
    if (this.user && !route.public) startLive();
    else stopLive();
    this.route = route;
  }

  async signOut() {
    stopLive();
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

  /** The route's element, kept while the route names the same element (a new job id updates the job page). */
  page() {
    const { page, params } = this.route;
    if (this.pageElement?.localName !== page) this.pageElement = document.createElement(page);
    Object.assign(this.pageElement, params);
    return this.pageElement;
  }

  render() {
    const signedIn = !!this.user;
    const link = (r) => html`<a href=${r.path} class=${this.route.path === r.path ? 'active' : ''}>${r.nav}</a>`;
    return html`
      <header class="top">
        <a class="brand" href="/"><svg width="18" height="18" viewBox="0 0 16 16" aria-hidden="true"><path fill="#e8590c" d="M8 1c3 3 5 5 5 8a5 5 0 0 1-10 0c0-2 1-3 2-4 0 2 1 3 2 3 0-3-1-5 1-7z"/></svg> Kiln</a>
        ${signedIn ? html`<nav>${ROUTES.filter((r) => r.nav).map(link)}</nav>` : ''}
        <span class="spacer"></span>
        ${signedIn ? html`<kiln-activity></kiln-activity>` : ''}
        <button @click=${this.toggleTheme} title="Light or dark" aria-label="Toggle theme">
          ${document.documentElement.dataset.theme === 'dark' ? 'Light' : 'Dark'}</button>
        ${signedIn ? html`<span class="muted small">${this.user.name} (${this.user.role})</span>
          <button @click=${this.signOut} data-testid="sign-out">Sign out</button>` : ''}
      </header>
      <main>${this.route.public || this.user !== undefined ? this.page() : html`<p class="muted">Loading…</p>`}</main>`;
  }
}
customElements.define('kiln-app', KilnApp);
