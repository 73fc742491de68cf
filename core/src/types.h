/*
 * tricolor's internal types: the records every layer of the allocator
 * shares, and the constants that size them. Only declarations live here;
 * the functions over them are in internal.h (the allocator) and gc.h (the
 * collector), each next to the file that owns the record.
 *
 *   record        owner          what it is
 *   tri_span      pageheap.c     a run of pages: free, small objects, one
 *                                large object, or a collected heap's span
 *   tri_arena     spanmap.c      one reservation of address space and its
 *                                per-page metadata
 *   tri_pool      meta.c         fixed-size records carved from OS chunks
 *   tri_tcache    threadcache.c  one thread's stacks of free objects
 *   tri_lock      prim/         a futex-backed mutex (its slow path)
 */
#ifndef TRI_TYPES_H
#define TRI_TYPES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "list.h"
#include "tricolor.h"

/* --- compiler and memory-model helpers ----------------------------------- */

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define TRI_INTERNAL __attribute__((visibility("hidden")))
#define TRI_NOINLINE __attribute__((noinline))
#define TRI_COLD __attribute__((cold, noinline))

/* Reads of shared words that may race only in a buggy program (a free of a
 * pointer that was never allocated): relaxed, so no data race is formal. */
#define TRI_PEEK(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define TRI_POKE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Assertions of internal invariants, compiled in by `make DEBUG=1`
 * (-DTRI_DEBUG=1), as mimalloc's mi_assert_internal and Go's throw: a
 * broken invariant is reported with its place and aborts. A release build
 * evaluates nothing. */
#ifndef TRI_DEBUG
#define TRI_DEBUG 0
#endif
#if TRI_DEBUG
#define tri_assert(cond) ((cond) ? (void)0 : tri_assert_fail(#cond, __FILE__, __LINE__, __func__))
#else
#define tri_assert(cond) ((void)0)
#endif
TRI_INTERNAL TRI_COLD void tri_assert_fail(const char *cond, const char *file, int line, const char *func)
    __attribute__((noreturn));

/* --- geometry ------------------------------------------------------------- */

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

/* --- size classes (sizeclass.c) ------------------------------------------ */

/* The rules; core/gen/mksizeclasses.c derives the table from them and
 * checks that it has TRI_NUM_CLASSES classes. */
#define TRI_NUM_CLASSES 67       /* class 0 stands for large objects */
#define TRI_SMALL_MAX 32768      /* larger objects get spans of their own */
#define TRI_SMALL_SIZE_DIV 8     /* the size-to-class table's steps, up to TRI_SMALL_MAX */
#define TRI_SMALL_SIZE_MAX 1024  /* the collector's inline allocation serves up to this size */

/* A span class is a size class and whether its objects hold pointers:
 * sizeclass << 1 | noscan, as Go numbers them. The collector has spans of
 * both; malloc's objects are all noscan. */
#define TRI_NUM_SPAN_CLASSES (2 * TRI_NUM_CLASSES)

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
} tri_class_div;
/* free() finds a class's record at one scaled index: keep it 8 bytes. */
_Static_assert(sizeof(tri_class_div) == 8, "tri_class_div is indexed by free()'s fast path");

/* --- locks ---------------------------------------------------------------- */

/* A futex-backed mutex: 0 free, 1 held, 2 held with sleepers. */
typedef struct tri_lock { _Atomic int state; } tri_lock;

/* --- spans ---------------------------------------------------------------- */

#if defined(__wasm__)
#define TRI_SPAN_HOT_ALIGN
#else
#define TRI_SPAN_HOT_ALIGN __attribute__((aligned(64)))
#endif

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
    uint8_t state;       /* next to sizeclass: a free checks both in one load */
    uint16_t nelems;
    uint8_t spanclass;
    uint8_t zeroed;      /* every page held zeros when the span was handed out */
    uint32_t elemsize;
    uintptr_t npages;
    struct tri_gcspan *gc; /* TRI_SPAN_GC: the collector's record of the span */

    /* The rest changes as objects come and go, under the owner's lock; it
     * starts a new cache line so those writes do not evict the line above
     * from other threads' caches (where there are other threads: on wasm
     * the record stays a quarter smaller, one 8 KiB span in 40 of memory). */
    uint16_t nalloc TRI_SPAN_HOT_ALIGN; /* objects out: in thread caches or in use */
    uint16_t scan_word;  /* first bitmap word that may have a clear bit */
    uint8_t in_lru;      /* free span on the page heap's release queue */
    uint8_t owned;       /* a thread cache refills from it; on no central list */
    TRI_LINK(struct tri_span) link; /* central list or page-heap free list */
    TRI_LINK(struct tri_span) lru;  /* page heap: free spans with dirty pages, oldest first */
    uint64_t free_since;                  /* page heap: when the span became free */
    uint64_t allocbits[TRI_BITMAP_WORDS]; /* 1 = object handed out */
} tri_span;

/* --- arenas (spanmap.c) ----------------------------------------------------- */

typedef struct tri_arena {
    uintptr_t base;
    uintptr_t npages;     /* pages reserved */
    uintptr_t capacity;   /* pages the metadata below has room for */
    uintptr_t committed;  /* pages from base that are accessible */
    tri_span **spans;     /* per page: its span. Every page of a span of small
                             objects or of a collected heap's; the first and
                             last page of a large object and of a free span,
                             NULL between (see pageheap.c) */
    uint16_t *pageinfo;   /* per page: see TRI_PAGEINFO */
    uint64_t *released;   /* per page: 1 = free and given back to the OS (or never touched) */
    uint64_t *zero;       /* per page: 1 = known to hold zeros (natively, the same as released) */
    struct tri_arena *next;
} tri_arena;

/* The page map's entry for a page of a span of malloc's small objects: its
 * size class and its index within the span, so that free() can check and
 * file an object without reading the span. For the first page of a large
 * object of malloc's: class 0 and its page count, TRI_LARGE_INFO_MAX for
 * any count from there up, so that realloc can see the object still fits
 * without reading the span (class 0 has no objects: free()'s fast path
 * leaves it to the slow one). 0 for every other page. */
#define TRI_PAGEINFO(sizeclass, page_in_span) ((uint16_t)((sizeclass) << 8 | (page_in_span)))
#define TRI_LARGE_INFO_MAX 255

/* --- metadata pools (meta.c) ---------------------------------------------- */

/* Fixed-size records (spans, thread caches) carved from OS chunks and
 * recycled through a free list whose links are encoded (see harden.h) and
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

/* --- thread caches (threadcache.c) ------------------------------------------ */

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
    uint16_t batch[TRI_NUM_CLASSES];   /* objects a refill or flush moves: see threadcache.c */
    bool batches_at_most;              /* every batch has grown as far as it may */
    TRI_LINK(struct tri_tcache) link; /* registry of live caches */
} tri_tcache;

#endif
