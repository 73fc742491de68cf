#!/bin/bash
# The WASI command line against the native one: deterministic output must
# match byte for byte, and traces written by either must read in both.
# Prints one line per check and "N passed, N failed, N skipped".
set -u
native=${1:-build/native/tricolor}
wasi="node wasm/run-wasi.mjs"
tmp=build/tmp
mkdir -p "$tmp"
passed=0 failed=0 skipped=0
check() {
    local name=$1; shift
    if "$@" > /dev/null 2>&1; then echo "ok   wasi_$name"; passed=$((passed + 1)); else echo "FAIL wasi_$name"; failed=$((failed + 1)); fi
}

check sizeclasses_match_native bash -c "diff <($wasi sizeclasses) <('$native' sizeclasses)"
check bench_list_matches_native bash -c "diff <($wasi bench list) <('$native' bench list)"
check help_matches_native bash -c "diff <($wasi help) <('$native' help)"
check workload_checksum_matches_native bash -c "[ \"\$($wasi bench churn -s 0.02 | grep -o 'checksum [0-9]*')\" = \"\$('$native' bench churn -s 0.02 | grep -o 'checksum [0-9]*')\" ]"
check gc_check_matches_native bash -c "[ \"\$($wasi bench binarytrees -d 10 | grep -o 'check [0-9]*')\" = \"\$('$native' bench binarytrees -d 10 | grep -o 'check [0-9]*')\" ]"
check threaded_workload_is_refused bash -c "$wasi bench larson 2>&1 | grep -q 'needs threads'"
check trace_from_wasi_reads_natively bash -c "$wasi trace binarytrees -d 9 --out $tmp/wasi.trace && '$native' trace-info $tmp/wasi.trace | grep -q '32-bit addresses'"
check trace_from_native_reads_in_wasi bash -c "'$native' trace binarytrees -d 9 --out $tmp/native.trace && $wasi trace-info $tmp/native.trace | grep -q '64-bit addresses'"
check truncated_trace_is_rejected bash -c "head -c 3000 $tmp/native.trace > $tmp/cut.trace; ! $wasi trace-info $tmp/cut.trace 2> $tmp/err && grep -q 'truncated' $tmp/err"
check emscripten_cli_runs bash -c "node wasm/run-emscripten.mjs build/emscripten/tricolor-cli.mjs sizeclasses | diff - <('$native' sizeclasses)"

# The same module under wasmtime, where it is installed.
if command -v wasmtime > /dev/null; then
    check wasmtime_sizeclasses_match_native bash -c "diff <(wasmtime build/wasi/tricolor.wasm sizeclasses) <('$native' sizeclasses)"
    check wasmtime_gc_check_matches_native bash -c "[ \"\$(wasmtime build/wasi/tricolor.wasm bench binarytrees -d 10 | grep -o 'check [0-9]*')\" = \"\$('$native' bench binarytrees -d 10 | grep -o 'check [0-9]*')\" ]"
else
    echo "skip wasi_under_wasmtime: wasmtime is not installed"
    skipped=$((skipped + 1))
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
