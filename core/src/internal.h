/*
 * The allocator's internals: the functions each file offers the others,
 * declared next to one another in the order of the levels, and the fast
 * paths that cross files (size-class lookup, the span and page maps, the
 * lock). Types are in types.h; the collector's internals in gc.h.
 *
 * The levels, from the program down (each owned by one file):
 *
 *   thread cache   threadcache.c  per thread, per size class: a stack of
 *                                 free objects. malloc pops, free pushes; no
 *                                 lock, no atomic read-modify-write.
 *   central list   central.c      per size class: spans with free objects
 *                                 (partial) and without (full), behind one
 *                                 lock. Objects move to and from thread
 *                                 caches in batches.
 *   page heap      pageheap.c     free pages of all arenas, in size-indexed
 *                                 free lists; hands out spans, coalesces
 *                                 them when freed, gives idle pages back.
 *   span map       spanmap.c      address -> arena -> page -> span, O(1).
 *   platform       prim/unix.c    reserve, commit, decommit, release;
 *                                 clocks, threads (prim.h).
 *
 * A span tracks its objects with an allocation bitmap, never with pointers
 * stored inside free objects: a use-after-free write cannot redirect a later
 * allocation, and moving a batch touches only metadata.
 */
#ifndef TRI_INTERNAL_H
#define TRI_INTERNAL_H

#include "array.h"
#include "bitmap.h"
#include "harden.h"
#include "list.h"
#include "prim.h"
#include "types.h"

/* --- reports (report.c) ------------------------------------------------------ */

TRI_INTERNAL void tri_write_stderr(const char *s);
/* Reports misuse of the allocator and aborts: "tricolor: op(ptr): what".
 * (tri_fatal_pointer is declared in harden.h, which needs it.) */
TRI_INTERNAL TRI_COLD void tri_fatal(const char *what) __attribute__((noreturn));

/* --- locks -------------------------------------------------------------------- */

/* Times this thread found a lock held by another: a thread cache's slow
 * path compares it before and after an exchange with a central list, to
 * come less often where threads meet (threadcache.c). */
extern __thread unsigned tri_tls_lock_waits __attribute__((tls_model("initial-exec"))) TRI_INTERNAL;

static inline void tri_lock_acquire(tri_lock *l)
{
    int expected = 0;
    if (likely(atomic_compare_exchange_strong_explicit(&l->state, &expected, 1,
                                                       memory_order_acquire,
                                                       memory_order_relaxed)))
        return;
    tri_tls_lock_waits++;
    tri_lock_wait(l);
}

static inline void tri_lock_release(tri_lock *l)
{
    if (unlikely(atomic_exchange_explicit(&l->state, 0, memory_order_release) == 2))
        tri_lock_wake(l);
}

static inline void tri_lock_reset(tri_lock *l) { atomic_store_explicit(&l->state, 0, memory_order_relaxed); }

/* --- size classes (sizeclass.c) ----------------------------------------------- */

TRI_INTERNAL extern const uint32_t tri_class_size[TRI_NUM_CLASSES];
TRI_INTERNAL extern const uint8_t tri_class_npages[TRI_NUM_CLASSES];
TRI_INTERNAL extern const tri_class_div tri_class_divs[TRI_NUM_CLASSES];
/* Floor division: (x * mul) >> 32 == x / size for any offset within a span. */
TRI_INTERNAL extern const uint32_t tri_class_floor_mul[TRI_NUM_CLASSES];
TRI_INTERNAL extern const uint8_t tri_size_to_class[TRI_SMALL_MAX / TRI_SMALL_SIZE_DIV + 1];
/* Objects moved per exchange between a thread cache and a central list. */
TRI_INTERNAL extern uint16_t tri_class_batch[TRI_NUM_CLASSES];
TRI_INTERNAL void tri_sizeclass_init(void);

/* size <= TRI_SMALL_MAX: one load from one table, no branch (4 KiB of
 * table, of which a program's usual sizes touch the first lines). */
static inline unsigned tri_size_class(size_t size)
{
    return tri_size_to_class[(size + TRI_SMALL_SIZE_DIV - 1) / TRI_SMALL_SIZE_DIV];
}

static inline uint32_t tri_class_nelems(unsigned c)
{
    return tri_class_divs[c].nelems;
}

/* The index of the object at byte offset off of a span of the class whose
 * divisor is d, or a number >= the class's objects per span if no object
 * starts there. */
static inline uint32_t tri_div_index(const tri_class_div *d, uint32_t off)
{
    uint32_t x = off * d->inv;
    return (x >> d->shift) | (x << ((32 - d->shift) & 31));
}

/* The same for size class c. */
static inline uint32_t tri_offset_index(unsigned c, uint32_t off)
{
    return tri_div_index(&tri_class_divs[c], off);
}

/* The object index of byte offset off in a span of class c (floor). */
static inline uint32_t tri_floor_index(unsigned c, uintptr_t off)
{
    return (uint32_t)(((uint64_t)off * tri_class_floor_mul[c]) >> 32);
}

/* Likewise for an address in span s, against s's own object count (0 for
 * any span that does not hold small objects). */
static inline uint32_t tri_object_index(const tri_span *s, uintptr_t addr)
{
    uint32_t i = tri_offset_index(s->sizeclass, (uint32_t)(addr - s->base));
    return i < s->nelems ? i : UINT32_MAX;
}

static inline unsigned tri_spanclass(unsigned sizeclass, bool noscan)
{
    return sizeclass << 1 | (unsigned)noscan;
}

/* --- arenas, the span map and the page map (spanmap.c) ----------------------- */

/* One entry per TRI_ARENA_SIZE of address space in each table:
 * tri_arena_map holds the arena; tri_page_map holds the arena's pageinfo
 * array biased so that biased + (addr >> TRI_PAGE_SHIFT) * 2 is the entry
 * of addr's page. Both are mapped at start-up in zero-filled memory that
 * costs nothing until an arena touches its entries (not static data: a
 * program that links tricolor carries no 32 MiB of it, and a collector that
 * scans a program's data does not scan them). tri_map_slots is their
 * length, 0 until they exist, so a lookup before start-up finds nothing. */
TRI_INTERNAL extern tri_arena **tri_arena_map;
TRI_INTERNAL extern uintptr_t *tri_page_map;
TRI_INTERNAL extern uintptr_t tri_map_slots;

static inline tri_arena *tri_arena_of(uintptr_t addr)
{
    uintptr_t i = addr >> TRI_ARENA_SHIFT;
    return likely(i < TRI_PEEK(tri_map_slots)) ? TRI_PEEK(tri_arena_map[i]) : NULL;
}

/* The span holding addr, or NULL when tricolor never mapped addr's page.
 * Interior pointers resolve in spans of small objects and of collected
 * heaps; inside a large object of malloc's, only its first and last pages
 * do (tri_large_span_around finds the rest, slowly). */
static inline tri_span *tri_span_of(uintptr_t addr)
{
    tri_arena *a = tri_arena_of(addr);
    return a ? TRI_PEEK(a->spans[(addr - a->base) >> TRI_PAGE_SHIFT]) : NULL;
}

/* addr's page map entry; 0 when tricolor never mapped the page. */
static inline uint16_t tri_page_info(uintptr_t addr)
{
    uintptr_t i = addr >> TRI_ARENA_SHIFT;
    if (unlikely(i >= TRI_PEEK(tri_map_slots)))
        return 0;
    uintptr_t biased = TRI_PEEK(tri_page_map[i]);
    if (unlikely(biased == 0))
        return 0;
    return TRI_PEEK(*(uint16_t *)(biased + (addr >> TRI_PAGE_SHIFT) * sizeof(uint16_t)));
}

/* The size class of the small object of malloc's that starts at a, or 0
 * if a is anything else: page map, one multiply, no span, and no read of
 * the memory at a. tri_small_class_in takes a's page map entry, read
 * already. */
static inline unsigned tri_small_class_in(uintptr_t a, uint32_t info)
{
    unsigned c = info >> 8;
    uint32_t off = (uint32_t)(a & (TRI_PAGE_SIZE - 1)) + (uint32_t)(info & 0xff) * (uint32_t)TRI_PAGE_SIZE;
    return tri_offset_index(c, off) < tri_class_divs[c].nelems ? c : 0;
}

static inline unsigned tri_small_class_of(uintptr_t a)
{
    return tri_small_class_in(a, tri_page_info(a)); /* widened once, as in tri_free */
}

TRI_INTERNAL tri_arena *tri_arena_create(uintptr_t min_pages);
/* Grows a by npages in place; false when the memory after it is taken or
 * its metadata is full. */
TRI_INTERNAL bool tri_arena_extend(tri_arena *a, uintptr_t npages);
/* Points page (or the n pages from first) of a at s; inline, as a span of
 * many pages sets one entry per page (spanmap.c owns the map). */
static inline void tri_spanmap_set(tri_arena *a, uintptr_t page, tri_span *s)
{
    TRI_POKE(a->spans[page], s);
}

static inline void tri_spanmap_fill(tri_arena *a, uintptr_t first, uintptr_t n, tri_span *s)
{
    for (tri_span **e = a->spans + first, **end = e + n; e < end; e++)
        TRI_POKE(*e, s);
}
/* Sets the page map entries of s's pages for size class c (0: none). */
TRI_INTERNAL void tri_pagemap_mark(const tri_span *s, unsigned c);
/* Sets the page map entry of large object s's first page: its page count
 * while the program holds it (live), 0 once it does not. */
TRI_INTERNAL void tri_pagemap_mark_large(const tri_span *s, bool live);

/* --- metadata pools (meta.c) ---------------------------------------------------- */

TRI_INTERNAL void *tri_pool_alloc(tri_pool *pool);
TRI_INTERNAL void tri_pool_free(tri_pool *pool, void *item);
/* Whether p is a record this pool carved (for checks and tests). */
TRI_INTERNAL bool tri_pool_owns(const tri_pool *pool, const void *p);
TRI_INTERNAL extern _Atomic uint64_t tri_metadata_bytes;

/* --- page heap (pageheap.c) -------------------------------------------------------- */

/* A span of npages whose base is a multiple of align_pages pages, mapped at
 * its first and last page, as a large object; state TRI_SPAN_LARGE until the
 * caller recasts it. *level says whether free pages sufficed or the heap
 * grew. NULL when out of memory. */
TRI_INTERNAL tri_span *tri_pageheap_alloc(uintptr_t npages, uintptr_t align_pages, enum tri_level *level);
/* Maps every page of s, just handed out, to it: for spans whose objects are
 * found from any of their addresses (small objects', a collected heap's).
 * Before the span is published; no lock, as nobody else looks there. */
TRI_INTERNAL void tri_pageheap_map_all(tri_span *s);
/* The large object of malloc's whose interior holds addr, or NULL: a walk
 * back over unmapped pages, for error reports only. */
TRI_INTERNAL tri_span *tri_large_span_around(uintptr_t addr);
TRI_INTERNAL void tri_pageheap_free(tri_span *s);
/* Grows or shrinks an in-use span in place; false if the pages after it are
 * not free. */
TRI_INTERNAL bool tri_pageheap_resize(tri_span *s, uintptr_t npages);
TRI_INTERNAL size_t tri_pageheap_release_all(void);
TRI_INTERNAL void tri_pageheap_set_policy(unsigned delay_ms, unsigned retain_percent);
TRI_INTERNAL void tri_pageheap_init(void);
TRI_INTERNAL void tri_pageheap_lock(void);   /* fork handlers */
TRI_INTERNAL void tri_pageheap_unlock(void);
TRI_INTERNAL void tri_pageheap_reset_lock(void);

typedef struct tri_pageheap_stats {
    uint64_t reserved, committed, released, in_use, release_calls, released_total, arenas;
    uint64_t large_objects, large_bytes;
} tri_pageheap_stats;
TRI_INTERNAL void tri_pageheap_get_stats(tri_pageheap_stats *out);
TRI_INTERNAL void tri_pageheap_count_large(int64_t objects, int64_t bytes);

/* Splits in-use span s after its first npages; returns the tail, in use. */
TRI_INTERNAL tri_span *tri_pageheap_split(tri_span *s, uintptr_t npages);
/* For tests: the free span that starts at addr, if any (pages, released). */
TRI_INTERNAL bool tri_pageheap_free_span_at(uintptr_t addr, uintptr_t *npages, uintptr_t *released_pages);

/* --- central lists (central.c) ---------------------------------------------------- */

/* Moves up to n objects of size class c into out[0..n), lowest address
 * last (the top of a thread cache's stack); returns how many (0 only when
 * out of memory). *level tells where they came from. *owned is the
 * caller's own span of the class (or NULL): objects come from it first, and
 * when it runs out the caller takes another, so two threads rarely allocate
 * from one span at a time. */
TRI_INTERNAL unsigned tri_central_refill(unsigned c, void **out, unsigned n, tri_span **owned,
                                         enum tri_level *level);
/* Gives the caller's own span back to its central list. */
TRI_INTERNAL void tri_central_disown(unsigned c, tri_span *s);
/* Returns n objects of size class c to their spans; aborts on a double free. */
TRI_INTERNAL void tri_central_flush(unsigned c, void *const *objs, unsigned n);
TRI_INTERNAL void tri_central_get(unsigned c, uint64_t *spans, uint64_t *objects);
TRI_INTERNAL void tri_central_trim(void);
TRI_INTERNAL void tri_central_lock_all(void);   /* fork handlers */
TRI_INTERNAL void tri_central_unlock_all(bool reset);

/* --- thread caches (threadcache.c) -------------------------------------------------- */

/* Fresh threads start on an empty cache whose bins send malloc and free to
 * the slow path, which builds the thread's real cache. */
extern __thread tri_tcache *tri_tls_tcache __attribute__((tls_model("initial-exec"))) TRI_INTERNAL;

TRI_INTERNAL void *tri_tcache_malloc_slow(unsigned c);
TRI_INTERNAL void tri_tcache_free_slow(void *p, unsigned c);
TRI_INTERNAL void tri_tcache_publish(tri_tcache *tc);
TRI_INTERNAL void tri_tcache_collect(uint64_t *hits, uint64_t cached[TRI_NUM_CLASSES],
                                     uint64_t mallocs[TRI_NUM_CLASSES], uint64_t *threads);
TRI_INTERNAL void tri_tcache_init(void);
TRI_INTERNAL void tri_tcache_init_fork(void);

/* --- statistics counters (malloc.c; read by stats.c) --------------------------------- */

TRI_INTERNAL extern _Atomic uint64_t tri_level_hits[TRI_NUM_LEVELS];

static inline void tri_count_level(enum tri_level level, uint64_t n)
{
    atomic_fetch_add_explicit(&tri_level_hits[level], n, memory_order_relaxed);
}

/* --- process start-up (malloc.c) -------------------------------------------------- */

TRI_INTERNAL extern _Atomic int tri_initialized;
TRI_INTERNAL void tri_init_slow(void);
static inline void tri_ensure_init(void)
{
    if (unlikely(!atomic_load_explicit(&tri_initialized, memory_order_acquire)))
        tri_init_slow();
}

/* --- the collector's spans, as the page heap describes them (gcinfo.c) ------------- */

struct tri_gcspan;
TRI_INTERNAL void tri_gc_describe_span(const struct tri_gcspan *g, tri_page_run *r);

#endif
