# Sourced by the shell suites: check NAME COMMAND... runs one check, which
# passes when the command succeeds and on failure shows the end of what it
# printed (lines cut short: a module's minified source can be one line); finish prints the suite's total line and sets its exit status.
# A suite sets $work (a scratch directory) and $prefix_of_checks first.
passed=0 failed=0 skipped=0

check() {
    local name=$1; shift
    if "$@" > "$work/check.out" 2>&1; then
        echo "ok   ${prefix_of_checks}$name"
        passed=$((passed + 1))
    else
        echo "FAIL ${prefix_of_checks}$name"
        tail -20 "$work/check.out" | cut -c 1-300
        failed=$((failed + 1))
    fi
}

# skip NAME WHY
skip() {
    echo "skip ${prefix_of_checks}$1: $2"
    skipped=$((skipped + 1))
}

finish() {
    echo "$passed passed, $failed failed, $skipped skipped"
    [ "$failed" -eq 0 ]
}
