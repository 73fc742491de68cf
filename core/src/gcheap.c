/*
 * The garbage-collected heap's memory: its spans, allocation and sweeping.
 * (The collector that decides what is garbage is gc.c.)
 *
 * A GC heap takes spans from the shared page heap and keeps them in its own
 * lists, per span class, as Go's mcentral does:
 *
 *   cached    the span each span class allocates from now (Go's mcache)
 *   partial   with free objects
 *   full      without
 *
 * plus the large objects, each a span of its own. There are two sets of
 * these lists: the spans swept in this cycle, and those not yet swept since
 * the last mark; mark termination swaps the sets' roles by advancing
 * sweepgen, in O(1) however big the heap. Only the heap's mutator
 * thread touches any of this, so none of it is locked; the page heap is.
 *
 * Allocation finds the next clear bit of the cached span's allocation
 * bitmap, sets it, zeroes the object if the span's memory was used before,
 * and, for a scan class, writes the object's pointer words into the span's
 * pointer bitmap from its type. While a cycle marks, new objects are
 * allocated black (their mark bit set): they are live by definition.
 *
 * Sweeping a span (lazily, when allocation needs a span of its class, and in
 * bounded steps) frees every object allocated but not marked: the mark
 * bitmap becomes the allocation bitmap (Go's swap of gcmarkBits into
 * allocBits) and a cleared bitmap becomes the next mark bitmap. An empty span
 * goes back to the page heap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#if !defined(__wasm__)
#include <pthread.h>
#endif

#include "internal.h"

/* --- span lists ----------------------------------------------------------------- */

void tri_gc_list_push(tri_gcspan **list, tri_gcspan *g, int which)
{
    g->prev = NULL;
    g->next = *list;
    if (g->next)
        g->next->prev = g;
    *list = g;
    g->list = (uint8_t)which;
}

void tri_gc_list_unlink(tri_gcspan **list, tri_gcspan *g)
{
    if (g->prev)
        g->prev->next = g->next;
    else
        *list = g->next;
    if (g->next)
        g->next->prev = g->prev;
    g->next = g->prev = NULL;
    g->list = TRI_GC_LIST_NONE;
}

tri_gcspan **tri_gc_list_head(tri_gc_heap *h, tri_gcspan *g)
{
    switch (g->list) {
    case TRI_GC_LIST_PARTIAL: return &h->partial[g->set][g->spc];
    case TRI_GC_LIST_FULL: return &h->full[g->set][g->spc];
    case TRI_GC_LIST_LARGE: return &h->large[g->set];
    default: return NULL;
    }
}

/* The set holding spans swept this cycle, and the one of unswept spans. */
static inline unsigned swept_set(const tri_gc_heap *h) { return (h->sweepgen / 2) % 2; }
static inline unsigned unswept_set(const tri_gc_heap *h) { return swept_set(h) ^ 1; }

static void file_span(tri_gc_heap *h, tri_gcspan *g, unsigned set, int which)
{
    g->set = (uint8_t)set;
    tri_gcspan **head = which == TRI_GC_LIST_LARGE ? &h->large[set]
                      : which == TRI_GC_LIST_PARTIAL ? &h->partial[set][g->spc]
                      : &h->full[set][g->spc];
    tri_gc_list_push(head, g, which);
}

static void unfile_span(tri_gc_heap *h, tri_gcspan *g)
{
    tri_gcspan **head = tri_gc_list_head(h, g);
    if (head)
        tri_gc_list_unlink(head, g);
}

tri_gcspan *tri_gc_span_of(tri_gc_heap *h, uintptr_t p)
{
    tri_span *s = tri_span_of(p);
    if (!s || TRI_PEEK(s->state) != TRI_SPAN_GC)
        return NULL;
    tri_gcspan *g = s->gc;
    return g && g->heap == h ? g : NULL;
}

/* Bits of bitmap word w that stand for objects of the span. */
static inline uint64_t valid_mask(const tri_gcspan *g, uint32_t w)
{
    uint32_t rest = g->nelems - w * 64;
    return rest >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << rest) - 1;
}

/* --- spans in and out ------------------------------------------------------------- */

static tri_gcspan *span_new(tri_gc_heap *h, unsigned spc, uintptr_t npages, size_t nelems, size_t elemsize,
                            bool large)
{
    if (h->max_heap && (npages > h->max_heap >> TRI_PAGE_SHIFT ||
                        h->spans_bytes + (npages << TRI_PAGE_SHIFT) > h->max_heap))
        return NULL; /* allocate() collects and tries again, then fails */
    enum tri_level level;
    tri_span *s = tri_pageheap_alloc(npages, 1, &level);
    if (!s)
        return NULL;
    bool noscan = large ? false : (spc & 1);
    size_t words = (nelems + 63) / 64;
    size_t ptrwords = (noscan || large) ? 0 : ((npages << TRI_PAGE_SHIFT) / TRI_WORD + 63) / 64;
    tri_gcspan *g = tri_calloc(1, sizeof(tri_gcspan) + (3 * words + ptrwords) * sizeof(uint64_t));
    if (!g) {
        tri_pageheap_free(s);
        return NULL;
    }
    tri_count_level(level, 0);
    h->served[level]++;
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
    g->sweepgen = h->sweepgen;
    g->grey = g->bits + 2 * words;
    g->ptrbits = g->grey + words;
    g->alloc = g->bits;
    g->mark = g->bits + words;
    g->divmul = large ? 0 : tri_class_divs[spc >> 1].mul;
    s->gc = g;
    s->sizeclass = (uint8_t)(spc >> 1);
    s->spanclass = (uint8_t)spc;
    s->elemsize = g->elemsize;
    TRI_POKE(s->state, TRI_SPAN_GC);
    h->spans_bytes += npages << TRI_PAGE_SHIFT;
    h->nspans++;
    tri_gc_emit(h, TRI_EV_SPAN_TAKE, spc, s->base, npages, 0, 0);
    return g;
}

static void span_release(tri_gc_heap *h, tri_gcspan *g)
{
    tri_span *s = g->span;
    tri_gc_emit(h, TRI_EV_SPAN_RETURN, g->spc, s->base, s->npages, 0, 0);
    for (unsigned i = 0; i < 256; i++) /* forget it in marking's cache */
        if (h->span_cache[i].g == g)
            h->span_cache[i].page = 0, h->span_cache[i].g = NULL;
    h->spans_bytes -= s->npages << TRI_PAGE_SHIFT;
    h->nspans--;
    s->gc = NULL;
    TRI_POKE(s->state, TRI_SPAN_LARGE); /* as the page heap hands spans out */
    tri_pageheap_free(s);
    tri_free(g);
}

/* --- sweeping ----------------------------------------------------------------------- */

/* Sweeps g (on no list); returns false if it was empty and went back to
 * the page heap, else files it as partial, full or large. */
static bool sweep_span(tri_gc_heap *h, tri_gcspan *g)
{
    uint64_t *alloc = tri_gc_allocbits(g), *mark = tri_gc_markbits(g);
    uintptr_t base = g->span->base;
    size_t freed = 0;
    for (uint32_t w = 0; w < g->words; w++) {
        uint64_t dead = alloc[w] & ~mark[w];
        if (!dead)
            continue;
        freed += (size_t)__builtin_popcountll(dead);
#ifdef TRI_ASAN
        if (!g->large) /* a large object's pages are poisoned when they go back */
            for (uint64_t d = dead; d; d &= d - 1)
                tri_asan_poison(base + (w * 64 + (unsigned)__builtin_ctzll(d)) * (uintptr_t)g->elemsize, g->elemsize);
#endif
        if (unlikely(h->ring != NULL))
            for (uint64_t d = dead; d; d &= d - 1)
                tri_gc_emit_slow(h, TRI_EV_FREE, 0, base + (w * 64 + (unsigned)__builtin_ctzll(d)) * (uintptr_t)g->elemsize,
                                 g->elemsize, 0, 0);
    }
    g->sel ^= 1; /* the marks become the allocation bits */
    g->alloc = g->bits + (size_t)g->sel * g->words;
    g->mark = g->bits + (size_t)(g->sel ^ 1) * g->words;
    memset(tri_gc_markbits(g), 0, g->words * sizeof(uint64_t));
    g->nalloc -= (uint32_t)freed;
    g->sweepgen = h->sweepgen;
    h->unswept_spans--;
    if (freed) {
        /* live already left these out: it restarted from the marked bytes */
        uint64_t bytes = (uint64_t)freed * g->elemsize;
        h->freed_total += bytes;
        g->needzero = 1;
    }
    if (g->nalloc == 0) {
        span_release(h, g);
        return false;
    }
    file_span(h, g, swept_set(h), g->large ? TRI_GC_LIST_LARGE
                                   : g->nalloc < g->nelems ? TRI_GC_LIST_PARTIAL : TRI_GC_LIST_FULL);
    return true;
}

/* The next unswept span, taken off its list; NULL when all are swept. */
static tri_gcspan *next_unswept(tri_gc_heap *h)
{
    unsigned u = unswept_set(h);
    tri_gcspan *g = h->large[u];
    for (unsigned k = 0; k < TRI_NUM_SPAN_CLASSES && !g; k++) {
        unsigned spc = (h->sweep_next + k) % TRI_NUM_SPAN_CLASSES;
        g = h->partial[u][spc] ? h->partial[u][spc] : h->full[u][spc];
        if (g)
            h->sweep_next = spc;
    }
    if (g)
        unfile_span(h, g);
    return g;
}

int tri_gc_sweep_one(tri_gc_heap *h, size_t *bytes)
{
    tri_gcspan *g = next_unswept(h);
    if (!g)
        return 0;
    *bytes += g->span->npages << TRI_PAGE_SHIFT;
    sweep_span(h, g);
    return 1;
}

void tri_gc_sweep_all(tri_gc_heap *h)
{
    size_t bytes = 0;
    uint64_t t = tri_gc_now();
    while (tri_gc_sweep_one(h, &bytes))
        ;
    h->gc_ns += tri_gc_now() - t;
}

/* Mark termination: every span becomes unswept. The caches let go of their
 * spans so that allocation sweeps a span before reusing it; the rest is
 * advancing sweepgen. */
void tri_gc_begin_sweep(tri_gc_heap *h)
{
    unsigned u = swept_set(h); /* the set that is about to become the unswept one */
    for (unsigned spc = 0; spc < TRI_NUM_SPAN_CLASSES; spc++) {
        tri_gc_cache *c = &h->cache[spc];
        if (c->g) {
            file_span(h, c->g, u, TRI_GC_LIST_PARTIAL);
            c->g = NULL;
            c->free = 0;
        }
    }
    h->sweepgen += 2;
    h->unswept_spans = h->nspans;
    h->sweep_next = 0;
}

void tri_gc_release_all(tri_gc_heap *h)
{
    for (unsigned spc = 0; spc < TRI_NUM_SPAN_CLASSES; spc++) {
        if (h->cache[spc].g) {
            span_release(h, h->cache[spc].g);
            h->cache[spc].g = NULL;
        }
        for (unsigned set = 0; set < 2; set++) {
            tri_gcspan **lists[2] = {&h->partial[set][spc], &h->full[set][spc]};
            for (int l = 0; l < 2; l++)
                while (*lists[l]) {
                    tri_gcspan *g = *lists[l];
                    tri_gc_list_unlink(lists[l], g);
                    span_release(h, g);
                }
        }
    }
    for (unsigned set = 0; set < 2; set++)
        while (h->large[set]) {
            tri_gcspan *g = h->large[set];
            tri_gc_list_unlink(&h->large[set], g);
            span_release(h, g);
        }
}

/* --- allocation ------------------------------------------------------------------- */

/* A span of class spc with a free object: swept partial spans first, then
 * unswept ones, swept now (lazy sweeping), then a new span. */
static tri_gcspan *refill(tri_gc_heap *h, unsigned spc)
{
    unsigned sw = swept_set(h), u = sw ^ 1;
    tri_gcspan *g = h->partial[sw][spc];
    if (g) {
        tri_gc_list_unlink(&h->partial[sw][spc], g);
        h->served[TRI_LEVEL_CENTRAL]++;
        return g;
    }
    uint64_t t = 0;
    for (;;) {
        g = h->partial[u][spc] ? h->partial[u][spc] : h->full[u][spc];
        if (!g)
            break;
        if (!t)
            t = tri_gc_now();
        unfile_span(h, g);
        if (sweep_span(h, g) && g->list == TRI_GC_LIST_PARTIAL) {
            unfile_span(h, g);
            h->served[TRI_LEVEL_CENTRAL]++;
            h->gc_ns += tri_gc_now() - t;
            return g;
        }
    }
    if (t)
        h->gc_ns += tri_gc_now() - t;
    unsigned c = spc >> 1;
    return span_new(h, spc, tri_class_npages[c], tri_class_nelems(c), tri_class_size[c], false);
}

static inline void *cache_alloc(tri_gc_heap *h, unsigned spc, tri_gcspan **span, uint32_t *index)
{
    tri_gc_cache *c = &h->cache[spc];
    for (;;) {
        if (likely(c->free != 0)) {
            tri_gcspan *g = c->g;
            unsigned b = (unsigned)__builtin_ctzll(c->free);
            c->free &= c->free - 1;
            uint32_t idx = c->word * 64 + b;
            tri_gc_allocbits(g)[c->word] |= (uint64_t)1 << b;
            g->nalloc++;
            *span = g;
            *index = idx;
            return (void *)(g->span->base + (uintptr_t)idx * g->elemsize);
        }
        tri_gcspan *g = c->g;
        if (g) {
            uint64_t *alloc = tri_gc_allocbits(g);
            while (++c->word < g->words) {
                c->free = ~alloc[c->word] & valid_mask(g, c->word);
                if (c->free)
                    break;
            }
            if (c->free)
                continue;
            file_span(h, g, swept_set(h), TRI_GC_LIST_FULL);
            c->g = NULL;
        }
        g = refill(h, spc);
        if (!g)
            return NULL;
        g->list = TRI_GC_LIST_CACHED;
        c->g = g;
        c->word = 0;
        c->free = ~tri_gc_allocbits(g)[0] & valid_mask(g, 0);
        if (!c->free)
            c->word = 0; /* the loop above moves on to the next word */
    }
}

/* Sets bits [w, w + n) of a bitmap to the low n bits of v (n <= 64). */
static inline void bits_assign(uint64_t *bits, uintptr_t w, unsigned n, uint64_t v)
{
    uint64_t mask = n == 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
    unsigned lo = (unsigned)(w % 64);
    uint64_t *b = &bits[w / 64];
    b[0] = (b[0] & ~(mask << lo)) | ((v & mask) << lo);
    if (lo + n > 64) {
        unsigned spill = 64 - lo;
        b[1] = (b[1] & ~(mask >> spill)) | ((v & mask) >> spill);
    }
}

/* The type's pointer words from `from` on, as a mask of up to 64 bits. */
static inline uint64_t type_mask(const tri_type *t, size_t from)
{
    if (from >= t->ptr_words)
        return 0;
    size_t n = t->ptr_words - from;
    uint64_t low = n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
    if (!t->ptrmap)
        return low;
    uint64_t m = t->ptrmap[from / 64] >> (from % 64);
    if (from % 64 && from / 64 + 1 < (t->ptr_words + 63) / 64)
        m |= t->ptrmap[from / 64 + 1] << (64 - from % 64);
    return m & low;
}

/* Records which words of the new object at p hold pointers, overwriting
 * what a freed object left: 64 words at a time. */
static void write_ptrbits(tri_gcspan *g, uintptr_t p, const tri_type *t, size_t count)
{
    uintptr_t w0 = (p - g->base) / TRI_WORD, words = g->elemsize / TRI_WORD, tw = t->size / TRI_WORD;
    if (count == 1 && words <= 64) { /* the common case: one word of bitmap */
        bits_assign(g->ptrbits, w0, (unsigned)words, type_mask(t, 0));
        return;
    }
    for (uintptr_t k = 0; k < words; k += 64) {
        unsigned n = words - k < 64 ? (unsigned)(words - k) : 64;
        uint64_t v = 0;
        for (unsigned j = 0; j < n;) { /* gather the pattern of the elements under these words */
            uintptr_t word = k + j, elem = word / tw, in = word % tw;
            unsigned take = (unsigned)(tw - in < n - j ? tw - in : n - j);
            if (elem < count) {
                uint64_t m = type_mask(t, in);
                v |= (take == 64 ? m : m & (((uint64_t)1 << take) - 1)) << j;
            }
            j += take;
        }
        bits_assign(g->ptrbits, w0 + k, n, v);
    }
}

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

static inline void *alloc_small(tri_gc_heap *h, size_t size, bool noscan, const tri_type *t, size_t count)
{
    unsigned spc = tri_spanclass(tri_size_class(size), noscan);
    tri_gcspan *g;
    uint32_t idx;
    void *p = cache_alloc(h, spc, &g, &idx);
    if (!p)
        return NULL;
    tri_asan_unpoison(p, g->elemsize);
    if (g->needzero)
        zero_object(p, g->elemsize);
    tri_asan_alloc(p, size, g->elemsize);
    if (!noscan)
        write_ptrbits(g, (uintptr_t)p, t, count);
    if (h->alloc_black) {
        tri_gc_markbits(g)[idx / 64] |= (uint64_t)1 << (idx % 64);
        h->marked += g->elemsize;
    }
    h->live += g->elemsize;
    h->allocated_total += g->elemsize;
    h->allocs++;
    tri_gc_emit(h, TRI_EV_ALLOC, (unsigned)h->alloc_black, (uintptr_t)p, g->elemsize, 0, 0);
    return p;
}

static void *alloc_large(tri_gc_heap *h, size_t size, bool noscan, const tri_type *t, size_t count)
{
    uintptr_t npages = (size + TRI_PAGE_SIZE - 1) >> TRI_PAGE_SHIFT;
    tri_gcspan *g = span_new(h, noscan, npages, 1, npages << TRI_PAGE_SHIFT, true);
    if (!g)
        return NULL;
    g->noscan = noscan;
    g->type = t;
    g->count = count;
    void *p = (void *)g->span->base;
    tri_asan_unpoison(p, size);
    if (g->needzero)
        memset(p, 0, size);
    tri_gc_allocbits(g)[0] = 1;
    g->nalloc = 1;
    if (h->alloc_black) {
        tri_gc_markbits(g)[0] = 1;
        h->marked += g->elemsize;
    }
    file_span(h, g, swept_set(h), TRI_GC_LIST_LARGE);
    h->live += g->elemsize;
    h->allocated_total += g->elemsize;
    h->allocs++;
    tri_gc_emit(h, TRI_EV_ALLOC, (unsigned)h->alloc_black, (uintptr_t)p, g->elemsize, 0, 0);
    return p;
}

/* Objects of noscan type under 16 bytes share 16-byte blocks, as in Go: the
 * block lives while any of its objects does. */
static void *alloc_tiny(tri_gc_heap *h, size_t size)
{
    size_t off = h->tiny_off;
    if (size % 8 == 0)
        off = (off + 7) & ~(size_t)7;
    else if (size % 4 == 0)
        off = (off + 3) & ~(size_t)3;
    else if (size % 2 == 0)
        off = (off + 1) & ~(size_t)1;
    if (h->tiny && off + size <= 16) {
        h->tiny_off = off + size;
        h->allocs++;
        return (void *)(h->tiny + off);
    }
    void *block = alloc_small(h, 16, true, NULL, 0);
    if (!block)
        return NULL;
    h->tiny = (uintptr_t)block;
    h->tiny_off = size;
    return block;
}

static void *allocate(tri_gc_heap *h, size_t size, const tri_type *t, size_t count)
{
    bool noscan = t == NULL || t->ptr_words == 0;
    /* Pacing happens before the object exists: a cycle that starts now
     * allocates it black, and assists charge for it in advance. */
    if (unlikely(h->live + size >= h->pace_limit))
        tri_gc_note_alloc(h, size);
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
        if (attempt == 0 && !h->in_collector)
            tri_gc_collect(h); /* out of memory: collect everything, then try once more */
    }
    errno = ENOMEM;
    return NULL;
}

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
               h->live + size < h->pace_limit)) {
        unsigned spc = tri_spanclass(tri_size_class(size), pw == 0);
        tri_gc_cache *c = &h->cache[spc];
        if (likely(c->free != 0)) {
            tri_gcspan *g = c->g;
            unsigned b = (unsigned)__builtin_ctzll(c->free);
            c->free &= c->free - 1;
            uint32_t idx = c->word * 64 + b;
            tri_gc_allocbits(g)[c->word] |= (uint64_t)1 << b;
            g->nalloc++;
            uintptr_t p = g->base + (uintptr_t)idx * g->elemsize;
            tri_asan_unpoison(p, g->elemsize);
            if (g->needzero)
                zero_object((void *)p, g->elemsize);
            tri_asan_alloc((void *)p, size, g->elemsize);
            if (pw) {
                uint64_t mask = pw == 64 ? ~(uint64_t)0 : ((uint64_t)1 << pw) - 1;
                if (type->ptrmap)
                    mask &= type->ptrmap[0];
                bits_assign(g->ptrbits, (p - g->base) / TRI_WORD, (unsigned)(g->elemsize / TRI_WORD), mask);
            }
            if (unlikely(h->alloc_black)) {
                tri_gc_markbits(g)[idx / 64] |= (uint64_t)1 << (idx % 64);
                h->marked += g->elemsize;
            }
            h->live += g->elemsize;
            h->allocated_total += g->elemsize;
            h->allocs++;
            tri_gc_emit(h, TRI_EV_ALLOC, (unsigned)h->alloc_black, p, g->elemsize, 0, 0);
            return (void *)p;
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

/* --- the heap's life ---------------------------------------------------------------- */

static uint64_t parse_bytes(const char *v, int *ok)
{
    char *end;
    double n = strtod(v, &end);
    uint64_t mult = 1;
    if (end == v || n < 0) {
        *ok = 0;
        return 0;
    }
    if (*end == 'K' || *end == 'k')
        mult = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mult = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mult = 1024 * 1024 * 1024, end++;
    if (mult > 1 && (*end == 'i' || *end == 'I'))
        end++;
    if (mult > 1 && (*end == 'B' || *end == 'b'))
        end++;
    *ok = *end == 0;
    return (uint64_t)(n * (double)mult);
}

void tri_gc_attach_thread(tri_gc_heap *h)
{
#if !defined(__wasm__)
    pthread_attr_t attr;
    void *addr;
    size_t size;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
            h->stack_lo = (uintptr_t)addr;
            h->stack_hi = (uintptr_t)addr + size;
        }
        pthread_attr_destroy(&attr);
    }
#else
    (void)h;
#endif
}

tri_gc_heap *tri_gc_create(const tri_gc_config *config)
{
    tri_gc_config dflt = {0};
    const tri_gc_config *c = config ? config : &dflt;
    if ((unsigned)c->barrier >= TRI_NUM_BARRIERS || (c->events & (c->events - 1)) || c->stress < 0 ||
        c->stress > 2) {
        errno = EINVAL;
        return NULL;
    }
    tri_ensure_init();
    tri_gc_heap *h = tri_calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->barrier = c->barrier;
    h->conservative = c->conservative_stack;
    h->verify = c->verify;
    h->stress = c->stress;
    h->stw = c->stop_the_world;
    h->step_bytes = c->step_bytes ? c->step_bytes : 64 * 1024;
    h->min_heap = c->min_heap ? c->min_heap : (uint64_t)4 << 20; /* the first goal: Go's 4 MB minimum heap */
    h->sweepgen = 2;
    h->t0 = tri_gc_now();

    h->gogc = c->gogc ? c->gogc : 100;
    const char *env = c->gogc ? NULL : tri_os_getenv("TRI_GOGC");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (strcmp(env, "off") == 0)
            h->gogc = -1;
        else if (*end == 0 && v >= 0 && v <= 100000)
            h->gogc = (int)v;
        else
            tri_write_stderr("tricolor: ignoring TRI_GOGC: want a percentage or 'off'\n");
    }
    h->memory_limit = c->memory_limit;
    env = c->memory_limit ? NULL : tri_os_getenv("TRI_MEMLIMIT");
    if (env && *env) {
        int ok;
        uint64_t v = parse_bytes(env, &ok);
        if (ok)
            h->memory_limit = v;
        else
            tri_write_stderr("tricolor: ignoring TRI_MEMLIMIT: want bytes, as 512MiB or 2G\n");
    }
    env = tri_os_getenv("TRI_GCTRACE");
    h->trace = env && strcmp(env, "1") == 0;

    if (c->events) {
        h->ring = tri_calloc(c->events, sizeof(tri_gc_event));
        if (!h->ring) {
            tri_free(h);
            return NULL;
        }
        h->ring_cap = c->events;
        h->sink = c->event_sink;
        h->sink_arg = c->event_sink_arg;
    }
    tri_gc_pacer_init(h);
    tri_gc_attach_thread(h);
    return h;
}

void tri_gc_destroy(tri_gc_heap *h)
{
    if (!h)
        return;
    tri_gc_flush_events(h);
    tri_gc_release_all(h);
    tri_gc_free_tables(h);
    tri_free(h->ring);
    tri_free(h);
}
