// A browser app that bundles the installed npm package (tests/npm-package.sh
// bundles it with esbuild; tests/npm/browser.mjs runs it in Chromium). With
// ?wasm=URL it fetches the module's bytes itself and passes them as
// wasmBinary; without, the module finds tricolor-core.wasm beside the bundle.
import { loadTricolor } from 'tricolor';

async function run() {
  const wasm = new URLSearchParams(location.search).get('wasm');
  const options = wasm ? { wasmBinary: new Uint8Array(await (await fetch(wasm)).arrayBuffer()) } : {};
  const tri = await loadTricolor(options);
  const heap = tri.createHeap({ gogc: 'off' });
  const pair = heap.type('pair', 2, [0, 1]);
  const roots = heap.roots(1);
  roots.set(0, heap.alloc(pair));
  heap.write(roots.get(0), 0, heap.alloc(pair));
  heap.alloc(pair); // garbage
  heap.collect();
  return `usable ${tri.usableSize(tri.malloc(100))}, kept ${heap.stats().objects} of 3`;
}

run().then((r) => { document.title = `done: ${r}`; }, (e) => { document.title = `failed: ${e.message}`; });
