# Sessions of real programs, sourced by tests/realprogs.sh (which compares
# their output on glibc and on tricolor) and bench/run.py (which times them
# on every allocator). Each runs in the current directory, which it may
# fill, and prints only what does not depend on timing or on the allocator.
sessions_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# An allocation-heavy Python program.
python_session() {
    /usr/bin/python3 "$sessions_dir/alloc_heavy.py"
}

# A scripted SQLite workload.
sqlite_session() {
    sqlite3 db.sqlite < "$sessions_dir/workload.sql"
}

# git on a scratch repository: commits, branches, a merge, log, diff, gc,
# fsck.
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

# gcc on a large generated C file, at -O2.
gcc_session() {
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

# redis_session [REQUESTS]: a redis-server of its own on a free port of
# 127.0.0.1 without persistence, a bounded redis-benchmark against it, a
# scripted redis-cli session and a background save (the server forks);
# then the server is stopped by its pid, whatever happened. The server's
# peak RSS in KiB goes to the file server-peak-kib.
redis_session() {
    local n=${1:-20000} port pid i
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') ||
        return 1
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --dir "$PWD" \
        > server.log 2>&1 &
    pid=$!
    # shellcheck disable=SC2064
    trap "kill $pid 2> /dev/null; wait $pid 2> /dev/null" EXIT
    # shellcheck disable=SC2064
    trap "kill $pid 2> /dev/null; wait $pid 2> /dev/null; exit 1" INT TERM HUP
    for i in $(seq 1 100); do
        redis-cli -p "$port" ping 2> /dev/null | grep -q PONG && break
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    if ! redis-cli -p "$port" ping 2> /dev/null | grep -q PONG; then
        echo "redis-server did not start:" >&2
        tail -5 server.log >&2
        return 1
    fi
    if [ -n "${LD_PRELOAD:-}" ] && ! grep -q "$(basename "$LD_PRELOAD")" "/proc/$pid/maps"; then
        echo "redis-server does not run on $LD_PRELOAD" >&2
        return 1
    fi
    redis-benchmark -p "$port" -q -n "$n" -t set,get,incr,lpush,lpop > benchmark.out 2>&1 || return 1
    for t in SET GET INCR LPUSH LPOP; do
        if ! grep -q "$t: [0-9.]* requests per second" benchmark.out; then
            echo "redis-benchmark did not finish $t:" >&2
            tail -c 300 benchmark.out >&2
            return 1
        fi
    done
    echo "redis-benchmark: set, get, incr, lpush and lpop, $n requests each"
    redis-cli -p "$port" < "$sessions_dir/redis-session.txt" || return 1
    redis-cli -p "$port" bgsave > /dev/null || return 1
    for i in $(seq 1 300); do
        redis-cli -p "$port" info persistence | grep -q '^rdb_bgsave_in_progress:0' && break
        sleep 0.1
    done
    redis-cli -p "$port" info persistence | grep -E '^rdb_(bgsave_in_progress|last_bgsave_status):' | tr -d '\r'
    redis-cli -p "$port" info keyspace | grep '^db0:' | tr -d '\r'
    sed -nE 's/^VmHWM:[[:space:]]*([0-9]+) kB/\1/p' "/proc/$pid/status" > server-peak-kib
    kill "$pid"
    wait "$pid"
    local rc=$?
    trap - EXIT INT TERM HUP
    if [ $rc -ne 0 ] || ! grep -q 'ready to exit' server.log; then
        echo "redis-server did not stop cleanly (status $rc):" >&2
        tail -5 server.log >&2
        return 1
    fi
}
