/* What every benchmark program measures: elapsed and CPU time, and peak memory. */
#ifndef WORKLOADS_MEASURE_H
#define WORKLOADS_MEASURE_H

/* Seconds on the monotonic clock, from an arbitrary start. */
double wl_now(void);

/* Seconds of CPU this process has used, user and system, all its threads
 * (a collector's own threads included, so concurrency cannot hide cost);
 * in WebAssembly, where there is one thread, the elapsed time. */
double wl_cpu_seconds(void);

/* The peak memory of this process in KiB: natively its peak resident set,
 * in WebAssembly the size of its linear memory (which never shrinks). */
long wl_peak_rss_kib(void);

#endif
