// What the DOM views show, read from the source (the live runtime or a
// trace replay) at each refresh and put in the store as plain data. The
// views render from the store alone: a view is a function of the state.
// Only the canvases, which redraw every frame, read the source directly.
import { hex } from './palette.js';

const BARRIER_ROWS = 60, NOTES = 6;
const INSPECT_EVERY = 8; // refreshes between two searches for the selected object's path from a root

// The store's keys a refresh writes, from the source and the state's
// selection; cache carries the inspector's last search between refreshes.
export function snapshot(source, state, cache) {
  const summary = source.summary();
  return {
    summary,
    barrierLog: barrierLog(source),
    lesson: lesson(source, summary),
    cycle: cycleFigures(source, state.selectedCycle),
    span: selectedSpan(source, state.selection),
    inspected: inspected(source, state.selection, cache),
    sizeClasses: source.sizeClassTable(),
  };
}

function barrierLog(source) {
  const h = source.history;
  return { mode: h.barrier, rows: h.barriers.slice(-BARRIER_ROWS).reverse(),
    notes: (source.log || []).slice(-NOTES).reverse() };
}

// The lesson of the barriers: the verifier's first black-to-white edge,
// or, when the bad case has played out without one, how the barrier
// prevented it. Objects go by their scenario labels where they have them.
function lesson(source, summary) {
  if (!summary) return null;
  const h = source.history;
  const labels = source.scenario?.labels || new Map();
  const name = (a) => labels.get(a) || hex(a);
  if (h.violations.length) {
    const v = h.violations[0];
    return { kind: 'violation', count: h.violations.length, cycle: v.cycle, object: name(v.object),
      target: name(v.target), slot: v.slot, barrier: h.barrier, freed: h.freedWhileReachable.has(v.target) };
  }
  if (source.scenario?.lesson && summary.done) {
    const { c } = source.scenario.lesson;
    const b = h.barriers.find((x) => (x.shaded & 1 && x.old === c) || (x.shaded & 2 && x.value === c));
    return { kind: 'safe', barrier: h.barrier, shadedAs: b ? (b.shaded & 2 ? 'new' : 'old') : null };
  }
  return null;
}

// A cycle's figures, copied: the history goes on changing its cycles in place.
function cycleFigures(source, n) {
  const c = n != null && source.history.cycles.find((x) => x.n === n);
  if (!c) return null;
  return { ...c, phases: c.phases.map(([phase, t]) => [phase, t]), stops: [...c.stops], spans: c.spans.length };
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
    cache.value = { address, info: source.inspect(address) };
  }
  return cache.value;
}
