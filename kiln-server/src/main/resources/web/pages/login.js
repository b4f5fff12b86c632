import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';

/**
 * Sign in with a token, or by the one-time URL the server prints (/login#code=…, also from `kiln login-url`), which
 * signs in by itself. The fragment never reaches the server's logs, and is wiped from the address bar and history.
 * /login#token=… still works, for scripts that open the dashboard with a token.
 */
class LoginPage extends LitElement {
  static properties = { error: { state: true }, busy: { state: true } };
  createRenderRoot() { return this; }

  connectedCallback() {
    super.connectedCallback();
    const fragment = new URLSearchParams(location.hash.slice(1));
    const code = fragment.get('code');
    const token = fragment.get('token');
    if (code || token) {
      history.replaceState({}, '', location.pathname + location.search);
      this.signIn(code ? { code } : { token });
    }
  }

  async signIn(credentials) {
    this.busy = true;
    this.error = null;
    try {
      await api('/api/v1/session', { method: 'POST', body: credentials });
      const next = new URLSearchParams(location.search).get('next');
      // a fresh load, so every part of the page starts signed in
      location.assign(next && next.startsWith('/') && !next.startsWith('//') ? next : '/');
    } catch (e) {
      this.error = e.message;
    } finally {
      this.busy = false;
    }
  }

  submit(e) {
    e.preventDefault();
    this.signIn({ token: this.querySelector('#token').value.trim() });
  }

  render() {
    return html`<div class="panel" style="max-width: 480px; margin: 40px auto;">
      <h1>Sign in to Kiln</h1>
      <p class="muted">Open the sign-in link the server printed at its first start, or get a fresh one with
        <span class="mono">kiln login-url</span>. Or paste an API token: the first start wrote an admin token to
        <span class="mono">&lt;data dir&gt;/admin-token</span>; more are made with <span class="mono">kiln token create</span>.</p>
      <form @submit=${this.submit}>
        <div class="form-row"><label for="token">Token</label>
          <input id="token" name="token" type="password" autocomplete="off" required placeholder="kiln_…"></div>
        ${this.error ? html`<p class="error-box" data-testid="login-error">${this.error}</p>` : ''}
        <button class="primary" type="submit" ?disabled=${this.busy}>Sign in</button>
      </form></div>`;
  }
}
customElements.define('kiln-login', LoginPage);
