/* libFuzzer harness: sequences of allocator operations (malloc, calloc,
 * realloc, reallocarray, aligned_alloc, posix_memalign, free, usable_size,
 * thread flushes and releases of idle memory) on objects of every size
 * range, with the contents checked: each live object is stamped with a
 * pattern of its own, verified before it is freed or reallocated, and no
 * two live objects may overlap. Built with ASan, tricolor poisons free
 * memory, so a stray access by the allocator itself is reported too.
 *
 * Input: a stream of operations, each an opcode byte and its operands. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

enum { SLOTS = 64, MAX_LIVE = 64 << 20 };

typedef struct slot {
    unsigned char *p;
    size_t size;  /* bytes stamped */
    uint8_t seed;
} slot;

static slot slots[SLOTS];
static size_t live_bytes;

/* The byte loops are left out of coverage: tracing every comparison in
 * them would cost far more than the allocator does, for no new paths. */
#define NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))

/* The pattern: word i of an object holds a value made from its seed and i
 * (objects are 8-byte aligned); a byte after the last whole word holds its
 * byte of the word it would be in, so a prefix checks like the whole. */
static inline uint64_t pattern(uint8_t seed, size_t i)
{
    return (seed * 0x0101010101010101ULL) ^ ((uint64_t)(i + 1) * 0x9E3779B97F4A7C15ULL);
}

static inline uint8_t pattern_byte(uint8_t seed, size_t i)
{
    return (uint8_t)(pattern(seed, i / 8) >> (8 * (i % 8))); /* little-endian, as x86-64 */
}

NO_COVERAGE static void stamp(slot *s)
{
    uint64_t *w = (uint64_t *)s->p;
    size_t words = s->size / 8;
    for (size_t i = 0; i < words; i++)
        w[i] = pattern(s->seed, i);
    for (size_t i = words * 8; i < s->size; i++)
        s->p[i] = pattern_byte(s->seed, i);
}

/* Checks the first n bytes of s's object against its pattern. */
NO_COVERAGE static void verify(const slot *s, size_t n, const char *when)
{
    const uint64_t *w = (const uint64_t *)s->p;
    size_t words = n / 8;
    for (size_t i = 0; i < words; i++)
        if (w[i] != pattern(s->seed, i))
            FUZZ_CHECK(0, "%s: object %p of %zu bytes, word %zu changed", when, (void *)s->p, s->size, i);
    for (size_t i = words * 8; i < n; i++)
        if (s->p[i] != pattern_byte(s->seed, i))
            FUZZ_CHECK(0, "%s: object %p of %zu bytes, byte %zu changed", when, (void *)s->p, s->size, i);
}

NO_COVERAGE static size_t first_nonzero(const unsigned char *p, size_t n)
{
    const uint64_t *w = (const uint64_t *)p;
    size_t i = 0;
    for (; i < n / 8; i++)
        if (w[i])
            break;
    for (i *= 8; i < n; i++)
        if (p[i])
            return i;
    return n;
}

/* A size from the input: mostly small, sometimes large, now and then huge. */
static size_t take_size(fuzz_input *in)
{
    uint8_t range = fuzz_u8(in);
    switch (range % 8) {
    case 0: case 1: case 2: return fuzz_u8(in) % 65;          /* tiny, zero included */
    case 3: case 4: return fuzz_u16(in) % 1025;                /* small */
    case 5: return fuzz_u16(in) % 40000;                       /* up to the largest class and past it */
    case 6: return (fuzz_u32(in) % (1 << 18)) + 1;             /* large */
    default: {
        static const size_t huge[] = {SIZE_MAX, SIZE_MAX - 4095, (size_t)1 << 62, TRI_MAX_ALLOC + 1};
        return range & 0x80 ? huge[fuzz_u8(in) % 4] : (size_t)32768 + fuzz_u8(in) % 3 - 1;
    }
    }
}

static int fits(size_t size) { return size <= (size_t)MAX_LIVE && live_bytes + size <= (size_t)MAX_LIVE; }

/* A fresh object must not overlap any live one. */
static void check_disjoint(const unsigned char *p, size_t n, int self)
{
    size_t span = n ? n : 1;
    for (int k = 0; k < SLOTS; k++) {
        if (k == self || !slots[k].p)
            continue;
        size_t other = slots[k].size ? slots[k].size : 1;
        FUZZ_CHECK(p + span <= slots[k].p || slots[k].p + other <= p, "%p (%zu bytes) overlaps live %p (%zu bytes)",
                   (const void *)p, n, (const void *)slots[k].p, slots[k].size);
    }
}

static void release(slot *s)
{
    if (!s->p)
        return;
    verify(s, s->size, "before free");
    tri_free(s->p);
    live_bytes -= s->size;
    s->p = NULL;
    s->size = 0;
}

static void install(slot *s, void *p, size_t size, uint8_t seed, int k)
{
    s->p = p;
    s->size = size;
    s->seed = seed;
    check_disjoint(s->p, size, k);
    FUZZ_CHECK(tri_usable_size(p) >= size, "usable size %zu < %zu", tri_usable_size(p), size);
    stamp(s);
    live_bytes += size;
}

/* s's object moved to q (n bytes) by realloc or reallocarray: what it held,
 * up to the smaller size, must have come along. */
static void moved(slot *s, unsigned char *q, size_t n, uint8_t seed, int k, const char *what)
{
    size_t keep = n < s->size ? n : s->size;
    slot kept = {q, keep, s->seed};
    verify(&kept, keep, what);
    live_bytes -= s->size;
    s->p = NULL;
    install(s, q, n, seed, k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, data + size};
    while (fuzz_more(&in)) {
        uint8_t op = fuzz_u8(&in);
        int k = fuzz_u8(&in) % SLOTS;
        slot *s = &slots[k];
        uint8_t seed = (uint8_t)(op ^ k * 7);
        switch (op % 12) {
        case 0: case 1: case 2: { /* malloc */
            size_t n = take_size(&in);
            release(s);
            errno = 0;
            void *p = fits(n) ? tri_malloc(n) : NULL;
            if (n > TRI_MAX_ALLOC)
                FUZZ_CHECK(!tri_malloc(n) && errno == ENOMEM, "malloc(%zu) of a huge size", n);
            if (p)
                install(s, p, n, seed, k);
            break;
        }
        case 3: { /* calloc: zeroed, overflow caught */
            size_t count = fuzz_u8(&in) % 64, each = take_size(&in), n;
            release(s);
            errno = 0;
            if (__builtin_mul_overflow(count, each, &n)) {
                FUZZ_CHECK(!tri_calloc(count, each) && errno == ENOMEM, "calloc(%zu, %zu) overflows", count, each);
                break;
            }
            unsigned char *p = fits(n) ? tri_calloc(count, each) : NULL;
            if (!p)
                break;
            size_t nz = first_nonzero(p, n);
            FUZZ_CHECK(nz == n, "calloc(%zu, %zu): byte %zu is not zero", count, each, nz);
            install(s, p, n, seed, k);
            break;
        }
        case 4: case 5: { /* realloc: the common prefix survives */
            size_t n = take_size(&in);
            if (!s->p || !fits(n))
                break;
            verify(s, s->size, "before realloc");
            errno = 0;
            unsigned char *q = tri_realloc(s->p, n);
            if (n == 0) { /* freed, as glibc does */
                FUZZ_CHECK(q == NULL, "realloc(p, 0) returned %p", (void *)q);
                live_bytes -= s->size;
                s->p = NULL;
                s->size = 0;
                break;
            }
            if (!q) { /* failed: the old object is untouched */
                FUZZ_CHECK(errno == ENOMEM, "realloc failed with errno %d", errno);
                verify(s, s->size, "after a failed realloc");
                break;
            }
            moved(s, q, n, seed, k, "after realloc");
            break;
        }
        case 6: { /* aligned_alloc and posix_memalign, bad alignments included */
            unsigned shift = fuzz_u8(&in) % 20;
            size_t align = (size_t)1 << shift, n = take_size(&in);
            int bad = fuzz_u8(&in) % 8 == 0;
            if (bad)
                align *= 3; /* not a power of two */
            release(s);
            void *p = NULL;
            if (!fits(n) && !bad)
                break;
            if (op & 0x80) {
                errno = 0;
                p = tri_aligned_alloc(align, n);
                if (bad || !p)
                    FUZZ_CHECK(!p && errno == (bad ? EINVAL : ENOMEM), "aligned_alloc(%zu, %zu): errno %d", align, n,
                               errno);
            } else {
                int r = tri_posix_memalign(&p, align, n);
                int want_einval = bad || align < sizeof(void *);
                FUZZ_CHECK(want_einval ? r == EINVAL : (r == 0) == (p != NULL), "posix_memalign(%zu, %zu) -> %d",
                           align, n, r);
                if (r)
                    p = NULL;
            }
            if (!p)
                break;
            FUZZ_CHECK((uintptr_t)p % align == 0, "%p is not aligned to %zu", p, align);
            install(s, p, n, seed, k);
            break;
        }
        case 7: case 8: /* free */
            release(s);
            break;
        case 9: { /* usable_size: all of it may be used */
            if (!s->p)
                break;
            size_t usable = tri_usable_size(s->p);
            FUZZ_CHECK(usable >= s->size, "usable size %zu < %zu", usable, s->size);
            verify(s, s->size, "before using the whole usable size");
            if (usable - s->size > (size_t)MAX_LIVE - live_bytes)
                break;
            live_bytes += usable - s->size;
            s->size = usable;
            check_disjoint(s->p, usable, k);
            stamp(s);
            break;
        }
        case 10: { /* reallocarray, overflow included */
            size_t count = fuzz_u16(&in), each = fuzz_u8(&in) % 64 + 1, n;
            if (!s->p)
                break;
            if (op & 0x40)
                count = SIZE_MAX / each + 1; /* overflows */
            errno = 0;
            if (__builtin_mul_overflow(count, each, &n)) {
                FUZZ_CHECK(!tri_reallocarray(s->p, count, each) && errno == ENOMEM, "reallocarray overflow");
                verify(s, s->size, "after an overflowing reallocarray");
                break;
            }
            if (!fits(n) || n == 0)
                break;
            unsigned char *q = tri_reallocarray(s->p, count, each);
            if (!q)
                break;
            moved(s, q, n, seed, k, "after reallocarray");
            break;
        }
        default: /* objects go back to the central lists; idle pages to the OS */
            if (op & 0x10)
                tri_release_idle_memory();
            else
                tri_thread_flush();
            break;
        }
    }
    for (int k = 0; k < SLOTS; k++)
        release(&slots[k]);
    return 0;
}
