// The installed npm package from Node, as a project that depends on it
// uses it: `import ... from 'tricolor'` (tests/npm-package.sh copies this
// file into a scratch project). Exits 1 at the first thing that is wrong.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { loadTricolor, GcHeap, OutOfMemoryError, PHASES, BARRIERS, SPAN, SPAN_WORDS, SIZE_CLASSES } from 'tricolor';

const check = async (what, fn) => {
  await fn();
  console.log(`ok   ${what}`);
};

await check('loads in Node, the wasm file found beside the module', async () => {
  const tri = await loadTricolor();
  const p = tri.malloc(100);
  assert.ok(p);
  assert.equal(tri.usableSize(p), 112);
  tri.free(p);
  assert.equal(tri.sizeClasses().length, SIZE_CLASSES - 1);
});

await check('loads from wasmBinary (the file the package exports)', async () => {
  const file = new URL(import.meta.resolve('tricolor/tricolor-core.wasm'));
  // where the file would be looked for there is none: the bytes given are what loads
  const tri = await loadTricolor({ wasmBinary: await readFile(file), locateFile: (f) => `/nowhere/${f}` });
  assert.equal(tri.sizeClassOf(100), 8);
});

await check('two loads are two modules', async () => {
  const [a, b] = await Promise.all([loadTricolor(), loadTricolor()]);
  assert.notEqual(a.m, b.m);
  const before = b.stats().inUse;
  a.malloc(1 << 20);
  assert.equal(b.stats().inUse, before);
});

await check('a collected heap: objects, roots, the write barrier, a cycle', async () => {
  const tri = await loadTricolor();
  const heap = tri.createHeap({ barrier: 'yuasa', gogc: 'off', events: 1 << 12 });
  assert.ok(heap instanceof GcHeap);
  const node = heap.type('node', 2, [0]);
  const roots = heap.roots(1);
  for (let i = 0; i < 100; i++) {
    const n = heap.alloc(node);
    heap.write(n, 0, roots.get(0));
    heap.write(n, 1, i);
    roots.set(0, n);
    heap.alloc(node); // garbage
  }
  heap.collect();
  const st = heap.stats();
  assert.equal(st.objects, 100);
  assert.equal(st.cycles, 1);
  assert.equal(st.barrier, 'yuasa');
  assert.ok(PHASES.includes(heap.phase) && BARRIERS.includes(st.barrier));
  let sum = 0;
  for (let n = roots.get(0); n; n = heap.read(n, 0)) sum += heap.read(n, 1);
  assert.equal(sum, 4950);
  const spans = heap.spans();
  let allocated = 0;
  for (let s = 0; s < spans.length; s += SPAN_WORDS) allocated += spans[s + SPAN.allocated];
  assert.equal(allocated, 100);
  assert.ok(heap.events().some((e) => e.kind === 'free'));
  assert.deepEqual(heap.verify(), { violations: 0, objectsChecked: 100, first: [] });
  roots.release();
  heap.destroy();
});

await check('bad input is refused with a clear error', async () => {
  const tri = await loadTricolor();
  assert.throws(() => tri.createHeap({ barrier: 'sideways' }), /unknown barrier 'sideways'/);
  assert.throws(() => tri.createHeap({ events: 1000 }), /power of two/);
  const heap = tri.createHeap();
  assert.throws(() => heap.type('t', 2, [5]), /pointer word 5 outside a 2-word type/);
  assert.ok(new OutOfMemoryError('x') instanceof RangeError);
  heap.destroy();
});
