/*
 * Growable arrays: the one way the runtime's own tables (roots, finalizers,
 * weak references, the verifier's stack) grow. They live in tri_malloc's
 * memory and double when full.
 */
#ifndef TRI_ARRAY_H
#define TRI_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

#include "tricolor.h"

/* Makes room in `items` (with `cap` slots) for index n: true, or false with
 * the array untouched when no memory can be had. */
#define tri_array_reserve(items, cap, n) tri_array_reserve_((void **)&(items), &(cap), (n), sizeof *(items))

static inline bool tri_array_reserve_(void **items, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? 2 * *cap : 16, bytes;
    if (c <= n)
        c = n + 1;
    if (__builtin_mul_overflow(c, elem, &bytes))
        return false;
    void *p = tri_realloc(*items, bytes);
    if (!p)
        return false;
    *items = p;
    *cap = c;
    return true;
}

#endif
