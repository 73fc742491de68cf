/*
 * The page heap: every page of every arena is in exactly one of three
 * states, and this file is the only one that moves pages between them.
 *
 *   in use     part of a span handed to a central list or a large object
 *   free       part of a free span, waiting here; "dirty" if it may still be
 *              backed by memory, "released" if it was given back (or never
 *              touched), in which case it reads as zeros
 *   reserved   beyond an arena's committed prefix: not yet accessible
 *
 * A span's state is FREE exactly while it is here; only this file sets or
 * clears FREE, under the page heap's lock. Other states change under other
 * locks (a central list recasts a fresh span as SMALL), so a neighbour's
 * state is read atomically: any value but FREE means "in use".
 *
 * The span map. A free span and a span handed out are mapped at their first
 * and last pages, NULL between: merging finds a neighbour through the page
 * next to a span's end, and a large object is found by its first byte, so
 * handing out or taking back a span of any size writes two entries.
 * Central lists and collected heaps, whose objects are found from any
 * address, map the rest (tri_pageheap_map_all) and this file clears it
 * again when the span comes back. An interior is thus all NULL or all the
 * span, and its first entry says which.
 *
 * Free spans sit in size-indexed free lists: one list per exact page count
 * below 128 pages, then 8 lists per power of two (as TLSF does), and a
 * bitmap of non-empty lists. Allocation takes the best fit: the exact list,
 * else the smallest non-empty list above it, found with one bit scan, and
 * in that list the lowest of its first spans (address-ordered best fit); it
 * never walks all spans. A freed span merges with free neighbours at once,
 * found through the span map's first- and last-page entries.
 *
 * Release policy. Dirty free pages are a cache: reusing them avoids page
 * faults, but they count against the process's memory. Releasing a page the
 * program is about to reuse costs a system call now and a fault per page
 * later, so the policy's first rule is that pages go back only once they
 * have stayed unused. Free spans with dirty pages queue in the order they
 * became free, and on every page-heap operation the oldest are released
 * (madvise) while either
 *   - the oldest has been free for longer than the delay (1 s), or
 *   - it has been free for longer than the reuse window (an eighth of the
 *     delay) and dirty free bytes exceed the retain limit: the gap between
 *     the peak of in-use bytes over the last one to two delays and in-use
 *     bytes now, plus retain_percent (25%) of in-use bytes, and at least
 *     4 MiB.
 * A span freed and reused within the reuse window is thus never released in
 * between, however far a moment's fragmentation takes free bytes above the
 * limit (mimalloc's delayed purge has the same aim); memory above the recent
 * peak goes back within the window, and pages freed for good within about
 * two delays of later allocator activity. The work is bounded and batched:
 * at most 8 spans per operation, each in one call from its first dirty page
 * to its last (released pages between cost the kernel little; free spans
 * never lie side by side, as they coalesce). tri_release_idle_memory()
 * releases everything free at once.
 */
#include <stdlib.h>

#include "internal.h"

#define TRI_FREE_LISTS 384
#define TRI_EXACT_LISTS 128
#define TRI_GROW_PAGES 64 /* commit at least 512 KiB at a time */
#define TRI_RETAIN_MIN ((uint64_t)4 << 20)
/* Spans released per page-heap operation, at most. */
#define TRI_RELEASE_BATCH 8
/* A span freed less than delay / TRI_REUSE_WINDOW_DIV ago is kept whatever
 * the retain limit says: a program that frees and reallocates within it
 * never has its pages released in between. */
#define TRI_REUSE_WINDOW_DIV 8

static struct {
    tri_lock lock;
    TRI_LIST(tri_span) lists[TRI_FREE_LISTS];
    uint64_t nonempty[TRI_FREE_LISTS / 64];
    TRI_LIST(tri_span) lru; /* free spans with dirty pages, oldest first: the release queue */
    tri_arena *arenas;
    tri_arena *grow; /* arena whose uncommitted tail is used next */
    tri_pool spans;
    /* bytes; dirty free bytes = accessible - released - in_use */
    uint64_t reserved, accessible, released, in_use;
    uint64_t release_calls, released_total, narenas;
    uint64_t delay_ns;
    unsigned retain_percent;
    /* The peak of in_use in the current window of one delay, and in the
     * previous one. */
    uint64_t peak_now, peak_before, window_start;
} ph;

static _Atomic int64_t large_objects, large_bytes;

/* --- free lists ---------------------------------------------------------- */

static unsigned list_index(uintptr_t npages)
{
    if (npages < TRI_EXACT_LISTS)
        return (unsigned)npages;
    unsigned log = 63u - (unsigned)__builtin_clzll(npages); /* >= 7 */
    return TRI_EXACT_LISTS + (log - 7) * 8 + (unsigned)((npages >> (log - 3)) & 7);
}

#if TRI_DEBUG
/* Whether s is on the free list for its size (for assertions). */
static bool on_free_list(const tri_span *s)
{
    return s->link.prev ? s->link.prev->link.next == s : ph.lists[list_index(s->npages)].first == s;
}
#endif

/* A span is FREE exactly while it is on a free list. */
static void list_insert(tri_span *s)
{
    unsigned i = list_index(s->npages);
    tri_assert(s->state == TRI_SPAN_FREE);
    tri_list_push_front(&ph.lists[i], s, link);
    tri_bit_set(ph.nonempty, i);
}

static void list_remove(tri_span *s)
{
    unsigned i = list_index(s->npages);
    tri_assert(s->state == TRI_SPAN_FREE && on_free_list(s));
    tri_list_unlink(&ph.lists[i], s, link);
    if (tri_list_empty(&ph.lists[i]))
        tri_bit_clear(ph.nonempty, i);
}

/* The first non-empty list at index >= i, or TRI_FREE_LISTS. */
static unsigned next_nonempty(unsigned i)
{
    while (i < TRI_FREE_LISTS) {
        uint64_t w = ph.nonempty[i / 64] & (~(uint64_t)0 << (i % 64));
        if (w)
            return (i & ~63u) + (unsigned)__builtin_ctzll(w);
        i = (i & ~63u) + 64;
    }
    return TRI_FREE_LISTS;
}

/* Among the first spans of a free list, at most 16 (the work stays
 * bounded), the one of at least npages that fits best, and of those that
 * fit as well, the lowest in memory. */
static tri_span *lowest_best_fit(tri_span *s, uintptr_t npages)
{
    tri_span *best = NULL;
    for (int seen = 0; s && seen < 16; s = s->link.next, seen++)
        if (s->npages >= npages &&
            (!best || s->npages < best->npages || (s->npages == best->npages && s->base < best->base)))
            best = s;
    return best;
}

/* Address-ordered best fit: the smallest free spans that fit, and of those
 * the lowest. Taking low addresses first keeps the heap's spans packed low
 * and its free pages in long runs above them, where the next large request
 * finds room; taking the newest free span instead scattered in-use spans
 * over the holes, so that on wasm, where memory only grows, churn's peak
 * was 27.0 MiB rather than 24.0. */
static tri_span *find_free(uintptr_t npages)
{
    unsigned i = list_index(npages);
    if (i >= TRI_EXACT_LISTS) { /* a list of mixed sizes: some may be short */
        tri_span *best = lowest_best_fit(ph.lists[i].first, npages);
        if (best)
            return best;
        i++;
    }
    unsigned j = next_nonempty(i);
    return j < TRI_FREE_LISTS ? lowest_best_fit(ph.lists[j].first, npages) : NULL;
}

/* --- release queue ------------------------------------------------------- */

static void lru_remove(tri_span *s)
{
    if (!s->in_lru)
        return;
    tri_list_unlink(&ph.lru, s, lru);
    s->in_lru = 0;
}

static void lru_append(tri_span *s, uint64_t since)
{
    s->free_since = since;
    tri_list_push_back(&ph.lru, s, lru);
    s->in_lru = 1;
}

static uintptr_t first_page(const tri_arena *a, const tri_span *s)
{
    return (s->base - a->base) >> TRI_PAGE_SHIFT;
}

/* Whether the pages between the ends of the span at page first are mapped
 * (all of them, or none: see the span map above). */
static bool interior_mapped(const tri_arena *a, uintptr_t first, uintptr_t npages)
{
    return npages > 2 && TRI_PEEK(a->spans[first + 1]) != NULL;
}

/* Whether every page of in-use span s is mapped: so a span of two pages or
 * less, whose pages are all ends. */
static bool maps_every_page(const tri_arena *a, const tri_span *s)
{
    return s->npages <= 2 || interior_mapped(a, first_page(a, s), s->npages);
}

/* The pages among npages from page first of a that are not released. */
static uintptr_t dirty_pages(const tri_arena *a, uintptr_t first, uintptr_t npages)
{
    return npages - tri_bits_count(a->released, first, npages);
}

/* Gives a free span's dirty pages back to the OS in one call, from its
 * first dirty page to its last (released pages between them cost the
 * kernel a look at empty page tables, less than a call each); returns the
 * pages released. */
static uintptr_t release_span(tri_span *s)
{
    tri_arena *a = tri_arena_of(s->base);
    uintptr_t first = first_page(a, s), end = first + s->npages;
    uintptr_t dirty = dirty_pages(a, first, s->npages);
    lru_remove(s);
    if (!dirty)
        return 0;
    while (tri_bit(a->released, first))
        first++;
    while (tri_bit(a->released, end - 1))
        end--;
    tri_prim_decommit((void *)(a->base + (first << TRI_PAGE_SHIFT)), (end - first) << TRI_PAGE_SHIFT);
    tri_bits_fill(a->released, first, end - first, true);
    if (tri_prim_decommit_zeroes)
        tri_bits_fill(a->zero, first, end - first, true);
    ph.release_calls++;
    ph.released += dirty << TRI_PAGE_SHIFT;
    ph.released_total += dirty << TRI_PAGE_SHIFT;
    return dirty;
}

/* Releases the spans that have been free long enough, oldest first, at
 * most TRI_RELEASE_BATCH of them: the work one page-heap operation does
 * for the policy is bounded, and what is left waits for the next. */
static void scavenge(uint64_t now)
{
    if (now - ph.window_start >= ph.delay_ns) {
        ph.peak_before = now - ph.window_start >= 2 * ph.delay_ns ? ph.in_use : ph.peak_now;
        ph.peak_now = ph.in_use;
        ph.window_start = now;
    }
    uint64_t reuse_window = ph.delay_ns / TRI_REUSE_WINDOW_DIV;
    if (tri_list_empty(&ph.lru) || now - ph.lru.first->free_since < reuse_window)
        return; /* nothing has been free long enough: the usual case, decided in two loads */
    uint64_t peak = ph.peak_now > ph.peak_before ? ph.peak_now : ph.peak_before;
    uint64_t limit = peak - ph.in_use + ph.in_use / 100 * ph.retain_percent;
    if (limit < TRI_RETAIN_MIN)
        limit = TRI_RETAIN_MIN;
    for (unsigned n = 0; n < TRI_RELEASE_BATCH && !tri_list_empty(&ph.lru); n++) {
        tri_span *oldest = ph.lru.first;
        uint64_t idle = now - oldest->free_since;
        uint64_t dirty = ph.accessible - ph.released - ph.in_use;
        if (idle < ph.delay_ns && !(dirty > limit && idle >= reuse_window))
            break;
        release_span(oldest);
    }
}

/* --- spans in and out ------------------------------------------------------ */

/* Makes s (in use, or fresh pages when `fresh`) free: merges it with free
 * neighbours, files it, queues it for release if it has dirty pages. */
static void make_free(tri_span *s, tri_arena *a, bool fresh, uint64_t now)
{
    uintptr_t first = first_page(a, s), last = first + s->npages - 1;
    uint64_t since = now;
    tri_asan_poison(s->base, s->npages << TRI_PAGE_SHIFT); /* nobody's until handed out again */
    tri_assert(fresh || s->state != TRI_SPAN_FREE); /* a span freed twice */
    if (!fresh) {
        if (interior_mapped(a, first, s->npages)) /* only the ends of a free span are mapped */
            tri_spanmap_fill(a, first + 1, last - first - 1, NULL);
        if (s->state == TRI_SPAN_SMALL)
            tri_pagemap_mark(s, 0);
        ph.in_use -= s->npages << TRI_PAGE_SHIFT;
    }
    TRI_POKE(s->state, TRI_SPAN_FREE);
    s->sizeclass = 0;
    s->nelems = 0;
    s->elemsize = 0;

    if (first > 0) {
        tri_span *left = a->spans[first - 1];
        if (left && TRI_PEEK(left->state) == TRI_SPAN_FREE) {
            if (fresh && left->in_lru)
                since = left->free_since;
            list_remove(left);
            lru_remove(left);
            TRI_POKE(a->spans[first - 1], NULL);
            TRI_POKE(a->spans[first], NULL);
            s->base = left->base;
            s->npages += left->npages;
            first -= left->npages;
            tri_pool_free(&ph.spans, left);
        }
    }
    if (last + 1 < a->committed) {
        tri_span *right = a->spans[last + 1];
        if (right && TRI_PEEK(right->state) == TRI_SPAN_FREE) {
            list_remove(right);
            lru_remove(right);
            TRI_POKE(a->spans[last], NULL);
            TRI_POKE(a->spans[last + 1], NULL);
            s->npages += right->npages;
            last += right->npages;
            tri_pool_free(&ph.spans, right);
        }
    }
    tri_spanmap_set(a, first, s);
    tri_spanmap_set(a, last, s);
    list_insert(s);
    lru_remove(s);
    /* A span that was in use has dirty pages (carve took their released
     * bits): no count over what may now be a long free run. Fresh pages
     * are all released, so only a neighbour can have made s dirty. */
    tri_assert(fresh || dirty_pages(a, first, s->npages));
    if (!fresh || dirty_pages(a, first, s->npages))
        lru_append(s, since);
}

/* Takes npages from the front of free span f; the span returned is mapped
 * on every page, counted in use, and a large object until its caller says
 * otherwise. */
static tri_span *carve(tri_span *f, uintptr_t npages)
{
    tri_arena *a = tri_arena_of(f->base);
    uintptr_t first = first_page(a, f);
    tri_span *s;
    if (f->npages == npages) {
        list_remove(f);
        lru_remove(f);
        s = f;
    } else {
        s = tri_pool_alloc(&ph.spans);
        if (!s)
            return NULL;
        list_remove(f);
        s->base = f->base;
        s->npages = npages;
        f->base += npages << TRI_PAGE_SHIFT;
        f->npages -= npages;
        tri_spanmap_set(a, first + npages, f);
        list_insert(f);
    }
    uintptr_t released = tri_bits_take(a->released, first, npages); /* in use: neither */
    s->zeroed = tri_bits_take(a->zero, first, npages) == npages;
    ph.released -= released << TRI_PAGE_SHIFT;
    ph.in_use += npages << TRI_PAGE_SHIFT;
    if (ph.in_use > ph.peak_now)
        ph.peak_now = ph.in_use;
    tri_spanmap_set(a, first, s); /* its ends: f's interior was NULL */
    tri_spanmap_set(a, first + npages - 1, s);
    tri_assert(!on_free_list(s));
    TRI_POKE(s->state, TRI_SPAN_LARGE); /* in use: never merged; callers may recast it */
    s->sizeclass = 0;
    s->nelems = 0;
    s->link.next = s->link.prev = NULL;
    return s;
}

/* Makes the next npages of a's reservation accessible, as a free span. */
static bool commit_tail(tri_arena *a, uintptr_t npages, uint64_t now)
{
    uintptr_t first = a->committed;
    if (!tri_prim_commit((void *)(a->base + (first << TRI_PAGE_SHIFT)), npages << TRI_PAGE_SHIFT))
        return false;
    tri_span *s = tri_pool_alloc(&ph.spans);
    if (!s)
        return false;
    s->base = a->base + (first << TRI_PAGE_SHIFT);
    s->npages = npages;
    a->committed += npages;
    tri_bits_fill(a->released, first, npages, true); /* untouched: not backed, zero */
    tri_bits_fill(a->zero, first, npages, true);
    ph.accessible += npages << TRI_PAGE_SHIFT;
    ph.released += npages << TRI_PAGE_SHIFT;
    tri_spanmap_set(a, first, s);
    tri_spanmap_set(a, first + npages - 1, s);
    make_free(s, a, true, now);
    return true;
}

static tri_arena *add_arena(uintptr_t npages)
{
    tri_arena *a = tri_arena_create(npages);
    if (a) {
        a->next = ph.arenas;
        ph.arenas = a;
        ph.reserved += a->npages << TRI_PAGE_SHIFT;
        ph.narenas++;
    }
    return a;
}

/* The uncommitted pages of the growth arena a, made at least npages by
 * growing a in place where the OS layer can (wasm) and it falls short. */
static uintptr_t room_for(tri_arena *a, uintptr_t npages)
{
    uintptr_t room = a->npages - a->committed;
    if (room < npages && tri_arena_extend(a, npages - room)) {
        ph.reserved += (a->npages - a->committed - room) << TRI_PAGE_SHIFT;
        room = a->npages - a->committed;
    }
    return room;
}

static bool grow(uintptr_t npages, uint64_t now)
{
    tri_arena *a = ph.grow;
    uintptr_t room = a ? room_for(a, npages) : 0;
    if (room < npages) {
        if (npages > TRI_ARENA_PAGES) { /* a dedicated arena for one huge object */
            tri_arena *d = add_arena(npages);
            return d && commit_tail(d, d->npages, now);
        }
        /* The old arena's tail becomes free pages (untouched, so free of
         * cost) rather than address space nobody will use. */
        if (a && room && !commit_tail(a, room, now))
            return false;
        a = add_arena(npages);
        if (!a)
            return false;
        ph.grow = a;
    }
    uintptr_t n = npages > TRI_GROW_PAGES ? npages : TRI_GROW_PAGES;
    if (n > a->npages - a->committed)
        n = a->npages - a->committed;
    return commit_tail(a, n, now);
}

/* Splits in-use span s after its first npages; returns the tail, in use,
 * mapped as s was: on every page, or at its ends. */
static tri_span *split_tail(tri_span *s, uintptr_t npages)
{
    tri_span *t = tri_pool_alloc(&ph.spans);
    if (!t)
        return NULL;
    tri_arena *a = tri_arena_of(s->base);
    uintptr_t first = first_page(a, s), end = first + s->npages;
    bool all = maps_every_page(a, s);
    t->base = s->base + (npages << TRI_PAGE_SHIFT);
    t->npages = s->npages - npages;
    t->state = s->state;
    s->npages = npages;
    if (all) {
        tri_spanmap_fill(a, first + npages, t->npages, t);
    } else {
        tri_spanmap_set(a, first + npages - 1, s); /* s's new last page, t's ends */
        tri_spanmap_set(a, first + npages, t);
        tri_spanmap_set(a, end - 1, t);
    }
    return t;
}

static tri_span *alloc_locked(uintptr_t npages, uintptr_t align_pages, enum tri_level *level, uint64_t now)
{
    uintptr_t need = npages + (align_pages > 1 ? align_pages - 1 : 0);
    if (need < npages)
        return NULL;
    tri_span *f = find_free(need);
    *level = TRI_LEVEL_PAGE_HEAP;
    if (!f) {
        if (!grow(need, now))
            return NULL;
        *level = TRI_LEVEL_OS;
        f = find_free(need);
        if (!f)
            return NULL;
    }
    tri_span *s = carve(f, need);
    if (!s || align_pages <= 1)
        return s;
    uintptr_t align = align_pages << TRI_PAGE_SHIFT;
    uintptr_t lead = (((s->base + align - 1) & ~(align - 1)) - s->base) >> TRI_PAGE_SHIFT;
    tri_arena *a = tri_arena_of(s->base);
    if (lead) {
        tri_span *t = split_tail(s, lead);
        if (!t) {
            make_free(s, a, false, now);
            return NULL;
        }
        make_free(s, a, false, now);
        s = t;
    }
    if (s->npages > npages) {
        tri_span *t = split_tail(s, npages);
        if (t)
            make_free(t, a, false, now);
    }
    return s;
}

void tri_pageheap_map_all(tri_span *s)
{
    if (s->npages > 2) {
        tri_arena *a = tri_arena_of(s->base);
        tri_spanmap_fill(a, first_page(a, s) + 1, s->npages - 2, s);
    }
}

tri_span *tri_large_span_around(uintptr_t addr)
{
    tri_arena *a = tri_arena_of(addr);
    tri_span *found = NULL;
    if (!a)
        return NULL;
    tri_lock_acquire(&ph.lock);
    uintptr_t p = (addr - a->base) >> TRI_PAGE_SHIFT;
    if (p < a->committed) {
        while (p > 0 && !a->spans[p])
            p--;
        tri_span *s = a->spans[p];
        if (s && s->state == TRI_SPAN_LARGE && addr - s->base < s->npages << TRI_PAGE_SHIFT)
            found = s;
    }
    tri_lock_release(&ph.lock);
    return found;
}

tri_span *tri_pageheap_alloc(uintptr_t npages, uintptr_t align_pages, enum tri_level *level)
{
    uint64_t now = tri_prim_clock_coarse_ns();
    tri_lock_acquire(&ph.lock);
    tri_span *s = alloc_locked(npages, align_pages, level, now);
    scavenge(now);
    tri_lock_release(&ph.lock);
    return s;
}

void tri_pageheap_free(tri_span *s)
{
    uint64_t now = tri_prim_clock_coarse_ns();
    tri_lock_acquire(&ph.lock);
    make_free(s, tri_arena_of(s->base), false, now);
    scavenge(now);
    tri_lock_release(&ph.lock);
}

bool tri_pageheap_resize(tri_span *s, uintptr_t npages)
{
    uint64_t now = tri_prim_clock_coarse_ns();
    bool ok = true;
    tri_lock_acquire(&ph.lock);
    tri_arena *a = tri_arena_of(s->base);
    if (npages < s->npages) {
        tri_span *t = split_tail(s, npages);
        if (t)
            make_free(t, a, false, now);
        ok = t != NULL;
    } else if (npages > s->npages) {
        uintptr_t extra = npages - s->npages, next = first_page(a, s) + s->npages;
        if (next == a->committed && a == ph.grow && room_for(a, extra) >= extra) {
            uintptr_t n = extra > TRI_GROW_PAGES ? extra : TRI_GROW_PAGES;
            if (n > a->npages - a->committed)
                n = a->npages - a->committed;
            commit_tail(a, n, now); /* the object ends at the frontier: extend it */
        }
        tri_span *right = next < a->committed ? a->spans[next] : NULL;
        tri_span *t = NULL;
        bool all = maps_every_page(a, s);
        if (right && right->state == TRI_SPAN_FREE && right->npages >= extra)
            t = carve(right, extra); /* mapped at its ends, NULL between */
        if (t) {
            if (all) {
                tri_spanmap_fill(a, next, extra, s);
            } else { /* s's old last page and t's first join the interior */
                tri_spanmap_set(a, next - 1, NULL); /* not s's first: s has over 2 pages */
                tri_spanmap_set(a, next, NULL);
                tri_spanmap_set(a, next + extra - 1, s);
            }
            s->npages = npages;
            tri_pool_free(&ph.spans, t);
        }
        ok = t != NULL;
    }
    scavenge(now);
    tri_lock_release(&ph.lock);
    return ok;
}

size_t tri_pageheap_release_all(void)
{
    tri_lock_acquire(&ph.lock);
    uintptr_t pages = 0;
    while (!tri_list_empty(&ph.lru))
        pages += release_span(ph.lru.first);
    tri_lock_release(&ph.lock);
    return pages << TRI_PAGE_SHIFT;
}

void tri_pageheap_set_policy(unsigned delay_ms, unsigned retain_percent)
{
    tri_lock_acquire(&ph.lock);
    ph.delay_ns = (uint64_t)delay_ms * 1000000u;
    ph.retain_percent = retain_percent;
    scavenge(tri_prim_clock_coarse_ns());
    tri_lock_release(&ph.lock);
}

static unsigned env_unsigned(const char *name, unsigned dflt)
{
    const char *v = tri_prim_getenv(name);
    if (!v || !*v)
        return dflt;
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (*end || n > 100000000ul) {
        tri_write_stderr("tricolor: ignoring ");
        tri_write_stderr(name);
        tri_write_stderr(": not a number in range\n");
        return dflt;
    }
    return (unsigned)n;
}

void tri_pageheap_init(void)
{
    ph.spans.name = "span records";
    ph.spans.item_size = sizeof(tri_span);
    ph.delay_ns = (uint64_t)env_unsigned("TRI_RELEASE_DELAY_MS", 1000) * 1000000u;
    ph.retain_percent = env_unsigned("TRI_RETAIN_PERCENT", 25);
    ph.window_start = tri_prim_clock_coarse_ns();
}

void tri_pageheap_count_large(int64_t objects, int64_t bytes)
{
    atomic_fetch_add_explicit(&large_objects, objects, memory_order_relaxed);
    atomic_fetch_add_explicit(&large_bytes, bytes, memory_order_relaxed);
}

void tri_pageheap_get_stats(tri_pageheap_stats *out)
{
    tri_lock_acquire(&ph.lock);
    out->reserved = ph.reserved;
    out->released = ph.released;
    out->committed = ph.accessible - ph.released;
    out->in_use = ph.in_use;
    out->release_calls = ph.release_calls;
    out->released_total = ph.released_total;
    out->arenas = ph.narenas;
    tri_lock_release(&ph.lock);
    out->large_objects = (uint64_t)atomic_load_explicit(&large_objects, memory_order_relaxed);
    out->large_bytes = (uint64_t)atomic_load_explicit(&large_bytes, memory_order_relaxed);
}

tri_span *tri_pageheap_split(tri_span *s, uintptr_t npages)
{
    tri_lock_acquire(&ph.lock);
    tri_span *t = npages < s->npages ? split_tail(s, npages) : NULL;
    tri_lock_release(&ph.lock);
    return t;
}

bool tri_pageheap_free_span_at(uintptr_t addr, uintptr_t *npages, uintptr_t *released_pages)
{
    bool found = false;
    tri_lock_acquire(&ph.lock);
    tri_span *s = tri_span_of(addr);
    if (s && s->state == TRI_SPAN_FREE && s->base == addr) {
        tri_arena *a = tri_arena_of(addr);
        *npages = s->npages;
        *released_pages = tri_bits_count(a->released, first_page(a, s), s->npages);
        found = true;
    }
    tri_lock_release(&ph.lock);
    return found;
}

/* --- the map of pages, for tools ------------------------------------------- */

static void describe_span(const tri_span *s, tri_page_run *r)
{
    r->npages = s->npages;
    switch (TRI_PEEK(s->state)) {
    case TRI_SPAN_SMALL:
        r->state = TRI_PAGES_SMALL;
        r->sizeclass = s->sizeclass;
        r->spanclass = s->spanclass;
        r->objects = s->nelems;
        r->allocated = TRI_PEEK(s->nalloc);
        break;
    case TRI_SPAN_GC:
        tri_gc_describe_span(s->gc, r);
        break;
    default:
        r->state = TRI_PAGES_LARGE;
        r->objects = r->allocated = 1;
    }
}

void tri_for_each_page_run(void (*fn)(const tri_page_run *, void *), void *arg)
{
    tri_ensure_init();
    tri_lock_acquire(&ph.lock);
    for (tri_arena *a = ph.arenas; a; a = a->next) {
        uintptr_t p = 0;
        while (p < a->committed) {
            tri_span *s = a->spans[p];
            tri_page_run r = {.base = a->base + (p << TRI_PAGE_SHIFT), .arena = a->base};
            if (s->state != TRI_SPAN_FREE) {
                describe_span(s, &r);
                fn(&r, arg);
                p += s->npages;
                continue;
            }
            /* a free span: runs of released and of backed pages */
            for (uintptr_t end = p + s->npages; p < end; p += r.npages) {
                bool released = tri_bit(a->released, p);
                r.base = a->base + (p << TRI_PAGE_SHIFT);
                r.state = released ? TRI_PAGES_RELEASED : TRI_PAGES_FREE;
                r.npages = 1;
                while (p + r.npages < end && tri_bit(a->released, p + r.npages) == released)
                    r.npages++;
                fn(&r, arg);
            }
        }
        if (a->committed < a->npages) {
            tri_page_run r = {.base = a->base + (a->committed << TRI_PAGE_SHIFT), .arena = a->base,
                              .npages = a->npages - a->committed, .state = TRI_PAGES_RESERVED};
            fn(&r, arg);
        }
    }
    tri_lock_release(&ph.lock);
}

/* For fork(): the child inherits the lock in whatever state the parent's
 * other threads left it, so the fork handlers hold it across the fork. */
void tri_pageheap_lock(void) { tri_lock_acquire(&ph.lock); }
void tri_pageheap_unlock(void) { tri_lock_release(&ph.lock); }
void tri_pageheap_reset_lock(void) { tri_lock_reset(&ph.lock); }
