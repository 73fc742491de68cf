/*
 * Marking: the roots, shading, scanning, and the work that drains the grey
 * list (Go's mgcmark.go).
 *
 * Owns: the heap's roots (global ranges, the mutator's stack bounds; the
 * shadow-stack frames are the mutator's, in the heap's head), marking's
 * span cache, and the mark counters (mark.marked, mark.scan_done,
 * stats.scan_total, stats.assist_total).
 *
 * Shading sets an object's mark bit. An object with pointers also gets its
 * grey bit and goes on the grey list (gcwork.c); scanning it shades what
 * its pointer words hold and clears the grey bit: it is black. A large
 * object is scanned in oblets of TRI_OBLET bytes, each a grey-list entry of
 * its own, so that markers can share it; it is black once every oblet is
 * scanned. Any object is scanned in pieces where a step's budget ends
 * inside it, the rest pushed back as a piece of its own.
 *
 * Invariants kept:
 *   - A grey bit is set only with the mark bit (tri_gc_white2grey), and every
 *     object with its grey bit set is on the grey list or, after a push
 *     failed for want of memory (mark.overflow), found again by a scan of
 *     the grey bits.
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

tri_gcspan *tri_gc_span_for_slow(tri_gc_heap *h, uintptr_t p)
{
    tri_gcspan *g = tri_gc_span_of(h, p);
    if (g) {
        uintptr_t page = p >> TRI_PAGE_SHIFT;
        h->mark.span_cache[page % TRI_GC_SPAN_CACHE].page = page;
        h->mark.span_cache[page % TRI_GC_SPAN_CACHE].g = g;
    }
    return g;
}

void tri_gc_span_cache_forget(tri_gc_heap *h, tri_gcspan *g)
{
    uintptr_t first = g->base >> TRI_PAGE_SHIFT, n = g->span->npages;
    for (uintptr_t k = 0; k < n && k < TRI_GC_SPAN_CACHE; k++) { /* only its own pages can name it */
        unsigned i = (unsigned)((first + k) % TRI_GC_SPAN_CACHE);
        if (h->mark.span_cache[i].g == g)
            h->mark.span_cache[i].page = 0, h->mark.span_cache[i].g = NULL;
    }
}

/* --- shading and scanning ------------------------------------------------------------------- */

uintptr_t tri_gc_for_each_slot(tri_gc_heap *h, tri_gcspan *g, uintptr_t obj, uintptr_t from, uintptr_t to,
                               tri_gc_slot_fn *fn, void *arg)
{
    uintptr_t base = g->base;
    if (!g->large) {
        for (uintptr_t w = (from - base) / TRI_WORD, end = (to - base) / TRI_WORD; w < end;) {
            unsigned n = (unsigned)(64 - w % 64 < end - w ? 64 - w % 64 : end - w);
            for (uint64_t bits = tri_bits_get(g->ptrbits, w, n); bits;)
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

static void shade_slot(tri_gc_heap *h, uintptr_t obj, uintptr_t *slot, void *arg)
{
    (void)obj, (void)arg;
    tri_gc_shade(h, *slot);
}

/* Shades what the pointer words of small span g in [from, to) hold, from
 * the span's pointer bitmap: one bitmap word at a time, one for most
 * objects. */
static void scan_words(tri_gc_heap *h, const tri_gcspan *g, uintptr_t from, uintptr_t to)
{
    const uintptr_t *slots = (const uintptr_t *)from;
    uintptr_t w0 = (from - g->base) / TRI_WORD, end = (to - g->base) / TRI_WORD;
    for (uintptr_t w = w0; w < end;) {
        unsigned n = (unsigned)(64 - w % 64 < end - w ? 64 - w % 64 : end - w);
        for (uint64_t bits = tri_bits_get(g->ptrbits, w, n); bits;) {
            uintptr_t v = slots[w - w0 + tri_bits_pop(&bits)];
            if (v)
                tri_gc_shade(h, v);
        }
        w += n;
    }
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
static TRI_NOINLINE uintptr_t scan_general(tri_gc_heap *h, tri_gcspan *g, uintptr_t e, uintptr_t limit)
{
    uintptr_t base = g->base;
    if (!g->large) {
        uint32_t size = g->elemsize, idx = tri_gc_index_in(g, e);
        e &= ~PIECE;
        uintptr_t obj = tri_gc_object_at(g, idx), to = piece_end(e, obj + size, limit);
        scan_words(h, g, e, to);
        if (to < obj + size) {
            tri_gc_grey_push(h, to | PIECE); /* the rest of the object, later */
            return to - e;
        }
        tri_gc_grey2black(g, idx);
        tri_gc_emit(h, TRI_EV_BLACK, 0, obj, 0, 0, 0);
        return to - e;
    }
    uintptr_t end = base + tri_gc_large_bytes(g);
    if (e == base) /* queue the other oblets of a large object */
        for (uintptr_t o = base + TRI_OBLET; o < end; o += TRI_OBLET)
            tri_gc_grey_push(h, o);
    uintptr_t oblet_end = base + ((e - base) / TRI_OBLET + 1) * TRI_OBLET;
    uintptr_t to = piece_end(e, oblet_end < end ? oblet_end : end, limit);
    uintptr_t bytes = tri_gc_for_each_slot(h, g, base, e, to, shade_slot, NULL);
    if (to < oblet_end && to < end) { /* the rest of the oblet is a piece of its own */
        g->oblets_left++;
        tri_gc_grey_push(h, to);
    }
    if (--g->oblets_left > 0)
        return bytes;
    tri_gc_grey2black(g, 0);
    tri_gc_emit(h, TRI_EV_BLACK, 0, base, 0, 0, 0);
    return bytes;
}

/* Scans the grey object at e, or the piece of one that starts there: at
 * most `limit` bytes (at least TRI_GC_MIN_SCAN), the rest going back on
 * the grey list as a piece of its own. An object is black once its last
 * piece is scanned; a large object is first cut into oblets, shared out as
 * pieces. Returns the bytes scanned. Inline in the mark loop, which passes
 * where marked bytes go and whether to emit events. */
static inline __attribute__((always_inline)) uintptr_t scan(tri_gc_heap *h, uintptr_t e, uintptr_t limit,
                                                           uint64_t *marked, bool events)
{
    tri_gcspan *g = tri_gc_span_for(h, e);
    uint32_t size = g->elemsize;
    if (likely(g->scan_one_word && !(e & PIECE) && size <= limit)) {
        /* the common case: a whole small object whose pointer bits are one
         * word: the span's type's, or from the span's bitmap */
        uint32_t idx = tri_gc_index_in(g, e);
        tri_assert(!tri_gc_is_white(g, idx)); /* nothing white is ever on the grey list */
        const uintptr_t *slots = (const uintptr_t *)e;
        uint64_t bits = g->type ? g->objmask : tri_bits_get(g->ptrbits, (e - g->base) / TRI_WORD, size / TRI_WORD);
        while (bits) {
            uintptr_t v = slots[tri_bits_pop(&bits)];
            if (v)
                tri_gc_shade_into(h, v, marked, events);
        }
        tri_gc_grey2black(g, idx);
        if (events)
            tri_gc_emit(h, TRI_EV_BLACK, 0, e, 0, 0, 0);
        return size;
    }
    return scan_general(h, g, e, limit);
}

/* --- marking with no memory ---------------------------------------------------------------------- */

/* Scans the grey objects of g where they lie, for when not even one work
 * buffer can be had: slower than the list, but it needs no memory. */
static size_t scan_grey_in_place(tri_gc_heap *h, tri_gcspan *g)
{
    size_t done = 0;
    if (g->large) {
        if (tri_gc_is_grey(g, 0)) {
            done += tri_gc_for_each_slot_of(h, g, g->base, shade_slot, NULL);
            g->oblets_left = 0;
            tri_gc_grey2black(g, 0);
            tri_gc_emit(h, TRI_EV_BLACK, 0, g->base, 0, 0, 0);
        }
        return done;
    }
    for (bool again = true; again;) { /* until none is left: children shaded here may be grey here */
        again = false;
        for (uint32_t w = 0; w < g->words; w++)
            while (g->grey[w]) { /* scan() clears the object's bit */
                done += scan(h, tri_gc_object_at(g, w * 64 + (unsigned)__builtin_ctzll(g->grey[w])), UINTPTR_MAX,
                             &h->mark.marked, h->events.ring != NULL);
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
    if (g->large && tri_gc_is_grey(g, 0))
        g->oblets_left = tri_gc_oblets_of(g);
    for (uint32_t w = 0; w < g->words; w++)
        for (uint64_t bits = g->grey[w]; bits;) {
            uint32_t idx = w * 64 + tri_bits_pop(&bits);
            int overflowed = h->mark.overflow;
            h->mark.overflow = 0;
            tri_gc_grey_push(h, tri_gc_object_at(g, idx));
            if (h->mark.overflow) {
                *done += scan_grey_in_place(h, g);
                return; /* overflow stays set: another pass looks again */
            }
            h->mark.overflow = overflowed;
        }
}

/* --- the mark loop ------------------------------------------------------------------------------ */

/* Scans grey objects until `budget` bytes are done or none is left.
 * Objects pass through a small FIFO on their way from the grey list to the
 * scanner, and are prefetched as they enter it: by the time one is scanned
 * its memory has had several scans' time to arrive. Written once and
 * compiled twice, with events on and off, so the loop tests neither them
 * nor the marked counter in memory. */
#define PREFETCH_DEPTH 8
static inline __attribute__((always_inline)) size_t mark_loop(tri_gc_heap *h, size_t budget, bool events)
{
    uintptr_t fifo[PREFETCH_DEPTH];
    unsigned head = 0, n = 0;
    size_t done = 0;
    uint64_t marked = 0;
    for (;;) {
        while (n < PREFETCH_DEPTH) {
            uintptr_t e = tri_gc_grey_pop(h);
            if (!e)
                break;
            __builtin_prefetch((const void *)e);
            fifo[(head + n++) % PREFETCH_DEPTH] = e;
        }
        if (n == 0) {
            if (!h->mark.overflow)
                break;
            h->mark.overflow = 0;
            h->mark.marked += marked; /* recovery shades through tri_gc_shade */
            marked = 0;
            tri_gc_for_each_gcspan(h, recover_span, &done);
            continue;
        }
        uintptr_t e = fifo[head];
        head = (head + 1) % PREFETCH_DEPTH;
        n--;
        done += scan(h, e, budget - done, &marked, events);
        if (done >= budget)
            break;
    }
    while (n > 0) /* over budget: what is prefetched goes back to the list */
        tri_gc_grey_push(h, fifo[(head + --n) % PREFETCH_DEPTH]);
    h->mark.marked += marked;
    h->mark.scan_done += done;
    h->stats.scan_total += done;
    return done;
}

size_t tri_gc_mark_work(tri_gc_heap *h, size_t budget)
{
    return h->events.ring ? mark_loop(h, budget, true) : mark_loop(h, budget, false);
}

void tri_gc_assist(tri_gc_heap *h)
{
    uint64_t t = tri_gc_now();
    h->pacer.assist_debt += (int64_t)(h->pacer.live - h->pacer.assist_mark); /* allocated since the last assist */
    h->pacer.assist_mark = h->pacer.live;
    if (!h->mark.roots_scanned)
        tri_gc_scan_roots(h);
    tri_gc_pacer_assist_ratio(h);
    double ratio = h->pacer.assist_ratio, want = (double)h->pacer.assist_debt * ratio;
    size_t budget = want > (double)h->config.step_bytes ? h->config.step_bytes : want < 1 ? 1 : (size_t)want;
    size_t done = tri_gc_mark_work(h, budget);
    h->stats.assist_total += done;
    double paid = ratio > 0 ? (double)done / ratio : (double)h->pacer.assist_debt;
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
