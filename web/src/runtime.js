// The live runtime: tricolor's Emscripten module, one collected heap, the
// scenario mutating it, what was allocated by hand, and the heap's past
// (recorder.js: every event, so that the page can step back through it).
// Views read the heap straight from the module's memory through the JS
// API; this file only drives it and keeps what the runtime does not.
import { BARRIERS, COLOR, EVENT, OBJECT, PAGE_RUN, PAGE_SIZE as PAGE, PAGE_STATE, SPAN } from '#tricolor/layout';
import { makeScenario, HAND_SLOTS } from './scenarios.js';
import { PAGE_KIND } from './palette.js';
import { HeapModel, GRAPH_MAX, EDGE_LIMIT } from './model.js';
import { History } from './history.js';
import { Recorder } from './recorder.js';

// The fields of a page run that say what its pages are: a change to any
// of them changes the heap map.
const MAP_FIELDS = [PAGE_RUN.base, PAGE_RUN.arena, PAGE_RUN.pages, PAGE_RUN.state, PAGE_RUN.sizeClass, PAGE_RUN.spanClass];
const KEEP_SAMPLES = 1200, KEEP_LOG = 200;
const STEP_BYTES = 4096; // one "mark step" of the controls
const ROW = 128; // pages in a row of the heap map: 1 MiB
// The page steps back through heaps up to this size; past it, recording
// every event would cost the frame rate more than it is worth.
const RECORD_MAX_OBJECTS = 250000;

export class LiveRuntime {
  constructor(tri) {
    this.tri = tri;
    this.kind = 'live';
    this.heap = null;
    // The size-class table as models read it: { size, pages } by class, 0 for large objects.
    this.classes = [{ size: 0, pages: 0 }, ...tri.sizeClasses().map((c) => ({ size: c.size, pages: c.pages }))];
  }

  static async load(wasmUrl = new URL('./tricolor-core.wasm', import.meta.url)) {
    const res = await fetch(wasmUrl);
    if (!res.ok) throw new Error(`cannot load the runtime (${wasmUrl.pathname}): HTTP ${res.status}`);
    const wasmBinary = await res.arrayBuffer();
    const { loadTricolor } = await import('./tricolor.mjs');
    const tri = await loadTricolor({ wasmBinary, print: () => {}, printErr: (s) => console.info(s) });
    return new LiveRuntime(tri);
  }

  // A new heap and scenario for these settings (beats: the bad case's script).
  reset(settings, { beats } = {}) {
    if (this.heap) this.heap.destroy();
    this.settings = { ...settings };
    const stepped = settings.collector === 'stepped';
    this.heap = this.tri.createHeap({
      barrier: settings.barrier,
      gogc: stepped || settings.gogc === 'off' ? 'off' : settings.gogc,
      minHeap: 256 << 10,
      verify: true,
      events: 1 << 16,
      stepBytes: settings.stepBytes || 0,
    });
    this.readEvents = 0;
    this.dropped = 0;
    this.samples = [];
    this.log = [];
    this.pendingBarrier = null;
    this.ops = 0;
    this.error = null;
    this.hand = [];
    this.handSerial = 0;
    this.plainHistory = null;
    this.recorder = new Recorder(this.emptyModel());
    this.heap.onRootStore((slot, value) => this.rootStore(slot, value));
    this.scenario = makeScenario(settings.scenario, {
      heap: this.heap, objects: settings.objects, seed: settings.seed, log: (t) => this.note(t), beats,
    });
    this.poll();
    this.recorder.markStep();
    this.sample();
    this.version = (this.version || 0) + 1; // views re-read everything
  }

  note(text) {
    this.log.push({ t: this.now(), text });
    if (this.log.length > KEEP_LOG) this.log.splice(0, this.log.length - KEEP_LOG);
  }

  now() { return this.heap ? this.heap.stats().wallNs : 0; }
  get phase() { return this.heap.phase; }
  get stepped() { return this.settings.collector === 'stepped'; }

  // What the page remembers of the heap's events: the recorder's, or, past
  // RECORD_MAX_OBJECTS, a history kept on its own.
  get history() { return this.plainHistory || this.recorder.head.history; }
  get recording() { return !this.plainHistory; }

  // --- the mutator and the collector ------------------------------------------------

  // One mutator operation. In stepped mode the collector then marks (or
  // sweeps) one object for every object the operation allocated, and at
  // least one: as Go's assists, allocation pays for collection, at a ratio
  // slow enough to watch. The bad case's script plays its collector's
  // beats itself.
  tick() {
    this.guard(() => {
      const before = this.stepped ? this.heap.stats().allocations : 0;
      this.scenario.tick();
      this.ops++;
      if (this.stepped && !this.scenario.drivesCollector) {
        if (this.heap.phase === 'off' && this.shouldStartCycle()) this.heap.startCycle();
        const made = Math.max(1, this.heap.stats().allocations - before);
        for (let i = 0; i < made && this.heap.phase !== 'off'; i++) this.heap.step(1);
      }
    });
  }

  // Stepped mode's trigger: the first cycle at once, then whenever the heap
  // has grown by GOGC percent over what the last cycle marked.
  shouldStartCycle() {
    const st = this.heap.stats();
    if (st.cycles === 0) return true;
    if (this.settings.gogc === 'off') return false;
    return st.heapLive >= st.heapMarked * (1 + this.settings.gogc / 100);
  }

  // The controls' steps: one object, one mark step, to the next phase, to the end of the cycle.
  stepObject() { this.collectorStep(1); }
  stepMark() { this.collectorStep(STEP_BYTES); }
  collectorStep(budget) {
    this.guard(() => {
      if (this.heap.phase === 'off') this.heap.startCycle();
      else this.heap.step(budget);
    });
  }

  stepPhase() {
    this.guard(() => {
      const from = this.heap.phase;
      if (from === 'off') { this.heap.startCycle(); return; }
      for (let i = 0; i < 1e6 && this.heap.phase === from; i++) this.heap.step(STEP_BYTES);
    });
  }

  finishCycle() {
    this.guard(() => {
      if (this.heap.phase === 'off') this.heap.startCycle();
      for (let i = 0; i < 1e6 && this.heap.phase !== 'off'; i++) this.heap.step(STEP_BYTES);
    });
  }

  collectNow() { this.guard(() => this.heap.collect()); }

  // Barrier changes take effect between cycles: the runtime refuses them while marking.
  setBarrier(mode) {
    if (!BARRIERS.includes(mode)) throw new RangeError(`unknown barrier '${mode}'`);
    this.settings.barrier = mode;
    if (this.heap.setBarrier(mode)) this.pendingBarrier = null;
    else this.pendingBarrier = mode;
  }

  setGogc(gogc) {
    this.settings.gogc = gogc;
    if (!this.stepped) this.heap.setGogc(gogc);
  }

  // Runs fn against the heap; an exception stops the runtime with a message.
  guard(fn) {
    if (this.error) return undefined;
    let out;
    try {
      out = fn();
    } catch (err) {
      this.error = err.message || String(err);
    }
    if (this.pendingBarrier && this.heap.phase === 'off' && this.heap.setBarrier(this.pendingBarrier)) {
      this.pendingBarrier = null;
    }
    this.poll();
    this.recorder.markStep();
    return out;
  }

  get done() { return this.scenario.done?.() ?? false; }

  // --- allocation by hand ---------------------------------------------------------------

  // Allocates `size` bytes: kind 'scan' (pointer words: the size rounded up
  // to whole words), 'noscan' (from the collected heap; under 16 bytes, the
  // tiny allocator) or 'malloc'. Collected objects are held in a root slot
  // until dropped. Returns the record the allocator panel shows: where it
  // went, its size class, the bytes wasted and the level that served it.
  handAlloc(size, kind) {
    if (!Number.isInteger(size) || size < 1 || size > 1 << 30) {
      throw new RangeError(`allocate a whole number of bytes from 1 to ${1 << 30}, not ${size}`);
    }
    if (!['scan', 'noscan', 'malloc'].includes(kind)) throw new RangeError(`kind is scan, noscan or malloc, not '${kind}'`);
    if (kind !== 'malloc' && !this.scenario.hand) throw new Error('objects are allocated by hand into the By hand scenario\'s heap');
    const heap = this.heap, tri = this.tri;
    const gcBefore = heap.stats(), mallocBefore = kind === 'malloc' ? tri.stats() : null;
    const words = Math.ceil(size / 4);
    const slot = kind === 'malloc' ? -1 : this.freeHandSlot();
    const bytes = kind === 'scan' ? words * 4 : size;
    let address;
    try {
      if (kind === 'malloc') address = tri.malloc(size);
      else if (kind === 'scan') address = heap.allocArray(this.handType ??= heap.type('hand', 1, [0]), words);
      else address = heap.allocNoscan(size);
      if (!address) return null;
      if (slot >= 0) this.scenario.roots.set(slot, address);
      const record = { id: ++this.handSerial, address, size, bytes, kind, slot, ...this.placement(address, bytes, kind),
        level: this.levelServed(kind, gcBefore, mallocBefore, address, bytes) };
      this.hand.push(record);
      if (kind === 'noscan' && bytes < 16) this.lastTiny = record;
      return record;
    } finally {
      this.poll();
      this.recorder.markStep();
    }
  }

  freeHandSlot() {
    const used = new Set(this.hand.filter((h) => h.slot >= 0).map((h) => h.slot));
    for (let i = 0; i < HAND_SLOTS; i++) if (!used.has(i)) return i;
    throw new Error(`every one of the ${HAND_SLOTS} root slots for objects allocated by hand is taken: drop some`);
  }

  // Size class, the class's object size and the waste of an allocation.
  placement(address, bytes, kind) {
    if (kind === 'noscan' && bytes < 16) {
      const block = address & ~15;
      return { sizeClass: this.tri.sizeClassOf(16), classSize: 16, waste: null, tiny: { block, offset: address - block } };
    }
    const c = this.tri.sizeClassOf(bytes);
    if (!c) { // a large object: whole pages
      const pages = Math.ceil(bytes / PAGE);
      return { sizeClass: 0, classSize: pages * PAGE, waste: pages * PAGE - bytes, pages };
    }
    const cls = this.classes[c];
    const objects = Math.floor((cls.pages * PAGE) / cls.size);
    return { sizeClass: c, classSize: cls.size, waste: cls.size - bytes, spanPages: cls.pages, perSpan: objects,
      tailWaste: cls.pages * PAGE - objects * cls.size };
  }

  // Which level served the allocation just made: from the counters' change.
  levelServed(kind, gcBefore, mallocBefore, address, bytes) {
    if (kind === 'malloc') {
      const after = this.tri.stats();
      const d = ['hitsOS', 'hitsPageHeap', 'hitsCentral'].find((k) => after[k] > mallocBefore[k]);
      return { hitsOS: 'OS', hitsPageHeap: 'page heap', hitsCentral: 'central list' }[d] || 'thread cache';
    }
    if (kind === 'noscan' && bytes < 16 && this.lastTiny && (this.lastTiny.address & ~15) === (address & ~15)) {
      return 'tiny block';
    }
    const after = this.heap.stats();
    if (after.servedOS > gcBefore.servedOS) return 'OS';
    if (after.servedPageHeap > gcBefore.servedPageHeap) return 'page heap';
    if (after.servedCentral > gcBefore.servedCentral) return 'central list';
    return 'thread cache';
  }

  // Lets go of an object allocated by hand: malloc's is freed now; a
  // collected one loses its root, and the next cycle frees it.
  handFree(id) {
    const i = this.hand.findIndex((h) => h.id === id);
    if (i < 0) return;
    const [h] = this.hand.splice(i, 1);
    this.guard(() => {
      if (h.kind === 'malloc') this.tri.free(h.address);
      else this.scenario.roots.set(h.slot, 0);
    });
  }

  // Hands every free page of the page heap back to the OS; returns the bytes.
  releaseIdle() { return this.guard(() => this.tri.releaseIdleMemory()) || 0; }

  // --- events and history -------------------------------------------------------------

  poll() {
    const { ring, capacity, written } = this.heap.eventRing();
    let k = this.readEvents;
    if (written - k > capacity) { // the ring went round since the last read: events lost
      this.dropped += written - k - capacity;
      this.readEvents = written;
      this.restartRecording(`the runtime's ring of ${capacity.toLocaleString('en')} events went round between two reads`);
      return;
    }
    if (this.plainHistory) {
      for (; k < written; k++) this.plainHistory.event(ring, (k % capacity) * EVENT.words, k);
    } else {
      for (; k < written; k++) this.recorder.event(ring, (k % capacity) * EVENT.words);
      if (this.recorder.head.objects > RECORD_MAX_OBJECTS) this.stopRecording();
    }
    this.readEvents = written;
  }

  rootStore(slot, value) {
    if (this.plainHistory) return;
    this.poll(); // the runtime's events before this store come first
    this.recorder.rootStore(slot, value);
  }

  // From a snapshot of the live heap; the past before it is gone.
  restartRecording(why) {
    if (this.plainHistory) return;
    const history = this.recorder.head.history.clone();
    const m = this.snapshot(history);
    if (m.objects > RECORD_MAX_OBJECTS) this.stopRecording();
    else this.recorder.restart(m, why);
  }

  stopRecording() {
    this.plainHistory = this.recorder.head.history;
    this.recorder = new Recorder(this.emptyModel());
    this.recorder.lost = `the page steps back through heaps of up to ${RECORD_MAX_OBJECTS.toLocaleString('en')} objects`;
    this.recorder.off = true;
  }

  emptyModel(history = null) {
    // labels and field names: the scenario's, as it has them now (this.labels, this.fieldName)
    const m = new HeapModel({ classes: this.classes, wordBytes: 4, arenaShift: 20, barrier: this.settings.barrier,
      storesRecorded: true, rootsRecorded: true, decor: this, kind: 'past' });
    if (history) m.history = history;
    return m;
  }

  // The live heap as a model (model.js): spans and colours, the pointers of
  // every object (while the heap is small enough to follow them), the roots.
  snapshot(history = new History(this.settings.barrier)) {
    const m = this.emptyModel(history);
    this.forEachGcSpan((s, colours) => {
      const span = { base: s.base, pages: s.pages, spanclass: s.spanClass, sizeclass: s.sizeclass, noscan: s.noscan,
        objectSize: s.objectSize, objects: s.objects, allocated: s.allocated, colours: colours.slice(0, s.objects),
        swept: s.swept };
      m.addSpan(span);
      m.spanBytes += s.pages * PAGE;
      m.objects += s.allocated;
      m.live += s.allocated * s.objectSize;
    });
    if (m.objects <= EDGE_LIMIT) {
      const objs = this.heap.objects(), starts = [];
      for (let i = 0; i < objs.length; i += OBJECT.words) starts.push(objs[i + OBJECT.address]);
      for (const o of starts) for (const [slot, target] of this.heap.pointers(o)) if (target) m.edges.set(slot, target);
    } else {
      m.loseEdges();
    }
    for (const [slot, target] of this.heap.rootSlots()) if (target) m.roots.set(slot, target);
    m.at = this.recorder ? this.recorder.end : 0;
    m.time = this.heap.stats().wallNs;
    m.samples = this.samples.slice();
    return m;
  }

  sample() {
    const st = this.heap.stats();
    this.stats = st;
    const last = this.samples[this.samples.length - 1];
    if (last && st.wallNs - last.t < 20e6) return st;
    const { heapGoal } = this.goal(st);
    this.samples.push({ t: st.wallNs, live: st.heapLive, goal: heapGoal ?? Infinity, spans: st.heapSpans,
      marked: st.heapMarked, cycles: st.cycles });
    if (this.samples.length > 2 * KEEP_SAMPLES) this.samples.splice(0, this.samples.length - KEEP_SAMPLES);
    return st;
  }

  // --- what the views read ---------------------------------------------------------------

  // Changes when any page changes state: the heap map redraws only then.
  mapSignature() {
    const runs = this.tri.pageRuns();
    let h = 2166136261 ^ this.tri.memoryBytes ^ (this.tri.heapEnd * 31);
    for (let i = 0; i < runs.length; i += PAGE_RUN.words) {
      for (const k of MAP_FIELDS) h = Math.imul(h ^ runs[i + k], 16777619);
    }
    return `${h >>> 0}:${runs.length}`;
  }

  // The heap map: by default the runtime's arenas only, each from a new row
  // of 128 pages (1 MiB), with the rest of linear memory (the module's own
  // data and stack, tricolor's metadata outside arenas, memory not used
  // yet) collapsed into `collapsed`; whole: every page of linear memory.
  memoryMap(into, { whole = false } = {}) {
    const tri = this.tri, runs = tri.pageRuns();
    const memPages = Math.ceil(tri.memoryBytes / PAGE);
    const arenas = new Map(); // arena base -> highest page used + 1
    for (let i = 0; i < runs.length; i += PAGE_RUN.words) {
      const base = runs[i + PAGE_RUN.base], arena = runs[i + PAGE_RUN.arena], n = runs[i + PAGE_RUN.pages];
      arenas.set(arena, Math.max(arenas.get(arena) || 0, (base - arena) / PAGE + n));
    }
    const segments = [];
    let pages = 0;
    if (whole) {
      segments.push({ first: 0, n: memPages, base: 0 });
      pages = memPages;
    } else {
      for (const base of [...arenas.keys()].sort((x, y) => x - y)) {
        const n = Math.ceil(arenas.get(base) / ROW) * ROW;
        segments.push({ first: pages, n, base });
        pages += n;
      }
    }
    const map = into && into.kind.length >= pages ? into : {
      kind: new Uint8Array(Math.max(pages, 1) * 2), start: new Uint8Array(Math.max(pages, 1) * 2),
      arena: new Uint8Array(Math.max(pages, 1) * 2), runs: [],
    };
    map.pages = pages;
    map.segments = segments;
    map.whole = whole;
    const heapBase = Math.ceil(tri.heapBase / PAGE), heapEnd = Math.min(memPages, Math.ceil(tri.heapEnd / PAGE));
    map.start.fill(0, 0, pages);
    map.arena.fill(0, 0, pages);
    map.runs.length = 0;
    if (whole) {
      map.kind.fill(PAGE_KIND.module, 0, heapBase);
      map.kind.fill(PAGE_KIND.meta, heapBase, heapEnd);
      map.kind.fill(PAGE_KIND.unused, heapEnd, pages);
      map.start[0] = 1;
      map.start[heapBase] = 1;
    } else {
      map.kind.fill(PAGE_KIND.reserved, 0, pages);
      for (const s of segments) map.arena[s.first] = 1;
    }
    const drawn = (addr) => {
      const seg = segments.find((g) => addr >= g.base && addr < g.base + g.n * PAGE);
      return seg ? seg.first + (addr - seg.base) / PAGE : -1;
    };
    let arenaPages = 0;
    for (let i = 0; i < runs.length; i += PAGE_RUN.words) {
      const base = runs[i + PAGE_RUN.base], arena = runs[i + PAGE_RUN.arena], n = runs[i + PAGE_RUN.pages];
      const first = drawn(base);
      if (first < 0 || first + n > pages) continue;
      arenaPages += n;
      const sizeclass = runs[i + PAGE_RUN.sizeClass], spanclass = runs[i + PAGE_RUN.spanClass];
      let kind;
      switch (runs[i + PAGE_RUN.state]) {
      case PAGE_STATE.FREE: kind = PAGE_KIND.free; break;
      case PAGE_STATE.RELEASED: kind = PAGE_KIND.released; break;
      case PAGE_STATE.SMALL: kind = PAGE_KIND.small; break;
      case PAGE_STATE.LARGE: kind = PAGE_KIND.large; break;
      case PAGE_STATE.GC: kind = sizeclass === 0 ? PAGE_KIND.gclarge : (spanclass & 1 ? PAGE_KIND.gcnoscan : PAGE_KIND.gcscan); break;
      default: kind = PAGE_KIND.reserved;
      }
      map.kind.fill(kind, first, first + n);
      map.start[first] = 1;
      if (base === arena) map.arena[first] = 1;
      map.runs.push({ first, n, base, arena, kind, sizeclass, spanclass, objects: runs[i + PAGE_RUN.objects],
        allocated: runs[i + PAGE_RUN.allocated] });
    }
    // what the arenas leave out, collapsed to a line
    map.collapsed = whole ? [] : [
      { kind: PAGE_KIND.module, bytes: tri.heapBase },
      { kind: PAGE_KIND.meta, bytes: Math.max(0, (heapEnd - heapBase) * PAGE - arenaPages * PAGE) },
      { kind: PAGE_KIND.unused, bytes: Math.max(0, tri.memoryBytes - heapEnd * PAGE) },
    ];
    map.heapBasePage = whole ? heapBase : 0;
    return map;
  }

  // The collected heap's spans with each object's colour: fn(span, colours),
  // colours an array of COLORS indexes (free, white, grey, black) per object.
  forEachGcSpan(fn) {
    const spans = this.heap.spans(), u32 = this.tri.views().u32;
    const colours = this.colourScratch ??= new Uint8Array(1024);
    const span = this.spanScratch ??= {}; // one record, refilled: no garbage per span per frame
    // in address order, so that a span keeps its place on screen as it moves between the heap's lists
    const W = SPAN.words, count = spans.length / W;
    if (!this.order || this.order.length < count) this.order = new Uint32Array(count * 2);
    const order = this.order.subarray(0, count);
    for (let i = 0; i < count; i++) order[i] = i;
    order.sort((x, y) => spans[x * W + SPAN.base] - spans[y * W + SPAN.base]);
    const { FREE, WHITE, GREY, BLACK } = COLOR;
    for (let k = 0; k < count; k++) {
      const s = order[k] * W;
      const n = spans[s + SPAN.objects];
      const alloc = spans[s + SPAN.allocBits] >>> 2, mark = spans[s + SPAN.markBits] >>> 2, grey = spans[s + SPAN.greyBits] >>> 2;
      for (let i = 0; i < n; i++) {
        const word = i >>> 5, bit = 1 << (i & 31);
        colours[i] = !(u32[alloc + word] & bit) ? FREE : !(u32[mark + word] & bit) ? WHITE : (u32[grey + word] & bit) ? GREY : BLACK;
      }
      span.base = spans[s + SPAN.base];
      span.pages = spans[s + SPAN.pages];
      span.sizeclass = spans[s + SPAN.sizeClass];
      span.spanClass = spans[s + SPAN.spanClass];
      span.noscan = spans[s + SPAN.noscan];
      span.swept = spans[s + SPAN.swept];
      span.objectSize = spans[s + SPAN.objectSize];
      span.objects = n;
      span.allocated = spans[s + SPAN.allocated];
      span.allocBits = alloc;
      span.markBits = mark;
      span.greyBits = grey;
      fn(span, colours);
    }
  }

  // The collected heap's span table as it lies in the module's memory:
  // { table, count } of SPAN records (unsorted), for the span view, which
  // reads each span's bitmaps where they lie (bits()) instead of turning
  // them into colours one object at a time.
  spanTable() {
    const table = this.heap.spans();
    return { table, count: table.length / SPAN.words };
  }

  // The module's memory as 32-bit words (the bitmaps spanTable() points into).
  bits() { return this.tri.views().u32; }

  // The bitmaps of the span holding addr, for the span detail.
  spanBits(addr) {
    const spans = this.heap.spans();
    for (let s = 0; s < spans.length; s += SPAN.words) {
      const base = spans[s + SPAN.base], pages = spans[s + SPAN.pages];
      if (addr < base || addr >= base + pages * PAGE) continue;
      const n = spans[s + SPAN.objects], words = Math.ceil(n / 32);
      const copy = (p) => Array.from(this.heap.bits(p, n).subarray(0, words));
      return { base, pages, sizeclass: spans[s + SPAN.sizeClass], objectSize: spans[s + SPAN.objectSize], objects: n,
        allocated: spans[s + SPAN.allocated], swept: spans[s + SPAN.swept], noscan: spans[s + SPAN.noscan],
        alloc: copy(spans[s + SPAN.allocBits]), mark: copy(spans[s + SPAN.markBits]), grey: copy(spans[s + SPAN.greyBits]) };
    }
    return null;
  }

  // The object graph of a small heap: nodes, edges and roots.
  graph() {
    const count = this.heap.stats().objects;
    if (count > GRAPH_MAX) return { tooBig: count };
    const objs = this.heap.objects();
    const nodes = [];
    const index = new Map();
    for (let i = 0; i < objs.length; i += OBJECT.words) {
      const addr = objs[i + OBJECT.address];
      index.set(addr, nodes.length);
      nodes.push({ addr, size: objs[i + OBJECT.size], colour: objs[i + OBJECT.colour], label: this.scenario.labels.get(addr) });
    }
    const edges = [];
    for (const node of nodes) {
      for (const [slot, target] of this.heap.pointers(node.addr)) {
        if (target && index.has(target)) edges.push({ from: node.addr, to: target, slot });
      }
    }
    const roots = this.heap.rootSlots().filter(([, t]) => t && index.has(t)).map(([slot, target]) => ({ slot, target }));
    return { nodes, edges, roots };
  }

  fieldName(object, slot) {
    return this.scenario?.fieldName?.(object, slot) ?? `+${slot - object}`;
  }

  get labels() { return this.scenario?.labels || new Map(); }

  // 'root 2' for the second slot of the scenario's roots ('root slot 0x…' for others).
  rootName(slot) {
    const r = this.scenario?.roots;
    if (r && slot >= r.base && slot < r.base + 4 * r.count) return `root ${(slot - r.base) / 4 + 1}`;
    return `root slot 0x${slot.toString(16)}`;
  }

  // Everything the inspector shows of the object at (or containing) addr.
  inspect(addr) {
    const o = this.heap.objectOf(addr);
    if (!o) return null;
    const span = this.spanBits(o.address);
    const pointers = this.heap.pointers(o.address).map(([slot, target]) => ({ slot, target,
      field: this.fieldName(o.address, slot), colour: target ? this.heap.colorOf(target) : null }));
    return { address: o.address, size: o.size, colour: this.heap.colorOf(o.address), span,
      index: span && span.sizeclass ? Math.floor((o.address - span.base) / span.objectSize) : 0,
      pointers, path: this.pathTo(o.address), label: this.scenario.labels.get(o.address) };
  }

  // The chain of objects from a root to target, found breadth first; null if none.
  pathTo(target, limit = 300000) {
    const prev = new Map();
    const queue = [];
    for (const [slot, t] of this.heap.rootSlots()) {
      if (t && !prev.has(t)) { prev.set(t, { root: slot }); queue.push(t); }
    }
    for (let q = 0; q < queue.length && queue.length < limit; q++) {
      const obj = queue[q];
      if (obj === target) break;
      for (const [slot, t] of this.heap.pointers(obj)) {
        const start = t && this.heap.objectOf(t);
        if (start && !prev.has(start.address)) { prev.set(start.address, { from: obj, slot }); queue.push(start.address); }
      }
    }
    if (!prev.has(target)) return null;
    const path = [];
    for (let at = target; ;) {
      const p = prev.get(at);
      const root = p.root !== undefined;
      path.unshift({ object: at, slot: root ? p.root : p.slot, root, field: root ? null : this.fieldName(p.from, p.slot) });
      if (root) break;
      at = p.from;
    }
    return path;
  }

  // A summary for the DOM panels.
  summary() {
    const st = this.sample();
    const ms = this.tri.stats();
    return {
      kind: 'live', phase: st.phase, cycles: st.cycles, barrier: st.barrier, pendingBarrier: this.pendingBarrier,
      objects: st.objects, heapLive: st.heapLive, heapMarked: st.heapMarked, ...this.goal(st),
      heapSpans: st.heapSpans, allocations: st.allocations, gcShare: st.wallNs ? st.gcNs / st.wallNs : 0,
      stops: { count: st.stops, p50: st.stopP50Ns, p99: st.stopP99Ns, max: st.stopMaxNs },
      steps: { count: st.steps, p50: st.stepP50Ns, p99: st.stepP99Ns, max: st.stepMaxNs },
      served: [st.servedCache, st.servedCentral, st.servedPageHeap, st.servedOS],
      mallocServed: [ms.hitsThreadCache, ms.hitsCentral, ms.hitsPageHeap, ms.hitsOS],
      memory: { bytes: this.tri.memoryBytes, reserved: ms.reserved, committed: ms.committed, released: ms.released,
        inUse: ms.inUse, metadata: ms.metadata },
      barrierHits: { hybrid: st.barrierHybrid, dijkstra: st.barrierDijkstra, yuasa: st.barrierYuasa, none: st.barrierNone },
      counts: [...this.history.counts], ops: this.ops, dropped: this.dropped, error: this.error,
      violations: this.history.violations.length, done: this.done,
    };
  }

  // The goal and trigger: the runtime's pacer's, or in stepped mode the page's
  // own (GOGC over what the last cycle marked). Infinite with GOGC off.
  goal(st) {
    if (!this.stepped) return { heapGoal: finite(st.heapGoal), trigger: finite(st.trigger) };
    if (this.settings.gogc === 'off') return { heapGoal: Infinity, trigger: Infinity };
    if (!st.heapMarked) return { heapGoal: null, trigger: null }; // no mark has finished: the first cycle starts at once
    const g = st.heapMarked * (1 + this.settings.gogc / 100);
    return { heapGoal: g, trigger: g };
  }

  // Size classes with what the collected heap has of each.
  sizeClassTable() {
    const classes = this.tableBase ??= this.tri.sizeClasses();
    const rows = classes.map((c) => ({ ...c, tailWaste: c.pages * PAGE - c.size * c.objects, spans: 0, scanSpans: 0,
      allocated: 0 }));
    const spans = this.heap.spans();
    let largeSpans = 0, largeBytes = 0;
    for (let s = 0; s < spans.length; s += SPAN.words) {
      const c = spans[s + SPAN.sizeClass];
      if (!c) { largeSpans++; largeBytes += spans[s + SPAN.pages] * PAGE; continue; }
      const row = rows[c - 1];
      row.spans++;
      if (!spans[s + SPAN.noscan]) row.scanSpans++;
      row.allocated += spans[s + SPAN.allocated];
    }
    return { rows, largeSpans, largeBytes };
  }

  // The colour of an object by its address, as COLORS names ('free' if none).
  colourOf(addr) { return this.heap.colorOf(addr); }
}

const finite = (v) => (v >= 2 ** 60 ? Infinity : v);

