// A partition's neighbours in the graph, found in the browser from GET /api/v1/graph: which definition makes a ref,
// the refs it reads (upstream) and the refs that read it (downstream). The template syntax is graph.Template's:
// {name}, {name:regex} (outputs), {{ and }} for literal braces; a placeholder is one path segment.

/** A template as parts: strings and { name, regex|null }. Braces inside a regex nest ({week:\d{4}-W\d{2}}). */
export function parseTemplate(template) {
  const parts = [];
  let text = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if ((c === '{' || c === '}') && template[i + 1] === c) { text += c; i++; continue; }
    if (c !== '{') { text += c; continue; }
    let depth = 1;
    let j = i + 1;
    while (j < template.length && depth) { if (template[j] === '{') depth++; else if (template[j] === '}') depth--; j++; }
    const inner = template.slice(i + 1, j - 1);
    const colon = inner.indexOf(':');
    if (text) parts.push(text);
    text = '';
    parts.push(colon < 0 ? { name: inner, regex: null } : { name: inner.slice(0, colon), regex: inner.slice(colon + 1) });
    i = j - 1;
  }
  if (text) parts.push(text);
  return parts;
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The placeholder values of `ref` under `template`, or null when it does not fit. `regexes` narrows placeholders
 * the template leaves open (an input template borrows its reader's output regexes). A name repeated must repeat its value.
 */
export function matchRef(template, ref, regexes = {}) {
  const names = [];
  const source = parseTemplate(template).map((p) => {
    if (typeof p === 'string') return escape(p);
    names.push(p.name); // a named group each: a regex's own groups do not shift the numbering
    return `(?<g${names.length - 1}>${p.regex || regexes[p.name] || '[^/]+'})`;
  }).join('');
  let m;
  try { m = new RegExp(`^${source}$`).exec(ref); } catch { return null; }
  if (!m) return null;
  const values = {};
  for (let i = 0; i < names.length; i++) {
    const v = m.groups[`g${i}`];
    if (names[i] in values && values[names[i]] !== v) return null;
    values[names[i]] = v;
  }
  return values;
}

/** The template with its placeholders filled; null when a value is missing. */
export function renderRef(template, values) {
  let out = '';
  for (const p of parseTemplate(template)) {
    if (typeof p === 'string') out += p;
    else if (values[p.name] == null) return null;
    else out += values[p.name];
  }
  return out;
}

/** The regex each placeholder of a definition's outputs carries. */
function outputRegexes(def) {
  const r = {};
  for (const o of def.outputs) for (const p of parseTemplate(o)) if (typeof p !== 'string' && p.regex) r[p.name] = p.regex;
  return r;
}

/**
 * Where `ref` sits in the graph: { definition (or null), upstream: [{ ref, definition }], downstream: [{ ref, definition }] }.
 * Upstream renders the making definition's inputs with the ref's values; downstream matches the ref against every
 * input template of every definition and renders that definition's outputs when the match names all their placeholders.
 */
export function neighbours(graph, ref) {
  const defs = graph?.definitions || [];
  let maker = null;
  let values = null;
  for (const d of defs) {
    for (const o of d.outputs) {
      values = matchRef(o, ref);
      if (values) { maker = d; break; }
    }
    if (maker) break;
  }
  const producer = (r) => defs.find((d) => d.outputs.some((o) => matchRef(o, r)))?.name || null;
  const upstream = maker ? maker.inputs.map((t) => renderRef(t, values)).filter(Boolean).map((r) => ({ ref: r, definition: producer(r) })) : [];
  const downstream = [];
  for (const d of defs) {
    const regexes = outputRegexes(d);
    for (const input of d.inputs) {
      const v = matchRef(input, ref, regexes);
      if (!v) continue;
      for (const o of d.outputs) {
        const r = renderRef(o, v);
        if (r && !downstream.some((x) => x.ref === r)) downstream.push({ ref: r, definition: d.name });
      }
    }
  }
  return { definition: maker?.name || null, upstream, downstream };
}
