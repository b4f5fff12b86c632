import { LitElement, html } from 'lit';
import { api } from '../lib/api-client.js';

/** Sign in with a token. A one-time URL /login#token=… signs in by itself (the fragment never reaches a log). */
class LoginPage extends LitElement {
  static properties = { error: { state: true }, busy: { state: true } };
  createRenderRoot() { return this; }

  connectedCallback() {
    super.connectedCallback();
    const m = location.hash.match(/token=([^&]+)/);
    if (m) {
      history.replaceState({}, '', location.pathname + location.search);
      this.signIn(decodeURIComponent(m[1]));
    }
  }

  async signIn(token) {
    this.busy = true;
    this.error = null;
    try {
      await api('/api/v1/session', { method: 'POST', body: { token } });
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
    this.signIn(this.querySelector('#token').value.trim());
  }

  render() {
    return html`<div class="panel" style="max-width: 480px; margin: 40px auto;">
      <h1>Sign in to Kiln</h1>
      <p class="muted">Paste an API token. The first start of the server wrote an admin token to
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
