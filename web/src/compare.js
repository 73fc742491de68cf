// Barriers side by side: the same scenario, the same seed, on four heaps
// (no barrier, Dijkstra, Yuasa, hybrid), stepped in lockstep, beat by
// beat. Each heap is a live runtime of its own (runtime.js) in the one
// module; what the view shows of each is read from it after every beat:
// what each store shaded, the colours, the invariants, the floating
// garbage, the verifier's findings, the stops and what the termination
// stop's rescan of the roots found.
import { BEATS, BAD_CASE_FULL } from './scenarios.js';
import { barrierEffect, namer, slotName } from './describe.js';
import { invariants, floatingGarbage } from './invariants.js';
import { duration } from './palette.js';

const COMPARED = ['none', 'dijkstra', 'yuasa', 'hybrid'];
export const BARRIER_WORDS = {
  none: 'no barrier: stores go straight to memory',
  dijkstra: 'Dijkstra: shade the new value; rescan the roots at termination',
  yuasa: 'Yuasa: shade the old value; roots scanned once, at setup',
  hybrid: 'hybrid (Go): shade the old value, and the new one until the roots are scanned',
};
const GRAPH_PAIRS = 14; // the random graph's beats: a mutator operation and a collector object each

// The scripts: the bad case's beats, or for the random graph a start,
// then pairs of one mutator operation and one object marked, then the
// rest of marking and the sweep.
export function compareBeats(scenario) {
  if (scenario === 'badcase') return BAD_CASE_FULL.map((b) => ({ id: b, ...BEATS[b] }));
  const beats = [{ id: 'setup', who: 'collector', what: 'mark setup' }];
  for (let i = 0; i < GRAPH_PAIRS; i++) beats.push({ id: 'pair', who: 'both', what: 'one mutator operation, then one object marked' });
  beats.push({ id: 'mark', who: 'collector', what: 'marking to its end, and mark termination' });
  beats.push({ id: 'sweep', who: 'collector', what: 'the sweep' });
  return beats;
}

export class Compare {
  constructor(makeRuntime) {
    this.runtimes = COMPARED.map(() => makeRuntime());
    this.scenario = null;
  }

  // Starts over: scenario 'badcase' or 'graph' (12 objects, this seed).
  reset(scenario, seed) {
    this.scenario = scenario;
    this.seed = seed;
    this.beats = compareBeats(scenario);
    this.at = 0;
    this.effects = COMPARED.map(() => []);
    this.floating = COMPARED.map(() => null);
    COMPARED.forEach((barrier, i) => {
      const settings = { scenario, barrier, collector: 'stepped', gogc: 'off', seed, objects: 12, speed: 1 };
      this.runtimes[i].reset(settings, { beats: BAD_CASE_FULL });
    });
  }

  // The next beat on every heap; returns false when the script is over.
  next() {
    if (this.at >= this.beats.length) return false;
    const beat = this.beats[this.at];
    this.runtimes.forEach((rt, i) => {
      const from = rt.recorder.end;
      this.play(rt, beat);
      this.effects[i] = this.effectsSince(rt, from);
      // floating garbage as marking left it: marked, and reached by nothing
      if (rt.heap.phase === 'sweep' && !this.floating[i]) this.floating[i] = floatingGarbage(rt.graph()).map(namer(rt));
    });
    this.at++;
    return true;
  }

  play(rt, beat) {
    if (this.scenario === 'badcase') { rt.guard(() => rt.scenario.tick()); return; }
    const heap = rt.heap;
    rt.guard(() => {
      if (beat.id === 'setup') heap.startCycle();
      else if (beat.id === 'pair') {
        rt.scenario.tick();
        if (heap.phase === 'mark') heap.step(1);
      } else if (beat.id === 'mark') {
        for (let i = 0; i < 10000 && heap.phase === 'mark'; i++) heap.step(1);
      } else {
        for (let i = 0; i < 1000 && heap.phase !== 'off'; i++) heap.step(1 << 20);
      }
    });
  }

  // Goes to beat k: from the start, every beat again (the heaps are deterministic).
  goTo(k) {
    k = Math.max(0, Math.min(k, compareBeats(this.scenario).length));
    if (k < this.at) this.reset(this.scenario, this.seed);
    while (this.at < k) this.next();
  }

  // What the beat did on one heap: each store, and what its barrier shaded
  // (a store into a root slot: nothing, roots have no barrier).
  effectsSince(rt, from) {
    const name = namer(rt);
    const stores = rt.history.barriers.filter((b) => b.index >= from).map((b) => ({ index: b.index,
      store: `${slotName(rt, b.slot, name)} = ${name(b.value)}`, ...barrierEffect(b, name) }));
    for (const r of rt.recorder.rootStores) {
      if (r.index >= from) stores.push({ index: r.index, store: `${rt.rootName(r.slot)} = ${name(r.value)}`, shaded: false, text: 'nothing: roots have no barrier' });
    }
    return stores.sort((x, y) => x.index - y.index);
  }

  // Everything the view shows, as plain data.
  columns() {
    return this.runtimes.map((rt, i) => {
      const name = namer(rt), g = rt.graph(), h = rt.history, phase = rt.heap.phase;
      const cycle = h.cycles[h.cycles.length - 1];
      const shaded = new Set();
      for (const b of h.barriers) {
        if (cycle && b.cycle !== cycle.n) continue;
        if (b.shaded & 1) shaded.add(name(b.old));
        if (b.shaded & 2) shaded.add(name(b.value));
      }
      const inv = invariants(g, phase, rt.labels);
      const stops = cycle ? cycle.stops.map((ns, k) => `${k === 0 ? 'setup' : 'termination'} ${duration(ns)}`) : [];
      const report = rt.heap.verify(true);
      return {
        barrier: COMPARED[i], phase, effects: this.effects[i], shaded: [...shaded],
        floating: this.floating[i] ?? floatingGarbage(g).map(name),
        violations: h.violations.length ? report.first.map((v) => `${name(v.object)} → ${name(v.target)}: ${v.what}`) : [],
        freedWhileReachable: [...h.freedWhileReachable].map(name),
        rescanned: (cycle?.terminationGreys || []).map(name),
        stops, invariants: inv?.text ?? '', objects: rt.heap.stats().objects,
      };
    });
  }
}
