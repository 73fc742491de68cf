#!/usr/bin/env node
// Runs tricolor's WASI command line, build/wasi/tricolor.wasm, under Node's
// WASI (preview1):   node wasm/run-wasi.mjs ARGS...
// TRICOLOR_WASM names another WASI module to run (the test suite, say).
// Paths relative to the working directory, and absolute ones inside it,
// work as natively (wasi-libc matches preopens in order, the last winning).
// A module that imports tricolor_test.run_child (the C test suite) can run
// one of its own functions in a fresh instance, as a forked child: the
// runner starts itself in another process with "--child FN", captures its
// stderr, and reports its exit code or its trap (abort() is one).
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
import { spawnSync } from 'node:child_process';
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
const name = path.basename(file, '.wasm');
const preopens = { '/': '/', [process.cwd()]: process.cwd(), '.': process.cwd() };
const module = await WebAssembly.compile(bytes);
const wantsChildren = WebAssembly.Module.imports(module).some((i) => i.module === 'tricolor_test');
let parent = null, children = 0;

// A child runs in a process of its own (this runner again, with the
// module's own --child FN arguments): its memory, which an out-of-memory
// test grows to the limit, goes when it exits instead of weighing on this
// process's JavaScript heap (Node 20's collector has been seen to crash
// under such weight).
function runChild(fn, errPtr, errLen, codePtr, trappedPtr) {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(fn)],
    { env: { ...process.env, TRICOLOR_WASM: file }, stdio: ['ignore', 'ignore', 'pipe'] });
  const text = r.stderr || Buffer.alloc(0);
  const trapped = r.status === 134 || r.status === null ? 1 : 0;
  const code = trapped ? 0 : r.status;
  ++children;
  const memory = parent.exports.memory.buffer;
  const n = Math.min(text.length, errLen - 1);
  new Uint8Array(memory).set(text.subarray(0, n), errPtr);
  new Uint8Array(memory)[errPtr + n] = 0;
  const view = new DataView(memory);
  view.setInt32(codePtr, code, true);
  view.setInt32(trappedPtr, trapped, true);
  return 1;
}

const wasi = new WASI({ version: 'preview1', args: [name, ...process.argv.slice(2)], env: process.env, preopens,
  returnOnExit: true });
const imports = wasi.getImportObject();
if (wantsChildren) imports.tricolor_test = { run_child: runChild };
const instance = await WebAssembly.instantiate(module, imports);
parent = instance;
try {
  process.exitCode = wasi.start(instance);
} catch (err) {
  // abort() in a WASI module is a trap: report it as a crash, as a signal would be.
  console.error(`${path.basename(file)}: ${err.message}`);
  process.exitCode = 134;
}
