/*
 * Allocation workloads (workloads/alloc.c). The same source is compiled
 * twice: against the C library's malloc (MANAGER_MALLOC: bench-workloads,
 * which `make bench` runs under each allocator with LD_PRELOAD) and against
 * tri_malloc (MANAGER_TRICOLOR: the `tricolor bench` command). Every
 * workload checks the contents of what it allocated and returns a checksum
 * that depends only on its parameters.
 */
#ifndef WORKLOADS_ALLOC_H
#define WORKLOADS_ALLOC_H

#include <stdint.h>

typedef struct wl_params {
    int threads;  /* worker threads, for the multi-threaded workloads */
    double scale; /* 1.0 = the benchmark size; smaller for quick runs */
} wl_params;

typedef struct wl_result {
    uint64_t ops;      /* allocations performed */
    uint64_t checksum; /* deterministic for given parameters */
    int errors;        /* content checks that failed */
    /* Bytes the workload holds, counted as it asked for them (before any
     * allocator rounds them up), and their peak: the least memory any
     * allocator could have needed. Counted by the workloads of one thread
     * that know every object's size (churn, realloc, bigset, largeblocks,
     * malloc-large); 0 elsewhere. live is 0 again when a workload ends. */
    uint64_t live, live_peak;
} wl_result;

typedef struct wl_workload {
    const char *name;
    const char *about;
    int multithreaded;  /* uses params.threads; needs threads */
    int default_threads;
    void (*run)(const wl_params *, wl_result *); /* NULL: needs threads this platform lacks */
} wl_workload;

extern const wl_workload wl_workloads[];
extern const int wl_count;

const wl_workload *wl_find(const char *name);

#endif
