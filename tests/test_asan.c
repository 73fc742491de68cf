/* AddressSanitizer integration: built with ASan, tricolor poisons the memory
 * the program must not touch (free objects, the slack after an object's
 * requested size, unused span tails, swept garbage-collected objects), so
 * ASan reports a bad access inside tricolor's heap as it would in its own.
 * The bad accesses run in child processes, which must die with an ASan
 * report naming the very address touched. Elsewhere these tests skip. */
#include <stdio.h>
#include <string.h>
#if !defined(__wasm__)
#include <unistd.h>
#endif

#include "harness.h"
#include "internal.h"

#ifdef TRI_ASAN

static volatile char sink;

/* Tells the parent which address the child is about to touch. */
static void announce(const void *p)
{
    char line[64];
    int n = snprintf(line, sizeof line, "touching %p\n", p);
    if (write(2, line, (size_t)n) != n)
        _exit(7);
}

static void read_byte(const char *p)
{
    announce(p);
    sink = *(volatile const char *)p;
}

static void write_byte(char *p)
{
    announce(p);
    *(volatile char *)p = 1;
}

/* Runs fn in a child; it must die with an ASan report of `kind` at the
 * address it announced. */
static void expect_asan(void (*fn)(void *), const char *kind, const char *access, const char *name)
{
    int sig = 0, code = 0;
    char err[16384];
    if (!th_child(fn, NULL, &sig, &code, err, sizeof err)) {
        th_fail(__FILE__, __LINE__, "%s: could not run a child process", name);
        return;
    }
    void *target = NULL;
    const char *t = strstr(err, "touching ");
    if (!t || sscanf(t, "touching %p", &target) != 1) {
        th_fail(__FILE__, __LINE__, "%s: the child never reached the bad access: signal %d, code %d, '%.300s'",
                name, sig, code, err);
        return;
    }
    char want[160];
    snprintf(want, sizeof want, "ERROR: AddressSanitizer: %s on address %p", kind, target);
    if (sig == 0 && code == 0)
        th_fail(__FILE__, __LINE__, "%s: the bad access at %p went unnoticed", name, target);
    else if (!strstr(err, want))
        th_fail(__FILE__, __LINE__, "%s: no '%s' in the child's report: '%.400s'", name, want, t);
    else if (!strstr(err, access))
        th_fail(__FILE__, __LINE__, "%s: the report does not say '%s'", name, access);
}

#define ASAN_TEST(name, kind, access, ...)                 \
    static void name##_child(void *arg)                    \
    {                                                      \
        (void)arg;                                         \
        __VA_ARGS__;                                       \
    }                                                      \
    TEST(name)                                             \
    {                                                      \
        expect_asan(name##_child, kind, access, #name);    \
    }

ASAN_TEST(asan_use_after_free_small, "use-after-poison", "READ of size 1", {
    char *p = tri_malloc(64);
    memset(p, 'x', 64);
    tri_free(p);
    read_byte(p + 8);
})

ASAN_TEST(asan_write_after_free_small, "use-after-poison", "WRITE of size 1", {
    char *p = tri_malloc(200);
    tri_free(p);
    write_byte(p + 199);
})

ASAN_TEST(asan_use_after_free_in_central_span, "use-after-poison", "READ of size 1", {
    /* the object has gone back to its span, past the thread cache */
    char *p = tri_malloc(512);
    tri_free(p);
    tri_thread_flush();
    read_byte(p);
})

ASAN_TEST(asan_read_past_end_small, "use-after-poison", "READ of size 1", {
    char *p = tri_malloc(100); /* class 112: 12 bytes of slack */
    memset(p, 'x', 100);
    read_byte(p + 100);
})

ASAN_TEST(asan_read_past_end_small_whole_granule, "use-after-poison", "READ of size 1", {
    char *p = tri_malloc(40); /* class 48 */
    read_byte(p + 47);
})

ASAN_TEST(asan_read_past_end_large, "use-after-poison", "READ of size 1", {
    char *p = tri_malloc(40000); /* 5 pages: 960 bytes of tail */
    memset(p, 'x', 40000);
    read_byte(p + 40000);
})

ASAN_TEST(asan_use_after_free_large, "use-after-poison", "READ of size 1", {
    char *p = tri_malloc(1 << 20);
    tri_free(p);
    read_byte(p + 4096);
})

ASAN_TEST(asan_unused_span_tail, "use-after-poison", "READ of size 1", {
    /* class 4 packs 170 48-byte objects in 8 KiB, leaving a 32-byte tail */
    char *p = tri_malloc(48);
    tri_span *s = tri_span_of((uintptr_t)p);
    read_byte((char *)s->base + 170 * 48 + 8);
})

ASAN_TEST(asan_use_after_realloc_moved, "use-after-poison", "READ of size 1", {
    char *p = tri_malloc(24);
    char *q = tri_realloc(p, 5000);
    if (q == p)
        _exit(8);
    read_byte(p);
})

static const uint64_t pair_map[1] = {3};
static const tri_type pair_type = {"pair", 3 * sizeof(void *), 2, pair_map};

ASAN_TEST(asan_gc_object_after_sweep, "use-after-poison", "READ of size 1", {
    tri_gc_config c = {0};
    c.gogc = -1;
    tri_gc_heap *h = tri_gc_create(&c);
    void *keep[1] = {tri_gc_alloc(h, &pair_type)};
    tri_gc_add_roots(h, keep, 1);
    char *garbage = tri_gc_alloc(h, &pair_type);
    tri_gc_collect(h); /* unreachable: swept, and poisoned */
    if (tri_gc_color_of(h, garbage) != TRI_FREE)
        _exit(9);
    read_byte(garbage);
})

ASAN_TEST(asan_gc_read_past_object, "use-after-poison", "READ of size 1", {
    tri_gc_heap *h = tri_gc_create(NULL);
    char *blob = tri_gc_alloc_noscan(h, 100); /* class 112 */
    read_byte(blob + 100);
})

/* Double frees: ASan knows every free object, so tricolor catches each
 * one at once, not only those the thread cache or the span notices. */
static void double_free_apart(void *arg)
{
    (void)arg;
    void *a = tri_malloc(32), *b = tri_malloc(32);
    tri_free(a);
    tri_free(b);
    tri_free(a); /* not on top of the stack: without ASan, found at the next flush */
    _exit(0);
}

TEST(asan_double_free_caught_at_once)
{
    int sig = 0, code = 0;
    char err[4096];
    CHECK(th_child(double_free_apart, NULL, &sig, &code, err, sizeof err));
    CHECKF(sig == TH_SIGABRT && strstr(err, "tricolor: free(0x") && strstr(err, "double free"),
           "signal %d, code %d, stderr '%.300s'", sig, code, err);
}

static void realloc_after_free(void *arg)
{
    (void)arg;
    void *a = tri_malloc(48);
    tri_free(a);
    sink = (char)(uintptr_t)tri_realloc(a, 64);
    _exit(0);
}

TEST(asan_realloc_of_freed_object)
{
    int sig = 0, code = 0;
    char err[4096];
    CHECK(th_child(realloc_after_free, NULL, &sig, &code, err, sizeof err));
    CHECKF(sig == TH_SIGABRT && strstr(err, "tricolor: realloc(0x") && strstr(err, "already free"),
           "signal %d, code %d, stderr '%.300s'", sig, code, err);
}

/* In-process: exactly which bytes are poisoned as objects come and go. */
TEST(asan_poisoning_follows_objects)
{
    char *p = tri_malloc(20); /* class 32 */
    CHECK(!__asan_address_is_poisoned(p) && !__asan_address_is_poisoned(p + 19));
    CHECK(__asan_address_is_poisoned(p + 20) && __asan_address_is_poisoned(p + 31));
    CHECK(tri_usable_size(p) == 32); /* the program may use what it is told it has */
    CHECK(!__asan_address_is_poisoned(p + 31));
    p = tri_realloc(p, 16); /* in place */
    CHECK(!__asan_address_is_poisoned(p + 15) && __asan_address_is_poisoned(p + 16));
    memset(p, 7, 16);
    char *q = tri_realloc(p, 1000); /* moves */
    CHECK(q != p && q[15] == 7 && !__asan_address_is_poisoned(q + 999) && __asan_address_is_poisoned(q + 1000));
    CHECK(__asan_address_is_poisoned(p));
    tri_free(q);
    CHECK(__asan_address_is_poisoned(q) && __asan_address_is_poisoned(q + 999));
    char *z = tri_malloc(0);
    CHECK(z && !__asan_address_is_poisoned(z) && __asan_address_is_poisoned(z + 1));
    tri_free(z);
    char *big = tri_calloc(1, 100000);
    CHECK(big[99999] == 0 && __asan_address_is_poisoned(big + 100000));
    big = tri_realloc(big, 300000); /* grows, in place or not */
    CHECK(!__asan_address_is_poisoned(big + 299999) && __asan_address_is_poisoned(big + 300000));
    big = tri_realloc(big, 50000);
    CHECK(!__asan_address_is_poisoned(big + 49999) && __asan_address_is_poisoned(big + 50000));
    tri_free(big);
    CHECK(__asan_address_is_poisoned(big));
    char *al = tri_aligned_alloc(256, 300);
    CHECK(al && (uintptr_t)al % 256 == 0 && !__asan_address_is_poisoned(al + 299) &&
          __asan_address_is_poisoned(al + 300));
    tri_free(al);

    tri_gc_heap *h = tri_gc_create(NULL);
    void *roots[2] = {tri_gc_alloc(h, &pair_type), tri_gc_alloc_array(h, &pair_type, 3000)};
    tri_gc_add_roots(h, roots, 2);
    char *pair = roots[0], *arr = roots[1];
    size_t arr_bytes = 3000 * pair_type.size;
    CHECK(!__asan_address_is_poisoned(pair + pair_type.size - 1) &&
          __asan_address_is_poisoned(pair + pair_type.size)); /* 24 of 32 bytes */
    CHECK(!__asan_address_is_poisoned(arr + arr_bytes - 1) && __asan_address_is_poisoned(arr + arr_bytes));
    tri_gc_collect(h);
    CHECK(!__asan_address_is_poisoned(pair) && !__asan_address_is_poisoned(arr)); /* reachable: kept */
    roots[1] = NULL;
    tri_gc_collect(h);
    CHECK(__asan_address_is_poisoned(arr));
    tri_gc_destroy(h);
    CHECK(__asan_address_is_poisoned(pair));
}

#else

TEST(asan_poisoning)
{
    SKIP("needs a build with AddressSanitizer");
}

#endif
