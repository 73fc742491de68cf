#include "measure.h"

#include <stdio.h>
#include <time.h>
#if !defined(__wasm__)
#include <sys/resource.h>
#endif

double wl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* From /proc/self/status, not getrusage's ru_maxrss: that survives execve,
 * so it would report the parent's peak when that is higher. */
double wl_cpu_seconds(void)
{
#if defined(__wasm__)
    return wl_now();
#else
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec +
           (double)u.ru_stime.tv_usec / 1e6;
#endif
}

long wl_peak_rss_kib(void)
{
#if defined(__wasm__)
    return (long)(__builtin_wasm_memory_size(0) * 64);
#else
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
#endif
}
