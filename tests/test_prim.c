/* The platform layer (prim.h): address space, clocks, randomness, the
 * environment and the thread calls, on each platform as it documents them. */
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "internal.h"

TEST(prim_reserve_is_aligned_and_commit_makes_it_usable)
{
    size_t size = 4 * TRI_PAGE_SIZE, align = (size_t)1 << 20;
    char *p = tri_prim_reserve(size, align);
    CHECK(p != NULL);
    CHECKF((uintptr_t)p % align == 0, "%p is not aligned to %zu", (void *)p, align);
    CHECK(tri_prim_commit(p, size));
    for (size_t i = 0; i < size; i += 4096)
        CHECKF(p[i] == 0, "fresh memory at %zu is not zero", i);
    memset(p, 0xa5, size);
    CHECK((unsigned char)p[size - 1] == 0xa5);
    tri_prim_decommit(p, size);
    if (tri_prim_decommit_zeroes)
        for (size_t i = 0; i < size; i += 512)
            CHECKF(p[i] == 0, "decommitted memory at %zu reads %d, not zero", i, p[i]);
    tri_prim_release(p, size);
}

TEST(prim_extend_grows_only_where_it_can)
{
    size_t size = TRI_PAGE_SIZE;
    char *p = tri_prim_reserve(size, TRI_PAGE_SIZE);
    CHECK(p != NULL);
#if defined(__wasm__)
    /* the stretch handed out last grows in place; an older one cannot */
    CHECK(tri_prim_extend(p + size, size));
    char *q = tri_prim_reserve(size, TRI_PAGE_SIZE);
    CHECK(q != NULL && q >= p + 2 * size);
    CHECK(!tri_prim_extend(p + 2 * size, size));
#else
    CHECK(!tri_prim_extend(p + size, size)); /* natively arenas are reserved whole */
    tri_prim_release(p, size);
#endif
}

TEST(prim_alloc_zeroed_is_zero_and_writable)
{
    size_t size = 3 * 4096 + 100;
    unsigned char *p = tri_prim_alloc_zeroed(size);
    CHECK(p != NULL);
    for (size_t i = 0; i < size; i++)
        CHECKF(p[i] == 0, "byte %zu is %u", i, p[i]);
    memset(p, 1, size);
    CHECK(p[size - 1] == 1);
}

TEST(prim_clocks_are_monotonic)
{
    uint64_t a = tri_prim_clock_ns(), ca = tri_prim_clock_coarse_ns();
    volatile uint64_t spin = 0;
    for (int i = 0; i < 1000000; i++)
        spin += (uint64_t)i;
    uint64_t b = tri_prim_clock_ns(), cb = tri_prim_clock_coarse_ns();
    CHECK(spin > 0 && a > 0 && b >= a && cb >= ca);
    CHECKF(b - a < 10ull * 1000000000u, "a million additions took %llu ns", (unsigned long long)(b - a));
    /* the coarse clock trails the precise one by at most its resolution */
    CHECKF(cb <= b + 20000000u, "coarse %llu is ahead of precise %llu", (unsigned long long)cb,
           (unsigned long long)b);
}

TEST(prim_random_fills_and_differs)
{
    uint64_t a[8] = {0}, b[8] = {0};
    CHECK(tri_prim_random(a, sizeof a));
    CHECK(tri_prim_random(b, sizeof b));
    CHECK(memcmp(a, b, sizeof a) != 0);
    int zero_words = 0;
    for (int i = 0; i < 8; i++)
        zero_words += a[i] == 0;
    CHECK(zero_words < 2);
}

TEST(prim_getenv_reads_the_environment)
{
    CHECK(tri_prim_getenv("TRICOLOR_SURELY_UNSET_VARIABLE") == NULL);
#if defined(__wasm__)
    /* the runners pass the environment through: PATH is always there */
    const char *path = tri_prim_getenv("PATH");
    if (!path)
        SKIP("the runner passed no environment");
    CHECK(*path != 0);
#else
    CHECK(setenv("TRICOLOR_PRIM_TEST", "42", 1) == 0);
    const char *v = tri_prim_getenv("TRICOLOR_PRIM_TEST");
    CHECK(v && strcmp(v, "42") == 0);
    unsetenv("TRICOLOR_PRIM_TEST");
#endif
}

TEST(prim_thread_stack_holds_this_frame)
{
    uintptr_t lo = 0, hi = 0;
    int local = 0;
#if defined(__wasm__)
    CHECK(!tri_prim_thread_stack(&lo, &hi)); /* values live in the engine's locals */
    (void)local;
#else
    CHECK(tri_prim_thread_stack(&lo, &hi));
    CHECKF(lo < (uintptr_t)&local && (uintptr_t)&local < hi, "frame %p outside [%#lx, %#lx)", (void *)&local,
           (unsigned long)lo, (unsigned long)hi);
#endif
}

TEST(prim_lock_excludes_and_releases)
{
    tri_lock l = {0};
    tri_lock_acquire(&l);
    CHECK(atomic_load(&l.state) != 0);
    tri_lock_release(&l);
    CHECK(atomic_load(&l.state) == 0);
    tri_lock_acquire(&l); /* free again: taken at once */
    tri_lock_release(&l);
}
