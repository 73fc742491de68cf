/*
 * Setting each memory manager up for one run, and reading its collections
 * and pauses afterwards. The primitives the benchmarks call are inline, in
 * manager.h.
 */
#include "manager.h"

#include <stdio.h>
#include <string.h>

#include "measure.h"

#if defined(MANAGER_TRICOLOR)

const char *const gcb_managers[] = {"tricolor", "tricolor-stw", NULL};
tri_gc_heap *gcm_heap;

/* The heap's stops and steps (assists among them) from its event stream:
 * each event is stamped at its end, since the heap was created, and says
 * how long it took. Unless the caller records events of its own (the
 * command line's traces, passed on), only these kinds are recorded, which
 * leaves the background workers on. */
static double heap_created;
static void (*callers_sink)(const tri_gc_event *, size_t, void *);
static void *callers_sink_arg;

static void log_pauses(const tri_gc_event *ev, size_t n, void *arg)
{
    (void)arg;
    if (callers_sink)
        callers_sink(ev, n, callers_sink_arg);
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == TRI_EV_STOP || ev[i].kind == TRI_EV_STEP) {
            double end = heap_created + (double)ev[i].time_ns / 1e9;
            wl_pause(end - (double)ev[i].a / 1e9, end);
        }
}

int gcm_start(const char *manager, const struct tri_gc_config *config)
{
    int stw = strcmp(manager, "tricolor-stw") == 0;
    if (!stw && strcmp(manager, "tricolor") != 0)
        return -1;
    tri_gc_config c = config ? *config : (tri_gc_config){0};
    c.stop_the_world = stw;
    callers_sink = c.event_sink;
    callers_sink_arg = c.event_sink_arg;
    if (!c.events) {
        c.events = 4096;
        c.event_kinds = TRI_EV_BIT(TRI_EV_STOP) | TRI_EV_BIT(TRI_EV_STEP);
    } else if (c.event_kinds) {
        c.event_kinds |= TRI_EV_BIT(TRI_EV_STOP) | TRI_EV_BIT(TRI_EV_STEP);
    }
    c.event_sink = log_pauses;
    heap_created = wl_now();
    gcm_heap = tri_gc_create(&c);
    return gcm_heap ? 0 : -1;
}

static gcb_pauses pauses_of(const tri_gc_pause_stats *p)
{
    return (gcb_pauses){p->count, p->total_ns, p->max_ns, p->p50_ns, p->p90_ns, p->p99_ns};
}

void gcm_finish(gcb_result *r)
{
    tri_gc_stats st;
    tri_gc_get_stats(gcm_heap, &st);
    r->cycles = st.cycles;
    r->stops = pauses_of(&st.stops);
    r->steps = pauses_of(&st.steps);
    r->gc_share = st.wall_ns ? (double)st.gc_ns / (double)st.wall_ns : 0;
    tri_gc_destroy(gcm_heap);
    gcm_heap = NULL;
}

#elif defined(MANAGER_BOEHM)

const char *const gcb_managers[] = {"boehm", "boehm-parallel", "boehm-inc", NULL};

/* Boehm GC's stop-the-world intervals (GC_EVENT_PRE_STOP_WORLD to
 * GC_EVENT_POST_START_WORLD), in seconds. Incremental Boehm GC stops the
 * world for each increment: those are its steps. */
static struct {
    double *seconds;
    size_t count, cap;
    double stop_started;
    int incremental;
} boehm_pauses;

static void on_collection_event(GC_EventType e)
{
    if (e == GC_EVENT_PRE_STOP_WORLD) {
        boehm_pauses.stop_started = wl_now();
    } else if (e == GC_EVENT_POST_START_WORLD && boehm_pauses.stop_started > 0) {
        if (boehm_pauses.count == boehm_pauses.cap) {
            size_t cap = boehm_pauses.cap ? 2 * boehm_pauses.cap : 1024;
            double *bigger = realloc(boehm_pauses.seconds, cap * sizeof(double));
            if (!bigger) {
                fputs("bench: out of memory recording Boehm GC's pauses\n", stderr);
                abort();
            }
            boehm_pauses.seconds = bigger;
            boehm_pauses.cap = cap;
        }
        double now = wl_now();
        boehm_pauses.seconds[boehm_pauses.count++] = now - boehm_pauses.stop_started;
        wl_pause(boehm_pauses.stop_started, now);
        boehm_pauses.stop_started = 0;
    }
}

int gcm_start(const char *manager, const struct tri_gc_config *config)
{
    (void)config;
    int incremental = strcmp(manager, "boehm-inc") == 0, parallel = strcmp(manager, "boehm-parallel") == 0;
    if (!incremental && !parallel && strcmp(manager, "boehm") != 0)
        return -1;
    GC_INIT();
    if (incremental)
        GC_enable_incremental();
    if (parallel) /* its best setting here: a marker thread per extra core, started as its docs say */
        GC_start_mark_threads();
    boehm_pauses.count = 0;
    boehm_pauses.incremental = incremental;
    GC_set_on_collection_event(on_collection_event);
    return 0;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile of n sorted values, in nanoseconds. */
static uint64_t quantile_ns(const double *v, size_t n, double q)
{
    if (!n)
        return 0;
    size_t i = (size_t)((double)n * q + 0.999999);
    return (uint64_t)(v[(i ? i : 1) - 1] * 1e9);
}

void gcm_finish(gcb_result *r)
{
    double *v = boehm_pauses.seconds;
    size_t n = boehm_pauses.count;
    qsort(v, n, sizeof(double), by_value);
    double total = 0;
    for (size_t i = 0; i < n; i++)
        total += v[i];
    gcb_pauses *p = boehm_pauses.incremental ? &r->steps : &r->stops;
    p->count = n;
    p->total_ns = (uint64_t)(total * 1e9);
    p->p50_ns = quantile_ns(v, n, 0.5);
    p->p90_ns = quantile_ns(v, n, 0.9);
    p->p99_ns = quantile_ns(v, n, 0.99);
    p->max_ns = quantile_ns(v, n, 1.0);
    r->cycles = (uint64_t)GC_get_gc_no();
}

#else /* MANAGER_MALLOC */

const char *const gcb_managers[] = {"malloc", NULL};

int gcm_start(const char *manager, const struct tri_gc_config *config)
{
    (void)config;
    return strcmp(manager, "malloc") == 0 ? 0 : -1;
}

void gcm_finish(gcb_result *r)
{
    (void)r; /* no collections and no pauses */
}

#endif
