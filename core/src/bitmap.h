/*
 * Bitmaps of 64-bit words, bit i of a bitmap in word i / 64 at position
 * i % 64: the one set of helpers for every bitmap tricolor keeps (a span's
 * allocation, mark, grey and pointer bits; an arena's released and zero
 * pages; the page heap's non-empty lists).
 */
#ifndef TRI_BITMAP_H
#define TRI_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

/* The low n bits set (n <= 64). */
static inline uint64_t tri_bits_low(unsigned n)
{
    return n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
}

static inline uint64_t tri_bit_mask(uintptr_t i) { return (uint64_t)1 << (i % 64); }

/* Tests and sets go through the mask, so that a run of them on one index
 * computes the word and the mask once. */
static inline bool tri_bit(const uint64_t *bits, uintptr_t i)
{
    return (bits[i / 64] & tri_bit_mask(i)) != 0;
}

/* A test of a bitmap other threads may write meanwhile (the collector's
 * mark bits while workers mark): a relaxed atomic load, a plain one in
 * the instructions. */
static inline bool tri_bit_relaxed(const uint64_t *bits, uintptr_t i)
{
    return (__atomic_load_n(&bits[i / 64], __ATOMIC_RELAXED) & tri_bit_mask(i)) != 0;
}

static inline void tri_bit_set(uint64_t *bits, uintptr_t i) { bits[i / 64] |= tri_bit_mask(i); }
static inline void tri_bit_clear(uint64_t *bits, uintptr_t i) { bits[i / 64] &= ~tri_bit_mask(i); }

/* The set bits of a word: the instruction where the target has one, else
 * a few shifts and adds rather than a call into the compiler's library. */
static inline unsigned tri_popcount(uint64_t x)
{
#if defined(__POPCNT__) || !defined(__x86_64__)
    return (unsigned)__builtin_popcountll(x);
#else
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return (unsigned)((x * 0x0101010101010101ULL) >> 56);
#endif
}

/* The index of the lowest set bit of *word, which it clears: the step of a
 * loop over a word's set bits, `while (w) use(tri_bits_pop(&w))`. */
static inline unsigned tri_bits_pop(uint64_t *word)
{
    unsigned i = (unsigned)__builtin_ctzll(*word);
    *word &= *word - 1;
    return i;
}

/* Bits [from, from + n) as the low n bits of a word (n <= 64; the run may
 * straddle two words). */
static inline uint64_t tri_bits_get(const uint64_t *bits, uintptr_t from, unsigned n)
{
    unsigned lo = (unsigned)(from % 64);
    const uint64_t *b = &bits[from / 64];
    uint64_t v = b[0] >> lo;
    if (lo + n > 64)
        v |= b[1] << (64 - lo);
    return v & tri_bits_low(n);
}

/* Sets bits [from, from + n) to the low n bits of v (n <= 64). */
static inline void tri_bits_put(uint64_t *bits, uintptr_t from, unsigned n, uint64_t v)
{
    uint64_t mask = tri_bits_low(n);
    unsigned lo = (unsigned)(from % 64);
    uint64_t *b = &bits[from / 64];
    b[0] = (b[0] & ~(mask << lo)) | ((v & mask) << lo);
    if (lo + n > 64) {
        unsigned spill = 64 - lo;
        b[1] = (b[1] & ~(mask >> spill)) | ((v & mask) >> spill);
    }
}

/* tri_bits_get and tri_bits_put for a bitmap one thread writes while
 * others read (a span's pointer bits while workers mark): relaxed atomic
 * word accesses, the same instructions as plain ones where words are
 * atomic, so readers and the writer never race on a word. */
static inline uint64_t tri_bits_get_relaxed(const uint64_t *bits, uintptr_t from, unsigned n)
{
    unsigned lo = (unsigned)(from % 64);
    const uint64_t *b = &bits[from / 64];
    uint64_t v = __atomic_load_n(&b[0], __ATOMIC_RELAXED) >> lo;
    if (lo + n > 64)
        v |= __atomic_load_n(&b[1], __ATOMIC_RELAXED) << (64 - lo);
    return v & tri_bits_low(n);
}

static inline void tri_bits_put_relaxed(uint64_t *bits, uintptr_t from, unsigned n, uint64_t v)
{
    uint64_t mask = tri_bits_low(n);
    unsigned lo = (unsigned)(from % 64);
    uint64_t *b = &bits[from / 64];
    __atomic_store_n(&b[0], (__atomic_load_n(&b[0], __ATOMIC_RELAXED) & ~(mask << lo)) | ((v & mask) << lo),
                     __ATOMIC_RELAXED);
    if (lo + n > 64) {
        unsigned spill = 64 - lo;
        __atomic_store_n(&b[1], (__atomic_load_n(&b[1], __ATOMIC_RELAXED) & ~(mask >> spill)) | ((v & mask) >> spill),
                         __ATOMIC_RELAXED);
    }
}

/* The part of [from, from + n) (n >= 1) in from's word, as a mask of that
 * word; *k says how many bits it is. The step of the range loops below. */
static inline uint64_t tri_bits_first_word(uintptr_t from, uintptr_t n, uintptr_t *k)
{
    *k = 64 - from % 64 < n ? 64 - from % 64 : n;
    return ~(uint64_t)0 >> (64 - *k) << (from % 64);
}

/* Sets or clears bits [from, from + n), any n. */
static inline void tri_bits_fill(uint64_t *bits, uintptr_t from, uintptr_t n, bool value)
{
    for (uintptr_t k; n; from += k, n -= k) {
        uint64_t m = tri_bits_first_word(from, n, &k);
        bits[from / 64] = value ? bits[from / 64] | m : bits[from / 64] & ~m;
    }
}

/* Clears bits [from, from + n), any n; returns how many were set. */
static inline uintptr_t tri_bits_take(uint64_t *bits, uintptr_t from, uintptr_t n)
{
    uintptr_t count = 0;
    for (uintptr_t k; n; from += k, n -= k) {
        uint64_t m = tri_bits_first_word(from, n, &k), set = bits[from / 64] & m;
        if (set) {
            count += tri_popcount(set);
            bits[from / 64] &= ~m;
        }
    }
    return count;
}

/* The set bits among [from, from + n), any n. */
static inline uintptr_t tri_bits_count(const uint64_t *bits, uintptr_t from, uintptr_t n)
{
    uintptr_t count = 0;
    for (uintptr_t k; n; from += k, n -= k) {
        uint64_t set = bits[from / 64] & tri_bits_first_word(from, n, &k);
        if (set) /* a page heap's ranges are mostly all clear: no popcount */
            count += tri_popcount(set);
    }
    return count;
}

#endif
