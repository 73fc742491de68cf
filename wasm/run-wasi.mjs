#!/usr/bin/env node
// Runs tricolor's WASI command line, build/wasi/tricolor.wasm, under Node's
// WASI (preview1):   node wasm/run-wasi.mjs ARGS...
// TRICOLOR_WASM names another WASI module to run (the test suite, say).
// Paths relative to the working directory, and absolute ones inside it,
// work as natively (wasi-libc matches preopens in order, the last winning).
// Node 20 can crash while it exits after a WebAssembly memory has grown
// large (a race with V8's worker threads); it does not when V8 runs single
// threaded. So this script re-runs itself that way.
if (!process.execArgv.includes('--single-threaded')) {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--single-threaded', ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit' });
  process.exit(r.status ?? 134);
}
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Node warns that WASI is experimental; the program's output is what counts.
const emitWarning = process.emitWarning;
process.emitWarning = (warning, ...rest) => {
  const type = typeof rest[0] === 'string' ? rest[0] : rest[0]?.type;
  if (type === 'ExperimentalWarning' && String(warning).includes('WASI')) return;
  emitWarning.call(process, warning, ...rest);
};
const { WASI } = await import('node:wasi');

const here = path.dirname(fileURLToPath(import.meta.url));
const file = process.env.TRICOLOR_WASM || path.join(here, '..', 'build', 'wasi', 'tricolor.wasm');
let bytes;
try {
  bytes = await readFile(file);
} catch (err) {
  console.error(`run-wasi: cannot read ${file}: ${err.message} (run 'make wasm' first)`);
  process.exit(2);
}
const wasi = new WASI({
  version: 'preview1',
  args: [path.basename(file, '.wasm'), ...process.argv.slice(2)],
  env: process.env,
  preopens: { '/': '/', [process.cwd()]: process.cwd(), '.': process.cwd() },
  returnOnExit: true,
});
const module = await WebAssembly.compile(bytes);
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
try {
  process.exitCode = wasi.start(instance);
} catch (err) {
  // abort() in a WASI module is a trap: report it as a crash, as a signal would be.
  console.error(`${path.basename(file)}: ${err.message}`);
  process.exitCode = 134;
}
