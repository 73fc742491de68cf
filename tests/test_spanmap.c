/* The span map and the page map: every address to its span, and free()'s
 * two-byte-per-page map of size classes (spanmap.c, internal.h). */
#include <string.h>

#include "harness.h"
#include "gc.h"

TEST(spanmap_resolves_interior_pointers)
{
    /* class 34: 1408-byte objects in 2-page spans, so objects straddle pages */
    char *p[12];
    for (int i = 0; i < 12; i++)
        p[i] = tri_malloc(1400);
    for (int i = 0; i < 12; i++) {
        tri_span *s = tri_span_of((uintptr_t)p[i]);
        CHECK(s && s->state == TRI_SPAN_SMALL && s->elemsize == 1408 && s->npages == 2);
        for (int k = 0; k < 1408; k++)
            CHECKF(tri_span_of((uintptr_t)p[i] + (uintptr_t)k) == s, "object %d byte %d", i, k);
    }
    for (int i = 0; i < 12; i++)
        tri_free(p[i]);

    /* a class whose spans have pages between their ends: all are mapped */
    unsigned c = 1;
    while (c < TRI_NUM_CLASSES && tri_class_npages[c] <= 2)
        c++;
    CHECK(c < TRI_NUM_CLASSES);
    char *q = tri_malloc(tri_class_size[c]);
    tri_span *qs = tri_span_of((uintptr_t)q);
    CHECK(qs && qs->state == TRI_SPAN_SMALL && qs->npages == tri_class_npages[c]);
    for (uintptr_t k = 0; k < qs->npages << TRI_PAGE_SHIFT; k += 509)
        CHECKF(tri_span_of(qs->base + k) == qs, "byte %lu of a %lu-page span", (unsigned long)k,
               (unsigned long)qs->npages);
    tri_free(q);

    /* a large object is handed back by its first byte: its first and last
     * pages are mapped, those between not (two entries whatever its size),
     * and an address between is still known for what it is */
    char *big = tri_malloc(300000);
    tri_span *s = tri_span_of((uintptr_t)big);
    CHECK(s && s->state == TRI_SPAN_LARGE && s->base == (uintptr_t)big && s->npages > 2);
    CHECK(tri_span_of((uintptr_t)big + TRI_PAGE_SIZE - 1) == s);
    CHECK(tri_span_of(s->base + (s->npages << TRI_PAGE_SHIFT) - 1) == s);
    for (size_t k = TRI_PAGE_SIZE; k < (s->npages - 1) << TRI_PAGE_SHIFT; k += 511) {
        CHECKF(tri_span_of((uintptr_t)big + k) == NULL, "byte %zu of a large object", k);
        CHECKF(tri_large_span_around((uintptr_t)big + k) == s, "byte %zu of a large object", k);
    }
    tri_free(big);

    int local;
    CHECK(tri_span_of((uintptr_t)&local) == NULL);
    CHECK(tri_span_of(0) == NULL);
    CHECK(tri_span_of(UINTPTR_MAX) == NULL);
    CHECK(tri_span_of(UINTPTR_MAX / 16 * 15) == NULL);
}

TEST(pagemap_names_class_and_page_of_malloc_spans)
{
    /* class 34: 1408-byte objects in 2-page spans */
    unsigned c = tri_size_class(1400);
    char *p = tri_malloc(1400);
    CHECK(p != NULL);
    tri_span *s = tri_span_of((uintptr_t)p);
    CHECK(s && s->sizeclass == c && s->npages == 2);
    for (uintptr_t k = 0; k < s->npages; k++) {
        uint16_t info = tri_page_info(s->base + k * TRI_PAGE_SIZE + 100);
        CHECKF(info == TRI_PAGEINFO(c, k), "page %lu: info %#x", (unsigned long)k, info);
    }
    /* every object start of the span has the class; no other byte has */
    for (uintptr_t a = s->base; a < s->base + s->npages * TRI_PAGE_SIZE; a += 8) {
        bool start = (a - s->base) % 1408 == 0 && (a - s->base) / 1408 < s->nelems;
        CHECKF(tri_small_class_of(a) == (start ? c : 0), "offset %lu", (unsigned long)(a - s->base));
    }
    tri_free(p);
}

/* A large object of malloc's: class 0 and its page count on its first
 * page, for realloc; nothing on its other pages, nor once it is freed. */
TEST(pagemap_has_a_large_objects_page_count)
{
    char *big = tri_malloc(100000); /* 13 pages */
    CHECK(big != NULL);
    CHECK(tri_page_info((uintptr_t)big) == TRI_PAGEINFO(0, 13) && tri_small_class_of((uintptr_t)big) == 0);
    CHECK(tri_page_info((uintptr_t)big + TRI_PAGE_SIZE) == 0);
    CHECK(tri_realloc(big, 13 * TRI_PAGE_SIZE) == big); /* fits: stays */
    big = tri_realloc(big, 200000);
    CHECK(big != NULL && tri_page_info((uintptr_t)big) == TRI_PAGEINFO(0, tri_span_of((uintptr_t)big)->npages));
    big = tri_realloc(big, 40000); /* shrinks in place */
    CHECK(big != NULL && tri_page_info((uintptr_t)big) == TRI_PAGEINFO(0, 5));
    char *huge = tri_malloc(300 * TRI_PAGE_SIZE);
    CHECK(huge != NULL && tri_page_info((uintptr_t)huge) == TRI_PAGEINFO(0, TRI_LARGE_INFO_MAX));
    CHECK(tri_realloc(huge, 300 * TRI_PAGE_SIZE - 5) == huge); /* fits, seen in the span */
    tri_free(huge);
    uintptr_t was = (uintptr_t)big;
    tri_free(big);
    CHECK(tri_page_info(was) == 0);
}

TEST(pagemap_is_empty_for_gc_and_foreign_memory)
{
    /* a collected heap's objects are not malloc's: free() must not take them */
    static const tri_type t = {"pair", 2 * sizeof(void *), 2, NULL};
    tri_gc_heap *h = tri_gc_create(NULL);
    CHECK(h != NULL);
    void *o = tri_gc_alloc(h, &t);
    CHECK(o != NULL && tri_span_of((uintptr_t)o) && tri_span_of((uintptr_t)o)->state == TRI_SPAN_GC);
    CHECK(tri_page_info((uintptr_t)o) == 0 && tri_small_class_of((uintptr_t)o) == 0);
    tri_gc_destroy(h);

    int local;
    CHECK(tri_page_info((uintptr_t)&local) == 0);
    CHECK(tri_page_info(0) == 0 && tri_page_info(UINTPTR_MAX) == 0);
}

TEST(spanmap_forgets_freed_spans)
{
    /* A large object's pages, once free, map to no span but at the free
     * span's ends: a stale interior pointer resolves to nothing. */
    char *big = tri_malloc(20 * TRI_PAGE_SIZE);
    CHECK(big != NULL);
    tri_span *s = tri_span_of((uintptr_t)big);
    CHECK(s && s->npages == 20);
    uintptr_t mid = (uintptr_t)big + 10 * TRI_PAGE_SIZE;
    CHECK(tri_span_of(mid) == NULL && tri_large_span_around(mid) == s);
    tri_free(big);
    CHECK(tri_large_span_around(mid) == NULL);
    tri_span *f = tri_span_of(mid);
    CHECK(f == NULL || (f->state == TRI_SPAN_FREE && f->base != mid - 10 * TRI_PAGE_SIZE));
}

TEST(spanmap_arena_covers_its_pages)
{
    char *p = tri_malloc(64);
    CHECK(p != NULL);
    tri_arena *a = tri_arena_of((uintptr_t)p);
    CHECK(a != NULL);
    CHECK((uintptr_t)p >= a->base && (uintptr_t)p < a->base + (a->npages << TRI_PAGE_SHIFT));
    CHECK(a->base % TRI_ARENA_SIZE == 0);
    CHECK(tri_arena_of(a->base) == a && tri_arena_of(a->base + (a->npages << TRI_PAGE_SHIFT) - 1) == a);
    CHECK(a->spans[((uintptr_t)p - a->base) >> TRI_PAGE_SHIFT] == tri_span_of((uintptr_t)p));
    tri_free(p);
}

/* The arenas' released and zero maps are bitmaps filled, counted and
 * taken by range (bitmap.h): random ranges, any length and alignment,
 * against an array of bools. */
TEST(bitmap_ranges_match_a_model)
{
    enum { NBITS = 64 * 6 };
    uint64_t bits[NBITS / 64] = {0};
    bool model[NBITS] = {0};
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    for (int round = 0; round < 20000; round++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        uintptr_t from = rng % NBITS, n = (rng >> 16) % (NBITS - from + 1);
        if (round % 3 != 2) {
            bool value = (rng >> 40) & 1;
            tri_bits_fill(bits, from, n, value);
            for (uintptr_t i = from; i < from + n; i++)
                model[i] = value;
        }
        uintptr_t want = 0;
        for (uintptr_t i = from; i < from + n; i++)
            want += model[i];
        uintptr_t got = tri_bits_count(bits, from, n);
        if (round % 5 == 4) { /* take: count and clear */
            got = tri_bits_take(bits, from, n);
            for (uintptr_t i = from; i < from + n; i++)
                model[i] = false;
        }
        if (got != want) {
            CHECKF(got == want, "round %d: count of [%lu, +%lu) is %lu, not %lu", round, (unsigned long)from,
                   (unsigned long)n, (unsigned long)got, (unsigned long)want);
            return;
        }
    }
    for (uintptr_t i = 0; i < NBITS; i++)
        CHECKF(tri_bit(bits, i) == model[i], "bit %lu", (unsigned long)i);
}
