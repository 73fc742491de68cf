/*
 * tricolor: a thread-caching memory allocator in the style of Go's runtime
 * and TCMalloc.
 *
 * Memory is managed in 8 KiB pages. Runs of pages form spans; a span either
 * holds one large object (over 32 KiB) or is cut into equal objects of one
 * of 67 size classes. A request is served by the calling thread's cache
 * without locks; a miss moves a batch of objects from the size class's
 * central list; the central list takes whole spans from the page heap; the
 * page heap takes address space from the operating system in 64 MiB arenas
 * and gives idle pages back.
 *
 * All functions are thread-safe. The tri_ functions behave as their C
 * library namesakes; libtricolor-preload.so exports them under the C names.
 */
#ifndef TRICOLOR_H
#define TRICOLOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TRI_API __attribute__((visibility("default")))
#else
#define TRI_API
#endif

#define TRI_VERSION "0.1.0"
#define TRI_NUM_SIZE_CLASSES 67 /* class 0 stands for large objects */

/* --- allocation --------------------------------------------------------- */

/* On failure these return NULL and set errno to ENOMEM (EINVAL for a bad
 * alignment). Freeing a pointer tricolor did not hand out, a pointer into
 * the middle of an object, or an object that is already free is reported
 * on stderr and aborts the program where the metadata makes it detectable. */
TRI_API void *tri_malloc(size_t size);
TRI_API void tri_free(void *ptr);
TRI_API void *tri_calloc(size_t count, size_t size);
TRI_API void *tri_realloc(void *ptr, size_t size);
TRI_API void *tri_reallocarray(void *ptr, size_t count, size_t size);
TRI_API void *tri_aligned_alloc(size_t alignment, size_t size);   /* alignment: a power of two */
TRI_API int tri_posix_memalign(void **out, size_t alignment, size_t size); /* returns 0, EINVAL or ENOMEM */
TRI_API size_t tri_usable_size(const void *ptr);                   /* 0 for NULL */

/* --- memory returned to the operating system ---------------------------- */

/* Flushes the calling thread's cache and gives every free page back to the
 * operating system now. Returns the bytes released by this call. */
TRI_API size_t tri_release_idle_memory(void);

/* Free pages are given back automatically when they have been free for
 * delay_ms, or at once while the free pages still held exceed what the
 * program's recent peak (over the last one to two delays) needs plus
 * retain_percent of the bytes in use (and at least 4 MiB). Defaults: 1000 ms
 * and 25%; the environment variables TRI_RELEASE_DELAY_MS and
 * TRI_RETAIN_PERCENT set them at start-up. A delay of 0 releases pages as
 * soon as they are free. */
TRI_API void tri_set_release_policy(unsigned delay_ms, unsigned retain_percent);

/* Gives the calling thread's cached objects back to the central lists. */
TRI_API void tri_thread_flush(void);

/* --- statistics ---------------------------------------------------------- */

enum tri_level {
    TRI_LEVEL_THREAD_CACHE, /* served by the thread's own cache */
    TRI_LEVEL_CENTRAL,      /* a batch from a size class's central list */
    TRI_LEVEL_PAGE_HEAP,    /* a span from free pages */
    TRI_LEVEL_OS,           /* the page heap had to grow */
    TRI_NUM_LEVELS
};

typedef struct tri_class_stats {
    uint32_t object_size;   /* bytes per object */
    uint32_t span_bytes;    /* bytes per span */
    uint32_t objects_per_span;
    uint64_t spans;         /* spans of this class in use */
    uint64_t objects;       /* objects held by the program */
    uint64_t cached;        /* objects held by thread caches */
    uint64_t mallocs;       /* requests served from this class */
} tri_class_stats;

typedef struct tri_stats {
    /* Bytes of address space, by state. reserved: taken from the OS.
     * committed: pages that may be backed by memory (in use, or free and
     * not yet given back). released: free pages given back to the OS or
     * never touched. in_use: pages in spans. metadata: tricolor's own
     * tables. reserved >= committed + released. */
    uint64_t reserved, committed, released, in_use, metadata;
    uint64_t large_objects, large_bytes;  /* objects over 32 KiB */
    uint64_t small_bytes;                 /* bytes of small objects held by the program */
    uint64_t release_calls, released_total; /* madvise calls, bytes given back over time */
    uint64_t hits[TRI_NUM_LEVELS];        /* allocations served at each level */
    uint64_t threads;                     /* live thread caches */
    uint64_t arenas;
    tri_class_stats classes[TRI_NUM_SIZE_CLASSES];
} tri_stats;

/* Fills *out. Thread-cache figures of other threads are as of their last
 * exchange with the central lists; the calling thread's are exact. */
TRI_API void tri_get_stats(tri_stats *out);

/* Writes a readable report of tri_get_stats to the file descriptor. */
TRI_API void tri_print_stats(int fd);

/* The size-class table: object size, span pages and objects per span of
 * class c (1..66); returns 0 for a class out of range. */
TRI_API int tri_size_class_info(unsigned c, uint32_t *object_size, uint32_t *span_pages, uint32_t *objects);
/* The class that serves a request of `size` bytes (0 when it is large). */
TRI_API unsigned tri_size_class_of(size_t size);

#ifdef __cplusplus
}
#endif
#endif
