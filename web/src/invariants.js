// The tri-color invariants, checked on an object graph (nodes with their
// colours, edges, roots: runtime.js's graph() or a model's):
//
//   strong  no black object points to a white one;
//   weak    every white object a black one points to is reachable from a
//           grey object through white objects only.
//
// A correct barrier keeps one of them while the collector marks (Dijkstra
// the strong, Yuasa and hybrid the weak); with neither, a reachable object
// can be left white and freed. Outside marking there is nothing to check:
// every object is white (or, sweeping, black and about to be white).
// Also here: floating garbage, objects marked this cycle that nothing
// reaches any more. No DOM: Node's tests import it.
import { COLOR } from '#tricolor/layout';

const hex = (a) => `0x${a.toString(16).padStart(8, '0')}`;

// { marking, strong: { holds, edge }, weak: { holds, target, via }, text }
// for the graph g while the phase marks; names: address -> label.
export function invariants(g, phase, names = new Map()) {
  const name = (a) => names.get(a) || hex(a);
  if (!g || !g.nodes) return null;
  if (phase !== 'mark' && phase !== 'mark setup' && phase !== 'mark termination') {
    return { marking: false, text: 'No cycle is marking: the invariants are about marking, when the mutator and the collector take turns.' };
  }
  const colour = new Map(g.nodes.map((n) => [n.addr, n.colour]));
  const out = new Map();
  for (const e of g.edges) {
    if (!out.has(e.from)) out.set(e.from, []);
    out.get(e.from).push(e.to);
  }
  const blackToWhite = g.edges.filter((e) => colour.get(e.from) === COLOR.BLACK && colour.get(e.to) === COLOR.WHITE);
  // white objects reachable from a grey one through white ones, and from which grey object
  const via = new Map();
  for (const n of g.nodes) {
    if (n.colour !== COLOR.GREY) continue;
    const stack = [...(out.get(n.addr) || [])];
    while (stack.length) {
      const t = stack.pop();
      if (colour.get(t) !== COLOR.WHITE || via.has(t)) continue;
      via.set(t, n.addr);
      stack.push(...(out.get(t) || []));
    }
  }
  const lost = blackToWhite.find((e) => !via.has(e.to));
  const strong = { holds: blackToWhite.length === 0, edge: blackToWhite[0] || null };
  const weak = lost ? { holds: false, target: lost.to, edge: lost }
    : { holds: true, target: blackToWhite[0]?.to ?? null, via: blackToWhite[0] ? via.get(blackToWhite[0].to) : null };
  const strongText = strong.holds ? 'strong: holds, no black object points to a white one'
    : `strong: broken, ${name(strong.edge.from)} → ${name(strong.edge.to)}`;
  let weakText;
  if (!weak.holds) weakText = `weak: broken, no grey object reaches ${name(weak.target)} through white ones`;
  else if (weak.target != null) weakText = `weak: holds, ${name(weak.target)} reachable from grey ${name(weak.via)}`;
  else weakText = 'weak: holds';
  return { marking: true, strong, weak, text: `${strongText} / ${weakText}` };
}

// Objects marked (grey or black) that no root reaches: floating garbage,
// kept by this cycle and freed by the next. While marking, or while
// sweeping before the span is swept.
export function floatingGarbage(g) {
  if (!g || !g.nodes) return [];
  const reached = reachable(g);
  return g.nodes.filter((n) => (n.colour === COLOR.BLACK || n.colour === COLOR.GREY) && !reached.has(n.addr)).map((n) => n.addr);
}

export function reachable(g) {
  const out = new Map();
  for (const e of g.edges) {
    if (!out.has(e.from)) out.set(e.from, []);
    out.get(e.from).push(e.to);
  }
  const seen = new Set(), stack = g.roots.map((r) => r.target);
  while (stack.length) {
    const a = stack.pop();
    if (seen.has(a)) continue;
    seen.add(a);
    stack.push(...(out.get(a) || []));
  }
  return seen;
}
