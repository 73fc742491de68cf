#!/usr/bin/env python3
"""make bench: tricolor against glibc, jemalloc, tcmalloc and mimalloc.

Every workload of workloads/alloc.c runs as the same binary under each
allocator (LD_PRELOAD; glibc with none), several times, interleaved so that
the machine's drift hits all alike. Reported: the best wall time (on a
shared machine the least disturbed run is the best estimate of the cost),
the median peak RSS, ratios to mimalloc, and whether each goal is met:

  - faster than glibc on every workload
  - within 1.2x of mimalloc's time on each, and faster on at least one
  - peak RSS within 1.2x of mimalloc's
  - behind no peer beyond noise: against the fastest other allocator on
    each workload, tricolor is not slower in every round (each round runs
    every allocator once, back to back, so a round's ratio sees one state of
    the machine; losing all of 7 has a chance of 1 in 128 if the two were
    equal)

Also instruction counts from callgrind, exact and repeatable where time is
not: for one malloc+free pair on the fast path, and for the whole of each
single-threaded workload at a small scale; and the same counts for a build
without the hardening (build/noharden, `make HARDEN=0`), for what the
hardening costs (goal: under 3% everywhere).

Results go to bench/results/native.md and native.csv.

The WebAssembly benchmarks run the single-threaded workloads inside wasm, in
Node: tricolor under WASI and in an Emscripten module, as ratios to native
tricolor; and, on the same workloads inside wasm, tricolor against the
allocators the platforms bring: Emscripten's dlmalloc and emmalloc, and
wasi-libc's (dlmalloc). Peak memory there is the module's linear memory at
the end (it never shrinks); the benchmark modules grow it by exactly what
the allocator asks for. The collector's benchmarks run through the command
line on the three targets. Results go to bench/results/wasm.md and wasm.csv.

Real programs (python3, sqlite3, git, gcc and redis-server, the sessions of
tests/programs/sessions.sh) run with each allocator preloaded, timed, with
their peak RSS. Results go to bench/results/realprogs.md and realprogs.csv.

The garbage-collector benchmarks (GCBench, binary-trees at two depths, a
hash table) run on tricolor's collector (concurrent, the default; without
workers: incremental on the program's thread alone; and stop-the-world for
comparison), Boehm GC (default, with its parallel marker started, and
incremental) and explicit malloc/free under mimalloc, with each collector's
pauses and minimum mutator utilisation; and the write barrier's cost per
mode. Each
memory manager has a program of its own, built from the same source as its
users would build it: bench-gc-boehm links only Boehm GC, bench-gc-malloc
only the C library. Those results go to bench/results/gc.md and gc.csv.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build", "native")
LIBDIR = "/usr/lib/x86_64-linux-gnu"
RESULTS = os.path.join(ROOT, "bench", "results")

ALLOCATORS = [
    ("glibc", None),
    ("tricolor", os.path.join(BUILD, "libtricolor-preload.so")),
    ("mimalloc", os.path.join(LIBDIR, "libmimalloc.so.2")),
    ("tcmalloc", os.path.join(LIBDIR, "libtcmalloc_minimal.so.4")),
    ("jemalloc", os.path.join(LIBDIR, "libjemalloc.so.2")),
]

# (workload, threads)
WORKLOADS = [
    ("churn", 1),
    ("churn-mt", 2),
    ("prodcons", 2),
    ("larson", 4),
    ("threads", 16),
    ("realloc", 1),
    ("bigset", 1),
    # held-in copies of the kinds mimalloc-bench measures
    ("largeblocks", 1),
    ("malloc-large", 1),
    ("xmalloc", 4),
    ("alloctest", 1),
]

TIME_GOAL = 1.2
CALLGRIND_SCALE = 0.05
RSS_GOAL = 1.2
# A build without the hardening (`make bench` makes it), to measure what the
# hardening costs on the same workloads; and the most it may cost.
UNHARDENED = os.path.join(ROOT, "build", "noharden", "libtricolor-preload.so")
HARDEN_GOAL = 0.03


def bench_env(preload=None, extra=None):
    """The environment of a measured run: this one's, without a preload of
    its own (and without TRI_ settings that would skew it), with `preload`
    and `extra` added."""
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "TRI_GOGC")}
    if preload:
        env["LD_PRELOAD"] = preload
    env.update(extra or {})
    return env


def rotated(seq, k):
    """seq started at its k-th item: each repetition runs the contenders in
    another order, so the machine's drift hits all alike."""
    k %= len(seq)
    return seq[k:] + seq[:k]


def publish(name, text, csv_header, csv_rows):
    """Prints a section's report and writes it to RESULTS as NAME.md, with
    its figures as NAME.csv."""
    print()
    print(text)
    with open(os.path.join(RESULTS, f"{name}.md"), "w") as f:
        f.write(text)
    if csv_header:
        with open(os.path.join(RESULTS, f"{name}.csv"), "w") as f:
            f.write(csv_header + "\n")
            f.writelines(row + "\n" for row in csv_rows)


def run_measured(cmd, env, timeout=600):
    """Runs cmd to its end: (exit status, standard output, standard error,
    minor page faults, system seconds), the last two the child's own
    (getrusage of the waited-for process, as wait4 reports it)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        deadline = time.time() + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.time() > deadline:
                proc.kill()
                raise RuntimeError(f"{' '.join(cmd)} took longer than {timeout} s")
            time.sleep(0.005)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read(), err.read(), usage.ru_minflt, usage.ru_stime


def round_ratios(mine, theirs):
    """The ratios of two contenders' times round by round (each round runs
    every contender once, back to back), sorted."""
    return sorted(a / b for a, b in zip(mine, theirs))


def against_best_peer(rounds_by_name):
    """Tricolor against the fastest other allocator (by best time), round by
    round: (peer, per-round ratios sorted, rounds tricolor was slower in,
    verdict). A round runs every allocator once, back to back, so its ratio
    compares the two under one state of the machine; a verdict other than
    "within noise" needs every round to agree (a sign test: by chance, 1 in
    2^rounds)."""
    peer = min((n for n in rounds_by_name if n != "tricolor"), key=lambda n: min(rounds_by_name[n]))
    ratios = round_ratios(rounds_by_name["tricolor"], rounds_by_name[peer])
    slower = sum(q > 1 for q in ratios)
    verdict = ("behind beyond noise" if slower == len(ratios) else
               "ahead beyond noise" if slower == 0 else "within noise")
    return peer, ratios, slower, verdict


def workload_line(stdout):
    """bench-workloads' line (bench/bench.c), natively or in wasm: (seconds,
    peak memory KiB, checksum, live data peak KiB)."""
    name, thr, secs, peak_kib, ops, checksum, errors, live_kib = stdout.split()
    return float(secs), int(peak_kib), int(checksum), int(live_kib)


def agreed(values, what):
    """The one value every run gave (a checksum, the live data's peak), or an
    error saying who disagrees on what."""
    if len(set(values)) != 1:
        raise RuntimeError(f"{what}: {sorted(set(values))}")
    return values[0]


def run_once(workload, threads, scale, preload):
    """One run of a workload: (seconds, peak RSS KiB, checksum, live data
    peak KiB, minor faults, system seconds)."""
    rc, stdout, stderr, faults, sys_secs = run_measured(
        [os.path.join(BUILD, "bench-workloads"), workload, str(threads), str(scale)], bench_env(preload))
    if rc != 0:
        raise RuntimeError(f"{workload} failed under {preload or 'glibc'}: {stderr.strip()}")
    return workload_line(stdout) + (faults, sys_secs)


def over_live(peak_and_live):
    """Markdown cells: each peak memory as a multiple of the live data's
    peak (the least any allocator could have needed), from (peak KiB, live
    KiB) pairs."""
    return " | ".join(f"{peak / live:.2f}" for peak, live in peak_and_live)


def callgrind_instructions(preload, args, extra=None):
    out_file = f"/tmp/tricolor-callgrind.{os.getpid()}"
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}"] + args,
                   env=bench_env(preload, extra), capture_output=True, text=True, check=True, timeout=900)
    total = None
    with open(out_file) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
    os.unlink(out_file)
    return total


def instructions_per_unit(preload, small, large, units, extra=None):
    """Instructions per extra unit of work: callgrind on the command `small`
    and on `large`, which does `units` more, so start-up and set-up cancel
    out."""
    return (callgrind_instructions(preload, large, extra) - callgrind_instructions(preload, small, extra)) / units


FASTPATH_PAIRS = 200000


def pair_instructions(preload):
    """Instructions per malloc(32)+free pair, loop included (bench-fastpath)."""
    fast = os.path.join(BUILD, "bench-fastpath")
    return instructions_per_unit(preload, [fast, str(FASTPATH_PAIRS), "32"], [fast, str(2 * FASTPATH_PAIRS), "32"],
                                 FASTPATH_PAIRS)


def workload_instructions(preload, workload):
    """Instructions of a whole single-threaded workload at CALLGRIND_SCALE."""
    return callgrind_instructions(preload, [os.path.join(BUILD, "bench-workloads"), workload, "1",
                                            str(CALLGRIND_SCALE)])


# --- the visualiser -------------------------------------------------------------------

def web_bench(reps):
    """The visualiser's frame rate with 1 000 000 object cells on screen, in
    headless Chromium: the end-to-end test's measurement ("1 000 000 object
    cells on screen at speed"), run on its own, best of a few runs; for
    the many-small-objects heap the goal is stated for, and once for churn
    at the same number of cells, whose 37 000 spans of every size the
    runtime walks each frame."""
    cases = [("many small objects", None),
             ("churn", "?scenario=churn&objects=800000&speed=20000&run=1")]
    rows = []
    for label, query in cases:
        runs = []
        for _ in range(reps if query is None else 1):
            env = dict(os.environ)
            if query:
                env["TRICOLOR_SCALE_QUERY"] = query
            out = subprocess.run([os.path.join(ROOT, "node_modules", ".bin", "playwright"), "test", "-c",
                                  "e2e/playwright.config.mjs", "-g", "1 000 000 object cells"],
                                 cwd=ROOT, capture_output=True, text=True, timeout=900, env=env)
            if "1 passed" not in out.stdout:
                raise RuntimeError(f"the frame-rate test failed ({label}): {out.stdout[-2000:]}")
            with open(os.path.join(ROOT, "e2e", "results", "fps.json")) as f:
                runs.append(json.load(f))
            print(f"visualiser, {label}: {runs[-1]['fps']} frames/s with {runs[-1]['cells']} cells", flush=True)
        rows.append((label, max(runs, key=lambda r: r["fps"]), runs))
    best = rows[0][1]
    chromium = subprocess.run(['chromium', '--version'], capture_output=True, text=True).stdout.strip()
    text = "\n".join([
        "# The visualiser's frame rate\n",
        f"`make bench` on {time.strftime('%Y-%m-%d')}: the span view drawing every object cell of a running heap, "
        f"in headless Chromium ({chromium}, software rendering) at 1600x1200, measured over 5 s by "
        f"requestAnimationFrame after 4 s of running; the many-small-objects heap best of {reps} runs "
        f"(all: {', '.join(str(r['fps']) for r in rows[0][2])} frames/s), churn once.\n",
        "| heap | URL | frames/s | object cells on screen | objects | drawing per frame (ms) | mutator and collector per frame (ms) | cycles |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
        *[f"| {label} | `{r['query']}` | {r['fps']} | {r['cells']} | {r['objects']} | {r['drawMsPerFrame']} | "
          f"{r['workMsPerFrame']} | {r['cycles']} |" for label, r, _ in rows],
        "",
        f"Goal: 60 frames/s (the screen's rate; requestAnimationFrame runs no faster) with 1 000 000 object cells: "
        f"{'met' if best['fps'] >= 59 and best['cells'] >= 1_000_000 else '**missed**'}. Churn's heap has the same number "
        "of cells in some 37 000 spans of every size class, over 500 MiB: walking its span list each frame "
        "(tri_gc_for_each_span, in the runtime) is most of what keeps it below the screen's rate.",
    ]) + "\n"
    publish("visualiser", text, None, [])


# --- WebAssembly -------------------------------------------------------------------

WASI = os.path.join(ROOT, "build", "wasi")
EM = os.path.join(ROOT, "build", "emscripten")
WASM_WORKLOADS = ["churn", "realloc", "bigset"]
NATIVE_TIME_GOAL = 1.3  # tricolor in wasm: at most this times native tricolor's time
# (label, command prefix, environment)
WASM_RUNNERS = [
    ("native tricolor", [os.path.join(BUILD, "bench-workloads")],
     {"LD_PRELOAD": os.path.join(BUILD, "libtricolor-preload.so")}),
    ("WASI tricolor", ["node", os.path.join(ROOT, "wasm", "run-wasi.mjs")],
     {"TRICOLOR_WASM": os.path.join(WASI, "bench-tricolor.wasm")}),
    ("WASI wasi-libc", ["node", os.path.join(ROOT, "wasm", "run-wasi.mjs")],
     {"TRICOLOR_WASM": os.path.join(WASI, "bench-libc.wasm")}),
    ("Emscripten tricolor", ["node", os.path.join(ROOT, "wasm", "run-emscripten.mjs"),
                             os.path.join(EM, "bench-tricolor.mjs")], {}),
    ("Emscripten dlmalloc", ["node", os.path.join(ROOT, "wasm", "run-emscripten.mjs"),
                             os.path.join(EM, "bench-dlmalloc.mjs")], {}),
    ("Emscripten emmalloc", ["node", os.path.join(ROOT, "wasm", "run-emscripten.mjs"),
                             os.path.join(EM, "bench-emmalloc.mjs")], {}),
]
# (label, command, environment). A wasm module has one thread, so the
# ratios are taken against native tricolor on one thread too (no background
# workers); the default, with workers, is shown beside it.
WASM_CLI = [
    ("native", [os.path.join(BUILD, "tricolor")], {}),
    ("native, no workers", [os.path.join(BUILD, "tricolor")], {"TRI_GCPROCS": "0"}),
    ("WASI", ["node", os.path.join(ROOT, "wasm", "run-wasi.mjs")], {}),
    ("Emscripten", ["node", os.path.join(ROOT, "wasm", "run-emscripten.mjs"), os.path.join(EM, "tricolor-cli.mjs")], {}),
]


def run_cmd(cmd, env_extra, timeout=900):
    out = subprocess.run(cmd, env=bench_env(extra=env_extra), capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {out.stderr.strip()}")
    return out.stdout


def wasm_bench(reps, scale):
    started = time.time()
    results = {}  # (workload, label) -> (best seconds, median peak KiB)
    rounds = {}  # (workload, label) -> seconds of each round, in round order
    paging = {}  # (workload, label) -> (median minor faults, median system seconds), of the whole process
    live = {}  # (workload, label) -> the most the workload held at once, KiB (pointers are 4 bytes in wasm32)
    for workload in WASM_WORKLOADS:
        times = {label: [] for label, _, _ in WASM_RUNNERS}
        peaks = {label: [] for label, _, _ in WASM_RUNNERS}
        faults = {label: [] for label, _, _ in WASM_RUNNERS}
        system = {label: [] for label, _, _ in WASM_RUNNERS}
        lives = {label: [] for label, _, _ in WASM_RUNNERS}
        checksums = []
        for rep in range(reps):
            order = rotated(WASM_RUNNERS, rep)
            for label, cmd, env in order:
                rc, stdout, stderr, flt, sys_secs = run_measured(cmd + [workload, "1", str(scale)],
                                                                 bench_env(extra=env), timeout=900)
                if rc != 0:
                    raise RuntimeError(f"{label} {workload} failed: {stderr.strip()}")
                secs, kib, checksum, live_kib = workload_line(stdout)
                times[label].append(secs)
                peaks[label].append(kib)
                lives[label].append(live_kib)
                faults[label].append(flt)
                system[label].append(sys_secs)
                checksums.append(checksum)
        agreed(checksums, f"{workload}: the builds disagree on the checksum")
        for label, _, _ in WASM_RUNNERS:
            live[(workload, label)] = agreed(lives[label], f"{label} {workload}: the runs disagree on the live data's peak")
            results[(workload, label)] = (min(times[label]), statistics.median(peaks[label]))
            rounds[(workload, label)] = times[label]
            paging[(workload, label)] = (statistics.median(faults[label]), statistics.median(system[label]))
        print(f"{workload:9} " + "  ".join(f"{l} {results[(workload, l)][0]:.3f}s" for l, _, _ in WASM_RUNNERS),
              flush=True)

    gc_rows = []
    for bench, extra in (("gcbench", []), ("binarytrees", ["-d", "18"])):
        runs = {label: [] for label, _, _ in WASM_CLI}
        for rep in range(reps):  # interleaved, as the workloads are
            for label, cmd, env in rotated(WASM_CLI, rep):
                line = run_cmd(cmd + ["bench", bench] + extra, env).split("\n")[0]
                runs[label].append((float(line.split(": ", 1)[1].split()[0]), line))
        best = {label: min(r) for label, r in runs.items()}
        gc_rows.append((bench + (" (depth 18)" if extra else ""), best))
        print(f"{bench:11} " + "  ".join(f"{l} {best[l][0]:.3f}s" for l, _, _ in WASM_CLI), flush=True)

    labels = [l for l, _, _ in WASM_RUNNERS]
    md = ["# tricolor in WebAssembly\n",
          f"`make bench` on {time.strftime('%Y-%m-%d')}, Node {run_cmd(['node', '--version'], {}).strip()}; "
          f"single-threaded workloads at scale {scale}, best of {reps} runs, interleaved; "
          f"{time.time() - started:.0f} s in all.\n",
          "Best time in seconds / peak memory in MiB: for wasm, the module's linear memory at the end "
          "(it never shrinks; the benchmark modules grow it by exactly what the allocator asks for); "
          "for native, the process's peak RSS. In wasm each run times the workload after running it once "
          "at 1/50 scale, for every allocator alike: V8 moves a function to optimized code only for its "
          "later calls, and the workload's loop is one call (bench/bench.c).\n",
          "| workload | " + " | ".join(labels) + " |",
          "|---|" + "---:|" * len(labels)]
    for workload in WASM_WORKLOADS:
        md.append(f"| {workload} | " + " | ".join(
            f"{results[(workload, l)][0]:.3f} s / {results[(workload, l)][1] / 1024:.1f}" for l in labels) + " |")
    md.append("")
    md.append("Minor page faults (thousands) / system time (s), medians, of the whole process (for wasm, "
              "Node with the engine's own faults; growing the memory is system time too):\n")
    md.append("| workload | " + " | ".join(labels) + " |")
    md.append("|---|" + "---:|" * len(labels))
    for workload in WASM_WORKLOADS:
        md.append(f"| {workload} | " + " | ".join(
            f"{paging[(workload, l)][0] / 1000:.1f} / {paging[(workload, l)][1]:.2f}" for l in labels) + " |")
    md.append("")
    md.append("Peak memory over the live data: the most the workload held at once, counted by the workload "
              "itself as it asked for it, is the least any allocator could have needed; each build's peak "
              "memory as a multiple of it (in wasm the module's stack and static data, about 1.1 MiB, "
              "included; natively the process's code and libraries, and of the rest only the pages it "
              "touched: churn writes only the ends of its objects). Live data in MiB, natively / in wasm32, "
              "whose pointers are half the size: " + ", ".join(
                  f"{w} {live[(w, 'native tricolor')] / 1024:.1f} / {live[(w, 'WASI tricolor')] / 1024:.1f}"
                  for w in WASM_WORKLOADS) + ".\n")
    md.append("| memory / live data | " + " | ".join(labels) + " |")
    md.append("|---|" + "---:|" * len(labels))
    for workload in WASM_WORKLOADS:
        md.append(f"| {workload} | " + over_live((results[(workload, l)][1], live[(workload, l)]) for l in labels) + " |")
    md.append("")
    md.append(f"tricolor in wasm against native tricolor (time ratio of the best runs; lower is better). For the "
              f"workloads, in brackets: the ratios round by round (every build runs once a round, back to "
              f"back), median and lowest - highest, this run's noise. The collector's rows are best of "
              f"{reps} runs each, interleaved the same way.\n")
    md.append("| workload | WASI / native | Emscripten / native |")
    md.append("|---|---:|---:|")
    near = []  # what is over NATIVE_TIME_GOAL, as "workload target (ratio)"

    def against_native(workload, label):
        best = results[(workload, label)][0] / results[(workload, "native tricolor")][0]
        per = round_ratios(rounds[(workload, label)], rounds[(workload, "native tricolor")])
        if best > NATIVE_TIME_GOAL:
            near.append(f"{workload} {label.split()[0]} ({best:.2f}x)")
        return f"{best:.2f} ({statistics.median(per):.2f}, {per[0]:.2f} - {per[-1]:.2f})"
    for workload in WASM_WORKLOADS:
        md.append(f"| {workload} | {against_native(workload, 'WASI tricolor')} | "
                  f"{against_native(workload, 'Emscripten tricolor')} |")
    for bench, best in gc_rows:
        n = best["native, no workers"][0]
        md.append(f"| {bench} (collector, against native without workers) | {best['WASI'][0] / n:.2f} | {best['Emscripten'][0] / n:.2f} |")
        if bench == "gcbench":
            near += [f"gcbench {l} ({best[l][0] / n:.2f}x)" for l in ("WASI", "Emscripten")
                     if best[l][0] / n > NATIVE_TIME_GOAL]
    md.append("")
    md.append(f"Goal, at most {NATIVE_TIME_GOAL}x native's time on the three workloads and GCBench: " +
              ("met" if not near else f"**missed** on {', '.join(near)}"))
    md.append("")
    md.append("tricolor against the platforms' own allocators inside wasm (ratios: tricolor / the other; "
              "below 1 is better):\n")
    md.append("| workload | time vs dlmalloc | time vs emmalloc | memory vs dlmalloc | memory vs emmalloc | "
              "time vs wasi-libc | memory vs wasi-libc |")
    md.append("|---|---:|---:|---:|---:|---:|---:|")
    goals = {"faster than dlmalloc": [], "faster than emmalloc": [], "peak memory no worse than dlmalloc": []}
    for workload in WASM_WORKLOADS:
        t, m = results[(workload, "Emscripten tricolor")]
        dl, em = results[(workload, "Emscripten dlmalloc")], results[(workload, "Emscripten emmalloc")]
        wt, wm = results[(workload, "WASI tricolor")]
        wl = results[(workload, "WASI wasi-libc")]
        md.append(f"| {workload} | {t / dl[0]:.2f} | {t / em[0]:.2f} | {m / dl[1]:.2f} | {m / em[1]:.2f} | "
                  f"{wt / wl[0]:.2f} | {wm / wl[1]:.2f} |")
        if t >= dl[0]:
            goals["faster than dlmalloc"].append(workload)
        if t >= em[0]:
            goals["faster than emmalloc"].append(workload)
        if m > dl[1]:
            goals["peak memory no worse than dlmalloc"].append(workload)
    md.append("")
    md.append("Goals (Emscripten module):")
    for goal, misses in goals.items():
        md.append(f"- {goal}: " + ("met on every workload" if not misses else f"**missed** on {', '.join(misses)}"))
    md.append("")
    md.append("The collector through the command line (best of runs; cycles differ because pointers are "
              "4 bytes in wasm32):\n")
    md.append("| benchmark | " + " | ".join(l for l, _, _ in WASM_CLI) + " |")
    md.append("|---|" + "---|" * len(WASM_CLI))
    for bench, best in gc_rows:
        md.append(f"| {bench} | " + " | ".join(best[l][1].split(": ", 1)[1] for l, _, _ in WASM_CLI) + " |")
    publish("wasm", "\n".join(md) + "\n", "workload,build,seconds,peak_kib,minor_faults,system_seconds,live_peak_kib",
            [f"{workload},{label},{secs:.4f},{kib},{paging[(workload, label)][0]:.0f},{paging[(workload, label)][1]:.3f},"
             f"{live[(workload, label)]}"
             for (workload, label), (secs, kib) in results.items()] +
            [f"{bench},{label} collector,{best[label][0]:.4f},0,0,0,0" for bench, best in gc_rows for label, _, _ in WASM_CLI])


# --- real programs ----------------------------------------------------------------

SESSIONS = os.path.join(ROOT, "tests", "programs", "sessions.sh")
# (name, session of tests/programs/sessions.sh, what it does)
REALPROGS = [
    ("python3", "python_session", "an allocation-heavy script (tests/programs/alloc_heavy.py)"),
    ("sqlite3", "sqlite_session", "a scripted workload (tests/programs/workload.sql)"),
    ("git", "git_session", "commits, branches, a merge, log, diff, gc --aggressive and fsck on a scratch repository"),
    ("gcc", "gcc_session", "-O2 on a generated file of 500 functions, twice"),
    ("redis", "redis_session 100000", "redis-server: redis-benchmark, 100000 requests each of set, get, incr, "
     "lpush and lpop, then a scripted redis-cli session and a background save"),
]


def realprog_once(session, preload):
    """Runs a session in a scratch directory: (seconds, peak RSS KiB, output).
    The peak is the largest process of the session's tree (wait4 reports the
    maximum over the waited-for descendants), for redis the server's."""
    env = bench_env(preload)
    scratch = "/dev/shm" if os.path.isdir("/dev/shm") else None  # no disk in the timings
    with tempfile.TemporaryDirectory(prefix="tricolor-realprog-", dir=scratch) as work:
        out_path, err_path = os.path.join(work, "session.out"), os.path.join(work, "session.err")
        with open(out_path, "w") as out, open(err_path, "w") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(["bash", "-c", f". '{SESSIONS}' && {session}"], cwd=work, env=env,
                                    stdout=out, stderr=err)
            _, status, usage = os.wait4(proc.pid, 0)
            secs = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise RuntimeError(f"{session} failed under {preload or 'glibc'}: {open(err_path).read()[-500:]}")
        peak = usage.ru_maxrss
        server = os.path.join(work, "server-peak-kib")
        if os.path.exists(server):
            peak = int(open(server).read().strip() or 0)
        return secs, peak, open(out_path).read()


def realprogs_bench(reps):
    started = time.time()
    allocators = [(n, p) for n, p in ALLOCATORS if p is None or os.path.exists(p)]
    names = [n for n, _ in allocators]
    results = {}  # (program, allocator) -> (best seconds, median peak KiB)
    for prog, session, _ in REALPROGS:
        times = {n: [] for n in names}
        peaks = {n: [] for n in names}
        outputs = set()
        rounds, rep = reps, 0
        while rep < rounds:
            order = rotated(allocators, rep)
            for name, preload in order:
                secs, peak, out = realprog_once(session, preload)
                times[name].append(secs)
                peaks[name].append(peak)
                outputs.add(out)
            if rep == 0 and max(t[0] for t in times.values()) < 2:
                rounds = 2 * reps + 1  # short runs are the noisiest: more of them
            rep += 1
        if len(outputs) != 1:
            raise RuntimeError(f"{prog}: the allocators disagree on the output")
        for n in names:
            results[(prog, n)] = (min(times[n]), statistics.median(peaks[n]))
        print(f"{prog:8} " + "  ".join(f"{n} {results[(prog, n)][0]:.3f}s" for n in names), flush=True)

    md = ["# Real programs on each allocator\n",
          f"`make bench` on {time.strftime('%Y-%m-%d')}; every program runs as Debian ships it, with each "
          f"allocator preloaded (LD_PRELOAD; glibc with none), in a tmpfs, best of {reps} runs "
          f"({2 * reps + 1} for the programs that take under 2 s), interleaved; "
          f"{time.time() - started:.0f} s "
          "in all. Every allocator's output is identical.\n",
          "Best wall time in seconds / median peak RSS in MiB (the largest process of the session; for redis, "
          "the server's VmHWM); ratios are tricolor / the other.\n",
          "| program | " + " | ".join(names) + " | time vs glibc | time vs mimalloc | RSS vs glibc | RSS vs mimalloc |",
          "|---|" + "---:|" * (len(names) + 4)]
    for prog, _, _ in REALPROGS:
        t = {n: results[(prog, n)][0] for n in names}
        r = {n: results[(prog, n)][1] for n in names}

        def ratio(d, other):
            return f"{d['tricolor'] / d[other]:.2f}" if other in d and d[other] else "–"
        md.append(f"| {prog} | " + " | ".join(f"{t[n]:.3f} s / {r[n] / 1024:.1f}" for n in names) +
                  f" | {ratio(t, 'glibc')} | {ratio(t, 'mimalloc')} | {ratio(r, 'glibc')} | {ratio(r, 'mimalloc')} |")
    md.append("")
    md.append("The sessions (tests/programs/sessions.sh):\n")
    for prog, _, what in REALPROGS:
        md.append(f"- {prog}: {what}")
    publish("realprogs", "\n".join(md) + "\n", "program,allocator,seconds,peak_rss_kib",
            [f"{prog},{n},{secs:.4f},{kib}" for (prog, n), (secs, kib) in results.items()])


# (label, manager, environment)
GC_MANAGERS = [
    ("tricolor", "tricolor", {}),
    ("tricolor, no workers", "tricolor", {"TRI_GCPROCS": "0"}),
    ("tricolor (stop the world)", "tricolor-stw", {}),
    ("Boehm GC", "boehm", {}),
    ("Boehm GC parallel", "boehm-parallel", {}),
    ("Boehm GC incremental", "boehm-inc", {}),
    ("malloc/free (mimalloc)", "malloc", {"LD_PRELOAD": os.path.join(LIBDIR, "libmimalloc.so.2")}),
]
# The program each manager runs in, build/native/bench-gc-NAME: one per memory manager.
GC_PROGRAMS = {"tricolor": "tricolor", "tricolor-stw": "tricolor", "boehm": "boehm", "boehm-parallel": "boehm",
               "boehm-inc": "boehm", "malloc": "malloc"}
PAUSE_P99_GOAL_US = 200
PAUSE_MAX_GOAL_US = 1000
STW_TIME_GOAL = 1.25
BOEHM_TIME_GOAL = 0.85  # tricolor's time at most this fraction of Boehm GC's (defaults), at no more peak RSS
# The concurrent collector's aims, against Boehm GC with its parallel marker started:
PARALLEL_TIME_GOAL = {"binarytrees": 0.5, "gcbench": 0.7}  # wall time at most this fraction
STOP_P99_GOAL_US = 100
STOP_MAX_GOAL_US = 1000


def gc_run(bench, manager, depth, env_extra=None):
    program = f"bench-gc-{GC_PROGRAMS[manager]}"
    env = bench_env(extra=env_extra)
    out = subprocess.run([os.path.join(BUILD, program), bench, manager, str(depth)],
                         env=env, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"{program} {bench} {manager} failed: {out.stderr.strip()}")
    f = out.stdout.split()
    return {"seconds": float(f[2]), "cpu": float(f[3]), "rss": int(f[4]), "cycles": int(f[5]),
            "stops": (int(f[6]), float(f[7]), float(f[8]), float(f[9])),
            "steps": (int(f[10]), float(f[11]), float(f[12]), float(f[13])), "check": f[14],
            "mmu": (float(f[15]), float(f[16]), float(f[17]))}


def gc_instructions(manager, program, small, large, units, extra=None):
    """Instructions per unit of `program` (allocs: an allocation; marks: a
    marked object) on manager, from callgrind at two sizes, with the
    settings in `extra`."""
    bench = os.path.join(BUILD, f"bench-gc-{GC_PROGRAMS[manager]}")
    preload = os.path.join(LIBDIR, "libmimalloc.so.2") if manager == "malloc" else None
    return instructions_per_unit(preload, [bench, program, manager, str(small)],
                                 [bench, program, manager, str(large)], units, extra)


def gc_bench(reps, bt_reps, bt_depth):
    """GCBench, binary-trees at two depths and the hash table on every memory
    manager, in rounds: each round runs every manager once, in a rotated
    order, so the machine's drift hits all alike. Best wall time of the
    rounds; median peak RSS."""
    started = time.time()
    programs = [("gcbench", "gcbench", 0, reps), ("binarytrees", f"binarytrees {bt_depth - 3}", bt_depth - 3, reps),
                ("binarytrees", f"binarytrees {bt_depth}", bt_depth, bt_reps),
                ("hashtable", "hashtable 22", 22, reps)]
    rows, results = [], {}
    for bench, name, depth, n in programs:
        runs = {label: [] for label, _, _ in GC_MANAGERS}
        for rnd in range(n):
            for label, manager, env in rotated(GC_MANAGERS, rnd):
                runs[label].append(gc_run(bench, manager, depth, env))
        checks = {r["check"] for rs in runs.values() for r in rs}
        if len(checks) != 1:
            raise RuntimeError(f"{name}: the managers disagree on the result: {checks}")
        for label, _, _ in GC_MANAGERS:
            best = dict(min(runs[label], key=lambda r: r["seconds"]))
            best["rss"] = statistics.median(r["rss"] for r in runs[label])
            best["cpu"] = min(r["cpu"] for r in runs[label])
            best["mmu"] = tuple(min(r["mmu"][i] for r in runs[label]) for i in range(3))
            results[(name, label)] = best
            rows.append((name, label, best))
            print(f"{name:15} {label:26} {best['seconds']:.3f}s", flush=True)

    counts = {}
    if shutil.which("valgrind"):
        for manager in ("tricolor", "boehm", "malloc"):
            counts[(manager, "alloc")] = gc_instructions(manager, "allocs", 18, 19, 1 << 18)
        for manager in ("tricolor", "boehm"):
            counts[(manager, "mark")] = gc_instructions(manager, "marks", 2, 6, 4 * ((1 << 19) - 1))
        counts[("tricolor", "mark alone")] = gc_instructions("tricolor", "marks", 2, 6, 4 * ((1 << 19) - 1),
                                                             {"TRI_GCPROCS": "0"})

    barrier_rows = []
    for mode in ("hybrid", "dijkstra", "yuasa"):
        runs = [gc_run("gcbench", "tricolor", 0, {"BENCH_BARRIER": mode}) for _ in range(reps)]
        barrier_rows.append((mode, min(runs, key=lambda r: r["seconds"])))
    micro = subprocess.run([os.path.join(BUILD, "bench-barrier")], capture_output=True, text=True,
                           check=True, timeout=600).stdout.split("\n")
    micro = [l.split() for l in micro if l.strip()]

    def us(v):
        return f"{v:.0f}" if v >= 10 else f"{v:.1f}"

    def pauses(p):
        return "–" if p[0] == 0 else f"{p[0]}: {us(p[1])} / {us(p[2])} / {us(p[3])}"

    md = ["# tricolor garbage-collector benchmarks\n",
          f"`make bench` on {time.strftime('%Y-%m-%d')}; best wall time of {reps} rounds ({bt_reps} for "
          f"binary-trees {bt_depth}), every manager once a round in rotated order; CPU time is user + system "
          f"of the whole process, every thread; peak RSS the median; {time.time() - started:.0f} s in all.\n",
          "Pauses: count: p50 / p99 / max in microseconds. tricolor's stops are its mark setup and mark "
          "termination (one per cycle when stopping the world); its steps are bounded marking or sweeping "
          "work between the program's own (assists and explicit steps). Boehm GC's are its stop-the-world "
          "intervals (GC_EVENT_PRE_STOP_WORLD to GC_EVENT_POST_START_WORLD); incremental Boehm GC stops "
          "the world for each increment, listed as steps. Cycles: tricolor's cycles, Boehm GC's collections "
          "(GC_get_gc_no). MMU: minimum mutator utilisation, the smallest share of any window of 1, 10 or "
          "100 ms in which the program ran, its stops, steps and assists taken out (tricolor's from its "
          "event stream, Boehm GC's from its stop-the-world events; the worst of the rounds). tricolor runs "
          "with its background workers (the default here: one, on two cores) and without "
          "(TRI_GCPROCS=0: the incremental collector alone, as in WebAssembly).\n",
          "| benchmark | memory manager | wall (s) | CPU (s) | peak RSS (MiB) | cycles | stops | steps | "
          "MMU 1 / 10 / 100 ms |",
          "|---|---|---:|---:|---:|---:|---|---|---|"]
    for name, label, r in rows:
        mmu = " / ".join(f"{v:.2f}" for v in r["mmu"]) if label != "malloc/free (mimalloc)" else "–"
        md.append(f"| {name} | {label} | {r['seconds']:.3f} | {r['cpu']:.3f} | {r['rss'] / 1024:.1f} | "
                  f"{r['cycles']} | {pauses(r['stops'])} | {pauses(r['steps'])} | {mmu} |")
    md.append("")
    goals = []
    for _, name, _, _ in programs:  # one core: the incremental collector against Boehm GC's defaults
        t, o = results[(name, "tricolor, no workers")], results[(name, "Boehm GC")]
        ratio = t["seconds"] / o["seconds"]
        goals.append((f"{name}, no workers: time at most {BOEHM_TIME_GOAL}x Boehm GC's ({t['seconds']:.3f} s vs "
                      f"{o['seconds']:.3f} s: {ratio:.2f}x)", ratio <= BOEHM_TIME_GOAL))
        goals.append((f"{name}, no workers: peak RSS no more than Boehm GC's ({t['rss'] / 1024:.1f} vs "
                      f"{o['rss'] / 1024:.1f} MiB)", t["rss"] <= o["rss"]))
    g = results[("gcbench", "tricolor, no workers")]  # the incremental collector's pauses: its stops and steps
    p99 = max(g["stops"][2], g["steps"][2])
    mx = max(g["stops"][3], g["steps"][3])
    goals.append((f"gcbench incremental: pauses p99 <= {PAUSE_P99_GOAL_US} us ({p99:.0f} us)", p99 <= PAUSE_P99_GOAL_US))
    goals.append((f"gcbench incremental: longest pause <= {PAUSE_MAX_GOAL_US} us ({mx:.0f} us)", mx <= PAUSE_MAX_GOAL_US))
    stw = results[("gcbench", "tricolor (stop the world)")]["seconds"]
    goals.append((f"gcbench incremental time <= {STW_TIME_GOAL}x stop the world ({g['seconds'] / stw:.2f}x)",
                  g["seconds"] <= STW_TIME_GOAL * stw))
    for _, name, _, _ in programs:
        t, par, o = results[(name, "tricolor")], results[(name, "Boehm GC parallel")], results[(name, "Boehm GC")]
        aim = PARALLEL_TIME_GOAL.get(name.split()[0])
        if aim and (name.split()[0] != "binarytrees" or name.endswith(str(bt_depth))):
            ratio = t["seconds"] / par["seconds"]
            goals.append((f"{name}: time at most {aim}x Boehm GC parallel's ({t['seconds']:.3f} s vs "
                          f"{par['seconds']:.3f} s: {ratio:.2f}x)", ratio <= aim))
            if name.startswith("binarytrees"):
                goals.append((f"{name}: peak RSS no more than Boehm GC parallel's ({t['rss'] / 1024:.1f} vs "
                              f"{par['rss'] / 1024:.1f} MiB)", t["rss"] <= par["rss"]))
        least = min(o["cpu"], par["cpu"])
        goals.append((f"{name}: CPU time no more than Boehm GC's, default or parallel ({t['cpu']:.3f} s vs "
                      f"{o['cpu']:.3f} / {par['cpu']:.3f} s)", t["cpu"] <= least))
        goals.append((f"{name}: stops p99 <= {STOP_P99_GOAL_US} us and max <= {STOP_MAX_GOAL_US} us "
                      f"({t['stops'][2]:.1f} / {t['stops'][3]:.1f} us)",
                      t["stops"][2] <= STOP_P99_GOAL_US and t["stops"][3] <= STOP_MAX_GOAL_US))
    if counts:
        ta, ba = counts[("tricolor", "alloc")], counts[("boehm", "alloc")]
        goals.append((f"an allocation takes no more instructions than Boehm GC's ({ta:.0f} vs {ba:.0f})", ta <= ba))
    md.append("Goals:")
    for text, ok in goals:
        md.append(f"- {text}: " + ("met" if ok else "**missed**"))
    md.append("")
    if counts:
        md.append("Instructions (callgrind): per allocation of a 16-byte node that is garbage at once, the "
                  "collector running as it would (`allocs` at two sizes, the difference over the extra "
                  "allocations: the allocation path, refills, sweeping and collections amortised), and per "
                  "marked object in a full collection of a tree of 2^19 - 1 nodes (`marks`: four more "
                  "collections over the nodes, sweeping included); malloc/free is one malloc and one free.\n")
        md.append("| | tricolor | Boehm GC | malloc/free (mimalloc) |")
        md.append("|---|---:|---:|---:|")
        md.append(f"| per allocation | {counts[('tricolor', 'alloc')]:.0f} | {counts[('boehm', 'alloc')]:.0f} | "
                  f"{counts[('malloc', 'alloc')]:.0f} |")
        md.append(f"| per marked object | {counts[('tricolor', 'mark')]:.0f} | {counts[('boehm', 'mark')]:.0f} | – |")
        md.append(f"| per marked object, no workers | {counts[('tricolor', 'mark alone')]:.0f} | – | – |")
        md.append("")
    md.append("Write barrier by mode, on GCBench (incremental; best of "
              f"{reps}) and per store in a loop of random pointer stores (bench/barrier.c, ns; and the "
              "slow-path calls per store while marking, for stores that overwrite a pointer and for stores "
              "that fill a new object's field):\n")
    md.append("| mode | GCBench time (s) | stops p99 / max (us) | steps p99 / max (us) | plain store | "
              "barrier, no cycle | barrier, marking | calls per overwrite | calls per fill |")
    md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    micro_by = {m[0]: m for m in micro}
    for mode, r in barrier_rows:
        m = micro_by.get(mode, [mode] + ["?"] * 5)
        md.append(f"| {mode} | {r['seconds']:.3f} | {us(r['stops'][2])} / {us(r['stops'][3])} | "
                  f"{us(r['steps'][2])} / {us(r['steps'][3])} | {m[1]} | {m[2]} | {m[3]} | {m[4]} | {m[5]} |")
    if "none" in micro_by:
        m = micro_by["none"]
        md.append(f"| none (incorrect) | – | – | – | {m[1]} | {m[2]} | {m[3]} | {m[4]} | {m[5]} |")
    publish("gc", "\n".join(md) + "\n",
            "benchmark,manager,seconds,cpu_seconds,peak_rss_kib,cycles,stops,stop_p50_us,stop_p99_us,stop_max_us,"
            "steps,step_p50_us,step_p99_us,step_max_us,mmu_1ms,mmu_10ms,mmu_100ms",
            [f"{name},{label},{r['seconds']},{r['cpu']},{r['rss']},{r['cycles']},"
             + ",".join(str(v) for v in r["stops"]) + "," + ",".join(str(v) for v in r["steps"]) + ","
             + ",".join(str(v) for v in r["mmu"])
             for name, label, r in rows]
            + [f"instructions,{m},{kind},{v:.1f}" for (m, kind), v in counts.items()])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=7, help="runs per workload and allocator")
    ap.add_argument("--scale", type=float, default=1.0, help="workload size")
    ap.add_argument("--only", nargs="*", help="workloads to run")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--gc-only", action="store_true", help="only the garbage-collector benchmarks")
    ap.add_argument("--no-gc", action="store_true", help="skip the garbage-collector benchmarks")
    ap.add_argument("--bt-depth", type=int, default=21, help="binary-trees depth")
    ap.add_argument("--bt-reps", type=int, default=2, help="binary-trees runs per manager")
    ap.add_argument("--wasm-only", action="store_true", help="only the WebAssembly benchmarks")
    ap.add_argument("--no-wasm", action="store_true", help="skip the WebAssembly benchmarks")
    ap.add_argument("--realprogs-only", action="store_true", help="only the real programs")
    ap.add_argument("--no-realprogs", action="store_true", help="skip the real programs")
    ap.add_argument("--extra", action="append", default=[], metavar="NAME=LIB",
                    help="one more allocator to preload, as a column of its own (a build of tricolor, say)")
    ap.add_argument("--results", metavar="DIR", help="write the results there, not to bench/results")
    ap.add_argument("--web-only", action="store_true", help="only the visualiser's frame rate")
    ap.add_argument("--no-web", action="store_true", help="skip the visualiser's frame rate")
    args = ap.parse_args()
    global RESULTS
    if args.results:
        RESULTS = os.path.abspath(args.results)
    os.makedirs(RESULTS, exist_ok=True)
    for extra in args.extra:
        name, _, lib = extra.partition("=")
        if not name or not os.path.exists(lib):
            ap.error(f"--extra wants NAME=LIB with an existing LIB, not '{extra}'")
        ALLOCATORS.append((name, os.path.abspath(lib)))
    if args.realprogs_only:
        realprogs_bench(min(args.reps, 3))
        return
    if args.gc_only:
        gc_bench(args.reps, args.bt_reps, args.bt_depth)
        return
    if args.wasm_only:
        wasm_bench(min(args.reps, 5), args.scale)
        return
    if args.web_only:
        web_bench(3)
        return

    allocators = [(n, p) for n, p in ALLOCATORS if p is None or os.path.exists(p)]
    missing = [n for n, p in ALLOCATORS if p is not None and not os.path.exists(p)]
    if missing:
        print("missing allocators (not measured):", ", ".join(missing), file=sys.stderr)
    workloads = [w for w in WORKLOADS if not args.only or w[0] in args.only]

    results = {}  # (workload, allocator) -> (best secs, median rss kib)
    rounds = {}  # (workload, allocator) -> seconds of each round, in round order
    paging = {}  # (workload, allocator) -> (median minor faults, median system seconds)
    live = {}  # workload -> the most it held at once, KiB, as it asked (0: not counted)
    started = time.time()
    for workload, threads in workloads:
        times = {n: [] for n, _ in allocators}
        rss = {n: [] for n, _ in allocators}
        faults = {n: [] for n, _ in allocators}
        system = {n: [] for n, _ in allocators}
        checksums, lives = [], []
        for rep in range(args.reps):
            order = rotated(allocators, rep)
            for name, preload in order:
                secs, kib, checksum, live_kib, flt, sys_secs = run_once(workload, threads, args.scale, preload)
                lives.append(live_kib)
                times[name].append(secs)
                rss[name].append(kib)
                faults[name].append(flt)
                system[name].append(sys_secs)
                checksums.append(checksum)
        agreed(checksums, f"{workload}: allocators disagree on the checksum")
        live[workload] = agreed(lives, f"{workload}: the runs disagree on the live data's peak")
        for name, _ in allocators:
            results[(workload, name)] = (min(times[name]), statistics.median(rss[name]))
            rounds[(workload, name)] = times[name]
            paging[(workload, name)] = (statistics.median(faults[name]), statistics.median(system[name]))
        line = "  ".join(f"{n} {results[(workload, n)][0]:.3f}s" for n, _ in allocators)
        print(f"{workload:9} {line}", flush=True)

    fastpath = {}  # allocator -> instructions per pair
    counted = {}  # workload -> {allocator: instructions}
    unhardened_pair, unhardened = None, {}  # the same counts without the hardening: pair; workload -> count
    if not args.no_callgrind:
        fastpath = {name: pair_instructions(preload) for name, preload in allocators}
        counted = {workload: {name: workload_instructions(preload, workload) for name, preload in allocators}
                   for workload, threads in workloads if threads == 1}
        if os.path.exists(UNHARDENED):
            unhardened_pair = pair_instructions(UNHARDENED)
            unhardened = {workload: workload_instructions(UNHARDENED, workload) for workload in counted}
        else:
            print(f"no {UNHARDENED}: the hardening's cost is not measured", file=sys.stderr)

    names = [n for n, _ in allocators]
    rows = []
    goals = {"faster than glibc": [], f"time within {TIME_GOAL}x of mimalloc": [],
             f"peak RSS within {RSS_GOAL}x of mimalloc": [], "faster than mimalloc": []}
    for workload, threads in workloads:
        t = {n: results[(workload, n)][0] for n in names}
        r = {n: results[(workload, n)][1] for n in names}
        tr = t["tricolor"] / t["mimalloc"] if "mimalloc" in t else float("nan")
        rr = r["tricolor"] / r["mimalloc"] if "mimalloc" in r else float("nan")
        notes = []
        if t["tricolor"] >= t["glibc"]:
            notes.append("slower than glibc")
            goals["faster than glibc"].append(workload)
        if tr > TIME_GOAL:
            notes.append(f"time goal missed ({tr:.2f}x)")
            goals[f"time within {TIME_GOAL}x of mimalloc"].append(workload)
        if rr > RSS_GOAL:
            notes.append(f"RSS goal missed ({rr:.2f}x)")
            goals[f"peak RSS within {RSS_GOAL}x of mimalloc"].append(workload)
        if tr < 1:
            goals["faster than mimalloc"].append(workload)
        rows.append((workload, threads, t, r, tr, rr, "; ".join(notes) or "all goals met"))

    host = subprocess.run(["uname", "-srm"], capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    md = []
    md.append("# tricolor native benchmarks\n")
    md.append(f"`make bench` on {time.strftime('%Y-%m-%d')}, {host}, {cpu}, {os.cpu_count()} cores; "
              f"{args.reps} runs each, scale {args.scale}, {time.time() - started:.0f} s in all.\n")
    md.append("Best time in seconds (lower is better) / median peak RSS in MiB; "
              "ratios are tricolor / mimalloc.\n")
    md.append("| workload | threads | " + " | ".join(names) + " | time ratio | RSS ratio | goals |")
    md.append("|---|---:|" + "---:|" * len(names) + "---:|---:|---|")
    for workload, threads, t, r, tr, rr, note in rows:
        cells = " | ".join(f"{t[n]:.3f} s / {r[n] / 1024:.1f}" for n in names)
        md.append(f"| {workload} | {threads} | {cells} | {tr:.2f} | {rr:.2f} | {note} |")
    md.append("")
    md.append("Paging: median minor page faults (thousands) / median system time (s) of each run, "
              "from the child's getrusage; page faults and system time are what a release policy that "
              "fights the program costs.\n")
    md.append("| workload | " + " | ".join(names) + " | faults ratio | system ratio |")
    md.append("|---|" + "---:|" * (len(names) + 2))
    for workload, threads in workloads:
        f = {n: paging[(workload, n)][0] for n in names}
        st = {n: paging[(workload, n)][1] for n in names}
        best_f = min(v for n, v in f.items() if n != "tricolor")
        best_s = min(v for n, v in st.items() if n != "tricolor")
        md.append(f"| {workload} | " + " | ".join(f"{f[n] / 1000:.1f} / {st[n]:.2f}" for n in names) +
                  f" | {f['tricolor'] / max(best_f, 1):.2f} | {st['tricolor'] / max(best_s, 0.01):.2f} |")
    md.append("\n(ratios: tricolor / the best of the others.)")
    md.append("")
    counted_live = [w for w, _ in workloads if live.get(w)]
    if counted_live:
        md.append("Peak RSS over the live data: the most the workload held at once, counted by the workload "
                  "itself as it asked for it (before any allocator rounds a size up), is the least any "
                  "allocator could have needed; each allocator's median peak RSS as a multiple of it (the "
                  "process's own code and libraries, 1-2 MiB, included). RSS counts only the pages a program "
                  "has touched, and churn writes only the ends of its objects: where an allocator maps a large "
                  "object fresh from the kernel (glibc above 128 KiB), its untouched pages cost nothing, which "
                  "can take it under 1.\n")
        md.append("| workload | live data (MiB) | " + " | ".join(names) + " |")
        md.append("|---|---:|" + "---:|" * len(names))
        for w in counted_live:
            md.append(f"| {w} | {live[w] / 1024:.1f} | " +
                      over_live((results[(w, n)][1], live[w]) for n in names) + " |")
        md.append("")
    md.append("Against the fastest other allocator of each workload, round by round: each round runs every "
              "allocator once, back to back, so a round's ratio (tricolor's time / the peer's) compares them "
              "under one state of the machine. The spread of those ratios is this run's noise; \"beyond "
              f"noise\" means every one of the {args.reps} rounds agrees (by chance: 1 in {2 ** args.reps}).\n")
    md.append("| workload | fastest peer | best-time ratio | round ratios: median (lowest - highest) | "
              "rounds tricolor was slower | verdict |")
    md.append("|---|---|---:|---:|---:|---|")
    behind = []
    for workload, threads in workloads:
        peer, ratios, slower, verdict = against_best_peer({n: rounds[(workload, n)] for n in names})
        best_ratio = results[(workload, "tricolor")][0] / results[(workload, peer)][0]
        md.append(f"| {workload} | {peer} | {best_ratio:.2f} | {statistics.median(ratios):.2f} "
                  f"({ratios[0]:.2f} - {ratios[-1]:.2f}) | {slower} of {len(ratios)} | {verdict} |")
        if verdict == "behind beyond noise":
            behind.append(f"{workload} ({peer}, {statistics.median(ratios):.2f}x)")
    md.append("")
    md.append("Goals:")
    for goal, misses in goals.items():
        if goal == "faster than mimalloc":
            md.append(f"- {goal} on at least one workload: " +
                      (f"met ({', '.join(misses)})" if misses else "**missed**"))
        else:
            md.append(f"- {goal}: " + ("met on every workload" if not misses else f"**missed** on {', '.join(misses)}"))
    md.append("- behind no peer beyond noise: " + ("met on every workload" if not behind else
                                                  f"**missed** on {', '.join(behind)}"))
    if counted:
        md.append("")
        md.append(f"Instructions for a whole single-threaded workload at scale {CALLGRIND_SCALE} "
                  "(callgrind, millions; workload's own code included):\n")
        md.append("| workload | " + " | ".join(names) + " | tricolor / mimalloc |")
        md.append("|---|" + "---:|" * (len(names) + 1))
        for workload, counts in counted.items():
            ratio = counts["tricolor"] / counts["mimalloc"] if "mimalloc" in counts else float("nan")
            md.append(f"| {workload} | " + " | ".join(f"{counts[n] / 1e6:.1f}" for n in names) +
                      f" | {ratio:.2f} |")
    if fastpath:
        md.append("")
        md.append("Instructions per malloc(32)+free pair on the fast path (callgrind, loop included):\n")
        md.append("| " + " | ".join(fastpath) + " |")
        md.append("|" + "---:|" * len(fastpath))
        md.append("| " + " | ".join(f"{v:.1f}" for v in fastpath.values()) + " |")
        if "mimalloc" in fastpath:
            md.append(f"\ntricolor / mimalloc: {fastpath['tricolor'] / fastpath['mimalloc']:.2f}")
    if unhardened_pair is not None:
        md.append("")
        md.append("The hardening's cost on the small-object path: instructions (callgrind) of the default build "
                  "against a `make HARDEN=0` build, on the same runs as above:\n")
        md.append("| counted | HARDEN=0 | default | cost |")
        md.append("|---|---:|---:|---:|")
        compared = [("fast path (per malloc+free pair)", unhardened_pair, fastpath["tricolor"], ",.1f")] + [
            (f"{workload} (whole, scale {CALLGRIND_SCALE})", off, counted[workload]["tricolor"], ",.0f")
            for workload, off in unhardened.items()]
        worst = 0.0
        for what, off, on, fmt in compared:
            worst = max(worst, on / off - 1)
            md.append(f"| {what} | {off:{fmt}} | {on:{fmt}} | {100 * (on / off - 1):+.2f}% |")
        md.append(f"\nGoal, the hardening costs under {100 * HARDEN_GOAL:.0f}% of instructions everywhere: " +
                  (f"met (at most {100 * worst:+.2f}%)" if worst < HARDEN_GOAL else
                   f"**missed** ({100 * worst:+.2f}%)"))
    publish("native", "\n".join(md) + "\n",
            "workload,threads,allocator,seconds,peak_rss_kib,minor_faults,system_seconds,live_peak_kib",
            [f"{workload},{threads},{n},{results[(workload, n)][0]:.4f},{results[(workload, n)][1]},"
             f"{paging[(workload, n)][0]:.0f},{paging[(workload, n)][1]:.3f},{live[workload]}"
             for workload, threads in workloads for n in names] +
            [f"fastpath,1,{n},{v:.2f},0,0,0,0" for n, v in fastpath.items()] +
            ([f"fastpath,1,tricolor-harden0,{unhardened_pair:.2f},0,0,0,0"] if unhardened_pair is not None else []) +
            [f"{workload}-instructions,1,{n},{v},0,0,0,0" for workload, counts in counted.items() for n, v in counts.items()] +
            [f"{workload}-instructions,1,tricolor-harden0,{v},0,0,0,0" for workload, v in unhardened.items()])
    if not args.no_realprogs:
        realprogs_bench(min(args.reps, 3))
    if not args.no_gc:
        gc_bench(args.reps, args.bt_reps, args.bt_depth)
    if not args.no_wasm:
        wasm_bench(min(args.reps, 5), args.scale)
    if not args.no_web:
        web_bench(3)


if __name__ == "__main__":
    main()
