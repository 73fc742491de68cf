/*
 * The JavaScript side's view of tricolor: small functions that lay out what
 * JS needs as flat arrays of 32-bit words (wasm32 addresses fit in one) or
 * doubles in linear memory, so that wasm/tricolor.mjs reads them through
 * typed arrays without copying. Every record is one of wasm/layout.h's
 * lists; the JavaScript side reads the same lists from the ES module that
 * wasm/mklayout.c prints from them.
 * The table functions return the number of records there are, which is
 * more than they wrote when the buffer is too small.
 */
#include <stddef.h>
#include <string.h>

#include "layout.h"
#include "tricolor.h"

/* A word of a record: addresses, sizes and counts all fit in 32 bits on wasm32. */
#define WORD(x) ((uint32_t)(uintptr_t)(x))

/* The event ring is read as it lies in memory: its records must be where
 * layout.h says. */
#define EVENT_FIELD_AT(js, c, words)                                                                         \
    _Static_assert(offsetof(tri_gc_event, c) == 4 * TRI_JS_EVENT_##js &&                                     \
                       sizeof(((tri_gc_event *)0)->c) == 4 * (words),                                        \
                   "tri_gc_event." #c " is not where layout.h puts it");
TRI_JS_EVENT(EVENT_FIELD_AT)
_Static_assert(sizeof(tri_gc_event) == 4 * TRI_JS_EVENT_WORDS, "tri_gc_event is not as long as layout.h says");

/* The layout's shape as this module compiles it (see TRI_JS_SHAPE). */
void tri_js_layout(uint32_t *out)
{
#define PUT_SHAPE(js, value) out[TRI_JS_SHAPE_##js] = (uint32_t)(value);
    TRI_JS_SHAPE(PUT_SHAPE)
}

/* Allocator statistics as doubles: TRI_JS_STATS, then TRI_JS_CLASS_STATS
 * per size class from 1. */
size_t tri_js_stats(double *out)
{
    tri_stats st;
    tri_get_stats(&st);
    size_t n = 0;
#define PUT_STAT(js, c) out[n++] = (double)st.c;
    TRI_JS_STATS(PUT_STAT)
    for (unsigned c = 1; c < TRI_NUM_SIZE_CLASSES; c++) {
#define PUT_CLASS_STAT(js, field) out[n++] = (double)st.classes[c].field;
        TRI_JS_CLASS_STATS(PUT_CLASS_STAT)
    }
    return n;
}

/* GC statistics as doubles: TRI_JS_GC_STATS. */
size_t tri_js_gc_stats(tri_gc_heap *h, double *out)
{
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    size_t n = 0;
    TRI_JS_GC_STATS(PUT_STAT)
    return n;
}

/* A table of records the JS side reads: up to cap records of `words`
 * words; n counts them all, so that the caller learns how many there are
 * when the buffer is too small. */
typedef struct table_out {
    uint32_t *out;
    size_t cap, n, words;
} table_out;

/* The next record to fill, or NULL past the buffer's end. */
static uint32_t *next_record(table_out *o)
{
    uint32_t *w = o->n < o->cap ? o->out + o->n * o->words : NULL;
    o->n++;
    return w;
}

static void put_span(const tri_gc_span_info *s, void *arg)
{
    uint32_t *w = next_record(arg);
    if (w) {
#define PUT_SPAN(js, c) w[TRI_JS_SPAN_##js] = WORD(s->c);
        TRI_JS_SPAN(PUT_SPAN)
    }
}

size_t tri_js_spans(tri_gc_heap *h, uint32_t *out, size_t cap)
{
    table_out o = {out, cap, 0, TRI_JS_SPAN_WORDS};
    tri_gc_for_each_span(h, put_span, &o);
    return o.n;
}

static void put_run(const tri_page_run *r, void *arg)
{
    uint32_t *w = next_record(arg);
    if (w) {
#define PUT_RUN(js, c) w[TRI_JS_PAGE_RUN_##js] = WORD(r->c);
        TRI_JS_PAGE_RUN(PUT_RUN)
    }
}

size_t tri_js_pages(uint32_t *out, size_t cap)
{
    table_out o = {out, cap, 0, TRI_JS_PAGE_RUN_WORDS};
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

/* The event ring: TRI_JS_EVENT_RING. */
void tri_js_events(tri_gc_heap *h, uint32_t *out)
{
    size_t capacity;
    uint64_t written;
    const tri_gc_event *ring = tri_gc_events(h, &capacity, &written);
#define PUT_RING(js, c) out[TRI_JS_EVENT_RING_##js] = WORD(c);
    TRI_JS_EVENT_RING(PUT_RING)
}

/* Pointer slots of an object, or the roots: TRI_JS_POINTER records. */
static void put_pointer(void **slot, void *target, void *arg)
{
    uint32_t *w = next_record(arg);
    if (w) {
#define PUT_POINTER(js, c) w[TRI_JS_POINTER_##js] = WORD(c);
        TRI_JS_POINTER(PUT_POINTER)
    }
}

size_t tri_js_pointers(tri_gc_heap *h, const void *object, uint32_t *out, size_t cap)
{
    table_out o = {out, cap, 0, TRI_JS_POINTER_WORDS};
    tri_gc_for_each_pointer(h, object, put_pointer, &o);
    return o.n;
}

size_t tri_js_roots(tri_gc_heap *h, uint32_t *out, size_t cap)
{
    table_out o = {out, cap, 0, TRI_JS_POINTER_WORDS};
    tri_gc_for_each_root(h, put_pointer, &o);
    return o.n;
}

/* Objects (TRI_JS_OBJECT), for views of small heaps. */
static void put_object(void *object, size_t size, enum tri_gc_color color, void *arg)
{
    uint32_t *w = next_record(arg);
    if (w) {
#define PUT_OBJECT(js, c) w[TRI_JS_OBJECT_##js] = WORD(c);
        TRI_JS_OBJECT(PUT_OBJECT)
    }
}

size_t tri_js_objects(tri_gc_heap *h, uint32_t *out, size_t cap)
{
    table_out o = {out, cap, 0, TRI_JS_OBJECT_WORDS};
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

/* The verifier's report: TRI_JS_VERIFY, then up to TRI_JS_VIOLATIONS
 * TRI_JS_VIOLATION records. Returns the number of those; which report is
 * `which`: 0 a run now, 1 the latest at mark termination, 2 the oldest kept
 * report with violations, taken (SIZE_MAX when none is kept). */
_Static_assert(TRI_JS_VIOLATIONS <= sizeof(((tri_gc_verify_report *)0)->first) / sizeof(tri_gc_violation),
               "the report keeps fewer violations than layout.h reads");
size_t tri_js_verify(tri_gc_heap *h, int which, uint32_t *out)
{
    tri_gc_verify_report r;
    if (which == 2) {
        if (!tri_gc_take_verify_report(h, &r))
            return SIZE_MAX;
    } else if (which == 1) {
        r = *tri_gc_last_verify(h);
    } else {
        tri_gc_verify(h, &r);
    }
#define PUT_REPORT(js, c) out[TRI_JS_VERIFY_##js] = WORD(r.c);
    TRI_JS_VERIFY(PUT_REPORT)
    size_t n = r.violations < TRI_JS_VIOLATIONS ? r.violations : TRI_JS_VIOLATIONS;
    for (size_t i = 0; i < n; i++) {
        uint32_t *w = out + TRI_JS_VERIFY_WORDS + i * TRI_JS_VIOLATION_WORDS;
#define PUT_VIOLATION(js, c) w[TRI_JS_VIOLATION_##js] = WORD(r.first[i].c);
        TRI_JS_VIOLATION(PUT_VIOLATION)
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
