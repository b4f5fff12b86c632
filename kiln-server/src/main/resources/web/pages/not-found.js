import { LitElement, html } from 'lit';

/** What an address no route knows shows. */
class NotFoundPage extends LitElement {
  static properties = { path: {} };
  createRenderRoot() { return this; }

  render() {
    return html`<div class="panel"><h1>Not found</h1><p>There is no page at ${this.path}. <a href="/">Recent activity</a></p></div>`;
  }
}
customElements.define('kiln-not-found', NotFoundPage);
