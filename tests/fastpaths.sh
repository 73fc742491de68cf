#!/bin/bash
# The fast paths, pinned by instruction counts (callgrind: exact and the
# same on every run, where times are not). Each limit sits a few percent
# above what the path takes now, so a change that lengthens one fails here
# and has to say why in the limit it raises. Measured as make bench
# measures them (bench/run.py): the difference between two runs of
# different sizes, over the extra operations, so start-up and set-up cancel
# out. The collector's counts are taken without background workers
# (TRI_GCPROCS=0), the one-core collector, for a count that does not depend
# on how the threads interleave.
# Prints one line per check and "N passed, N failed, N skipped".
set -u
build=${1:-build/native}
work=$(mktemp -d)
out=$work/callgrind.out
trap 'rm -rf "$work"' EXIT
prefix_of_checks=fastpath_
. "$(dirname "$0")/checks.sh" # check NAME COMMAND..., skip NAME WHY, finish

if ! command -v valgrind > /dev/null; then
    for name in malloc_free_pair gc_allocation gc_allocation_within_boehm_gc_malloc marked_object; do
        skip "$name" "valgrind is not installed"
    done
    finish
    exit
fi

# instructions [NAME=VALUE...] COMMAND...: the whole run's instruction count,
# the settings in the command's environment (valgrind passes LD_PRELOAD on).
instructions() {
    local settings=()
    while [[ $1 == *=* ]]; do settings+=("$1"); shift; done
    env "${settings[@]}" valgrind --tool=callgrind --callgrind-out-file="$out" "$@" > /dev/null 2>&1 ||
        { echo 0; return; }
    awk '/^(summary|totals):/ { n = $2 } END { print n + 0 }' "$out"
}

# per_unit UNITS SMALL-COMMAND... -- LARGE-COMMAND...: instructions per extra
# unit (each command as instructions takes it).
per_unit() {
    local units=$1; shift
    local small=() large=()
    while [ "$1" != -- ]; do small+=("$1"); shift; done
    shift
    large=("$@")
    local a b
    a=$(instructions "${small[@]}") b=$(instructions "${large[@]}")
    awk -v a="$a" -v b="$b" -v u="$units" 'BEGIN { if (a == 0 || b == 0) print -1; else printf "%.1f\n", (b - a) / u }'
}

# pin NAME VALUE LIMIT: passes when 0 < VALUE <= LIMIT (a failed run counts -1).
pin() {
    check "$1 ($2 instructions, at most $3)" awk -v v="$2" -v l="$3" 'BEGIN { exit !(v > 0 && v <= l) }'
}

preload=$PWD/$build/libtricolor-preload.so
pair=$(per_unit 1000 LD_PRELOAD="$preload" "$build/bench-fastpath" 1000 32 -- \
    LD_PRELOAD="$preload" "$build/bench-fastpath" 2000 32)
pin malloc_free_pair "$pair" 68

alloc=$(per_unit $((1 << 18)) TRI_GCPROCS=0 "$build/bench-gc-tricolor" allocs tricolor 18 -- \
    TRI_GCPROCS=0 "$build/bench-gc-tricolor" allocs tricolor 19)
pin gc_allocation "$alloc" 52

# Boehm GC's GC_malloc, measured the same way in its own program: the
# collector's allocation takes no more.
boehm=$(per_unit $((1 << 18)) "$build/bench-gc-boehm" allocs boehm 18 -- "$build/bench-gc-boehm" allocs boehm 19)
pin gc_allocation_within_boehm_gc_malloc "$alloc" "$boehm"

# Per marked object: four more full collections of a tree of 2^19 - 1 nodes.
mark=$(per_unit $((4 * ((1 << 19) - 1))) TRI_GCPROCS=0 "$build/bench-gc-tricolor" marks tricolor 2 -- \
    TRI_GCPROCS=0 "$build/bench-gc-tricolor" marks tricolor 6)
pin marked_object "$mark" 132

finish
