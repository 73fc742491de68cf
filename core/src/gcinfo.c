/*
 * What the collector shows of itself to tools: iteration over its spans and
 * objects with their colours, an object's pointers, the page heap's view of
 * a collected span, and statistics. Read-only: nothing here changes what
 * the collector does.
 */
#include <string.h>

#include "gc.h"

/* --- spans ------------------------------------------------------------------------------- */

typedef struct span_visit {
    void (*fn)(const tri_gc_span_info *, void *);
    void *arg;
} span_visit;

static size_t object_bytes(const tri_gcspan *g)
{
    return g->large ? tri_gc_large_bytes(g) : g->elemsize;
}

static void visit_span(tri_gc_heap *h, tri_gcspan *g, void *arg)
{
    span_visit *v = arg;
    tri_gc_span_info info = {
        .base = g->base,
        .npages = g->span->npages,
        .sizeclass = g->large ? 0 : g->spc >> 1,
        .spanclass = g->large ? g->noscan : g->spc,
        .noscan = g->noscan,
        .swept = g->sweepgen == h->spans.sweepgen,
        .object_size = object_bytes(g),
        .objects = g->nelems,
        .allocated = tri_gc_span_allocated(h, g),
        .allocbits = g->alloc,
        .markbits = g->mark,
        .greybits = g->grey,
    };
    v->fn(&info, v->arg);
}

void tri_gc_for_each_span(tri_gc_heap *h, void (*fn)(const tri_gc_span_info *, void *), void *arg)
{
    span_visit v = {fn, arg};
    tri_gc_sweep_wait(h);
    tri_gc_for_each_gcspan(h, visit_span, &v);
}

void tri_gc_describe_span(const tri_gcspan *g, tri_page_run *r)
{
    r->state = TRI_PAGES_GC;
    r->sizeclass = g->large ? 0 : g->spc >> 1;
    r->spanclass = g->large ? g->noscan : g->spc;
    r->objects = g->nelems;
    r->allocated = tri_gc_span_allocated(g->heap, g);
    r->owner = g->heap;
}

/* --- objects ------------------------------------------------------------------------------ */

static enum tri_gc_color color_at(const tri_gcspan *g, uint32_t idx)
{
    if (!tri_gc_is_allocated(g, idx))
        return TRI_FREE;
    if (tri_gc_is_white(g, idx))
        return TRI_WHITE;
    return tri_gc_is_grey(g, idx) ? TRI_GREY : TRI_BLACK;
}

typedef struct object_visit {
    void (*fn)(void *, size_t, enum tri_gc_color, void *);
    void *arg;
} object_visit;

static void visit_objects(tri_gc_heap *h, tri_gcspan *g, void *arg)
{
    (void)h;
    object_visit *v = arg;
    size_t size = object_bytes(g);
    for (uint32_t w = 0; w < g->words; w++)
        for (uint64_t b = g->alloc[w]; b;) {
            uint32_t idx = w * 64 + tri_bits_pop(&b);
            v->fn((void *)tri_gc_object_at(g, idx), size, color_at(g, idx), v->arg);
        }
}

void tri_gc_for_each_object(tri_gc_heap *h, void (*fn)(void *, size_t, enum tri_gc_color, void *), void *arg)
{
    object_visit v = {fn, arg};
    tri_gc_sweep_wait(h);
    tri_gc_for_each_gcspan(h, visit_objects, &v);
}

/* The span and index of the object slot holding p, or NULL. */
static tri_gcspan *slot_of(tri_gc_heap *h, const void *p, uint32_t *idx)
{
    tri_gc_sweep_wait(h);
    tri_gcspan *g = tri_gc_span_of(h, (uintptr_t)p);
    if (!g)
        return NULL;
    *idx = g->large ? 0 : tri_floor_index(g->spc >> 1, (uintptr_t)p - g->base);
    return *idx < g->nelems ? g : NULL;
}

void *tri_gc_object_of(tri_gc_heap *h, const void *p, size_t *size)
{
    uint32_t idx;
    tri_gcspan *g = slot_of(h, p, &idx);
    if (!g || color_at(g, idx) == TRI_FREE)
        return NULL;
    if (size)
        *size = object_bytes(g);
    return (void *)tri_gc_object_at(g, idx);
}

enum tri_gc_color tri_gc_color_of(tri_gc_heap *h, const void *p)
{
    uint32_t idx;
    tri_gcspan *g = slot_of(h, p, &idx);
    return g ? color_at(g, idx) : TRI_FREE;
}

typedef struct pointer_visit {
    void (*fn)(void **, void *, void *);
    void *arg;
} pointer_visit;

static void visit_pointer(tri_gc_heap *h, uintptr_t obj, uintptr_t *slot, void *arg)
{
    (void)h, (void)obj;
    pointer_visit *v = arg;
    v->fn((void **)slot, (void *)*slot, v->arg);
}

void tri_gc_for_each_pointer(tri_gc_heap *h, const void *p, void (*fn)(void **, void *, void *), void *arg)
{
    tri_gcspan *g;
    uint32_t idx;
    tri_gc_sweep_wait(h);
    if (!tri_gc_locate(h, (uintptr_t)p, &g, &idx) || g->noscan)
        return;
    pointer_visit v = {fn, arg};
    tri_gc_for_each_slot_of(h, g, tri_gc_object_at(g, idx), visit_pointer, &v);
}

/* --- statistics ------------------------------------------------------------------------------ */

void tri_gc_get_stats(tri_gc_heap *h, tri_gc_stats *out)
{
    memset(out, 0, sizeof *out); /* every figure is kept current as the heap changes */
    uint64_t unhanded, unhanded_bytes; /* taken by the caches in advance: not yet allocated */
    tri_gc_alloc_unhanded(h, &unhanded, &unhanded_bytes);
    out->objects = h->stats.objects - __atomic_load_n(&h->stats.objects_freed, __ATOMIC_RELAXED) - unhanded;
    out->cycles = h->cycle.count;
    out->phase = h->cycle.phase;
    out->barrier = h->config.barrier;
    out->heap_live = h->pacer.live - unhanded_bytes;
    out->heap_marked = h->pacer.marked_last;
    out->heap_goal = h->pacer.goal;
    out->trigger = h->pacer.trigger;
    out->heap_spans = __atomic_load_n(&h->spans.bytes, __ATOMIC_RELAXED);
    out->allocated_total = h->stats.allocated_total - unhanded_bytes;
    out->freed_total = __atomic_load_n(&h->stats.freed_total, __ATOMIC_RELAXED);
    out->allocations = h->stats.allocs - unhanded;
    memcpy(out->served, h->stats.served, sizeof out->served);
    out->served[TRI_LEVEL_THREAD_CACHE] = out->allocations - h->stats.served[TRI_LEVEL_CENTRAL] -
                                          h->stats.served[TRI_LEVEL_PAGE_HEAP] - h->stats.served[TRI_LEVEL_OS];
    out->scan_work_total = h->stats.scan_total;
    out->assist_work_total = h->stats.assist_total;
    memcpy(out->barrier_hits, h->stats.barrier_hits, sizeof out->barrier_hits);
    out->gc_ns = h->stats.gc_ns;
    out->assist_ns = h->stats.assist_ns;
    out->background_ns = atomic_load_explicit(&h->workers.cpu_ns, memory_order_relaxed);
    out->idle_ns = atomic_load_explicit(&h->workers.idle_ns, memory_order_relaxed);
    out->workers = (int)h->workers.count;
    out->dedicated_workers = (int)h->workers.dedicated;
    out->wall_ns = tri_gc_now() - h->events.t0;
    tri_gc_hist_summary(&h->stats.stops, &out->stops);
    tri_gc_hist_summary(&h->stats.steps, &out->steps);
    out->finalizers_run = h->stats.finalizers_run;
    out->weak_cleared = h->stats.weak_cleared;
    out->finalizers_queued = h->final.queued;
    out->verify_reports_dropped = h->verify.dropped;
    out->cpu_limited = h->pacer.limited;
    out->cpu_limited_ns = h->stats.limited_ns;
    out->cpu_limited_count = h->stats.limited_count;
    out->gogc = h->config.gogc;
    out->memory_limit = h->config.memory_limit;
    out->max_heap = h->config.max_heap;
}
