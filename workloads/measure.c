#include "measure.h"

#include <stdio.h>
#include <stdlib.h>
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

/* --- pauses and minimum mutator utilisation ------------------------------------------------ */

static struct {
    float (*iv)[2]; /* [start, end) in seconds since t0 */
    size_t n, cap;
    double t0;
} pauses;

void wl_pauses_start(void)
{
    pauses.n = 0;
    pauses.t0 = wl_now();
}

void wl_pause(double start, double end)
{
    if (pauses.n == pauses.cap) {
        size_t cap = pauses.cap ? 2 * pauses.cap : 4096;
        float (*bigger)[2] = realloc(pauses.iv, cap * sizeof *bigger);
        if (!bigger) {
            fputs("bench: out of memory recording pauses\n", stderr);
            abort();
        }
        pauses.iv = bigger;
        pauses.cap = cap;
    }
    pauses.iv[pauses.n][0] = (float)(start - pauses.t0);
    pauses.iv[pauses.n][1] = (float)(end - pauses.t0);
    pauses.n++;
}

static int by_start(const void *a, const void *b)
{
    float x = ((const float *)a)[0], y = ((const float *)b)[0];
    return x < y ? -1 : x > y;
}

/* Pause time within [a, b), by the prefix sums of the pauses' lengths:
 * the pauses from the first that ends after a to the last that starts
 * before b, the two at the edges clipped. The windows are asked for with a
 * and b never decreasing, so the cursors only move forward. */
typedef struct cursor {
    size_t lo, hi;
} cursor;

static double paused_in(const double *prefix, double a, double b, cursor *c)
{
    while (c->lo < pauses.n && pauses.iv[c->lo][1] <= a)
        c->lo++;
    if (c->hi < c->lo)
        c->hi = c->lo;
    while (c->hi < pauses.n && pauses.iv[c->hi][0] < b)
        c->hi++;
    if (c->hi == c->lo)
        return 0;
    double sum = prefix[c->hi] - prefix[c->lo];
    if (pauses.iv[c->lo][0] < a)
        sum -= a - pauses.iv[c->lo][0];
    if (pauses.iv[c->hi - 1][1] > b)
        sum -= pauses.iv[c->hi - 1][1] - b;
    return sum;
}

double wl_mmu(double end, double window)
{
    double span = end - pauses.t0;
    if (pauses.n == 0 || span <= 0)
        return 1;
    qsort(pauses.iv, pauses.n, sizeof *pauses.iv, by_start);
    double *prefix = malloc((pauses.n + 1) * sizeof *prefix);
    if (!prefix) {
        fputs("bench: out of memory computing MMU\n", stderr);
        abort();
    }
    prefix[0] = 0;
    for (size_t i = 0; i < pauses.n; i++)
        prefix[i + 1] = prefix[i] + (pauses.iv[i][1] - pauses.iv[i][0]);
    if (window > span)
        window = span;
    double worst = 0;
    cursor starting = {0, 0}, ending = {0, 0};
    for (size_t i = 0; i < pauses.n; i++) {
        /* the window starting where pause i starts, and the one ending where it ends */
        double a = pauses.iv[i][0], b = pauses.iv[i][1] - window;
        a = a + window > span ? span - window : a;
        b = b < 0 ? 0 : b;
        double p = paused_in(prefix, a, a + window, &starting);
        worst = p > worst ? p : worst;
        p = paused_in(prefix, b, b + window, &ending);
        worst = p > worst ? p : worst;
    }
    free(prefix);
    double mmu = 1 - worst / window;
    return mmu < 0 ? 0 : mmu > 1 ? 1 : mmu;
}
