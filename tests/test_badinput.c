/* Bad input: sizes that cannot be served fail cleanly with errno; pointers
 * that were never handed out, or no longer are, are reported and abort. The
 * aborting cases run in child processes. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if !defined(__wasm__)
#include <sys/resource.h>
#endif

#include "harness.h"
#include "internal.h"

TEST(bad_huge_sizes_fail_with_enomem)
{
    static const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 8192, SIZE_MAX / 4 * 3,
                                   TRI_MAX_ALLOC + 1, TRI_MAX_ALLOC + 8193};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        errno = 0;
        CHECKF(tri_malloc(sizes[i]) == NULL && errno == ENOMEM, "malloc(%zu)", sizes[i]);
        errno = 0;
        CHECKF(tri_calloc(1, sizes[i]) == NULL && errno == ENOMEM, "calloc(1, %zu)", sizes[i]);
        errno = 0;
        CHECKF(tri_aligned_alloc(64, sizes[i]) == NULL && errno == ENOMEM, "aligned_alloc(64, %zu)", sizes[i]);
        void *p = tri_malloc(10), *q;
        errno = 0;
        CHECKF(tri_realloc(p, sizes[i]) == NULL && errno == ENOMEM, "realloc(p, %zu)", sizes[i]);
        tri_free(p); /* realloc failed, so p is still ours */
        CHECK(tri_posix_memalign(&q, 64, sizes[i]) == ENOMEM);
    }
}

TEST(bad_calloc_overflow)
{
    errno = 0;
    CHECK(tri_calloc(SIZE_MAX / 2, 3) == NULL && errno == ENOMEM);
    errno = 0;
    size_t root = (SIZE_MAX >> (sizeof(size_t) * 4)) + 1; /* root * root overflows by one */
    CHECK(tri_calloc(root, root) == NULL && errno == ENOMEM);
    errno = 0;
    CHECK(tri_calloc(SIZE_MAX, SIZE_MAX) == NULL && errno == ENOMEM);
    void *p = tri_calloc(0, SIZE_MAX); /* zero bytes: fine */
    CHECK(p != NULL);
    tri_free(p);
}

TEST(bad_alignments)
{
    static const size_t bad[] = {0, 3, 24, 48, 100, 4097, SIZE_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        CHECKF(tri_aligned_alloc(bad[i], 64) == NULL && errno == EINVAL, "aligned_alloc(%zu)", bad[i]);
        void *p = (void *)1;
        errno = 1234;
        CHECKF(tri_posix_memalign(&p, bad[i], 64) == EINVAL, "posix_memalign(%zu)", bad[i]);
        CHECK(p == (void *)1 && errno == 1234); /* neither touched */
    }
    /* posix_memalign also wants a multiple of sizeof(void *) */
    void *p = NULL;
    CHECK(tri_posix_memalign(&p, sizeof(void *) / 2, 64) == EINVAL && p == NULL);
    CHECK(tri_posix_memalign(&p, 1, 64) == EINVAL);
    CHECK(tri_posix_memalign(&p, sizeof(void *), 64) == 0 && p != NULL);
    tri_free(p);
}

/* --- misuse that must be reported and abort ------------------------------------ */

#define ABORT_TEST(name, needle, ...)                      \
    static void name##_child(void *arg)                    \
    {                                                      \
        (void)arg;                                         \
        __VA_ARGS__;                                       \
    }                                                      \
    TEST(name)                                             \
    {                                                      \
        TH_NEED_CHILD();                                   \
        th_expect_abort(#name, name##_child, NULL, needle, "(0x", NULL);     \
    }

static volatile uintptr_t sink;

ABORT_TEST(bad_free_of_stack_pointer, "free(", {
    int local;
    tri_free(&local);
})

ABORT_TEST(bad_free_of_foreign_heap_pointer, "not allocated by tricolor", {
#if defined(__wasm__)
    static char other[64]; /* tricolor is the module's malloc: static data is what is not its own */
    void *p = other;
#else
    void *p = malloc(64); /* the C library's heap */
#endif
    tri_free(p);
})

ABORT_TEST(bad_free_of_interior_pointer, "inside an object", {
    char *p = tri_malloc(64);
    tri_free(p + 16);
})

ABORT_TEST(bad_free_of_interior_pointer_large, "inside a large object", {
    char *p = tri_malloc(100000);
    tri_free(p + 8192);
})

ABORT_TEST(bad_free_past_last_object, "inside an object", {
    /* class 4 packs 170 48-byte objects in 8 KiB, leaving a 32-byte tail */
    char *p = tri_malloc(48);
    tri_span *s = tri_span_of((uintptr_t)p);
    tri_free((void *)(s->base + 170 * 48));
})

ABORT_TEST(bad_double_free_immediate, "double free", {
    void *p = tri_malloc(32);
    tri_free(p);
    tri_free(p);
})

ABORT_TEST(bad_double_free_detected_on_flush, "double free", {
    void *p = tri_malloc(32), *q = tri_malloc(32);
    tri_free(p);
    tri_free(q);
    tri_free(p);
    tri_thread_flush(); /* objects go back to their spans: the bitmap knows */
})

ABORT_TEST(bad_double_free_large, "already freed", {
    void *p = tri_malloc(1 << 20);
    tri_free(p);
    tri_free(p);
})

ABORT_TEST(bad_realloc_of_foreign_pointer, "realloc(", {
    static char buf[64];
    sink = (uintptr_t)tri_realloc(buf, 128);
})

ABORT_TEST(bad_realloc_of_interior_pointer, "inside an object", {
    char *p = tri_malloc(256);
    sink = (uintptr_t)tri_realloc(p + 8, 512);
})

/* Both pass the page map's large-object check but for being freed, or for
 * not being the object's start: realloc's slow path says which. */
ABORT_TEST(bad_realloc_of_freed_large_object, "already freed", {
    char *p = tri_malloc(100000);
    tri_free(p);
    sink = (uintptr_t)tri_realloc(p, 100000);
})

ABORT_TEST(bad_realloc_inside_a_large_objects_first_page, "inside a large object", {
    char *p = tri_malloc(100000);
    sink = (uintptr_t)tri_realloc(p + 16, 100000 - 16);
})

ABORT_TEST(bad_usable_size_of_foreign_pointer, "usable_size(", {
    static char buf[64];
    sink = tri_usable_size(buf);
})

static void limited_memory(void *arg)
{
    (void)arg;
#if !defined(__wasm__)
    struct rlimit rl = {(rlim_t)512 << 20, (rlim_t)512 << 20};
    setrlimit(RLIMIT_AS, &rl);
#endif
    /* Out of address space: NULL and ENOMEM, and the heap still works. */
    void *keep[64];
    int got = 0;
    for (int i = 0; i < 64; i++) {
        errno = 0;
        keep[i] = tri_malloc((size_t)32 << 20);
        if (!keep[i]) {
            if (errno != ENOMEM)
                _Exit(3);
            break;
        }
        got++;
    }
    if (got == 64)
        _Exit(4); /* 2 GiB under a 512 MiB limit? */
    void *small = tri_malloc(100);
    if (!small)
        _Exit(5);
    memset(small, 1, 100);
    tri_free(small);
    for (int i = 0; i < got; i++)
        tri_free(keep[i]);
    void *again = tri_malloc((size_t)32 << 20);
    _Exit(again ? 0 : 6);
}

TEST(bad_out_of_memory_returns_null)
{
    TH_NEED_FORK();
    int sig = 0, code = 0;
    char err[1024];
    CHECK(th_child(limited_memory, NULL, &sig, &code, err, sizeof err));
    CHECKF(sig == 0 && code == 0, "child: signal %d, exit %d, stderr '%s'", sig, code, err);
}
