/*
 * Central lists: one per size class (Go's mcentral, TCMalloc's central free
 * list), for malloc's objects, which hold no pointers the allocator knows
 * of (their spans are of the class's noscan span class; a collected heap
 * keeps the spans of its scan and noscan classes itself, gcsweep.c). Each
 * owns the spans of its class: `partial` spans have free objects; full
 * spans are on no list, as nothing looks for them but a free of one of
 * their objects, which finds its span through the span map (keeping them
 * linked cost a free into a full span two more span records to touch, its
 * neighbours on the list, where a set of millions misses the cache on
 * each). Thread caches exchange objects with it in batches under its lock:
 *
 *   refill  finds clear bits in the allocation bitmap of the span the
 *           thread cache holds for the class, sets them and hands out the
 *           objects' addresses. A span is held by one cache at a time (as a
 *           Go mcache holds one per class), so threads do not interleave
 *           their objects in shared cache lines; when it runs out the cache
 *           takes a partial span, or a new one from the page heap;
 *   flush   finds each object's span through the span map, clears its bit
 *           (a bit already clear is a double free), and files a span that
 *           becomes empty on the class's reserve, or gives it back to the
 *           page heap.
 *
 * The reserve: a class keeps empty spans, at most one for every
 * TRI_RESERVE_SHARE spans it has in use, and in any case the one that
 * would otherwise leave it no span with room, so a class that empties and
 * refills does not bounce pages; a refill takes from the reserve only when
 * no partial span is left. A span given back
 * costs the page heap's lock, a merge with its neighbours and the page
 * map's entries, and as much again when the class next needs one. With
 * threads on other cores allocating the same classes, that lock and those
 * records also move between the cores' caches at each exchange. The
 * classes of 4 KiB to 32 KiB hold a few objects a span and empty one every
 * few frees: with the reserve, make bench's churn-mt went from 1.15x
 * mimalloc's time to 1.09x and 1.12x in two runs. Keeping every empty span instead cost its
 * realloc workload 70% more peak memory, one for every two in use 2%, a
 * quarter 1%. The share holds the reserve in proportion to the class's
 * use: it shrinks as the use does, and a program that moves on from a size
 * keeps none of it.
 * WebAssembly has one thread and counts every page it ever holds: there
 * the reserve is the last span only.
 *
 * Neither touches the objects' memory: a batch moves as addresses, and a
 * span's untouched pages stay untouched until the program writes them.
 * Lock order: a central lock, then the page heap's.
 */
#include "internal.h"

#if defined(__wasm__)
#define TRI_RESERVE_SHARE 0 /* none but the last span */
#else
#define TRI_RESERVE_SHARE 4
#endif

typedef struct tri_central {
    tri_lock lock;
    TRI_LIST(tri_span) partial; /* some objects out, some free; held by no thread cache */
    TRI_LIST(tri_span) reserve; /* every object free (see above) */
    uint64_t nreserve;
    uint64_t nspans;            /* all of the class's, the reserve's too */
    uint64_t nalloc; /* objects out of spans: in thread caches or in use */
} __attribute__((aligned(64))) tri_central;

static tri_central centrals[TRI_NUM_CLASSES];

static tri_span *new_span(unsigned c, enum tri_level *level)
{
    tri_span *s = tri_pageheap_alloc(tri_class_npages[c], 1, level);
    if (!s)
        return NULL;
    tri_pageheap_map_all(s); /* flush finds an object's span from any page */
    uint32_t nelems = tri_class_nelems(c);
    s->elemsize = tri_class_size[c];
    s->nelems = (uint16_t)nelems;
    s->nalloc = 0;
    s->scan_word = 0;
    /* Bits past the last object read as allocated, so scans never see them. */
    unsigned whole = nelems / 64; /* words of free objects only */
    memset(s->allocbits, 0, whole * sizeof(uint64_t));
    memset(s->allocbits + whole, 0xff, (TRI_BITMAP_WORDS - whole) * sizeof(uint64_t));
    if (nelems % 64)
        s->allocbits[whole] = ~tri_bits_low(nelems % 64);
    s->sizeclass = (uint8_t)c;
    s->spanclass = (uint8_t)tri_spanclass(c, true);
    TRI_POKE(s->state, TRI_SPAN_SMALL); /* read by the page heap: see pageheap.c */
    tri_pagemap_mark(s, c); /* free()'s fast path finds the class here */
    return s;
}

/* Takes up to n free objects of s into top[-1], top[-2], ...: lowest
 * address at the top, so that popping hands them out in address order. */
static unsigned span_take(tri_span *s, void **top, unsigned n)
{
    const uintptr_t size = s->elemsize;
    const unsigned words = (s->nelems + 63u) / 64u;
    uint64_t *bits = s->allocbits;
    unsigned w = s->scan_word, left = n;
    for (; w < words && left; w++) {
        uint64_t free = ~bits[w];
        if (!free)
            continue;
        uintptr_t addr = s->base + (uintptr_t)w * 64 * size;
        if (free == ~(uint64_t)0 && left >= 64) { /* a word of a fresh span */
            for (unsigned k = 0; k < 64; k++, addr += size)
                *--top = (void *)addr;
            bits[w] = ~(uint64_t)0;
            left -= 64;
            continue;
        }
        do {
            *--top = (void *)(addr + (uintptr_t)__builtin_ctzll(free) * size);
            free &= free - 1;
            left--;
        } while (free && left);
        bits[w] = ~free;
        if (free) /* the batch is full and this word still has room */
            break;
    }
    s->scan_word = (uint16_t)w;
    s->nalloc = (uint16_t)(s->nalloc + (n - left));
    tri_assert(s->nalloc == tri_bits_count(s->allocbits, 0, s->nelems));
    return n - left;
}

static void reserve_take(tri_central *cen, tri_span *s)
{
    tri_list_unlink(&cen->reserve, s, link);
    cen->nreserve--;
}

unsigned tri_central_refill(unsigned c, void **out, unsigned n, tri_span **owned, enum tri_level *level)
{
    tri_central *cen = &centrals[c];
    unsigned got = 0;
    *level = TRI_LEVEL_CENTRAL;
    tri_lock_acquire(&cen->lock);
    tri_span *s = *owned;
    while (got < n) {
        if (!s) {
            if ((s = cen->partial.first)) {
                tri_list_unlink(&cen->partial, s, link);
            } else if ((s = cen->reserve.first)) {
                reserve_take(cen, s);
            } else {
                if (got)
                    break; /* a short batch beats a new span */
                s = new_span(c, level);
                if (!s)
                    break;
                cen->nspans++;
            }
            s->owned = 1;
        }
        got += span_take(s, out + n - got, n - got);
        if (s->nalloc == s->nelems) { /* used up: the next refill takes another */
            s->owned = 0;
            s = NULL;
        }
    }
    *owned = s;
    cen->nalloc += got;
    tri_lock_release(&cen->lock);
    if (got < n) /* a short batch: move it down to out[0] */
        memmove(out, out + n - got, got * sizeof(void *));
    return got;
}

static void give_back(tri_central *cen, tri_span *s)
{
    cen->nspans--;
    tri_pageheap_free(s);
}

/* Files empty span s, which no list has and no cache holds: on the reserve
 * while it has room, else back to the page heap, with one of the reserve's
 * if the class's use has shrunk below its share. Called with the lock held. */
static void file_empty(tri_central *cen, tri_span *s)
{
    uint64_t in_use = cen->nspans - cen->nreserve; /* s among them */
    bool last = tri_list_empty(&cen->reserve) && tri_list_empty(&cen->partial);
    if (last || (TRI_RESERVE_SHARE && (cen->nreserve + 1) * TRI_RESERVE_SHARE <= in_use)) {
        tri_list_push_front(&cen->reserve, s, link);
        cen->nreserve++;
        return;
    }
    give_back(cen, s);
    if (cen->nreserve && cen->nreserve * TRI_RESERVE_SHARE > in_use - 1) {
        tri_span *old = cen->reserve.last; /* the longest kept */
        reserve_take(cen, old);
        give_back(cen, old);
    }
}

/* Files a span nobody holds: on no list when full, on the partial list, or
 * as an empty one. Called with the lock held. */
static void file_span(tri_central *cen, tri_span *s)
{
    if (s->nalloc == s->nelems) {
        /* full: found again through the span map when an object comes back */
    } else if (s->nalloc == 0) {
        file_empty(cen, s);
    } else {
        tri_list_push_front(&cen->partial, s, link);
    }
}

void tri_central_disown(unsigned c, tri_span *s)
{
    tri_central *cen = &centrals[c];
    tri_lock_acquire(&cen->lock);
    s->owned = 0;
    file_span(cen, s);
    tri_lock_release(&cen->lock);
}

/* A bad pointer in a batch being flushed: drops the lock, reports, aborts. */
static TRI_COLD __attribute__((noreturn)) void flush_fatal(tri_central *cen, void *p, const char *why)
{
    tri_lock_release(&cen->lock);
    tri_fatal_pointer("free", p, why);
}

/* Every object goes back to its span's bitmap. Objects of one span often
 * come in a row (a batch is a run of frees, and a program frees as it
 * allocated), so the span is looked up once per run, and everything that is
 * the class's rather than the span's (the division, the span's size, its
 * object count) is read once per batch. */
void tri_central_flush(unsigned c, void *const *objs, unsigned n)
{
    tri_central *cen = &centrals[c];
    const tri_class_div d = tri_class_divs[c];
    const uintptr_t bytes = (uintptr_t)tri_class_npages[c] << TRI_PAGE_SHIFT;
    void *const *o = objs, *const *end = objs + n;
    tri_lock_acquire(&cen->lock);
    while (o != end) {
        tri_span *s = tri_span_of((uintptr_t)*o);
        if (unlikely(!s || (unsigned)(s->sizeclass | s->state << 8) != (c | TRI_SPAN_SMALL << 8)))
            flush_fatal(cen, *o, "pointer is not an allocated object");
        const uintptr_t base = s->base;
        uint64_t *bits = s->allocbits;
        unsigned low_word = s->scan_word, k = 0;
        uintptr_t off = (uintptr_t)*o - base; /* each address is read once */
        do {
            uint32_t idx = tri_div_index(&d, (uint32_t)off);
            if (unlikely(idx >= d.nelems))
                flush_fatal(cen, *o, "pointer is not the start of an object");
            uint64_t *wp = &bits[idx / 64], w = *wp;
            if (unlikely(!((w >> (idx % 64)) & 1)))
                flush_fatal(cen, *o, "double free: the object is already free");
            *wp = w ^ ((uint64_t)1 << (idx % 64)); /* set, so this clears it */
            low_word = idx / 64 < low_word ? idx / 64 : low_word;
            k++;
            if (++o == end)
                break;
            off = (uintptr_t)*o - base;
        } while (off < bytes);
        s->scan_word = (uint16_t)low_word;
        unsigned before = s->nalloc;
        s->nalloc = (uint16_t)(before - k);
        tri_assert(s->nalloc == tri_bits_count(s->allocbits, 0, s->nelems));
        if (s->owned) /* its thread cache will allocate from it again */
            continue;
        if (before == k || before == d.nelems) { /* empty now, or full until now */
            if (before != d.nelems) /* on the partial list until now */
                tri_list_unlink(&cen->partial, s, link);
            file_span(cen, s);
        }
    }
    cen->nalloc -= n;
    tri_lock_release(&cen->lock);
}

/* Gives back the reserves; part of tri_release_idle_memory. */
void tri_central_trim(void)
{
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++) {
        tri_central *cen = &centrals[c];
        tri_lock_acquire(&cen->lock);
        for (tri_span *s; (s = cen->reserve.first);) {
            reserve_take(cen, s);
            give_back(cen, s);
        }
        tri_lock_release(&cen->lock);
    }
}

void tri_central_get(unsigned c, uint64_t *spans, uint64_t *objects)
{
    tri_central *cen = &centrals[c];
    tri_lock_acquire(&cen->lock);
    *spans = cen->nspans;
    *objects = cen->nalloc;
    tri_lock_release(&cen->lock);
}

void tri_central_lock_all(void)
{
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++)
        tri_lock_acquire(&centrals[c].lock);
}

void tri_central_unlock_all(bool reset)
{
    for (unsigned c = TRI_NUM_CLASSES - 1; c >= 1; c--) {
        if (reset)
            tri_lock_reset(&centrals[c].lock);
        else
            tri_lock_release(&centrals[c].lock);
    }
}
