#!/bin/bash
# The GC benchmark programs, one per memory manager (bench/gcbench-main.c,
# workloads/manager.h): every manager computes the same check values, and
# the peers' programs are built as their own users build them, with nothing
# of tricolor linked in.
# Prints one line per check and "N passed, N failed, N skipped".
set -u
build=${1:-build/native}
debug=${2:-} # a DEBUG=1 build's directory, with its bench-gc-tricolor (optional)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix_of_checks=gcprog_
. "$(dirname "$0")/checks.sh" # check NAME COMMAND..., finish

# check_value PROGRAM MANAGER BENCHMARK DEPTH: the line's check field
# (bench/gcbench-main.c: the 15th).
check_value() {
    "$build/bench-gc-$1" "$3" "$2" "$4" | awk '{ print $15 }'
}

# binary-trees of depth 12 counts 674478 nodes; GCBench's check is 18; the
# hash table's, at 2^16 operations, is 455270.
for m in tricolor:tricolor tricolor:tricolor-stw boehm:boehm boehm:boehm-inc malloc:malloc; do
    program=${m%%:*} manager=${m#*:}
    check "${manager}_binarytrees_counts_every_node" [ "$(check_value "$program" "$manager" binarytrees 12)" = 674478 ]
    check "${manager}_gcbench_keeps_its_long_lived_data" [ "$(check_value "$program" "$manager" gcbench 0)" = 18 ]
    check "${manager}_hashtable_keeps_every_entry" [ "$(check_value "$program" "$manager" hashtable 16)" = 455270 ]
done

# The programs keep what they hold in roots across every allocation, as a
# collector that runs whole collections inside an allocation needs: the
# hash table under the stop-the-world collector with the invariant checks
# on (a marked object pointing to an unmarked one aborts), 78 collections.
# It once held a new key in a local only while allocating its entry.
if [ -n "$debug" ] && [ -x "$debug/bench-gc-tricolor" ]; then
    check tricolor-stw_hashtable_roots_hold_across_whole_collections \
        [ "$(TRI_GOGC=10 TRI_GCPROCS=0 "$debug/bench-gc-tricolor" hashtable tricolor-stw 20 2> /dev/null |
            awk '{ print $15 }')" = 1523520 ]
fi

check program_refuses_another_builds_manager bash -c "! '$build/bench-gc-malloc' gcbench boehm 2> /dev/null"

symbols() { nm "$1" 2> /dev/null | awk '{ print $NF }' | grep -E '^tri_' ; }
check tricolor_program_holds_tricolor bash -c "nm '$build/bench-gc-tricolor' | grep -qw tri_gc_alloc"
check boehm_program_holds_no_tri_symbol [ -z "$(symbols "$build/bench-gc-boehm")" ]
check malloc_program_holds_no_tri_symbol [ -z "$(symbols "$build/bench-gc-malloc")" ]
check boehm_program_links_only_libgc bash -c "ldd '$build/bench-gc-boehm' | grep -q libgc && ! ldd '$build/bench-gc-boehm' | grep -q tricolor"
check malloc_program_links_only_libc bash -c "! ldd '$build/bench-gc-malloc' | grep -qE 'libgc|tricolor'"

finish
