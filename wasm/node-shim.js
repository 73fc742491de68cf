// Put before Emscripten's ES module output (--extern-pre-js): under Node, the
// code Emscripten 3.1.6 generates for Node uses CommonJS's require and
// __dirname, which an ES module does not have. Browsers skip this.
if (typeof process === 'object' && process.versions && process.versions.node) {
  const { createRequire } = await import('node:module');
  const { dirname } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  globalThis.require = createRequire(import.meta.url);
  globalThis.__dirname = dirname(fileURLToPath(import.meta.url));
}
