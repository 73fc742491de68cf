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

/* The program's pauses for its memory manager, for minimum mutator
 * utilisation (MMU): wl_pauses_start when the run starts, wl_pause for
 * each interval the program did not run (a stop, a step, an assist), in
 * wl_now's seconds, in any order. Kept as floats from the start (8 bytes a
 * pause: little beside the heaps measured). */
void wl_pauses_start(void);
void wl_pause(double start, double end);
/* The smallest share of any window of `window` seconds, from the start to
 * `end`, left to the program (the whole run if it is shorter): 1 with no
 * pauses. Exact: the worst window starts where a pause starts or ends
 * where one ends. */
double wl_mmu(double end, double window);

#endif
