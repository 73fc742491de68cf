// The visualiser's runtime side in Node, on the real Emscripten module
// (build/emscripten/tricolor.mjs): every lesson played to its end, one
// sentence a step, with the runtime's own figures; the four barriers side
// by side; stepping back through the live heap to exactly what it held;
// allocation by hand; and what GOGC costs, measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTricolor } from '../../build/emscripten/tricolor.mjs';
import { COLORS } from '#tricolor/layout';
import { LiveRuntime } from '../../web/src/runtime.js';
import { LESSONS, lessonById } from '../../web/src/lessons.js';
import { Compare } from '../../web/src/compare.js';
import { measureGogc } from '../../web/src/gogc.js';
import { BAD_CASE_FULL } from '../../web/src/scenarios.js';

const tri = await loadTricolor({ print: () => {}, printErr: () => {} });
const rt = new LiveRuntime(tri);

// Plays lesson `l` to step `upTo`; returns the sentences.
function play(l, upTo = l.steps.length - 1) {
  rt.reset({ ...l.setup }, { beats: l.beats });
  const ctx = {}, said = [];
  for (let i = 0; i <= upTo; i++) {
    l.steps[i].run?.(rt, ctx);
    said.push(l.steps[i].say(rt, ctx));
  }
  return said;
}
const colourOf = (x) => rt.colourOf(rt.scenario.lesson[x]);

for (const l of LESSONS) {
  test(`lesson ${l.id}: every step runs on the runtime and says one sentence`, () => {
    const said = play(l);
    assert.equal(rt.error, null);
    said.forEach((s, i) => {
      assert.ok(s.length > 20, `step ${i}: ${s}`);
      assert.match(s, /[.]$/, `step ${i} ends a sentence: ${s}`);
      assert.doesNotMatch(s, /[.!?] [A-Z]/, `step ${i} is one sentence: ${s}`);
      assert.doesNotMatch(s, /undefined|NaN|null bytes|\[object/, `step ${i}: ${s}`);
    });
  });
}

test('a lesson replayed to a step is the same heap as walked to it (Back rebuilds it)', () => {
  const l = lessonById('yuasa');
  play(l, 4);
  const walked = ['a', 'b', 'c', 'd', 'e'].map(colourOf);
  const sentence = play(l, 4)[4];
  assert.deepEqual(['a', 'b', 'c', 'd', 'e'].map(colourOf), walked);
  assert.match(sentence, /shaded the old value, C, which is grey now/);
});

test('the bad case, beat by beat: A black, B grey, C white on screen between the stores; one violation; C freed by its own step', () => {
  const l = lessonById('bad-case');
  const said = play(l, 2);
  assert.deepEqual(['a', 'b', 'c'].map(colourOf), ['black', 'grey', 'white']);
  assert.equal(said[2], 'The collector scanned A: A black, B grey, C white.');
  play(l, 4); // both stores made, marking not yet over
  assert.equal(rt.heap.phase, 'mark');
  assert.equal(rt.heap.read(rt.scenario.lesson.a, 1), rt.scenario.lesson.c, 'A.right = C');
  assert.equal(rt.heap.read(rt.scenario.lesson.b, 0), 0, 'B.left = null');
  const marked = play(l, 5)[5];
  assert.equal(rt.heap.phase, 'sweep');
  assert.equal(colourOf('c'), 'white', 'marking over, C still allocated: the sweep is a step of its own');
  const report = rt.heap.verify(true);
  assert.equal(report.violations, 1, 'the one fault, once');
  assert.deepEqual([report.first[0].object, report.first[0].target], [rt.scenario.lesson.a, rt.scenario.lesson.c]);
  assert.match(marked, /one violation, A → C: black object points to a white object/);
  play(l);
  assert.equal(colourOf('c'), 'free');
  assert.notEqual(colourOf('a'), 'free');
});

test('the barriers\' lessons end with nothing reachable lost, and the floating garbage named', () => {
  for (const id of ['dijkstra', 'yuasa', 'hybrid', 'invariants']) {
    play(lessonById(id));
    assert.equal(rt.heap.verify(true).violations, 0, id);
    assert.notEqual(colourOf('c'), 'free', `${id}: C lives`);
  }
  play(lessonById('yuasa'), 5);
  assert.equal(colourOf('d'), 'grey', 'D shaded by the deletion: floating');
});

test('side by side: each barrier shades its own values, Dijkstra rescans the roots, Yuasa and hybrid leave floating garbage, none frees C', () => {
  const c = new Compare(() => new LiveRuntime(tri));
  c.reset('badcase', 1);
  c.goTo(BAD_CASE_FULL.indexOf('store') + 1);
  const at = (cols, b) => cols.find((x) => x.barrier === b);
  let cols = c.columns();
  assert.deepEqual(at(cols, 'dijkstra').effects.map((e) => e.text), ['shaded C (new value)']);
  assert.deepEqual(at(cols, 'yuasa').effects.map((e) => e.text), ['nothing: old value null']);
  assert.deepEqual(at(cols, 'none').effects.map((e) => e.text), ['nothing: no barrier']);
  assert.equal(at(cols, 'none').invariants, 'strong: broken, A → C / weak: holds, C reachable from grey B');
  c.next(); // the deletion
  cols = c.columns();
  assert.deepEqual(at(cols, 'yuasa').effects.map((e) => e.text), ['shaded C (old value)']);
  assert.equal(at(cols, 'none').invariants, 'strong: broken, A → C / weak: broken, no grey object reaches C through white ones');
  c.goTo(BAD_CASE_FULL.length);
  cols = c.columns();
  assert.deepEqual(at(cols, 'none').violations, ['A → C: black object points to a white object']);
  assert.deepEqual(at(cols, 'none').freedWhileReachable, ['C']);
  assert.deepEqual(at(cols, 'dijkstra').rescanned, ['E']);
  assert.deepEqual(at(cols, 'yuasa').rescanned, []);
  for (const b of ['yuasa', 'hybrid']) assert.deepEqual(at(cols, b).floating, ['D'], b);
  assert.deepEqual(at(cols, 'dijkstra').floating, []);
  for (const b of ['dijkstra', 'yuasa', 'hybrid']) assert.deepEqual(at(cols, b).violations, [], b);
  // back, and forth again: the same
  c.goTo(3);
  assert.equal(c.at, 3);
  assert.equal(at(c.columns(), 'dijkstra').effects[0].text, 'shaded C (new value)');
});

// The live heap's colours and pointers, for comparing with the recorder's past.
function liveState() {
  const g = rt.graph();
  return { phase: rt.heap.phase, colours: Object.fromEntries(g.nodes.map((n) => [n.addr, COLORS[n.colour]])),
    edges: g.edges.map((e) => `${e.slot}:${e.to}`).sort(), roots: g.roots.map((r) => `${r.slot}:${r.target}`).sort(), at: rt.recorder.end };
}
function modelState(m) {
  const g = m.graph();
  return { colours: Object.fromEntries(g.nodes.map((n) => [n.addr, COLORS[n.colour]])),
    edges: g.edges.map((e) => `${e.slot}:${e.to}`).sort(), roots: g.roots.map((r) => `${r.slot}:${r.target}`).sort() };
}

test('stepping back: the recorder\'s past is what the live heap held, object for object, pointer for pointer', () => {
  for (const barrier of ['none', 'hybrid']) {
    rt.reset({ scenario: 'tree', barrier, collector: 'stepped', gogc: 100, seed: 3, objects: 31, speed: 1 });
    const seen = [liveState()];
    for (let i = 0; i < 120; i++) {
      if (i % 3 === 0) rt.tick(); else rt.stepObject();
      seen.push(liveState());
    }
    assert.equal(rt.recorder.lost, null);
    let compared = 0;
    for (const s of seen) {
      if (s.phase === 'sweep') continue; // sweeping is inferred (model.js): survivors of an unswept span look black until then
      const m = rt.recorder.seek(s.at);
      assert.deepEqual(modelState(m), { colours: s.colours, edges: s.edges, roots: s.roots }, `${barrier} at event ${s.at}`);
      compared++;
    }
    assert.ok(compared > 60, `${compared} points compared`);
    // and the steps of the page's actions are where stepping back lands
    assert.equal(rt.recorder.stepBefore(rt.recorder.end), seen[seen.length - 2].at);
  }
});

test('stepping back: when the ring went round between two reads, the recorder starts again from a snapshot, and says so', () => {
  // a tree of 65 535 nodes built in one go: two events a node, no root store (which would read the ring) between
  rt.reset({ scenario: 'tree', barrier: 'hybrid', collector: 'stepped', gogc: 100, seed: 1, objects: 100000, speed: 1 });
  assert.match(rt.recorder.lost, /ring of 65,536 events went round between two reads/);
  const m = rt.recorder.seek(rt.recorder.end);
  assert.equal(m.objects, rt.heap.stats().objects);
  for (let i = 0; i < 50; i++) rt.tick();
  assert.equal(rt.recorder.head.objects, rt.heap.stats().objects, 'and keeps up from there');
});

test('by hand: size class, waste, tiny blocks and the level that served each allocation', () => {
  rt.reset({ scenario: 'hand', barrier: 'hybrid', collector: 'paced', gogc: 'off', seed: 1, objects: 0, speed: 1 });
  const a = rt.handAlloc(33, 'noscan');
  assert.deepEqual([a.sizeClass, a.classSize, a.waste, a.perSpan, a.tailWaste], [4, 48, 15, 170, 32]);
  assert.ok(['page heap', 'OS'].includes(a.level), a.level);
  assert.equal(rt.handAlloc(33, 'noscan').level, 'thread cache');
  const t1 = rt.handAlloc(5, 'noscan'), t2 = rt.handAlloc(3, 'noscan');
  assert.deepEqual([t1.tiny.offset, t2.tiny.offset, t2.tiny.block === t1.tiny.block, t2.level], [0, 5, true, 'tiny block']);
  const s = rt.handAlloc(10, 'scan');
  assert.deepEqual([s.bytes, s.tiny, s.classSize], [12, undefined, 16], 'pointer objects are whole words, never tiny');
  const big = rt.handAlloc(40000, 'noscan');
  assert.deepEqual([big.sizeClass, big.pages, big.waste], [0, 5, 960]);
  const m = rt.handAlloc(100, 'malloc');
  assert.equal(m.sizeClass, 8);
  assert.equal(rt.colourOf(a.address), 'white');
  rt.handFree(a.id);
  rt.collectNow();
  assert.equal(rt.colourOf(a.address), 'free', 'dropped, then collected');
  assert.throws(() => rt.handAlloc(0, 'noscan'), /a whole number of bytes from 1/);
  assert.throws(() => rt.handAlloc(8, 'stack'), /kind is scan, noscan or malloc/);
  rt.handFree(m.id);
});

test('what GOGC costs: a higher GOGC, fewer cycles and a bigger heap', async () => {
  const r = await measureGogc(tri, { gogcs: [50, 100, 400], objects: 4000, operations: 40000 });
  assert.deepEqual(r.map((x) => x.gogc), [50, 100, 400]);
  for (let i = 1; i < r.length; i++) {
    assert.ok(r[i].cycles <= r[i - 1].cycles, `cycles ${r.map((x) => x.cycles)}`);
    assert.ok(r[i].peakBytes >= r[i - 1].peakBytes, `peaks ${r.map((x) => x.peakBytes)}`);
  }
  assert.ok(r[0].cycles > r[2].cycles, 'GOGC 50 collects more often than 400');
  assert.ok(r.every((x) => x.gcShare >= 0 && x.gcShare < 1));
});
