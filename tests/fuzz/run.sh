#!/bin/bash
# tests/fuzz/run.sh SECONDS [HARNESS...]: runs each libFuzzer harness
# (build/fuzz/fuzz_HARNESS, built by `make fuzz-build`) for SECONDS, starting
# from the seeds in tests/fuzz/corpus/HARNESS and the corpus earlier runs
# grew in build/fuzz/corpus/HARNESS. Prints a line per harness with the
# executions, their rate and the coverage reached (edges hit, of those the
# binary has instrumented), then
# "N passed, N failed, N skipped". An input that fails a check or upsets a
# sanitizer is kept in build/fuzz/artifacts/.
set -u
cd "$(dirname "$0")/../.."
secs=${1:-60}
shift
harnesses=${*:-malloc gc trace}
dir=build/fuzz
passed=0 failed=0
mkdir -p "$dir/artifacts"

for h in $harnesses; do
    bin=$dir/fuzz_$h
    if [ ! -x "$bin" ]; then
        echo "FAIL fuzz_$h: $bin is not built (make fuzz-build)"
        failed=$((failed + 1))
        continue
    fi
    corpus=$dir/corpus/$h
    log=$dir/fuzz_$h.log
    mkdir -p "$corpus"
    "$bin" -max_total_time="$secs" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048 \
        -artifact_prefix="$dir/artifacts/$h-" "$corpus" "tests/fuzz/corpus/$h" > "$log" 2>&1
    rc=$?
    runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log")
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log")
    last=$(grep -E '^#[0-9]+.*cov: [0-9]+' "$log" | tail -1)
    cov=$(echo "$last" | sed -nE 's/.*cov: ([0-9]+).*/\1/p')
    ft=$(echo "$last" | sed -nE 's/.* ft: ([0-9]+).*/\1/p')
    corp=$(echo "$last" | sed -nE 's/.* corp: ([0-9]+)\/.*/\1/p')
    edges=$(sed -nE 's/^INFO: Loaded 1 modules +\(([0-9]+) inline 8-bit counters.*/\1/p' "$log" | head -1)
    if [ $rc -eq 0 ] && grep -qE '^#[0-9]+[[:space:]]+DONE' "$log"; then
        echo "ok   fuzz_$h: ${runs:-?} runs in $secs s (${rate:-?} exec/s), coverage ${cov:-?} of ${edges:-?}" \
             "edges, ${ft:-?} features, corpus ${corp:-?} inputs"
        passed=$((passed + 1))
    else
        echo "FAIL fuzz_$h: exit $rc after ${runs:-?} runs; the end of $log:"
        grep -E 'ERROR|check failed|SUMMARY|Test unit written|artifact' "$log" | head -10
        tail -5 "$log"
        failed=$((failed + 1))
    fi
done

echo "$passed passed, $failed failed, 0 skipped"
[ $failed -eq 0 ]
