// The live runtime: tricolor's Emscripten module, one collected heap, the
// scenario mutating it, and what the page remembers of its history (stats
// over time, cycles, stops and steps, barriers, violations). Views read the
// heap straight from the module's memory through the JS API; this file
// only drives it and keeps the history that the runtime does not.
import { BARRIERS, COLOR, EVENT, OBJECT, PAGE_RUN, PAGE_SIZE as PAGE, PAGE_STATE, SPAN } from '#tricolor/layout';
import { makeScenario } from './scenarios.js';
import { PAGE_KIND } from './palette.js';
import { History } from './history.js';

// The fields of a page run that say what its pages are: a change to any
// of them changes the heap map.
const MAP_FIELDS = [PAGE_RUN.base, PAGE_RUN.arena, PAGE_RUN.pages, PAGE_RUN.state, PAGE_RUN.sizeClass, PAGE_RUN.spanClass];
const KEEP_SAMPLES = 1200, KEEP_LOG = 200;
const GRAPH_MAX = 400; // the object graph is drawn for heaps this small
const STEP_BYTES = 4096; // one "mark step" of the controls

export class LiveRuntime {
  constructor(tri) {
    this.tri = tri;
    this.kind = 'live';
    this.heap = null;
  }

  static async load(wasmUrl = new URL('./tricolor-core.wasm', import.meta.url)) {
    const res = await fetch(wasmUrl);
    if (!res.ok) throw new Error(`cannot load the runtime (${wasmUrl.pathname}): HTTP ${res.status}`);
    const wasmBinary = await res.arrayBuffer();
    const { loadTricolor } = await import('./tricolor.mjs');
    const tri = await loadTricolor({ wasmBinary, print: () => {}, printErr: (s) => console.info(s) });
    return new LiveRuntime(tri);
  }

  // A new heap and scenario for these settings.
  reset(settings) {
    if (this.heap) this.heap.destroy();
    this.settings = { ...settings };
    const stepped = settings.collector === 'stepped';
    this.heap = this.tri.createHeap({
      barrier: settings.barrier,
      gogc: stepped || settings.gogc === 'off' ? 'off' : settings.gogc,
      minHeap: 256 << 10,
      verify: true,
      events: 1 << 16,
    });
    this.readEvents = 0;
    this.dropped = 0;
    this.history = new History(settings.barrier);
    this.samples = [];
    this.log = [];
    this.pendingBarrier = null;
    this.ops = 0;
    this.error = null;
    this.scenario = makeScenario(settings.scenario, {
      heap: this.heap, objects: settings.objects, seed: settings.seed, log: (t) => this.note(t),
    });
    this.poll();
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

  // --- the mutator and the collector ------------------------------------------------

  // One mutator operation. In stepped mode the collector then marks (or
  // sweeps) one object for every object the operation allocated, and at
  // least one: as Go's assists, allocation pays for collection, at a ratio
  // slow enough to watch.
  tick() {
    this.guard(() => {
      const before = this.stepped ? this.heap.stats().allocations : 0;
      this.scenario.tick();
      this.ops++;
      if (this.stepped) {
        if (this.heap.phase === 'off' && this.shouldStartCycle()) this.heap.startCycle();
        const made = Math.max(1, this.heap.stats().allocations - before);
        for (let i = 0; i < made && this.heap.phase !== 'off'; i++) {
          this.heap.step(1);
          this.scenario.react?.();
        }
        this.scenario.react?.();
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
      this.scenario.react?.();
    });
  }

  stepPhase() {
    this.guard(() => {
      const from = this.heap.phase;
      if (from === 'off') { this.heap.startCycle(); this.scenario.react?.(); return; }
      for (let i = 0; i < 1e6 && this.heap.phase === from; i++) {
        this.heap.step(STEP_BYTES);
        this.scenario.react?.();
      }
    });
  }

  finishCycle() {
    this.guard(() => {
      if (this.heap.phase === 'off') this.heap.startCycle();
      // step by step, so that a mutator reacting to colours still can
      for (let i = 0; i < 1e6 && this.heap.phase !== 'off'; i++) {
        this.heap.step(STEP_BYTES);
        this.scenario.react?.();
      }
    });
  }

  collectNow() { this.guard(() => { this.heap.collect(); this.scenario.react?.(); }); }

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

  guard(fn) {
    if (this.error) return;
    try {
      fn();
    } catch (err) {
      this.error = err.message || String(err);
    }
    if (this.pendingBarrier && this.heap.phase === 'off' && this.heap.setBarrier(this.pendingBarrier)) {
      this.pendingBarrier = null;
    }
    this.poll();
  }

  get done() { return this.scenario.done?.() ?? false; }

  // --- events and history -------------------------------------------------------------

  poll() {
    const { ring, capacity, written } = this.heap.eventRing();
    let k = this.readEvents;
    if (written - k > capacity) { this.dropped += written - k - capacity; k = written - capacity; }
    for (; k < written; k++) this.history.event(ring, (k % capacity) * EVENT.words, k);
    this.readEvents = written;
  }

  sample() {
    const st = this.heap.stats();
    this.stats = st;
    const last = this.samples[this.samples.length - 1];
    if (last && st.wallNs - last.t < 20e6) return st;
    const { heapGoal } = this.goal(st);
    this.samples.push({ t: st.wallNs, live: st.heapLive, goal: heapGoal ?? Infinity, spans: st.heapSpans,
      marked: st.heapMarked, cycles: st.cycles });
    if (this.samples.length > KEEP_SAMPLES) this.samples.splice(0, this.samples.length - KEEP_SAMPLES);
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

  // Every page of linear memory by kind (PAGE_KIND), for the heap map.
  memoryMap(into) {
    const tri = this.tri, runs = tri.pageRuns();
    const pages = Math.ceil(tri.memoryBytes / PAGE);
    const map = into && into.kind.length >= pages ? into : {
      kind: new Uint8Array(pages * 2), start: new Uint8Array(pages * 2), arena: new Uint8Array(pages * 2), runs: [],
    };
    map.pages = pages;
    map.segments = [{ first: 0, n: pages, base: 0 }];
    const heapBase = Math.ceil(tri.heapBase / PAGE), heapEnd = Math.min(pages, Math.ceil(tri.heapEnd / PAGE));
    map.kind.fill(PAGE_KIND.module, 0, heapBase);
    map.kind.fill(PAGE_KIND.meta, heapBase, heapEnd);
    map.kind.fill(PAGE_KIND.unused, heapEnd, pages);
    map.start.fill(0, 0, pages);
    map.arena.fill(0, 0, pages);
    map.start[0] = 1;
    map.start[heapBase] = 1;
    map.runs.length = 0;
    for (let i = 0; i < runs.length; i += PAGE_RUN.words) {
      const base = runs[i + PAGE_RUN.base], arena = runs[i + PAGE_RUN.arena], n = runs[i + PAGE_RUN.pages];
      const first = base / PAGE;
      if (first + n > pages) continue; // cannot be: runs lie within memory
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
    map.heapBasePage = heapBase;
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
      span.noscan = spans[s + SPAN.noscan];
      span.swept = spans[s + SPAN.swept];
      span.objectSize = spans[s + SPAN.objectSize];
      span.objects = n;
      span.allocated = spans[s + SPAN.allocated];
      fn(span, colours);
    }
  }

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

  // Everything the inspector shows of the object at (or containing) addr.
  inspect(addr) {
    const o = this.heap.objectOf(addr);
    if (!o) return null;
    const span = this.spanBits(o.address);
    const pointers = this.heap.pointers(o.address).map(([slot, target]) => ({ slot, target,
      colour: target ? this.heap.colorOf(target) : null }));
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
      path.unshift({ object: at, slot: p.root ?? p.slot, root: p.root !== undefined });
      if (p.root !== undefined) break;
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
}

const finite = (v) => (v >= 2 ** 60 ? Infinity : v);


