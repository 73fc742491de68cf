// The mutators: small programs that build and change object graphs on the
// runtime's collected heap, through its API and its write barrier. Every
// address a mutator keeps is reachable from a root: a JavaScript variable
// is not a root, so a new object is rooted (in a scratch slot) before
// anything else is allocated.
//
// The bad case is a script instead: beats, each one step of the mutator
// or of the collector, that the page plays one at a time (the lessons,
// the side-by-side view, and free play's Mutate and Run all take the next
// beat), so that every state between them can be watched.

export const SCENARIO_INFO = {
  list: { title: 'Linked list', text: 'Nodes pushed at the head; now and then the list is cut and its tail becomes garbage.' },
  tree: { title: 'Binary tree', text: 'A complete tree whose subtrees are replaced by new ones: the old subtrees become garbage.' },
  graph: { title: 'Random graph', text: 'Nodes held by root slots with edges to each other; edges are rewired and nodes replaced, so some old nodes stay alive through edges.' },
  churn: { title: 'Churn', text: 'A directory of objects of many sizes, with and without pointers, replaced at random: many size classes, many spans, much garbage.' },
  many: { title: 'Many small objects', text: 'A directory of small objects (8 to 48 bytes, some holding a pointer back into it) replaced at random: a million of them is the scale the views are built for.' },
  badcase: { title: "The barrier's bad case", text: 'root → A → B → C → D, and B → E. While A is black and B grey, the mutator stores C into A and deletes it from B: without a barrier, the reachable C is never marked. Each Mutate (or Run) plays the next beat.' },
  hand: { title: 'By hand', text: 'An empty heap: allocate into it with the allocator panel, drop what you allocated, collect, and hand idle memory back.' },
};

const SCRATCH = 2; // scratch root slots after a scenario's own

function rng(seed) { // mulberry32: small, fast, and the same stream for the same seed
  let s = seed >>> 0;
  return {
    next() {
      s = (s + 0x6D2B79F5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    below(n) { return Math.floor(this.next() * n); },
  };
}

// ctx: { heap, objects, seed, log(text) }. Returns { roots, labels,
// fieldName(object, slot), tick(), done?(), drivesCollector? }: tick is one
// mutator operation (the bad case's: its next beat, collector beats too).
export function makeScenario(name, ctx) {
  const make = { list, tree, graph, churn, many, badcase, hand }[name];
  if (!make) throw new RangeError(`unknown scenario '${name}'`);
  return make(ctx, rng(ctx.seed));
}

const WORD = 4; // wasm32
const wordOf = (object, slot) => (slot - object) / WORD;

// A node of three words: two pointers and a value.
function nodeType(heap) { return heap.type('node', 3, [0, 1]); }
const fields = (names) => (object, slot) => names[wordOf(object, slot)] ?? `word ${wordOf(object, slot)}`;

function list({ heap, objects }, r) {
  const node = nodeType(heap);
  const roots = heap.roots(1 + SCRATCH);
  let length = 0, serial = 0;
  const push = () => {
    const n = heap.alloc(node);
    if (!n) throw new Error('out of memory');
    roots.set(1, n);
    heap.write(n, 0, roots.get(0));
    heap.store(n, 2, ++serial);
    roots.set(0, n);
    roots.set(1, 0);
    length++;
  };
  const cut = (at) => { // keep `at` nodes
    let n = roots.get(0);
    for (let i = 1; i < at && n; i++) n = heap.read(n, 0);
    if (n) heap.write(n, 0, 0);
    length = Math.min(length, at);
  };
  for (let i = 0; i < objects; i++) push();
  return {
    roots, labels: new Map(), fieldName: fields(['next', 'spare', 'value']),
    tick() {
      if (length > objects || (length > 2 && r.next() < 0.25)) cut(1 + r.below(Math.max(1, length - 1)));
      else push();
    },
  };
}

function tree({ heap, objects }, r) {
  const node = nodeType(heap);
  const roots = heap.roots(1 + SCRATCH);
  const depth = Math.max(0, Math.floor(Math.log2(objects + 1)) - 1);
  // Builds a complete subtree under a node already reachable, top-down, so
  // that every new node is reachable the moment it exists.
  const grow = (parent, d) => {
    if (d === 0) return;
    for (const side of [0, 1]) {
      const c = heap.alloc(node);
      if (!c) throw new Error('out of memory');
      heap.write(parent, side, c);
      grow(c, d - 1);
    }
  };
  const top = heap.alloc(node);
  roots.set(0, top);
  grow(top, depth);
  return {
    roots, labels: new Map(), fieldName: fields(['left', 'right', 'value']),
    tick() {
      if (depth === 0) return;
      // walk down a random path, then replace one child with a new subtree
      let n = roots.get(0), d = depth;
      const stop = 1 + r.below(depth);
      while (d > stop) { n = heap.read(n, r.below(2)); d--; }
      const fresh = heap.alloc(node);
      if (!fresh) throw new Error('out of memory');
      roots.set(1, fresh);
      grow(fresh, d - 1);
      heap.write(n, r.below(2), fresh);
      roots.set(1, 0);
    },
  };
}

function graph({ heap, objects }, r) {
  const gnode = heap.type('gnode', 5, [0, 1, 2, 3]); // four edges and a value
  const n = Math.max(2, objects);
  const roots = heap.roots(n + SCRATCH);
  const link = (a, k) => heap.write(a, k, r.next() < 0.2 ? 0 : roots.get(r.below(n)));
  for (let i = 0; i < n; i++) {
    const v = heap.alloc(gnode);
    if (!v) throw new Error('out of memory');
    roots.set(i, v);
  }
  for (let i = 0; i < n; i++) for (let k = 0; k < 2; k++) link(roots.get(i), k);
  return {
    roots, labels: new Map(), fieldName: fields(['edge0', 'edge1', 'edge2', 'edge3', 'value']),
    tick() {
      if (r.next() < 0.6) { // rewire an edge
        link(roots.get(r.below(n)), r.below(4));
      } else { // replace a node: the old one lives on while an edge reaches it
        const v = heap.alloc(gnode);
        if (!v) throw new Error('out of memory');
        roots.set(n, v);
        for (let k = 0; k < 2; k++) link(v, k);
        roots.set(r.below(n), v);
        roots.set(n, 0);
      }
    },
  };
}

// A directory of `objects` objects under root 0, replaced at random at
// every tick. maker(slot) declares what types it needs and returns
// make(pointTo), which makes one object; pointTo(o, s) stores into o's
// word s an object of the directory, with o held by a scratch root
// meanwhile. The scenarios below differ only in what they make.
function directory({ heap, objects }, r, maker) {
  const slot = heap.type('slot', 1, [0]);
  const make = maker(slot);
  const roots = heap.roots(1 + SCRATCH);
  const dir = heap.allocArray(slot, objects);
  if (!dir) throw new Error('out of memory');
  roots.set(0, dir);
  const pointTo = (o, s) => {
    roots.set(1, o);
    heap.write(o, s, heap.read(dir, r.below(objects)));
  };
  const fill = (i) => {
    const o = make(pointTo);
    if (!o) throw new Error('out of memory');
    heap.write(dir, i, o);
    roots.set(1, 0);
  };
  for (let i = 0; i < objects; i++) fill(i);
  return {
    roots, labels: new Map([[dir, 'directory']]), fieldName: (object, s) => `[${wordOf(object, s)}]`,
    tick() { fill(r.below(objects)); },
  };
}

// Objects of many sizes, with and without pointers: many size classes,
// many spans, much garbage.
function churn(ctx, r) {
  const { heap } = ctx;
  return directory(ctx, r, (slot) => (pointTo) => {
    const x = r.next();
    let o;
    if (x < 0.6) o = heap.allocNoscan(8 + r.below(248));
    else if (x < 0.88) { // an array of pointers to other objects of the directory
      o = heap.allocArray(slot, 1 + r.below(24));
      if (o) pointTo(o, 0);
    } else if (x < 0.998) o = heap.allocNoscan(257 + r.below(3840));
    else o = heap.allocNoscan(33000 + r.below(100000));
    return o;
  });
}

// Small objects: four in five pointer-free (8 to 48 bytes), one in five a
// two-word node pointing back into the directory. Few size classes, dense
// spans.
function many(ctx, r) {
  const { heap } = ctx;
  return directory(ctx, r, () => {
    const pair = heap.type('pair', 2, [0]);
    return (pointTo) => {
      if (r.next() < 0.8) return heap.allocNoscan(8 + 8 * r.below(6));
      const o = heap.alloc(pair);
      if (o) pointTo(o, 0);
      return o;
    };
  });
}
// --- the bad case, beat by beat -----------------------------------------------------------

const LEFT = 0, RIGHT = 1;

// Each beat: who acts, what it does, and the note the barrier log shows
// for a mutator's beat.
export const BEATS = {
  setup: { who: 'collector', what: 'mark setup', run: ({ heap }) => heap.startCycle() },
  scan: { who: 'collector', what: 'the collector scans one object', run: ({ heap }) => heap.step(1) },
  store: { who: 'mutator', what: 'A.right = C', run: ({ heap, o }) => heap.write(o.a, RIGHT, o.c) },
  delete: { who: 'mutator', what: 'B.left = null', run: ({ heap, o }) => heap.write(o.b, LEFT, 0) },
  move: { who: 'mutator', what: 'root 2 = E; B.right = null',
    run: ({ heap, o, roots }) => { roots.set(1, o.e); heap.write(o.b, RIGHT, 0); } },
  drop: { who: 'mutator', what: 'C.left = null', run: ({ heap, o }) => heap.write(o.c, LEFT, 0) },
  mark: { who: 'collector', what: 'marking to its end, and mark termination',
    run: ({ heap }) => { for (let i = 0; i < 1000 && heap.phase === 'mark'; i++) heap.step(1); } },
  sweep: { who: 'collector', what: 'the sweep',
    run: ({ heap }) => { for (let i = 0; i < 1000 && heap.phase !== 'off'; i++) heap.step(1 << 20); } },
};
// The seeds' bad case; and with the two extra moves the side-by-side view
// plays (E moved into a root, D dropped), which tell the barriers apart
// by what they rescan and what garbage they leave floating.
export const BAD_CASE = ['setup', 'scan', 'store', 'delete', 'mark', 'sweep'];
export const BAD_CASE_FULL = ['setup', 'scan', 'store', 'delete', 'move', 'drop', 'mark', 'sweep'];

// root -> A -> B -> C -> D, and B -> E; beats: a list of BEATS' names.
function badcase({ heap, log, beats = BAD_CASE }) {
  const node = nodeType(heap);
  const roots = heap.roots(2 + SCRATCH);
  const o = {};
  o.a = heap.alloc(node);
  roots.set(0, o.a);
  o.b = heap.alloc(node);
  heap.write(o.a, LEFT, o.b);
  o.c = heap.alloc(node);
  heap.write(o.b, LEFT, o.c);
  o.d = heap.alloc(node);
  heap.write(o.c, LEFT, o.d);
  o.e = heap.alloc(node);
  heap.write(o.b, RIGHT, o.e);
  for (const [k, v] of Object.entries({ a: 'A', b: 'B', c: 'C', d: 'D', e: 'E' })) heap.store(o[k], 2, v.charCodeAt(0));
  const labels = new Map([[o.a, 'A'], [o.b, 'B'], [o.c, 'C'], [o.d, 'D'], [o.e, 'E']]);
  let next = 0;
  const scenario = {
    roots, labels, lesson: o, beats, drivesCollector: true,
    fieldName: fields(['left', 'right', 'value']),
    get beat() { return next; },
    // The next beat; returns its name, or null once the script is over.
    tick() {
      if (next >= beats.length) return null;
      const name = beats[next++], beat = BEATS[name];
      beat.run({ heap, o, roots });
      if (beat.who === 'mutator') log(`mutator: ${beat.what}`);
      return name;
    },
    done() { return next >= beats.length; },
  };
  return scenario;
}

// An empty heap and root slots for what the allocator panel allocates.
export const HAND_SLOTS = 256;
function hand({ heap }) {
  const roots = heap.roots(HAND_SLOTS);
  return {
    roots, labels: new Map(), hand: true, fieldName: (object, s) => `[${wordOf(object, s)}]`,
    tick() {},
  };
}
