/*
 * Allocation in a collected heap (Go's malloc.go and mcache.go).
 *
 * Owns: the span caches (alloc.cache, one span per span class, Go's
 * mcache), the tiny block, and the allocation counters (stats.allocs,
 * stats.allocated_total; pacer.live grows here).
 *
 * A small object comes from its class's cached span: the next clear bit of
 * the span's allocation bitmap, taken from a free mask of one bitmap word.
 * The object is zeroed if the span's memory was used before, and for a
 * scan class its pointer words are written into the span's pointer bitmap
 * from its type. While a cycle marks, new objects are allocated black (their
 * mark bit set): they are live by definition. Objects of noscan type under
 * 16 bytes share 16-byte blocks (tiny); objects over 32 KiB get a span of
 * their own.
 *
 * Pacing happens before the object exists (pacer.limit, gcpacer.c): a
 * cycle that starts then allocates the object black, and assists charge
 * for it in advance.
 *
 * Invariants kept:
 *   - A cached span is on no list (list TRI_GC_LIST_CACHED) and was swept
 *     this cycle; the cache's free mask holds only clear allocation bits of
 *     its word.
 *   - An allocated object is zeroed, and in a scan span its pointer bits
 *     are those of its type.
 */
#include <errno.h>

#include "gc.h"

/* --- the span caches ------------------------------------------------------------------ */

/* Bits of bitmap word w that stand for objects of the span. */
static inline uint64_t valid_mask(const tri_gcspan *g, uint32_t w)
{
    uint32_t rest = g->nelems - w * 64;
    return tri_bits_low(rest >= 64 ? 64 : rest);
}

/* The next free object of the cache's span, or 0: one branch when the
 * cache has one. */
static inline uintptr_t cache_next(tri_gc_cache *c, tri_gcspan **span, uint32_t *index)
{
    if (unlikely(c->free == 0))
        return 0;
    tri_gcspan *g = c->g;
    uint32_t idx = c->word * 64 + tri_bits_pop(&c->free);
    tri_bit_set(g->alloc, idx);
    g->nalloc++;
    *span = g;
    *index = idx;
    return tri_gc_object_at(g, idx);
}

/* The cache is out of free objects in its word: the next word with one, or
 * another span (gcsweep.c). 0 when out of memory. */
static TRI_NOINLINE uintptr_t cache_refill(tri_gc_heap *h, unsigned spc, tri_gcspan **span, uint32_t *index)
{
    tri_gc_cache *c = &h->alloc.cache[spc];
    for (;;) {
        tri_gcspan *g = c->g;
        if (g) {
            while (++c->word < g->words) {
                c->free = ~g->alloc[c->word] & valid_mask(g, c->word);
                if (c->free)
                    return cache_next(c, span, index);
            }
            tri_gc_span_file(h, g, TRI_GC_LIST_FULL);
            c->g = NULL;
        }
        g = tri_gc_span_for_alloc(h, spc);
        if (!g)
            return 0;
        tri_assert(g->sweepgen == h->spans.sweepgen && g->list == TRI_GC_LIST_NONE);
        g->list = TRI_GC_LIST_CACHED;
        c->g = g;
        c->word = 0;
        c->free = ~g->alloc[0] & valid_mask(g, 0);
        if (c->free)
            return cache_next(c, span, index);
        /* the loop moves on to the span's next word */
    }
}

void tri_gc_alloc_flush_caches(tri_gc_heap *h)
{
    for (unsigned spc = 0; spc < TRI_NUM_SPAN_CLASSES; spc++) {
        tri_gc_cache *c = &h->alloc.cache[spc];
        if (c->g) {
            tri_gc_span_file(h, c->g, TRI_GC_LIST_PARTIAL);
            c->g = NULL;
            c->free = 0;
        }
    }
}

/* --- a new object's pointer bits ------------------------------------------------------- */

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
        tri_bits_put(g->ptrbits, w0 + k, n, v);
    }
}

/* The common case inline: one object whose bits fit a word of the bitmap. */
static inline void write_ptrbits(tri_gcspan *g, uintptr_t p, const tri_type *t, size_t count)
{
    uintptr_t words = g->elemsize / TRI_WORD;
    if (likely(count == 1 && words <= 64))
        tri_bits_put(g->ptrbits, (p - g->base) / TRI_WORD, (unsigned)words, type_mask(t, 0));
    else
        write_ptrbits_slow(g, p, t, count);
}

/* --- objects ----------------------------------------------------------------------------- */

static inline void zero_object(void *p, size_t size)
{
    /* Constant sizes become a few vector stores; `rep stos`, which a loop
     * or a variable memset turns into, is slow to start on small sizes. */
    switch (size) {
    case 16: memset(p, 0, 16); break;
    case 32: memset(p, 0, 32); break;
    case 48: memset(p, 0, 48); break;
    case 64: memset(p, 0, 64); break;
    case 80: memset(p, 0, 80); break;
    case 96: memset(p, 0, 96); break;
    case 112: memset(p, 0, 112); break;
    case 128: memset(p, 0, 128); break;
    default: memset(p, 0, size); break;
    }
}

/* Counts a new object of `bytes` and reports it. */
static inline void note_object(tri_gc_heap *h, uintptr_t p, size_t bytes)
{
    h->pacer.live += bytes;
    h->stats.allocated_total += bytes;
    h->stats.allocs++;
    h->stats.objects++;
    tri_gc_emit(h, TRI_EV_ALLOC, (unsigned)h->alloc.black, p, bytes, 0, 0);
}

/* Makes the slot idx of g, at p, a new object of `size` bytes, whose
 * pointer bits are written: inline in every caller, the fast path of
 * tri_gc_alloc among them. */
static inline __attribute__((always_inline)) void *new_object(tri_gc_heap *h, tri_gcspan *g, uint32_t idx,
                                                               uintptr_t p, size_t size)
{
    tri_asan_unpoison(p, g->elemsize);
    if (g->needzero)
        zero_object((void *)p, g->elemsize);
    tri_asan_alloc((void *)p, size, g->elemsize);
    if (unlikely(h->alloc.black)) {
        tri_gc_white2black(g, idx);
        h->mark.marked += g->elemsize;
    }
    note_object(h, p, g->elemsize);
    return (void *)p;
}

static inline void *init_small(tri_gc_heap *h, tri_gcspan *g, uint32_t idx, uintptr_t p, size_t size,
                               bool noscan, const tri_type *t, size_t count)
{
    if (!noscan)
        write_ptrbits(g, p, t, count);
    return new_object(h, g, idx, p, size);
}

static void *alloc_small(tri_gc_heap *h, size_t size, bool noscan, const tri_type *t, size_t count)
{
    unsigned spc = tri_spanclass(tri_size_class(size), noscan);
    tri_gcspan *g;
    uint32_t idx;
    uintptr_t p = cache_next(&h->alloc.cache[spc], &g, &idx);
    if (!p)
        p = cache_refill(h, spc, &g, &idx);
    if (!p)
        return NULL;
    return init_small(h, g, idx, p, size, noscan, t, count);
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
        memset(p, 0, size);
    tri_bit_set(g->alloc, 0);
    g->nalloc = 1;
    if (h->alloc.black) {
        tri_gc_white2black(g, 0);
        h->mark.marked += g->elemsize;
    }
    tri_gc_span_file(h, g, TRI_GC_LIST_LARGE);
    note_object(h, (uintptr_t)p, g->elemsize);
    return p;
}

/* Objects of noscan type under 16 bytes share 16-byte blocks, as in Go: the
 * block lives while any of its objects does. The block's span counts its
 * objects, so that statistics count objects, not blocks, and finalizers and
 * weak references know a tiny object when they see one. */
static void *alloc_tiny(tri_gc_heap *h, size_t size)
{
    size_t off = h->alloc.tiny_off;
    if (size % 8 == 0)
        off = (off + 7) & ~(size_t)7;
    else if (size % 4 == 0)
        off = (off + 3) & ~(size_t)3;
    else if (size % 2 == 0)
        off = (off + 1) & ~(size_t)1;
    if (h->alloc.tiny && off + size <= 16) {
        h->alloc.tiny_off = off + size;
        (*h->alloc.tiny_count)++;
        h->stats.allocs++;
        h->stats.objects++;
        return (void *)(h->alloc.tiny + off);
    }
    tri_gcspan *g;
    uint32_t idx;
    uintptr_t block = cache_next(&h->alloc.cache[TRI_GC_TINY_SPC], &g, &idx);
    if (!block)
        block = cache_refill(h, TRI_GC_TINY_SPC, &g, &idx);
    if (!block)
        return NULL;
    init_small(h, g, idx, block, 16, true, NULL, 0); /* the whole block is the program's */
    g->tiny[idx] = 1;
    h->alloc.tiny = block;
    h->alloc.tiny_count = &g->tiny[idx];
    h->alloc.tiny_off = size;
    return (void *)block;
}

static void *allocate(tri_gc_heap *h, size_t size, const tri_type *t, size_t count)
{
    bool noscan = t == NULL || t->ptr_words == 0;
    if (unlikely(h->pacer.live + size >= h->pacer.limit))
        tri_gc_pace(h, size);
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
    return allocate(h, size ? size : 1, elem, count);
}

/* The common case, inline: a small object whose pointer words fit one
 * bitmap word, while no pacing is due and the cache has a free object. */
void *tri_gc_alloc(tri_gc_heap *h, const tri_type *type)
{
    size_t size = type->size, pw = type->ptr_words;
    if (likely(size >= 16 && size <= 64 * TRI_WORD && pw <= 64 &&
               (pw == 0 || (!(size & (TRI_WORD - 1)) && pw * TRI_WORD <= size)) &&
               h->pacer.live + size < h->pacer.limit)) {
        unsigned spc = tri_spanclass(tri_size_class(size), pw == 0);
        tri_gcspan *g;
        uint32_t idx;
        uintptr_t p = cache_next(&h->alloc.cache[spc], &g, &idx);
        if (likely(p != 0)) {
            if (pw) { /* the type's pointer words, into one word of the span's bitmap */
                uint64_t mask = pw == 64 ? ~(uint64_t)0 : ((uint64_t)1 << pw) - 1;
                if (type->ptrmap)
                    mask &= type->ptrmap[0];
                tri_bits_put(g->ptrbits, (p - g->base) / TRI_WORD, (unsigned)(g->elemsize / TRI_WORD), mask);
            }
            return new_object(h, g, idx, p, size);
        }
    }
    return tri_gc_alloc_array(h, type, 1);
}

void *tri_gc_alloc_noscan(tri_gc_heap *h, size_t size)
{
    if (size > TRI_MAX_ALLOC) {
        errno = ENOMEM;
        return NULL;
    }
    return allocate(h, size ? size : 1, NULL, 1);
}
