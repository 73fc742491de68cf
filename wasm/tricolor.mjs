// tricolor in JavaScript: the allocator and the garbage collector of the
// Emscripten module (tricolor-core.mjs + .wasm), for browsers and Node.
//
//   import { loadTricolor } from './tricolor.mjs';
//   const tri = await loadTricolor();
//   const heap = tri.createHeap({ barrier: 'hybrid', events: 1 << 16 });
//   const node = heap.type('node', 3, [0, 1]);       // 3 words, words 0 and 1 are pointers
//   const roots = heap.roots(4);
//   roots.set(0, heap.alloc(node));
//   heap.write(roots.get(0), 0, heap.alloc(node));  // through the write barrier
//   heap.collect();
//
// A heap with events (events: a power of two) records every pointer store
// made through write() in its event stream, marking or not: the stream is
// enough to rebuild the object graph (all but the roots, which have no
// barrier; onRootStore() tells of those).
//
// Out of memory: malloc, calloc, realloc and the heap's alloc functions
// return 0, as their C counterparts return NULL, and the module stays
// usable; the API's own functions that need memory (type, roots, spans,
// objects) throw an OutOfMemoryError (a RangeError) instead.
//
// Addresses are numbers (wasm32). Span tables, bitmaps and the event ring are
// typed-array views straight over the module's memory: nothing is copied, and
// the views are made anew whenever the memory has grown (a grown memory's old
// ArrayBuffer is detached and its views read as empty).
import createModule from './tricolor-core.mjs';
import {
  PHASES, BARRIERS, COLORS, EVENTS, STATS, CLASS_STATS, GC_STATS, SIZE_CLASSES, SPAN, PAGE_RUN, OBJECT, POINTER,
  EVENT, EVENT_RING, VERIFY, VIOLATION, SHAPE, BARRIER_ON,
} from './tricolor-layout.mjs';

// The names of the runtime's enums and the layout of every record below
// come from the C side (tricolor-layout.mjs, generated from wasm/layout.h).
export * from './tricolor-layout.mjs';
export const PAGE_WORDS = PAGE_RUN.words; // words of a pageRuns() record (PAGE_RUN has each field's word)
export const SPAN_WORDS = SPAN.words; // words of a spans() record (SPAN has each field's word)
const SCRATCH = 1 << 16;

// Thrown when the module's memory cannot hold what the API itself needs.
export class OutOfMemoryError extends RangeError {
  constructor(what) {
    super(`tricolor: out of memory (${what})`);
    this.name = 'OutOfMemoryError';
  }
}

// Fields of a record as an object: names, an array of them (the statistics'
// doubles), or a record of words with each field's word.
function record(fields, values, at) {
  const out = {};
  if (Array.isArray(fields)) fields.forEach((k, i) => { out[k] = values[at + i]; });
  else for (const k of Object.keys(fields)) if (k !== 'words') out[k] = values[at + fields[k]];
  return out;
}

function need(p, what) {
  if (!p) throw new OutOfMemoryError(what);
  return p;
}

export async function loadTricolor(options = {}) {
  let { wasmBinary } = options;
  const inNode = typeof process === 'object' && process.versions && process.versions.node;
  if (!wasmBinary && inNode) { // Node cannot fetch a file path: read it here
    const { readFile } = await import('node:fs/promises');
    wasmBinary = await readFile(new URL('./tricolor-core.wasm', import.meta.url));
  }
  const module = await createModule({
    wasmBinary,
    locateFile: options.locateFile,
    print: options.print || ((s) => console.log(s)),
    printErr: options.printErr || ((s) => console.error(s)),
  });
  return new Tricolor(module);
}

// A table the C side lays out in the module's memory: fill(buffer, capacity)
// writes up to capacity records of `words` words and returns how many there
// are (fill(0, 0) only counts). The buffer is kept for the next read and
// grown (to twice what was needed) when too small; read() returns a view
// over it, valid until the next call into the module.
class Table {
  constructor(tri, words, least, what) {
    Object.assign(this, { tri, words, least, what, buf: 0, cap: 0 });
  }

  read(fill) {
    // one pass when the buffer is big enough (the common case), two when it must grow
    let n = fill(this.buf, this.cap);
    if (n > this.cap) {
      this.release();
      this.cap = Math.max(this.least, n * 2);
      this.buf = this.tri.malloc(this.cap * this.words * 4);
      if (!this.buf) {
        this.cap = 0;
        throw new OutOfMemoryError(this.what);
      }
      n = fill(this.buf, this.cap); // the buffer itself may have changed the count
    }
    n = Math.min(n, this.cap);
    return this.tri.views().u32.subarray(this.buf / 4, this.buf / 4 + n * this.words);
  }

  release() {
    if (this.buf) this.tri.free(this.buf);
    this.buf = this.cap = 0;
  }
}

export class Tricolor {
  constructor(module) {
    this.m = module;
    this.buffer = null;
    this.scratch = need(module._tri_malloc(SCRATCH) >>> 0, 'scratch buffer'); // for results the C side writes
    this.runTable = new Table(this, PAGE_RUN.words, 256, 'page table');
    this.views();
    this.checkLayout();
  }

  // The layout's shape as the module was compiled (SHAPE's fields).
  moduleShape() {
    this.m._tri_js_layout(this.scratch);
    const u = this.views().u32, at = this.scratch / 4;
    return Object.fromEntries(Object.keys(SHAPE).map((k, i) => [k, u[at + i]]));
  }

  // The module and tricolor-layout.mjs must come from the same sources: a
  // record read with another layout would be silently wrong.
  checkLayout(shape = this.moduleShape()) {
    const wrong = Object.keys(SHAPE).filter((k) => shape[k] !== SHAPE[k]);
    if (wrong.length) {
      const what = wrong.map((k) => `${k}: module ${shape[k]}, layout ${SHAPE[k]}`).join('; ');
      throw new Error(`tricolor: the module and tricolor-layout.mjs were built from different sources (${what}); rebuild both`);
    }
  }

  // Typed arrays over the whole memory, made anew after it grows.
  views() {
    const buffer = this.m.HEAPU8.buffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.u8 = new Uint8Array(buffer);
      this.u32 = new Uint32Array(buffer);
      this.f64 = new Float64Array(buffer);
    }
    return this;
  }

  get memoryBytes() { return this.m.HEAPU8.buffer.byteLength; }

  malloc(size) { return this.m._tri_malloc(size) >>> 0; }
  calloc(count, size) { return this.m._tri_calloc(count, size) >>> 0; }
  realloc(p, size) { return this.m._tri_realloc(p, size) >>> 0; }
  free(p) { this.m._tri_free(p); }
  usableSize(p) { return this.m._tri_usable_size(p) >>> 0; }
  releaseIdleMemory() { return this.m._tri_release_idle_memory() >>> 0; }
  sizeClassOf(size) { return this.m._tri_size_class_of(size); }

  string(p) { return this.m.UTF8ToString(p); }

  stats() {
    const n = this.m._tri_js_stats(this.scratch);
    const v = this.views().f64.subarray(this.scratch / 8, this.scratch / 8 + n);
    const out = record(STATS, v, 0);
    out.classes = [];
    for (let c = 1; c < SIZE_CLASSES; c++) out.classes[c] = record(CLASS_STATS, v, STATS.length + CLASS_STATS.length * (c - 1));
    return out;
  }

  // Where tricolor's memory starts: below are the module's static data and stack.
  get heapBase() { return this.m._tri_js_heap_base() >>> 0; }
  // The end of the memory tricolor has taken so far: above it, memory not used yet.
  get heapEnd() { return this.m._tri_js_heap_end() >>> 0; }

  // Every page tricolor has reserved, in runs of one state: a Uint32Array of
  // PAGE_RUN records over the module's memory (valid until the next call
  // into the module). States are PAGE_STATES.
  pageRuns() {
    return this.runTable.read((buf, cap) => this.m._tri_js_pages(buf, cap));
  }

  sizeClasses() {
    const out = [];
    for (let c = 1; ; c++) {
      if (!this.m._tri_size_class_info(c, this.scratch, this.scratch + 4, this.scratch + 8)) break;
      const u = this.views().u32, i = this.scratch / 4;
      out.push({ sizeClass: c, size: u[i], pages: u[i + 1], objects: u[i + 2] });
    }
    return out;
  }

  createHeap(config = {}) {
    const barrier = BARRIERS.indexOf(config.barrier || 'hybrid');
    if (barrier < 0) throw new RangeError(`unknown barrier '${config.barrier}'; one of ${BARRIERS.join(', ')}`);
    const events = config.events || 0;
    if (events & (events - 1)) throw new RangeError('events must be a power of two');
    const gogc = config.gogc === 'off' ? -1 : (config.gogc ?? 0);
    const h = this.m._tri_js_gc_create(gogc, config.memoryLimit || 0, barrier, config.verify ? 1 : 0,
      config.stress || 0, config.stepBytes || 0, events, config.minHeap || 0) >>> 0;
    need(h, 'tri_gc_create');
    const heap = new GcHeap(this, h);
    if (config.maxHeap) heap.setMaxHeap(config.maxHeap);
    return heap;
  }
}

export class GcHeap {
  #rootListener = null; // onRootStore's

  constructor(tri, ptr) {
    this.tri = tri;
    this.m = tri.m;
    this.ptr = ptr;
    this.types = [];
    this.rootSets = [];
    this.spanTable = new Table(tri, SPAN.words, 64, 'span table');
    this.objectTable = new Table(tri, OBJECT.words, 1024, 'object table');
  }

  // A type of `words` pointer-sized words; `pointers` lists those that hold pointers.
  type(name, words, pointers = []) {
    const m = this.m, tri = this.tri;
    const ptrWords = pointers.length ? Math.max(...pointers) + 1 : 0;
    const map = new Uint32Array(2 * Math.ceil(ptrWords / 64) || 2);
    for (const w of pointers) {
      if (w < 0 || w >= words) throw new RangeError(`pointer word ${w} outside a ${words}-word type`);
      map[w >> 5] |= 1 << (w & 31);
    }
    const nameBytes = m.lengthBytesUTF8(name) + 1;
    const namePtr = tri.malloc(nameBytes), mapPtr = tri.malloc(map.byteLength);
    let t = 0;
    if (namePtr && mapPtr) {
      m.stringToUTF8(name, namePtr, nameBytes);
      tri.views().u32.set(map, mapPtr / 4);
      t = m._tri_js_type_new(namePtr, words * 4, ptrWords, mapPtr) >>> 0;
    }
    tri.free(namePtr);
    tri.free(mapPtr);
    need(t, `type '${name}'`);
    this.types.push(t);
    return t;
  }

  alloc(type) { return this.m._tri_gc_alloc(this.ptr, type) >>> 0; }
  allocArray(type, count) { return this.m._tri_gc_alloc_array(this.ptr, type, count) >>> 0; }
  allocNoscan(size) { return this.m._tri_gc_alloc_noscan(this.ptr, size) >>> 0; }

  // The write barrier: word `index` of `object` = value. As tricolor.h's
  // inline barrier: the slow path for every store when the heap's head says
  // all, for those over a pointer when it says overwrites (BARRIER_ON).
  write(object, index, value) {
    const slot = object + 4 * index;
    const u32 = this.tri.views().u32;
    const on = u32[this.ptr / 4];
    if (on === BARRIER_ON.ALL || (on === BARRIER_ON.OVERWRITES && u32[slot / 4] !== 0)) {
      this.m._tri_gc_write_slow(this.ptr, slot, value);
    } else {
      u32[slot / 4] = value;
    }
  }

  read(object, index) { return this.tri.views().u32[(object + 4 * index) / 4]; }

  // Word `index` of `object` = value, for a word that holds no pointer: a
  // plain store, which no barrier needs to see.
  store(object, index, value) { this.tri.views().u32[(object + 4 * index) / 4] = value; }

  // Calls fn(slot, value) for every store through a root set's set() or
  // clear() (roots have no barrier, so the event stream does not see
  // them): for tools that mirror the heap from its events. null: none.
  onRootStore(fn) { this.#rootListener = fn; }

  // `count` root slots in the module's memory.
  roots(count) {
    const tri = this.tri, m = this.m, heap = this.ptr;
    const base = need(tri.calloc(count, 4), `${count} root slots`);
    if (m._tri_gc_add_roots(heap, base, count) !== 0) {
      tri.free(base);
      throw new OutOfMemoryError(`${count} root slots`);
    }
    const set = {
      base, count,
      get: (i) => tri.views().u32[base / 4 + i],
      set: (i, p) => {
        tri.views().u32[base / 4 + i] = p;
        this.#rootListener?.(base + 4 * i, p);
      },
      clear: () => {
        tri.views().u32.fill(0, base / 4, base / 4 + count);
        if (this.#rootListener) for (let i = 0; i < count; i++) this.#rootListener(base + 4 * i, 0);
      },
      release: () => {
        m._tri_gc_remove_roots(heap, base);
        tri.free(base);
        this.rootSets.splice(this.rootSets.indexOf(set), 1); // so destroy() does not free it again
      },
    };
    this.rootSets.push(set);
    return set;
  }

  step(budget = 65536) { return this.m._tri_gc_step(this.ptr, budget) >>> 0; }
  startCycle() { return this.m._tri_gc_start_cycle(this.ptr) !== 0; }
  finishCycle() { this.m._tri_gc_finish_cycle(this.ptr); }
  collect() { this.m._tri_gc_collect(this.ptr); }
  get phase() { return PHASES[this.m._tri_gc_phase(this.ptr)]; }
  setBarrier(mode) {
    const b = BARRIERS.indexOf(mode);
    if (b < 0) throw new RangeError(`unknown barrier '${mode}'`);
    return this.m._tri_gc_set_barrier(this.ptr, b) === 0;
  }
  setGogc(gogc) { this.m._tri_gc_set_gogc(this.ptr, gogc === 'off' ? -1 : gogc); }
  setMemoryLimit(bytes) { this.m._tri_js_set_memory_limit(this.ptr, bytes); }
  // A hard limit on the heap's span bytes: an allocation past it runs a full
  // collection, then returns 0 if there is still no room. 0: none.
  setMaxHeap(bytes) { this.m._tri_js_set_max_heap(this.ptr, bytes); }
  colorOf(p) { return COLORS[this.m._tri_gc_color_of(this.ptr, p)]; }
  objectOf(p) {
    const o = this.m._tri_gc_object_of(this.ptr, p, this.tri.scratch) >>> 0;
    return o ? { address: o, size: this.tri.views().u32[this.tri.scratch / 4] } : null;
  }

  stats() {
    const n = this.m._tri_js_gc_stats(this.ptr, this.tri.scratch);
    const v = this.tri.views().f64.subarray(this.tri.scratch / 8, this.tri.scratch / 8 + n);
    const out = record(GC_STATS, v, 0);
    out.phase = PHASES[out.phase];
    out.barrier = BARRIERS[out.barrier];
    return out;
  }

  // The span table: a Uint32Array of SPAN records, over the module's memory
  // (valid until the next call into the module).
  spans() { return this.spanTable.read((buf, cap) => this.m._tri_js_spans(this.ptr, buf, cap)); }

  // A bitmap in the module's memory (a span's alloc, mark or grey bits).
  bits(address, count) {
    return this.tri.views().u32.subarray(address / 4, address / 4 + Math.ceil(count / 32));
  }

  // Pairs [slot, target] of an object's pointer slots, or of the roots.
  pointers(object) { return this.pairs((buf, cap) => this.m._tri_js_pointers(this.ptr, object, buf, cap)); }
  rootSlots() { return this.pairs((buf, cap) => this.m._tri_js_roots(this.ptr, buf, cap)); }
  pairs(call) {
    const tri = this.tri, cap = SCRATCH / (4 * POINTER.words);
    const n = Math.min(call(tri.scratch, cap), cap);
    const u = tri.views().u32, out = [];
    for (let w = tri.scratch / 4; w < tri.scratch / 4 + n * POINTER.words; w += POINTER.words) {
      out.push([u[w + POINTER.slot], u[w + POINTER.target]]);
    }
    return out;
  }

  // Every object as an OBJECT record (address, size, colour index into COLORS), in a Uint32Array.
  objects() { return this.objectTable.read((buf, cap) => this.m._tri_js_objects(this.ptr, buf, cap)); }

  // The event ring: { ring: Uint32Array over it, capacity, written }. Event
  // number k (from 0) is the EVENT record at word EVENT.words * (k % capacity).
  eventRing() {
    const tri = this.tri;
    this.m._tri_js_events(this.ptr, tri.scratch);
    const u = tri.views().u32, i = tri.scratch / 4;
    const ring = u[i + EVENT_RING.ring], capacity = u[i + EVENT_RING.capacity];
    const written = u[i + EVENT_RING.writtenLow] + u[i + EVENT_RING.writtenHigh] * 2 ** 32;
    return { ring: ring ? u.subarray(ring / 4, ring / 4 + capacity * EVENT.words) : new Uint32Array(0), capacity, written };
  }

  // Events numbered from `since` on (as many as the ring still holds), decoded.
  events(since = 0) {
    const { ring, capacity, written } = this.eventRing();
    const out = [];
    for (let k = Math.max(since, written - capacity); k < written; k++) {
      const w = (k % capacity) * EVENT.words;
      out.push({ index: k, kind: EVENTS[ring[w + EVENT.kind]], arg: ring[w + EVENT.arg],
        timeNs: ring[w + EVENT.timeNs] + ring[w + EVENT.timeNs + 1] * 2 ** 32,
        a: ring[w + EVENT.a], b: ring[w + EVENT.b], c: ring[w + EVENT.c], d: ring[w + EVENT.d] });
    }
    return out;
  }

  // The verifier: a run now, or (last) the report of the latest run at
  // mark termination.
  verify(last = false) {
    return this.#report(last ? 1 : 0);
  }

  // The oldest report of a run at mark termination that found violations,
  // kept until taken; null when none is left.
  takeVerifyReport() {
    return this.#report(2);
  }

  #report(which) {
    const tri = this.tri;
    const n = this.m._tri_js_verify(this.ptr, which, tri.scratch) >>> 0;
    if (which === 2 && n === 0xffffffff) return null;
    const u = tri.views().u32, i = tri.scratch / 4;
    const out = { ...record(VERIFY, u, i), first: [] };
    for (let k = 0; k < n; k++) {
      const v = record(VIOLATION, u, i + VERIFY.words + k * VIOLATION.words);
      v.what = v.what ? this.tri.string(v.what) : '';
      out.first.push(v);
    }
    return out;
  }

  // A weak reference to `object`: get() returns it, or 0 once a cycle found
  // it unreachable (while marking, get() shades it, so what it returns may
  // be stored anywhere); peek() returns the same without shading, for
  // what only looks (an inspector, a test), and keeps nothing alive;
  // free() lets the reference go.
  weak(object) {
    const m = this.m, heap = this.ptr;
    const w = m._tri_gc_weak_new(heap, object) >>> 0;
    if (!w) throw new RangeError(`cannot make a weak reference to ${object}: not an object of this heap, or out of memory`);
    let freed = false;
    const live = () => { if (freed) throw new Error('this weak reference was freed'); };
    return {
      get: () => { live(); return m._tri_gc_weak_get(heap, w) >>> 0; },
      peek: () => { live(); return m._tri_gc_weak_peek(heap, w) >>> 0; },
      free: () => { live(); freed = true; m._tri_gc_weak_free(heap, w); },
    };
  }

  // Runs the finalizers queued by cycles (never run inside an allocation);
  // returns how many ran.
  runFinalizers() {
    return this.m._tri_gc_run_finalizers(this.ptr) >>> 0;
  }

  destroy() {
    for (const r of this.rootSets) this.tri.free(r.base);
    this.m._tri_gc_destroy(this.ptr);
    for (const t of this.types) this.m._tri_js_type_free(t);
    this.spanTable.release();
    this.objectTable.release();
    this.ptr = 0;
  }
}
