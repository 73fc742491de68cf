// A stream of events and the heap model (model.js) as of any event of it,
// for stepping back and forth: checkpoints (copies of the model) every so
// many events, and from the nearest one before the event asked for, the
// events between applied again. A trace's timeline holds its whole stream;
// the live heap's (recorder.js) grows as the heap runs, keeps a window of
// its latest events, and drops the oldest with their checkpoints.
import { EVENT } from '#tricolor/layout';

const W = EVENT.words;

export class Timeline {
  // first: the model at the stream's first event (index `start`); events:
  // a Uint32Array of EVENT records to start with (a trace's), or none;
  // every: events between two checkpoints; keep: events kept at most (the
  // oldest go, whole checkpoint intervals at a time).
  constructor(first, { events = null, count = 0, every = 4096, keep = Infinity } = {}) {
    this.start = first.at;
    this.end = this.start + count;
    this.buf = events || new Uint32Array(W * 4096);
    this.every = every;
    this.keep = keep;
    this.checkpoints = [first.clone()];
    this.view = null;
  }

  get count() { return this.end; }

  // Appends one event (the EVENT record at word w of r) at index `end`.
  append(r, w) {
    let at = (this.end - this.start) * W;
    if (at + W > this.buf.length) {
      if (this.end - this.start >= this.keep) this.dropOldest();
      at = (this.end - this.start) * W;
      if (at + W > this.buf.length) {
        const grown = new Uint32Array(Math.max(this.buf.length * 2, at + W));
        grown.set(this.buf);
        this.buf = grown;
      }
    }
    for (let k = 0; k < W; k++) this.buf[at + k] = r[w + k];
    this.end++;
  }

  // A checkpoint: a copy of `model`, which is at an event within the window.
  checkpoint(model) {
    const last = this.checkpoints[this.checkpoints.length - 1];
    if (model.at > last.at) this.checkpoints.push(model.clone());
  }

  // Forgets the events before the second checkpoint, and the first.
  dropOldest() {
    if (this.checkpoints.length < 2) return;
    const next = this.checkpoints[1].at;
    this.buf.copyWithin(0, (next - this.start) * W, (this.end - this.start) * W);
    this.checkpoints.shift();
    this.start = next;
    if (this.view && this.view.at < next) this.view = null;
  }

  // The model as of event k (events [start, k) applied), clamped to the window.
  seek(k) {
    k = Math.max(this.start, Math.min(this.end, k));
    let cp = this.checkpoints[0];
    for (const c of this.checkpoints) if (c.at <= k) cp = c;
    let m = this.view;
    if (!m || m.at > k || m.at < cp.at) m = cp.clone();
    for (let i = m.at; i < k; i++) {
      m.apply(this.buf, (i - this.start) * W, i);
      if ((i + 1) % this.every === 0 && i + 1 > this.checkpoints[this.checkpoints.length - 1].at) this.checkpoint(m);
    }
    m.version = (m.version || 0) + 1;
    this.view = m;
    return m;
  }

  // The event record k, as [buffer, word] (k within the window).
  record(k) { return [this.buf, (k - this.start) * W]; }
}
