/*
 * The hooks that let tools and checks see the allocator's view of memory:
 * AddressSanitizer's poisoning, and the encoded, checked links of the few
 * lists kept inside memory nobody else uses (TRI_HARDEN). Without ASan the
 * first compile to nothing; with HARDEN=0 the second are plain pointers.
 */
#ifndef TRI_HARDEN_H
#define TRI_HARDEN_H

#include "types.h"

/* --- AddressSanitizer ---------------------------------------------------- */

/* Built with ASan, tricolor tells it which of its bytes the program may
 * touch: memory is poisoned unless it is part of an object handed out (up
 * to the size asked for), so a read or write of a freed object, of the
 * slack after an object's requested size, or of a span's unused tail is
 * reported as ASan reports its own heap's. Free objects in thread caches,
 * central spans and the collector's spans are all poisoned; allocation
 * unpoisons. */
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

TRI_INTERNAL TRI_COLD void tri_fatal_pointer(const char *op, const void *ptr, const char *what) __attribute__((noreturn));

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

/* --- encoded links -------------------------------------------------------- */

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

#endif
