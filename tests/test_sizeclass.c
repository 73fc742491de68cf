/* Size classes: the generated table against Go's, the lookup, and the
 * exact-division constants free() relies on. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "internal.h"

TEST(sizeclass_table_matches_go)
{
    char path[512];
    snprintf(path, sizeof path, "%s/go_sizeclasses.txt", th_data_dir());
    FILE *f = fopen(path, "r");
    CHECKF(f != NULL, "cannot open %s: %s", path, strerror(errno));
    char line[256];
    int rows = 0;
    unsigned prev = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned c, size, span, objects, tail;
        char waste[32];
        if (sscanf(line, "// %u %u %u %u %u %31s", &c, &size, &span, &objects, &tail, waste) != 6)
            continue;
        uint32_t gsize, gpages, gobjects;
        if (!tri_size_class_info(c, &gsize, &gpages, &gobjects)) {
            fclose(f);
            CHECKF(0, "class %u missing", c);
        }
        unsigned gspan = gpages * 8192, gtail = gspan - gobjects * gsize;
        char gwaste[32];
        snprintf(gwaste, sizeof gwaste, "%.2f%%",
                 100.0 * (double)((gsize - prev - 1) * gobjects + gtail) / gspan);
        prev = gsize;
        if (gsize != size || gspan != span || gobjects != objects || gtail != tail || strcmp(gwaste, waste)) {
            fclose(f);
            CHECKF(0, "class %u: generated %u %u %u %u %s, Go has %u %u %u %u %s", c, gsize, gspan, gobjects,
                   gtail, gwaste, size, span, objects, tail, waste);
        }
        rows++;
    }
    fclose(f);
    CHECKF(rows == 66, "compared %d rows, expected 66", rows);
    uint32_t a, b, d;
    CHECK(!tri_size_class_info(0, &a, &b, &d));
    CHECK(!tri_size_class_info(67, &a, &b, &d));
    CHECK(TRI_NUM_CLASSES == 67 && TRI_NUM_SPAN_CLASSES == 134);
}

TEST(sizeclass_lookup_is_smallest_fit)
{
    for (size_t n = 0; n <= TRI_SMALL_MAX; n++) {
        unsigned c = tri_size_class_of(n);
        CHECKF(c >= 1 && c < TRI_NUM_CLASSES, "size %zu -> class %u", n, c);
        CHECKF(tri_class_size[c] >= n, "size %zu -> class %u of %u bytes", n, c, tri_class_size[c]);
        CHECKF(c == 1 || tri_class_size[c - 1] < n, "size %zu -> class %u, but class %u fits", n, c, c - 1);
    }
    CHECK(tri_size_class_of(TRI_SMALL_MAX + 1) == 0);
    CHECK(tri_size_class_of((size_t)-1) == 0);
}

TEST(sizeclass_object_index_is_exact)
{
    /* For every byte offset of every class's span, the one-multiply test
     * must accept exactly the object starts and name the right object. */
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++) {
        tri_span s;
        memset(&s, 0, sizeof s);
        s.base = 0x10000000;
        s.sizeclass = (uint8_t)c;
        s.nelems = (uint16_t)tri_class_nelems(c);
        uint32_t size = tri_class_size[c], span = tri_class_npages[c] * 8192u;
        for (uint32_t off = 0; off < span; off++) {
            uint32_t idx = tri_object_index(&s, s.base + off);
            uint32_t raw = tri_offset_index(c, off);
            int start = off % size == 0 && off / size < s.nelems;
            CHECKF(start == (idx != UINT32_MAX) && start == (raw < s.nelems), "class %u offset %u: index %u",
                   c, off, idx);
            CHECKF(!start || (idx == off / size && raw == idx), "class %u offset %u: index %u", c, off, idx);
        }
        s.nelems = 0; /* a span without small objects rejects everything */
        CHECK(tri_object_index(&s, s.base) == UINT32_MAX);
        CHECK(tri_offset_index(0, 0) >= tri_class_nelems(0));
    }
}

TEST(sizeclass_span_classes)
{
    for (unsigned c = 0; c < TRI_NUM_CLASSES; c++) {
        CHECK(tri_spanclass(c, true) >> 1 == c && (tri_spanclass(c, true) & 1) == 1);
        CHECK(tri_spanclass(c, false) >> 1 == c && (tri_spanclass(c, false) & 1) == 0);
    }
    /* malloc's objects live in noscan spans */
    void *p = tri_malloc(100);
    tri_span *s = tri_span_of((uintptr_t)p);
    CHECK(s && s->spanclass == tri_spanclass(tri_size_class_of(100), true));
    tri_free(p);
}
