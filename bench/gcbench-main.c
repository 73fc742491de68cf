/*
 * bench-gc BENCHMARK MANAGER [DEPTH]: runs one GC benchmark on one memory
 * manager (see bench/gcbench.c) and prints one line:
 *   benchmark manager seconds peak_rss_kib cycles
 *   stops p50_us p99_us max_us steps p50_us p99_us max_us check
 * Environment: BENCH_BARRIER (hybrid, dijkstra, yuasa) and TRI_GOGC for
 * tricolor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcbench.h"

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench-gc gcbench|binarytrees MANAGER [DEPTH]\n"
                        "managers: tricolor tricolor-stw boehm boehm-inc malloc\n");
        return 2;
    }
    tri_gc_config c = {0};
    const char *barrier = getenv("BENCH_BARRIER");
    for (int b = 0; barrier && b < TRI_NUM_BARRIERS; b++)
        if (strcmp(barrier, tri_gc_barrier_name((enum tri_gc_barrier)b)) == 0)
            c.barrier = (enum tri_gc_barrier)b;
    gcb_result r;
    if (gcb_run(argv[1], argv[2], argc > 3 ? atoi(argv[3]) : 21, &c, &r) != 0) {
        fprintf(stderr, "bench-gc: unknown benchmark or manager\n");
        return 2;
    }
    printf("%s %s %.4f %ld %llu %llu %.1f %.1f %.1f %llu %.1f %.1f %.1f %ld\n", argv[1], argv[2], r.seconds,
           r.peak_rss_kib, (unsigned long long)r.cycles, (unsigned long long)r.stops.count, r.stops.p50_ns / 1e3,
           r.stops.p99_ns / 1e3, r.stops.max_ns / 1e3, (unsigned long long)r.steps.count, r.steps.p50_ns / 1e3,
           r.steps.p99_ns / 1e3, r.steps.max_ns / 1e3, r.check);
    return 0;
}
