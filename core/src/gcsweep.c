/*
 * The collected heap's spans and their sweeping (Go's mgcsweep.go, and the
 * part of mcentral.go that files spans).
 *
 * Owns: the heap's span lists and counts (h->spans), each span's record
 * (tri_gcspan) from creation to release, and stats.freed_total and
 * stats.served.
 *
 * A heap takes spans from the shared page heap and keeps them in its own
 * lists, per span class:
 *
 *   partial   with free objects
 *   full      without
 *   large     the large objects, each a span of its own
 *
 * and the span each class allocates from now, which is on no list (its
 * cache, gcalloc.c). There are two sets of these lists: the spans swept in
 * this cycle, and those not yet swept since the last mark. Mark termination
 * swaps the sets' roles by advancing sweepgen, in O(1) however big the
 * heap. Only the heap's mutator thread touches any of this, so none of it
 * is locked; the page heap is.
 *
 * Sweeping a span frees every object allocated but not marked: the mark
 * bitmap becomes the allocation bitmap (Go's swap of gcmarkBits into
 * allocBits) and a cleared bitmap becomes the next mark bitmap. An empty
 * span goes back to the page heap. Spans are swept lazily, when allocation
 * needs a span of their class (tri_gc_span_for_alloc), in steps paced by
 * allocation (gcpacer.c), and all at once at the next mark setup.
 *
 * Invariants kept:
 *   - sweepgen: a span's sweepgen equals the heap's once it is swept in
 *     this cycle and is the heap's - 2 before; it is never allocated from
 *     unswept, and is swept exactly once per cycle.
 *   - A span on a list of set s has g->set == s and g->list naming the
 *     list; a cached span has list TRI_GC_LIST_CACHED; spans.count counts
 *     them all and spans.unswept those of the unswept set.
 *   - nalloc equals the population of the allocation bitmap.
 */
#include "gc.h"

/* --- span lists ----------------------------------------------------------------- */

/* The set holding spans swept this cycle, and the one of unswept spans. */
static inline unsigned swept_set(const tri_gc_heap *h) { return (h->spans.sweepgen / 2) % 2; }
static inline unsigned unswept_set(const tri_gc_heap *h) { return swept_set(h) ^ 1; }

static tri_gcspan_list *list_of(tri_gc_heap *h, unsigned set, int which, unsigned spc)
{
    switch (which) {
    case TRI_GC_LIST_PARTIAL: return &h->spans.partial[set][spc];
    case TRI_GC_LIST_FULL: return &h->spans.full[set][spc];
    case TRI_GC_LIST_LARGE: return &h->spans.large[set];
    default: return NULL;
    }
}

static void file_in(tri_gc_heap *h, tri_gcspan *g, unsigned set, int which)
{
    g->set = (uint8_t)set;
    g->list = (uint8_t)which;
    tri_list_push_front(list_of(h, set, which, g->spc), g, link);
}

static void unfile(tri_gc_heap *h, tri_gcspan *g)
{
    tri_gcspan_list *list = list_of(h, g->set, g->list, g->spc);
    if (list)
        tri_list_unlink(list, g, link);
    g->list = TRI_GC_LIST_NONE;
}

void tri_gc_span_file(tri_gc_heap *h, tri_gcspan *g, int which)
{
    tri_assert(g->sweepgen == h->spans.sweepgen);
    tri_lock_acquire(&h->spans.lock);
    file_in(h, g, swept_set(h), which);
    tri_lock_release(&h->spans.lock);
}

tri_gcspan *tri_gc_span_of(tri_gc_heap *h, uintptr_t p)
{
    tri_span *s = tri_span_of(p);
    /* Acquire: a worker that finds a span the mutator just made sees its
     * record whole (tri_gc_span_new publishes it with release). */
    if (!s || __atomic_load_n(&s->state, TRI_SUBSCRIBE) != TRI_SPAN_GC)
        return NULL;
    tri_gcspan *g = s->gc;
    return g && g->heap == h ? g : NULL;
}

/* With no background sweeper running (its callers wait for it, or mark). */
void tri_gc_for_each_gcspan(tri_gc_heap *h, void (*fn)(tri_gc_heap *, tri_gcspan *, void *), void *arg)
{
    tri_assert(!h->spans.background);
    for (unsigned spc = 0; spc < TRI_NUM_SPAN_CLASSES; spc++) {
        if (h->alloc.cache[spc].g)
            fn(h, h->alloc.cache[spc].g, arg);
        tri_gcspan_list *lists[4] = {&h->spans.partial[0][spc], &h->spans.full[0][spc],
                                     &h->spans.partial[1][spc], &h->spans.full[1][spc]};
        for (int l = 0; l < 4; l++)
            tri_list_for_each(lists[l], g, link)
                fn(h, g, arg);
    }
    for (unsigned set = 0; set < 2; set++)
        tri_list_for_each(&h->spans.large[set], g, link)
            fn(h, g, arg);
}

/* --- spans in and out ------------------------------------------------------------- */

tri_gcspan *tri_gc_span_new(tri_gc_heap *h, unsigned spc, uintptr_t npages, size_t nelems, size_t elemsize,
                            bool large)
{
    uint64_t max = h->config.max_heap;
    if (max && (npages > max >> TRI_PAGE_SHIFT ||
                __atomic_load_n(&h->spans.bytes, __ATOMIC_RELAXED) + (npages << TRI_PAGE_SHIFT) > max))
        return NULL; /* allocation collects and tries again, then fails */
    enum tri_level level;
    tri_span *s = tri_pageheap_alloc(npages, 1, &level);
    if (!s)
        return NULL;
    tri_pageheap_map_all(s); /* pointers into any of its objects find it */
    /* Fresh pages, written now rather than read first (by the barrier, for
     * the slot it overwrites): one fault a page and no other core's TLB
     * flushed. Not a large object without pointers: no barrier reads it,
     * and a buffer the program fills only in part stays unbacked. */
    bool pointer_free = spc & 1; /* the span class's noscan bit (a large object's whole span class) */
    if (s->zeroed && !(large && pointer_free))
        tri_prim_prefault((void *)s->base, npages << TRI_PAGE_SHIFT);
    /* A small span's objects hold no pointers; a large object's caller sets
     * g->noscan once it knows the object (alloc_large). */
    bool noscan = !large && pointer_free;
    size_t words = (nelems + 63) / 64;
    size_t ptrwords = (noscan || large) ? 0 : ((npages << TRI_PAGE_SHIFT) / TRI_WORD + 63) / 64;
    bool tiny = !large && spc == TRI_GC_TINY_SPC; /* may hold tiny blocks: a count per block */
    size_t tinywords = tiny ? (nelems + 7) / 8 : 0;
    tri_gcspan *g = tri_calloc(1, sizeof(tri_gcspan) + (3 * words + ptrwords + tinywords) * sizeof(uint64_t));
    if (!g) {
        tri_pageheap_free(s);
        return NULL;
    }
    tri_count_level(level, 0);
    h->stats.served[level]++;
    g->span = s;
    g->base = s->base;
    g->heap = h;
    g->words = (uint32_t)words;
    g->nelems = (uint32_t)nelems;
    g->elemsize = (uint32_t)(elemsize < UINT32_MAX ? elemsize : UINT32_MAX);
    g->spc = (uint16_t)spc;
    g->noscan = noscan;
    g->large = large;
    g->needzero = !s->zeroed;
    g->sweepgen = h->spans.sweepgen;
    g->grey = g->bits + 2 * words;
    g->ptrbits = g->grey + words;
    g->tiny = tiny ? (uint8_t *)g->ptrbits : NULL;
    g->alloc = g->bits;
    g->mark = g->bits + words;
    g->divmul = large ? 0 : tri_class_floor_mul[spc >> 1];
    g->scan_one_word = !large && !noscan && g->elemsize / TRI_WORD <= 64;
    s->gc = g;
    s->sizeclass = (uint8_t)(spc >> 1);
    s->spanclass = (uint8_t)spc;
    s->elemsize = g->elemsize;
    TRI_RACE_WINDOW();
    __atomic_store_n(&s->state, TRI_SPAN_GC, TRI_PUBLISH); /* the record first: see tri_gc_span_of */
    tri_lock_acquire(&h->spans.lock);
    __atomic_fetch_add(&h->spans.bytes, npages << TRI_PAGE_SHIFT, __ATOMIC_RELAXED);
    __atomic_fetch_add(&h->spans.count, 1, __ATOMIC_RELAXED);
    tri_lock_release(&h->spans.lock);
    tri_gc_emit(h, TRI_EV_SPAN_TAKE, spc, s->base, npages, 0, 0);
    return g;
}

/* Gives g's pages back, under spans.lock. The mutator's span cache forgets
 * it; a background sweeper leaves that cache alone (another thread's), and
 * the mutator forgets its whole cache when sweeping is over. */
static void span_release(tri_gc_heap *h, tri_gcspan *g, bool mutator)
{
    tri_span *s = g->span;
    tri_gc_emit(h, TRI_EV_SPAN_RETURN, g->spc, s->base, s->npages, 0, 0);
    if (mutator)
        tri_gc_span_cache_forget(h, g);
    __atomic_fetch_sub(&h->spans.bytes, s->npages << TRI_PAGE_SHIFT, __ATOMIC_RELAXED);
    __atomic_fetch_sub(&h->spans.count, 1, __ATOMIC_RELAXED);
    s->gc = NULL;
    TRI_POKE(s->state, TRI_SPAN_LARGE); /* as the page heap hands spans out */
    tri_pageheap_free(s);
    tri_free(g);
}

/* --- sweeping ----------------------------------------------------------------------- */

/* Takes g off its unswept list for sweeping, under spans.lock. */
static void claim(tri_gc_heap *h, tri_gcspan *g)
{
    tri_assert(g->sweepgen + 2 == h->spans.sweepgen);
    unfile(h, g);
    h->spans.in_flight++;
}

/* Where a swept span goes (sweep_span). */
enum { SWEPT_RELEASED, SWEPT_FILED, SWEPT_KEPT };

/* Sweeps g, claimed: frees every object allocated but not marked. The
 * bitmap work needs no lock: a claimed span is on no list, and neither
 * allocation nor marking touches an unswept span. Then, under the lock, g
 * goes back to the page heap if empty, else is filed as partial, full or
 * large, or, if keep_partial and it has room, kept by the caller (on no
 * list). Runs on the mutator or on a background worker (`mutator`). */
static int sweep_span(tri_gc_heap *h, tri_gcspan *g, bool keep_partial, bool mutator)
{
    uint64_t *alloc = g->alloc, *mark = g->mark;
    size_t freed = 0, objects = 0;
    for (uint32_t w = 0; w < g->words; w++) {
        uint64_t dead = alloc[w] & ~mark[w];
        if (!dead)
            continue;
        freed += (size_t)tri_popcount(dead);
        if (g->tiny) /* a tiny block frees all its objects */
            for (uint64_t d = dead; d;) {
                uint32_t idx = w * 64 + tri_bits_pop(&d);
                objects += g->tiny[idx] ? g->tiny[idx] - 1u : 0;
                g->tiny[idx] = 0;
            }
#ifdef TRI_ASAN
        if (!g->large) /* a large object's pages are poisoned when they go back */
            for (uint64_t d = dead; d;)
                tri_asan_poison(tri_gc_object_at(g, w * 64 + tri_bits_pop(&d)), g->elemsize);
#endif
        if (unlikely(h->events.objects)) /* (then no background sweeper) */
            for (uint64_t d = dead; d;)
                tri_gc_emit(h, TRI_EV_FREE, 0, tri_gc_object_at(g, w * 64 + tri_bits_pop(&d)), g->elemsize, 0, 0);
    }
    g->sel ^= 1; /* the marks become the allocation bits */
    g->alloc = g->bits + (size_t)g->sel * g->words;
    g->mark = g->bits + (size_t)(g->sel ^ 1) * g->words;
    memset(g->mark, 0, g->words * sizeof(uint64_t));
    g->nalloc -= (uint32_t)freed;
    tri_assert(g->nalloc == tri_bits_count(g->alloc, 0, g->nelems));
    g->sweepgen = h->spans.sweepgen;
    if (freed) {
        /* live already left these out: it restarted from the marked bytes */
        __atomic_fetch_add(&h->stats.freed_total, (uint64_t)freed * g->elemsize, __ATOMIC_RELAXED);
        __atomic_fetch_add(&h->stats.objects_freed, (uint64_t)(freed + objects), __ATOMIC_RELAXED);
        g->needzero = 1;
    }
    int which = g->large ? TRI_GC_LIST_LARGE : g->nalloc < g->nelems ? TRI_GC_LIST_PARTIAL : TRI_GC_LIST_FULL;
    int result = g->nalloc == 0 ? SWEPT_RELEASED : keep_partial && which == TRI_GC_LIST_PARTIAL ? SWEPT_KEPT
                                                                                                 : SWEPT_FILED;
    TRI_RACE_WINDOW(); /* the mutator allocates and sweeps meanwhile */
    tri_lock_acquire(&h->spans.lock);
    __atomic_fetch_sub(&h->spans.unswept, 1, __ATOMIC_RELAXED);
    h->spans.in_flight--;
    if (result == SWEPT_RELEASED)
        span_release(h, g, mutator);
    else if (result == SWEPT_FILED)
        file_in(h, g, swept_set(h), which);
    tri_lock_release(&h->spans.lock);
    return result;
}

/* The next unswept span, claimed; NULL when none is left. Under spans.lock. */
static tri_gcspan *next_unswept(tri_gc_heap *h)
{
    unsigned u = unswept_set(h);
    tri_gcspan *g = h->spans.large[u].first;
    for (unsigned k = 0; k < TRI_NUM_SPAN_CLASSES && !g; k++) {
        unsigned spc = (h->spans.sweep_next + k) % TRI_NUM_SPAN_CLASSES;
        g = h->spans.partial[u][spc].first ? h->spans.partial[u][spc].first : h->spans.full[u][spc].first;
        if (g)
            h->spans.sweep_next = spc;
    }
    if (g)
        claim(h, g);
    return g;
}

static tri_gcspan *take_unswept(tri_gc_heap *h)
{
    tri_lock_acquire(&h->spans.lock);
    tri_gcspan *g = next_unswept(h);
    tri_lock_release(&h->spans.lock);
    return g;
}

int tri_gc_sweep_one(tri_gc_heap *h, size_t *bytes)
{
    tri_gcspan *g = take_unswept(h);
    if (!g)
        return 0;
    *bytes += g->span->npages << TRI_PAGE_SHIFT;
    sweep_span(h, g, false, true);
    return 1;
}

/* Every span is swept: the mutator sweeps what is left and waits for the
 * span the background sweeper holds (one at most, swept in microseconds). */
void tri_gc_sweep_finish_slow(tri_gc_heap *h)
{
    size_t bytes = 0;
    while (tri_gc_sweep_one(h, &bytes))
        ;
    for (;;) {
        tri_lock_acquire(&h->spans.lock);
        unsigned in_flight = h->spans.in_flight;
        tri_lock_release(&h->spans.lock);
        if (in_flight == 0)
            break;
        tri_prim_yield();
    }
    /* The sweeper may have given back spans the mutator's cache names. */
    tri_gc_span_cache_forget_all(h);
    h->spans.background = 0;
    atomic_store_explicit(&h->spans.sweeper_wanted, 0, memory_order_relaxed);
}

void tri_gc_sweep_all(tri_gc_heap *h)
{
    uint64_t t = tri_gc_now();
    tri_gc_sweep_finish_slow(h);
    tri_assert(h->spans.unswept == 0);
    h->stats.gc_ns += tri_gc_now() - t;
}

void tri_gc_sweep_background(tri_gc_heap *h)
{
    tri_gcspan *g;
    while (!atomic_load_explicit(&h->workers.hold, memory_order_relaxed) && (g = take_unswept(h)) != NULL)
        sweep_span(h, g, false, false);
    /* Held (for fork): the rest waits for a worker after the hold, or for
     * the mutator. Seq_cst, as the request at mark termination. */
    if (atomic_load_explicit(&h->workers.hold, memory_order_relaxed))
        atomic_store_explicit(&h->spans.sweeper_wanted, 1, memory_order_seq_cst);
}

/* Mark termination: every span becomes unswept. The caches let go of their
 * spans so that allocation sweeps a span before reusing it; the rest is
 * advancing sweepgen. No sweeper runs: mark setup finished the last sweep. */
void tri_gc_begin_sweep(tri_gc_heap *h)
{
    tri_gc_alloc_flush_caches(h); /* into the set that is about to become the unswept one */
    tri_lock_acquire(&h->spans.lock);
    h->spans.sweepgen += 2;
    __atomic_store_n(&h->spans.unswept, __atomic_load_n(&h->spans.count, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
    h->spans.sweep_next = 0;
    tri_lock_release(&h->spans.lock);
    /* Concurrent marking's workers sweep too (Go's bgsweep): one of them
     * takes spans, as allocation does, until none is left. The flag is
     * published before the wake-up (by mark termination, after its stop),
     * and read by a worker after it looked at the wake word, so no worker
     * sleeps through it (gcworker.c). */
    if (h->workers.started && !h->events.objects) {
        h->spans.background = 1;
        atomic_store_explicit(&h->spans.sweeper_wanted, 1, memory_order_seq_cst);
    }
}

void tri_gc_release_all(tri_gc_heap *h)
{
    tri_gc_alloc_flush_caches(h);
    tri_lock_acquire(&h->spans.lock); /* (no worker runs: they are joined) */
    for (unsigned set = 0; set < 2; set++) {
        for (unsigned spc = 0; spc < TRI_NUM_SPAN_CLASSES; spc++) {
            tri_gcspan_list *lists[2] = {&h->spans.partial[set][spc], &h->spans.full[set][spc]};
            for (int l = 0; l < 2; l++)
                while (!tri_list_empty(lists[l])) {
                    tri_gcspan *g = lists[l]->first;
                    tri_list_unlink(lists[l], g, link);
                    span_release(h, g, true);
                }
        }
        while (!tri_list_empty(&h->spans.large[set])) {
            tri_gcspan *g = h->spans.large[set].first;
            tri_list_unlink(&h->spans.large[set], g, link);
            span_release(h, g, true);
        }
    }
    tri_lock_release(&h->spans.lock);
}

/* --- spans for allocation ---------------------------------------------------------- */

tri_gcspan *tri_gc_span_for_alloc(tri_gc_heap *h, unsigned spc)
{
    unsigned sw = swept_set(h), u = sw ^ 1;
    uint64_t t = 0;
    tri_lock_acquire(&h->spans.lock);
    for (;;) {
        tri_gcspan *g = h->spans.partial[sw][spc].first;
        if (g) {
            unfile(h, g);
            tri_lock_release(&h->spans.lock);
            h->stats.served[TRI_LEVEL_CENTRAL]++;
            if (t)
                h->stats.gc_ns += tri_gc_now() - t;
            return g;
        }
        g = h->spans.partial[u][spc].first ? h->spans.partial[u][spc].first : h->spans.full[u][spc].first;
        if (!g)
            break;
        claim(h, g);
        tri_lock_release(&h->spans.lock);
        if (!t)
            t = tri_gc_now();
        if (sweep_span(h, g, true, true) == SWEPT_KEPT) {
            h->stats.served[TRI_LEVEL_CENTRAL]++;
            h->stats.gc_ns += tri_gc_now() - t;
            return g;
        }
        tri_lock_acquire(&h->spans.lock);
    }
    tri_lock_release(&h->spans.lock);
    if (t)
        h->stats.gc_ns += tri_gc_now() - t;
    unsigned c = spc >> 1;
    return tri_gc_span_new(h, spc, tri_class_npages[c], tri_class_nelems(c), tri_class_size[c], false);
}
