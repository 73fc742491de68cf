#!/bin/bash
# tests/compile.sh: what must and must not compile against the public header
# (tests/compile/*.c, with gcc and clang). Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for cc in gcc clang; do
    command -v "$cc" > /dev/null || continue
    if $cc -std=gnu11 -Wall -Wextra -Werror -fsyntax-only -Icore/include tests/compile/barrier.c > "$log" 2>&1; then
        echo "ok   $cc: the typed barrier's correct uses compile without a warning"
        passed=$((passed + 1))
    else
        echo "FAIL $cc: a correct use of the typed barrier does not compile"
        cat "$log"
        failed=$((failed + 1))
    fi
    for m in 1 2 3 4; do
        # without -Werror: each misuse must be an error by itself
        if $cc -std=gnu11 -fsyntax-only -DMISUSE=$m -Icore/include tests/compile/barrier.c > "$log" 2>&1; then
            echo "FAIL $cc: misuse $m of the typed barrier compiles"
            failed=$((failed + 1))
        else
            echo "ok   $cc: misuse $m of the typed barrier is an error: $(grep -m1 -o 'error: .*' "$log")"
            passed=$((passed + 1))
        fi
    done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
