// The visualiser's trace reader (web/src/trace.js) against traces written
// here by the format's own rules (docs/trace-format.md), whole and broken
// every way the reader checks for; the replay of a small one; and a trace
// of the native command line's, when it is built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { BARRIERS, COLORS, EVENT, EVENT_KIND as EV, EVENTS, PAGE_SIZE, PHASE, SIZE_CLASSES } from '#tricolor/layout';
import { readTrace, Replay, TraceError, crc32 } from '../../web/src/trace.js';

// --- a trace writer, from the format's description --------------------------------------

const HEADER = 64, TRAILER = 24;
const CLASS_TABLE = Array.from({ length: SIZE_CLASSES }, (_, c) => (c ? { size: 16 * c, pages: 1 } : { size: 0, pages: 0 }));

function leb128(x) {
  const out = [];
  do {
    const low = x % 128;
    x = Math.floor(x / 128);
    out.push(low | (x ? 0x80 : 0));
  } while (x);
  return out;
}

// Events as the format stores them: kind, arg, dt, zigzag(a - previous a), b, c, d.
function encodeEvents(events) {
  const out = [];
  let time = 0, a = 0;
  for (const e of events) {
    const delta = (e.a ?? 0) - a;
    out.push(e.kind, ...leb128(e.arg ?? 0), ...leb128(e.t - time), ...leb128(delta >= 0 ? 2 * delta : -2 * delta - 1),
      ...leb128(e.b ?? 0), ...leb128(e.c ?? 0), ...leb128(e.d ?? 0));
    time = e.t;
    a = e.a ?? 0;
  }
  return out;
}

// A whole trace file; every field can be given wrong.
function traceFile({ magic = 'TRITRACE', version = 2, flags = 0, pageSize = PAGE_SIZE, classes = SIZE_CLASSES, barrier = 0,
  reserved = 0, workload = 'unit test', events = [], eventBytes = encodeEvents(events), count = events.length, crc,
  endMagic = 'TRIEND\0\0', trailerReserved = 0 } = {}) {
  const body = Buffer.alloc(HEADER + 8 * SIZE_CLASSES + eventBytes.length);
  body.write(magic, 0, 'latin1');
  [version, flags, pageSize, classes, barrier, reserved].forEach((v, i) => body.writeUInt32LE(v, 8 + 4 * i));
  body.write(workload, 32, 'utf8');
  CLASS_TABLE.forEach((c, i) => { body.writeUInt32LE(c.size, HEADER + 8 * i); body.writeUInt32LE(c.pages, HEADER + 8 * i + 4); });
  Buffer.from(eventBytes).copy(body, HEADER + 8 * SIZE_CLASSES);
  const trailer = Buffer.alloc(TRAILER);
  trailer.write(endMagic, 0, 'latin1');
  trailer.writeBigUInt64LE(BigInt(count), 8);
  trailer.writeUInt32LE(crc ?? zlib.crc32(body), 16);
  trailer.writeUInt32LE(trailerReserved, 20);
  return Buffer.concat([body, trailer]);
}

const EVENTS_AT = HEADER + 8 * SIZE_CLASSES;
const refused = (file, message) => assert.throws(() => readTrace(file), (e) => {
  assert.ok(e instanceof TraceError, `a TraceError, not ${e}`);
  assert.match(e.message, message);
  return true;
});

// One collection of a span of two 32-byte objects: the second is garbage.
const SPAN = 0x4_0000, X = SPAN, Y = SPAN + 32;
const CYCLE = [
  { kind: EV.SPAN_TAKE, arg: 2 << 1, t: 100, a: SPAN, b: 1 },
  { kind: EV.ALLOC, t: 110, a: X, b: 32 },
  { kind: EV.ALLOC, t: 120, a: Y, b: 32 },
  { kind: EV.PHASE, arg: PHASE.MARK_SETUP, t: 200, a: 1 },
  { kind: EV.PACER, arg: 1, t: 201, a: 4 << 20, b: 3 << 20, c: 2 ** 40 + 5 },
  { kind: EV.GREY, t: 210, a: X },
  { kind: EV.PHASE, arg: PHASE.MARK, t: 220, a: 1 },
  { kind: EV.BLACK, t: 230, a: X },
  { kind: EV.PHASE, arg: PHASE.MARK_TERMINATION, t: 240, a: 1 },
  { kind: EV.PHASE, arg: PHASE.SWEEP, t: 250, a: 1 },
  { kind: EV.FREE, t: 260, a: Y, b: 32 },
  { kind: EV.PHASE, arg: PHASE.OFF, t: 270, a: 1 },
];

// --- reading --------------------------------------------------------------------------------

test('a good trace: the header, and every event as an EVENT record', () => {
  const file = traceFile({ flags: 1, barrier: BARRIERS.indexOf('yuasa'), workload: 'two objects', events: CYCLE });
  const trace = readTrace(file);
  assert.deepEqual(trace.header, { version: 2, wasm32: true, barrier: 2, workload: 'two objects', classes: CLASS_TABLE });
  assert.equal(trace.count, CYCLE.length);
  assert.equal(trace.bytes, file.length);
  assert.equal(trace.durationNs, 270);
  assert.equal(trace.events.length, CYCLE.length * EVENT.words);
  const u64 = (w) => trace.events[w] + trace.events[w + 1] * 2 ** 32;
  CYCLE.forEach((e, k) => {
    const w = k * EVENT.words;
    assert.deepEqual(
      [EVENTS[trace.events[w + EVENT.kind]], trace.events[w + EVENT.arg], u64(w + EVENT.timeNs), u64(w + EVENT.a),
        u64(w + EVENT.b), u64(w + EVENT.c), u64(w + EVENT.d)],
      [EVENTS[e.kind], e.arg ?? 0, e.t, e.a ?? 0, e.b ?? 0, e.c ?? 0, e.d ?? 0], `event ${k}`);
  });
});

test('a reaches back as well as forward, and a = UINT64_MAX reads as both words all ones', () => {
  const events = [{ kind: EV.GREY, t: 5, a: 2 ** 33 + 7 }, { kind: EV.GREY, t: 6, a: 3 }, { kind: EV.WEAK_CLEAR, t: 7, a: -1 }];
  const { events: r } = readTrace(traceFile({ events }));
  const a = (k) => [r[k * EVENT.words + EVENT.a], r[k * EVENT.words + EVENT.a + 1]];
  assert.deepEqual(a(0), [7, 2]);
  assert.deepEqual(a(1), [3, 0]);
  assert.deepEqual(a(2), [0xffffffff, 0xffffffff]);
});

test('an empty trace: no events', () => {
  const trace = readTrace(traceFile());
  assert.equal(trace.count, 0);
  assert.equal(trace.durationNs, 0);
  assert.equal(trace.header.wasm32, false);
});

test('crc32 is IEEE CRC-32, as zlib computes it', () => {
  const bytes = Buffer.from(Array.from({ length: 4099 }, (_, i) => (i * 131 + (i >> 3)) & 0xff));
  assert.equal(crc32(new Uint8Array(0)), 0);
  assert.equal(crc32(Buffer.from('123456789')), 0xCBF43926); // the check value of the IEEE polynomial
  assert.equal(crc32(bytes), zlib.crc32(bytes));
});

// --- refused ----------------------------------------------------------------------------------

test('wrong magic: not a tricolor trace', () => {
  refused(traceFile({ magic: 'TRITRACK' }), /^not a tricolor trace \(no TRITRACE magic at the start\)$/);
  refused(Buffer.from('TRITR'), /^not a tricolor trace/);
  refused(Buffer.from('{"some": "json, not a trace at all"}'), /^not a tricolor trace/);
});

test('wrong version: a newer one is named as newer, an older one as unknown; version 1 still reads', () => {
  refused(traceFile({ version: 3 }), /^trace version 3 is newer than this reader \(version 2\)$/);
  refused(traceFile({ version: 0 }), /^unknown trace version 0$/);
  assert.equal(readTrace(traceFile({ version: 1, events: CYCLE })).header.version, 1);
});

test('a header that breaks the format is refused, saying which field', () => {
  refused(traceFile({ flags: 2 }), /^bad header: unknown flags 0x2 or reserved field not 0$/);
  refused(traceFile({ reserved: 1 }), /^bad header: unknown flags 0x0 or reserved field not 0$/);
  refused(traceFile({ pageSize: 4096 }), new RegExp(`^bad header: page size 4096 and ${SIZE_CLASSES} size classes \\(expected ${PAGE_SIZE} and ${SIZE_CLASSES}\\)$`));
  refused(traceFile({ classes: SIZE_CLASSES - 1 }), new RegExp(`size classes \\(expected ${PAGE_SIZE} and ${SIZE_CLASSES}\\)$`));
  refused(traceFile({ barrier: BARRIERS.length }), new RegExp(`^bad header: barrier mode ${BARRIERS.length}$`));
});

test('truncated: in the header, in the size-class table, in the events, in the last event', () => {
  const good = traceFile({ events: CYCLE });
  refused(good.subarray(0, 40), /^truncated: 40 bytes, shorter than the 64-byte header$/);
  refused(good.subarray(0, 300), /^truncated: 300 bytes, too short for the header, size-class table and trailer$/);
  refused(good.subarray(0, good.length - 30), /^truncated or corrupt: no TRIEND trailer at the end/);
  // a writer that stopped inside an event but still closed the file
  const bytes = encodeEvents(CYCLE);
  const cut = traceFile({ eventBytes: bytes.slice(0, bytes.length - 3), count: CYCLE.length });
  refused(cut, new RegExp(`^truncated: the events end inside event ${CYCLE.length - 1} \\(at byte \\d+\\)$`));
});

test('corrupt: a changed byte fails the checksum', () => {
  const file = traceFile({ events: CYCLE });
  const want = file.readUInt32LE(file.length - 8).toString(16).padStart(8, '0');
  file[EVENTS_AT + 5] ^= 0x40;
  refused(file, new RegExp(`^corrupt: checksum [0-9a-f]{8}, the trailer says ${want}$`));
});

test('corrupt: an unknown kind, an overlong number, a count that is not the events', () => {
  const bytes = encodeEvents(CYCLE.slice(0, 2));
  const second = encodeEvents(CYCLE.slice(0, 1)).length;
  const unknown = [...bytes];
  unknown[second] = EVENTS.length;
  refused(traceFile({ eventBytes: unknown, count: 2 }),
    new RegExp(`^event 1 at byte ${EVENTS_AT + second} has unknown kind ${EVENTS.length}$`));
  const overlong = [EV.GREY, ...Array(10).fill(0x80), 0, 0, 0, 0, 0, 0];
  refused(traceFile({ eventBytes: overlong, count: 1 }), new RegExp(`^event 0 at byte ${EVENTS_AT}: a number runs past 10 bytes$`));
  refused(traceFile({ events: CYCLE, count: CYCLE.length + 2 }),
    new RegExp(`^the trailer counts ${CYCLE.length + 2} events, the file holds ${CYCLE.length}$`));
  refused(traceFile({ events: CYCLE, count: 3 }), /^the trailer counts 3 events, the file holds more$/);
  refused(traceFile({ events: CYCLE, trailerReserved: 9 }), /^bad trailer: reserved field not 0$/);
});

// --- replay ------------------------------------------------------------------------------------

test('replay: the heap as of each event, forwards and back', () => {
  const replay = new Replay(readTrace(traceFile({ events: CYCLE })));
  const m = () => replay.model;
  const colours = () => [...m().spans.get(SPAN).colours.subarray(0, 2)].map((c) => COLORS[c]);
  replay.seek(3); // the span and both objects
  assert.deepEqual([m().objects, m().live, m().spanBytes], [2, 64, PAGE_SIZE]);
  assert.deepEqual(colours(), ['white', 'white']);
  assert.equal(replay.summary().phase, 'off');
  replay.seek(8); // X marked and scanned, Y not
  assert.deepEqual(colours(), ['black', 'white']);
  assert.equal(replay.summary().phase, 'mark');
  assert.equal(replay.history.cycles[0].markedBefore, 2 ** 40 + 5);
  replay.seek(CYCLE.length); // Y swept, X white again for the next cycle
  assert.deepEqual(colours(), ['white', 'free']);
  assert.deepEqual([m().objects, m().live], [1, 32]);
  const s = replay.summary();
  assert.deepEqual([s.phase, s.cycles, s.objects, s.event, s.events], ['off', 1, 1, CYCLE.length, CYCLE.length]);
  assert.equal(replay.inspect(X).colour, 'white');
  assert.equal(replay.inspect(Y), null, 'a freed object is no object');
  replay.seek(6); // back: from the checkpoint before it
  assert.deepEqual(colours(), ['grey', 'white']);
  assert.equal(replay.history.cycles.length, 1);
  assert.equal(replay.spanBits(X).grey[0], 1);
});

// Version 2 holds every pointer store: the graph is rebuilt, its roots
// the objects each cycle's root scan shaded. root -> A -> B; C garbage.
const A = SPAN, B = SPAN + 32, C = SPAN + 64;
const STORES = [
  { kind: EV.SPAN_TAKE, arg: 2 << 1, t: 100, a: SPAN, b: 1 },
  { kind: EV.ALLOC, t: 110, a: A, b: 32 },
  { kind: EV.ALLOC, t: 111, a: B, b: 32 },
  { kind: EV.BARRIER, arg: BARRIERS.indexOf('yuasa'), t: 112, a: A + 8, b: 0, c: B }, // A.word2 = B, outside marking
  { kind: EV.ALLOC, t: 113, a: C, b: 32 },
  { kind: EV.BARRIER, arg: BARRIERS.indexOf('yuasa'), t: 114, a: C, b: 0, c: A }, // C.word0 = A
  { kind: EV.PHASE, arg: PHASE.MARK_SETUP, t: 200, a: 1 },
  { kind: EV.GREY, t: 201, a: A }, // the root scan
  { kind: EV.PHASE, arg: PHASE.MARK, t: 202, a: 1 },
  { kind: EV.GREY, t: 203, a: B }, // the barrier shades the old value, then says so
  { kind: EV.BARRIER, arg: BARRIERS.indexOf('yuasa'), t: 203, a: A + 8, b: B, c: 0, d: 1 }, // A.word2 = null
];

test('replay of version 2: the object graph from the stores, the roots from the root scan', () => {
  const replay = new Replay(readTrace(traceFile({ barrier: BARRIERS.indexOf('yuasa'), flags: 1, events: STORES })));
  replay.seek(6); // before any cycle: the graph, but no root known yet
  let g = replay.graph();
  assert.deepEqual(g.nodes.map((n) => n.addr), [A, B, C]);
  assert.deepEqual(g.edges.map((e) => [e.from, e.to, e.slot]), [[A, B, A + 8], [C, A, C]]);
  assert.deepEqual(g.roots, []);
  replay.seek(9); // the root scan found A
  g = replay.graph();
  assert.deepEqual(g.roots.map((r) => r.target), [A]);
  assert.equal(g.rootsScanned, true);
  assert.deepEqual(replay.inspect(B).path.map((p) => p.object), [A, B]);
  assert.equal(replay.inspect(C).path, null, 'C is reached by nothing');
  replay.seek(STORES.length); // the deletion: B shaded, and the edge gone
  g = replay.graph();
  assert.deepEqual(g.edges.map((e) => [e.from, e.to]), [[C, A]]);
  assert.equal(COLORS[g.nodes.find((n) => n.addr === B).colour], 'grey');
  assert.deepEqual(replay.history.barriers.map((b) => [b.old, b.value, b.shaded]), [[B, 0, 1]], 'only the store while marking is logged');
  assert.equal(replay.history.storesOutside, 2);
});

test('replay of version 1: no graph, and the page says why', () => {
  const replay = new Replay(readTrace(traceFile({ version: 1, events: STORES })));
  replay.seek(STORES.length);
  assert.match(replay.graph().unavailable, /version 1, which records pointer stores only while marking/);
  assert.equal(replay.inspect(A).pointers, null);
});

// --- a trace of the native command line ------------------------------------------------------------

const cli = path.resolve(import.meta.dirname, '../../build/native/tricolor');

test('a trace the native command line wrote reads, event for event as trace-info counts them', { skip: !existsSync(cli) && 'build/native/tricolor is not built' }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tricolor-trace-'));
  try {
    const file = path.join(dir, 'trees.trace');
    execFileSync(cli, ['trace', 'binarytrees', '-d', '10', '--out', file]);
    const info = execFileSync(cli, ['trace-info', file], { encoding: 'utf8' });
    const trace = readTrace(readFileSync(file));
    assert.equal(trace.count, Number(/(\d+) events in/.exec(info)[1]));
    assert.equal(trace.header.workload, /of '([^']*)'/.exec(info)[1]);
    const counts = new Array(EVENTS.length).fill(0);
    for (let k = 0; k < trace.count; k++) counts[trace.events[k * EVENT.words + EVENT.kind]]++;
    for (const [, kind, n] of info.matchAll(/^\s+(\S+)\s+(\d+)$/gm)) assert.equal(counts[EVENTS.indexOf(kind)], Number(n), kind);
    const replay = new Replay(trace);
    replay.seek(trace.count);
    assert.ok(replay.summary().cycles > 0);
    assert.equal(trace.header.version, 2);
    // every pointer store is there: a small tree's graph is whole, and reached from the roots the last scan found
    replay.seek(Math.floor(trace.count / 3));
    replay.seek(trace.count);
    assert.ok(counts[EV.BARRIER] > 0, 'pointer stores recorded');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
