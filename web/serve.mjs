// Serves a directory (build/web by default) over HTTP on 127.0.0.1:
//   node web/serve.mjs [DIR] [--port N]
// Static files only, with the types a browser needs for ES modules and
// WebAssembly; nothing outside the directory is served. Every response
// makes the page cross-origin isolated (COOP and COEP, as the static
// build's _headers file asks of other hosts): without that, browsers round
// performance.now() to 100 µs, and the runtime's clock in the page with it,
// so stops and steps would read as 0 or 100 µs.
import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const portAt = args.indexOf('--port');
const port = portAt >= 0 ? Number(args[portAt + 1]) : Number(process.env.PORT || 8080);
const dirArg = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--port');
const root = path.resolve(dirArg || path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'build', 'web'));
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`web/serve.mjs: bad port '${args[portAt + 1] ?? process.env.PORT}'`);
  process.exit(2);
}
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.map': 'application/json', '.json': 'application/json',
  '.png': 'image/png', '.svg': 'image/svg+xml',
};

export const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  let file = path.normalize(path.join(root, decodeURIComponent(url.pathname)));
  if (!file.startsWith(root)) { res.writeHead(403).end('forbidden'); return; }
  try {
    if ((await stat(file)).isDirectory()) file = path.join(file, 'index.html');
    const body = await readFile(file);
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-cache',
      ...ISOLATION });
    res.end(body);
  } catch {
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  }
});
server.on('error', (err) => {
  console.error(`web/serve.mjs: cannot listen on 127.0.0.1:${port}: ${err.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => console.log(`tricolor visualiser: http://127.0.0.1:${port}/  (Ctrl-C stops it)`));
