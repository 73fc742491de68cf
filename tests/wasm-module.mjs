// The Emscripten module through its JavaScript API (build/emscripten/tricolor.mjs),
// in Node: node tests/wasm-module.mjs. Prints a line per test and
// "N passed, N failed, N skipped".
import assert from 'node:assert/strict';
import * as api from '../build/emscripten/tricolor.mjs';
import * as layout from '#tricolor/layout';
const { loadTricolor, SPAN_WORDS, PAGE_WORDS, PAGE_STATES, SPAN, BARRIERS } = api;
import { loadTricolor as loadCapped } from '../build/emscripten/capped/tricolor.mjs';

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

const tri = await loadTricolor();

test('module_size_classes', () => {
  const classes = tri.sizeClasses();
  assert.equal(classes.length, 66);
  assert.deepEqual(classes[0], { sizeClass: 1, size: 8, pages: 1, objects: 1024 });
  assert.deepEqual(classes[65], { sizeClass: 66, size: 32768, pages: 4, objects: 1 });
  assert.equal(tri.sizeClassOf(100), 8);
});

// The layout is generated from the C side once; the module, compiled for
// wasm32 from the same header, must agree with it, and its own names for
// phases, barriers and events must be the layout's.
test('module_layout_is_the_c_sides', () => {
  assert.equal(api.PHASES, layout.PHASES, 'tricolor.mjs re-exports the one layout');
  const name = (fn, i) => tri.string(tri.m[fn](i));
  assert.deepEqual(api.PHASES.map((_, i) => name('_tri_gc_phase_name', i)), [...api.PHASES]);
  assert.deepEqual(api.BARRIERS.map((_, i) => name('_tri_gc_barrier_name', i)), [...api.BARRIERS]);
  assert.deepEqual(api.EVENTS.map((_, i) => name('_tri_gc_event_name', i)), [...api.EVENTS]);
  assert.equal(name('_tri_gc_phase_name', api.PHASES.length), '?', 'a phase past the last one the layout names');
  assert.equal(name('_tri_gc_event_name', api.EVENTS.length), '?', 'an event kind past the last one the layout names');
  // what the module writes is as long as the layout says
  const n = tri.m._tri_js_stats(tri.scratch);
  assert.equal(n, layout.STATS.length + layout.CLASS_STATS.length * (layout.SIZE_CLASSES - 1));
  const heap = tri.createHeap();
  assert.equal(tri.m._tri_js_gc_stats(heap.ptr, tri.scratch), layout.GC_STATS.length);
  assert.deepEqual(Object.keys(heap.stats()), [...layout.GC_STATS]);
  assert.equal(tri.stats().classes.length, layout.SIZE_CLASSES);
  // a record read with the layout's offsets holds what the C side put there
  const node = heap.type('node', 2, [0]);
  const x = heap.alloc(node);
  const objs = heap.objects();
  assert.equal(objs.length, layout.OBJECT.words);
  assert.deepEqual([objs[layout.OBJECT.address], objs[layout.OBJECT.size], layout.COLORS[objs[layout.OBJECT.colour]]],
    [x, 8, 'white']);
  const spans = heap.spans();
  assert.equal(spans.length, SPAN.words);
  assert.equal(spans[SPAN.sizeClass], tri.sizeClassOf(8));
  assert.equal(spans[SPAN.objects] * spans[SPAN.objectSize] <= spans[SPAN.pages] * layout.PAGE_SIZE, true);
  assert.deepEqual([spans[SPAN.allocated], spans[SPAN.noscan], spans[SPAN.swept]], [1, 0, 1]);
  assert.ok(x >= spans[SPAN.base] && x < spans[SPAN.base] + spans[SPAN.pages] * layout.PAGE_SIZE);
  heap.destroy();
  // a module and a layout of different builds refuse to work together
  assert.deepEqual(tri.moduleShape(), { ...layout.SHAPE });
  assert.throws(() => tri.checkLayout({ ...tri.moduleShape(), spanWords: SPAN.words + 1 }),
    new RegExp(`built from different sources \\(spanWords: module ${SPAN.words + 1}, layout ${SPAN.words}\\)`));
});

test('module_malloc_is_tricolor', () => {
  const before = tri.stats();
  const ps = [];
  for (let i = 0; i < 1000; i++) ps.push(tri.malloc(i * 7));
  for (const p of ps) assert.ok(p && p % 8 === 0);
  assert.equal(new Set(ps).size, ps.length);
  let q = tri.malloc(10);
  tri.views().u8.set([1, 2, 3], q);
  q = tri.realloc(q, 100000);
  assert.deepEqual([...tri.views().u8.subarray(q, q + 3)], [1, 2, 3]);
  assert.ok(tri.usableSize(q) >= 100000);
  const after = tri.stats();
  assert.ok(after.hitsThreadCache + after.hitsCentral + after.hitsPageHeap + after.hitsOS >=
    before.hitsThreadCache + before.hitsCentral + before.hitsPageHeap + before.hitsOS + 1001);
  for (const p of ps) tri.free(p);
  tri.free(q);
});

test('module_views_follow_memory_growth', () => {
  const oldView = tri.views().u8;
  const bytesBefore = tri.memoryBytes;
  const big = tri.malloc(96 << 20); // more than the module has: linear memory grows
  assert.ok(big, 'malloc of 96 MiB failed');
  assert.ok(tri.memoryBytes > bytesBefore, 'memory did not grow');
  assert.equal(oldView.length, 0, 'a view made before growth should be detached');
  const u8 = tri.views().u8;
  u8[big + (96 << 20) - 1] = 42;
  assert.equal(tri.views().u8[big + (96 << 20) - 1], 42);
  tri.free(big);
  assert.ok(tri.stats().inUse < 96 << 20);
});

test('module_gc_cycle_and_views', () => {
  const heap = tri.createHeap({ gogc: 'off', events: 1 << 14 });
  const node = heap.type('node', 3, [0, 1]);
  const roots = heap.roots(1);
  for (let i = 0; i < 500; i++) {
    const n = heap.alloc(node);
    heap.write(n, 0, roots.get(0));
    heap.write(n, 2, i);
    roots.set(0, n);
    heap.alloc(node); // garbage
  }
  assert.equal(heap.stats().objects, 1000);
  assert.ok(heap.startCycle());
  assert.equal(heap.phase, 'mark');
  for (let i = 0; i < 50; i++) heap.step(1);
  const cols = { white: 0, grey: 0, black: 0 };
  const objs = heap.objects();
  for (let i = 0; i < objs.length; i += 3) cols[['free', 'white', 'grey', 'black'][objs[i + 2]]]++;
  assert.ok(cols.black >= 49 && cols.grey >= 1 && cols.white >= 500, JSON.stringify(cols));
  heap.finishCycle();
  assert.equal(heap.phase, 'off');
  const st = heap.stats();
  assert.equal(st.objects, 500);
  assert.equal(st.cycles, 1);
  // the span table and bitmaps, straight from memory
  const spans = heap.spans();
  let allocated = 0, counted = 0;
  for (let s = 0; s < spans.length; s += SPAN_WORDS) {
    allocated += spans[s + SPAN.allocated];
    for (const word of heap.bits(spans[s + SPAN.allocBits], spans[s + SPAN.objects])) {
      let w = word;
      while (w) { counted += w & 1; w >>>= 1; }
    }
  }
  assert.equal(allocated, 500);
  assert.equal(counted, 500);
  // the list survived, contents intact
  let i = 499;
  for (let n = roots.get(0); n; n = heap.read(n, 0), i--) assert.equal(heap.read(n, 2), i);
  assert.equal(i, -1);
  // events: the phases in order, and the frees
  const kinds = heap.events().map((e) => (e.kind === 'phase' ? `phase:${e.arg}` : e.kind));
  const phases = kinds.filter((k) => k.startsWith('phase'));
  assert.deepEqual(phases, ['phase:1', 'phase:2', 'phase:3', 'phase:4', 'phase:0']);
  assert.equal(kinds.filter((k) => k === 'free').length, 500);
  heap.destroy();
});

function badCase(barrier) {
  const heap = tri.createHeap({ gogc: 'off', barrier, verify: true });
  const node = heap.type('node', 2, [0, 1]);
  const roots = heap.roots(1);
  const a = heap.alloc(node);
  roots.set(0, a);
  const b = heap.alloc(node);
  heap.write(a, 0, b);
  const c = heap.alloc(node);
  heap.write(b, 0, c);
  heap.startCycle();
  heap.step(1); // A black, B grey, C white
  const colours = [heap.colorOf(a), heap.colorOf(b), heap.colorOf(c)];
  heap.write(a, 1, c);
  heap.write(b, 0, 0);
  heap.finishCycle();
  const report = heap.verify(true);
  const kept = heap.takeVerifyReport(), again = heap.takeVerifyReport();
  const cAlive = heap.colorOf(c) !== 'free';
  const stats = heap.stats();
  heap.destroy();
  return { colours, report, kept, again, cAlive, a, stats };
}

test('module_bad_case_barriers', () => {
  for (const mode of ['hybrid', 'dijkstra', 'yuasa']) {
    const r = badCase(mode);
    assert.deepEqual(r.colours, ['black', 'grey', 'white'], mode);
    assert.equal(r.report.violations, 0, mode);
    assert.ok(r.cAlive, `${mode}: C was freed`);
  }
  const none = badCase('none');
  assert.equal(none.report.violations, 1);
  assert.equal(none.report.first[0].slot, none.a + 4);
  assert.ok(!none.cAlive);
  // the termination's report is kept until taken, once
  assert.equal(none.kept.violations, none.report.violations);
  assert.equal(none.kept.first[0].slot, none.a + 4);
  assert.equal(none.again, null);
  assert.equal(none.stats.verifyReportsDropped, 0);
  assert.equal(none.stats.finalizersQueued, 0);
  assert.equal(none.stats.cpuLimited, 0);
});

// A heap with events records every pointer store (the graph can be
// rebuilt from its events); outside marking the barrier shades nothing. A
// heap without events sees no store outside marking.
test('module_events_hold_every_pointer_store', () => {
  for (const barrier of ['hybrid', 'none']) {
    const heap = tri.createHeap({ gogc: 'off', barrier, events: 1 << 10 });
    const node = heap.type('node', 2, [0, 1]);
    const roots = heap.roots(1);
    const a = heap.alloc(node), b = heap.alloc(node);
    roots.set(0, a);
    heap.write(a, 0, b); // off
    heap.store(b, 1, 7); // a plain word: no event
    heap.startCycle();
    heap.write(a, 1, b); // marking
    heap.finishCycle();
    heap.write(a, 0, 0); // off again
    const stores = heap.events().filter((e) => e.kind === 'barrier');
    assert.deepEqual(stores.map((e) => [e.a - a, e.b, e.c, e.arg]), [[0, 0, b, BARRIERS.indexOf(barrier)],
      [4, 0, b, BARRIERS.indexOf(barrier)], [0, b, 0, BARRIERS.indexOf(barrier)]], barrier);
    assert.equal(stores[0].d, 0, 'outside marking nothing is shaded');
    assert.equal(heap.read(b, 1), 7);
    heap.destroy();
  }
  const quiet = tri.createHeap({ gogc: 'off' });
  assert.equal(tri.views().u32[quiet.ptr / 4], 0, 'no events: the barrier is off outside marking');
  quiet.destroy();
});

// The bad case under barrier none is one fault, reported once with its reason.
test('module_verifier_reports_a_fault_once_with_its_reason', () => {
  const r = badCase('none');
  assert.equal(r.report.violations, 1);
  assert.equal(r.report.first[0].what, 'black object points to a white object');
  assert.equal(r.report.first[0].object, r.a);
});

test('module_weak_peek_keeps_nothing_alive', () => {
  const heap = tri.createHeap({ gogc: 'off' });
  const node = heap.type('node', 2, [0, 1]);
  const roots = heap.roots(1);
  roots.set(0, heap.alloc(node));
  const x = heap.alloc(node), y = heap.alloc(node); // unreachable
  const wx = heap.weak(x), wy = heap.weak(y);
  heap.startCycle();
  assert.equal(wx.peek(), x, 'peek: the target');
  assert.equal(heap.colorOf(x), 'white', 'and not shaded');
  assert.equal(wy.get(), y, 'get: the target');
  assert.notEqual(heap.colorOf(y), 'white', 'and shaded: it may be stored anywhere');
  heap.finishCycle();
  assert.equal(wx.peek(), 0, 'x was collected');
  assert.equal(wy.peek(), y, 'y lives, for get() shaded it');
  wx.free();
  assert.throws(() => wx.peek(), /freed/);
  assert.throws(() => heap.weak(12345), /not an object of this heap/);
  wy.free();
  heap.destroy();
});

test('module_root_stores_are_heard', () => {
  const heap = tri.createHeap({ gogc: 'off' });
  const node = heap.type('node', 2, [0, 1]);
  const roots = heap.roots(2);
  const heard = [];
  heap.onRootStore((slot, value) => heard.push([slot - roots.base, value]));
  const x = heap.alloc(node);
  roots.set(1, x);
  roots.clear();
  heap.onRootStore(null);
  roots.set(0, x);
  assert.deepEqual(heard, [[4, x], [0, 0], [4, 0]]);
  heap.destroy();
});

test('module_page_runs_map_linear_memory', () => {
  const heap = tri.createHeap({ gogc: 'off' });
  const node = heap.type('node', 4, [0]);
  for (let i = 0; i < 3000; i++) heap.alloc(node);
  const small = tri.malloc(100), large = tri.malloc(300000);
  const runs = tri.pageRuns();
  assert.equal(runs.length % PAGE_WORDS, 0);
  const pages = {};
  let end = 0, smallState, largeState;
  for (let r = 0; r < runs.length; r += PAGE_WORDS) {
    const [base, , npages, state] = runs.subarray(r, r + 4);
    pages[PAGE_STATES[state]] = (pages[PAGE_STATES[state]] || 0) + npages;
    assert.ok(base >= tri.heapBase, 'a run below the heap base');
    if (small >= base && small < base + npages * 8192) smallState = PAGE_STATES[state];
    if (large >= base && large < base + npages * 8192) largeState = PAGE_STATES[state];
    end = Math.max(end, base + npages * 8192);
  }
  assert.ok(end <= tri.memoryBytes, 'a run past the end of memory');
  assert.equal(smallState, 'small');
  assert.equal(largeState, 'large');
  const st = tri.stats(), gs = heap.stats();
  assert.equal((pages.small + pages.large + pages.gc) * 8192, st.inUse);
  assert.equal(pages.gc * 8192, gs.heapSpans);
  assert.equal(gs.allocations, 3000);
  assert.equal(gs.servedCache + gs.servedCentral + gs.servedPageHeap + gs.servedOS, 3000);
  tri.free(small);
  tri.free(large);
  heap.destroy();
});

test('module_rejects_bad_input', () => {
  assert.throws(() => tri.createHeap({ barrier: 'sideways' }), /unknown barrier/);
  assert.throws(() => tri.createHeap({ events: 1000 }), /power of two/);
  const heap = tri.createHeap();
  assert.throws(() => heap.type('t', 2, [5]), /outside/);
  assert.equal(heap.setBarrier('yuasa'), true);
  heap.startCycle();
  assert.equal(heap.setBarrier('dijkstra'), false); // not while marking
  heap.destroy();
});

// --- out of memory -------------------------------------------------------------

// A list of 4-word nodes (word 0: next, word 1: value) grown from a root
// until allocation fails; returns its length and the cycles run meanwhile
// (GOGC is off and nothing is garbage: only a failing allocation collects).
function growUntilFull(heap, roots, node) {
  let n = 0;
  const cycles = heap.stats().cycles;
  for (;;) {
    const x = heap.alloc(node);
    if (!x) return { n, cyclesRun: heap.stats().cycles - cycles };
    heap.write(x, 0, roots.get(0));
    heap.write(x, 1, n++);
    roots.set(0, x);
  }
}

function listIntact(heap, head, n) {
  for (let v = n - 1; v >= 0; v--, head = heap.read(head, 0)) if (!head || heap.read(head, 1) !== v) return false;
  return head === 0;
}

function cutList(heap, roots, keep) {
  let x = roots.get(0);
  for (let i = 1; i < keep; i++) x = heap.read(x, 0);
  heap.write(x, 0, 0);
}

test('module_gc_max_heap', () => {
  const heap = tri.createHeap({ gogc: 'off', maxHeap: 1 << 20 });
  const node = heap.type('node', 4, [0]);
  const roots = heap.roots(1);
  const { n, cyclesRun } = growUntilFull(heap, roots, node);
  assert.equal(cyclesRun, 1, 'a full collection runs before allocation fails');
  const st = heap.stats();
  assert.ok(st.heapSpans <= 1 << 20 && st.maxHeap === 1 << 20, JSON.stringify(st));
  assert.ok(n > 10000, `${n} nodes`);
  assert.equal(heap.verify().violations, 0);
  assert.ok(listIntact(heap, roots.get(0), n));
  cutList(heap, roots, n >> 1);
  assert.ok(heap.alloc(node), 'room again once the list is cut');
  assert.equal(heap.verify().violations, 0);
  heap.destroy();
});

// The module built with its memory capped at 64 MiB.
const capped = await loadCapped();

test('module_malloc_out_of_memory', () => {
  assert.equal(capped.malloc(100 << 20), 0, 'more than the memory can hold');
  const blocks = [];
  for (let p; (p = capped.malloc(1 << 20));) blocks.push(p);
  assert.ok(blocks.length > 20 && capped.memoryBytes <= 64 << 20, `${blocks.length} MiB`);
  assert.equal(capped.calloc(1, 1 << 20), 0);
  assert.equal(capped.realloc(blocks[0], 2 << 20), 0);
  const heap = capped.createHeap();
  assert.throws(() => heap.roots(1 << 20), (e) => e instanceof RangeError && e.name === 'OutOfMemoryError' &&
    /out of memory/.test(e.message)); // the API's own needs: a clear error
  heap.destroy();
  for (const p of blocks) capped.free(p);
  const again = capped.malloc(16 << 20);
  assert.ok(again, 'the module is usable after');
  capped.free(again);
});

test('module_gc_out_of_memory', () => {
  const heap = capped.createHeap({ gogc: 'off' });
  const node = heap.type('node', 4, [0]);
  const roots = heap.roots(1);
  const { n, cyclesRun } = growUntilFull(heap, roots, node);
  assert.equal(cyclesRun, 1, 'a full collection runs before allocation fails');
  assert.ok(n > 100000, `${n} nodes`);
  assert.ok(listIntact(heap, roots.get(0), n));
  assert.equal(heap.allocNoscan(1 << 20), 0);
  cutList(heap, roots, n >> 1);
  heap.collect();
  assert.equal(heap.verify().violations, 0);
  assert.ok(listIntact(heap, roots.get(0), n >> 1) === false); // its values now count from n/2
  assert.ok(heap.alloc(node) && heap.allocNoscan(100000), 'room again');
  heap.destroy();
  const p = capped.malloc(8 << 20);
  assert.ok(p, 'malloc works after the heap is gone');
  capped.free(p);
});

let passed = 0, failed = 0;
for (const { name, fn } of tests) {
  try {
    await fn();
    console.log(`ok   ${name}`);
    passed++;
  } catch (err) {
    console.log(`FAIL ${name}: ${err.message.split('\n')[0]}`);
    failed++;
  }
}
console.log(`${passed} passed, ${failed} failed, 0 skipped`);
process.exitCode = failed ? 1 : 0;
