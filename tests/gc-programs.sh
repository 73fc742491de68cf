#!/bin/bash
# The GC benchmark programs, one per memory manager (bench/gcbench-main.c,
# workloads/manager.h): every manager computes the same check values, and
# the peers' programs are built as their own users build them, with nothing
# of tricolor linked in.
# Prints one line per check and "N passed, N failed, N skipped".
set -u
build=${1:-build/native}
passed=0 failed=0
check() { # NAME CONDITION-COMMAND...
    local name=$1; shift
    if "$@"; then echo "ok   gcprog_$name"; passed=$((passed + 1)); else echo "FAIL gcprog_$name"; failed=$((failed + 1)); fi
}

# check_value PROGRAM MANAGER BENCHMARK DEPTH: the line's check field
# (bench/gcbench-main.c: the 15th).
check_value() {
    "$build/bench-gc-$1" "$3" "$2" "$4" | awk '{ print $15 }'
}

# binary-trees of depth 12 counts 674478 nodes; GCBench's check is 18.
for m in tricolor:tricolor tricolor:tricolor-stw boehm:boehm boehm:boehm-inc malloc:malloc; do
    program=${m%%:*} manager=${m#*:}
    check "${manager}_binarytrees_counts_every_node" [ "$(check_value "$program" "$manager" binarytrees 12)" = 674478 ]
    check "${manager}_gcbench_keeps_its_long_lived_data" [ "$(check_value "$program" "$manager" gcbench 0)" = 18 ]
done

check program_refuses_another_builds_manager bash -c "! '$build/bench-gc-malloc' gcbench boehm 2> /dev/null"

symbols() { nm "$1" 2> /dev/null | awk '{ print $NF }' | grep -E '^tri_' ; }
check tricolor_program_holds_tricolor bash -c "nm '$build/bench-gc-tricolor' | grep -qw tri_gc_alloc"
check boehm_program_holds_no_tri_symbol [ -z "$(symbols "$build/bench-gc-boehm")" ]
check malloc_program_holds_no_tri_symbol [ -z "$(symbols "$build/bench-gc-malloc")" ]
check boehm_program_links_only_libgc bash -c "ldd '$build/bench-gc-boehm' | grep -q libgc && ! ldd '$build/bench-gc-boehm' | grep -q tricolor"
check malloc_program_links_only_libc bash -c "! ldd '$build/bench-gc-malloc' | grep -qE 'libgc|tricolor'"

echo "$passed passed, $failed failed, 0 skipped"
[ $failed -eq 0 ]
