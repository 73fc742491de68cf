/*
 * Allocation in a collected heap (Go's malloc.go and mcache.go).
 *
 * Owns: the span caches (alloc.cache, one span per span class, Go's
 * mcache), the type slots that lead tri_gc_alloc to them, the tiny block,
 * and the allocation counters (stats.allocs, allocated_total, objects;
 * pacer.live grows here).
 *
 * A small object comes from its class's cached span, one word of the
 * span's allocation bitmap at a time. Taking a word is where the work is:
 * its free slots are zeroed if the span's memory was used before, counted
 * (live bytes, objects, the span's nalloc, all at once), blackened if a
 * cycle is marking (objects allocated while marking are live by
 * definition), and the pacer is consulted (Go charges heapLive per span the
 * same way). Handing out one slot is then a bit scan, the slot's
 * allocation bit, and its address:
 *
 *   tri_gc_alloc: type slot -> cache -> lowest free bit -> object
 *
 * A span of a scan class remembers the type of its objects while it has
 * had only one (tri_gcspan.type): its pointer bitmap is filled with that
 * type's pattern once, when the span is fresh, so an allocation of that
 * type writes no pointer bits. The first object of another type makes the
 * span mixed, and from then each allocation writes its own bits.
 *
 * Slots a cache has taken but not handed out are counted as allocated in
 * the counters and nalloc, and are black while marking, but their
 * allocation bits are clear: they are no one's objects. Reads of the
 * counters take them out again (tri_gc_alloc_unhanded), and mark
 * termination gives them back (tri_gc_alloc_flush_caches).
 *
 * Objects of noscan type under 16 bytes share 16-byte blocks (tiny);
 * objects over 32 KiB get a span of their own. The fast path is off (every
 * allocation takes the general path, which does its work per object) when
 * the heap records events, runs a stress mode, or under ASan.
 *
 * Invariants kept:
 *   - A cached span is on no list (list TRI_GC_LIST_CACHED) and was swept
 *     this cycle; c->free holds free slots of its current word whose
 *     allocation bits are clear, already zeroed and counted.
 *   - An allocated object is zeroed, and in a scan span its pointer bits
 *     are those of its type.
 *   - A small span whose type is set has that type's pointer bits in every
 *     slot, free or not; its cache's type is the span's.
 */
#include <errno.h>

#include "gc.h"

/* --- counting taken slots ------------------------------------------------------------------ */

/* Counts n slots of the cache's span as allocated (or, n < 0, gives them
 * back): in the pacer, the statistics, the span's nalloc, and the marked
 * bytes while they are black. */
static void count_slots(tri_gc_heap *h, tri_gc_cache *c, int64_t n)
{
    int64_t bytes = n * (int64_t)c->size;
    h->pacer.live += (uint64_t)bytes;
    h->stats.allocated_total += (uint64_t)bytes;
    h->stats.allocs += (uint64_t)n;
    h->stats.objects += (uint64_t)n;
    c->g->nalloc += (uint32_t)n;
    if (h->alloc.black)
        atomic_fetch_add_explicit(&h->mark.marked, (uint64_t)bytes, memory_order_relaxed);
}

void tri_gc_alloc_unhanded(const tri_gc_heap *h, uint64_t *objects, uint64_t *bytes)
{
    *objects = *bytes = 0;
    for (unsigned spc = 0; spc < TRI_NUM_SPAN_CLASSES; spc++) {
        const tri_gc_cache *c = &h->alloc.cache[spc];
        uint64_t n = (uint64_t)tri_popcount(c->free);
        *objects += n;
        *bytes += n * c->size;
    }
}

uint32_t tri_gc_span_allocated(const tri_gc_heap *h, const tri_gcspan *g)
{
    if (g->list != TRI_GC_LIST_CACHED)
        return g->nalloc;
    return g->nalloc - (uint32_t)tri_popcount(h->alloc.cache[g->spc].free);
}

/* --- the span caches ------------------------------------------------------------------ */

/* Slot b of the cache's word is handed out. The mutator alone writes
 * allocation bits, but workers read them while they mark: a relaxed store
 * (a plain one in the instructions). The slot was blackened when its word
 * was taken, if a cycle marks, so a worker that reads the bit clear does
 * no harm. */
static inline void set_alloc_bit(tri_gc_cache *c, unsigned b)
{
    __atomic_store_n(c->allocword, __atomic_load_n(c->allocword, __ATOMIC_RELAXED) | (uint64_t)1 << b,
                     __ATOMIC_RELAXED);
}

/* Bits of bitmap word w that stand for objects of the span. */
static inline uint64_t valid_mask(const tri_gcspan *g, uint32_t w)
{
    uint32_t rest = g->nelems - w * 64;
    return tri_bits_low(rest >= 64 ? 64 : rest);
}

/* The type's pointer words from `from` on, as a mask of up to 64 bits. */
static inline uint64_t type_mask(const tri_type *t, size_t from)
{
    if (from >= t->ptr_words)
        return 0;
    size_t n = t->ptr_words - from;
    uint64_t low = tri_bits_low(n >= 64 ? 64 : (unsigned)n);
    if (!t->ptrmap)
        return low;
    uint64_t m = t->ptrmap[from / 64] >> (from % 64);
    if (from % 64 && from / 64 + 1 < (t->ptr_words + 63) / 64)
        m |= t->ptrmap[from / 64 + 1] << (64 - from % 64);
    return m & low;
}

/* Whether a span of class spc can remember objects of type t: one object's
 * pointer bits fit one word of the bitmap. */
static bool homogeneous_fit(const tri_gcspan *g, const tri_type *t)
{
    return t && t->ptr_words && !g->noscan && g->elemsize / TRI_WORD <= 64 && t->size <= g->elemsize;
}

/* A fresh span of a scan class becomes t's: every slot gets t's pointer
 * bits now, and allocations of t write none. The bits repeat with the
 * object's size in words (at most 64), so each bitmap word is 64 bits of
 * one repeating pattern, read at the right phase. */
static void span_make_homogeneous(tri_gcspan *g, const tri_type *t)
{
    unsigned words = (unsigned)(g->elemsize / TRI_WORD);
    uint64_t mask = type_mask(t, 0), lo = 0, hi = 0; /* the pattern's first 128 bits */
    for (unsigned at = 0; at < 128; at += words) {
        if (at < 64) {
            lo |= mask << at;
            if (at && at + words > 64)
                hi |= mask >> (64 - at);
        } else {
            hi |= mask << (at - 64);
        }
    }
    size_t nwords = (g->nelems * (size_t)words + 63) / 64;
    for (size_t k = 0; k < nwords; k++) {
        unsigned phase = (unsigned)((k * 64) % words);
        g->ptrbits[k] = phase ? (lo >> phase) | (hi << (64 - phase)) : lo;
    }
    g->type = t;
    g->objmask = mask;
}

/* Takes the free slots of the cache's current word: zeroes, counts and, while
 * marking, blackens them. */
static void take_word(tri_gc_heap *h, tri_gc_cache *c, uint64_t free)
{
    tri_gcspan *g = c->g;
    c->free = free;
    c->base = tri_gc_object_at(g, c->word * 64);
    c->allocword = &g->alloc[c->word];
    if (g->needzero)
        for (uint64_t f = free; f;) { /* runs of free slots, one memset each */
            unsigned lo = (unsigned)__builtin_ctzll(f);
            uint64_t run = f >> lo; /* its lowest bit is set */
            unsigned n = run == ~(uint64_t)0 ? 64 : (unsigned)__builtin_ctzll(~run);
            void *p = (void *)(c->base + (uintptr_t)lo * c->size);
            tri_asan_unpoison(p, (size_t)n * c->size);
            tri_prim_zero(p, (size_t)n * c->size);
            tri_asan_poison(p, (size_t)n * c->size);
            f &= ~(tri_bits_low(n) << lo);
        }
    if (h->alloc.black) /* workers may set other bits of the word meanwhile */
        __atomic_fetch_or(&g->mark[c->word], free, __ATOMIC_RELAXED);
    count_slots(h, c, tri_popcount(free));
}

/* The cache's word is used up: the pacer has its say, then the next word
 * with a free slot, or another span (gcsweep.c), becomes current. t is the
 * type being allocated (NULL: none, or an array), for a fresh span to
 * remember. false when out of memory. */
static TRI_NOINLINE bool cache_refill(tri_gc_heap *h, unsigned spc, const tri_type *t)
{
    tri_gc_cache *c = &h->alloc.cache[spc];
    if (unlikely(h->pacer.live >= h->pacer.limit || atomic_load_explicit(&h->workers.done, memory_order_relaxed)))
        tri_gc_pace(h, 0); /* this may flush the caches: look again after */
    if (c->free)
        return true;
    for (;;) {
        tri_gcspan *g = c->g;
        if (g) {
            while (++c->word < g->words) {
                uint64_t free = ~g->alloc[c->word] & valid_mask(g, c->word);
                if (free) {
                    take_word(h, c, free);
                    return true;
                }
            }
            tri_gc_span_file(h, g, TRI_GC_LIST_FULL);
            c->g = NULL;
            c->type = NULL;
        }
        g = tri_gc_span_for_alloc(h, spc);
        if (!g)
            return false;
        tri_assert(g->sweepgen == h->spans.sweepgen && g->list == TRI_GC_LIST_NONE);
        if (g->nalloc == 0 && homogeneous_fit(g, t) && g->type != t)
            span_make_homogeneous(g, t);
        g->list = TRI_GC_LIST_CACHED;
        c->g = g;
        c->size = g->elemsize;
        c->type = g->noscan ? NULL : g->type;
        c->word = 0;
        uint64_t free = ~g->alloc[0] & valid_mask(g, 0);
        if (free) {
            take_word(h, c, free);
            return true;
        }
        /* the loop moves on to the span's next word */
    }
}

void tri_gc_alloc_blacken_caches(tri_gc_heap *h)
{
    for (unsigned spc = 0; spc < TRI_NUM_SPAN_CLASSES; spc++) {
        tri_gc_cache *c = &h->alloc.cache[spc];
        if (c->free) {
            __atomic_fetch_or(&c->g->mark[c->word], c->free, __ATOMIC_RELAXED);
            atomic_fetch_add_explicit(&h->mark.marked, (uint64_t)tri_popcount(c->free) * c->size,
                                      memory_order_relaxed);
        }
    }
}

void tri_gc_alloc_flush_caches(tri_gc_heap *h)
{
    for (unsigned spc = 0; spc < TRI_NUM_SPAN_CLASSES; spc++) {
        tri_gc_cache *c = &h->alloc.cache[spc];
        if (!c->g)
            continue;
        if (c->free) { /* slots taken, never handed out: free again */
            count_slots(h, c, -(int64_t)tri_popcount(c->free));
            __atomic_fetch_and(&c->g->mark[c->word], ~c->free, __ATOMIC_RELAXED);
        }
        tri_gc_span_file(h, c->g, TRI_GC_LIST_PARTIAL);
        c->g = NULL;
        c->free = 0;
        c->type = NULL;
    }
}

/* --- a new object's pointer bits ------------------------------------------------------- */

/* Records which words of the new object at p (count elements of type t)
 * hold pointers, overwriting what a freed object left: 64 words at a time. */
static TRI_NOINLINE void write_ptrbits_slow(tri_gcspan *g, uintptr_t p, const tri_type *t, size_t count)
{
    uintptr_t w0 = (p - g->base) / TRI_WORD, words = g->elemsize / TRI_WORD, tw = t->size / TRI_WORD;
    for (uintptr_t k = 0; k < words; k += 64) {
        unsigned n = words - k < 64 ? (unsigned)(words - k) : 64;
        uint64_t v = 0;
        for (unsigned j = 0; j < n;) { /* gather the pattern of the elements under these words */
            uintptr_t word = k + j, elem = word / tw, in = word % tw;
            unsigned take = (unsigned)(tw - in < n - j ? tw - in : n - j);
            if (elem < count)
                v |= (type_mask(t, in) & tri_bits_low(take)) << j;
            j += take;
        }
        tri_bits_put_relaxed(g->ptrbits, w0 + k, n, v);
    }
}

/* The object at p of g gets the pointer bits of count elements of t; a
 * span that remembered another type no longer can. */
static void write_ptrbits(tri_gc_heap *h, tri_gcspan *g, uintptr_t p, const tri_type *t, size_t count)
{
    if (count == 1 && g->type == t)
        return; /* the span's slots have t's bits already */
    if (g->type) { /* mixed from now on; workers read the type while they scan */
        __atomic_store_n(&g->type, NULL, __ATOMIC_RELAXED);
        h->alloc.cache[g->spc].type = NULL;
    }
    uintptr_t words = g->elemsize / TRI_WORD;
    if (count == 1 && words <= 64)
        tri_bits_put_relaxed(g->ptrbits, (p - g->base) / TRI_WORD, (unsigned)words, type_mask(t, 0));
    else
        write_ptrbits_slow(g, p, t, count);
}

/* --- objects ----------------------------------------------------------------------------- */

/* The next free slot of the class's cached span, taking a word or a span
 * when the cache has none; 0 when out of memory. */
static inline uintptr_t take_slot(tri_gc_heap *h, unsigned spc, const tri_type *t, tri_gcspan **span,
                                  uint32_t *index)
{
    tri_gc_cache *c = &h->alloc.cache[spc];
    if (unlikely(c->free == 0) && !cache_refill(h, spc, t))
        return 0;
    unsigned b = tri_bits_pop(&c->free);
    set_alloc_bit(c, b);
    *span = c->g;
    *index = c->word * 64 + b;
    return c->base + (uintptr_t)b * c->size;
}

static void *alloc_small(tri_gc_heap *h, size_t size, bool noscan, const tri_type *t, size_t count)
{
    unsigned spc = tri_spanclass(tri_size_class(size), noscan);
    tri_gcspan *g;
    uint32_t idx;
    uintptr_t p = take_slot(h, spc, count == 1 ? t : NULL, &g, &idx);
    if (!p)
        return NULL;
    tri_asan_alloc((void *)p, size, g->elemsize);
    if (!noscan)
        write_ptrbits(h, g, p, t, count);
    tri_gc_emit(h, TRI_EV_ALLOC, (unsigned)h->alloc.black, p, g->elemsize, 0, 0);
    return (void *)p;
}

static void *alloc_large(tri_gc_heap *h, size_t size, bool noscan, const tri_type *t, size_t count)
{
    uintptr_t npages = (size + TRI_PAGE_SIZE - 1) >> TRI_PAGE_SHIFT;
    tri_gcspan *g = tri_gc_span_new(h, noscan, npages, 1, npages << TRI_PAGE_SHIFT, true);
    if (!g)
        return NULL;
    g->noscan = noscan;
    g->type = t;
    g->count = count;
    void *p = (void *)g->base;
    tri_asan_unpoison(p, size);
    if (g->needzero)
        tri_prim_zero(p, size);
    g->nalloc = 1;
    if (h->alloc.black) {
        __atomic_store_n(&g->mark[0], 1, __ATOMIC_RELAXED); /* black: allocated while marking */
        atomic_fetch_add_explicit(&h->mark.marked, g->elemsize, memory_order_relaxed);
    }
    /* Release: a worker that reads the allocation bit (acquire, in
     * tri_gc_shade_into) sees the record whole, the mark bit included,
     * though the span was published to the span map before. */
    __atomic_store_n(&g->alloc[0], 1, TRI_PUBLISH);
    tri_gc_span_file(h, g, TRI_GC_LIST_LARGE);
    h->pacer.live += g->elemsize;
    h->stats.allocated_total += g->elemsize;
    h->stats.allocs++;
    h->stats.objects++;
    tri_gc_emit(h, TRI_EV_ALLOC, (unsigned)h->alloc.black, (uintptr_t)p, g->elemsize, 0, 0);
    return p;
}

/* Objects of noscan type under 16 bytes share 16-byte blocks, as in Go: the
 * block lives while any of its objects does. The block's span counts its
 * objects, so that statistics count objects, not blocks, and finalizers and
 * weak references know a tiny object when they see one. */
/* A tiny object's alignment less one: as its size is a multiple of 8, 4,
 * 2 or none of them. */
static inline size_t tiny_align(size_t size)
{
    return size % 8 == 0 ? 7 : size % 4 == 0 ? 3 : size % 2 == 0 ? 1 : 0;
}

/* Block idx of g, at block, is the current tiny block, with its first
 * object of `size` bytes. */
static inline void *start_tiny_block(tri_gc_heap *h, tri_gcspan *g, uint32_t idx, uintptr_t block, size_t size)
{
    g->tiny[idx] = 1;
    h->alloc.tiny = block;
    h->alloc.tiny_count = &g->tiny[idx];
    h->alloc.tiny_off = size;
    return (void *)block;
}

static void *alloc_tiny(tri_gc_heap *h, size_t size)
{
    size_t off = (h->alloc.tiny_off + tiny_align(size)) & ~tiny_align(size);
    if (h->alloc.tiny && off + size <= 16) {
        h->alloc.tiny_off = off + size;
        (*h->alloc.tiny_count)++;
        h->stats.allocs++;
        h->stats.objects++;
        return (void *)(h->alloc.tiny + off);
    }
    tri_gcspan *g;
    uint32_t idx;
    uintptr_t block = take_slot(h, TRI_GC_TINY_SPC, NULL, &g, &idx);
    if (!block)
        return NULL;
    tri_asan_alloc((void *)block, 16, 16); /* the whole block is the program's */
    tri_gc_emit(h, TRI_EV_ALLOC, (unsigned)h->alloc.black, block, 16, 0, 0);
    return start_tiny_block(h, g, idx, block, size);
}

static void *allocate(tri_gc_heap *h, size_t size, const tri_type *t, size_t count)
{
    bool noscan = t == NULL || t->ptr_words == 0;
    if (unlikely(h->pacer.live + size >= h->pacer.limit ||
                 atomic_load_explicit(&h->workers.done, memory_order_relaxed)))
        tri_gc_pace(h, size); /* due, or the workers found marking done */
    for (int attempt = 0; attempt < 2; attempt++) {
        void *p;
        if (noscan && size < 16)
            p = alloc_tiny(h, size);
        else if (size <= TRI_SMALL_MAX)
            p = alloc_small(h, size, noscan, t, count);
        else
            p = alloc_large(h, size, noscan, t, count);
        if (p)
            return p;
        if (attempt == 0 && !h->cycle.in_collector)
            tri_gc_collect_now(h); /* out of memory: collect everything, then try once more */
    }
    errno = ENOMEM;
    return NULL;
}

/* --- type slots ----------------------------------------------------------------------------- */

void tri_gc_alloc_init(tri_gc_heap *h)
{
    /* The fast paths are off while allocations must be seen one by one:
     * events, stress, ASan's poisoning. */
#ifdef TRI_ASAN
    h->alloc.fast = 0;
#else
    h->alloc.fast = !h->events.objects && !h->config.stress;
#endif
}

/* Lets type t take the fast path, if its objects are small, not tiny, and
 * their pointer bits fit one word of a bitmap. Only objects without
 * pointers are tiny: an 8-byte node of two 4-byte pointers (wasm32) has a
 * size class of its own, and the fast path. */
static void type_slot_fill(tri_gc_heap *h, const tri_type *t)
{
    size_t size = t->size, pw = t->ptr_words;
    if (!h->alloc.fast || (pw == 0 && size < 16) || size > 64 * TRI_WORD || pw > 64)
        return;
    unsigned spc = tri_spanclass(tri_size_class(size), pw == 0);
    tri_gc_type_slot *ts = &h->alloc.types[tri_gc_type_slot_of(t)];
    ts->type = t;
    ts->span_type = pw ? t : NULL;
    ts->cache = &h->alloc.cache[spc];
}

/* --- the API ----------------------------------------------------------------------------- */

void *tri_gc_alloc_array(tri_gc_heap *h, const tri_type *elem, size_t count)
{
    size_t size;
    if (elem == NULL || (elem->ptr_words && (elem->size % TRI_WORD || elem->ptr_words * TRI_WORD > elem->size))) {
        errno = EINVAL;
        return NULL;
    }
    if (__builtin_mul_overflow(elem->size, count, &size) || size > TRI_MAX_ALLOC) {
        errno = ENOMEM;
        return NULL;
    }
    if (count == 1)
        type_slot_fill(h, elem);
    return allocate(h, size ? size : 1, elem, count);
}

/* The fast path: the type's slot names its cache; the cache's current word
 * has a free slot, and its span has the type's pointer bits already. */
void *tri_gc_alloc(tri_gc_heap *h, const tri_type *type)
{
    tri_gc_type_slot *ts = &h->alloc.types[tri_gc_type_slot_of(type)];
    if (likely(ts->type == type)) {
        tri_gc_cache *c = ts->cache;
        uint64_t free = c->free;
        if (likely(free != 0 && c->type == ts->span_type)) {
            unsigned b = (unsigned)__builtin_ctzll(free);
            c->free = free & (free - 1);
            set_alloc_bit(c, b);
            return (void *)(c->base + (uintptr_t)b * c->size);
        }
    }
    return tri_gc_alloc_array(h, type, 1);
}

/* Memory without pointers: a tiny object from the current block, or a
 * slot of the noscan class's cache, inline; else the general path. */
void *tri_gc_alloc_noscan(tri_gc_heap *h, size_t size)
{
    if (likely(h->alloc.fast && size - 1 < TRI_SMALL_SIZE_MAX)) {
        if (size < 16) {
            size_t off = (h->alloc.tiny_off + tiny_align(size)) & ~tiny_align(size);
            if (likely(h->alloc.tiny && off + size <= 16)) {
                h->alloc.tiny_off = off + size;
                (*h->alloc.tiny_count)++;
                h->stats.allocs++;
                h->stats.objects++;
                return (void *)(h->alloc.tiny + off);
            }
            tri_gc_cache *c = &h->alloc.cache[TRI_GC_TINY_SPC]; /* a new block: a slot, counted when taken */
            uint64_t free = c->free;
            if (likely(free != 0)) {
                unsigned b = (unsigned)__builtin_ctzll(free);
                c->free = free & (free - 1);
                set_alloc_bit(c, b);
                return start_tiny_block(h, c->g, c->word * 64 + b, c->base + (uintptr_t)b * 16, size);
            }
        } else {
            tri_gc_cache *c = &h->alloc.cache[tri_spanclass(tri_size_class(size), true)];
            uint64_t free = c->free;
            if (likely(free != 0)) {
                unsigned b = (unsigned)__builtin_ctzll(free);
                c->free = free & (free - 1);
                set_alloc_bit(c, b);
                return (void *)(c->base + (uintptr_t)b * c->size);
            }
        }
    }
    if (size > TRI_MAX_ALLOC) {
        errno = ENOMEM;
        return NULL;
    }
    return allocate(h, size ? size : 1, NULL, 1);
}
