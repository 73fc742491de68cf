#!/bin/bash
# The concurrent collector's tests catch what they are there to catch: each
# mutant below removes one barrier or one ordering from the collector
# (MUTATE=..., see the Makefile and core/src/gc.h), and the tests must
# fail on it. A mutant the tests pass is a test that cannot fail.
#
#   barrier   the write barrier shades nothing: the verifier must find a
#             black object pointing to a white one, and objects must go
#   publish   a new span's record (and a large object's allocation bit) is
#             published to the workers with relaxed stores instead of
#             release/acquire: TSan must report the race
set -u
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# killed NAME BUILD-ARGS -- TEST-COMMAND...: the mutant builds, and the
# tests fail on it.
killed() {
    local name=$1 build=build/mutant-$1; shift
    local args=()
    while [ "$1" != "--" ]; do args+=("$1"); shift; done
    shift
    if ! make -j"$jobs" BUILD="$build" MUTATE="$name" "${args[@]}" "$build/tests" > "$log" 2>&1; then
        echo "FAIL mutant_$name: it does not build"
        tail -20 "$log"
        failed=$((failed + 1))
        return
    fi
    if "$@" > "$log" 2>&1; then
        echo "FAIL mutant_$name: the tests passed with it"
        tail -20 "$log"
        failed=$((failed + 1))
    else
        echo "ok   mutant_$name: $(grep -m1 -E '^FAIL|ThreadSanitizer: data race' "$log" | cut -c1-160)"
        passed=$((passed + 1))
    fi
}

killed barrier -- build/mutant-barrier/tests gc_concurrent_bad_case gc_torture_hybrid
killed publish CC=clang OPT="-O1 -fsanitize=thread" -- \
    env TSAN_OPTIONS=halt_on_error=1:abort_on_error=1 build/mutant-publish/tests gc_torture_hybrid

echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
