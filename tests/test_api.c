/* The malloc-compatible API: sizes, alignment, zeroing, realloc, large
 * objects, against a simple model of what each call must guarantee. */
#include <errno.h>
#include <string.h>

#include "harness.h"
#include "internal.h"

TEST(api_malloc_sizes_and_alignment)
{
    static void *p[5000];
    int n = 0;
    for (size_t size = 0; size <= 70000; size = size < 64 ? size + 1 : size * 9 / 8 + 1) {
        void *q = tri_malloc(size);
        CHECK(q != NULL);
        size_t align = size <= 8 ? 8 : 16;
        CHECKF((uintptr_t)q % align == 0, "malloc(%zu) = %p", size, q);
        CHECKF(tri_usable_size(q) >= size, "usable_size %zu < %zu", tri_usable_size(q), size);
        memset(q, 0x5a, size);
        p[n++] = q;
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n && j < i + 8; j++)
            CHECK(p[i] != p[j]);
    for (int i = 0; i < n; i++)
        tri_free(p[i]);
    CHECK(tri_usable_size(NULL) == 0);
}

TEST(api_malloc_zero_is_unique)
{
    void *a = tri_malloc(0), *b = tri_malloc(0);
    CHECK(a && b && a != b);
    tri_free(a);
    tri_free(b);
    tri_free(NULL);
}

TEST(api_calloc_zeroes)
{
    for (size_t size = 1; size < 200000; size = size * 3 + 1) {
        unsigned char *dirty = tri_malloc(size);
        memset(dirty, 0xff, size);
        tri_free(dirty);
        unsigned char *z = tri_calloc(1, size);
        CHECK(z != NULL);
        for (size_t i = 0; i < size; i++)
            CHECKF(z[i] == 0, "calloc(%zu) byte %zu = %u", size, i, z[i]);
        memset(z, 0xee, size);
        tri_free(z);
    }
    unsigned char *z = tri_calloc(1000, 1000); /* a large object in dirty pages */
    for (size_t i = 0; i < 1000000; i++)
        CHECK(z[i] == 0);
    tri_free(z);
}

static int holds(const unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 13 + seed))
            return 0;
    return 1;
}

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 13 + seed);
}

TEST(api_realloc_keeps_contents)
{
    static const size_t sizes[] = {1, 7, 8, 16, 100, 1000, 1024, 4000, 32768, 32769, 40000, 100000,
                                   1 << 20, 3 << 20, 200000, 30000, 500, 3, 1};
    unsigned char *p = tri_realloc(NULL, 5);
    fill(p, 5, 1);
    size_t have = 5;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t keep = have < sizes[i] ? have : sizes[i];
        p = tri_realloc(p, sizes[i]);
        CHECK(p != NULL);
        CHECKF(holds(p, keep, 1), "realloc to %zu lost contents", sizes[i]);
        fill(p, sizes[i], 1);
        have = sizes[i];
        CHECK(tri_usable_size(p) >= sizes[i]);
    }
    errno = 0;
    CHECK(tri_realloc(p, 0) == NULL); /* frees, as glibc */
}

TEST(api_realloc_grows_large_in_place)
{
    /* A large object at the end of the committed pages grows without moving. */
    unsigned char *p = tri_malloc(40000);
    fill(p, 40000, 9);
    int moved = 0;
    size_t size = 40000;
    for (int i = 0; i < 40; i++) {
        unsigned char *q = tri_realloc(p, size + 100000);
        CHECK(q != NULL);
        moved += q != p;
        p = q;
        size += 100000;
    }
    CHECK(holds(p, 40000, 9));
    CHECKF(moved < 40, "moved on every one of 40 growths");
    tri_free(p);
}

/* A large buffer that cannot grow in place (something was allocated right
 * after it) moves with a sixteenth more room: it moves a logarithmic number
 * of times as it grows, and holds little more than it asked for. */
enum { BLOCKERS = 4096 };
static void *blockers[BLOCKERS];
static int nblockers;

/* Allocates 40000-byte objects until one lies right after p's pages (the
 * page heap fills its holes first), so that p cannot grow in place. */
static void block_after(void *p)
{
    uintptr_t end = (uintptr_t)p + tri_usable_size(p);
    while (nblockers < BLOCKERS) {
        void *b = tri_malloc(40000);
        blockers[nblockers++] = b;
        if ((uintptr_t)b == end)
            return;
    }
}

TEST(api_realloc_moves_large_buffers_geometrically)
{
    size_t size = 40000;
    unsigned char *p = tri_malloc(size);
    fill(p, size, 5);
    int moves = 0;
    nblockers = 0;
    block_after(p);
    while (size < ((size_t)1 << 20)) {
        size += 1000;
        unsigned char *q = tri_realloc(p, size);
        CHECK(q != NULL);
        if (q != p) {
            moves++;
            CHECKF(tri_usable_size(q) <= size + size / 16 + TRI_PAGE_SIZE, "moved to %zu usable bytes for %zu",
                   tri_usable_size(q), size);
            block_after(q);
        }
        p = q;
    }
    CHECK(nblockers < BLOCKERS);
    CHECK(holds(p, 40000, 5));
    CHECKF(moves >= 10 && moves <= 70, "%d moves from 40000 bytes to 1 MiB", moves);
    tri_free(p);
    for (int i = 0; i < nblockers; i++)
        tri_free(blockers[i]);
}

TEST(api_aligned_allocation)
{
    for (size_t align = 1; align <= ((size_t)1 << 22); align *= 2) {
        static const size_t sizes[] = {0, 1, 8, 24, 100, 4096, 5000, 32768, 70000};
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            size_t size = sizes[k];
            void *p = tri_aligned_alloc(align, size);
            CHECKF(p && (uintptr_t)p % align == 0, "aligned_alloc(%zu, %zu) = %p", align, size, p);
            CHECK(tri_usable_size(p) >= size);
            memset(p, 1, size);
            void *q = NULL;
            if (align >= sizeof(void *)) {
                CHECK(tri_posix_memalign(&q, align, size) == 0);
                CHECKF((uintptr_t)q % align == 0, "posix_memalign(%zu, %zu) = %p", align, size, q);
                memset(q, 2, size);
            }
            tri_free(p);
            tri_free(q);
        }
    }
}

TEST(api_large_objects)
{
    for (size_t size = 32769; size < ((size_t)48 << 20); size = size * 2 + 12345) {
        char *p = tri_malloc(size);
        CHECK(p != NULL);
        tri_span *s = tri_span_of((uintptr_t)p);
        CHECK(s && s->state == TRI_SPAN_LARGE && s->base == (uintptr_t)p);
        CHECK((uintptr_t)p % TRI_PAGE_SIZE == 0);
        CHECK(tri_usable_size(p) == (size + TRI_PAGE_SIZE - 1) / TRI_PAGE_SIZE * TRI_PAGE_SIZE);
        memset(p, 3, size);
        tri_free(p);
    }
}

TEST(api_reallocarray)
{
    int *p = tri_reallocarray(NULL, 100, sizeof(int));
    CHECK(p != NULL);
    for (int i = 0; i < 100; i++)
        p[i] = i;
    p = tri_reallocarray(p, 1000, sizeof(int));
    CHECK(p != NULL && p[99] == 99);
    errno = 0;
    CHECK(tri_reallocarray(p, SIZE_MAX / 2, 4) == NULL && errno == ENOMEM);
    CHECK(p[99] == 99); /* untouched on failure */
    tri_free(p);
}
