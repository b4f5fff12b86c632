// Where each job definition sits in the graph diagram: a layered (Sugiyama-style) layout, left to right, computed in
// the browser from the graph's edges. Small graphs (tens of definitions) are the case; every step is linear or close.

/**
 * names: every node, in the graph file's order; edges: [{ from, to }] (duplicates and self-loops allowed).
 * Returns { layers: [[name, …], …] (left to right, each top to bottom), layerOf: Map name → layer index,
 * back: Set of "from→to" edges that close a cycle (drawn differently; they do not push layers) }.
 */
export function layeredLayout(names, edges) {
  const succ = new Map(names.map((n) => [n, []]));
  const seen = new Set();
  for (const { from, to } of edges) {
    const key = `${from}→${to}`;
    if (from === to || seen.has(key) || !succ.has(from) || !succ.has(to)) continue;
    seen.add(key);
    succ.get(from).push(to);
  }
  const back = backEdges(names, succ);
  // longest path from a source over the edges that remain: a definition sits right of everything it reads
  const pred = new Map(names.map((n) => [n, []]));
  const indegree = new Map(names.map((n) => [n, 0]));
  for (const [from, tos] of succ) {
    for (const to of tos) {
      if (back.has(`${from}→${to}`)) continue;
      pred.get(to).push(from);
      indegree.set(to, indegree.get(to) + 1);
    }
  }
  const layerOf = new Map();
  const ready = names.filter((n) => indegree.get(n) === 0);
  for (let i = 0; i < ready.length; i++) {
    const n = ready[i];
    layerOf.set(n, Math.max(0, ...pred.get(n).map((p) => layerOf.get(p) + 1)));
    for (const to of succ.get(n)) {
      if (back.has(`${n}→${to}`)) continue;
      indegree.set(to, indegree.get(to) - 1);
      if (indegree.get(to) === 0) ready.push(to);
    }
  }
  const layers = [];
  for (const n of names) (layers[layerOf.get(n)] ??= []).push(n);
  orderLayers(layers, pred, succ, back);
  return { layers, layerOf, back };
}

/** The edges a depth-first walk finds pointing back to a node still on its path: without them the graph is acyclic. */
function backEdges(names, succ) {
  const state = new Map(); // 1 on the path, 2 done
  const back = new Set();
  for (const root of names) {
    if (state.has(root)) continue;
    const stack = [[root, 0]];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [n, i] = top;
      const tos = succ.get(n);
      if (i === tos.length) { state.set(n, 2); stack.pop(); continue; }
      top[1]++;
      const to = tos[i];
      if (state.get(to) === 1) back.add(`${n}→${to}`);
      else if (!state.has(to)) { state.set(to, 1); stack.push([to, 0]); }
    }
  }
  return back;
}

/** A few sweeps of the barycenter heuristic: each node moves toward the mean position of its neighbours in the layer before. */
function orderLayers(layers, pred, succ, back) {
  const position = new Map();
  const remember = () => layers.forEach((layer) => layer.forEach((n, i) => position.set(n, i)));
  remember();
  const sortBy = (layer, neighbours) => {
    const weight = new Map(layer.map((n) => {
      const ns = neighbours(n).filter((m) => position.has(m));
      return [n, ns.length ? ns.reduce((s, m) => s + position.get(m), 0) / ns.length : position.get(n)];
    }));
    layer.sort((a, b) => weight.get(a) - weight.get(b));
  };
  const forward = (n) => pred.get(n);
  const backward = (n) => succ.get(n).filter((to) => !back.has(`${n}→${to}`));
  for (let sweep = 0; sweep < 4; sweep++) {
    for (let l = 1; l < layers.length; l++) { sortBy(layers[l], forward); remember(); }
    for (let l = layers.length - 2; l >= 0; l--) { sortBy(layers[l], backward); remember(); }
  }
}
