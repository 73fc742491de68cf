// The live heap's past, for stepping back through it as through a trace:
// every event the page reads from the runtime's ring, and every store into
// a root slot (which no barrier sees), kept in a timeline (timeline.js)
// with checkpoints of the model (model.js) that the events keep current.
// The runtime's ring holds the last 65 536 events; should more than that
// pass between two reads, the recorder starts again from a snapshot of
// the live heap, and says so.
import { EVENT } from '#tricolor/layout';
import { ROOT_STORE } from './model.js';
import { Timeline } from './timeline.js';

const KEEP_EVENTS = 1 << 18; // the window stepped back through, at most
const MIN_EVERY = 2048;

export class Recorder {
  // snapshot: the live heap as a model (LiveRuntime.snapshot()).
  constructor(snapshot) {
    this.restart(snapshot, null);
  }

  // Starts over from a snapshot; `why` says why history was lost, if it was.
  restart(snapshot, why) {
    this.head = snapshot;
    this.timeline = new Timeline(snapshot, { every: this.everyFor(snapshot), keep: KEEP_EVENTS });
    this.steps = [snapshot.at]; // where each of the page's actions began
    this.rootStores = []; // the latest stores into root slots: { index, slot, value }
    this.lost = why;
    this.scratch ??= new Uint32Array(EVENT.words);
  }

  // Events between checkpoints: more for a bigger model, so copying it
  // costs a small share of applying the events.
  everyFor(m) {
    let cells = 0;
    for (const s of m.spans.values()) cells += s.objects;
    return Math.max(MIN_EVERY, 2 ** Math.ceil(Math.log2(1 + (cells + m.edges.size) / 4)));
  }

  // One event of the runtime's ring (the EVENT record at word w of r).
  event(r, w) {
    const k = this.timeline.end;
    this.head.apply(r, w, k);
    this.timeline.append(r, w);
    if ((k + 1) % this.timeline.every === 0) this.timeline.checkpoint(this.head);
  }

  // A store into a root slot, between the runtime's events.
  rootStore(slot, value) {
    const e = this.scratch;
    e.fill(0);
    e[EVENT.kind] = ROOT_STORE;
    e[EVENT.a] = slot;
    e[EVENT.b] = value;
    const t = this.head.time;
    e[EVENT.timeNs] = t % 2 ** 32;
    e[EVENT.timeNs + 1] = Math.floor(t / 2 ** 32);
    this.rootStores.push({ index: this.timeline.end, slot, value });
    if (this.rootStores.length > 128) this.rootStores.splice(0, 64);
    this.event(e, 0);
  }

  // An action of the page ends here: "back one step" returns to the start of it.
  markStep() {
    const at = this.timeline.end;
    if (this.steps[this.steps.length - 1] !== at) this.steps.push(at);
    while (this.steps.length && this.steps[0] < this.timeline.start) this.steps.shift();
    if (this.steps.length > 4096) this.steps.splice(0, 2048);
  }

  get start() { return this.timeline.start; }
  get end() { return this.timeline.end; }

  // The model as of event k.
  seek(k) { return k >= this.end ? this.head : this.timeline.seek(k); }

  // The start of the action before event k (or the window's start).
  stepBefore(k) {
    let best = this.timeline.start;
    for (const s of this.steps) if (s < k && s >= this.timeline.start) best = s;
    return best;
  }

  stepAfter(k) {
    for (const s of this.steps) if (s > k) return s;
    return this.end;
  }
}
