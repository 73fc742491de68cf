/* The garbage-collector benchmarks (bench/gcbench.c). */
#ifndef TRI_GCBENCH_H
#define TRI_GCBENCH_H

#include "tricolor.h"

typedef struct gcb_result {
    double seconds;
    long peak_rss_kib;
    uint64_t cycles;
    tri_gc_pause_stats stops, steps;
    double gc_share; /* tricolor: time in the collector / wall time */
    long check;      /* depends only on the benchmark and its depth */
} gcb_result;

/* bench: "gcbench" or "binarytrees" (depth: its n); manager: tricolor,
 * tricolor-stw, boehm, boehm-inc (bench-gc only) or malloc. config: for
 * tricolor, or NULL. Returns 0, or -1 for an unknown bench or manager. */
int gcb_run(const char *bench, const char *manager, int depth, const tri_gc_config *config, gcb_result *r);

#endif
