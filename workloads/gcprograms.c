/* gcb_run: one benchmark on one memory manager, timed (gcprograms.h). */
#include "gcprograms.h"

#include <string.h>

#include "manager.h"
#include "measure.h"

static long gcbench_at(int depth)
{
    (void)depth; /* GCBench has its own sizes */
    return gcbench();
}

int gcb_run(const char *program, const char *manager, int depth, const struct tri_gc_config *config,
            gcb_result *r)
{
    long (*run)(int);
    if (strcmp(program, "binarytrees") == 0)
        run = binarytrees;
    else if (strcmp(program, "hashtable") == 0)
        run = hashtable;
    else if (strcmp(program, "gcbench") == 0)
        run = gcbench_at;
    else if (strcmp(program, "allocs") == 0)
        run = allocs;
    else if (strcmp(program, "marks") == 0)
        run = marks;
    else
        return -1;
    memset(r, 0, sizeof *r);
    if (gcm_start(manager, config) != 0)
        return -1;
    double t0 = wl_now(), c0 = wl_cpu_seconds();
    r->check = run(depth);
    r->seconds = wl_now() - t0;
    r->cpu_seconds = wl_cpu_seconds() - c0;
    r->peak_rss_kib = wl_peak_rss_kib();
    gcm_finish(r);
    return 0;
}
