#!/bin/bash
# The command line: its output and its errors.
# Prints one line per check and "N passed, N failed, N skipped".
set -u
cli=${1:-build/native/tricolor}
data=${TRI_TEST_DATA:-tests/data}
passed=0 failed=0
check() { # NAME CONDITION-COMMAND...
    local name=$1; shift
    if "$@"; then echo "ok   cli_$name"; passed=$((passed + 1)); else echo "FAIL cli_$name"; failed=$((failed + 1)); fi
}
out=$(mktemp); trap 'rm -f "$out"' EXIT

"$cli" sizeclasses > "$out"
check sizeclasses_prints_go_table diff -q <(grep '^//' "$data/go_sizeclasses.txt") "$out"

check demo_runs bash -c "'$cli' demo > '$out' && grep -q 'served by' '$out' && grep -q 'size classes' '$out'"
check stats_runs bash -c "'$cli' stats churn -s 0.01 > '$out' && grep -q 'thread cache' '$out' && grep -q 'in use' '$out'"
check bench_runs bash -c "'$cli' bench larson -t 2 -s 0.05 | grep -q 'allocations/s'"
check bench_lists_workloads bash -c "'$cli' bench list | grep -q '^bigset'"
check unknown_command_is_an_error bash -c "! '$cli' frobnicate 2> '$out' && grep -q usage '$out'"
check unknown_workload_is_an_error bash -c "'$cli' bench nope 2> '$out'; [ \$? -eq 2 ] && grep -q \"no workload 'nope'\" '$out'"
check bad_thread_count_is_an_error bash -c "'$cli' bench churn -t 0 2> '$out'; [ \$? -eq 2 ] && grep -q 'thread count' '$out'"
check bad_scale_is_an_error bash -c "'$cli' bench churn -s abc 2> '$out'; [ \$? -eq 2 ] && grep -q 'scale' '$out'"
check bad_env_is_reported bash -c "TRI_RELEASE_DELAY_MS=soon '$cli' stats -s 0.01 2> '$out' > /dev/null && grep -q 'ignoring TRI_RELEASE_DELAY_MS' '$out'"

check gc_bench_runs bash -c "'$cli' bench binarytrees -d 12 > '$out' && grep -q 'cycles' '$out' && grep -q 'steps' '$out' && grep -q 'check 674478' '$out'"
check gc_bench_stw_runs bash -c "'$cli' bench binarytrees -d 10 --stw --barrier yuasa | grep -q 'stops'"
check gc_bench_bad_depth_is_an_error bash -c "'$cli' bench binarytrees -d 99 2> '$out'; [ \$? -eq 2 ] && grep -q 'depth' '$out'"
check gc_bench_bad_barrier_is_an_error bash -c "'$cli' bench gcbench --barrier sideways 2> '$out'; [ \$? -eq 2 ] && grep -q 'barrier' '$out'"
check gctrace_prints_a_line_per_cycle bash -c "TRI_GCTRACE=1 '$cli' bench binarytrees -d 12 2> '$out' > /dev/null && grep -qE '^gc [0-9]+ @[0-9.]+s [0-9]+%: .* MB goal' '$out'"

echo "$passed passed, $failed failed, 0 skipped"
[ $failed -eq 0 ]
