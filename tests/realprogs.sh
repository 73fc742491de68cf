#!/bin/bash
# Runs real programs from Debian twice, on glibc's malloc and with
# libtricolor-preload.so preloaded, and compares what they print.
# Prints one line per program and "N passed, N failed, N skipped".
set -u
preload=$(realpath "${1:-build/native/libtricolor-preload.so}")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0 skipped=0

# run NAME COMMAND...: runs the command in $work/NAME-{glibc,tricolor} and
# compares stdout and exit status.
run() {
    local name=$1; shift
    local a="$work/$name-glibc" b="$work/$name-tricolor"
    mkdir -p "$a" "$b"
    local t0=$SECONDS
    (cd "$a" && "$@" > "$a.out" 2> "$a.err"); local ra=$?
    (cd "$b" && LD_PRELOAD="$preload" "$@" > "$b.out" 2> "$b.err"); local rb=$?
    if [ $ra -ne 0 ]; then
        echo "FAIL $name: exits $ra even on glibc: $(head -c 300 "$a.err")"
        failed=$((failed + 1))
    elif [ $rb -ne 0 ]; then
        echo "FAIL $name: exits $rb on tricolor: $(head -c 300 "$b.err")"
        failed=$((failed + 1))
    elif ! cmp -s "$a.out" "$b.out"; then
        echo "FAIL $name: output differs from glibc's:"
        diff "$a.out" "$b.out" | head -10
        failed=$((failed + 1))
    elif [ ! -s "$a.out" ]; then
        echo "FAIL $name: printed nothing"
        failed=$((failed + 1))
    else
        echo "ok   $name ($(wc -l < "$a.out") lines identical, $((SECONDS - t0)) s)"
        passed=$((passed + 1))
    fi
}

need() {
    if command -v "$1" > /dev/null; then return 0; fi
    echo "skip $2: $1 is not installed"
    skipped=$((skipped + 1))
    return 1
}

# Programs of our own that use the C library's names: every replaced
# function, and fork() and thread churn in a threaded program.
cc=${CC:-cc}
for prog in cnames forker; do
    if $cc -O1 -pthread -o "$work/$prog" "$here/programs/$prog.c" 2> "$work/$prog.cc.err"; then
        run "$prog" "$work/$prog"
    else
        echo "FAIL $prog: does not build: $(head -c 300 "$work/$prog.cc.err")"
        failed=$((failed + 1))
    fi
done

# The benchmark workloads at a small scale: their checksums must agree, and
# so must the live data's peak of those that count it (the eighth field: a
# workload whose count does not come back to 0 prints nothing), which is
# the workload's own and not 0: bigset at this scale holds some 31 MiB, and
# its line is printed only when its count says at least 16 MiB.
bench=$(dirname "$preload")/bench-workloads
if [ -x "$bench" ]; then
    for w in churn-mt:2 prodcons:2 larson:4 threads:8 realloc:1; do
        run "workload-${w%:*}" sh -c "'$bench' ${w%:*} ${w#*:} 0.05 | cut -d' ' -f1,5,6,7,8"
    done
    run "workload-bigset-counts-its-live-data" \
        sh -c "'$bench' bigset 1 0.05 | awk '\$8 > 16384 { print \$1, \$5, \$6, \$7, \$8 }'"
fi

# The sessions (tests/programs/sessions.sh) bench/run.py also times.
session() {
    run "$1" bash -c ". '$here/programs/sessions.sh' && $2"
}
need /usr/bin/python3 python3 && session python3 python_session
need sqlite3 sqlite3 && session sqlite3 sqlite_session
need git git && session git git_session
need gcc gcc && session gcc gcc_session
if need redis-server redis && need redis-benchmark redis && need redis-cli redis; then
    session redis "redis_session 20000"
    for d in /proc/[0-9]*; do # no server of ours outlives the session
        if [ "$(cat "$d/comm" 2> /dev/null)" = redis-server ] && readlink "$d/cwd" 2> /dev/null | grep -q "^$work"; then
            echo "FAIL redis: a server was left running (pid ${d#/proc/})"
            kill "${d#/proc/}"
            failed=$((failed + 1))
        fi
    done
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
