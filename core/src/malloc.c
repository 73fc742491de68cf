/*
 * The malloc-compatible API. The two functions that matter for speed are
 * the first two:
 *
 *   tri_malloc  size -> size class (one table load), pop the thread cache's
 *               stack for that class.
 *   tri_free    address -> size class and page in span (two loads through
 *               the page map), one multiply to check that the address starts
 *               an object, push it on the thread cache's stack for its class.
 *
 * Everything else (an empty or full stack, large objects, bad pointers)
 * leaves through a call to a slow path. Built with TRI_PRELOAD, this file
 * also defines the C library's names as aliases of the tri_ functions, for
 * libtricolor-preload.so.
 */
#include <errno.h>

#include "internal.h"

_Atomic int tri_initialized;
_Atomic uint64_t tri_level_hits[TRI_NUM_LEVELS];

static void *malloc_large(size_t size, uintptr_t align_pages);
static void free_slow(void *p);

void *tri_malloc(size_t size)
{
    if (likely(size <= TRI_SMALL_MAX)) {
        uintptr_t c = tri_size_class(size); /* pointer-wide: the bin address is computed once */
        tri_bin *b = &tri_tls_tcache->bins[c];
        void **cur = b->cur;
        if (likely(cur != b->lo)) {
            b->nalloc++;
            b->cur = cur - 1;
            return tri_asan_alloc(cur[-1], size, tri_class_size[c]);
        }
        return tri_asan_alloc(tri_tcache_malloc_slow((unsigned)c), size, tri_class_size[c]);
    }
    return malloc_large(size, 1);
}

void tri_free(void *p)
{
    uintptr_t a = (uintptr_t)p;
    uint32_t info = tri_page_info(a); /* widened once: no 16-bit shift and re-extension */
    unsigned c = info >> 8; /* as tri_small_class_of, minus one compare */
    uint32_t off = (uint32_t)(a & (TRI_PAGE_SIZE - 1)) + (uint32_t)(info & 0xff) * (uint32_t)TRI_PAGE_SIZE;
    if (likely(tri_offset_index(c, off) < tri_class_divs[c].nelems)) {
        tri_bin *b = &tri_tls_tcache->bins[c];
        void **cur = b->cur;
        if (likely(cur != b->hi && cur[-1] != p)) {
            tri_asan_free(p, tri_class_size[c]);
            *cur = p;
            b->cur = cur + 1;
            return;
        }
    }
    free_slow(p);
}

/* --- process start-up ---------------------------------------------------- */

void tri_init_slow(void)
{
    static _Atomic int started;
    if (atomic_exchange(&started, 1) == 0) {
        tri_link_keys_init(); /* before any list exists */
        tri_pageheap_init();
        tri_sizeclass_init();
        tri_tcache_init();
        atomic_store_explicit(&tri_initialized, 1, memory_order_release);
        tri_tcache_init_fork(); /* may allocate, so after start-up is done */
        return;
    }
    while (!atomic_load_explicit(&tri_initialized, memory_order_acquire))
        ;
}

/* --- checks of the pointers we are given ------------------------------------ */

enum tri_ptr_kind { PTR_SMALL, PTR_LARGE };

/* Classifies a pointer handed back to us, or reports it and aborts. */
static enum tri_ptr_kind check_pointer(const char *op, const void *p, const tri_span *s)
{
    uintptr_t a = (uintptr_t)p;
    if (!s) /* a large object maps only its ends: the pages between find no span */
        tri_fatal_pointer(op, p, tri_large_span_around(a) ? "pointer is inside a large object, not at its start"
                                 : tri_arena_of(a)        ? "pointer is not an allocated object (already freed?)"
                                                          : "pointer was not allocated by tricolor");
    switch (TRI_PEEK(s->state)) {
    case TRI_SPAN_SMALL:
        if (tri_object_index(s, a) == UINT32_MAX)
            tri_fatal_pointer(op, p, "pointer is inside an object, not at its start");
        return PTR_SMALL;
    case TRI_SPAN_LARGE:
        if (a != s->base)
            tri_fatal_pointer(op, p, "pointer is inside a large object, not at its start");
        return PTR_LARGE;
    case TRI_SPAN_GC:
        tri_fatal_pointer(op, p, "pointer is an object of a garbage-collected heap");
    default:
        tri_fatal_pointer(op, p, "pointer is not an allocated object (already freed?)");
    }
}

/* A large object of malloc's came (objects 1), went (-1) or changed size
 * (0) by bytes: the statistics, and its page map entry, which realloc
 * reads (see TRI_PAGEINFO). Every path that does one does both. */
static void large_changed(tri_span *s, int objects, int64_t bytes)
{
    tri_pageheap_count_large(objects, bytes);
    tri_pagemap_mark_large(s, objects >= 0);
}

static void free_large(tri_span *s)
{
    large_changed(s, -1, -(int64_t)(s->npages << TRI_PAGE_SHIFT));
    tri_pageheap_free(s);
}

static TRI_NOINLINE void free_slow(void *p)
{
    if (p == NULL)
        return;
    tri_span *s = tri_span_of((uintptr_t)p);
    if (check_pointer("free", p, s) == PTR_SMALL)
        tri_tcache_free_slow(p, s->sizeclass);
    else
        free_large(s);
}

static TRI_NOINLINE void *malloc_large(size_t size, uintptr_t align_pages)
{
    if (size > TRI_MAX_ALLOC) {
        errno = ENOMEM;
        return NULL;
    }
    tri_ensure_init();
    uintptr_t npages = (size + TRI_PAGE_SIZE - 1) >> TRI_PAGE_SHIFT;
    enum tri_level level;
    tri_span *s = tri_pageheap_alloc(npages ? npages : 1, align_pages, &level);
    if (!s) {
        errno = ENOMEM;
        return NULL;
    }
    tri_count_level(level, 1); /* the page heap hands spans out as large objects */
    large_changed(s, 1, (int64_t)(s->npages << TRI_PAGE_SHIFT));
    tri_asan_unpoison(s->base, size ? size : 1); /* free pages are poisoned, the tail stays so */
    return (void *)s->base;
}

/* --- the rest of the API --------------------------------------------------- */

void *tri_calloc(size_t count, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(count, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = tri_malloc(bytes);
    if (p && !(bytes > TRI_SMALL_MAX && tri_span_of((uintptr_t)p)->zeroed))
        tri_prim_zero(p, bytes);
    return p;
}

static size_t usable(const tri_span *s)
{
    return s->state == TRI_SPAN_SMALL ? s->elemsize : s->npages << TRI_PAGE_SHIFT;
}

static TRI_NOINLINE void *realloc_slow(void *p, size_t size, unsigned c);

/* p stays, with room bytes of which the program now asks for size. */
static inline void *realloc_in_place(void *p, size_t size, size_t room)
{
#ifdef TRI_ASAN
    if (tri_asan_is_poisoned(p))
        tri_fatal_pointer("realloc", p, "the object is already free");
#endif
    return tri_asan_alloc(p, size, room);
}

/* The page map entry of the first page of a large object that size fits
 * exactly (see TRI_PAGEINFO), or one no page has. */
static inline uint32_t large_info_for(size_t size)
{
    size_t npages = (size + TRI_PAGE_SIZE - 1) >> TRI_PAGE_SHIFT;
    return size > TRI_SMALL_MAX && npages < TRI_LARGE_INFO_MAX ? TRI_PAGEINFO(0, npages) : UINT32_MAX;
}

/* The common cases inline and without a frame: a small object whose class
 * still suits the new size (at most its size, at least half of it; never
 * 0, which frees), and a large one whose pages still do, both seen in the
 * page map: a buffer grown a little at a time is mostly the second, and
 * reading its span record cost a cache miss a call. Everything else, NULL
 * included (its class is 0), takes realloc_slow: keeping that out of line
 * saves the common cases the saving and restoring of six registers, a third
 * of their instructions. */
void *tri_realloc(void *p, size_t size)
{
    uintptr_t a = (uintptr_t)p;
    uint32_t info = tri_page_info(a);
    unsigned c = tri_small_class_in(a, info);
    if (likely(c)) {
        size_t old = tri_class_size[c];
        if (likely(size <= old && size >= old / 2))
            return realloc_in_place(p, size, old);
    } else if (info == large_info_for(size) && !(a & (TRI_PAGE_SIZE - 1))) {
        return realloc_in_place(p, size, (size_t)(info & 0xff) << TRI_PAGE_SHIFT);
    }
    return realloc_slow(p, size, c);
}

/* c: p's class, 0 for NULL and for anything but a small object. */
static TRI_NOINLINE void *realloc_slow(void *p, size_t size, unsigned c)
{
    if (p == NULL)
        return tri_malloc(size);
    tri_span *s = NULL;
    enum tri_ptr_kind kind = PTR_SMALL;
    if (!c) {
        s = tri_span_of((uintptr_t)p);
        kind = check_pointer("realloc", p, s);
    }
#ifdef TRI_ASAN
    if (tri_asan_is_poisoned(p))
        tri_fatal_pointer("realloc", p, "the object is already free");
#endif
    if (size == 0) { /* as glibc: free and return NULL */
        tri_free(p);
        return NULL;
    }
    size_t old = c ? tri_class_size[c] : usable(s);
    /* A small object that could stay, tri_realloc kept; a large one may
     * stay, or grow or shrink in place. */
    if (kind == PTR_LARGE && size > TRI_SMALL_MAX && size <= TRI_MAX_ALLOC) {
        uintptr_t npages = (size + TRI_PAGE_SIZE - 1) >> TRI_PAGE_SHIFT;
        if (npages == s->npages)
            return tri_asan_alloc(p, size, old);
        uintptr_t before = s->npages;
        if (tri_pageheap_resize(s, npages)) {
            large_changed(s, 0, ((int64_t)npages - (int64_t)before) * (int64_t)TRI_PAGE_SIZE);
            return tri_asan_alloc(p, size, npages << TRI_PAGE_SHIFT);
        }
    }
    /* An object that must move to grow gets more room than it asked for,
     * so that a buffer grown a little at a time moves a logarithmic number
     * of times, not at every size class (16 bytes apart at first) or page.
     * A small object gets a quarter more: moving is its only way to grow.
     * A large one gets a sixteenth: it grows in place while the pages after
     * it are free, and room it has not used yet is memory a neighbour
     * cannot have (a quarter cost realloc's workload 13% of its peak
     * memory, and no time, against a sixteenth). */
    size_t room = size;
    if (size > old && size <= TRI_MAX_ALLOC / 2)
        room = size + size / (size > TRI_SMALL_MAX ? 16 : 4);
    void *q = tri_malloc(room);
    if (!q && room != size)
        q = tri_malloc(size);
    if (!q)
        return NULL; /* p is untouched */
    tri_asan_alloc(q, size, room); /* the extra room stays poisoned until asked for */
    tri_asan_unpoison(p, old);     /* the copy may read past what p's owner asked for */
    tri_prim_copy(q, p, old < size ? old : size);
    tri_free(p);
    return q;
}

void *tri_reallocarray(void *p, size_t count, size_t size)
{
    size_t bytes;
    if (__builtin_mul_overflow(count, size, &bytes)) {
        errno = ENOMEM;
        return NULL;
    }
    return tri_realloc(p, bytes);
}

/* alignment: a power of two. */
static void *aligned_alloc_checked(size_t alignment, size_t size)
{
    if (size > TRI_MAX_ALLOC) {
        errno = ENOMEM;
        return NULL;
    }
    size_t n = size < alignment ? alignment : size;
    /* Every class above 8 bytes is a multiple of 16, and spans start on page
     * boundaries, so a class whose size is a multiple of the alignment gives
     * aligned objects. */
    if (alignment <= 16)
        return tri_malloc(n);
    if (alignment <= TRI_PAGE_SIZE && n <= TRI_SMALL_MAX) {
        for (unsigned c = tri_size_class(n); c < TRI_NUM_CLASSES; c++)
            if (tri_class_size[c] % alignment == 0)
                return tri_asan_alloc(tri_malloc(tri_class_size[c]), size, tri_class_size[c]);
    }
    return malloc_large(size, alignment > TRI_PAGE_SIZE ? alignment >> TRI_PAGE_SHIFT : 1);
}

static bool is_power_of_two(size_t x) { return x && !(x & (x - 1)); }

void *tri_aligned_alloc(size_t alignment, size_t size)
{
    if (!is_power_of_two(alignment)) {
        errno = EINVAL;
        return NULL;
    }
    return aligned_alloc_checked(alignment, size);
}

int tri_posix_memalign(void **out, size_t alignment, size_t size)
{
    if (!is_power_of_two(alignment) || alignment % sizeof(void *) != 0)
        return EINVAL;
    int saved = errno;
    void *p = aligned_alloc_checked(alignment, size);
    errno = saved;
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

size_t tri_usable_size(const void *p)
{
    if (p == NULL)
        return 0;
    unsigned c = tri_small_class_of((uintptr_t)p);
    size_t n;
    if (c) {
        n = tri_class_size[c];
    } else {
        tri_span *s = tri_span_of((uintptr_t)p);
        check_pointer("usable_size", p, s);
        n = usable(s);
    }
    /* The program may use all it is told it has. */
    if (!tri_asan_is_poisoned(p))
        tri_asan_unpoison(p, n);
    return n;
}

size_t tri_release_idle_memory(void)
{
    tri_ensure_init();
    tri_thread_flush();
    tri_central_trim();
    return tri_pageheap_release_all();
}

void tri_set_release_policy(unsigned delay_ms, unsigned retain_percent)
{
    tri_ensure_init();
    tri_pageheap_set_policy(delay_ms, retain_percent);
}

/* --- the C library's names, for LD_PRELOAD ------------------------------------- */

#ifdef TRI_PRELOAD
#define TRI_ALIAS(target) __attribute__((alias(#target), visibility("default")))

void *malloc(size_t) TRI_ALIAS(tri_malloc);
void free(void *) TRI_ALIAS(tri_free);
void *calloc(size_t, size_t) TRI_ALIAS(tri_calloc);
void *realloc(void *, size_t) TRI_ALIAS(tri_realloc);
void *reallocarray(void *, size_t, size_t) TRI_ALIAS(tri_reallocarray);
void *aligned_alloc(size_t, size_t) TRI_ALIAS(tri_aligned_alloc);
int posix_memalign(void **, size_t, size_t) TRI_ALIAS(tri_posix_memalign);
size_t malloc_usable_size(void *) TRI_ALIAS(tri_usable_size);
#if defined(__wasi__)
/* wasi-libc's own calls (atexit, locales) use these names. */
void *__libc_malloc(size_t) TRI_ALIAS(tri_malloc);
void __libc_free(void *) TRI_ALIAS(tri_free);
void *__libc_calloc(size_t, size_t) TRI_ALIAS(tri_calloc);
#endif

/* The legacy functions keep glibc's leniency: memalign rounds an alignment
 * that is not a power of two up to one. */
__attribute__((visibility("default"))) void *memalign(size_t alignment, size_t size)
{
    if (alignment > ((size_t)1 << (TRI_ADDR_BITS - 1))) {
        errno = EINVAL;
        return NULL;
    }
    size_t a = 1;
    while (a < alignment)
        a <<= 1;
    return aligned_alloc_checked(a, size);
}

__attribute__((visibility("default"))) void *valloc(size_t size)
{
    return aligned_alloc_checked(4096, size);
}

#ifdef __EMSCRIPTEN__
/* Emscripten's own system code allocates through these names. */
void *emscripten_builtin_malloc(size_t) TRI_ALIAS(tri_malloc);
void emscripten_builtin_free(void *) TRI_ALIAS(tri_free);
__attribute__((visibility("default"))) void *emscripten_builtin_memalign(size_t alignment, size_t size)
{
    return memalign(alignment, size);
}
#endif

__attribute__((visibility("default"))) void *pvalloc(size_t size)
{
    if (size > TRI_MAX_ALLOC) {
        errno = ENOMEM;
        return NULL;
    }
    return aligned_alloc_checked(4096, (size + 4095) & ~(size_t)4095);
}
#endif
