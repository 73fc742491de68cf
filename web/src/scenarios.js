// The mutators: small programs that build and change object graphs on the
// runtime's collected heap, through its API and its write barrier. Every
// address a mutator keeps is reachable from a root: a JavaScript variable
// is not a root, so a new object is rooted (in a scratch slot) before
// anything else is allocated.

export const SCENARIO_INFO = {
  list: { title: 'Linked list', text: 'Nodes pushed at the head; now and then the list is cut and its tail becomes garbage.' },
  tree: { title: 'Binary tree', text: 'A complete tree whose subtrees are replaced by new ones: the old subtrees become garbage.' },
  graph: { title: 'Random graph', text: 'Nodes held by root slots with edges to each other; edges are rewired and nodes replaced, so some old nodes stay alive through edges.' },
  churn: { title: 'Churn', text: 'A directory of objects of many sizes, with and without pointers, replaced at random: many size classes, many spans, much garbage.' },
  badcase: { title: "The barrier's bad case", text: 'root → A → B → C → D. While A is black and B grey, the mutator stores C into A and deletes it from B: without a barrier, the reachable C is never marked.' },
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

// ctx: { heap, objects, seed, log(text) }. Returns { roots, labels, tick(),
// react?(), done?() }: tick is one mutator operation; react runs after
// each collector step (the bad case strikes from there).
export function makeScenario(name, ctx) {
  const make = { list, tree, graph, churn, badcase }[name];
  if (!make) throw new RangeError(`unknown scenario '${name}'`);
  return make(ctx, rng(ctx.seed));
}

function nodeType(heap) { return heap.type('node', 3, [0, 1]); } // next/left, right, value

function list({ heap, objects }, r) {
  const node = nodeType(heap);
  const roots = heap.roots(1 + SCRATCH);
  let length = 0, serial = 0;
  const push = () => {
    const n = heap.alloc(node);
    if (!n) throw new Error('out of memory');
    roots.set(1, n);
    heap.write(n, 0, roots.get(0));
    heap.write(n, 2, ++serial);
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
    roots, labels: new Map(),
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
    roots, labels: new Map(),
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
    roots, labels: new Map(),
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

function churn({ heap, objects }, r) {
  const slot = heap.type('slot', 1, [0]);
  const roots = heap.roots(1 + SCRATCH);
  const dir = heap.allocArray(slot, objects);
  if (!dir) throw new Error('out of memory');
  roots.set(0, dir);
  const fill = (i) => {
    const x = r.next();
    let o;
    if (x < 0.6) o = heap.allocNoscan(8 + r.below(248));
    else if (x < 0.88) { // an array of pointers to other objects of the directory
      o = heap.allocArray(slot, 1 + r.below(24));
      if (o) {
        roots.set(1, o);
        heap.write(o, 0, heap.read(dir, r.below(objects)));
      }
    } else if (x < 0.998) o = heap.allocNoscan(257 + r.below(3840));
    else o = heap.allocNoscan(33000 + r.below(100000));
    if (!o) throw new Error('out of memory');
    heap.write(dir, i, o);
    roots.set(1, 0);
  };
  for (let i = 0; i < objects; i++) fill(i);
  return {
    roots, labels: new Map([[dir, 'directory']]),
    tick() { fill(r.below(objects)); },
  };
}

function badcase({ heap, log }) {
  const node = nodeType(heap);
  const roots = heap.roots(1 + SCRATCH);
  const a = heap.alloc(node);
  roots.set(0, a);
  const b = heap.alloc(node);
  heap.write(a, 0, b);
  const c = heap.alloc(node);
  heap.write(b, 0, c);
  const d = heap.alloc(node);
  heap.write(c, 0, d);
  const labels = new Map([[a, 'A'], [b, 'B'], [c, 'C'], [d, 'D']]);
  let struck = false, finished = false, sawCycle = false;
  return {
    roots, labels,
    lesson: { a, b, c, d },
    tick() {},
    react() {
      const phase = heap.phase;
      if (phase !== 'off') sawCycle = true;
      if (!struck && phase === 'mark' && heap.colorOf(a) === 'black' && heap.colorOf(b) === 'grey' &&
          heap.colorOf(c) === 'white') {
        struck = true;
        heap.write(a, 1, c);
        log('mutator: A.right = C (the white C is now referenced by the black A)');
        heap.write(b, 0, 0);
        log("mutator: B.left = null (C's path from a grey object is gone)");
      }
      if (struck && sawCycle && phase === 'off') finished = true;
    },
    done() { return finished; },
  };
}
