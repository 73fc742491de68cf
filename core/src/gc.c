/*
 * The collector: incremental tri-color mark-sweep.
 *
 * Colours come from a span's bitmaps (gcheap.c): an allocated object is
 *   white  not marked: not (yet) known to be reachable
 *   grey   marked, on the grey list: reachable, its pointers not yet scanned
 *   black  marked and scanned (or noscan): reachable, its targets shaded
 * "Shading" an object makes a white object grey (black if it is noscan).
 *
 * A cycle:
 *   OFF -> MARK_SETUP (a stop: sweeping finished, barrier on, roots greyed)
 *       -> MARK (grey objects scanned in bounded steps: assists charged to
 *          allocation, and tri_gc_step)
 *       -> MARK_TERMINATION (a stop: roots rescanned if the barrier needs
 *          it, grey list drained, weak references cleared, finalizers
 *          queued, the verifier, the pacer's next goal, barrier off)
 *       -> SWEEP (lazy, span by span) -> OFF
 *
 * Invariants kept:
 *   1. Outside MARK_SETUP..MARK_TERMINATION no object is grey or marked in
 *      a swept span, and the barrier is off.
 *   2. Objects allocated from mark setup to mark termination are black.
 *   3. While marking, the write barrier keeps every object the mutator can
 *      still reach either marked or reachable from a grey object:
 *        Dijkstra  shades the new value of every store: no black object
 *                  ever points to a white one (the strong invariant) among
 *                  heap objects. Roots have no barrier, so they are
 *                  scanned again at mark termination.
 *        Yuasa     shades the old value of every store: nothing reachable
 *                  at mark setup is ever cut off unshaded (snapshot at the
 *                  beginning; the weak invariant). Roots are scanned once,
 *                  at mark setup, inside the stop.
 *        hybrid    shades the old value, and the new one until the roots
 *                  are scanned (Go 1.8). Roots are scanned at the start of
 *                  the first mark step, not in the setup stop; before that
 *                  no object is black but new ones, and every pointer
 *                  stored into the heap is shaded.
 *        none      shades nothing: stores during marking can hide a white
 *                  object behind a black one (the "bad case"), which the
 *                  verifier then reports.
 *   4. Mark termination begins only with the grey list empty and the roots
 *      scanned: every reachable object is then black, every white one is
 *      garbage.
 *   5. Every span is swept exactly once per cycle (sweepgen), before it is
 *      allocated from again, and all are swept before the next mark setup.
 */
#include <errno.h>
#include <stdlib.h>
#if !defined(__wasm__)
#include <setjmp.h>
#endif
#include <string.h>

#include "internal.h"

#define OBLET ((uintptr_t)128 << 10) /* large objects are scanned in chunks of this */
#define ASSIST_QUANTUM 16384         /* allocate this much between assists */

static void set_phase(tri_gc_heap *h, enum tri_gc_phase phase)
{
    h->phase = phase;
    tri_gc_repace(h);
    tri_gc_emit(h, TRI_EV_PHASE, phase, h->cycle, 0, 0, 0);
}

static bool marking(const tri_gc_heap *h)
{
    return h->phase == TRI_GC_MARK_SETUP || h->phase == TRI_GC_MARK || h->phase == TRI_GC_MARK_TERMINATION;
}

/* --- the grey list ---------------------------------------------------------------- */

/* Work buffers are objects of malloc's, linked through their first word
 * into the lists of full and spare buffers. The link is encoded, and a
 * decoded link must be the start of an object of the buffers' size class
 * (checked in the page map, without touching it) or it is reported. */
static void workbuf_link(tri_gc_workbuf *b, tri_gc_workbuf *next)
{
    b->next = tri_link_encode(&b->next, next);
}

static tri_gc_workbuf *workbuf_next(const tri_gc_workbuf *b)
{
    tri_gc_workbuf *next = tri_link_decode(&b->next, b->next);
#if TRI_HARDEN
    if (next && tri_small_class_of((uintptr_t)next) != tri_size_class(sizeof *next))
        tri_fatal_corrupt("list of ", "the collector's work buffers", &b->next, (uintptr_t)next);
#endif
    return next;
}

/* A full current buffer: a spare or new one takes its place. Out of
 * memory, the heap's own reserve buffer does, while it is free: marking a
 * list or a narrow tree then goes on at full speed with no memory at all.
 * The reserve is never on a list: when it is full and a buffer can be had
 * again, its contents move into that one. */
static void grey_push_slow(tri_gc_heap *h, uintptr_t obj)
{
    tri_gc_workbuf *b = h->work;
    {
        tri_gc_workbuf *fresh = h->work_free;
        if (fresh)
            h->work_free = workbuf_next(fresh);
        else
            fresh = tri_malloc(sizeof *fresh);
        if (!fresh && b != &h->reserve) {
            fresh = &h->reserve;
        } else if (!fresh) {
            /* Out of memory: leave the object grey in its span's grey bits;
             * marking finds it again by scanning for grey bits. */
            h->grey_overflow = 1;
            return;
        } else if (b == &h->reserve) {
            memcpy(fresh->obj, b->obj, sizeof b->obj);
            fresh->n = b->n;
            b = fresh;
            fresh = &h->reserve;
        }
        fresh->n = 0;
        if (b) {
            workbuf_link(b, h->work_full);
            h->work_full = b;
        }
        h->work = b = fresh;
    }
    b->obj[b->n++] = obj;
}

static inline void grey_push(tri_gc_heap *h, uintptr_t obj)
{
    tri_gc_workbuf *b = h->work;
    if (likely(b != NULL && b->n < sizeof b->obj / sizeof b->obj[0]))
        b->obj[b->n++] = obj;
    else
        grey_push_slow(h, obj);
}

static uintptr_t grey_pop(tri_gc_heap *h)
{
    tri_gc_workbuf *b = h->work;
    if (likely(b && b->n))
        return b->obj[--b->n];
    if (h->work_full) {
        tri_gc_workbuf *full = h->work_full;
        h->work_full = workbuf_next(full);
        if (full->n != TRI_WORKBUF_OBJECTS) /* only full buffers wait on the list */
            tri_fatal_pointer("mark", full, "a full work buffer's count was overwritten: memory corrupted");
        if (b && b != &h->reserve) {
            workbuf_link(b, h->work_free);
            h->work_free = b;
        }
        h->work = full;
        return full->obj[--full->n];
    }
    return 0;
}

void tri_gc_for_each_gcspan(tri_gc_heap *h, void (*fn)(tri_gc_heap *, tri_gcspan *, void *), void *arg)
{
    for (unsigned spc = 0; spc < TRI_NUM_SPAN_CLASSES; spc++) {
        if (h->cache[spc].g)
            fn(h, h->cache[spc].g, arg);
        tri_gcspan *lists[4] = {h->partial[0][spc], h->full[0][spc], h->partial[1][spc], h->full[1][spc]};
        for (int l = 0; l < 4; l++)
            for (tri_gcspan *g = lists[l]; g; g = g->next)
                fn(h, g, arg);
    }
    for (unsigned set = 0; set < 2; set++)
        for (tri_gcspan *g = h->large[set]; g; g = g->next)
            fn(h, g, arg);
}

/* --- shading and scanning ------------------------------------------------------------ */

/* The heap's span holding p, or NULL, through a small direct-mapped cache
 * by page: pointers marking follows often land on pages it saw lately. */
static TRI_NOINLINE tri_gcspan *span_for_slow(tri_gc_heap *h, uintptr_t p)
{
    tri_gcspan *g = tri_gc_span_of(h, p);
    if (g) {
        uintptr_t page = p >> TRI_PAGE_SHIFT;
        h->span_cache[page % 256].page = page;
        h->span_cache[page % 256].g = g;
    }
    return g;
}

static inline tri_gcspan *span_for(tri_gc_heap *h, uintptr_t p)
{
    uintptr_t page = p >> TRI_PAGE_SHIFT;
    if (likely(h->span_cache[page % 256].page == page))
        return h->span_cache[page % 256].g;
    return span_for_slow(h, p);
}

/* The index of the object of g holding p (0 for a large object). */
static inline uint32_t index_in(const tri_gcspan *g, uintptr_t p)
{
    return (uint32_t)(((uint64_t)(p - g->base) * g->divmul) >> 32);
}

/* Locates the object holding p: its span and index, or false. */
static inline bool locate(tri_gc_heap *h, uintptr_t p, tri_gcspan **span, uint32_t *index)
{
    tri_gcspan *g = span_for(h, p);
    if (!g)
        return false;
    uint32_t idx = index_in(g, p);
    if (idx >= g->nelems || !((g->alloc[idx / 64] >> (idx % 64)) & 1))
        return false; /* not an allocated object: a stale or foreign value */
    *span = g;
    *index = idx;
    return true;
}

static inline uintptr_t large_object_bytes(const tri_gcspan *g)
{
    return g->type ? g->type->size * g->count : g->elemsize;
}

/* Shades the object holding p; returns whether it was white. */
static inline bool shade(tri_gc_heap *h, uintptr_t p)
{
    tri_gcspan *g = span_for(h, p);
    if (!g)
        return false;
    uint32_t idx = index_in(g, p), w = idx / 64;
    uint64_t bit = (uint64_t)1 << (idx % 64);
    if (idx >= g->nelems || !(g->alloc[w] & bit) || (g->mark[w] & bit))
        return false; /* not an allocated object, or already shaded */
    g->mark[w] |= bit;
    h->marked += g->elemsize;
    uintptr_t obj = g->base + (uintptr_t)idx * g->elemsize;
    if (g->noscan) {
        tri_gc_emit(h, TRI_EV_BLACK, 0, obj, 0, 0, 0);
        return true;
    }
    g->grey[w] |= bit;
    if (g->large)
        g->oblets_left = (int32_t)((large_object_bytes(g) + OBLET - 1) / OBLET);
    grey_push(h, obj);
    tri_gc_emit(h, TRI_EV_GREY, 0, obj, 0, 0, 0);
    return true;
}

void tri_gc_shade(tri_gc_heap *h, uintptr_t p)
{
    shade(h, p);
}

/* Calls fn on every pointer slot of the object (or oblet) at e, for
 * scanning and for the verifier; returns the bytes covered. */
static uintptr_t for_each_slot(tri_gc_heap *h, tri_gcspan *g, uintptr_t e, bool first_oblet_only,
                               void (*fn)(tri_gc_heap *, uintptr_t obj, uintptr_t *slot, void *), void *arg)
{
    uintptr_t base = g->base;
    if (!g->large) {
        uintptr_t w0 = (e - base) / TRI_WORD, nw = g->elemsize / TRI_WORD;
        for (uintptr_t w = w0; w < w0 + nw;) {
            uintptr_t lo = w % 64, n = 64 - lo < w0 + nw - w ? 64 - lo : w0 + nw - w;
            uint64_t bits = (g->ptrbits[w / 64] >> lo) & (n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1));
            for (; bits; bits &= bits - 1)
                fn(h, e, (uintptr_t *)(e + (w - w0 + (unsigned)__builtin_ctzll(bits)) * TRI_WORD), arg);
            w += n;
        }
        return g->elemsize;
    }
    const tri_type *t = g->type;
    uintptr_t size = large_object_bytes(g);
    uintptr_t end = first_oblet_only ? (e + OBLET < base + size ? e + OBLET : base + size) : base + size;
    if (!t || !t->ptr_words)
        return end - e;
    uintptr_t ew = t->size / TRI_WORD;
    for (uintptr_t a = e; a < end; a += TRI_WORD) {
        uintptr_t k = ((a - base) / TRI_WORD) % ew;
        if (k < t->ptr_words && (!t->ptrmap || ((t->ptrmap[k / 64] >> (k % 64)) & 1)))
            fn(h, base, (uintptr_t *)a, arg);
    }
    return end - e;
}

static void shade_slot(tri_gc_heap *h, uintptr_t obj, uintptr_t *slot, void *arg)
{
    (void)obj, (void)arg;
    shade(h, *slot);
}

/* Scans the grey object (or oblet of a large object) at e: blackens it. */
static uintptr_t scan(tri_gc_heap *h, uintptr_t e)
{
    tri_gcspan *g = span_for(h, e);
    uintptr_t base = g->base, bytes;
    if (likely(!g->large)) {
        /* the object's pointer words, from the span's pointer bitmap: one
         * bitmap word unless the object straddles two */
        uint32_t size = g->elemsize, idx = index_in(g, e);
        uintptr_t w0 = (e - base) / TRI_WORD, nw = size / TRI_WORD, lo = w0 % 64;
        const uintptr_t *slots = (const uintptr_t *)e;
        if (lo + nw <= 64) {
            uint64_t bits = g->ptrbits[w0 / 64] >> lo;
            if (nw < 64)
                bits &= ((uint64_t)1 << nw) - 1;
            for (; bits; bits &= bits - 1) {
                uintptr_t v = slots[__builtin_ctzll(bits)];
                if (v)
                    shade(h, v);
            }
        } else {
            for (uintptr_t w = w0; w < w0 + nw;) {
                uintptr_t l = w % 64, n = 64 - l < w0 + nw - w ? 64 - l : w0 + nw - w;
                uint64_t bits = (g->ptrbits[w / 64] >> l) & (n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1));
                for (; bits; bits &= bits - 1) {
                    uintptr_t v = slots[w - w0 + (unsigned)__builtin_ctzll(bits)];
                    if (v)
                        shade(h, v);
                }
                w += n;
            }
        }
        g->grey[idx / 64] &= ~((uint64_t)1 << (idx % 64));
        tri_gc_emit(h, TRI_EV_BLACK, 0, e, 0, 0, 0);
        return size;
    }
    if (e == base) /* queue the other chunks of a large object */
        for (uintptr_t o = base + OBLET; o < base + large_object_bytes(g); o += OBLET)
            grey_push(h, o);
    bytes = for_each_slot(h, g, e, true, shade_slot, NULL);
    if (--g->oblets_left > 0)
        return bytes;
    g->grey[0] &= ~(uint64_t)1;
    tri_gc_emit(h, TRI_EV_BLACK, 0, base, 0, 0, 0);
    return bytes;
}

/* Scans the grey objects of g where they lie, for when not even one work
 * buffer can be had: slower than the list, but it needs no memory. */
static size_t scan_grey_in_place(tri_gc_heap *h, tri_gcspan *g)
{
    size_t done = 0;
    if (g->large) {
        if (g->grey[0]) {
            done += for_each_slot(h, g, g->base, false, shade_slot, NULL);
            g->oblets_left = 0;
            g->grey[0] &= ~(uint64_t)1;
            tri_gc_emit(h, TRI_EV_BLACK, 0, g->base, 0, 0, 0);
        }
        return done;
    }
    for (bool again = true; again;) { /* until none is left: children shaded here may be grey here */
        again = false;
        for (uint32_t w = 0; w < g->words; w++)
            while (g->grey[w]) { /* scan() clears the object's bit */
                done += scan(h, g->base + (uintptr_t)(w * 64 + (unsigned)__builtin_ctzll(g->grey[w])) * g->elemsize);
                again = true;
            }
    }
    return done;
}

/* Puts objects left grey by a failed push back on the list (a large one
 * from its start: rescanning a chunk twice is harmless). If a push fails
 * again, out of memory, the rest of the span is scanned in place: marking
 * makes progress with no memory at all. */
static void recover_span(tri_gc_heap *h, tri_gcspan *g, void *arg)
{
    size_t *done = arg;
    if (g->noscan)
        return;
    if (g->large && g->grey[0])
        g->oblets_left = (int32_t)((large_object_bytes(g) + OBLET - 1) / OBLET);
    for (uint32_t w = 0; w < g->words; w++)
        for (uint64_t bits = g->grey[w]; bits; bits &= bits - 1) {
            uint32_t idx = w * 64 + (unsigned)__builtin_ctzll(bits);
            int overflowed = h->grey_overflow;
            h->grey_overflow = 0;
            grey_push(h, g->base + (uintptr_t)idx * g->elemsize);
            if (h->grey_overflow) {
                *done += scan_grey_in_place(h, g);
                return; /* grey_overflow stays set: another pass looks again */
            }
            h->grey_overflow = overflowed;
        }
}

/* Scans grey objects until `budget` bytes are done or none is left.
 * Objects pass through a small FIFO on their way from the grey list to the
 * scanner, and are prefetched as they enter it: by the time one is scanned
 * its memory has had several scans' time to arrive. */
#define PREFETCH_DEPTH 8
static size_t mark_work(tri_gc_heap *h, size_t budget)
{
    uintptr_t fifo[PREFETCH_DEPTH];
    unsigned head = 0, n = 0;
    size_t done = 0;
    for (;;) {
        while (n < PREFETCH_DEPTH) {
            uintptr_t e = grey_pop(h);
            if (!e)
                break;
            __builtin_prefetch((const void *)e);
            fifo[(head + n++) % PREFETCH_DEPTH] = e;
        }
        if (n == 0) {
            if (!h->grey_overflow)
                break;
            h->grey_overflow = 0;
            tri_gc_for_each_gcspan(h, recover_span, &done);
            continue;
        }
        uintptr_t e = fifo[head];
        head = (head + 1) % PREFETCH_DEPTH;
        n--;
        done += scan(h, e);
        if (done >= budget)
            break;
    }
    while (n > 0) { /* over budget: what is prefetched goes back to the list */
        grey_push(h, fifo[(head + --n) % PREFETCH_DEPTH]);
    }
    h->scan_done += done;
    h->scan_total += done;
    return done;
}

static bool grey_empty(const tri_gc_heap *h)
{
    return (!h->work || h->work->n == 0) && !h->work_full && !h->grey_overflow;
}

/* --- roots -------------------------------------------------------------------------- */

#if !defined(__wasm__)
/* Conservative scan of the mutator's stack: every aligned word between
 * here and the top of the stack, registers included (setjmp spills the
 * callee-saved ones into this frame), is taken for a pointer if it points
 * into an allocated object of this heap. */
__attribute__((noinline, no_sanitize("address"))) static void scan_stack(tri_gc_heap *h)
{
    jmp_buf regs;
    setjmp(regs);
    uintptr_t lo = (uintptr_t)&regs & ~(uintptr_t)(TRI_WORD - 1), hi = h->stack_hi;
    if (!hi || lo < h->stack_lo || lo >= hi)
        return; /* not on the mutator's stack */
    for (uintptr_t a = lo; a + TRI_WORD <= hi; a += TRI_WORD)
        shade(h, *(volatile uintptr_t *)a);
}
#endif

static void scan_roots(tri_gc_heap *h)
{
    for (size_t r = 0; r < h->nroots; r++)
        for (size_t i = 0; i < h->roots[r].count; i++)
            shade(h, (uintptr_t)h->roots[r].slots[i]);
    for (tri_gc_frame *f = h->head.frames; f; f = f->prev)
        for (size_t i = 0; i < f->count; i++)
            shade(h, (uintptr_t)f->slots[i]);
    for (size_t i = 0; i < h->nqueue; i++) /* objects waiting for their finalizer */
        shade(h, h->final_queue[i].object);
    if (h->tiny)
        shade(h, h->tiny);
#if !defined(__wasm__)
    if (h->conservative)
        scan_stack(h);
#endif
    h->roots_scanned = 1;
}

int tri_gc_add_roots(tri_gc_heap *h, void **slots, size_t count)
{
    if (h->nroots == h->roots_cap) {
        size_t cap = h->roots_cap ? 2 * h->roots_cap : 16;
        tri_gc_root_range *r = tri_realloc(h->roots, cap * sizeof *r);
        if (!r)
            return -1;
        h->roots = r;
        h->roots_cap = cap;
    }
    h->roots[h->nroots].slots = slots;
    h->roots[h->nroots].count = count;
    h->nroots++;
    /* A root added while marking may hold a white object: Dijkstra and
     * none rescan roots at termination, Yuasa's snapshot does not. */
    if (marking(h) && h->roots_scanned)
        for (size_t i = 0; i < count; i++)
            shade(h, (uintptr_t)slots[i]);
    return 0;
}

int tri_gc_remove_roots(tri_gc_heap *h, void **slots)
{
    for (size_t r = 0; r < h->nroots; r++)
        if (h->roots[r].slots == slots) {
            h->roots[r] = h->roots[--h->nroots];
            return 0;
        }
    errno = EINVAL;
    return -1;
}

void tri_gc_frame_error(tri_gc_heap *h, tri_gc_frame *f)
{
    (void)h;
    tri_fatal_pointer("tri_gc_pop_frame", f, "frames must be popped in the order they were pushed");
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
    if (!locate(h, (uintptr_t)p, &g, &idx) || g->noscan)
        return;
    pointer_visit v = {fn, arg};
    for_each_slot(h, g, g->base + (uintptr_t)idx * g->elemsize, false, visit_pointer, &v);
}

void tri_gc_for_each_root(tri_gc_heap *h, void (*fn)(void **, void *, void *), void *arg)
{
    for (size_t r = 0; r < h->nroots; r++)
        for (size_t i = 0; i < h->roots[r].count; i++)
            fn(&h->roots[r].slots[i], h->roots[r].slots[i], arg);
    for (tri_gc_frame *f = h->head.frames; f; f = f->prev)
        for (size_t i = 0; i < f->count; i++)
            fn(&f->slots[i], f->slots[i], arg);
}

/* --- the write barrier ------------------------------------------------------------------ */

void tri_gc_write_slow(tri_gc_heap *h, void **slot, void *value)
{
    void *old = *slot;
    unsigned shaded = 0;
    switch (h->barrier) {
    case TRI_BARRIER_DIJKSTRA:
        shaded = shade(h, (uintptr_t)value) ? 2 : 0;
        break;
    case TRI_BARRIER_YUASA:
        shaded = shade(h, (uintptr_t)old) ? 1 : 0;
        break;
    case TRI_BARRIER_HYBRID:
        shaded = shade(h, (uintptr_t)old) ? 1 : 0;
        if (!h->roots_scanned)
            shaded |= shade(h, (uintptr_t)value) ? 2 : 0;
        break;
    default:
        break;
    }
    *slot = value;
    h->barrier_hits[h->barrier]++;
    tri_gc_emit(h, TRI_EV_BARRIER, h->barrier, (uintptr_t)slot, (uintptr_t)old, (uintptr_t)value, shaded);
}

/* --- finalizers and weak references --------------------------------------------------- */

static bool is_marked(tri_gc_heap *h, uintptr_t p)
{
    tri_gcspan *g;
    uint32_t idx;
    return locate(h, p, &g, &idx) && ((tri_gc_markbits(g)[idx / 64] >> (idx % 64)) & 1);
}

static bool is_object_start(tri_gc_heap *h, void *p)
{
    size_t size;
    return p && tri_gc_object_of(h, p, &size) == p;
}

int tri_gc_set_finalizer(tri_gc_heap *h, void *object, tri_gc_finalizer fn, void *arg)
{
    if (!is_object_start(h, object)) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < h->nfinals; i++)
        if (h->finals[i].object == (uintptr_t)object) {
            if (fn) {
                h->finals[i].fn = fn;
                h->finals[i].arg = arg;
            } else {
                h->finals[i] = h->finals[--h->nfinals];
            }
            return 0;
        }
    if (!fn)
        return 0;
    if (h->nfinals == h->finals_cap) {
        size_t cap = h->finals_cap ? 2 * h->finals_cap : 16;
        tri_gc_final *f = tri_realloc(h->finals, cap * sizeof *f);
        if (!f)
            return -1;
        h->finals = f;
        h->finals_cap = cap;
    }
    h->finals[h->nfinals++] = (tri_gc_final){(uintptr_t)object, fn, arg};
    return 0;
}

/* Mark termination: finalizers of unreachable objects are queued, and
 * their objects shaded, so that they and all they reach survive until the
 * finalizer has run. */
static void queue_finalizers(tri_gc_heap *h)
{
    for (size_t i = 0; i < h->nfinals;) {
        tri_gc_final f = h->finals[i];
        if (is_marked(h, f.object)) {
            i++;
            continue;
        }
        if (h->nqueue == h->queue_cap) {
            size_t cap = h->queue_cap ? 2 * h->queue_cap : 16;
            tri_gc_final *q = tri_realloc(h->final_queue, cap * sizeof *q);
            if (!q) {
                shade(h, f.object); /* keep it for a later cycle */
                i++;
                continue;
            }
            h->final_queue = q;
            h->queue_cap = cap;
        }
        h->final_queue[h->nqueue++] = f;
        h->finals[i] = h->finals[--h->nfinals];
        shade(h, f.object);
    }
    mark_work(h, SIZE_MAX);
}

static void run_finalizers(tri_gc_heap *h)
{
    while (h->nqueue > 0) {
        tri_gc_final f = h->final_queue[0];
        h->final_queue[0] = h->final_queue[--h->nqueue];
        tri_gc_emit(h, TRI_EV_FINALIZE, 0, f.object, 0, 0, 0);
        h->finalizers_run++;
        f.fn((void *)f.object, f.arg);
    }
}

tri_gc_weak *tri_gc_weak_new(tri_gc_heap *h, void *object)
{
    if (object && !is_object_start(h, object)) {
        errno = EINVAL;
        return NULL;
    }
    if (h->nweaks == h->weaks_cap) {
        size_t cap = h->weaks_cap ? 2 * h->weaks_cap : 16;
        tri_gc_weak **w = tri_realloc(h->weaks, cap * sizeof *w);
        if (!w)
            return NULL;
        h->weaks = w;
        h->weaks_cap = cap;
    }
    tri_gc_weak *w = tri_malloc(sizeof *w);
    if (!w)
        return NULL;
    w->target = (uintptr_t)object;
    w->index = h->nweaks;
    h->weaks[h->nweaks++] = w;
    return w;
}

void *tri_gc_weak_get(tri_gc_heap *h, tri_gc_weak *w)
{
    /* While marking, a strong reference made from a weak one must not point
     * to an object the cycle is about to free: shade it. */
    if (w->target && marking(h))
        shade(h, w->target);
    return (void *)w->target;
}

void tri_gc_weak_free(tri_gc_heap *h, tri_gc_weak *w)
{
    if (!w)
        return;
    tri_gc_weak *last = h->weaks[--h->nweaks];
    h->weaks[w->index] = last;
    last->index = w->index;
    tri_free(w);
}

static void clear_weak(tri_gc_heap *h)
{
    for (size_t i = 0; i < h->nweaks; i++) {
        tri_gc_weak *w = h->weaks[i];
        if (w->target && !is_marked(h, w->target)) {
            tri_gc_emit(h, TRI_EV_WEAK_CLEAR, 0, w->target, 0, 0, 0);
            w->target = 0;
            h->weak_cleared++;
        }
    }
}

/* --- the verifier ------------------------------------------------------------------------ */

typedef struct verify_state {
    tri_gc_verify_report *report;
    uintptr_t *seen;     /* open-addressing set of visited objects */
    size_t seen_cap, seen_n;
    uintptr_t *stack;
    size_t stack_n, stack_cap;
    bool termination;
    bool failed;         /* out of memory: the report is incomplete */
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

static bool seen_insert(verify_state *v, uintptr_t obj)
{
    if (2 * (v->seen_n + 1) > v->seen_cap) {
        size_t cap = v->seen_cap ? 2 * v->seen_cap : 1024;
        uintptr_t *fresh = tri_calloc(cap, sizeof *fresh);
        if (!fresh) {
            v->failed = true;
            return false;
        }
        for (size_t i = 0; i < v->seen_cap; i++)
            if (v->seen[i]) {
                size_t j = (v->seen[i] >> 4) * 0x9E3779B97F4A7C15ULL >> 7 & (cap - 1);
                while (fresh[j])
                    j = (j + 1) & (cap - 1);
                fresh[j] = v->seen[i];
            }
        tri_free(v->seen);
        v->seen = fresh;
        v->seen_cap = cap;
    }
    size_t j = (obj >> 4) * 0x9E3779B97F4A7C15ULL >> 7 & (v->seen_cap - 1);
    while (v->seen[j]) {
        if (v->seen[j] == obj)
            return false;
        j = (j + 1) & (v->seen_cap - 1);
    }
    v->seen[j] = obj;
    v->seen_n++;
    return true;
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
    bool allocated = idx < g->nelems && ((tri_gc_allocbits(g)[idx / 64] >> (idx % 64)) & 1);
    bool marked = idx < g->nelems && ((tri_gc_markbits(g)[idx / 64] >> (idx % 64)) & 1);
    if (!allocated) {
        violation(h, v, obj, slot, p, "reachable pointer to memory that is not an allocated object");
        return;
    }
    if (v->termination && !marked)
        violation(h, v, obj, slot, p, "reachable object is not marked");
    else if (!v->termination && g->sweepgen != h->sweepgen && !marked)
        violation(h, v, obj, slot, p, "reachable object will be freed by sweeping");
    uintptr_t start = g->base + (uintptr_t)idx * g->elemsize;
    if (!seen_insert(v, start) || g->noscan)
        return;
    if (v->stack_n == v->stack_cap) {
        size_t cap = v->stack_cap ? 2 * v->stack_cap : 1024;
        uintptr_t *s = tri_realloc(v->stack, cap * sizeof *s);
        if (!s) {
            v->failed = true;
            return;
        }
        v->stack = s;
        v->stack_cap = cap;
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
    if (*slot && locate(h, *slot, &g, &idx) && !((tri_gc_markbits(g)[idx / 64] >> (idx % 64)) & 1))
        violation(h, arg, obj, (uintptr_t)slot, *slot, "black object points to a white object");
}

static void check_black_span(tri_gc_heap *h, tri_gcspan *g, void *arg)
{
    verify_state *v = arg;
    if (g->noscan)
        return;
    uint64_t *mark = tri_gc_markbits(g), *alloc = tri_gc_allocbits(g);
    for (uint32_t w = 0; w < g->words; w++)
        for (uint64_t b = mark[w] & alloc[w] & ~g->grey[w]; b; b &= b - 1) {
            uint32_t idx = w * 64 + (unsigned)__builtin_ctzll(b);
            v->report->objects_checked++;
            for_each_slot(h, g, g->base + (uintptr_t)idx * g->elemsize, false, check_black_slot, v);
        }
}

size_t tri_gc_verify(tri_gc_heap *h, tri_gc_verify_report *out)
{
    tri_gc_verify_report report;
    memset(&report, 0, sizeof report);
    report.cycle = h->cycle;
    verify_state v = {&report, NULL, 0, 0, NULL, 0, 0, h->phase == TRI_GC_MARK_TERMINATION, false};
    if (v.termination)
        tri_gc_for_each_gcspan(h, check_black_span, &v);
    for (size_t r = 0; r < h->nroots; r++)
        for (size_t i = 0; i < h->roots[r].count; i++)
            verify_reach(h, &v, (uintptr_t)h->roots[r].slots[i], 0, (uintptr_t)&h->roots[r].slots[i]);
    for (tri_gc_frame *f = h->head.frames; f; f = f->prev)
        for (size_t i = 0; i < f->count; i++)
            verify_reach(h, &v, (uintptr_t)f->slots[i], 0, (uintptr_t)&f->slots[i]);
    while (v.stack_n > 0) {
        uintptr_t obj = v.stack[--v.stack_n];
        tri_gcspan *g = tri_gc_span_of(h, obj);
        report.objects_checked++;
        for_each_slot(h, g, obj, false, verify_slot, &v);
    }
    if (v.failed)
        violation(h, &v, 0, 0, 0, "verifier ran out of memory: the check is incomplete");
    tri_free(v.seen);
    tri_free(v.stack);
    h->last_verify = report;
    if (out)
        *out = report;
    return report.violations;
}

const tri_gc_verify_report *tri_gc_last_verify(const tri_gc_heap *h)
{
    return &h->last_verify;
}

/* --- the pacer ----------------------------------------------------------------------------- */

/* Sets the goal and the trigger from the heap marked by the last cycle:
 * goal = marked * (1 + GOGC/100), at least the minimum heap, at most the
 * memory limit; the cycle starts at 70% of the way from marked to goal, so
 * that assists can finish marking before the goal. */
static void pacer_plan(tri_gc_heap *h)
{
    uint64_t marked = h->marked_last;
    uint64_t goal = h->gogc < 0 ? UINT64_MAX : marked + marked / 100 * (uint64_t)h->gogc;
    uint64_t floor = h->gogc < 0 ? UINT64_MAX : h->min_heap * (uint64_t)(h->gogc > 0 ? h->gogc : 1) / 100;
    if (goal < floor)
        goal = floor;
    if (h->memory_limit && goal > h->memory_limit)
        goal = h->memory_limit > marked + marked / 16 ? h->memory_limit : marked + marked / 16;
    h->goal = goal;
    h->trigger = goal == UINT64_MAX ? UINT64_MAX : marked + (goal - marked) / 10 * 7;
    h->scan_expected = marked ? marked : h->live;
    tri_gc_repace(h);
    tri_gc_emit(h, TRI_EV_PACER, 0, h->goal, h->trigger, marked, (uint64_t)(h->assist_ratio * 1000));
}

void tri_gc_pacer_init(tri_gc_heap *h)
{
    pacer_plan(h);
}

/* Scan work per byte allocated, so that marking ends by the goal. */
static void pacer_assist_ratio(tri_gc_heap *h)
{
    uint64_t remaining = h->scan_expected > h->scan_done ? h->scan_expected - h->scan_done : h->step_bytes;
    uint64_t runway = h->goal > h->live + 65536 ? h->goal - h->live : 65536;
    h->assist_ratio = (double)remaining / (double)runway;
}

void tri_gc_start_if_due(tri_gc_heap *h)
{
    bool over_limit = h->memory_limit && h->live >= h->memory_limit;
    if (h->phase == TRI_GC_OFF || h->phase == TRI_GC_SWEEP) {
        if (h->live >= h->trigger || over_limit)
            tri_gc_start_cycle(h);
    }
}

/* --- the cycle ---------------------------------------------------------------------------- */

static void record_stop(tri_gc_heap *h, enum tri_gc_phase phase, uint64_t ns)
{
    if (h->quiet_pauses)
        return;
    tri_gc_hist_add(&h->stops, ns);
    h->gc_ns += ns;
    tri_gc_emit(h, TRI_EV_STOP, phase, ns, 0, 0, 0);
}

static void record_step(tri_gc_heap *h, bool assist, uint64_t ns, uint64_t work)
{
    if (h->quiet_pauses)
        return;
    tri_gc_hist_add(&h->steps, ns);
    h->gc_ns += ns;
    h->cycle_step_ns += ns;
    h->cycle_steps++;
    tri_gc_emit(h, TRI_EV_STEP, assist, ns, work, 0, 0);
}

void tri_gc_mark_setup(tri_gc_heap *h)
{
    uint64_t t = tri_gc_now();
    h->in_collector++;
    tri_gc_sweep_all(h); /* sweep termination: the last cycle's spans */
    h->cycle++;
    h->cycle_start_ns = t;
    h->cycle_live_start = h->live;
    h->cycle_step_ns = h->cycle_steps = 0;
    h->marked = 0;
    h->scan_done = 0;
    h->assist_debt = 0;
    h->assist_mark = h->live;
    set_phase(h, TRI_GC_MARK_SETUP);
    h->alloc_black = 1;
    h->head.barrier_on = h->barrier != TRI_BARRIER_NONE;
    h->roots_scanned = 0;
    if (h->barrier != TRI_BARRIER_HYBRID) /* hybrid scans roots in its first step */
        scan_roots(h);
    else if (h->tiny)
        shade(h, h->tiny); /* its future objects are allocated into it */
    pacer_assist_ratio(h);
    tri_gc_emit(h, TRI_EV_PACER, 1, h->goal, h->trigger, h->marked_last, (uint64_t)(h->assist_ratio * 1000));
    h->in_collector--;
    set_phase(h, TRI_GC_MARK);
    uint64_t ns = tri_gc_now() - t;
    h->cycle_setup_ns = ns;
    record_stop(h, TRI_GC_MARK_SETUP, ns);
}

static void mark_termination(tri_gc_heap *h)
{
    uint64_t t = tri_gc_now();
    h->in_collector++;
    set_phase(h, TRI_GC_MARK_TERMINATION);
    if (!h->roots_scanned || h->barrier == TRI_BARRIER_DIJKSTRA || h->barrier == TRI_BARRIER_NONE)
        scan_roots(h); /* roots have no barrier: look at them again */
    mark_work(h, SIZE_MAX);
    clear_weak(h);
    queue_finalizers(h);
    if (h->verify)
        tri_gc_verify(h, NULL);
    h->marked_last = h->marked;
    h->live = h->marked; /* as Go's heapLive: what survived, plus what is allocated from now on */
    pacer_plan(h);
    h->head.barrier_on = 0;
    h->alloc_black = 0;
    h->tiny = 0; /* a fresh block next time, so no block outlives its objects */
    tri_gc_begin_sweep(h);
    h->in_collector--;
    set_phase(h, TRI_GC_SWEEP);
    uint64_t ns = tri_gc_now() - t;
    record_stop(h, TRI_GC_MARK_TERMINATION, ns);
    if (h->trace)
        tri_gc_trace_cycle(h, ns);
    run_finalizers(h);
}

int tri_gc_start_cycle(tri_gc_heap *h)
{
    if (h->in_collector || marking(h))
        return 0;
    tri_gc_mark_setup(h);
    return 1;
}

/* Stop-the-world mode: the whole mark as one stop. */
static void run_whole_cycle(tri_gc_heap *h)
{
    uint64_t t = tri_gc_now(), gc_before = h->gc_ns;
    h->quiet_pauses = 1;
    tri_gc_start_cycle(h);
    tri_gc_finish_cycle(h);
    h->quiet_pauses = 0;
    uint64_t ns = tri_gc_now() - t;
    h->gc_ns = gc_before + ns;
    tri_gc_hist_add(&h->stops, ns);
    tri_gc_emit(h, TRI_EV_STOP, TRI_GC_MARK, ns, 0, 0, 0);
}

static bool mark_done(const tri_gc_heap *h)
{
    return h->phase == TRI_GC_MARK && h->roots_scanned && grey_empty(h);
}

void tri_gc_assist(tri_gc_heap *h)
{
    uint64_t t = tri_gc_now();
    h->assist_debt += (int64_t)(h->live - h->assist_mark); /* allocated since the last assist */
    h->assist_mark = h->live;
    if (!h->roots_scanned)
        scan_roots(h);
    pacer_assist_ratio(h);
    double want = (double)h->assist_debt * h->assist_ratio;
    size_t budget = want > (double)h->step_bytes ? h->step_bytes : want < 1 ? 1 : (size_t)want;
    size_t done = mark_work(h, budget);
    h->assist_total += done;
    double paid = h->assist_ratio > 0 ? (double)done / h->assist_ratio : (double)h->assist_debt;
    h->assist_debt = paid >= (double)h->assist_debt ? 0 : h->assist_debt - (int64_t)paid;
    record_step(h, true, tri_gc_now() - t, done);
    if (mark_done(h))
        mark_termination(h);
    tri_gc_repace(h);
}

/* Sweeping keeps pace with allocation so that it is over before the next
 * trigger: one span for every so many bytes allocated. */
static uint64_t sweep_quantum(const tri_gc_heap *h)
{
    uint64_t runway = h->trigger > h->live ? h->trigger - h->live : 0;
    uint64_t per_span = h->unswept_spans ? runway / (h->unswept_spans + 1) : UINT64_MAX;
    return per_span > 64 * 1024 ? 64 * 1024 : per_span;
}

static void sweep_for_allocation(tri_gc_heap *h)
{
    uint64_t t = tri_gc_now();
    size_t swept = 0;
    if (!tri_gc_sweep_one(h, &swept) || h->unswept_spans == 0)
        set_phase(h, TRI_GC_OFF);
    h->gc_ns += tri_gc_now() - t;
}

/* When allocation must next call tri_gc_note_alloc: at the trigger, at the
 * next assist, or at the next span to sweep, whichever is due. */
void tri_gc_repace(tri_gc_heap *h)
{
    uint64_t limit = h->trigger;
    if (h->memory_limit && h->memory_limit < limit)
        limit = h->memory_limit;
    if (h->phase == TRI_GC_MARK)
        limit = h->live + ASSIST_QUANTUM;
    else if (h->phase == TRI_GC_SWEEP && h->live + sweep_quantum(h) < limit)
        limit = h->live + sweep_quantum(h);
    if (h->stress || h->in_collector)
        limit = 0;
    h->pace_limit = limit;
}

/* Allocation of `bytes` would take live past pace_limit. */
void tri_gc_note_alloc(tri_gc_heap *h, size_t bytes)
{
    if (h->in_collector)
        return;
    if (unlikely(h->stress)) {
        if (h->stress == 2) {
            tri_gc_collect(h);
        } else {
            if (!marking(h))
                tri_gc_start_cycle(h);
            tri_gc_step(h, 1);
        }
        tri_gc_repace(h);
        return;
    }
    if (h->phase == TRI_GC_MARK) {
        tri_gc_assist(h);
    } else {
        if (h->phase == TRI_GC_SWEEP)
            sweep_for_allocation(h);
        /* a sweep that falls behind the trigger is finished by mark setup */
        if (h->live + bytes >= h->trigger || (h->memory_limit && h->live + bytes >= h->memory_limit)) {
            if (h->stw)
                run_whole_cycle(h);
            else
                tri_gc_start_cycle(h);
        }
    }
    tri_gc_repace(h);
}

size_t tri_gc_step(tri_gc_heap *h, size_t budget)
{
    if (h->in_collector)
        return 0;
    uint64_t t = tri_gc_now();
    size_t done = 0;
    if (budget == 0)
        budget = 1;
    if (h->phase == TRI_GC_MARK) {
        if (!h->roots_scanned)
            scan_roots(h);
        done = mark_work(h, budget);
        uint64_t ns = tri_gc_now() - t;
        record_step(h, false, ns, done);
        if (mark_done(h))
            mark_termination(h);
        return done ? done : 1;
    }
    if (h->phase == TRI_GC_SWEEP) {
        while (done < budget && tri_gc_sweep_one(h, &done))
            ;
        if (h->unswept_spans == 0)
            set_phase(h, TRI_GC_OFF);
        record_step(h, false, tri_gc_now() - t, done);
        tri_gc_repace(h);
        return done ? done : 1;
    }
    return 0;
}

void tri_gc_finish_cycle(tri_gc_heap *h)
{
    if (h->in_collector)
        return;
    if (h->phase == TRI_GC_MARK) {
        uint64_t t = tri_gc_now();
        if (!h->roots_scanned)
            scan_roots(h);
        size_t done = mark_work(h, SIZE_MAX);
        record_step(h, false, tri_gc_now() - t, done);
        mark_termination(h);
    }
    if (h->phase == TRI_GC_SWEEP) {
        tri_gc_sweep_all(h);
        set_phase(h, TRI_GC_OFF);
    }
}

void tri_gc_collect(tri_gc_heap *h)
{
    if (h->in_collector)
        return;
    if (marking(h))
        tri_gc_finish_cycle(h);
    tri_gc_start_cycle(h);
    tri_gc_finish_cycle(h);
}

enum tri_gc_phase tri_gc_phase(const tri_gc_heap *h)
{
    return h->phase;
}

/* --- settings -------------------------------------------------------------------------------- */

void tri_gc_set_gogc(tri_gc_heap *h, int gogc)
{
    h->gogc = gogc < 0 ? -1 : gogc;
    pacer_plan(h);
}

void tri_gc_set_memory_limit(tri_gc_heap *h, uint64_t bytes)
{
    h->memory_limit = bytes;
    pacer_plan(h);
}

void tri_gc_set_max_heap(tri_gc_heap *h, uint64_t bytes)
{
    h->max_heap = bytes;
}

int tri_gc_set_barrier(tri_gc_heap *h, enum tri_gc_barrier mode)
{
    if ((unsigned)mode >= TRI_NUM_BARRIERS || marking(h)) {
        errno = marking(h) ? EBUSY : EINVAL;
        return -1;
    }
    h->barrier = mode;
    return 0;
}

static void free_workbufs(tri_gc_workbuf *b)
{
    while (b) {
        tri_gc_workbuf *next = workbuf_next(b);
        tri_free(b);
        b = next;
    }
}

void tri_gc_free_tables(tri_gc_heap *h)
{
    if (h->work != &h->reserve)
        tri_free(h->work); /* the current chunk is on no list */
    free_workbufs(h->work_full);
    free_workbufs(h->work_free);
    for (size_t i = 0; i < h->nweaks; i++)
        tri_free(h->weaks[i]);
    tri_free(h->weaks);
    tri_free(h->roots);
    tri_free(h->finals);
    tri_free(h->final_queue);
}
