/*
 * What the collector shows of itself: the event ring, pause histograms,
 * the per-cycle trace line (TRI_GCTRACE=1), iteration over spans and
 * objects with their colours, and statistics. Nothing here changes what
 * the collector does; events cost one predictable branch when off.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

uint64_t tri_gc_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void tri_gc_flush_events(tri_gc_heap *h)
{
    if (!h->sink || !h->ring)
        return;
    while (h->sink_read < h->ring_written) { /* at most two pieces: the ring wraps */
        size_t at = (size_t)(h->sink_read & (h->ring_cap - 1));
        size_t n = (size_t)(h->ring_written - h->sink_read);
        if (n > h->ring_cap - at)
            n = h->ring_cap - at;
        h->sink(h->ring + at, n, h->sink_arg);
        h->sink_read += n;
    }
}

void tri_gc_emit_slow(tri_gc_heap *h, unsigned kind, unsigned arg, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    if (h->sink && h->ring_written - h->sink_read == h->ring_cap)
        tri_gc_flush_events(h); /* the next event would overwrite one not yet delivered */
    tri_gc_event *e = &h->ring[h->ring_written & (h->ring_cap - 1)];
    e->kind = kind;
    e->arg = arg;
    e->time_ns = tri_gc_now() - h->t0;
    e->a = a;
    e->b = b;
    e->c = c;
    e->d = d;
    __atomic_store_n(&h->ring_written, h->ring_written + 1, __ATOMIC_RELEASE);
}

const tri_gc_event *tri_gc_events(const tri_gc_heap *h, size_t *capacity, uint64_t *written)
{
    *capacity = h->ring_cap;
    *written = __atomic_load_n(&h->ring_written, __ATOMIC_ACQUIRE);
    return h->ring;
}

/* --- pause histograms ---------------------------------------------------------- */

/* 32 buckets per power of two (relative error under 2%), exact below 32 ns. */
static unsigned bucket_of(uint64_t ns)
{
    if (ns < 32)
        return (unsigned)ns;
    unsigned k = 63u - (unsigned)__builtin_clzll(ns);
    unsigned b = (k - 4) * 32 + (unsigned)((ns >> (k - 5)) & 31);
    return b < TRI_HIST_BUCKETS ? b : TRI_HIST_BUCKETS - 1;
}

static uint64_t bucket_value(unsigned b)
{
    if (b < 32)
        return b;
    unsigned k = b / 32 + 4, sub = b % 32;
    uint64_t width = (uint64_t)1 << (k - 5);
    return ((uint64_t)(32 + sub) << (k - 5)) + width / 2;
}

void tri_gc_hist_add(tri_gc_hist *hist, uint64_t ns)
{
    hist->count++;
    hist->total += ns;
    if (ns > hist->max)
        hist->max = ns;
    hist->buckets[bucket_of(ns)]++;
}

static uint64_t percentile(const tri_gc_hist *hist, double q)
{
    if (!hist->count)
        return 0;
    uint64_t want = (uint64_t)((double)hist->count * q + 0.999999), seen = 0;
    for (unsigned b = 0; b < TRI_HIST_BUCKETS; b++) {
        seen += hist->buckets[b];
        if (seen >= want) {
            uint64_t v = bucket_value(b);
            return v < hist->max ? v : hist->max;
        }
    }
    return hist->max;
}

void tri_gc_hist_summary(const tri_gc_hist *hist, tri_gc_pause_stats *out)
{
    out->count = hist->count;
    out->total_ns = hist->total;
    out->max_ns = hist->max;
    out->p50_ns = percentile(hist, 0.50);
    out->p90_ns = percentile(hist, 0.90);
    out->p99_ns = percentile(hist, 0.99);
}

/* --- the trace line ---------------------------------------------------------------- */

void tri_gc_trace_cycle(tri_gc_heap *h, uint64_t term_ns)
{
    uint64_t now = tri_gc_now();
    double wall = (double)(now - h->t0) / 1e9, mb = 1024.0 * 1024.0;
    double share = now > h->t0 ? 100.0 * (double)h->gc_ns / (double)(now - h->t0) : 0;
    fprintf(stderr,
            "gc %llu @%.3fs %.0f%%: %.3f+%.3f+%.3f ms clock (setup+%llu steps+termination), "
            "%.2f->%.2f->%.2f MB, %.2f MB goal, %s\n",
            (unsigned long long)h->cycle, wall, share, (double)h->cycle_setup_ns / 1e6,
            (double)h->cycle_step_ns / 1e6, (double)term_ns / 1e6, (unsigned long long)h->cycle_steps,
            (double)h->cycle_live_start / mb, (double)h->live / mb, (double)h->marked_last / mb,
            (double)h->goal / mb, tri_gc_barrier_name(h->barrier));
}

/* --- names ---------------------------------------------------------------------------- */

const char *tri_gc_barrier_name(enum tri_gc_barrier mode)
{
    static const char *const names[TRI_NUM_BARRIERS] = {"hybrid", "dijkstra", "yuasa", "none"};
    return (unsigned)mode < TRI_NUM_BARRIERS ? names[mode] : "?";
}

const char *tri_gc_phase_name(enum tri_gc_phase phase)
{
    static const char *const names[TRI_NUM_PHASES] = {"off", "mark setup", "mark", "mark termination", "sweep"};
    return (unsigned)phase < TRI_NUM_PHASES ? names[phase] : "?";
}

const char *tri_gc_event_name(enum tri_gc_event_kind kind)
{
    static const char *const names[TRI_NUM_EVENT_KINDS] = {
        "phase", "alloc", "grey", "black", "barrier", "free", "span-take", "span-return",
        "pacer", "stop", "step", "finalize", "weak-clear", "violation"};
    return (unsigned)kind < TRI_NUM_EVENT_KINDS ? names[kind] : "?";
}

/* --- spans, objects, colours ------------------------------------------------------------ */

typedef struct span_visit {
    void (*fn)(const tri_gc_span_info *, void *);
    void *arg;
} span_visit;

static void visit_span(tri_gc_heap *h, tri_gcspan *g, void *arg)
{
    span_visit *v = arg;
    tri_gc_span_info info = {
        .base = g->span->base,
        .npages = g->span->npages,
        .sizeclass = g->large ? 0 : g->spc >> 1,
        .spanclass = g->large ? g->noscan : g->spc,
        .noscan = g->noscan,
        .swept = g->sweepgen == h->sweepgen,
        .object_size = g->large && g->type ? g->type->size * g->count : g->elemsize,
        .objects = g->nelems,
        .allocated = g->nalloc,
        .allocbits = tri_gc_allocbits(g),
        .markbits = tri_gc_markbits(g),
        .greybits = g->grey,
    };
    v->fn(&info, v->arg);
}

void tri_gc_for_each_span(tri_gc_heap *h, void (*fn)(const tri_gc_span_info *, void *), void *arg)
{
    span_visit v = {fn, arg};
    tri_gc_for_each_gcspan(h, visit_span, &v);
}

static enum tri_gc_color color_at(tri_gcspan *g, uint32_t idx)
{
    uint64_t bit = (uint64_t)1 << (idx % 64);
    if (!(tri_gc_allocbits(g)[idx / 64] & bit))
        return TRI_FREE;
    if (!(tri_gc_markbits(g)[idx / 64] & bit))
        return TRI_WHITE;
    return (g->grey[idx / 64] & bit) ? TRI_GREY : TRI_BLACK;
}

typedef struct object_visit {
    void (*fn)(void *, size_t, enum tri_gc_color, void *);
    void *arg;
} object_visit;

static void visit_objects(tri_gc_heap *h, tri_gcspan *g, void *arg)
{
    (void)h;
    object_visit *v = arg;
    uint64_t *alloc = tri_gc_allocbits(g);
    size_t size = g->large && g->type ? g->type->size * g->count : g->elemsize;
    for (uint32_t w = 0; w < g->words; w++)
        for (uint64_t b = alloc[w]; b; b &= b - 1) {
            uint32_t idx = w * 64 + (unsigned)__builtin_ctzll(b);
            v->fn((void *)(g->span->base + (uintptr_t)idx * g->elemsize), size, color_at(g, idx), v->arg);
        }
}

void tri_gc_for_each_object(tri_gc_heap *h, void (*fn)(void *, size_t, enum tri_gc_color, void *), void *arg)
{
    object_visit v = {fn, arg};
    tri_gc_for_each_gcspan(h, visit_objects, &v);
}

void *tri_gc_object_of(tri_gc_heap *h, const void *p, size_t *size)
{
    tri_gcspan *g = tri_gc_span_of(h, (uintptr_t)p);
    if (!g)
        return NULL;
    uint32_t idx = g->large ? 0 : tri_floor_index(g->spc >> 1, (uintptr_t)p - g->span->base);
    if (idx >= g->nelems || color_at(g, idx) == TRI_FREE)
        return NULL;
    if (size)
        *size = g->large && g->type ? g->type->size * g->count : g->elemsize;
    return (void *)(g->span->base + (uintptr_t)idx * g->elemsize);
}

enum tri_gc_color tri_gc_color_of(tri_gc_heap *h, const void *p)
{
    tri_gcspan *g = tri_gc_span_of(h, (uintptr_t)p);
    if (!g)
        return TRI_FREE;
    uint32_t idx = g->large ? 0 : tri_floor_index(g->spc >> 1, (uintptr_t)p - g->span->base);
    return idx < g->nelems ? color_at(g, idx) : TRI_FREE;
}

static void count_objects(tri_gc_heap *h, tri_gcspan *g, void *arg)
{
    (void)h;
    *(uint64_t *)arg += g->nalloc;
}

void tri_gc_get_stats(tri_gc_heap *h, tri_gc_stats *out)
{
    memset(out, 0, sizeof *out);
    tri_gc_for_each_gcspan(h, count_objects, &out->objects);
    out->cycles = h->cycle;
    out->phase = h->phase;
    out->barrier = h->barrier;
    out->heap_live = h->live;
    out->heap_marked = h->marked_last;
    out->heap_goal = h->goal;
    out->trigger = h->trigger;
    out->heap_spans = h->spans_bytes;
    out->allocated_total = h->allocated_total;
    out->freed_total = h->freed_total;
    out->allocations = h->allocs;
    memcpy(out->served, h->served, sizeof out->served);
    out->served[TRI_LEVEL_THREAD_CACHE] =
        h->allocs - h->served[TRI_LEVEL_CENTRAL] - h->served[TRI_LEVEL_PAGE_HEAP] - h->served[TRI_LEVEL_OS];
    out->scan_work_total = h->scan_total;
    out->assist_work_total = h->assist_total;
    memcpy(out->barrier_hits, h->barrier_hits, sizeof out->barrier_hits);
    out->gc_ns = h->gc_ns;
    out->wall_ns = tri_gc_now() - h->t0;
    tri_gc_hist_summary(&h->stops, &out->stops);
    tri_gc_hist_summary(&h->steps, &out->steps);
    out->finalizers_run = h->finalizers_run;
    out->weak_cleared = h->weak_cleared;
    out->gogc = h->gogc;
    out->memory_limit = h->memory_limit;
    out->max_heap = h->max_heap;
}
