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

# The benchmark workloads at a small scale: their checksums must agree.
bench=$(dirname "$preload")/bench-workloads
if [ -x "$bench" ]; then
    for w in churn-mt:2 prodcons:2 larson:4 threads:8 realloc:1; do
        run "workload-${w%:*}" sh -c "'$bench' ${w%:*} ${w#*:} 0.05 | cut -d' ' -f1,5,6,7"
    done
fi

if need /usr/bin/python3 python3; then
    run python3 /usr/bin/python3 "$here/programs/alloc_heavy.py"
fi

if need sqlite3 sqlite3; then
    run sqlite3 sh -c "sqlite3 db.sqlite < '$here/programs/workload.sql'"
fi

git_session() {
    export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org
    export GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
    export GIT_CONFIG_NOSYSTEM=1 HOME=$PWD
    git init -q -b main repo && cd repo || return 1
    for i in $(seq 1 300); do
        seq "$i" $((i * 20)) > "file$i.txt"
    done
    git add . && git commit -qm "first" || return 1
    for r in 1 2 3 4 5; do
        git checkout -qb "branch$r" main
        for i in $(seq $r 7 300); do echo "change $r" >> "file$i.txt"; done
        git commit -qam "change $r" || return 1
    done
    git checkout -q main
    git merge -q --no-edit branch1 branch2 || return 1
    git log --all --stat --format='%H %s' | head -2000
    git diff --stat main branch5
    git gc -q --aggressive && git fsck --strict 2>&1 && git count-objects -v | grep -v size
    git rev-list --all --objects | sort | git hash-object --stdin
}
if need git git; then
    export -f git_session
    run git bash -c git_session
fi

gcc_build() {
    # a generated C file of a few thousand functions, compiled with -O2
    {
        echo '#include <stdio.h>'
        for i in $(seq 1 500); do
            echo "static int f$i(int x) { int a[16]; for (int k = 0; k < 16; k++) a[k] = x * k + $i; int s = 0; for (int k = 0; k < 16; k++) s += a[k] % ($i % 7 + 2); return s ^ $i; }"
        done
        echo 'int main(void) { long t = 0;'
        for i in $(seq 1 500); do echo "t += f$i($i);"; done
        echo 'printf("%ld\n", t); return 0; }'
    } > big.c
    gcc -O2 -o big big.c && ./big && gcc -O2 -S -o - big.c | md5sum
}
if need gcc gcc; then
    export -f gcc_build
    run gcc bash -c gcc_build
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
