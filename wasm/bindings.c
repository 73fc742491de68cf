/*
 * The JavaScript side's view of tricolor: small functions that lay out what
 * JS needs as flat arrays of 32-bit words (wasm32 addresses fit in one) in
 * linear memory, so that wasm/tricolor.mjs reads them through typed arrays
 * without copying. Each returns the number of records it wrote, or the
 * number it needed when the buffer is too small.
 */
#include <string.h>

#include "tricolor.h"

/* Allocator statistics as doubles, in the order of tricolor.mjs's STATS. */
size_t tri_js_stats(double *out)
{
    tri_stats st;
    tri_get_stats(&st);
    double v[] = {(double)st.reserved, (double)st.committed, (double)st.released, (double)st.in_use,
                  (double)st.metadata, (double)st.large_objects, (double)st.large_bytes,
                  (double)st.small_bytes, (double)st.released_total, (double)st.hits[0],
                  (double)st.hits[1], (double)st.hits[2], (double)st.hits[3], (double)st.arenas};
    memcpy(out, v, sizeof v);
    for (unsigned c = 1; c < TRI_NUM_SIZE_CLASSES; c++) { /* then per class: spans, objects, mallocs */
        out[14 + 3 * (c - 1)] = (double)st.classes[c].spans;
        out[15 + 3 * (c - 1)] = (double)st.classes[c].objects;
        out[16 + 3 * (c - 1)] = (double)st.classes[c].mallocs;
    }
    return 14 + 3 * (TRI_NUM_SIZE_CLASSES - 1);
}

/* GC statistics as doubles, in the order of tricolor.mjs's GC_STATS. */
size_t tri_js_gc_stats(tri_gc_heap *h, double *out)
{
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    double v[] = {(double)st.cycles, (double)st.phase, (double)st.barrier, (double)st.heap_live,
                  (double)st.heap_marked, (double)st.heap_goal, (double)st.trigger, (double)st.heap_spans,
                  (double)st.objects, (double)st.allocated_total, (double)st.freed_total,
                  (double)st.scan_work_total, (double)st.assist_work_total, (double)st.barrier_hits[0],
                  (double)st.barrier_hits[1], (double)st.barrier_hits[2], (double)st.barrier_hits[3],
                  (double)st.gc_ns, (double)st.wall_ns, (double)st.stops.count, (double)st.stops.p50_ns,
                  (double)st.stops.p99_ns, (double)st.stops.max_ns, (double)st.steps.count,
                  (double)st.steps.p50_ns, (double)st.steps.p99_ns, (double)st.steps.max_ns,
                  (double)st.finalizers_run, (double)st.weak_cleared, (double)st.gogc,
                  (double)st.memory_limit, (double)st.max_heap, (double)st.allocations, (double)st.served[0],
                  (double)st.served[1], (double)st.served[2], (double)st.served[3]};
    memcpy(out, v, sizeof v);
    return sizeof v / sizeof v[0];
}

/* The span table: SPAN_WORDS words per span (see tricolor.mjs's SPAN). */
enum { SPAN_WORDS = 12 };

typedef struct span_out {
    uint32_t *out;
    size_t cap, n;
} span_out;

static void put_span(const tri_gc_span_info *s, void *arg)
{
    span_out *o = arg;
    if (o->n < o->cap) {
        uint32_t *w = o->out + o->n * SPAN_WORDS;
        w[0] = (uint32_t)s->base;
        w[1] = (uint32_t)s->npages;
        w[2] = s->sizeclass;
        w[3] = s->spanclass;
        w[4] = (uint32_t)s->noscan | (uint32_t)s->swept << 1;
        w[5] = (uint32_t)s->object_size;
        w[6] = (uint32_t)s->objects;
        w[7] = (uint32_t)s->allocated;
        w[8] = (uint32_t)(uintptr_t)s->allocbits;
        w[9] = (uint32_t)(uintptr_t)s->markbits;
        w[10] = (uint32_t)(uintptr_t)s->greybits;
        w[11] = 0;
    }
    o->n++;
}

size_t tri_js_spans(tri_gc_heap *h, uint32_t *out, size_t cap)
{
    span_out o = {out, cap, 0};
    tri_gc_for_each_span(h, put_span, &o);
    return o.n;
}

/* The map of pages: PAGE_WORDS words per run (see tricolor.mjs's pageRuns). */
enum { PAGE_WORDS = 8 };

static void put_run(const tri_page_run *r, void *arg)
{
    span_out *o = arg;
    if (o->n < o->cap) {
        uint32_t *w = o->out + o->n * PAGE_WORDS;
        w[0] = (uint32_t)r->base;
        w[1] = (uint32_t)r->arena;
        w[2] = (uint32_t)r->npages;
        w[3] = (uint32_t)r->state;
        w[4] = r->sizeclass;
        w[5] = r->spanclass;
        w[6] = (uint32_t)r->objects;
        w[7] = (uint32_t)r->allocated;
    }
    o->n++;
}

size_t tri_js_pages(uint32_t *out, size_t cap)
{
    span_out o = {out, cap, 0};
    tri_for_each_page_run(put_run, &o);
    return o.n;
}

/* Where the module's own static data and stack end and tricolor's memory
 * begins. */
extern unsigned char __heap_base;
uint32_t tri_js_heap_base(void)
{
    return (uint32_t)(uintptr_t)&__heap_base;
}

uint32_t tri_js_heap_end(void)
{
    return (uint32_t)tri_os_heap_end();
}

/* The event ring: its address, capacity, and the count written (low and
 * high words). */
void tri_js_events(tri_gc_heap *h, uint32_t *out)
{
    size_t cap;
    uint64_t written;
    const tri_gc_event *ring = tri_gc_events(h, &cap, &written);
    out[0] = (uint32_t)(uintptr_t)ring;
    out[1] = (uint32_t)cap;
    out[2] = (uint32_t)written;
    out[3] = (uint32_t)(written >> 32);
}

/* Pointer slots of an object, or the roots: pairs (slot, target). */
typedef struct pair_out {
    uint32_t *out;
    size_t cap, n;
} pair_out;

static void put_pair(void **slot, void *target, void *arg)
{
    pair_out *o = arg;
    if (o->n < o->cap) {
        o->out[2 * o->n] = (uint32_t)(uintptr_t)slot;
        o->out[2 * o->n + 1] = (uint32_t)(uintptr_t)target;
    }
    o->n++;
}

size_t tri_js_pointers(tri_gc_heap *h, const void *object, uint32_t *out, size_t cap)
{
    pair_out o = {out, cap, 0};
    tri_gc_for_each_pointer(h, object, put_pair, &o);
    return o.n;
}

size_t tri_js_roots(tri_gc_heap *h, uint32_t *out, size_t cap)
{
    pair_out o = {out, cap, 0};
    tri_gc_for_each_root(h, put_pair, &o);
    return o.n;
}

/* Objects (address, size, colour), for views of small heaps. */
typedef struct object_out {
    uint32_t *out;
    size_t cap, n;
} object_out;

static void put_object(void *object, size_t size, enum tri_gc_color color, void *arg)
{
    object_out *o = arg;
    if (o->n < o->cap) {
        o->out[3 * o->n] = (uint32_t)(uintptr_t)object;
        o->out[3 * o->n + 1] = (uint32_t)size;
        o->out[3 * o->n + 2] = (uint32_t)color;
    }
    o->n++;
}

size_t tri_js_objects(tri_gc_heap *h, uint32_t *out, size_t cap)
{
    object_out o = {out, cap, 0};
    tri_gc_for_each_object(h, put_object, &o);
    return o.n;
}

/* A type made from JS: freed with tri_js_type_free. */
tri_type *tri_js_type_new(const char *name, uint32_t size, uint32_t ptr_words, const uint32_t *ptrmap32)
{
    size_t words = (ptr_words + 63) / 64;
    tri_type *t = tri_malloc(sizeof *t + words * sizeof(uint64_t) + strlen(name) + 1);
    if (!t)
        return NULL;
    uint64_t *map = (uint64_t *)(t + 1);
    for (size_t i = 0; i < words; i++)
        map[i] = (uint64_t)ptrmap32[2 * i] | (uint64_t)ptrmap32[2 * i + 1] << 32;
    char *copy = (char *)(map + words);
    strcpy(copy, name);
    t->name = copy;
    t->size = size;
    t->ptr_words = ptr_words;
    t->ptrmap = map;
    return t;
}

void tri_js_type_free(tri_type *t)
{
    tri_free(t);
}

/* tri_gc_create with the fields JS sets. */
tri_gc_heap *tri_js_gc_create(int gogc, double memory_limit, int barrier, int verify, int stress, double step_bytes,
                              uint32_t events, double min_heap)
{
    tri_gc_config c = {0};
    c.gogc = gogc;
    c.memory_limit = (uint64_t)memory_limit;
    c.barrier = (enum tri_gc_barrier)barrier;
    c.verify = verify;
    c.stress = stress;
    c.step_bytes = (size_t)step_bytes;
    c.events = events;
    c.min_heap = (size_t)min_heap;
    return tri_gc_create(&c);
}

/* The verifier's report: violations, objects checked, then up to 8 of
 * (object, slot, target). */
size_t tri_js_verify(tri_gc_heap *h, int last, uint32_t *out)
{
    tri_gc_verify_report r;
    if (last)
        r = *tri_gc_last_verify(h);
    else
        tri_gc_verify(h, &r);
    out[0] = (uint32_t)r.violations;
    out[1] = (uint32_t)r.objects_checked;
    size_t n = r.violations < 8 ? r.violations : 8;
    for (size_t i = 0; i < n; i++) {
        out[2 + 3 * i] = (uint32_t)r.first[i].object;
        out[3 + 3 * i] = (uint32_t)r.first[i].slot;
        out[4 + 3 * i] = (uint32_t)r.first[i].target;
    }
    return n;
}

/* 64-bit arguments do not cross to JavaScript whole (without BigInt). */
void tri_js_set_memory_limit(tri_gc_heap *h, double bytes)
{
    tri_gc_set_memory_limit(h, (uint64_t)bytes);
}

void tri_js_set_max_heap(tri_gc_heap *h, double bytes)
{
    tri_gc_set_max_heap(h, (uint64_t)bytes);
}
