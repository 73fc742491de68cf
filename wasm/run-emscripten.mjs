#!/usr/bin/env node
// Runs a program built with Emscripten for Node (an ES module factory, as
// build/emscripten/tests.mjs):   node wasm/run-emscripten.mjs MODULE.mjs ARGS...
// Node 20 would try to fetch the .wasm by its file path; it is read here
// and handed over as wasmBinary.
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
import { pathToFileURL } from 'node:url';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node wasm/run-emscripten.mjs MODULE.mjs ARGS...');
  process.exit(2);
}
let wasmBinary;
try {
  wasmBinary = await readFile(file.replace(/\.mjs$/, '.wasm'));
} catch (err) {
  console.error(`run-emscripten: cannot read ${file.replace(/\.mjs$/, '.wasm')}: ${err.message} (run 'make wasm' first)`);
  process.exit(2);
}
const factory = (await import(pathToFileURL(path.resolve(file)).href)).default;
try {
  await factory({
    wasmBinary,
    arguments: args,
    thisProgram: path.basename(file, '.mjs'),
    onExit: (code) => { process.exitCode = code; },
  });
} catch (err) {
  if (err && err.name === 'ExitStatus') {
    process.exitCode = err.status;
  } else {
    // abort() in the module: report it as a crash, as a signal would be.
    console.error(`${path.basename(file)}: ${err && err.message ? err.message : err}`);
    process.exitCode = 134;
  }
}
