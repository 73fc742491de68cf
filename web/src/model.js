// The heap as its event stream tells it: spans and the colour of every
// object, the pointers stored into objects, the roots, and the history
// (history.js) of cycles, stops, steps and barriers. A trace's replay
// (trace.js) is one; so is the live heap's past (recorder.js), which the
// page steps back through. Views read a model as they read the live
// runtime: the same methods, the same shapes.
//
// What the stream holds (docs/trace-format.md): allocations and frees,
// every greying and blackening, spans taken and returned, phases, and in a
// version-2 stream every pointer store into an object (a barrier event,
// shading or not). Roots have no barrier, so they are not in it: the live
// page adds a ROOT_STORE event of its own for each store into a root
// slot; a trace's roots are taken from the root scan at the start of each
// cycle (the objects it shades), which the model says is what they are.
//
// Sweeping is inferred: a span is swept when one of its objects is freed
// or allocated while the heap sweeps, and every span by the end of the
// sweep (or the next mark setup); its survivors are white again from then.
import { COLORS, COLOR, EVENTS, EVENT, EVENT_KIND as EV, PHASES, PHASE, PAGE_SIZE as PAGE } from '#tricolor/layout';
import { History } from './history.js';
import { PAGE_KIND } from './palette.js';

// The page's own events, numbered after the runtime's kinds.
export const ROOT_STORE = EVENTS.length; // a: root slot, b: the value stored
export const GRAPH_MAX = 400; // the object graph is drawn for heaps this small
export const EDGE_LIMIT = 20000; // pointers are followed while the heap has at most this many objects

const u64 = (r, w) => r[w] + r[w + 1] * 2 ** 32;
const finite = (v) => (v == null || v >= 2 ** 60 ? Infinity : v); // the pacer's 'no goal' is UINT64_MAX

// A span as the model keeps it (and as forEachGcSpan hands it out).
function newSpan(base, pages, spanclass, classes) {
  const sizeclass = spanclass >> 1, c = classes[sizeclass];
  const objectSize = sizeclass ? c.size : pages * PAGE, objects = sizeclass ? Math.floor((pages * PAGE) / c.size) : 1;
  return { base, pages, spanclass, sizeclass, noscan: spanclass & 1, objectSize, objects, allocated: 0,
    colours: new Uint8Array(objects), swept: 1 };
}

export class HeapModel {
  // classes: the size-class table ({ size, pages } per class, 0 for large);
  // wordBytes: 4 (wasm32) or 8; arenaShift: log2 of an arena's size;
  // storesRecorded: whether the stream holds every pointer store;
  // rootsRecorded: whether it holds ROOT_STORE events (else roots come
  // from the root scans); decor: { labels, fieldName } from a scenario.
  constructor({ classes, wordBytes = 4, arenaShift = 20, barrier = 'hybrid', storesRecorded = true, rootsRecorded = false,
    decor = null, kind = 'replay' }) {
    Object.assign(this, { classes, wordBytes, arenaShift, storesRecorded, rootsRecorded, kind, barrier });
    this.decor = decor || { labels: new Map() };
    this.spans = new Map(); // base -> span
    this.pageSpan = new Map(); // page number -> span
    this.edges = new Map(); // slot -> target: what the stores left in objects
    this.roots = new Map(); // slot (or, from a scan, 'scan:' + target) -> target
    this.history = new History(barrier);
    this.trackEdges = storesRecorded;
    this.edgesLostAt = storesRecorded ? null : 0;
    this.live = 0;
    this.spanBytes = 0;
    this.objects = 0;
    this.samples = [];
    this.at = 0; // events applied
    this.time = 0;
    this.scan = null; // the root scan being watched: { set, hybrid, first }
    this.version = 1;
  }

  clone() {
    const m = Object.create(HeapModel.prototype);
    Object.assign(m, this);
    m.spans = new Map();
    m.pageSpan = new Map();
    for (const s of this.spans.values()) m.addSpan({ ...s, colours: s.colours.slice() });
    m.edges = new Map(this.edges);
    m.roots = new Map(this.roots);
    m.history = this.history.clone();
    m.samples = this.samples.slice();
    m.scan = this.scan && { ...this.scan, set: new Set(this.scan.set) };
    return m;
  }

  addSpan(span) {
    this.spans.set(span.base, span);
    for (let i = 0; i < span.pages; i++) this.pageSpan.set(span.base / PAGE + i, span);
  }

  spanOf(addr) { return this.pageSpan.get(Math.floor(addr / PAGE)); }

  // The object holding addr: { span, index, address } or null if none is allocated there.
  objectAt(addr) {
    const span = this.spanOf(addr);
    if (!span) return null;
    const index = Math.floor((addr - span.base) / span.objectSize);
    if (index >= span.objects || !span.colours[index]) return null;
    return { span, index, address: span.base + index * span.objectSize };
  }

  // --- applying events --------------------------------------------------------------

  // The event at word w of r (EVENT records), the index-th of the stream.
  apply(r, w, index) {
    const kind = r[w + EVENT.kind], arg = r[w + EVENT.arg];
    this.time = u64(r, w + EVENT.timeNs);
    if (kind === ROOT_STORE) {
      this.rootStore(r[w + EVENT.a], r[w + EVENT.b]);
      this.at = index + 1;
      return;
    }
    this.history.event(r, w, index);
    const a = u64(r, w + EVENT.a);
    switch (kind) {
    case EV.SPAN_TAKE:
      this.addSpan(newSpan(a, r[w + EVENT.b], arg, this.classes));
      this.spanBytes += r[w + EVENT.b] * PAGE;
      break;
    case EV.SPAN_RETURN: {
      const span = this.spans.get(a);
      if (!span) break;
      this.spans.delete(a);
      for (let i = 0; i < span.pages; i++) this.pageSpan.delete(a / PAGE + i);
      this.spanBytes -= span.pages * PAGE;
      break;
    }
    case EV.ALLOC: case EV.GREY: case EV.BLACK: case EV.FREE:
      this.colour(kind, arg, a);
      break;
    case EV.BARRIER:
      if (this.trackEdges) {
        const value = r[w + EVENT.c] + r[w + EVENT.c + 1] * 2 ** 32;
        if (value) this.edges.set(a, value); else this.edges.delete(a);
      }
      if (this.scan && r[w + EVENT.d]) { // shaded by the barrier, not by the root scan
        if (r[w + EVENT.d] & 1) this.scan.set.delete(u64(r, w + EVENT.b));
        if (r[w + EVENT.d] & 2) this.scan.set.delete(u64(r, w + EVENT.c));
      }
      break;
    case EV.PHASE:
      this.phase(arg);
      break;
    case EV.STEP:
      if (this.scan?.hybrid) this.endScan(null);
      break;
    default:
    }
    if (kind === EV.PHASE || kind === EV.PACER || index % 256 === 0) {
      const cycle = this.history.cycles[this.history.cycles.length - 1];
      this.samples.push({ t: this.time, live: this.live, spans: this.spanBytes, goal: finite(cycle?.nextGoal ?? cycle?.goal) });
      if (this.samples.length > 2400) this.samples.splice(0, 1200);
    }
    this.at = index + 1;
  }

  colour(kind, arg, a) {
    const span = this.spanOf(a);
    if (!span) return;
    const i = Math.floor((a - span.base) / span.objectSize);
    if (i >= span.objects) return;
    const sweeping = this.history.phase === PHASE.SWEEP;
    if (sweeping && !span.swept && (kind === EV.FREE || kind === EV.ALLOC)) this.sweep(span);
    const before = span.colours[i];
    const colour = kind === EV.ALLOC ? (arg ? COLOR.BLACK : COLOR.WHITE) : kind === EV.GREY ? COLOR.GREY
      : kind === EV.BLACK ? COLOR.BLACK : COLOR.FREE;
    span.colours[i] = colour;
    const address = span.base + i * span.objectSize;
    if (kind === EV.ALLOC && !before) {
      span.allocated++;
      this.objects++;
      this.live += span.objectSize;
      if (this.objects > EDGE_LIMIT && this.trackEdges) this.loseEdges();
    } else if (kind === EV.FREE && before) {
      span.allocated--;
      this.objects--;
      this.live -= span.objectSize;
      if (this.trackEdges && !span.noscan) {
        for (let s = address; s < address + span.objectSize; s += this.wordBytes) this.edges.delete(s);
      }
    }
    if (this.scan && (kind === EV.GREY || kind === EV.BLACK)) this.scanShade(kind, address, span);
  }

  // Sweeping reached span: its survivors are white again.
  sweep(span) {
    span.swept = 1;
    const c = span.colours;
    for (let i = 0; i < span.objects; i++) if (c[i] > COLOR.WHITE) c[i] = COLOR.WHITE;
  }

  phase(p) {
    if (p === PHASE.MARK_SETUP || p === PHASE.OFF) for (const s of this.spans.values()) if (!s.swept) this.sweep(s);
    if (p === PHASE.SWEEP) for (const s of this.spans.values()) s.swept = 0;
    if (p === PHASE.OFF) for (const s of this.spans.values()) this.sweep(s);
    if (this.rootsRecorded) return;
    // A trace's roots: the objects the root scan shades, at mark setup
    // (or, under hybrid, at the start of the first mark step).
    if (p === PHASE.MARK_SETUP) {
      this.scan = { set: new Set(), hybrid: this.history.barrier === 'hybrid', started: this.history.barrier !== 'hybrid' };
    } else if (p === PHASE.MARK && this.scan) {
      if (this.scan.hybrid) this.scan.started = true;
      else this.endScan(null);
    } else if (this.scan) {
      this.endScan(null);
    }
  }

  scanShade(kind, address, span) {
    const scan = this.scan;
    if (!scan.started) return;
    if (kind === EV.BLACK && !span.noscan) { // the first object scanned: the root scan is over
      this.endScan(address);
      return;
    }
    scan.set.add(address);
  }

  // The root scan is over; `scanned`, the first object the marking after
  // it scanned, shaded its children in the same step: they are not roots.
  endScan(scanned) {
    const set = [...this.scan.set];
    if (scanned != null) {
      const children = new Set(this.pointersOf(scanned).map((p) => p.target));
      while (set.length && children.has(set[set.length - 1])) set.pop();
    }
    if (set.length || scanned != null || !this.scan.hybrid) {
      this.roots = new Map(set.map((t) => [`scan:${t}`, t]));
    }
    this.scan = null;
  }

  rootStore(slot, value) {
    if (value) this.roots.set(slot, value); else this.roots.delete(slot);
  }

  loseEdges() {
    this.trackEdges = false;
    this.edges.clear();
    this.edgesLostAt = this.at;
  }

  // --- what the views read ------------------------------------------------------------

  // Recorded pointer slots of the object at address: [{ slot, target }].
  pointersOf(address) {
    const o = this.objectAt(address);
    if (!o || o.span.noscan) return [];
    const out = [];
    for (let s = o.address; s < o.address + o.span.objectSize; s += this.wordBytes) {
      const t = this.edges.get(s);
      if (t) out.push({ slot: s, target: t });
    }
    return out;
  }

  fieldName(object, slot) {
    return this.decor.fieldName?.(object, slot) ?? `+${slot - object}`;
  }

  graph() {
    if (!this.storesRecorded) {
      return { unavailable: 'This trace is of version 1, which records pointer stores only while marking: its object graph cannot be rebuilt.' };
    }
    if (this.objects > GRAPH_MAX) return { tooBig: this.objects };
    if (!this.trackEdges) return { unavailable: `The pointers were not followed once the heap passed ${EDGE_LIMIT.toLocaleString('en')} objects.` };
    const nodes = [], index = new Map();
    for (const s of [...this.spans.values()].sort((x, y) => x.base - y.base)) {
      for (let i = 0; i < s.objects; i++) {
        if (!s.colours[i]) continue;
        const addr = s.base + i * s.objectSize;
        index.set(addr, nodes.length);
        nodes.push({ addr, size: s.objectSize, colour: s.colours[i], label: this.decor.labels?.get(addr) });
      }
    }
    const edges = [];
    for (const [slot, to] of this.edges) {
      const o = this.objectAt(slot);
      if (o && index.has(o.address) && index.has(to)) edges.push({ from: o.address, to, slot });
    }
    const roots = [];
    for (const [slot, target] of this.roots) if (index.has(target)) roots.push({ slot, target });
    return { nodes, edges, roots, rootsScanned: !this.rootsRecorded };
  }

  forEachGcSpan(fn) {
    const order = [...this.spans.values()].sort((x, y) => x.base - y.base);
    for (const s of order) fn(s, s.colours);
  }

  // The spans in address order, each with its colours (as runtime.js's, but
  // with colours where the live heap has bitmaps).
  spanRecords() { return [...this.spans.values()].sort((x, y) => x.base - y.base); }

  spanBits(addr) {
    const s = this.spanOf(addr);
    if (!s) return null;
    const words = Math.ceil(s.objects / 32);
    const bits = (test) => {
      const out = new Array(words).fill(0);
      for (let i = 0; i < s.objects; i++) if (test(s.colours[i])) out[i >> 5] |= 1 << (i & 31);
      return out.map((x) => x >>> 0);
    };
    return { base: s.base, pages: s.pages, sizeclass: s.sizeclass, objectSize: s.objectSize, objects: s.objects,
      allocated: s.allocated, swept: s.swept, noscan: s.noscan,
      alloc: bits((c) => c !== COLOR.FREE), mark: bits((c) => c === COLOR.GREY || c === COLOR.BLACK),
      grey: bits((c) => c === COLOR.GREY) };
  }

  mapSignature() { return `${this.kind}:${this.version}:${this.at}`; }

  // The heap map: each arena the spans lie in, up to its last page used.
  memoryMap() {
    const arenas = new Map(); // arena number -> highest page index used + 1
    const shift = 2 ** this.arenaShift;
    for (const s of this.spans.values()) {
      const id = Math.floor(s.base / shift), end = (s.base - id * shift) / PAGE + s.pages;
      arenas.set(id, Math.max(arenas.get(id) || 0, end));
    }
    const ids = [...arenas.keys()].sort((x, y) => x - y);
    const pages = ids.reduce((n, id) => n + Math.ceil(arenas.get(id) / 128) * 128, 0);
    const map = { pages, kind: new Uint8Array(pages).fill(PAGE_KIND.reserved), start: new Uint8Array(pages),
      arena: new Uint8Array(pages), runs: [], segments: [], collapsed: [] };
    let first = 0;
    for (const id of ids) {
      const n = Math.ceil(arenas.get(id) / 128) * 128;
      map.segments.push({ first, n, base: id * shift });
      map.arena[first] = 1;
      map.start[first] = 1;
      first += n;
    }
    const drawnPage = (addr) => {
      const seg = map.segments.find((g) => g.base === Math.floor(addr / shift) * shift);
      return seg.first + (addr - seg.base) / PAGE;
    };
    for (const s of this.spans.values()) {
      const at = drawnPage(s.base);
      const kind = s.sizeclass === 0 ? PAGE_KIND.gclarge : s.noscan ? PAGE_KIND.gcnoscan : PAGE_KIND.gcscan;
      map.kind.fill(kind, at, at + s.pages);
      map.start[at] = 1;
      map.runs.push({ first: at, n: s.pages, base: s.base, arena: Math.floor(s.base / shift) * shift, kind,
        sizeclass: s.sizeclass, spanclass: s.spanclass, objects: s.objects, allocated: s.allocated });
    }
    return map;
  }

  inspect(addr) {
    const o = this.objectAt(addr);
    if (!o) return null;
    const { span, index, address } = o;
    const pointers = this.storesRecorded && this.trackEdges
      ? this.pointersOf(address).map(({ slot, target }) => ({ slot, target, field: this.fieldName(address, slot),
        colour: this.objectAt(target) ? COLORS[this.objectAt(target).span.colours[this.objectAt(target).index]] : 'free' }))
      : null;
    return { address, size: span.objectSize, colour: COLORS[span.colours[index]], span: this.spanBits(address), index,
      pointers, path: pointers ? this.pathTo(address) : null, label: this.decor.labels?.get(address),
      rootsScanned: !this.rootsRecorded };
  }

  // The chain from a root to target, breadth first, through the recorded pointers; null if none.
  pathTo(target) {
    const prev = new Map(), queue = [];
    for (const [slot, t] of this.roots) if (!prev.has(t) && this.objectAt(t)) { prev.set(t, { root: slot }); queue.push(t); }
    const out = new Map();
    for (const [slot, t] of this.edges) {
      const o = this.objectAt(slot);
      if (!o) continue;
      if (!out.has(o.address)) out.set(o.address, []);
      out.get(o.address).push([slot, t]);
    }
    for (let q = 0; q < queue.length && !prev.has(target); q++) {
      for (const [slot, t] of out.get(queue[q]) || []) {
        if (!prev.has(t) && this.objectAt(t)) { prev.set(t, { from: queue[q], slot }); queue.push(t); }
      }
    }
    if (!prev.has(target)) return null;
    const path = [];
    for (let at = target; ;) {
      const p = prev.get(at);
      const root = p.root !== undefined;
      path.unshift({ object: at, slot: root ? (typeof p.root === 'number' ? p.root : null) : p.slot, root,
        field: root ? null : this.fieldName(p.from, p.slot) });
      if (root) break;
      at = p.from;
    }
    return path;
  }

  summary() {
    const h = this.history, cycle = h.cycles[h.cycles.length - 1];
    const stops = h.timeline.filter((e) => e.kind === 'stop').map((e) => e.t1 - e.t0).sort((x, y) => x - y);
    const steps = h.timeline.filter((e) => e.kind !== 'stop').map((e) => e.t1 - e.t0).sort((x, y) => x - y);
    const pct = (xs, q) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(xs.length * q))] : 0);
    const gcNs = [...stops, ...steps].reduce((x, y) => x + y, 0);
    return {
      kind: this.kind, phase: PHASES[h.phase], cycles: h.cycles.length ? h.cycles[h.cycles.length - 1].n : 0,
      barrier: h.barrier, objects: this.objects, heapLive: this.live, heapMarked: cycle?.marked ?? 0,
      heapGoal: finite(cycle?.nextGoal ?? cycle?.goal), trigger: finite(cycle?.nextTrigger),
      heapSpans: this.spanBytes, gcShare: this.time ? gcNs / this.time : 0,
      stops: { count: stops.length, p50: pct(stops, 0.5), p99: pct(stops, 0.99), max: stops[stops.length - 1] || 0 },
      steps: { count: steps.length, p50: pct(steps, 0.5), p99: pct(steps, 0.99), max: steps[steps.length - 1] || 0 },
      counts: [...h.counts], violations: h.violations.length, event: this.at, timeNs: this.time,
    };
  }

  sizeClassTable() {
    const rows = this.classes.slice(1).map((c, i) => ({ sizeClass: i + 1, size: c.size, pages: c.pages,
      objects: Math.floor((c.pages * PAGE) / c.size), tailWaste: c.pages * PAGE - c.size * Math.floor((c.pages * PAGE) / c.size),
      spans: 0, scanSpans: 0, allocated: 0 }));
    let largeSpans = 0, largeBytes = 0;
    for (const s of this.spans.values()) {
      if (!s.sizeclass) { largeSpans++; largeBytes += s.pages * PAGE; continue; }
      const row = rows[s.sizeclass - 1];
      row.spans++;
      if (!s.noscan) row.scanSpans++;
      row.allocated += s.allocated;
    }
    return { rows, largeSpans, largeBytes };
  }
}

// What a source that shows a model (a replay, the live heap's past) hands
// the views: the model's own methods, on whichever model it shows now.
export function forwardToModel(Class) {
  for (const name of ['graph', 'forEachGcSpan', 'spanRecords', 'spanBits', 'memoryMap', 'mapSignature', 'inspect', 'summary',
    'sizeClassTable', 'pathTo', 'fieldName', 'objectAt']) {
    Class.prototype[name] = function forward(...args) { return this.model[name](...args); };
  }
  for (const name of ['history', 'samples', 'version', 'decor']) {
    Object.defineProperty(Class.prototype, name, { get() { return this.model[name]; } });
  }
}
