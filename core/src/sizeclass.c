/*
 * Size classes. The table itself (sizes, span pages, division constants and
 * the two lookup tables) is generated at build time by
 * core/gen/mksizeclasses.c from the rules Go uses, and included here.
 *
 * A request of n bytes is served by the smallest class of at least n bytes:
 * one load from a 4097-entry table in 8-byte steps up to 32 KiB, see
 * tri_size_class (two tables, with 128-byte steps above 1 KiB, cost
 * malloc a compare and a branch on every call).
 */
#include "internal.h"

#include "sizeclasses.inc"

uint16_t tri_class_batch[TRI_NUM_CLASSES];

void tri_sizeclass_init(void)
{
    /* A batch is about 16 KiB of objects, between 2 and 128 of them: enough
     * that a central lock is taken rarely, few enough that a thread does
     * not hoard memory. A thread that meets others at the locks takes
     * larger ones (threadcache.c). */
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++) {
        unsigned n = 16384u / tri_class_size[c];
        tri_class_batch[c] = (uint16_t)(n < 2 ? 2 : n > 128 ? 128 : n);
    }
}

int tri_size_class_info(unsigned c, uint32_t *object_size, uint32_t *span_pages, uint32_t *objects)
{
    if (c == 0 || c >= TRI_NUM_CLASSES)
        return 0;
    *object_size = tri_class_size[c];
    *span_pages = tri_class_npages[c];
    *objects = tri_class_nelems(c);
    return 1;
}

unsigned tri_size_class_of(size_t size)
{
    return size <= TRI_SMALL_MAX ? tri_size_class(size) : 0;
}
