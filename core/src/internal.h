/*
 * tricolor's internal types and the fast paths that cross modules.
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
 *   OS             os.c           reserve, commit, decommit, release.
 *
 * A span tracks its objects with an allocation bitmap, never with pointers
 * stored inside free objects: a use-after-free write cannot redirect a later
 * allocation, and moving a batch touches only metadata.
 */
#ifndef TRI_INTERNAL_H
#define TRI_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tricolor.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define TRI_INTERNAL __attribute__((visibility("hidden")))
#define TRI_NOINLINE __attribute__((noinline))
#define TRI_COLD __attribute__((cold, noinline))

/* Reads of shared words that may race only in a buggy program (a free of a
 * pointer that was never allocated): relaxed, so no data race is formal. */
#define TRI_PEEK(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define TRI_POKE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* --- AddressSanitizer ---------------------------------------------------- */

/* Built with ASan, tricolor tells it which of its bytes the program may
 * touch: memory is poisoned unless it is part of an object handed out (up
 * to the size asked for), so a read or write of a freed object, of the
 * slack after an object's requested size, or of a span's unused tail is
 * reported as ASan reports its own heap's. Free objects in thread caches,
 * central spans and the collector's spans are all poisoned; allocation
 * unpoisons. Without ASan all of this compiles to nothing. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRI_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(TRI_ASAN)
#define TRI_ASAN 1
#endif

#ifdef TRI_ASAN
#include <sanitizer/asan_interface.h>
#define tri_asan_poison(p, n) ASAN_POISON_MEMORY_REGION((const void *)(p), (size_t)(n))
#define tri_asan_unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION((const void *)(p), (size_t)(n))
#define tri_asan_is_poisoned(p) __asan_address_is_poisoned((const void *)(p))
#else
#define tri_asan_poison(p, n) ((void)0)
#define tri_asan_unpoison(p, n) ((void)0)
#define tri_asan_is_poisoned(p) 0
#endif


/* --- geometry ----------------------------------------------------------- */

#define TRI_PAGE_SHIFT 13
#define TRI_PAGE_SIZE ((uintptr_t)1 << TRI_PAGE_SHIFT)

#if defined(__wasm__)
#define TRI_ADDR_BITS 32
#define TRI_ARENA_SHIFT 20 /* 1 MiB: linear memory grows in small steps */
#else
#define TRI_ADDR_BITS 47   /* user space on x86-64 */
#define TRI_ARENA_SHIFT 26 /* 64 MiB, as Go's heap arenas */
#endif
#define TRI_ARENA_SIZE ((uintptr_t)1 << TRI_ARENA_SHIFT)
#define TRI_ARENA_PAGES (TRI_ARENA_SIZE >> TRI_PAGE_SHIFT)
/* The pages an arena's metadata has room for. On wasm an arena starts at one
 * slot and grows in place, slot by slot, while the memory after it is free:
 * one arena, one run of pages that coalesce, however the heap grew. */
#if defined(__wasm__)
#define TRI_ARENA_MAX_PAGES ((uintptr_t)64 << (20 - TRI_PAGE_SHIFT))
#else
#define TRI_ARENA_MAX_PAGES TRI_ARENA_PAGES
#endif
#define TRI_ARENA_MAP_SIZE ((uintptr_t)1 << (TRI_ADDR_BITS - TRI_ARENA_SHIFT))
/* Requests above this fail with ENOMEM before any size arithmetic. */
#define TRI_MAX_ALLOC ((size_t)1 << (TRI_ADDR_BITS - 1))

#define TRI_MAX_OBJECTS_PER_SPAN 1024 /* class 1: 8 KiB of 8-byte objects */
#define TRI_BITMAP_WORDS (TRI_MAX_OBJECTS_PER_SPAN / 64)

/* --- locks -------------------------------------------------------------- */

/* A futex-backed mutex: 0 free, 1 held, 2 held with sleepers. */
typedef struct tri_lock { _Atomic int state; } tri_lock;

TRI_INTERNAL void tri_lock_wait(tri_lock *l);
TRI_INTERNAL void tri_lock_wake(tri_lock *l);

static inline void tri_lock_acquire(tri_lock *l)
{
    int expected = 0;
    if (likely(atomic_compare_exchange_strong_explicit(&l->state, &expected, 1,
                                                       memory_order_acquire,
                                                       memory_order_relaxed)))
        return;
    tri_lock_wait(l);
}

static inline void tri_lock_release(tri_lock *l)
{
    if (unlikely(atomic_exchange_explicit(&l->state, 0, memory_order_release) == 2))
        tri_lock_wake(l);
}

static inline void tri_lock_reset(tri_lock *l) { atomic_store_explicit(&l->state, 0, memory_order_relaxed); }

/* --- spans -------------------------------------------------------------- */

enum tri_span_state {
    TRI_SPAN_FREE,  /* in the page heap */
    TRI_SPAN_SMALL, /* cut into objects of one size class, owned by its central list */
    TRI_SPAN_LARGE, /* one object over 32 KiB */
    TRI_SPAN_GC,    /* owned by a garbage-collected heap (span->gc) */
};

typedef struct tri_span {
    /* First cache line: read by any thread, written only when the span
     * changes hands. nelems is 0 unless the span holds small objects. */
    uintptr_t base;
    uint8_t sizeclass;
    uint16_t nelems;
    uint8_t state;
    uint8_t spanclass;
    uint8_t zeroed;      /* every page held zeros when the span was handed out */
    uint32_t elemsize;
    uintptr_t npages;
    struct tri_gcspan *gc; /* TRI_SPAN_GC: the collector's record of the span */

    /* The rest changes as objects come and go, under the owner's lock; it
     * starts a new cache line so those writes do not evict the line above
     * from other threads' caches. */
    uint16_t nalloc __attribute__((aligned(64))); /* objects out: in thread caches or in use */
    uint16_t scan_word;  /* first bitmap word that may have a clear bit */
    uint8_t in_lru;      /* free span on the page heap's release queue */
    uint8_t owned;       /* a thread cache refills from it; on no central list */
    struct tri_span *next, *prev;         /* central list or page-heap free list */
    struct tri_span *lru_next, *lru_prev; /* page heap: free spans, oldest first */
    uint64_t free_since;                  /* page heap: when the span became free */
    uint64_t allocbits[TRI_BITMAP_WORDS]; /* 1 = object handed out */
} tri_span;

/* --- size classes (sizeclass.c) --------------------------------------- */

/* The rules; core/gen/mksizeclasses.c derives the table from them and
 * checks that it has TRI_NUM_CLASSES classes. */
#define TRI_NUM_CLASSES 67       /* class 0 stands for large objects */
#define TRI_SMALL_MAX 32768      /* larger objects get spans of their own */
#define TRI_SMALL_SIZE_DIV 8     /* lookup steps up to TRI_SMALL_SIZE_MAX */
#define TRI_SMALL_SIZE_MAX 1024
#define TRI_LARGE_SIZE_DIV 128   /* lookup steps above it */

/* The exact-division test for a class: write its size as d << shift with d
 * odd and inv = d^-1 mod 2^32; then for a byte offset x in a span,
 *     rotr32(x * inv, shift) < nelems  <=>  x = i * size for an object i,
 * and the left side is i (Granlund and Montgomery). One multiply tells
 * free() both that a pointer starts an object and which object it is.
 * Class 0 has nelems 0 and so accepts nothing. */
typedef struct tri_class_div {
    uint32_t inv;
    uint16_t nelems;
    uint8_t shift;
    uint32_t mul; /* floor division: (x * mul) >> 32 == x / size within a span */
} tri_class_div;

TRI_INTERNAL extern const uint32_t tri_class_size[TRI_NUM_CLASSES];
TRI_INTERNAL extern const uint8_t tri_class_npages[TRI_NUM_CLASSES];
TRI_INTERNAL extern const tri_class_div tri_class_divs[TRI_NUM_CLASSES];
TRI_INTERNAL extern const uint8_t tri_size_to_class8[TRI_SMALL_SIZE_MAX / TRI_SMALL_SIZE_DIV + 1];
TRI_INTERNAL extern const uint8_t tri_size_to_class128[(TRI_SMALL_MAX - TRI_SMALL_SIZE_MAX) / TRI_LARGE_SIZE_DIV + 1];
/* Objects moved per exchange between a thread cache and a central list. */
TRI_INTERNAL extern uint16_t tri_class_batch[TRI_NUM_CLASSES];
TRI_INTERNAL void tri_sizeclass_init(void);

static inline unsigned tri_size_class(size_t size)
{
    if (size <= TRI_SMALL_SIZE_MAX)
        return tri_size_to_class8[(size + TRI_SMALL_SIZE_DIV - 1) / TRI_SMALL_SIZE_DIV];
    return tri_size_to_class128[(size - TRI_SMALL_SIZE_MAX + TRI_LARGE_SIZE_DIV - 1) / TRI_LARGE_SIZE_DIV];
}

static inline uint32_t tri_class_nelems(unsigned c)
{
    return tri_class_divs[c].nelems;
}

/* The index of the object of class c at byte offset off of its span, or a
 * number >= the class's objects per span if no object starts there. */
static inline uint32_t tri_offset_index(unsigned c, uint32_t off)
{
    const tri_class_div *d = &tri_class_divs[c];
    uint32_t x = off * d->inv;
    return (x >> d->shift) | (x << ((32 - d->shift) & 31));
}

/* The size class of the small object of malloc's that starts at a, or 0
 * if a is anything else: page map, one multiply, no span, and no read of
 * the memory at a. */
static inline unsigned tri_small_class_of(uintptr_t a);

/* Likewise for an address in span s, against s's own object count (0 for
 * any span that does not hold small objects). */
static inline uint32_t tri_object_index(const tri_span *s, uintptr_t addr)
{
    uint32_t i = tri_offset_index(s->sizeclass, (uint32_t)(addr - s->base));
    return i < s->nelems ? i : UINT32_MAX;
}

/* A span class is a size class and whether its objects hold pointers:
 * sizeclass << 1 | noscan, as Go numbers them. The collector scans only
 * objects of scan span classes; malloc's objects are all noscan. */
#define TRI_NUM_SPAN_CLASSES (2 * TRI_NUM_CLASSES)
static inline unsigned tri_spanclass(unsigned sizeclass, bool noscan)
{
    return sizeclass << 1 | (unsigned)noscan;
}

/* --- arenas, the span map and the page map (spanmap.c) ----------------- */

typedef struct tri_arena {
    uintptr_t base;
    uintptr_t npages;     /* pages reserved */
    uintptr_t capacity;   /* pages the metadata below has room for */
    uintptr_t committed;  /* pages from base that are accessible */
    tri_span **spans;     /* per page: its span (every page of an in-use span;
                             the first and last page of a free span) */
    uint16_t *pageinfo;   /* per page: see TRI_PAGEINFO */
    uint64_t *released;   /* per page: 1 = free and given back to the OS (or never touched) */
    uint64_t *zero;       /* per page: 1 = known to hold zeros (natively, the same as released) */
    struct tri_arena *next;
} tri_arena;

/* The page map's entry for a page of a span of malloc's small objects: its
 * size class and its index within the span, so that free() can check and
 * file an object without reading the span. 0 for every other page. */
#define TRI_PAGEINFO(sizeclass, page_in_span) ((uint16_t)((sizeclass) << 8 | (page_in_span)))

/* One entry per TRI_ARENA_SIZE of address space in each table:
 * tri_arena_map holds the arena; tri_page_map holds the arena's pageinfo
 * array biased so that biased + (addr >> TRI_PAGE_SHIFT) * 2 is the entry
 * of addr's page. Both live in zero-filled memory that costs nothing until
 * an arena touches its entries. */
TRI_INTERNAL extern tri_arena *tri_arena_map[TRI_ARENA_MAP_SIZE];
TRI_INTERNAL extern uintptr_t tri_page_map[TRI_ARENA_MAP_SIZE];

static inline tri_arena *tri_arena_of(uintptr_t addr)
{
    uintptr_t i = addr >> TRI_ARENA_SHIFT;
    return likely(i < TRI_ARENA_MAP_SIZE) ? TRI_PEEK(tri_arena_map[i]) : NULL;
}

/* The span holding addr, or NULL when tricolor never mapped addr's page.
 * Interior pointers resolve like any other. */
static inline tri_span *tri_span_of(uintptr_t addr)
{
    tri_arena *a = tri_arena_of(addr);
    return a ? TRI_PEEK(a->spans[(addr - a->base) >> TRI_PAGE_SHIFT]) : NULL;
}

/* addr's page map entry; 0 when tricolor never mapped the page. */
static inline uint16_t tri_page_info(uintptr_t addr)
{
    uintptr_t i = addr >> TRI_ARENA_SHIFT;
    if (unlikely(i >= TRI_ARENA_MAP_SIZE))
        return 0;
    uintptr_t biased = TRI_PEEK(tri_page_map[i]);
    if (unlikely(biased == 0))
        return 0;
    return TRI_PEEK(*(uint16_t *)(biased + (addr >> TRI_PAGE_SHIFT) * sizeof(uint16_t)));
}

static inline unsigned tri_small_class_of(uintptr_t a)
{
    uint16_t info = tri_page_info(a);
    unsigned c = info >> 8;
    uint32_t off = (uint32_t)(a & (TRI_PAGE_SIZE - 1)) + (uint32_t)(info & 0xff) * (uint32_t)TRI_PAGE_SIZE;
    return tri_offset_index(c, off) < tri_class_divs[c].nelems ? c : 0;
}

TRI_INTERNAL tri_arena *tri_arena_create(uintptr_t min_pages);
/* Grows a by npages in place; false when the memory after it is taken or
 * its metadata is full. */
TRI_INTERNAL bool tri_arena_extend(tri_arena *a, uintptr_t npages);
TRI_INTERNAL void tri_spanmap_set(tri_arena *a, uintptr_t page, tri_span *s);
/* Sets the page map entries of s's pages for size class c (0: none). */
TRI_INTERNAL void tri_pagemap_mark(const tri_span *s, unsigned c);

/* --- OS layer ----------------------------------------------------------- */

TRI_INTERNAL void *tri_os_reserve(size_t size, size_t align);
/* Grows the reservation that ends at `end` by size bytes in place, if it can. */
TRI_INTERNAL bool tri_os_extend(void *end, size_t size);
TRI_INTERNAL bool tri_os_commit(void *p, size_t size);
TRI_INTERNAL void tri_os_decommit(void *p, size_t size);
TRI_INTERNAL void tri_os_release(void *p, size_t size);
TRI_INTERNAL void *tri_os_alloc_zeroed(size_t size); /* reserve + commit, for metadata */
TRI_INTERNAL uint64_t tri_os_now_ns(void);
TRI_INTERNAL const char *tri_os_getenv(const char *name);
/* Fills buf with n bytes from the OS's random source; false if it has none. */
TRI_INTERNAL bool tri_os_random(void *buf, size_t n);
/* Decommitted pages read back as zeros (true natively; false on wasm,
 * where memory cannot be handed back). */
TRI_INTERNAL extern const bool tri_os_decommit_zeroes;

TRI_INTERNAL void tri_write_stderr(const char *s);
/* Reports misuse of the allocator and aborts: "tricolor: op(ptr): what". */
TRI_INTERNAL TRI_COLD void tri_fatal_pointer(const char *op, const void *ptr, const char *what) __attribute__((noreturn));
TRI_INTERNAL TRI_COLD void tri_fatal(const char *what) __attribute__((noreturn));

/* An object of `room` bytes handed out for a request of `size` bytes: the
 * first size bytes (at least one, so that a free of a zero-byte object can
 * tell it from a free one) become accessible, the rest stays poisoned. */
static inline void *tri_asan_alloc(void *p, size_t size, size_t room)
{
#ifdef TRI_ASAN
    if (p) {
        tri_asan_poison(p, room);
        tri_asan_unpoison(p, size ? size : 1);
    }
#else
    (void)size, (void)room;
#endif
    return p;
}

/* A small object of `room` bytes going back on free: under ASan, an object
 * already poisoned is already free (every free object is), so any double
 * free is caught here, not only one the thread cache or the span notices. */
static inline void tri_asan_free(void *p, size_t room)
{
#ifdef TRI_ASAN
    if (tri_asan_is_poisoned(p))
        tri_fatal_pointer("free", p, "double free: the object is already free");
    tri_asan_poison(p, room);
#else
    (void)p, (void)room;
#endif
}

/* --- hardening ----------------------------------------------------------- */

/* TRI_HARDEN (on unless built with -DTRI_HARDEN=0, `make HARDEN=0`): the
 * few lists tricolor threads through memory it does not otherwise use (free
 * metadata records, the collector's spare work buffers) store their links
 * encoded with a per-process secret and the address of the slot holding
 * them, as mimalloc's secure mode does, and every link is checked as it is
 * decoded: a link that does not lead to a record of its list is reported
 * as corruption instead of being followed. */
#ifndef TRI_HARDEN
#define TRI_HARDEN 1
#endif

TRI_INTERNAL extern uintptr_t tri_link_keys[2];
TRI_INTERNAL void tri_link_keys_init(void);
/* Reports a list (`list` `of`: "free list of " "span records") whose link
 * at `slot` decodes to `next`, not a record of the list, and aborts. */
TRI_INTERNAL TRI_COLD void tri_fatal_corrupt(const char *list, const char *of, const void *slot, uintptr_t next)
    __attribute__((noreturn));

static inline uintptr_t tri_rotl(uintptr_t x, unsigned r)
{
    const unsigned bits = 8 * sizeof x;
    r %= bits;
    return r ? (x << r) | (x >> (bits - r)) : x;
}

static inline uintptr_t tri_rotr(uintptr_t x, unsigned r)
{
    const unsigned bits = 8 * sizeof x;
    r %= bits;
    return r ? (x >> r) | (x << (bits - r)) : x;
}

/* The value stored at `slot` for a link to `next` (NULL included: an
 * overwritten NULL is caught like any other link). */
static inline uintptr_t tri_link_encode(const void *slot, const void *next)
{
#if TRI_HARDEN
    uintptr_t k0 = tri_link_keys[0], k1 = tri_link_keys[1];
    return tri_rotl((uintptr_t)next ^ (uintptr_t)slot ^ k1, (unsigned)k0) + k0;
#else
    (void)slot;
    return (uintptr_t)next;
#endif
}

static inline void *tri_link_decode(const void *slot, uintptr_t stored)
{
#if TRI_HARDEN
    uintptr_t k0 = tri_link_keys[0], k1 = tri_link_keys[1];
    return (void *)(tri_rotr(stored - k0, (unsigned)k0) ^ k1 ^ (uintptr_t)slot);
#else
    (void)slot;
    return (void *)stored;
#endif
}

/* --- metadata pools ----------------------------------------------------- */

/* Fixed-size records (spans, thread caches) carved from OS chunks and
 * recycled through a free list whose links are encoded (see TRI_HARDEN) and
 * checked to lead to a record of the pool. The caller holds the owner's
 * lock. */
#define TRI_POOL_MAX_CHUNKS 128
typedef struct tri_pool_chunk {
    uintptr_t base, end; /* records are carved from [base, end) */
} tri_pool_chunk;

typedef struct tri_pool {
    const char *name;     /* in reports: "span records" */
    size_t item_size;
    void *free;
    char *bump, *end;
    unsigned nchunks;
    tri_pool_chunk chunks[TRI_POOL_MAX_CHUNKS];
} tri_pool;

TRI_INTERNAL void *tri_pool_alloc(tri_pool *pool);
TRI_INTERNAL void tri_pool_free(tri_pool *pool, void *item);
/* Whether p is a record this pool carved (for checks and tests). */
TRI_INTERNAL bool tri_pool_owns(const tri_pool *pool, const void *p);
TRI_INTERNAL extern _Atomic uint64_t tri_metadata_bytes;

/* --- page heap ---------------------------------------------------------- */

/* A span of npages whose base is a multiple of align_pages pages, with every
 * page mapped to it; state TRI_SPAN_LARGE until the caller recasts it. *level
 * says whether free pages sufficed or the heap grew. NULL when out of memory. */
TRI_INTERNAL tri_span *tri_pageheap_alloc(uintptr_t npages, uintptr_t align_pages, enum tri_level *level);
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

/* --- central lists ------------------------------------------------------ */

/* Moves up to n objects of span class spc into out[0..n), lowest address
 * last (the top of a thread cache's stack); returns how many (0 only when
 * out of memory). *level tells where
 * they came from. *owned is the caller's own span of the class (or NULL):
 * objects come from it first, and when it runs out the caller takes
 * another, so two threads rarely allocate from one span at a time. */
TRI_INTERNAL unsigned tri_central_refill(unsigned spc, void **out, unsigned n, tri_span **owned,
                                         enum tri_level *level);
/* Gives the caller's own span back to its central list. */
TRI_INTERNAL void tri_central_disown(unsigned spc, tri_span *s);
/* Returns n objects of span class spc to their spans; aborts on a double free. */
TRI_INTERNAL void tri_central_flush(unsigned spc, void *const *objs, unsigned n);
TRI_INTERNAL void tri_central_get(unsigned spc, uint64_t *spans, uint64_t *objects);
TRI_INTERNAL void tri_central_trim(void);
TRI_INTERNAL void tri_central_lock_all(void);   /* fork handlers */
TRI_INTERNAL void tri_central_unlock_all(bool reset);

/* --- thread caches ------------------------------------------------------ */

typedef struct tri_bin {
    void **cur;  /* one past the most recently freed object */
    void **lo;   /* bottom of the stack; lo[-1] is a guard slot */
    void **hi;   /* capacity */
    uint64_t nalloc; /* allocations served from this bin since the last publish */
} tri_bin;

typedef struct tri_tcache {
    tri_bin bins[TRI_NUM_CLASSES];
    /* Published on slow paths for tri_get_stats; written only by the owner. */
    _Atomic uint64_t pub_hits;
    _Atomic uint32_t pub_cached[TRI_NUM_CLASSES];
    _Atomic uint64_t pub_mallocs[TRI_NUM_CLASSES];
    uint64_t mallocs[TRI_NUM_CLASSES]; /* owner's running totals of pub_mallocs */
    tri_span *owned[TRI_NUM_CLASSES];  /* the span each class refills from */
    struct tri_tcache *next, *prev;    /* registry of live caches */
} tri_tcache;

/* Fresh threads start on an empty cache whose bins send malloc and free to
 * the slow path, which builds the thread's real cache. */
extern __thread tri_tcache *tri_tls_tcache __attribute__((tls_model("initial-exec"))) TRI_INTERNAL;

TRI_INTERNAL void *tri_tcache_malloc_slow(unsigned c);
TRI_INTERNAL void tri_tcache_free_slow(void *p, unsigned c);
TRI_INTERNAL void tri_tcache_flush(tri_tcache *tc);
TRI_INTERNAL void tri_tcache_publish(tri_tcache *tc);
TRI_INTERNAL void tri_tcache_collect(uint64_t *hits, uint64_t cached[TRI_NUM_CLASSES],
                                     uint64_t mallocs[TRI_NUM_CLASSES], uint64_t *threads);
TRI_INTERNAL void tri_tcache_init(void);
TRI_INTERNAL void tri_tcache_init_fork(void);

/* --- stats counters ----------------------------------------------------- */

TRI_INTERNAL extern _Atomic uint64_t tri_level_hits[TRI_NUM_LEVELS];

static inline void tri_count_level(enum tri_level level, uint64_t n)
{
    atomic_fetch_add_explicit(&tri_level_hits[level], n, memory_order_relaxed);
}

/* --- process-wide ------------------------------------------------------- */

TRI_INTERNAL extern _Atomic int tri_initialized;
TRI_INTERNAL void tri_init_slow(void);
static inline void tri_ensure_init(void)
{
    if (unlikely(!atomic_load_explicit(&tri_initialized, memory_order_acquire)))
        tri_init_slow();
}


/* --- the garbage-collected heap (gcheap.c, gc.c, gcinfo.c) -------------- */

/* The collector's word: a pointer (8 bytes natively, 4 on wasm32). Types
 * describe objects in words and spans' pointer bitmaps have a bit per word. */
#define TRI_WORD sizeof(uintptr_t)

/* The collector's record of one of its spans. Two bitmaps of one bit per
 * object swap roles at sweep, as Go's allocBits and gcmarkBits do: bits[sel]
 * says which objects are allocated, bits[sel ^ 1] which are marked. grey
 * marks the objects on the grey list (marked, not yet scanned). A small span
 * of a scan class also has ptrbits: one bit per word of the span, set for
 * the words that hold pointers, written at allocation from the type. A large
 * span keeps its type and element count instead. */
typedef struct tri_gcspan {
    uintptr_t base;         /* span->base, without the extra load */
    tri_span *span;
    struct tri_gc_heap *heap;
    struct tri_gcspan *next, *prev;
    uint32_t sweepgen;      /* == heap's: swept this cycle; heap's - 2: not yet */
    uint32_t words;         /* words per object bitmap */
    uint32_t nelems, nalloc;
    uint32_t elemsize;      /* bytes per object (a large object's span bytes) */
    uint16_t spc;           /* span class; 0 for a large object */
    uint8_t sel, noscan, large, needzero, list;
    uint8_t set;            /* which of the heap's two span sets holds it */
    uint32_t divmul;        /* floor division by elemsize (0 for a large object: index 0) */
    uint64_t *alloc, *mark; /* bits[sel] and bits[sel ^ 1], kept in step with sel */
    int32_t oblets_left;    /* large object being scanned: chunks still to scan */
    const tri_type *type;   /* large object: its element type and count */
    size_t count;
    uint64_t *grey, *ptrbits;
    uint64_t bits[];        /* 2 * words (alloc, mark), words (grey), then ptrbits */
} tri_gcspan;

static inline uint64_t *tri_gc_allocbits(tri_gcspan *g) { return g->alloc; }
static inline uint64_t *tri_gc_markbits(tri_gcspan *g) { return g->mark; }

/* The object index of byte offset off in a span of class c (floor). */
static inline uint32_t tri_floor_index(unsigned c, uintptr_t off)
{
    return (uint32_t)(((uint64_t)off * tri_class_divs[c].mul) >> 32);
}

enum { TRI_GC_LIST_NONE, TRI_GC_LIST_PARTIAL, TRI_GC_LIST_FULL, TRI_GC_LIST_LARGE, TRI_GC_LIST_CACHED };

/* A chunk of the grey list. Marking pops from and pushes to the heap's
 * current chunk; full chunks wait on a list. (Several markers would each
 * own a chunk and share the list, as Go's gcWork does.) */
#define TRI_WORKBUF_OBJECTS 510
typedef struct tri_gc_workbuf {
    uintptr_t next;  /* link to the next buffer of its list, encoded (TRI_HARDEN) */
    size_t n;
    uintptr_t obj[TRI_WORKBUF_OBJECTS];
} tri_gc_workbuf;

typedef struct tri_gc_cache {
    tri_gcspan *g;
    uint32_t word;   /* bitmap word the free mask came from */
    uint64_t free;   /* free objects of that word not yet handed out */
} tri_gc_cache;

typedef struct tri_gc_root_range {
    void **slots;
    size_t count;
} tri_gc_root_range;

typedef struct tri_gc_final {
    uintptr_t object;
    tri_gc_finalizer fn;
    void *arg;
} tri_gc_final;

struct tri_gc_weak {
    uintptr_t target;
    size_t index; /* in the heap's weak table */
};

/* A log-linear histogram of durations: 32 buckets per power of two. */
#define TRI_HIST_BUCKETS (64 * 32)
typedef struct tri_gc_hist {
    uint64_t count, total, max;
    uint32_t buckets[TRI_HIST_BUCKETS];
} tri_gc_hist;

struct tri_gc_heap {
    struct tri_gc_heap_head head; /* first: read by the inline barrier */
    enum tri_gc_phase phase;
    enum tri_gc_barrier barrier;
    int roots_scanned;            /* marking: roots greyed in this cycle */
    int in_collector;             /* no cycle may start: the collector is running */
    uint32_t sweepgen;
    uint64_t cycle;

    /* Two sets of span lists, as Go's mcentral: set (sweepgen / 2) % 2 holds
     * the spans swept this cycle, the other those not yet swept. Advancing
     * sweepgen at mark termination turns every swept span into an unswept
     * one without touching a list. */
    tri_gc_cache cache[TRI_NUM_SPAN_CLASSES];
    tri_gcspan *partial[2][TRI_NUM_SPAN_CLASSES], *full[2][TRI_NUM_SPAN_CLASSES];
    tri_gcspan *large[2];
    unsigned sweep_next;          /* span class the next sweep step starts at */
    uint64_t nspans, unswept_spans;
    uintptr_t tiny;               /* the current 16-byte block of tiny objects */
    size_t tiny_off;

    tri_gc_workbuf *work, *work_full, *work_free;
    tri_gc_workbuf reserve;       /* the current buffer when no other can be had */
    struct { uintptr_t page; tri_gcspan *g; } span_cache[256]; /* page -> span, for marking */
    int grey_overflow;            /* a push failed: grey objects wait in grey bits */
    tri_gc_root_range *roots;
    size_t nroots, roots_cap;
    int conservative;
    uintptr_t stack_lo, stack_hi;

    int gogc;
    uint64_t memory_limit;
    uint64_t max_heap;            /* hard limit on spans_bytes; 0: none */
    size_t step_bytes;
    int stress, verify, stw;
    int quiet_pauses;             /* inside a stop-the-world cycle: one record for all of it */
    uint64_t live;                /* bytes marked by the last mark, plus allocated since */
    uint64_t pace_limit;          /* allocation runs the pacer when live would pass this */
    int alloc_black;              /* marking: new objects get their mark bit */
    uint64_t assist_mark;         /* live when the last assist was paid for */
    uint64_t spans_bytes;
    uint64_t marked, marked_last; /* this cycle so far; the last completed mark */
    uint64_t goal, trigger;
    uint64_t scan_expected, scan_done;
    double assist_ratio;
    int64_t assist_debt;
    uint64_t sweep_credit;

    tri_gc_final *finals, *final_queue;
    size_t nfinals, finals_cap, nqueue, queue_cap;
    tri_gc_weak **weaks;
    size_t nweaks, weaks_cap;
    tri_gc_verify_report last_verify;

    tri_gc_event *ring;
    size_t ring_cap;
    uint64_t ring_written;
    void (*sink)(const tri_gc_event *, size_t, void *);
    void *sink_arg;
    uint64_t sink_read;           /* events the sink has been given */

    uint64_t t0, gc_ns;
    uint64_t allocated_total, freed_total, scan_total, assist_total;
    uint64_t allocs;              /* objects allocated */
    uint64_t min_heap;            /* the goal's floor at GOGC=100 */
    uint64_t served[TRI_NUM_LEVELS]; /* allocations that needed a span: from the heap's own lists, the page heap, the OS */
    uint64_t barrier_hits[TRI_NUM_BARRIERS];
    uint64_t finalizers_run, weak_cleared;
    tri_gc_hist stops, steps;
    int trace;                    /* TRI_GCTRACE: a line per cycle on stderr */
    uint64_t cycle_start_ns, cycle_live_start, cycle_setup_ns, cycle_step_ns, cycle_steps;
};

/* gcheap.c: spans, allocation, sweeping */
TRI_INTERNAL tri_gcspan *tri_gc_span_of(tri_gc_heap *h, uintptr_t p);
TRI_INTERNAL void tri_gc_list_push(tri_gcspan **list, tri_gcspan *g, int which);
TRI_INTERNAL void tri_gc_list_unlink(tri_gcspan **list, tri_gcspan *g);
TRI_INTERNAL tri_gcspan **tri_gc_list_head(tri_gc_heap *h, tri_gcspan *g);
TRI_INTERNAL int tri_gc_sweep_one(tri_gc_heap *h, size_t *bytes);
TRI_INTERNAL void tri_gc_sweep_all(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_begin_sweep(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_release_all(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_note_alloc(tri_gc_heap *h, size_t bytes);
TRI_INTERNAL void tri_gc_repace(tri_gc_heap *h);

/* gc.c: the collector */
TRI_INTERNAL void tri_gc_shade(tri_gc_heap *h, uintptr_t p);
TRI_INTERNAL void tri_gc_mark_setup(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_assist(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_start_if_due(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_pacer_init(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_free_tables(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_for_each_gcspan(tri_gc_heap *h, void (*fn)(tri_gc_heap *, tri_gcspan *, void *), void *arg);

/* gcinfo.c: events, time, histograms, the per-cycle trace line */
TRI_INTERNAL void tri_gc_emit_slow(tri_gc_heap *h, unsigned kind, unsigned arg, uint64_t a, uint64_t b,
                                   uint64_t c, uint64_t d);
static inline void tri_gc_emit(tri_gc_heap *h, unsigned kind, unsigned arg, uint64_t a, uint64_t b, uint64_t c,
                               uint64_t d)
{
    if (unlikely(h->ring != NULL))
        tri_gc_emit_slow(h, kind, arg, a, b, c, d);
}
TRI_INTERNAL uint64_t tri_gc_now(void);
TRI_INTERNAL void tri_gc_hist_add(tri_gc_hist *hist, uint64_t ns);
TRI_INTERNAL void tri_gc_hist_summary(const tri_gc_hist *hist, tri_gc_pause_stats *out);
TRI_INTERNAL void tri_gc_trace_cycle(tri_gc_heap *h, uint64_t term_ns);

#endif
