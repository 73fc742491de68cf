// What the page remembers of a heap's event stream, live or replayed: the
// cycles with their pacer figures, every stop and step on a timeline, the
// barriers that fired (and every pointer store, which a heap with events
// sends through the barrier in every phase), the verifier's violations and
// what became of their targets, and counts per kind. Events arrive as EVENT records, the layout
// of the runtime's event ring (kind, arg, time, a, b, c, d; the last five
// as low and high words), whether read from the ring or from a trace.
import { BARRIERS, EVENTS, EVENT, EVENT_KIND as EV, PHASE } from '#tricolor/layout';

const KEEP_TIMELINE = 6000, KEEP_BARRIERS = 400, KEEP_CYCLES = 400;
const u64 = (r, w) => r[w] + r[w + 1] * 2 ** 32;
// Keeps the last `keep` entries, cutting the array once it holds twice as
// many (one cut per `keep` pushes, not one per push).
const trim = (xs, keep) => { if (xs.length > 2 * keep) xs.splice(0, xs.length - keep); };
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
    this.rootsScanned = false; // in the cycle marking now
    this.storesOutside = 0; // pointer stores outside marking: recorded, not barriers
  }

  // A copy that changes apart from this one (for checkpoints).
  clone() {
    const h = Object.create(History.prototype);
    Object.assign(h, this);
    h.cycles = this.cycles.map((c) => ({ ...c, phases: c.phases.map((p) => [...p]), stops: [...c.stops], spans: [...c.spans],
      terminationGreys: c.terminationGreys && [...c.terminationGreys] }));
    h.timeline = this.timeline.slice();
    h.barriers = this.barriers.slice();
    h.violations = this.violations.slice();
    h.freedWhileReachable = new Set(this.freedWhileReachable);
    h.watch = new Set(this.watch);
    h.counts = this.counts.slice();
    return h;
  }

  // The event at word w of r, the index-th of the stream.
  event(r, w, index) {
    const kind = r[w + EVENT.kind], arg = r[w + EVENT.arg], t = u64(r, w + EVENT.timeNs), a = u64(r, w + EVENT.a);
    const b = u64(r, w + EVENT.b), c = u64(r, w + EVENT.c);
    const cycle = this.cycles[this.cycles.length - 1];
    if (kind < this.counts.length) this.counts[kind]++;
    switch (kind) {
    case EV.FREE:
      if (this.watch.has(a)) this.freedWhileReachable.add(a);
      break;
    case EV.GREY: // shaded in the termination stop: by the roots' rescan, or reached from what it found
      if (this.phase === PHASE.MARK_TERMINATION && cycle && (cycle.terminationGreys ??= []).length < 64) cycle.terminationGreys.push(a);
      break;
    case EV.PHASE:
      this.phase = arg;
      if (arg === PHASE.MARK_SETUP) {
        // A cycle the pacer starts while the last one still sweeps ends
        // that one here: mark setup finishes its sweep.
        if (cycle && cycle.end === null) { cycle.end = t; cycle.lastEvent = index - 1; }
        this.cycles.push({ n: a, start: t, end: null, phases: [[1, t]], stops: [], steps: 0, stepNs: 0, assists: 0,
          assistNs: 0, work: 0, spans: [], barrier: this.barrier, firstEvent: index });
        if (this.cycles.length > KEEP_CYCLES) this.cycles.shift();
        this.rootsScanned = this.barrier !== 'hybrid'; // hybrid scans them at its first mark step
      } else if (cycle && cycle.end === null) {
        cycle.phases.push([arg, t]);
        if (arg === PHASE.OFF) { cycle.end = t; cycle.lastEvent = index; }
      }
      if (arg === PHASE.MARK_TERMINATION) this.rootsScanned = true;
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
      if (this.phase === PHASE.MARK) this.rootsScanned = true;
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
      // Outside marking a store is only recorded (for the graph): counted, not logged.
      if (this.phase < PHASE.MARK_SETUP || this.phase > PHASE.MARK_TERMINATION) { this.storesOutside++; break; }
      this.barriers.push({ index, t, mode: BARRIERS[arg], slot: a, old: b, value: c, shaded: r[w + EVENT.d],
        rootsScanned: this.rootsScanned, cycle: cycle?.n });
      trim(this.barriers, KEEP_BARRIERS);
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
    trim(this.timeline, KEEP_TIMELINE);
  }
}
