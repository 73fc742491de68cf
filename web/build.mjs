// Builds the visualiser into build/web (or the directory given): the
// bundled app, its page and styles, and the Emscripten module beside them.
// Everything the page loads is in that directory: it can be served from
// anywhere, and it fetches nothing from other hosts.
//
// The app imports the runtime's layout as '#tricolor/layout' (package.json
// maps it to the generated module for Node); in the page that is the
// module's own tricolor-layout.mjs, loaded beside tricolor.mjs, so the app
// and the module read one copy.
import { build } from 'esbuild';
import { copyFile, mkdir, access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] || path.join(root, 'build', 'web'));
const em = path.join(root, 'build', 'emscripten');

const moduleFiles = ['tricolor.mjs', 'tricolor-core.mjs', 'tricolor-core.wasm', 'tricolor-layout.mjs'];
for (const f of moduleFiles) {
  try {
    await access(path.join(em, f));
  } catch {
    console.error(`web/build.mjs: ${path.join(em, f)} is missing: run 'make wasm' first`);
    process.exit(1);
  }
}
await mkdir(out, { recursive: true });
await build({
  entryPoints: [path.join(root, 'web', 'src', 'main.jsx')],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: !process.env.TRICOLOR_NO_MINIFY, // TRICOLOR_NO_MINIFY=1: names kept, for a profiler
  sourcemap: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  external: ['./tricolor.mjs'],
  plugins: [{
    name: 'the module layout',
    setup(b) {
      b.onResolve({ filter: /^#tricolor\/layout$/ }, () => ({ path: './tricolor-layout.mjs', external: true }));
    },
  }],
  outfile: path.join(out, 'app.js'),
  logLevel: 'warning',
});
// The headers the page wants from whatever serves it (Netlify's and
// Cloudflare Pages' format; web/serve.mjs sends the same): cross-origin
// isolation, so that performance.now(), and the runtime's clock with it,
// has microsecond resolution instead of 100 µs.
const HEADERS = '/*\n  Cross-Origin-Opener-Policy: same-origin\n  Cross-Origin-Embedder-Policy: require-corp\n';
await Promise.all([
  writeFile(path.join(out, '_headers'), HEADERS),
  copyFile(path.join(root, 'web', 'index.html'), path.join(out, 'index.html')),
  copyFile(path.join(root, 'web', 'style.css'), path.join(out, 'style.css')),
  ...moduleFiles.map((f) => copyFile(path.join(em, f), path.join(out, f))),
]);
console.log(`built ${out}`);
