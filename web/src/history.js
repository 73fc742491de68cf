// What the page remembers of a heap's event stream, live or replayed: the
// cycles with their pacer figures, every stop and step on a timeline, the
// barriers that fired, the verifier's violations and what became of their
// targets, and counts per kind. Events arrive as EVENT records, the layout
// of the runtime's event ring (kind, arg, time, a, b, c, d; the last five
// as low and high words), whether read from the ring or from a trace.
import { BARRIERS, EVENTS, EVENT, EVENT_KIND as EV, PHASE } from '#tricolor/layout';

const KEEP_TIMELINE = 6000, KEEP_BARRIERS = 400, KEEP_CYCLES = 400;
const u64 = (r, w) => r[w] + r[w + 1] * 2 ** 32;
// The pacer's event says which decision it records.
const PACER_AT_TERMINATION = 0, PACER_AT_SETUP = 1;

export class History {
  constructor(barrier = 'hybrid') {
    this.cycles = [];
    this.timeline = [];
    this.barriers = [];
    this.violations = [];
    this.freedWhileReachable = new Set();
    this.watch = new Set();
    this.counts = new Array(EVENTS.length).fill(0);
    this.barrier = barrier;
    this.phase = 0;
  }

  // The event at word w of r, the index-th of the stream.
  event(r, w, index) {
    const kind = r[w + EVENT.kind], arg = r[w + EVENT.arg], t = u64(r, w + EVENT.timeNs), a = u64(r, w + EVENT.a);
    const b = u64(r, w + EVENT.b), c = u64(r, w + EVENT.c);
    const cycle = this.cycles[this.cycles.length - 1];
    this.counts[kind]++;
    switch (kind) {
    case EV.FREE:
      if (this.watch.has(a)) this.freedWhileReachable.add(a);
      break;
    case EV.PHASE:
      this.phase = arg;
      if (arg === PHASE.MARK_SETUP) {
        this.cycles.push({ n: a, start: t, end: null, phases: [[1, t]], stops: [], steps: 0, stepNs: 0, assists: 0,
          assistNs: 0, work: 0, spans: [], barrier: this.barrier, firstEvent: index });
        if (this.cycles.length > KEEP_CYCLES) this.cycles.shift();
      } else if (cycle && cycle.end === null) {
        cycle.phases.push([arg, t]);
        if (arg === PHASE.OFF) { cycle.end = t; cycle.lastEvent = index; }
      }
      break;
    case EV.PACER:
      if (cycle && arg === PACER_AT_SETUP) Object.assign(cycle, { goal: a, trigger: b, markedBefore: c });
      else if (cycle && arg === PACER_AT_TERMINATION) Object.assign(cycle, { nextGoal: a, nextTrigger: b, marked: c });
      break;
    case EV.STOP:
      this.pushTimeline({ kind: 'stop', t0: t - a, t1: t, phase: arg, cycle: cycle?.n });
      if (cycle) cycle.stops.push(a);
      break;
    case EV.STEP:
      this.pushTimeline({ kind: arg ? 'assist' : 'step', t0: t - a, t1: t, work: b, cycle: cycle?.n });
      if (cycle) {
        if (arg) { cycle.assists++; cycle.assistNs += a; } else { cycle.steps++; cycle.stepNs += a; }
        cycle.work += b;
      }
      break;
    case EV.SPAN_TAKE:
      if (cycle && cycle.end === null && cycle.spans.length < 5000) cycle.spans.push(a);
      break;
    case EV.BARRIER:
      this.barrier = BARRIERS[arg] ?? this.barrier;
      this.barriers.push({ index, t, mode: BARRIERS[arg], slot: a, old: b, value: c, shaded: r[w + EVENT.d] });
      if (this.barriers.length > KEEP_BARRIERS) this.barriers.splice(0, this.barriers.length - KEEP_BARRIERS);
      break;
    case EV.VIOLATION:
      this.violations.push({ index, t, object: a, slot: b, target: c, cycle: cycle?.n });
      this.watch.add(c);
      break;
    default:
    }
  }

  pushTimeline(e) {
    this.timeline.push(e);
    if (this.timeline.length > KEEP_TIMELINE) this.timeline.splice(0, this.timeline.length - KEEP_TIMELINE);
  }
}
