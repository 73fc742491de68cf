// A typed program against the package's declarations (tricolor.d.ts), as
// a TypeScript project would write it; tests/npm-package.sh checks it with
// tsc --noEmit. The lines after @ts-expect-error are misuses the
// declarations must reject: tsc fails if one of them type-checks.
import {
  loadTricolor, OutOfMemoryError, PHASES, EVENTS, SPAN, SPAN_WORDS, OBJECT, COLORS,
  type Color, type GcHeap, type GcStats, type Phase, type RootSet, type HeapConfig,
} from 'tricolor';

const tri = await loadTricolor({ print: (line) => console.log(line), printErr: (line) => console.error(line) });

const text: number = tri.malloc(100);
const bigger: number = tri.realloc(text, 1000);
console.log(tri.usableSize(bigger), tri.sizeClassOf(100), tri.memoryBytes);
tri.free(bigger);
console.log(tri.stats().inUse, tri.stats().classes[1].objects, tri.sizeClasses()[0].size);

const config: HeapConfig = { barrier: 'yuasa', events: 1 << 16, gogc: 'off', maxHeap: 64 << 20, verify: true };
const heap: GcHeap = tri.createHeap(config);
const node = heap.type('node', 3, [0, 1]); // 3 words; words 0 and 1 are pointers
const roots: RootSet = heap.roots(4);
roots.set(0, heap.alloc(node));
heap.write(roots.get(0), 0, heap.alloc(node)); // through the write barrier
heap.startCycle();
heap.step(64);
const colour: Color = heap.colorOf(roots.get(0));
const phase: Phase = heap.phase;
console.log(colour, phase, PHASES.indexOf(phase));

const spans = heap.spans();
for (let s = 0; s < spans.length; s += SPAN_WORDS) {
  const marked = heap.bits(spans[s + SPAN.markBits], spans[s + SPAN.objects]);
  console.log(spans[s + SPAN.base], marked.length);
}
const objects = heap.objects();
for (let o = 0; o < objects.length; o += OBJECT.words) console.log(COLORS[objects[o + OBJECT.colour]]);
for (const [slot, target] of heap.pointers(roots.get(0))) console.log(slot, target);
for (const event of heap.events()) {
  if (event.kind === 'phase') console.log(PHASES[event.arg], event.timeNs);
  else console.log(EVENTS.indexOf(event.kind));
}
heap.finishCycle();
const stats: GcStats = heap.stats();
console.log(stats.cycles, stats.heapGoal, stats.barrier === 'yuasa');
const report = heap.takeVerifyReport();
if (report) console.log(report.violations, report.first.map((v) => v.target));
const found = heap.objectOf(roots.get(0));
console.log(found?.address, found?.size);
console.log(tri.m._tri_gc_phase(heap.ptr), tri.string(tri.m._tri_gc_phase_name(0)));
try {
  heap.roots(1 << 30);
} catch (e) {
  if (e instanceof OutOfMemoryError) console.log(e.message);
}
roots.release();
heap.destroy();

// --- misuses the declarations reject ---------------------------------------------------
// @ts-expect-error: no such barrier
tri.createHeap({ barrier: 'sideways' });
// @ts-expect-error: gogc is a percentage or 'off'
heap.setGogc('on');
// @ts-expect-error: a colour is one of four names
const purple: Color = 'purple';
// @ts-expect-error: the phase is read-only
heap.phase = 'mark';
// @ts-expect-error: the statistics have no such field
console.log(stats.heapSize);
// @ts-expect-error: alloc takes a type made by type(), not its name
heap.alloc('node');
// @ts-expect-error: wasmBinary is the bytes, not a path
await loadTricolor({ wasmBinary: 'tricolor-core.wasm' });
// @ts-expect-error: a layout has no such field
console.log(SPAN.colour);
// @ts-expect-error: no event has this kind
heap.events().filter((e) => e.kind === 'allocate');
console.log(purple);
