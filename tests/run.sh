#!/bin/bash
# `make test`: installs what the tests need, builds with gcc and clang
# (warnings are errors), runs every suite and ends with one total line:
# "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
work=$(mktemp -d)
log=$work/suite.out
trap 'rm -rf "$work"' EXIT
prefix_of_checks=
# check NAME COMMAND...: one step, which passes when the command succeeds;
# finish: the total line. As the shell suites count (tests/checks.sh).
. tests/checks.sh

tests/deps.sh gcc clang libclang-rt-14-dev make python3 sqlite3 git redis-server redis-tools nodejs emscripten \
    wasi-libc libclang-rt-14-dev-wasm32 lld chromium libgc-dev cmake pkgconf g++ valgrind ||
    { echo "0 passed, 1 failed"; exit 1; }

# suite NAME COMMAND...: a runner that prints its own "N passed, ..." line.
suite() {
    local name=$1; shift
    echo "== $name"
    "$@" 2>&1 | tee "$log"
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
    if [ -z "$line" ]; then
        echo "FAIL $name: the suite did not finish"
        failed=$((failed + 1))
        return
    fi
    local p f s
    p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
    passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + ${s:-0}))
}

echo "== builds"
check build_gcc_warning_free make -j"$jobs" CC=gcc WERROR=-Werror all build/native/tests build/native/bench-gc-boehm \
    build/native/bench-gc-tricolor build/native/bench-fastpath
check build_clang_warning_free make -j"$jobs" CC=clang BUILD=build/native-clang WERROR=-Werror all build/native-clang/tests \
    build/native-clang/bench-gc-boehm

check build_debug_assertions make -j"$jobs" BUILD=build/debug DEBUG=1 build/debug/tests build/debug/bench-gc-tricolor
check build_sanitizers make -j"$jobs" CC=clang BUILD=build/asan OPT="-O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined" build/asan/tests
check build_tsan make -j"$jobs" CC=clang BUILD=build/tsan OPT="-O1 -fsanitize=thread" build/tsan/tests
check build_tsan_race_windows make -j"$jobs" CC=clang BUILD=build/tsan-race OPT="-O1 -fsanitize=thread" RACE=1 \
    build/tsan-race/tests
check build_wasm_wasi_and_emscripten make -j"$jobs" wasm
check build_visualiser make web
check build_npm_package make npm-package
check build_fuzz_harnesses make -j"$jobs" fuzz-build

[ -x build/native/tests ] && suite "C tests (gcc build)" build/native/tests
[ -x build/native-clang/tests ] && suite "C tests (clang build)" build/native-clang/tests
[ -x build/debug/tests ] && suite "C tests (DEBUG=1: invariant assertions on)" build/debug/tests
# Sanitizer reports abort the run, which then counts as a failure.
[ -x build/asan/tests ] && suite "C tests under ASan and UBSan" env ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 build/asan/tests
[ -x build/tsan/tests ] && suite "threaded C tests under TSan" env TSAN_OPTIONS=halt_on_error=1:abort_on_error=1 \
    build/tsan/tests cache_ stress_threads stress_thread_churn stress_fork gc_heaps_in_parallel gc_concurrent gc_workers \
    gc_torture_hybrid gc_torture_yuasa
[ -x build/tsan-race/tests ] && suite "the concurrent collector under TSan, race windows widened (RACE=1)" \
    env TSAN_OPTIONS=halt_on_error=1:abort_on_error=1 build/tsan-race/tests gc_concurrent gc_torture_dijkstra \
    gc_torture_switching
suite "mutants of the concurrent collector the tests must catch" tests/mutants.sh
[ -f build/wasi/tests.wasm ] && suite "C tests under WASI (Node)" env TRICOLOR_WASM=build/wasi/tests.wasm node wasm/run-wasi.mjs
[ -f build/emscripten/tests.mjs ] && suite "C tests under Emscripten (Node)" node wasm/run-emscripten.mjs build/emscripten/tests.mjs
[ -f build/emscripten/tricolor.mjs ] && suite "the Emscripten module's JavaScript API" node tests/wasm-module.mjs
[ -f build/npm/tricolor-*.tgz ] && suite "the npm package in a scratch project: Node, tsc, a browser bundle, its bin" \
    tests/npm-package.sh
[ -f build/emscripten/tricolor-layout.mjs ] && suite "the visualiser's modules in Node (node:test)" \
    node --test --test-reporter=./tests/web/reporter.mjs tests/web/*.test.mjs
suite "what must and must not compile against the header" tests/compile.sh
[ -x build/native/tricolor ] && suite "command line" tests/cli.sh build/native/tricolor
[ -x build/native/bench-gc-boehm ] && suite "GC benchmark programs, one per memory manager" tests/gc-programs.sh build/native build/debug
[ -x build/native/bench-fastpath ] && suite "fast paths pinned by instruction counts (callgrind)" tests/fastpaths.sh build/native
[ -f build/wasi/tricolor.wasm ] && suite "WASI command line against the native one" tests/wasm-cli.sh build/native/tricolor
[ -x build/native/tricolor ] && suite "make install: pkg-config, CMake and the preload library from a prefix" tests/install.sh
[ -f build/native/libtricolor-preload.so ] && suite "real programs on the preload library" tests/realprogs.sh build/native/libtricolor-preload.so
[ -x build/fuzz/fuzz_malloc ] && suite "fuzzing, ${FUZZ_TEST_SECONDS:-10} s a harness (libFuzzer, ASan, UBSan)" \
    tests/fuzz/run.sh "${FUZZ_TEST_SECONDS:-10}"
[ -f build/web/index.html ] && suite "the visualiser in Chromium (Playwright)" node_modules/.bin/playwright test -c e2e/playwright.config.mjs

echo
finish
