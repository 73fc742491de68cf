/*
 * The verifier: an independent check of the collector's work, by a walk of
 * the object graph from the roots that shares nothing with marking but the
 * span records (no grey list, no span cache, no mark counters).
 *
 * Owns: h->verify: the report of the latest run at mark termination, and
 * the reports of such runs that found violations, kept until the program
 * takes them (a run of tri_gc_verify touches neither: its report is the
 * caller's).
 *
 * Run at mark termination (config.verify), before weak references are
 * cleared and anything is freed, it checks the two facts a correct cycle
 * ends on:
 *   - no black object points to a white one (the strong invariant at its
 *     end: every barrier keeps it there, and none breaks it), and
 *   - every object reachable from the roots is marked.
 * Run at other times (tri_gc_verify), it checks that every object reachable
 * from the roots is allocated, and, while sweeping, not about to be freed.
 *
 * Each fault is reported once, where it starts, with its reason. A
 * reachable object left white is reached through an edge into it from a
 * root or from a marked object: from a black object, that is the
 * black-to-white edge already reported; from a root, it is reported as
 * such. What lies behind it (white objects reached only through white
 * objects) is a consequence of the same fault, and is not counted again.
 * The same holds while sweeping for objects about to be freed.
 *
 * It needs memory for its set of visited objects and its stack; out of
 * memory, it says so in the report rather than pass an incomplete check.
 */
#include "gc.h"

/* --- a set of addresses (open addressing, linear probing) ------------------------------------ */

typedef struct addr_set {
    uintptr_t *slots;
    size_t cap, count;
} addr_set;

static size_t addr_hash(uintptr_t a, size_t cap)
{
    return (size_t)((a >> 4) * 0x9E3779B97F4A7C15ULL >> 7) & (cap - 1);
}

static void addr_put(uintptr_t *slots, size_t cap, uintptr_t a)
{
    size_t j = addr_hash(a, cap);
    while (slots[j])
        j = (j + 1) & (cap - 1);
    slots[j] = a;
}

/* Adds a (non-zero); 1 if it is new, 0 if it was there, -1 out of memory. */
static int addr_insert(addr_set *s, uintptr_t a)
{
    if (2 * (s->count + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        uintptr_t *fresh = tri_calloc(cap, sizeof *fresh);
        if (!fresh)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i])
                addr_put(fresh, cap, s->slots[i]);
        tri_free(s->slots);
        s->slots = fresh;
        s->cap = cap;
    }
    for (size_t j = addr_hash(a, s->cap); s->slots[j]; j = (j + 1) & (s->cap - 1))
        if (s->slots[j] == a)
            return 0;
    addr_put(s->slots, s->cap, a);
    s->count++;
    return 1;
}

/* --- the walk ---------------------------------------------------------------------------------- */

typedef struct verify_state {
    tri_gc_verify_report *report;
    addr_set seen;       /* objects visited */
    uintptr_t *stack;
    size_t stack_n, stack_cap;
    bool termination;
    bool failed;         /* out of memory: the report is incomplete */
    bool source_lost;    /* the object whose slots are walked is itself left white (or to be freed) */
} verify_state;

static void violation(tri_gc_heap *h, verify_state *v, uintptr_t obj, uintptr_t slot, uintptr_t target,
                      const char *what)
{
    tri_gc_verify_report *r = v->report;
    if (r->violations < sizeof r->first / sizeof r->first[0])
        r->first[r->violations] = (tri_gc_violation){obj, slot, target, what};
    if (r->violations < 64)
        tri_gc_emit(h, TRI_EV_VIOLATION, 0, obj, slot, target, 0);
    r->violations++;
}

/* Visits the object holding p, reached from obj's slot (0, 0 for a root). */
static void verify_reach(tri_gc_heap *h, verify_state *v, uintptr_t p, uintptr_t obj, uintptr_t slot)
{
    if (!p)
        return;
    tri_gcspan *g = tri_gc_span_of(h, p);
    if (!g)
        return; /* not this heap's: not ours to judge */
    uint32_t idx = g->large ? 0 : tri_floor_index(g->spc >> 1, p - g->base);
    bool allocated = idx < g->nelems && tri_gc_is_allocated(g, idx);
    bool marked = idx < g->nelems && !tri_gc_is_white(g, idx);
    if (!allocated) {
        violation(h, v, obj, slot, p, "reachable pointer to memory that is not an allocated object");
        return;
    }
    /* Left white at termination, or about to be freed by sweeping. An edge
     * into it from a black object is check_black_slot's; from a lost
     * object, a consequence of whatever lost that one. */
    bool lost = !marked && (v->termination || g->sweepgen != h->spans.sweepgen);
    if (lost && !obj)
        violation(h, v, obj, slot, p,
                  v->termination ? "a root points to an object left white" : "a root points to an object sweeping will free");
    else if (lost && !v->termination && !v->source_lost)
        violation(h, v, obj, slot, p, "reachable object will be freed by sweeping");
    uintptr_t start = tri_gc_object_at(g, idx);
    int fresh = addr_insert(&v->seen, start);
    if (fresh < 0)
        v->failed = true;
    if (fresh <= 0 || g->noscan)
        return;
    if (!tri_array_reserve(v->stack, v->stack_cap, v->stack_n)) {
        v->failed = true;
        return;
    }
    v->stack[v->stack_n++] = start;
}

static void verify_slot(tri_gc_heap *h, uintptr_t obj, uintptr_t *slot, void *arg)
{
    verify_reach(h, arg, *slot, obj, (uintptr_t)slot);
}

/* Black objects must not point to white ones. */
static void check_black_slot(tri_gc_heap *h, uintptr_t obj, uintptr_t *slot, void *arg)
{
    tri_gcspan *g;
    uint32_t idx;
    if (*slot && tri_gc_locate(h, *slot, &g, &idx) && tri_gc_is_white(g, idx))
        violation(h, arg, obj, (uintptr_t)slot, *slot, "black object points to a white object");
}

static void check_black_span(tri_gc_heap *h, tri_gcspan *g, void *arg)
{
    verify_state *v = arg;
    if (g->noscan)
        return;
    for (uint32_t w = 0; w < g->words; w++) {
        for (uint64_t b = g->grey[w] & g->alloc[w]; b;) /* marking is over: nothing is left grey */
            violation(h, v, tri_gc_object_at(g, w * 64 + tri_bits_pop(&b)), 0, 0, "object still grey at mark termination");
        for (uint64_t b = g->mark[w] & g->alloc[w] & ~g->grey[w]; b;) {
            uint32_t idx = w * 64 + tri_bits_pop(&b);
            v->report->objects_checked++;
            tri_gc_for_each_slot_of(h, g, tri_gc_object_at(g, idx), check_black_slot, v);
        }
    }
}

/* Fills *out; returns false when out of memory left the check incomplete. */
static bool verify(tri_gc_heap *h, tri_gc_verify_report *out)
{
    tri_gc_verify_report report;
    memset(&report, 0, sizeof report);
    report.cycle = h->cycle.count;
    verify_state v = {.report = &report, .termination = h->cycle.phase == TRI_GC_MARK_TERMINATION};
    if (v.termination)
        tri_gc_for_each_gcspan(h, check_black_span, &v);
    for (size_t r = 0; r < h->roots.count; r++)
        for (size_t i = 0; i < h->roots.ranges[r].count; i++)
            verify_reach(h, &v, (uintptr_t)h->roots.ranges[r].slots[i], 0, (uintptr_t)&h->roots.ranges[r].slots[i]);
    for (tri_gc_frame *f = h->head.frames; f; f = f->prev)
        for (size_t i = 0; i < f->count; i++)
            verify_reach(h, &v, (uintptr_t)f->slots[i], 0, (uintptr_t)&f->slots[i]);
    while (v.stack_n > 0) {
        uintptr_t obj = v.stack[--v.stack_n];
        tri_gcspan *g = tri_gc_span_of(h, obj);
        uint32_t idx = g->large ? 0 : tri_floor_index(g->spc >> 1, obj - g->base);
        v.source_lost = tri_gc_is_white(g, idx) && (v.termination || g->sweepgen != h->spans.sweepgen);
        report.objects_checked++;
        tri_gc_for_each_slot_of(h, g, obj, verify_slot, &v);
    }
    if (v.failed)
        violation(h, &v, 0, 0, 0, "verifier ran out of memory: the check is incomplete");
    tri_free(v.seen.slots);
    tri_free(v.stack);
    *out = report;
    return !v.failed;
}

size_t tri_gc_verify(tri_gc_heap *h, tri_gc_verify_report *out)
{
    tri_gc_verify_report report;
    tri_gc_sweep_wait(h); /* no span changes under the walk */
    bool paused = h->mark.concurrent && !h->cycle.in_collector;
    if (paused) /* nor a mark bit */
        tri_gc_workers_pause(h);
    verify(h, &report);
    if (paused)
        tri_gc_workers_resume(h);
    if (out)
        *out = report;
    return report.violations;
}

void tri_gc_verify_at_termination(tri_gc_heap *h)
{
    verify(h, &h->verify.last);
    if (h->verify.last.violations == 0)
        return;
    if (h->verify.count == TRI_GC_REPORTS) { /* full: the oldest goes */
        h->verify.first = (h->verify.first + 1) % TRI_GC_REPORTS;
        h->verify.count--;
        h->verify.dropped++;
    }
    h->verify.kept[(h->verify.first + h->verify.count++) % TRI_GC_REPORTS] = h->verify.last;
}

int tri_gc_take_verify_report(tri_gc_heap *h, tri_gc_verify_report *out)
{
    if (h->verify.count == 0)
        return 0;
    *out = h->verify.kept[h->verify.first];
    h->verify.first = (h->verify.first + 1) % TRI_GC_REPORTS;
    h->verify.count--;
    return 1;
}

size_t tri_gc_check_heap(tri_gc_heap *h)
{
    tri_gc_verify_report report;
    return verify(h, &report) ? report.violations : 0; /* incomplete: nothing to judge by */
}

const tri_gc_verify_report *tri_gc_last_verify(const tri_gc_heap *h)
{
    return &h->verify.last;
}
