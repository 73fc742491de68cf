// What the page remembers of a heap's event stream, live or replayed: the
// cycles with their pacer figures, every stop and step on a timeline, the
// barriers that fired, the verifier's violations and what became of their
// targets, and counts per kind. Events arrive as 12-word records, the
// layout of the runtime's event ring (kind, arg, time, a, b, c, d; the last
// five as low and high words).
import { BARRIERS } from './palette.js';

export const EVENT_WORDS = 12;
export const EV = { PHASE: 0, ALLOC: 1, GREY: 2, BLACK: 3, BARRIER: 4, FREE: 5, SPAN_TAKE: 6, SPAN_RETURN: 7, PACER: 8,
  STOP: 9, STEP: 10, FINALIZE: 11, WEAK: 12, VIOLATION: 13 };
export const EVENT_NAMES = ['phase', 'alloc', 'grey', 'black', 'barrier', 'free', 'span-take', 'span-return', 'pacer',
  'stop', 'step', 'finalize', 'weak-clear', 'violation'];

const KEEP_TIMELINE = 6000, KEEP_BARRIERS = 400, KEEP_CYCLES = 400;
const u64 = (r, w) => r[w] + r[w + 1] * 2 ** 32;

export class History {
  constructor(barrier = 'hybrid') {
    this.cycles = [];
    this.timeline = [];
    this.barriers = [];
    this.violations = [];
    this.freedWhileReachable = new Set();
    this.watch = new Set();
    this.counts = new Array(EVENT_NAMES.length).fill(0);
    this.barrier = barrier;
    this.phase = 0;
  }

  event(r, w, index) {
    const kind = r[w], arg = r[w + 1], t = u64(r, w + 2), a = u64(r, w + 4);
    const cycle = this.cycles[this.cycles.length - 1];
    this.counts[kind]++;
    switch (kind) {
    case EV.FREE:
      if (this.watch.has(a)) this.freedWhileReachable.add(a);
      break;
    case EV.PHASE:
      this.phase = arg;
      if (arg === 1) {
        this.cycles.push({ n: a, start: t, end: null, phases: [[1, t]], stops: [], steps: 0, stepNs: 0, assists: 0,
          assistNs: 0, work: 0, spans: [], barrier: this.barrier, firstEvent: index });
        if (this.cycles.length > KEEP_CYCLES) this.cycles.shift();
      } else if (cycle && cycle.end === null) {
        cycle.phases.push([arg, t]);
        if (arg === 0) { cycle.end = t; cycle.lastEvent = index; }
      }
      break;
    case EV.PACER:
      if (cycle && arg === 1) Object.assign(cycle, { goal: a, trigger: u64(r, w + 6), markedBefore: u64(r, w + 8) });
      else if (cycle && arg === 0) Object.assign(cycle, { nextGoal: a, nextTrigger: u64(r, w + 6), marked: u64(r, w + 8) });
      break;
    case EV.STOP:
      this.pushTimeline({ kind: 'stop', t0: t - a, t1: t, phase: arg, cycle: cycle?.n });
      if (cycle) cycle.stops.push(a);
      break;
    case EV.STEP:
      this.pushTimeline({ kind: arg ? 'assist' : 'step', t0: t - a, t1: t, work: u64(r, w + 6), cycle: cycle?.n });
      if (cycle) {
        if (arg) { cycle.assists++; cycle.assistNs += a; } else { cycle.steps++; cycle.stepNs += a; }
        cycle.work += u64(r, w + 6);
      }
      break;
    case EV.SPAN_TAKE:
      if (cycle && cycle.end === null && cycle.spans.length < 5000) cycle.spans.push(a);
      break;
    case EV.BARRIER:
      this.barrier = BARRIERS[arg] ?? this.barrier;
      this.barriers.push({ index, t, mode: BARRIERS[arg], slot: a, old: u64(r, w + 6), value: u64(r, w + 8),
        shaded: r[w + 10] });
      if (this.barriers.length > KEEP_BARRIERS) this.barriers.splice(0, this.barriers.length - KEEP_BARRIERS);
      break;
    case EV.VIOLATION:
      this.violations.push({ index, t, object: a, slot: u64(r, w + 6), target: u64(r, w + 8), cycle: cycle?.n });
      this.watch.add(u64(r, w + 8));
      break;
    default:
    }
  }

  pushTimeline(e) {
    this.timeline.push(e);
    if (this.timeline.length > KEEP_TIMELINE) this.timeline.splice(0, this.timeline.length - KEEP_TIMELINE);
  }
}
