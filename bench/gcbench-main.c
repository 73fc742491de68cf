/*
 * bench-gc-MANAGER BENCHMARK MANAGER [DEPTH]: runs one GC benchmark
 * (workloads/gcprograms.h) on one memory manager and prints one line:
 *   benchmark manager seconds cpu_seconds peak_rss_kib cycles
 *   stops p50_us p99_us max_us steps p50_us p99_us max_us check
 * Built once per memory manager, each program linking only its own:
 * bench-gc-tricolor (tricolor, tricolor-stw), bench-gc-boehm (boehm,
 * boehm-parallel, boehm-inc) and bench-gc-malloc (malloc).
 * Environment, for tricolor: BENCH_BARRIER (hybrid, dijkstra, yuasa), and
 * TRI_GOGC as the library reads it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../workloads/gcprograms.h"

#if defined(MANAGER_TRICOLOR)
#include "tricolor.h"

/* tricolor's configuration: its defaults, with the barrier BENCH_BARRIER
 * names. */
static const struct tri_gc_config *config_from_environment(void)
{
    static tri_gc_config c;
    const char *barrier = getenv("BENCH_BARRIER");
    for (int b = 0; barrier && b < TRI_NUM_BARRIERS; b++)
        if (strcmp(barrier, tri_gc_barrier_name((enum tri_gc_barrier)b)) == 0)
            c.barrier = (enum tri_gc_barrier)b;
    return &c;
}
#else
static const struct tri_gc_config *config_from_environment(void)
{
    return NULL; /* the other managers take no configuration */
}
#endif

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s gcbench|binarytrees|hashtable MANAGER [DEPTH]\nmanagers:", argv[0]);
        for (int i = 0; gcb_managers[i]; i++)
            fprintf(stderr, " %s", gcb_managers[i]);
        fprintf(stderr, "\n");
        return 2;
    }
    gcb_result r;
    if (gcb_run(argv[1], argv[2], argc > 3 ? atoi(argv[3]) : 21, config_from_environment(), &r) != 0) {
        fprintf(stderr, "%s: unknown benchmark or manager, or the manager failed to start\n", argv[0]);
        return 2;
    }
    printf("%s %s %.4f %.4f %ld %llu %llu %.1f %.1f %.1f %llu %.1f %.1f %.1f %ld\n", argv[1], argv[2], r.seconds,
           r.cpu_seconds, r.peak_rss_kib, (unsigned long long)r.cycles, (unsigned long long)r.stops.count, r.stops.p50_ns / 1e3,
           r.stops.p99_ns / 1e3, r.stops.max_ns / 1e3, (unsigned long long)r.steps.count, r.steps.p50_ns / 1e3,
           r.steps.p99_ns / 1e3, r.steps.max_ns / 1e3, r.check);
    return 0;
}
