// Trace files (docs/trace-format.md): a checking reader, and a replay that
// rebuilds the traced heap's spans and object colours event by event, for
// the same views the live heap has. The reader makes the checks the
// command line's does and says what is wrong and where.
import { BARRIERS, EVENTS, EVENT, PAGE_SIZE as PAGE, SIZE_CLASSES as CLASSES } from '#tricolor/layout';
import { HeapModel, forwardToModel } from './model.js';
import { Timeline } from './timeline.js';

// The format's own constants; its event kinds, page size and size classes
// are the runtime's (the reader rejects a trace of another build's).
// Version 2 holds every pointer store (the object graph); 1 is still read.
const HEADER = 64, TRAILER = 24, VERSION = 2, OLDEST_VERSION = 1;
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
  if (version < OLDEST_VERSION) fail(`unknown trace version ${version}`);
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

// The heap as of some event of a trace: seek(k) shows the model (model.js)
// after events [0, k), from the nearest checkpoint. Views read it as they
// read the live heap.
export class Replay {
  constructor(trace) {
    this.kind = 'replay';
    this.trace = trace;
    const first = new HeapModel({ classes: trace.header.classes, wordBytes: trace.header.wasm32 ? 4 : 8,
      arenaShift: trace.header.wasm32 ? 20 : 26, barrier: BARRIERS[trace.header.barrier],
      storesRecorded: trace.header.version >= 2, rootsRecorded: false });
    this.timeline = new Timeline(first, { events: trace.events, count: trace.count,
      every: Math.max(4096, Math.ceil(trace.count / 64)) });
    this.model = first;
  }

  get at() { return this.model.at; }

  seek(k) { this.model = this.timeline.seek(k); }
}
forwardToModel(Replay);

// A replay's figures name the event it shows out of how many.
Replay.prototype.summary = function summary() { return { ...this.model.summary(), events: this.trace.count }; };
