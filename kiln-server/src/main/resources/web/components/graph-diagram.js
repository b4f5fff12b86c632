import { LitElement, html, svg } from 'lit';
import { layeredLayout } from '../lib/graph-layout.js';

const W = 240;   // node width
const H = 54;    // node height
const GAP_X = 70;
const GAP_Y = 22;
const PAD = 16;

const clip = (s, n) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

/**
 * The build graph drawn as SVG, left to right: a box per job definition (its name and first output pattern) and an
 * arrow from each definition to those that read its outputs ("×7" when it is read through several inputs). A box
 * links to the definition's card (#def-<name>). Colours are the theme's variables, so it follows light and dark.
 *
 *   <kiln-graph-diagram .definitions=${[{ name, outputs }]} .edges=${[{ from, to }]}></kiln-graph-diagram>
 */
class GraphDiagram extends LitElement {
  static properties = { definitions: { type: Array }, edges: { type: Array } };
  createRenderRoot() { return this; }

  render() {
    const defs = this.definitions || [];
    if (!defs.length) return html``;
    const edges = this.edges || [];
    const { layers, back } = layeredLayout(defs.map((d) => d.name), edges);
    const tallest = Math.max(...layers.map((l) => l.length));
    const height = PAD * 2 + tallest * H + (tallest - 1) * GAP_Y;
    const width = PAD * 2 + layers.length * W + (layers.length - 1) * GAP_X;
    const at = new Map();
    layers.forEach((layer, l) => {
      const top = (height - (layer.length * H + (layer.length - 1) * GAP_Y)) / 2;
      layer.forEach((n, i) => at.set(n, { x: PAD + l * (W + GAP_X), y: top + i * (H + GAP_Y) }));
    });
    const byName = new Map(defs.map((d) => [d.name, d]));
    const counted = new Map();
    for (const e of edges) if (at.has(e.from) && at.has(e.to)) counted.set(`${e.from}→${e.to}`, { ...e, n: (counted.get(`${e.from}→${e.to}`)?.n || 0) + 1 });
    return html`<svg class="graph-diagram" data-testid="graph-diagram" role="img" aria-label="Build graph: ${defs.length} job definitions"
        width=${width} height=${height} viewBox="0 0 ${width} ${height}">
      <defs><marker id="graph-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
        <path d="M0,0 L10,5 L0,10 z" class="arrow"></path></marker></defs>
      ${[...counted.values()].map((e) => this.edge(e, at, back.has(`${e.from}→${e.to}`)))}
      ${[...at].map(([name, p]) => this.node(byName.get(name), p))}
    </svg>`;
  }

  edge({ from, to, n }, at, isBack) {
    const a = at.get(from);
    const b = at.get(to);
    let d;
    if (from === to) { // reads its own outputs (say, the previous day's): a loop over the box
      d = `M${a.x + W * 0.65},${a.y} C${a.x + W * 0.65},${a.y - 34} ${a.x + W * 0.35},${a.y - 34} ${a.x + W * 0.35},${a.y}`;
    } else {
      const [x1, y1, x2, y2] = [a.x + W, a.y + H / 2, b.x, b.y + H / 2];
      const dx = Math.max(40, Math.abs(x2 - x1) / 2);
      d = `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
    }
    const label = n > 1 ? svg`<text class="edge-label" x=${(a.x + W + b.x) / 2} y=${(a.y + b.y + H) / 2 - 4} text-anchor="middle">×${n}</text>` : '';
    return svg`<g class="edge ${isBack || from === to ? 'back' : ''}" data-edge="${from}→${to}">
      <path d=${d} marker-end="url(#graph-arrow)"><title>${from} → ${to}${n > 1 ? ` (${n} inputs)` : ''}</title></path>${label}</g>`;
  }

  node(d, { x, y }) {
    const output = d.outputs?.[0] || '';
    return svg`<a href="#def-${d.name}" class="node" data-node=${d.name} @click=${(e) => this.reveal(e, d.name)}>
      <title>${d.name}\n${(d.outputs || []).join('\n')}</title>
      <rect x=${x} y=${y} width=${W} height=${H} rx="6"></rect>
      <text class="name" x=${x + 10} y=${y + 21}>${clip(d.name, 30)}</text>
      <text class="pattern" x=${x + 10} y=${y + 40}>${clip(output, 36)}${d.outputs?.length > 1 ? ` +${d.outputs.length - 1}` : ''}</text>
    </a>`;
  }

  /** The definition's card, scrolled to and marked, without leaving the page (the router ignores fragments). */
  reveal(e, name) {
    e.preventDefault();
    const card = document.getElementById(`def-${name}`);
    card?.scrollIntoView({ behavior: 'smooth', block: 'start' });
    card?.classList.add('flash');
    setTimeout(() => card?.classList.remove('flash'), 1200);
  }
}
customElements.define('kiln-graph-diagram', GraphDiagram);
