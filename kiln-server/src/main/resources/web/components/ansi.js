import { html } from 'lit';

const COLORS = ['#484f58', '#ff7b72', '#3fb950', '#d29922', '#58a6ff', '#bc8cff', '#39c5cf', '#b1bac4'];
const BRIGHT = ['#6e7681', '#ffa198', '#56d364', '#e3b341', '#79c0ff', '#d2a8ff', '#56d4dd', '#ffffff'];

/** Renders SGR colour codes (30–37, 90–97, 40–47, 1 bold, 0 reset); other escape sequences are dropped. */
export function ansi(text) {
  if (!text.includes('\x1b[')) return text;
  const parts = [];
  let style = {};
  const re = /\x1b\[([0-9;]*)([A-Za-z])/g;
  let last = 0, m;
  while ((m = re.exec(text))) {
    if (m.index > last) parts.push([text.slice(last, m.index), { ...style }]);
    last = re.lastIndex;
    if (m[2] !== 'm') continue;
    for (const c of (m[1] || '0').split(';').map(Number)) {
      if (c === 0) style = {};
      else if (c === 1) style.bold = true;
      else if (c === 22) style.bold = false;
      else if (c >= 30 && c <= 37) style.color = COLORS[c - 30];
      else if (c >= 90 && c <= 97) style.color = BRIGHT[c - 90];
      else if (c === 39) delete style.color;
      else if (c >= 40 && c <= 47) style.bg = COLORS[c - 40];
      else if (c === 49) delete style.bg;
    }
  }
  if (last < text.length) parts.push([text.slice(last), { ...style }]);
  return parts.map(([t, s]) => s.color || s.bg || s.bold
    ? html`<span style="${s.color ? `color:${s.color};` : ''}${s.bg ? `background:${s.bg};` : ''}${s.bold ? 'font-weight:700;' : ''}">${t}</span>`
    : t);
}
