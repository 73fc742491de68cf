// Trace files (docs/trace-format.md): a checking reader, and a replay that
// rebuilds the traced heap's spans and object colours event by event, for
// the same views the live heap has. The reader makes the checks the
// command line's does and says what is wrong and where.
import {
  BARRIERS, COLORS, COLOR, EVENTS, EVENT, EVENT_KIND as EV, PHASES, PHASE, PAGE_SIZE as PAGE, SIZE_CLASSES as CLASSES,
} from '#tricolor/layout';
import { History } from './history.js';
import { PAGE_KIND } from './palette.js';

// The format's own constants; its event kinds, page size and size classes
// are the runtime's (the reader rejects a trace of another build's).
const HEADER = 64, TRAILER = 24, VERSION = 1;
const MAX_EVENTS = 4_000_000; // 192 MB of decoded events: beyond that, say so rather than stall the page

export class TraceError extends Error {}

let crcTable;
export function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
      crcTable[i] = c >>> 0;
    }
  }
  let crc = 0xFFFFFFFF;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xFFFFFFFF) >>> 0;
}

const fail = (msg) => { throw new TraceError(msg); };

// Reads a whole trace: { header, events: Uint32Array of EVENT records, count, durationNs, bytes }.
export function readTrace(buffer) {
  const data = new Uint8Array(buffer);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const size = data.length;
  const ascii = (at, n) => String.fromCharCode(...data.subarray(at, at + n));
  const u32 = (at) => view.getUint32(at, true);
  if (size < 8 || ascii(0, 8) !== 'TRITRACE') fail('not a tricolor trace (no TRITRACE magic at the start)');
  if (size < HEADER) fail(`truncated: ${size} bytes, shorter than the ${HEADER}-byte header`);
  const version = u32(8);
  if (version > VERSION) fail(`trace version ${version} is newer than this reader (version ${VERSION})`);
  if (version !== VERSION) fail(`unknown trace version ${version}`);
  const flags = u32(12), barrier = u32(24);
  if (flags > 1 || u32(28) !== 0) fail(`bad header: unknown flags 0x${flags.toString(16)} or reserved field not 0`);
  if (u32(16) !== PAGE || u32(20) !== CLASSES) {
    fail(`bad header: page size ${u32(16)} and ${u32(20)} size classes (expected ${PAGE} and ${CLASSES})`);
  }
  if (barrier >= BARRIERS.length) fail(`bad header: barrier mode ${barrier}`);
  const name = new TextDecoder().decode(data.subarray(32, 64)).replace(/\0+$/, '');
  if (size < HEADER + 8 * CLASSES + TRAILER) {
    fail(`truncated: ${size} bytes, too short for the header, size-class table and trailer`);
  }
  const trailer = size - TRAILER;
  if (ascii(trailer, 8) !== 'TRIEND\0\0') fail(`truncated or corrupt: no TRIEND trailer at the end (${size} bytes)`);
  const count = u32(trailer + 8) + u32(trailer + 12) * 2 ** 32;
  if (u32(trailer + 20) !== 0) fail('bad trailer: reserved field not 0');
  const crc = crc32(data.subarray(0, trailer));
  if (crc !== u32(trailer + 16)) {
    fail(`corrupt: checksum ${crc.toString(16).padStart(8, '0')}, the trailer says ${u32(trailer + 16).toString(16).padStart(8, '0')}`);
  }
  if (count > MAX_EVENTS) fail(`too large to replay here: ${count} events (at most ${MAX_EVENTS})`);
  const classes = [];
  for (let c = 0; c < CLASSES; c++) classes.push({ size: u32(HEADER + 8 * c), pages: u32(HEADER + 8 * c + 4) });

  const events = new Uint32Array(count * EVENT.words);
  let p = HEADER + 8 * CLASSES, n = 0, time = 0, a = 0; // a as a signed 64-bit value: UINT64_MAX is -1
  const v = [0, 0, 0, 0, 0, 0];
  const put = (w, x) => { // a non-negative number as two words
    events[w] = x % 2 ** 32;
    events[w + 1] = Math.floor(x / 2 ** 32);
  };
  while (p < trailer) {
    const at = p, kind = data[p++];
    if (kind >= EVENTS.length) fail(`event ${n} at byte ${at} has unknown kind ${kind}`);
    for (let f = 0; f < 6; f++) {
      let x = 0, i = 0, b;
      do {
        if (i === 10) fail(`event ${n} at byte ${at}: a number runs past 10 bytes`);
        if (p >= trailer) fail(`truncated: the events end inside event ${n} (at byte ${at})`);
        b = data[p++];
        x += (b & 0x7f) * 2 ** (7 * i);
        i++;
      } while (b & 0x80);
      v[f] = x;
    }
    if (n >= count) fail(`the trailer counts ${count} events, the file holds more`);
    time += v[1];
    a += v[2] % 2 === 1 ? -(v[2] + 1) / 2 : v[2] / 2;
    const w = n * EVENT.words;
    events[w + EVENT.kind] = kind;
    events[w + EVENT.arg] = v[0];
    put(w + EVENT.timeNs, time);
    if (a >= 0) put(w + EVENT.a, a);
    else { // two's complement of a negative 64-bit value
      const m = -a - 1;
      events[w + EVENT.a] = ~(m % 2 ** 32) >>> 0;
      events[w + EVENT.a + 1] = ~Math.floor(m / 2 ** 32) >>> 0;
    }
    put(w + EVENT.b, v[3]);
    put(w + EVENT.c, v[4]);
    put(w + EVENT.d, v[5]);
    n++;
  }
  if (n !== count) fail(`the trailer counts ${count} events, the file holds ${n}`);
  return { header: { version, wasm32: (flags & 1) === 1, barrier, workload: name, classes }, events, count, durationNs: time,
    bytes: size };
}

// The heap as of some event: seek(k) applies events [0, k).
export class Replay {
  constructor(trace) {
    this.kind = 'replay';
    this.trace = trace;
    this.arenaShift = trace.header.wasm32 ? 20 : 26;
    this.restart();
  }

  restart() {
    this.at = 0;
    this.spans = new Map(); // base -> span
    this.pageSpan = new Map(); // page number -> span
    this.history = new History(BARRIERS[this.trace.header.barrier]);
    this.live = 0;
    this.spanBytes = 0;
    this.objects = 0;
    this.samples = [];
    this.version = (this.version || 0) + 1;
  }

  seek(k) {
    k = Math.max(0, Math.min(this.trace.count, k));
    if (k < this.at) this.restart();
    const ev = this.trace.events;
    for (; this.at < k; this.at++) this.apply(ev, this.at * EVENT.words, this.at);
    this.version++;
  }

  spanOf(addr) { return this.pageSpan.get(Math.floor(addr / PAGE)); }

  apply(r, w, index) {
    this.history.event(r, w, index);
    const kind = r[w + EVENT.kind], arg = r[w + EVENT.arg], a = r[w + EVENT.a] + r[w + EVENT.a + 1] * 2 ** 32;
    switch (kind) {
    case EV.SPAN_TAKE: {
      const spanclass = arg, pages = r[w + EVENT.b], sizeclass = spanclass >> 1;
      const c = this.trace.header.classes[sizeclass];
      const objectSize = sizeclass ? c.size : pages * PAGE, objects = sizeclass ? Math.floor(pages * PAGE / c.size) : 1;
      const span = { base: a, pages, spanclass, sizeclass, noscan: spanclass & 1, objectSize, objects, allocated: 0,
        colours: new Uint8Array(objects), swept: 1 };
      this.spans.set(a, span);
      for (let i = 0; i < pages; i++) this.pageSpan.set(a / PAGE + i, span);
      this.spanBytes += pages * PAGE;
      break;
    }
    case EV.SPAN_RETURN: {
      const span = this.spans.get(a);
      if (!span) break;
      this.spans.delete(a);
      for (let i = 0; i < span.pages; i++) this.pageSpan.delete(a / PAGE + i);
      this.spanBytes -= span.pages * PAGE;
      break;
    }
    case EV.ALLOC: case EV.GREY: case EV.BLACK: case EV.FREE: {
      const span = this.spanOf(a);
      if (!span) break;
      const i = Math.floor((a - span.base) / span.objectSize);
      const before = span.colours[i];
      const colour = kind === EV.ALLOC ? (arg ? COLOR.BLACK : COLOR.WHITE) : kind === EV.GREY ? COLOR.GREY
        : kind === EV.BLACK ? COLOR.BLACK : COLOR.FREE;
      span.colours[i] = colour;
      if (kind === EV.ALLOC && !before) { span.allocated++; this.objects++; this.live += span.objectSize; }
      if (kind === EV.FREE && before) { span.allocated--; this.objects--; this.live -= span.objectSize; }
      break;
    }
    case EV.PHASE:
      if (arg === PHASE.SWEEP) for (const s of this.spans.values()) s.swept = 0;
      if (arg === PHASE.OFF) { // sweeping is over: the survivors are unmarked again
        for (const s of this.spans.values()) {
          s.swept = 1;
          for (let i = 0; i < s.objects; i++) if (s.colours[i] > COLOR.WHITE) s.colours[i] = COLOR.WHITE;
        }
      }
      break;
    default:
    }
    if (kind === EV.PHASE || kind === EV.PACER || index % 256 === 0) {
      const t = r[w + EVENT.timeNs] + r[w + EVENT.timeNs + 1] * 2 ** 32;
      const cycle = this.history.cycles[this.history.cycles.length - 1];
      this.samples.push({ t, live: this.live, spans: this.spanBytes, goal: cycle?.nextGoal ?? cycle?.goal ?? Infinity });
      if (this.samples.length > 2400) this.samples.splice(0, 1200);
    }
  }

  mapSignature() { return `${this.version}:${this.at}`; }

  // The heap map: each arena the trace touched, up to its last page used.
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
      arena: new Uint8Array(pages), runs: [], segments: [], heapBasePage: 0 };
    let first = 0;
    for (const id of ids) {
      const n = Math.ceil(arenas.get(id) / 128) * 128;
      map.segments.push({ first, n, base: id * shift });
      map.arena[first] = 1;
      map.start[first] = 1;
      first += n;
    }
    const drawnPage = (addr) => {
      const id = Math.floor(addr / shift);
      const seg = map.segments.find((g) => g.base === id * shift);
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

  forEachGcSpan(fn) {
    const order = [...this.spans.values()].sort((x, y) => x.base - y.base);
    for (const s of order) fn(s, s.colours);
  }

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

  graph() { return { unavailable: 'A trace records colours, not pointers: the object graph is shown for the live heap.' }; }

  inspect(addr) {
    const s = this.spanOf(addr);
    if (!s) return null;
    const i = Math.floor((addr - s.base) / s.objectSize);
    if (!s.colours[i]) return null;
    const address = s.base + i * s.objectSize;
    return { address, size: s.objectSize, colour: COLORS[s.colours[i]],
      span: this.spanBits(address), index: i, pointers: null, path: null };
  }

  summary() {
    const h = this.history, cycle = h.cycles[h.cycles.length - 1];
    const stops = h.timeline.filter((e) => e.kind === 'stop').map((e) => e.t1 - e.t0).sort((x, y) => x - y);
    const steps = h.timeline.filter((e) => e.kind !== 'stop').map((e) => e.t1 - e.t0).sort((x, y) => x - y);
    const pct = (xs, q) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(xs.length * q))] : 0);
    const gcNs = [...stops, ...steps].reduce((x, y) => x + y, 0);
    const last = (this.at - 1) * EVENT.words + EVENT.timeNs;
    const t = this.at ? this.trace.events[last] + this.trace.events[last + 1] * 2 ** 32 : 0;
    return {
      kind: 'replay', phase: PHASES[h.phase], cycles: h.cycles.length,
      barrier: h.barrier, objects: this.objects, heapLive: this.live, heapMarked: cycle?.marked ?? 0,
      heapGoal: cycle?.nextGoal ?? cycle?.goal ?? Infinity, trigger: cycle?.nextTrigger ?? Infinity,
      heapSpans: this.spanBytes, gcShare: t ? gcNs / t : 0,
      stops: { count: stops.length, p50: pct(stops, 0.5), p99: pct(stops, 0.99), max: stops[stops.length - 1] || 0 },
      steps: { count: steps.length, p50: pct(steps, 0.5), p99: pct(steps, 0.99), max: steps[steps.length - 1] || 0 },
      counts: [...h.counts], violations: h.violations.length, event: this.at, events: this.trace.count, timeNs: t,
    };
  }

  sizeClassTable() {
    const rows = this.trace.header.classes.slice(1).map((c, i) => ({ sizeClass: i + 1, size: c.size, pages: c.pages,
      objects: Math.floor(c.pages * PAGE / c.size), tailWaste: c.pages * PAGE - c.size * Math.floor(c.pages * PAGE / c.size),
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
