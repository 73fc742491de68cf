/*
 * The garbage-collector benchmarks, GCBench (workloads/gcbench.c),
 * binary-trees (workloads/binarytrees.c) and a hash table of short strings
 * (workloads/hashtable.c), run on a memory manager.
 *
 * The library is built once per memory manager (workloads/manager.h), and
 * each build runs the managers of gcb_managers: the tricolor build runs
 * "tricolor" (incremental) and "tricolor-stw" (each cycle run to its end at
 * once); the Boehm GC build "boehm" and "boehm-inc" (GC_enable_incremental);
 * the malloc build "malloc" (explicit frees, under LD_PRELOAD any malloc).
 * This header needs nothing of tricolor: only the tricolor build reads the
 * tri_gc_config it is given.
 */
#ifndef WORKLOADS_GCPROGRAMS_H
#define WORKLOADS_GCPROGRAMS_H

#include <stdint.h>

struct tri_gc_config;

/* The pauses of a run, as tri_gc_pause_stats counts them. */
typedef struct gcb_pauses {
    uint64_t count, total_ns, max_ns;
    uint64_t p50_ns, p90_ns, p99_ns;
} gcb_pauses;

typedef struct gcb_result {
    double seconds;
    double cpu_seconds; /* user + system, every thread of the process */
    long peak_rss_kib;
    uint64_t cycles;
    gcb_pauses stops, steps;
    double gc_share; /* tricolor: time in the collector / wall time */
    long check;      /* depends only on the benchmark and its depth */
} gcb_result;

/* The managers this build runs, NULL-terminated. */
extern const char *const gcb_managers[];

/* Runs one benchmark: program "gcbench", "binarytrees" (depth: its n),
 * "hashtable" (depth: log2 of its operations), or one of the measuring
 * programs "allocs" and "marks" (workloads/micro.c) on
 * manager, one of gcb_managers. config: tricolor's, or NULL for its
 * defaults; the other managers ignore it. Returns 0, or -1 for an unknown
 * program or manager, or a manager that failed to start. */
int gcb_run(const char *program, const char *manager, int depth, const struct tri_gc_config *config,
            gcb_result *r);

#endif
