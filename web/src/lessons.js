// The lessons: the seed notes' ideas in order, each a short sequence of
// real runtime steps with one sentence per step. A step's run() acts on
// the live runtime (runtime.js); its say() is the sentence, written from
// what the runtime holds after the step (sizes, classes, colours, levels
// are the runtime's own figures, not the lesson's). Going back replays
// the steps before from a fresh heap: the runtime is deterministic.
//
// setup: the heap a lesson starts from (free play's settings); beats: the
// bad case's script (scenarios.js); panels: the views the lesson shows,
// in order; status: 'invariants' for the live strong/weak status line;
// sharedPageHeap: its figures (which level served, how much was released)
// depend on the page heap the module's earlier heaps left, so that going
// back may tell a step's story with other figures (the same steps).
// No DOM here: Node's tests import it.
import { COLORS } from '#tricolor/layout';
import { BEATS } from './scenarios.js';
import { bytes, duration, PAGE_KIND } from './palette.js';

const PAGE = 8192;
const n = (x) => x.toLocaleString('en');
const pct = (part, whole) => `${((100 * part) / whole).toFixed(1)}%`;
const pages = (p) => `${p} page${p === 1 ? '' : 's'}`;

// Allocates `count` objects of `size` bytes by hand; returns the last record.
function many(rt, size, kind, count) {
  let last = null;
  for (let i = 0; i < count; i++) last = rt.handAlloc(size, kind);
  return last;
}

// Drops every object allocated by hand whose record passes `which`.
function drop(rt, which = () => true) {
  for (const h of rt.hand.filter(which)) rt.handFree(h.id);
}

const colours = (rt, names) => names.map((x) => `${x} ${rt.colourOf(rt.scenario.lesson[x.toLowerCase()])}`).join(', ');
const beat = (name) => (rt) => { rt.guard(() => rt.scenario.tick()); return name; };
const gcSpans = (rt, sizeClass) => rt.sizeClassTable().rows[sizeClass - 1].spans;

// The verifier's findings at the last mark termination, in words.
function verdict(rt) {
  const r = rt.heap.verify(true);
  if (!r.violations) return 'the verifier finds nothing wrong';
  const v = r.first[0], name = (a) => rt.labels.get(a) || `0x${a.toString(16)}`;
  return `the verifier reports ${r.violations === 1 ? 'one violation' : `${r.violations} violations`}, ${name(v.object)} → ${name(v.target)}: ${v.what}`;
}

const HAND = { scenario: 'hand', barrier: 'hybrid', collector: 'paced', gogc: 'off', seed: 1, objects: 0, speed: 1 };
const BAD = (barrier) => ({ scenario: 'badcase', barrier, collector: 'stepped', gogc: 100, seed: 1, objects: 5, speed: 2 });

export const LESSONS = [
  {
    id: 'pages-and-spans',
    sharedPageHeap: true,
    title: 'Pages and spans',
    idea: 'Memory is managed in 8 KiB pages; a span is a run of pages cut into equal slots.',
    setup: HAND,
    panels: ['hand', 'heapmap', 'spans'],
    steps: [
      { say: () => 'The allocator manages memory in 8 KiB pages: the heap map draws each page of the runtime\'s arenas as a square, and this heap has no span yet.' },
      {
        run: (rt, c) => { c.a = rt.handAlloc(100, 'noscan'); },
        say: (rt, { a }) => `A 100-byte object: the heap took a span of ${pages(a.spanPages)} for size class ${a.sizeClass}, cut into ${a.perSpan} slots of ${a.classSize} bytes, and the object is in one of them.`,
      },
      {
        run: (rt, c) => { c.b = many(rt, 100, 'noscan', c.a.perSpan); },
        say: (rt, { a }) => `${n(a.perSpan + 1)} objects of 100 bytes: the first span's ${a.perSpan} slots filled up, so the heap took a second span of class ${a.sizeClass} (${gcSpans(rt, a.sizeClass)} spans of it now).`,
      },
      {
        run: (rt, c) => { c.d = rt.handAlloc(10000, 'noscan'); },
        say: (rt, { d }) => `A 10,000-byte object is class ${d.sizeClass}, whose spans are ${pages(d.spanPages)} (${bytes(d.spanPages * PAGE)}) of ${d.perSpan} slots of ${n(d.classSize)} bytes: a span is a run of pages.`,
      },
      { say: (rt) => `The heap now holds ${rt.heap.stats().heapSpans / PAGE} pages in spans; every object is cut from a span, and every span comes from the page heap.` },
      { say: (rt) => `The page heap takes memory from the OS an arena at a time (${arenas(rt)} so far, each from a new row of the map) and uses its pages as spans need them: ${n(reservedPages(rt))} pages are only reserved, which costs nothing until they are touched (demand paging).` },
    ],
  },
  {
    id: 'size-classes',
    title: 'Size classes and tail waste',
    idea: 'A request is rounded up to one of 66 size classes; a span keeps what is left at its end as tail waste.',
    setup: HAND,
    panels: ['hand', 'sizeclasses', 'spans'],
    steps: [
      { say: () => 'Requests are rounded up to one of 66 size classes (Go\'s table), so that every slot of a span has one size and a free slot fits any request of its class.' },
      {
        run: (rt, c) => { c.a = rt.handAlloc(33, 'noscan'); },
        say: (rt, { a }) => `33 bytes take a ${a.classSize}-byte slot of class ${a.sizeClass}: ${a.waste} bytes of it (${pct(a.waste, a.classSize)}) are wasted inside the object.`,
      },
      { say: (rt, { a }) => `A span of class ${a.sizeClass} is ${pages(a.spanPages)} (${n(a.spanPages * PAGE)} bytes) and holds ${a.perSpan} slots of ${a.classSize} bytes; the ${a.tailWaste} bytes left at its end can hold no slot: that is the span's tail waste.` },
      {
        run: (rt, c) => { c.b = rt.handAlloc(2049, 'noscan'); },
        say: (rt, { b }) => `2049 bytes take class ${b.sizeClass} (${n(b.classSize)} bytes), wasting ${b.waste} bytes in the slot; its spans are ${pages(b.spanPages)} of ${b.perSpan} slots, with ${b.tailWaste} bytes of tail.`,
      },
      {
        run: (rt, c) => { c.e = rt.handAlloc(c.b.classSize, 'noscan'); },
        say: (rt, { e }) => `A request of exactly ${n(e.classSize)} bytes wastes nothing; the classes are spaced so that even a request one byte over the class below wastes at most about ${maxWaste(rt, e.sizeClass)} of a span.`,
      },
      {
        run: (rt, c) => { c.f = rt.handAlloc(48, 'scan'); },
        say: (rt, { a, f }) => `48 bytes with pointers are class ${f.sizeClass} as well, but in a span of their own: every class has a scan and a noscan span class (${gcSpans(rt, a.sizeClass)} spans of class ${a.sizeClass} now), so the collector never scans a pointer-free span.`,
      },
      {
        run: (rt, c) => { c.grown = []; for (let size = 16; size <= 8192; size *= 2) c.grown.push(rt.handAlloc(size, 'noscan')); },
        say: (rt, { grown }) => `A slice growing by doubling from 16 to 8,192 bytes took ${grown.length} objects in ${new Set(grown.map((g) => g.sizeClass)).size} classes, each copied into the next, and the ${grown.length - 1} it outgrew (${n(grown.slice(0, -1).reduce((x, g) => x + g.classSize, 0))} bytes) are garbage once dropped: make it at its final size when that is known.`,
      },
    ],
  },
  {
    id: 'tiny',
    title: 'The tiny allocator',
    idea: 'Objects under 16 bytes without pointers are packed into shared 16-byte blocks.',
    setup: HAND,
    panels: ['hand', 'spans', 'heapmap'],
    steps: [
      { say: () => 'Objects under 16 bytes that hold no pointers get no slot of their own: the tiny allocator packs them into shared 16-byte blocks.' },
      {
        run: (rt, c) => { c.a = rt.handAlloc(5, 'noscan'); },
        say: (rt, { a }) => `A 5-byte object starts a 16-byte block, a slot of class ${a.sizeClass}'s span, at offset ${a.tiny.offset}.`,
      },
      {
        run: (rt, c) => { c.b = rt.handAlloc(3, 'noscan'); },
        say: (rt, { a, b }) => (sameBlock(a, b)
          ? `A 3-byte object goes into the same block at offset ${b.tiny.offset}: no new slot was taken.`
          : `A 3-byte object did not fit the block and started another at offset ${b.tiny.offset}.`),
      },
      {
        run: (rt, c) => { c.d = rt.handAlloc(8, 'noscan'); },
        say: (rt, { a, d }) => (sameBlock(a, d)
          ? `An 8-byte object is aligned to 8: offset ${d.tiny.offset} of the same block, which is now full.`
          : `An 8-byte object, aligned to 8, needed a new block (offset ${d.tiny.offset}).`),
      },
      {
        run: (rt, c) => { c.e = rt.handAlloc(4, 'noscan'); },
        say: (rt, { a, e }) => (sameBlock(a, e)
          ? `A 4-byte object still fitted the block, at offset ${e.tiny.offset}.`
          : `A 4-byte object no longer fits: it starts a new block, at offset ${e.tiny.offset} of the next slot.`),
      },
      {
        run: (rt, c) => { c.f = rt.handAlloc(12, 'scan'); },
        say: (rt, { f }) => `A 12-byte object with pointers is never tiny: it takes a ${f.classSize}-byte slot of its own in a scan span of class ${f.sizeClass}, which the collector scans.`,
      },
      { say: () => 'A block lives as long as any object in it, so a finalizer or a weak reference on a tiny object applies to its whole block, as in Go.' },
    ],
  },
  {
    id: 'cache-levels',
    sharedPageHeap: true,
    title: 'The cache levels',
    idea: 'An allocation looks nearest first: thread cache, central list, page heap, the OS.',
    setup: HAND,
    panels: ['hand', 'stats', 'heapmap'],
    steps: [
      { say: () => 'An allocation looks for memory nearest first: the thread cache (here, the span the heap allocates from: Go\'s mcache), the central lists (mcentral), the page heap (mheap), and last the OS.' },
      {
        run: (rt, c) => { c.a = rt.handAlloc(48, 'noscan'); },
        say: (rt, { a }) => (a.level === 'OS'
          ? `The first 48-byte object found no span of class ${a.sizeClass} and no free pages: the page heap grew from the OS.`
          : `The first 48-byte object found no span of class ${a.sizeClass} in the caches: the ${a.level} gave it one.`),
      },
      {
        run: (rt, c) => { c.b = rt.handAlloc(48, 'noscan'); },
        say: (rt, { b }) => `The second came from the ${b.level}: the span the heap allocates from had a free slot, so nothing was locked or searched.`,
      },
      {
        run: (rt, c) => { c.d = many(rt, 48, 'noscan', c.a.perSpan - 1); },
        say: (rt, { a, d }) => `${a.perSpan + 1} objects: the first span's ${a.perSpan} slots ran out, and the next came from the ${d.level} (a new span).`,
      },
      {
        run: (rt) => { drop(rt, (h) => h.id <= 100); rt.collectNow(); },
        say: (rt) => `Dropped 100 objects and collected: their span is partly free now and waits on the heap's own lists (${gcSpans(rt, rt.tri.sizeClassOf(48))} spans of the class).`,
      },
      {
        run: (rt, c) => { c.e = rt.handAlloc(48, 'noscan'); },
        say: (rt, { e }) => (e.level === 'central list'
          ? 'The next 48-byte object came from the central list: a span with free slots, swept when taken.'
          : `The next 48-byte object came from the ${e.level}.`),
      },
      {
        run: (rt, c) => { c.f = rt.handAlloc(4 << 20, 'noscan'); },
        say: (rt, { f }) => (f.level === 'OS'
          ? `A 4 MiB object needs ${n(f.classSize / PAGE)} contiguous pages; the page heap had no run that long free, so it grew from the OS (in WebAssembly, memory.grow).`
          : `A 4 MiB object needs ${n(f.classSize / PAGE)} contiguous pages; the page heap had a run that long free (pages the module's earlier heaps gave back), so it did not need the OS.`),
      },
    ],
  },
  {
    id: 'large-objects',
    sharedPageHeap: true,
    title: 'Large objects',
    idea: 'Objects over 32 KiB get a span of their own, straight from the page heap.',
    setup: HAND,
    panels: ['hand', 'heapmap', 'spans'],
    steps: [
      { say: () => 'Objects over 32 KiB have no size class: each is a span of its own, taken straight from the page heap in whole pages.' },
      {
        run: (rt, c) => { c.a = rt.handAlloc(40000, 'noscan'); },
        say: (rt, { a }) => `40,000 bytes: a span of ${pages(a.pages)} (${n(a.classSize)} bytes), so ${a.waste} bytes are rounding, and the span holds this one object.`,
      },
      {
        run: (rt, c) => { c.b = rt.handAlloc(300000, 'scan'); },
        say: (rt, { b }) => `300,000 bytes of pointers: ${pages(b.pages)}, which the collector scans in oblets of 128 KiB, so that no mark step has to scan it whole.`,
      },
      {
        run: (rt) => { drop(rt); rt.collectNow(); },
        say: (rt) => `Dropped and collected: each large span went back to the page heap whole, as free pages (${freePages(rt)} free pages now).`,
      },
    ],
  },
  {
    id: 'returning-memory',
    sharedPageHeap: true,
    title: 'Memory handed back to the OS',
    idea: 'Free pages return to the page heap, and idle ones are handed back to the OS.',
    setup: HAND,
    panels: ['hand', 'heapmap', 'stats'],
    steps: [
      { say: () => 'Freed spans go back to the page heap as free pages, which later spans reuse; until they are handed back they still count as the program\'s memory.' },
      {
        run: (rt) => { many(rt, 20000, 'noscan', 120); },
        say: (rt) => `120 objects of 20,000 bytes: ${bytes(rt.heap.stats().heapSpans)} in spans, and ${bytes(rt.tri.memoryBytes)} of linear memory.`,
      },
      {
        run: (rt) => { drop(rt); rt.collectNow(); },
        say: (rt) => `Dropped and collected: the spans are gone, and their ${freePages(rt)} pages are free in the page heap, ready for reuse.`,
      },
      {
        run: (rt, c) => { c.released = rt.releaseIdle(); c.memory = rt.tri.memoryBytes; },
        say: (rt, { released }) => `Releasing idle memory handed back ${bytes(released)}: the pages are drawn released; WebAssembly's memory cannot shrink, so they stay in the module and are reused first, where natively madvise gives them to the OS.`,
      },
      {
        run: (rt) => { many(rt, 20000, 'noscan', 60); },
        say: (rt, { memory }) => `60 new objects reused released pages first: linear memory is still ${bytes(rt.tri.memoryBytes)}${rt.tri.memoryBytes === memory ? ', it did not grow' : ''}.`,
      },
    ],
  },
  {
    id: 'marking',
    title: 'White, grey and black',
    idea: 'Marking: white not yet reached, grey reached but not scanned, black reached and scanned; then the sweep.',
    setup: { scenario: 'tree', barrier: 'dijkstra', collector: 'stepped', gogc: 100, seed: 1, objects: 15, speed: 2 },
    panels: ['graph', 'spans', 'stats'],
    steps: [
      { say: (rt) => `A tree of ${rt.heap.stats().objects} objects under one root, all white: white means not (yet) known to be reachable.` },
      {
        run: (rt) => rt.guard(() => rt.scenario.tick()),
        say: (rt) => `The mutator replaced a subtree: the old one is garbage now, still white, reached from no root (${rt.heap.stats().objects} objects in all).`,
      },
      {
        run: (rt) => rt.guard(() => rt.heap.startCycle()),
        say: (rt) => `Mark setup, a short stop: the collector shades what the root points to, which turns grey: reachable, its pointers not yet scanned (${count(rt, 'grey')} grey).`,
      },
      {
        run: (rt) => rt.stepObject(),
        say: (rt) => `One mark step scanned the grey object: its children turned grey and it turned black, reachable and scanned (${count(rt, 'black')} black, ${count(rt, 'grey')} grey).`,
      },
      {
        run: (rt) => { for (let i = 0; i < 4; i++) rt.stepObject(); },
        say: (rt) => `Four more steps: grey is the collector's to-do list, and every step blackens one of it (${count(rt, 'black')} black, ${count(rt, 'grey')} grey, ${count(rt, 'white')} white).`,
      },
      {
        run: (rt) => rt.guard(() => { for (let i = 0; i < 1000 && rt.heap.phase === 'mark'; i++) rt.heap.step(1); }),
        say: (rt) => `No grey object was left, so marking ended: the ${count(rt, 'black')} reachable objects are black, and the ${count(rt, 'white')} white ones are garbage.`,
      },
      {
        run: (rt) => rt.guard(() => { for (let i = 0; i < 1000 && rt.heap.phase !== 'off'; i++) rt.heap.step(1 << 20); }),
        say: (rt) => `The sweep freed the white objects, span by span, and the survivors are white again for the next cycle (${rt.heap.stats().objects} objects).`,
      },
      { say: () => 'This is mark-sweep, which never moves an object: a copying or compacting collector would also close the gaps, a generational one would look at young objects more often, and reference counting would free at once but never a cycle of garbage.' },
    ],
  },
  badCaseLesson('bad-case', 'The bad case', 'none', ['setup', 'scan', 'store', 'delete', 'mark', 'sweep'], {
    idea: 'While A is black and B grey, the mutator moves C from B to A: without a barrier, the reachable C is freed.',
    intro: 'root → A → B → C → D, and no write barrier (barrier none), to show what a barrier is for.',
    store: () => 'The mutator stores C into A: the black A now points to the white C, which the collector will not look at again through A.',
    delete: () => 'The mutator deletes B\'s pointer to C: no grey object leads to C any more (the deleted edge stays drawn as a ghost).',
    mark: (rt) => `Marking ended without ever reaching C, and ${verdict(rt)}.`,
    sweep: (rt) => `The sweep freed C and D while A still points to C: ${rt.colourOf(rt.scenario.lesson.c) === 'free' ? 'C is free memory behind a live pointer, a use after free' : 'C survived'}.`,
  }),
  badCaseLesson('dijkstra', 'Dijkstra\'s insertion barrier', 'dijkstra', ['setup', 'scan', 'store', 'delete', 'move', 'mark', 'sweep'], {
    idea: 'Shade the new value of every store: no black object ever points to a white one.',
    intro: 'The same heap under Dijkstra\'s barrier, which shades the new value of every pointer store while the collector marks.',
    store: (rt) => `Storing C into A shaded the new value: C is ${rt.colourOf(rt.scenario.lesson.c)}, so the black A never points to a white object (the strong invariant).`,
    delete: () => 'Deleting B\'s pointer to C shades nothing (the new value is null), and needs to: C is grey already.',
    move: (rt) => `E moved from B into a root: roots have no barrier, so E is still ${rt.colourOf(rt.scenario.lesson.e)}, held only by a root.`,
    mark: (rt) => `At mark termination Dijkstra rescans the roots, inside the stop, and finds E there; ${verdict(rt)}.`,
    sweep: (rt) => `The sweep freed nothing reachable, and the survivors are white again for the next cycle: ${colours(rt, ['A', 'B', 'C', 'D', 'E'])}.`,
  }),
  badCaseLesson('yuasa', 'Yuasa\'s deletion barrier', 'yuasa', ['setup', 'scan', 'store', 'delete', 'drop', 'mark', 'sweep'], {
    idea: 'Shade the old value of every store: nothing reachable when marking began is lost.',
    intro: 'The same heap under Yuasa\'s barrier, which shades the old value of every pointer store while the collector marks.',
    store: (rt) => `Storing C into A overwrote null, so nothing was shaded: the black A points to the ${rt.colourOf(rt.scenario.lesson.c)} C for now.`,
    delete: (rt) => `Deleting B's pointer shaded the old value, C, which is ${rt.colourOf(rt.scenario.lesson.c)} now: whatever was reachable when marking began stays reachable for the collector (a snapshot).`,
    drop: (rt) => `Dropping D (C.left = null) shaded D too, though nothing reaches it now: D is ${rt.colourOf(rt.scenario.lesson.d)}, floating garbage that this cycle keeps and the next frees.`,
    mark: (rt) => `Marking ended with no rescan of the roots (they were scanned once, at mark setup), and ${verdict(rt)}.`,
    sweep: (rt) => `The sweep freed nothing reachable and kept D, the floating garbage, ${rt.colourOf(rt.scenario.lesson.d)} again now: the next cycle frees it.`,
  }),
  badCaseLesson('hybrid', 'The hybrid barrier', 'hybrid', ['setup', 'store', 'scan', 'delete', 'drop', 'mark', 'sweep'], {
    idea: 'Go 1.8\'s: shade the old value, and the new one until the roots are scanned; no rescan, a short setup stop.',
    intro: 'The same heap under Go\'s hybrid barrier: it shades the old value of every store, and the new one too until the roots have been scanned.',
    setup: (rt) => `Mark setup turned the barrier on but left the roots for the first mark step, so the stop is short and A is still ${rt.colourOf(rt.scenario.lesson.a)}.`,
    store: (rt) => `Before the roots are scanned hybrid shades the new value as well: storing C into A turned C ${rt.colourOf(rt.scenario.lesson.c)}.`,
    scan: (rt) => `The first mark step scanned the roots, then A (${colours(rt, ['A', 'B'])}): from now on only old values are shaded, as Yuasa's barrier does.`,
    delete: () => 'Deleting B\'s pointer to C would shade the old value, C, but C is grey already: nothing to do.',
    drop: (rt) => `Dropping D shaded the old value D: it is ${rt.colourOf(rt.scenario.lesson.d)}, floating garbage for this cycle.`,
    mark: (rt) => `Marking ended with no rescan of the roots, and ${verdict(rt)}.`,
    sweep: (rt) => `The sweep freed nothing reachable; D, floating, is ${rt.colourOf(rt.scenario.lesson.d)} and goes in the next cycle.`,
  }),
  badCaseLesson('invariants', 'The strong and weak invariants', 'yuasa', ['setup', 'scan', 'store', 'delete', 'mark', 'sweep'], {
    idea: 'Strong: no black object points to a white one. Weak: every such white object is reachable from a grey one through white ones.',
    intro: 'Strong invariant: no black object points to a white one; weak invariant: a white object a black one points to can still be reached from a grey object through white ones.',
    setup: () => 'Marking began: the status line below checks both invariants on the live heap after every step.',
    scan: (rt) => `${colours(rt, ['A', 'B', 'C'])}: no black object points to a white one yet, so both invariants hold.`,
    store: () => 'Storing C into A broke the strong invariant (A → C is black to white), but C is still reachable from the grey B, so the weak one holds and C will be found.',
    delete: (rt) => `Deleting B → C would break the weak invariant too, so Yuasa's barrier shaded C first: it is ${rt.colourOf(rt.scenario.lesson.c)}, and both invariants hold again.`,
    mark: (rt) => `A correct barrier keeps the weak invariant at least, so marking ended with every reachable object black: ${verdict(rt)}.`,
    sweep: () => 'Without a barrier the delete would have broken both (the bad case); Dijkstra keeps the strong invariant, Yuasa and hybrid the weak one.',
  }, 'invariants'),
  {
    id: 'pacer',
    title: 'Incremental steps, assists and the pacer',
    idea: 'The pacer starts a cycle at a trigger below the goal, GOGC percent over the live heap; allocation pays for marking with assists.',
    // assists of at most 2 KiB of scanning, so that a cycle takes several
    setup: { scenario: 'churn', barrier: 'hybrid', collector: 'paced', gogc: 100, seed: 1, objects: 3000, speed: 200, stepBytes: 2048 },
    panels: ['pacing', 'stats', 'spans'],
    steps: [
      { run: (rt) => rt.finishCycle(),
        say: (rt) => `A heap of ${n(rt.heap.stats().objects)} objects under the runtime's pacer, which sets the goal at GOGC (100) percent over what the last cycle marked, and a trigger below it.` },
      {
        run: (rt) => untilPhase(rt, (p) => !done(p)),
        say: (rt) => `The heap reached the trigger (${bytes(rt.history.cycles.at(-1)?.trigger)}): a cycle started, with a short stop for mark setup, and marks alongside the mutator.`,
      },
      {
        run: (rt) => { for (let i = 0; i < 400 && rt.heap.phase === 'mark' && assists(rt) < 3; i++) rt.tick(); },
        say: (rt) => `While it marks, every allocation pays with a bounded piece of mark work, an assist, in proportion to what it allocates: ${assists(rt)} so far this cycle, drawn on the timeline.`,
      },
      {
        run: (rt) => untilPhase(rt, done),
        say: (rt) => { const c = rt.history.cycles.at(-1); return `The cycle found ${bytes(c?.marked)} live and set the next goal GOGC percent over it: ${bytes(c?.nextGoal)}.`; },
      },
      {
        run: (rt) => { rt.setGogc(50); untilPhase(rt, (p) => !done(p)); untilPhase(rt, done); },
        say: (rt) => { const c = rt.history.cycles.at(-1); return `At GOGC 50 the goal is only half again the live heap (${bytes(c?.nextGoal)} after ${bytes(c?.marked)}): cycles come sooner and the heap stays smaller, for more collector time.`; },
      },
      {
        run: (rt) => { rt.guard(() => rt.heap.startCycle()); for (let i = 0; i < 3; i++) rt.stepMark(); },
        say: (rt) => `A program may also mark in bounded steps of its own (tri_gc_step, the Mark step button): ${rt.history.cycles.at(-1)?.steps ?? 0} explicit steps of at most 4 KiB of scanning each in this cycle so far.`,
      },
      {
        run: (rt, c) => { c.typicalStep = rt.heap.stats().stepP50Ns; rt.collectNow(); },
        say: (rt, { typicalStep }) => `A full collection in one call (tri_gc_collect, Collect now) held the mutator for ${duration(wholeCycle(rt))}, where half the incremental steps and assists so far took under ${duration(typicalStep)}: an incremental collector spreads a cycle's work over many short pauses.`,
      },
    ],
  },
];

// A lesson on the bad case's script under one barrier: a step per beat,
// its sentence from `say[beat]` (or a plain one).
function badCaseLesson(id, title, barrier, beats, say, status = 'invariants') {
  const plain = {
    setup: (rt) => `Mark setup, a short stop: the roots are scanned, so A is ${rt.colourOf(rt.scenario.lesson.a)}, and the barrier is on.`,
    scan: (rt) => `The collector scanned A: ${colours(rt, ['A', 'B', 'C'])}.`,
    mark: (rt) => `Marking ran to its end and mark termination ran the verifier: ${verdict(rt)}.`,
    sweep: (rt) => `The sweep freed the white objects: ${colours(rt, ['A', 'B', 'C', 'D', 'E'])}.`,
  };
  return {
    id, title, idea: say.idea, setup: BAD(barrier), beats, status,
    panels: ['graph', 'barriers', 'spans'],
    steps: [
      { say: () => say.intro },
      ...beats.map((b) => ({ run: beat(b), beat: b, who: BEATS[b].who, say: say[b] || plain[b] })),
    ],
  };
}

function assists(rt) { return rt.history.cycles.at(-1)?.assists ?? 0; }

function sameBlock(x, y) { return x.tiny && y.tiny && x.tiny.block === y.tiny.block; }

function count(rt, colour) {
  const g = rt.graph();
  return g.nodes ? g.nodes.filter((x) => x.colour === COLORS.indexOf(colour)).length : 0;
}

// The last cycle from mark setup to the end of its sweep, all in one call: the pause the mutator saw.
function wholeCycle(rt) {
  const c = rt.history.cycles.at(-1);
  return c && c.end != null ? c.end - c.start : 0;
}

function arenas(rt) { return rt.memoryMap(null).segments.length; }
function reservedPages(rt) {
  return rt.memoryMap(null).runs.filter((r) => r.kind === PAGE_KIND.reserved).reduce((x, r) => x + r.n, 0);
}

function freePages(rt) {
  const map = rt.memoryMap(null);
  return map.runs.filter((r) => r.kind === PAGE_KIND.free).reduce((x, r) => x + r.n, 0);
}

// The worst waste of a class as Go's table counts it: requests one byte
// over the class below, filling a span, with its tail.
function maxWaste(rt, c) {
  const cls = rt.classes, size = cls[c].size, prev = c > 1 ? cls[c - 1].size : 0;
  const span = cls[c].pages * PAGE, objects = Math.floor(span / size);
  return pct((size - prev - 1) * objects + (span - objects * size), span);
}

// Marking is over (the pacer may start the next cycle before the sweep is).
const done = (phase) => phase === 'sweep' || phase === 'off';

// Runs the mutator until the phase passes `test` (at most 20 000 operations).
function untilPhase(rt, test) {
  for (let i = 0; i < 20000 && !test(rt.heap.phase); i++) rt.tick();
}

export const lessonById = (id) => LESSONS.find((l) => l.id === id);
