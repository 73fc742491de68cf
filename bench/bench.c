/*
 * bench-workloads: runs one workload of workloads/alloc.c against whatever
 * malloc the process has (the C library's, or another allocator's through
 * LD_PRELOAD) and prints one line:
 *   name threads seconds peak_rss_kib ops checksum errors live_peak_kib
 * live_peak_kib: the most the workload held at once, as it asked for it
 * (0 where a workload does not count it; see wl_result.live).
 * In WebAssembly the timed run comes after a warm-up run (below).
 */
#include <stdio.h>
#include <stdlib.h>

#include "../workloads/alloc.h"
#include "../workloads/measure.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench-workloads WORKLOAD [THREADS [SCALE]]\nworkloads:");
        for (int i = 0; i < wl_count; i++)
            fprintf(stderr, " %s", wl_workloads[i].name);
        fprintf(stderr, "\n");
        return 2;
    }
    const wl_workload *w = wl_find(argv[1]);
    if (!w || !w->run) {
        fprintf(stderr, "bench-workloads: %s workload '%s'\n", w ? "this build cannot run the threaded" : "unknown", argv[1]);
        return 2;
    }
    wl_params p = {w->default_threads, 1.0};
    if (argc > 2)
        p.threads = atoi(argv[2]);
    if (argc > 3)
        p.scale = atof(argv[3]);
    if (p.threads < 1 || p.threads > 1024 || !(p.scale > 0 && p.scale <= 1000)) {
        fprintf(stderr, "bench-workloads: threads must be 1..1024 and scale in (0, 1000]\n");
        return 2;
    }
    wl_result r = {0};
#ifdef __wasm__
    /* A warm-up at 1/50 scale first, in WebAssembly: V8 runs a function in
     * its baseline tier (Liftoff) until it has run a while, and then only
     * its later calls in optimized code (wasm has no on-stack replacement).
     * The workload's loop is one call, so without this it would run
     * baseline code to the end, whichever allocator is linked. */
    {
        wl_params warm = {p.threads, p.scale / 50};
        wl_result ignored = {0};
        w->run(&warm, &ignored);
    }
#endif
    double t0 = wl_now();
    w->run(&p, &r);
    double t = wl_now() - t0;
    if (r.live) { /* the count is the workload's own: wrong, if it does not return to 0 */
        fprintf(stderr, "bench-workloads: %s still holds %llu bytes by its own count\n", w->name,
                (unsigned long long)r.live);
        return 1;
    }
    printf("%s %d %.4f %ld %llu %llu %d %llu\n", w->name, p.threads, t, wl_peak_rss_kib(),
           (unsigned long long)r.ops, (unsigned long long)r.checksum, r.errors,
           (unsigned long long)((r.live_peak + 1023) / 1024));
    return r.errors ? 1 : 0;
}
