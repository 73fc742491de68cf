// What GOGC costs, measured on the runtime: the same program (the churn
// mutator over a steady live heap) run once per GOGC value on a fresh
// heap paced by the runtime, with the peak of the heap's spans (memory)
// and the share of the time spent in the collector (CPU) of each run: the
// trade the Go GC guide's model plots, here measured rather than modelled.
// Runs in slices between frames so the page stays responsive.
import { makeScenario } from './scenarios.js';

const GOGC_VALUES = [25, 50, 100, 200, 400, 800];
export const DEFAULT_RUN = { objects: 20000, operations: 60000 };

// Runs the measurement; onProgress(fraction, resultsSoFar) after each
// slice; yieldFn() awaits the next frame. Resolves to one result per GOGC:
// { gogc, peakBytes, meanBytes, gcNs, wallNs, gcShare, cycles }.
export async function measureGogc(tri, { gogcs = GOGC_VALUES, objects = DEFAULT_RUN.objects,
  operations = DEFAULT_RUN.operations, onProgress = () => {}, yieldFn = () => Promise.resolve(), slice = 2000,
  isCancelled = () => false } = {}) {
  const results = [];
  for (let g = 0; g < gogcs.length; g++) {
    const gogc = gogcs[g];
    const heap = tri.createHeap({ barrier: 'hybrid', gogc, minHeap: 256 << 10 });
    try {
      const scenario = makeScenario('churn', { heap, objects, seed: 1, log: () => {} });
      heap.collect(); // start from the live heap alone
      const start = heap.stats();
      let peak = start.heapSpans, sum = 0, samples = 0;
      for (let done = 0; done < operations;) {
        const n = Math.min(slice, operations - done);
        for (let i = 0; i < n; i++) {
          scenario.tick();
          if ((i & 63) === 0) {
            const spans = heap.stats().heapSpans;
            if (spans > peak) peak = spans;
            sum += spans;
            samples++;
          }
        }
        done += n;
        onProgress((g + done / operations) / gogcs.length, results);
        await yieldFn();
        if (isCancelled()) return null;
      }
      const end = heap.stats();
      const gcNs = end.gcNs - start.gcNs, wallNs = end.wallNs - start.wallNs;
      results.push({ gogc, peakBytes: peak, meanBytes: samples ? sum / samples : peak, gcNs, wallNs,
        gcShare: wallNs ? gcNs / wallNs : 0, cycles: end.cycles - start.cycles, marked: end.heapMarked });
    } finally {
      heap.destroy();
    }
  }
  onProgress(1, results);
  return results;
}
