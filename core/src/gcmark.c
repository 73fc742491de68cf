/*
 * Marking: the roots, shading, scanning, and the work that drains the grey
 * list (Go's mgcmark.go).
 *
 * Owns: the heap's roots (global ranges, the mutator's stack bounds; the
 * shadow-stack frames are the mutator's, in the heap's head), marking's
 * span cache, and the mark counters (mark.marked, mark.scan_done,
 * stats.scan_total, stats.assist_total).
 *
 * Shading sets an object's mark bit. An object with pointers also goes on
 * the grey list (gcwork.c); scanning it shades what its pointer words hold:
 * it is black. Grey bits say which marked objects wait on the list. They
 * are kept for every grey object only by a heap whose tools show the three
 * colours (one that records object events, as the visualiser's and traces
 * do, or runs the verifier), and only while it marks alone (grey_bits):
 * elsewhere a grey bit costs two read-modify-writes per object for nobody,
 * a sixth of marking's instructions on one core. So on other heaps, as
 * with background workers, an object on the list reads as black, and a
 * grey bit is set only where a push failed for want of memory. A large
 * object is scanned in oblets of TRI_OBLET bytes, each a grey-list entry of
 * its own, so that markers can share it; it is black once every oblet is
 * scanned. Any object is scanned in pieces where a step's budget ends
 * inside it, the rest pushed back as a piece of its own.
 *
 * Invariants kept:
 *   - A grey bit is set only with the mark bit, and every object with its
 *     grey bit set is on the grey list (grey_bits cycles only) or, after a
 *     push failed for want of memory (mark.overflow), found again by a
 *     scan of the grey bits.
 *   - Marking never allocates but work buffers, and goes on without them:
 *     a reserve buffer, then grey objects scanned where they lie.
 *   - A step scans at most max(budget, TRI_GC_MIN_SCAN) bytes, plus the
 *     pointer words of the piece that crosses the budget: objects are cut
 *     into pieces at the budget, and the rest goes back on the grey list.
 */
#include <errno.h>
#if !defined(__wasm__)
#include <setjmp.h>
#endif

#include "gc.h"

/* --- finding objects ----------------------------------------------------------------------- */

tri_gcspan *tri_gc_span_for_slow(tri_gc_marker *m, uintptr_t p)
{
    tri_gcspan *g = tri_gc_span_of(m->heap, p);
    if (g) {
        uintptr_t page = p >> TRI_PAGE_SHIFT;
        m->span_cache[page % TRI_GC_SPAN_CACHE].page = page;
        m->span_cache[page % TRI_GC_SPAN_CACHE].g = g;
    }
    return g;
}

static void marker_forget(tri_gc_marker *m, tri_gcspan *g)
{
    uintptr_t first = g->base >> TRI_PAGE_SHIFT, n = g->span->npages;
    for (uintptr_t k = 0; k < n && k < TRI_GC_SPAN_CACHE; k++) { /* only its own pages can name it */
        unsigned i = (unsigned)((first + k) % TRI_GC_SPAN_CACHE);
        if (m->span_cache[i].g == g)
            m->span_cache[i].page = 0, m->span_cache[i].g = NULL;
    }
}

void tri_gc_span_cache_forget(tri_gc_heap *h, tri_gcspan *g)
{
    marker_forget(&h->mark.self, g);
}

void tri_gc_span_cache_forget_all(tri_gc_heap *h)
{
    tri_gc_marker_forget_all(&h->mark.self);
}

void tri_gc_marker_forget_all(tri_gc_marker *m)
{
    memset(m->span_cache, 0, sizeof m->span_cache);
}

/* --- shading and scanning ------------------------------------------------------------------- */

uintptr_t tri_gc_for_each_slot(tri_gc_heap *h, tri_gcspan *g, uintptr_t obj, uintptr_t from, uintptr_t to,
                               tri_gc_slot_fn *fn, void *arg)
{
    uintptr_t base = g->base;
    if (!g->large) {
        for (uintptr_t w = (from - base) / TRI_WORD, end = (to - base) / TRI_WORD; w < end;) {
            unsigned n = (unsigned)(64 - w % 64 < end - w ? 64 - w % 64 : end - w);
            for (uint64_t bits = tri_bits_get_relaxed(g->ptrbits, w, n); bits;)
                fn(h, obj, (uintptr_t *)(base + (w + tri_bits_pop(&bits)) * TRI_WORD), arg);
            w += n;
        }
        return to - from;
    }
    const tri_type *t = g->type;
    if (!t || !t->ptr_words)
        return to - from;
    uintptr_t ew = t->size / TRI_WORD;
    for (uintptr_t a = from; a < to; a += TRI_WORD) {
        uintptr_t k = ((a - base) / TRI_WORD) % ew;
        if (k < t->ptr_words && (!t->ptrmap || tri_bit(t->ptrmap, k)))
            fn(h, obj, (uintptr_t *)a, arg);
    }
    return to - from;
}

/* A pointer slot of an object being scanned. While workers mark, the
 * mutator may store into it at the same time (through the barrier, which
 * shades what the scan would miss): a relaxed load, as its store is. */
static inline uintptr_t read_slot(const uintptr_t *slot)
{
    return __atomic_load_n(slot, __ATOMIC_RELAXED);
}

static void shade_slot(tri_gc_heap *h, uintptr_t obj, uintptr_t *slot, void *arg)
{
    (void)obj;
    tri_gc_marker *m = arg;
    uintptr_t v = read_slot(slot);
    if (v)
        tri_gc_shade_into(m, v, h->mark.grey_bits, h->mark.concurrent);
}

/* Shades what the pointer words of small span g in [from, to) hold, from
 * the span's pointer bitmap: one bitmap word at a time, one for most
 * objects. */
static void scan_words(tri_gc_marker *m, const tri_gcspan *g, uintptr_t from, uintptr_t to)
{
    tri_gc_heap *h = m->heap;
    const uintptr_t *slots = (const uintptr_t *)from;
    uintptr_t w0 = (from - g->base) / TRI_WORD, end = (to - g->base) / TRI_WORD;
    for (uintptr_t w = w0; w < end;) {
        unsigned n = (unsigned)(64 - w % 64 < end - w ? 64 - w % 64 : end - w);
        for (uint64_t bits = tri_bits_get_relaxed(g->ptrbits, w, n); bits;) {
            uintptr_t v = read_slot(&slots[w - w0 + tri_bits_pop(&bits)]);
            if (v)
                tri_gc_shade_into(m, v, h->mark.grey_bits, h->mark.concurrent);
        }
        w += n;
    }
}

/* The object (or large object) idx of g is scanned: black. Marking without
 * workers clears its grey bit (set in grey_bits cycles, or by scanning in
 * place after a failed push); concurrent marking set one only when the
 * object could not be pushed, and clears it the same way, atomically. */
static inline void blacken(tri_gc_heap *h, tri_gcspan *g, uint32_t idx, bool atomic)
{
    if (!atomic)
        tri_gc_grey2black(g, idx);
    else if (__atomic_load_n(&g->grey[idx / 64], __ATOMIC_RELAXED) & tri_bit_mask(idx))
        __atomic_fetch_and(&g->grey[idx / 64], ~tri_bit_mask(idx), __ATOMIC_RELAXED);
    (void)h;
}

/* Where a piece of scanning that starts at e may end, within `end`: at most
 * `limit` bytes (whole words, and at least TRI_GC_MIN_SCAN) on. */
static inline uintptr_t piece_end(uintptr_t e, uintptr_t end, uintptr_t limit)
{
    if (limit < TRI_GC_MIN_SCAN)
        limit = TRI_GC_MIN_SCAN;
    return end - e > limit ? e + (limit & ~(uintptr_t)(TRI_WORD - 1)) : end;
}

/* A grey-list entry is an object's address, or, with its low bit set, the
 * address inside a small object where the scan of a piece of it resumes
 * (objects are word-aligned, so the bit is free). A large object's oblets
 * are plain addresses inside it: its span says it is large. */
#define PIECE ((uintptr_t)1)

/* Scans what scan() leaves to the general case: pieces, objects whose
 * pointer bits span two bitmap words, large objects' oblets. */
static TRI_NOINLINE uintptr_t scan_general(tri_gc_marker *m, tri_gcspan *g, uintptr_t e, uintptr_t limit)
{
    tri_gc_heap *h = m->heap;
    bool atomic = h->mark.concurrent;
    uintptr_t base = g->base;
    if (!g->large) {
        uint32_t size = g->elemsize, idx = tri_gc_index_in(g, e);
        e &= ~PIECE;
        uintptr_t obj = tri_gc_object_at(g, idx), to = piece_end(e, obj + size, limit);
        scan_words(m, g, e, to);
        if (to < obj + size) {
            tri_gc_grey_push(m, to | PIECE); /* the rest of the object, later */
            return to - e;
        }
        blacken(h, g, idx, atomic);
        tri_gc_emit(h, TRI_EV_BLACK, 0, obj, 0, 0, 0);
        return to - e;
    }
    uintptr_t end = base + tri_gc_large_bytes(g);
    if (e == base) /* the other oblets of a large object, for any marker */
        for (uintptr_t o = base + TRI_OBLET; o < end; o += TRI_OBLET)
            tri_gc_grey_push(m, o);
    uintptr_t oblet_end = base + ((e - base) / TRI_OBLET + 1) * TRI_OBLET;
    uintptr_t to = piece_end(e, oblet_end < end ? oblet_end : end, limit);
    uintptr_t bytes = tri_gc_for_each_slot(h, g, base, e, to, shade_slot, m);
    if (to < oblet_end && to < end) { /* the rest of the oblet is a piece of its own */
        __atomic_fetch_add(&g->oblets_left, 1, __ATOMIC_RELAXED);
        tri_gc_grey_push(m, to);
    }
    /* The marker that scans the last piece blackens it. Relaxed: nothing
     * is read on the strength of the count but the object's own colour. */
    if (__atomic_sub_fetch(&g->oblets_left, 1, __ATOMIC_RELAXED) > 0)
        return bytes;
    blacken(h, g, 0, atomic);
    tri_gc_emit(h, TRI_EV_BLACK, 0, base, 0, 0, 0);
    return bytes;
}

/* Scans the grey object at e, or the piece of one that starts there: at
 * most `limit` bytes (at least TRI_GC_MIN_SCAN), the rest going back on
 * the grey list as a piece of its own. An object is black once its last
 * piece is scanned; a large object is first cut into oblets, shared out as
 * pieces. Returns the bytes scanned. Inline in the mark loop, which decides
 * whether to keep grey bits (and emit events) and to shade atomically. */
static inline __attribute__((always_inline)) uintptr_t scan(tri_gc_marker *m, uintptr_t e, uintptr_t limit,
                                                           bool grey_bits, bool atomic)
{
    tri_gcspan *g = tri_gc_span_for(m, e);
    uint32_t size = g->elemsize;
    if (likely(g->scan_one_word && !(e & PIECE) && size <= limit)) {
        /* the common case: a whole small object whose pointer bits are one
         * word: the span's type's, or from the span's bitmap */
        uint32_t idx = tri_gc_index_in(g, e);
        tri_assert(!tri_gc_is_white(g, idx)); /* nothing white is ever on the grey list */
        const uintptr_t *slots = (const uintptr_t *)e;
        uint64_t bits = __atomic_load_n(&g->type, __ATOMIC_RELAXED)
                            ? g->objmask
                            : tri_bits_get_relaxed(g->ptrbits, (e - g->base) / TRI_WORD, size / TRI_WORD);
        while (bits) {
            TRI_RACE_WINDOW(); /* the mutator stores into the object meanwhile */
            uintptr_t v = read_slot(&slots[tri_bits_pop(&bits)]);
            if (v)
                tri_gc_shade_into(m, v, grey_bits, atomic);
        }
        if (grey_bits) { /* else recovery cleared the grey bit it pushed, if any */
            tri_gc_grey2black(g, idx);
            if (m->heap->events.objects)
                tri_gc_emit(m->heap, TRI_EV_BLACK, 0, e, 0, 0, 0);
        }
        return size;
    }
    return scan_general(m, g, e, limit);
}

/* --- marking with no memory ---------------------------------------------------------------------- */

/* Scans the grey objects of g where they lie, for when not even one work
 * buffer can be had: slower than the list, but it needs no memory. Run by
 * the mutator in the termination stop when workers mark (gc.c). */
static size_t scan_grey_in_place(tri_gc_marker *m, tri_gcspan *g)
{
    tri_gc_heap *h = m->heap;
    size_t done = 0;
    if (g->large) {
        if (tri_gc_is_grey(g, 0)) {
            done += tri_gc_for_each_slot_of(h, g, g->base, shade_slot, m);
            g->oblets_left = 0;
            tri_gc_grey2black(g, 0);
            tri_gc_emit(h, TRI_EV_BLACK, 0, g->base, 0, 0, 0);
        }
        return done;
    }
    for (bool again = true; again;) { /* until none is left: children shaded here may be grey here */
        again = false;
        for (uint32_t w = 0; w < g->words; w++)
            while (g->grey[w]) { /* the scan clears the object's bit */
                uintptr_t obj = tri_gc_object_at(g, w * 64 + (unsigned)__builtin_ctzll(g->grey[w]));
                done += scan_general(m, g, obj | PIECE, UINTPTR_MAX);
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
    tri_gc_marker *m = &h->mark.self;
    size_t *done = arg;
    if (g->noscan)
        return;
    if (g->large && tri_gc_is_grey(g, 0))
        g->oblets_left = tri_gc_oblets_of(g);
    for (uint32_t w = 0; w < g->words; w++)
        for (uint64_t bits = g->grey[w]; bits;) {
            uint32_t idx = w * 64 + tri_bits_pop(&bits);
            int overflowed = h->mark.overflow;
            h->mark.overflow = 0;
            if (!h->mark.grey_bits) /* on the list now: the scan's fast path leaves grey bits alone */
                __atomic_fetch_and(&g->grey[w], ~tri_bit_mask(idx), __ATOMIC_RELAXED);
            tri_gc_grey_push(m, tri_gc_object_at(g, idx));
            if (h->mark.overflow) {
                *done += scan_grey_in_place(m, g);
                return; /* overflow stays set: another pass looks again */
            }
            h->mark.overflow = overflowed;
        }
}

/* --- the mark loop ------------------------------------------------------------------------------ */

/* Scans grey objects with marker m until `budget` bytes are done or it and
 * the pool have none left. Objects pass through a small FIFO on their way
 * from the grey list to the scanner, and are prefetched as they enter it:
 * by the time one is scanned its memory has had several scans' time to
 * arrive. Written once and compiled three times (grey bits, and events if
 * the heap records them; neither; atomic for concurrent marking), so the
 * loop tests none of them per object. */
#define PREFETCH_DEPTH 8
static inline __attribute__((always_inline)) size_t mark_loop(tri_gc_marker *m, size_t budget, bool grey_bits,
                                                             bool atomic)
{
    uintptr_t fifo[PREFETCH_DEPTH];
    unsigned head = 0, n = 0, balance = 0;
    size_t done = 0;
    for (;;) {
        while (n < PREFETCH_DEPTH) {
            uintptr_t e = tri_gc_grey_pop(m);
            if (!e)
                break;
            __builtin_prefetch((const void *)e);
            fifo[(head + n++) % PREFETCH_DEPTH] = e;
        }
        if (n == 0)
            break;
        uintptr_t e = fifo[head];
        head = (head + 1) % PREFETCH_DEPTH;
        n--;
        done += scan(m, e, budget - done, grey_bits, atomic);
        if (done >= budget)
            break;
        /* Go's gcw.balance: whenever the pool runs dry, half of this
         * marker's objects go there for whoever runs out next (a relaxed
         * look at a line that changes only when buffers move). */
        if (atomic && (++balance & 15) == 0 && __atomic_load_n(&m->heap->mark.nfull, __ATOMIC_RELAXED) == 0)
            tri_gc_marker_share(m);
    }
    while (n > 0) /* over budget: what is prefetched goes back to the list */
        tri_gc_grey_push(m, fifo[(head + --n) % PREFETCH_DEPTH]);
    m->scanned += done;
    return done;
}

size_t tri_gc_mark_with(tri_gc_marker *m, size_t budget)
{
    tri_gc_heap *h = m->heap;
    if (h->mark.grey_bits)
        return mark_loop(m, budget, true, false);
    return h->mark.concurrent ? mark_loop(m, budget, false, true) : mark_loop(m, budget, false, false);
}

void tri_gc_recover_grey(tri_gc_heap *h)
{
    size_t done = 0;
    while (atomic_exchange_explicit(&h->mark.overflow, 0, memory_order_relaxed))
        tri_gc_for_each_gcspan(h, recover_span, &done);
    h->mark.self.scanned += done;
}

/* The mutator's marking: its marker, then objects a failed push left grey,
 * which it recovers itself when it marks alone (with workers, the stop's
 * drain does, while they hold off). Its counts go to the heap, and with
 * workers what it found to the pool. */
size_t tri_gc_mark_work(tri_gc_heap *h, size_t budget)
{
    tri_gc_marker *m = &h->mark.self;
    size_t done = 0;
    for (;;) {
        done += tri_gc_mark_with(m, budget - done);
        if (done >= budget || h->mark.concurrent || !atomic_load_explicit(&h->mark.overflow, memory_order_relaxed))
            break;
        atomic_store_explicit(&h->mark.overflow, 0, memory_order_relaxed);
        tri_gc_for_each_gcspan(h, recover_span, &done);
    }
    h->stats.scan_total += m->scanned;
    tri_gc_marker_flush(m);
    return done;
}

/* Draws up to `want` bytes of scan work from the workers' credit. */
static uint64_t draw_credit(tri_gc_heap *h, uint64_t want)
{
    int64_t have = atomic_load_explicit(&h->mark.credit, memory_order_relaxed), take;
    do {
        if (have <= 0)
            return 0;
        take = have < (int64_t)want ? have : (int64_t)want;
    } while (!atomic_compare_exchange_weak_explicit(&h->mark.credit, &have, have - take, memory_order_relaxed,
                                                    memory_order_relaxed));
    return (uint64_t)take;
}

/* Allocation pays for itself in scan work (assist_ratio per byte): from
 * the workers' credit first, then by marking, a step at a time. With
 * workers, an allocation past the goal with its debt unpaid and nothing
 * to scan waits for them (as Go's assists park): the program cannot outrun
 * marking, even where marking cannot be shared (a long list). */
void tri_gc_assist(tri_gc_heap *h)
{
    uint64_t t = tri_gc_now();
    h->pacer.assist_debt += (int64_t)(h->pacer.live - h->pacer.assist_mark); /* allocated since the last assist */
    h->pacer.assist_mark = h->pacer.live;
    if (!h->mark.roots_scanned)
        tri_gc_scan_roots(h);
    tri_gc_pacer_assist_ratio(h);
    double ratio = h->pacer.assist_ratio, want = (double)h->pacer.assist_debt * ratio;
    uint64_t credit = h->mark.concurrent && want >= 1 ? draw_credit(h, (uint64_t)want) : 0;
    want -= (double)credit;
    size_t budget = want > (double)h->config.step_bytes ? h->config.step_bytes : want < 1 ? 1 : (size_t)want;
    size_t done = want >= 1 ? tri_gc_mark_work(h, budget) : 0;
    /* (Not for a goal the soft memory limit set: the heap may pass that,
     * and the CPU limiter, not waiting, keeps the collector's share.) */
    while (h->mark.concurrent && (double)done < want && h->pacer.live > h->pacer.goal && !h->pacer.limit_bound) {
        if (tri_gc_grey_lists_empty(h))
            break; /* nothing left to wait for: the cycle ends */
        atomic_store_explicit(&h->mark.waiting, 1, memory_order_relaxed);
        tri_prim_yield();
        atomic_store_explicit(&h->mark.waiting, 0, memory_order_relaxed);
        uint64_t more = draw_credit(h, (uint64_t)(want - (double)done));
        credit += more;
        want -= (double)more;
        done += tri_gc_mark_work(h, h->config.step_bytes); /* what the workers handed over */
    }
    h->stats.assist_total += done;
    double paid = ratio > 0 ? (double)(done + credit) / ratio : (double)h->pacer.assist_debt;
    h->pacer.assist_debt = paid >= (double)h->pacer.assist_debt ? 0 : h->pacer.assist_debt - (int64_t)paid;
    tri_gc_record_step(h, true, tri_gc_now() - t, done);
    tri_gc_end_mark_if_done(h);
    tri_gc_repace(h);
}

/* --- roots -------------------------------------------------------------------------------------- */

#if !defined(__wasm__)
/* Conservative scan of the mutator's stack: every aligned word between
 * here and the top of the stack, registers included (setjmp spills the
 * callee-saved ones into this frame), is taken for a pointer if it points
 * into an allocated object of this heap. */
__attribute__((noinline, no_sanitize("address"))) static void scan_stack(tri_gc_heap *h)
{
    jmp_buf regs;
    setjmp(regs);
    uintptr_t lo = (uintptr_t)&regs & ~(uintptr_t)(TRI_WORD - 1), hi = h->roots.stack_hi;
    if (!hi || lo < h->roots.stack_lo || lo >= hi)
        return; /* not on the mutator's stack */
    for (uintptr_t a = lo; a + TRI_WORD <= hi; a += TRI_WORD)
        tri_gc_shade(h, *(volatile uintptr_t *)a);
}
#endif

void tri_gc_scan_roots(tri_gc_heap *h)
{
    for (size_t r = 0; r < h->roots.count; r++)
        for (size_t i = 0; i < h->roots.ranges[r].count; i++)
            tri_gc_shade(h, (uintptr_t)h->roots.ranges[r].slots[i]);
    for (tri_gc_frame *f = h->head.frames; f; f = f->prev)
        for (size_t i = 0; i < f->count; i++)
            tri_gc_shade(h, (uintptr_t)f->slots[i]);
    tri_gc_shade_final_queue(h);
    if (h->alloc.tiny)
        tri_gc_shade(h, h->alloc.tiny);
#if !defined(__wasm__)
    if (h->config.conservative_stack)
        scan_stack(h);
#endif
    h->mark.roots_scanned = 1;
    tri_gc_barrier_update(h); /* hybrid: the new value needs no shading from now on */
}

int tri_gc_add_roots(tri_gc_heap *h, void **slots, size_t count)
{
    if (!tri_array_reserve(h->roots.ranges, h->roots.cap, h->roots.count))
        return -1;
    h->roots.ranges[h->roots.count++] = (tri_gc_root_range){slots, count};
    /* A root added while marking may hold a white object: Dijkstra and
     * none rescan roots at termination, Yuasa's snapshot does not. */
    if (tri_gc_marking(h) && h->mark.roots_scanned)
        for (size_t i = 0; i < count; i++)
            tri_gc_shade(h, (uintptr_t)slots[i]);
    return 0;
}

int tri_gc_remove_roots(tri_gc_heap *h, void **slots)
{
    for (size_t r = 0; r < h->roots.count; r++)
        if (h->roots.ranges[r].slots == slots) {
            h->roots.ranges[r] = h->roots.ranges[--h->roots.count];
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

void tri_gc_for_each_root(tri_gc_heap *h, void (*fn)(void **, void *, void *), void *arg)
{
    for (size_t r = 0; r < h->roots.count; r++)
        for (size_t i = 0; i < h->roots.ranges[r].count; i++)
            fn(&h->roots.ranges[r].slots[i], h->roots.ranges[r].slots[i], arg);
    for (tri_gc_frame *f = h->head.frames; f; f = f->prev)
        for (size_t i = 0; i < f->count; i++)
            fn(&f->slots[i], f->slots[i], arg);
}
