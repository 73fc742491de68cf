// What the page remembers of an event stream (web/src/history.js): cycles
// with their phases and pacer figures, the stores the barrier saw while
// marking (and only counted outside it), and copies that change apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT, EVENT_KIND as EV, PHASE, BARRIERS } from '#tricolor/layout';
import { History } from '../../web/src/history.js';

// Feeds events { kind, arg, t, a, b, c, d } to a history.
function feed(h, events, from = 0) {
  const r = new Uint32Array(EVENT.words);
  events.forEach((e, k) => {
    r.fill(0);
    r[EVENT.kind] = e.kind;
    r[EVENT.arg] = e.arg ?? 0;
    r[EVENT.timeNs] = e.t;
    r[EVENT.a] = e.a ?? 0;
    r[EVENT.b] = e.b ?? 0;
    r[EVENT.c] = e.c ?? 0;
    r[EVENT.d] = e.d ?? 0;
    h.event(r, 0, from + k);
  });
}
const phase = (p, t, cycle) => ({ kind: EV.PHASE, arg: p, t, a: cycle });

// The page's bug before: in paced mode the pacer starts a cycle while the
// last one still sweeps (mark setup finishes the sweep), so no 'off' phase
// comes between them; the last cycle stayed "running" forever, drawn over
// the later ones on the timeline and missing from the chart of finished cycles.
test('a cycle that starts while the last one sweeps ends the last one', () => {
  const h = new History('hybrid');
  feed(h, [phase(PHASE.MARK_SETUP, 100, 1), phase(PHASE.MARK, 110, 1), phase(PHASE.MARK_TERMINATION, 200, 1),
    phase(PHASE.SWEEP, 210, 1), phase(PHASE.MARK_SETUP, 300, 2), phase(PHASE.MARK, 310, 2)]);
  assert.equal(h.cycles.length, 2);
  assert.equal(h.cycles[0].end, 300, 'ended where the next began');
  assert.deepEqual(h.cycles[0].phases.map(([p]) => p), [PHASE.MARK_SETUP, PHASE.MARK, PHASE.MARK_TERMINATION, PHASE.SWEEP]);
  assert.equal(h.cycles[1].end, null, 'the new one runs');
  const finished = h.cycles.filter((c) => c.end !== null); // what the chart of cycles draws
  assert.deepEqual(finished.map((c) => c.n), [1]);
});

test('stores while marking are logged with what they shaded; stores outside marking only counted', () => {
  const h = new History('yuasa');
  const store = (t, old, value, d = 0) => ({ kind: EV.BARRIER, arg: BARRIERS.indexOf('yuasa'), t, a: 0x1000, b: old, c: value, d });
  feed(h, [store(1, 0, 0x2000), phase(PHASE.MARK_SETUP, 2, 1), phase(PHASE.MARK, 3, 1), store(4, 0x2000, 0, 1),
    phase(PHASE.MARK_TERMINATION, 5, 1), phase(PHASE.SWEEP, 6, 1), store(7, 0, 0x3000)]);
  assert.equal(h.storesOutside, 2);
  assert.equal(h.barriers.length, 1);
  assert.deepEqual({ ...h.barriers[0], t: undefined }, { index: 3, t: undefined, mode: 'yuasa', slot: 0x1000, old: 0x2000, value: 0,
    shaded: 1, rootsScanned: true, cycle: 1 });
});

test('hybrid: roots are scanned at the first mark step, and the barrier records say whether they were', () => {
  const h = new History('hybrid');
  const store = (t) => ({ kind: EV.BARRIER, arg: BARRIERS.indexOf('hybrid'), t, a: 8, b: 0, c: 16, d: 2 });
  feed(h, [phase(PHASE.MARK_SETUP, 1, 1), phase(PHASE.MARK, 2, 1), store(3), { kind: EV.STEP, arg: 0, t: 4, a: 1, b: 16 }, store(5)]);
  assert.deepEqual(h.barriers.map((b) => b.rootsScanned), [false, true]);
});

test('the termination stop\'s shading is kept per cycle (the roots\' rescan)', () => {
  const h = new History('dijkstra');
  feed(h, [phase(PHASE.MARK_SETUP, 1, 1), phase(PHASE.MARK, 2, 1), { kind: EV.GREY, t: 3, a: 0x40 },
    phase(PHASE.MARK_TERMINATION, 4, 1), { kind: EV.GREY, t: 5, a: 0x80 }, phase(PHASE.SWEEP, 6, 1)]);
  assert.deepEqual(h.cycles[0].terminationGreys, [0x80]);
});

test('a copy changes apart from the original', () => {
  const h = new History('hybrid');
  feed(h, [phase(PHASE.MARK_SETUP, 1, 1), phase(PHASE.MARK, 2, 1)]);
  const copy = h.clone();
  feed(h, [phase(PHASE.MARK_TERMINATION, 3, 1), phase(PHASE.SWEEP, 4, 1), phase(PHASE.OFF, 5, 1)], 2);
  assert.equal(copy.cycles[0].end, null);
  assert.equal(copy.cycles[0].phases.length, 2);
  assert.equal(copy.phase, PHASE.MARK);
  assert.equal(h.cycles[0].end, 5);
  assert.notEqual(copy.counts, h.counts);
});
