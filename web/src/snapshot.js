// What the DOM views show, read from the source (the live runtime, its
// past, or a trace replay) at each refresh and put in the store as plain
// data. The views render from the store alone: a view is a function of the
// state. Only the canvases, which redraw every frame, read the source
// directly.
import { COLORS } from '#tricolor/layout';
import { hex } from './palette.js';
import { barrierEffect, namer, slotName } from './describe.js';
import { invariants, floatingGarbage } from './invariants.js';

const BARRIER_ROWS = 60, NOTES = 6, NAMED_OBJECTS = 16;
const INSPECT_EVERY = 8; // refreshes between two searches for the selected object's path from a root

// The store's keys a refresh writes, from the source and the state's
// selection; cache carries the inspector's last search between refreshes.
export function snapshot(source, state, cache) {
  const summary = source.summary();
  const g = source.graph();
  const name = namer(source);
  return {
    summary,
    barrierLog: barrierLog(source, name),
    verdict: verdict(source, summary, name),
    cycle: cycleFigures(source, state.selectedCycle),
    span: selectedSpan(source, state.selection),
    inspected: inspected(source, state.selection, cache),
    sizeClasses: sizeClasses(source, summary, cache),
    status: g.nodes ? invariants(g, summary.phase, source.labels ?? source.decor?.labels) : null,
    graphNames: namedObjects(g, name),
  };
}

// The barrier log's rows: the store (with field names), its mode, old and
// new values, and what the barrier shaded, or why nothing.
function barrierLog(source, name) {
  const h = source.history;
  const rows = h.barriers.slice(-BARRIER_ROWS).reverse().map((b) => ({
    index: b.index, mode: b.mode, slot: b.slot, store: slotName(source, b.slot, name), old: name(b.old), value: name(b.value),
    ...barrierEffect(b, name),
  }));
  return { mode: h.barrier, rows, storesOutside: h.storesOutside, notes: (source.log || []).slice(-NOTES).reverse() };
}

// The verdict on the bad case: the verifier's first finding (once per
// fault, with its reason), or, when the script has played out without
// one, how the barrier prevented it. Objects go by their labels.
function verdict(source, summary, name) {
  const h = source.history;
  if (h.violations.length) {
    const v = h.violations[0];
    const report = source.heap ? source.heap.verify(true) : null;
    return { kind: 'violation', count: h.violations.length, cycle: v.cycle, object: name(v.object),
      target: name(v.target), slot: slotName(source, v.slot, name), barrier: h.barrier,
      reason: report?.first[0]?.what || 'black object points to a white object', freed: h.freedWhileReachable.has(v.target) };
  }
  const c = source.scenario?.lesson?.c;
  if (c && summary.done) {
    const b = h.barriers.find((x) => (x.shaded & 1 && x.old === c) || (x.shaded & 2 && x.value === c));
    return { kind: 'safe', barrier: h.barrier, shadedAs: b ? (b.shaded & 2 ? 'new' : 'old') : null };
  }
  return null;
}

// Labelled objects (and the rest of a small graph) with their colours, as
// text: the graph's second cue, and what a screen reader reads of it.
function namedObjects(g, name) {
  if (!g.nodes) return null;
  const floating = new Set(floatingGarbage(g));
  const labelled = g.nodes.filter((n) => n.label).slice(0, NAMED_OBJECTS);
  const counts = {};
  for (const n of g.nodes) counts[COLORS[n.colour]] = (counts[COLORS[n.colour]] || 0) + 1;
  return { objects: labelled.map((n) => ({ address: n.addr, name: name(n.addr), colour: COLORS[n.colour], floating: floating.has(n.addr) })),
    counts, floating: floating.size };
}

// A cycle's figures, copied: the history goes on changing its cycles in place.
function cycleFigures(source, n) {
  const c = n != null && source.history.cycles.find((x) => x.n === n);
  if (!c) return null;
  return { ...c, phases: c.phases.map(([phase, t]) => [phase, t]), stops: [...c.stops], spans: c.spans.length,
    terminationGreys: (c.terminationGreys || []).length };
}

// The size-class table walks every span: for a big heap, once a second is enough.
function sizeClasses(source, summary, cache) {
  const now = Date.now();
  const key = `${source.kind}:${source.kind === 'live' ? '' : source.version}`;
  if (!cache.classes || cache.classesKey !== key || summary.objects < 50000 || now - cache.classesAt >= 1000) {
    cache.classes = source.sizeClassTable();
    cache.classesAt = now;
    cache.classesKey = key;
  }
  return cache.classes;
}

function selectedSpan(source, selection) {
  const addr = selection?.span ?? selection?.address;
  return (addr != null && source.spanBits(addr)) || null;
}

// The selected object: its inspection walks the heap from the roots, so
// it is redone when the selection or the source changes, and otherwise
// every INSPECT_EVERY refreshes.
function inspected(source, selection, cache) {
  const address = selection?.address;
  if (!address) return null;
  cache.refreshes = (cache.refreshes || 0) + 1;
  const key = `${address}:${source.kind}:${source.version}`;
  if (cache.key !== key || cache.refreshes >= INSPECT_EVERY) {
    cache.key = key;
    cache.refreshes = 0;
    const info = source.inspect(address);
    const name = namer(source);
    if (info?.path) {
      for (const p of info.path) p.name = name(p.object);
      if (info.path[0]?.root) info.path[0].rootName = source.rootName ? source.rootName(info.path[0].slot) : 'a root';
    }
    cache.value = { address, info, hex: hex(address) };
  }
  return cache.value;
}
