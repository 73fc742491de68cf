#!/usr/bin/env node
// `tricolor`, the command line, as the npm package's bin: tricolor.wasm
// beside this file, run under Node's WASI by run-wasi.mjs (the runner the
// repository's tests use), with the arguments it was given.
import { fileURLToPath } from 'node:url';

process.env.TRICOLOR_WASM = fileURLToPath(new URL('./tricolor.wasm', import.meta.url));
await import('./run-wasi.mjs');
