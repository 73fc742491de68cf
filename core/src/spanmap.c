/*
 * The span map: from any address to the span that holds it in O(1).
 *
 * The address space is cut into arena-sized slots (64 MiB natively, 1 MiB on
 * wasm); tri_arena_map has one entry per slot, 2^21 entries for x86-64's
 * 47-bit user space, in zero-filled memory mapped with the first arena,
 * which costs nothing until an arena touches its entry. An arena keeps one
 * span pointer per page, so the lookup is: slot entry, then the page's
 * entry (tri_span_of in internal.h).
 * Interior pointers resolve like any other in the spans whose objects are
 * found from any of their addresses (small objects' and a collected heap's):
 * every page of those points at its span. A large object of malloc's is
 * only ever handed back by its first byte, so only its first and last
 * pages are mapped, as a free span's are (TCMalloc's page map does the
 * same): handing one out or taking it back costs two entries, not one per
 * page.
 *
 * The page map is the same idea for free()'s fast path (TCMalloc's size-class
 * cache): two bytes per page, the size class and the page's index within its
 * span, reached through tri_page_map in one step, so that checking and
 * filing an object reads neither the arena record nor the span.
 *
 * An arena is one reservation, TRI_ARENA_SIZE or, for a larger object, a
 * multiple of it; its metadata (span pointers and the released-page bitmap)
 * sits apart from its pages so that the pages stay aligned and whole.
 * Arenas are only created here, under the page heap's lock.
 */
#include "internal.h"

tri_arena **tri_arena_map;
uintptr_t *tri_page_map;
uintptr_t tri_map_slots;

/* The two tables, in one mapping, made with the first arena (under the
 * page heap's lock); tried again with the next if the OS refused. */
static bool tri_spanmap_init(void)
{
    void *maps = tri_prim_alloc_zeroed(2 * TRI_ARENA_MAP_SIZE * sizeof(uintptr_t));
    if (!maps)
        return false;
    tri_arena_map = maps;
    tri_page_map = (uintptr_t *)maps + TRI_ARENA_MAP_SIZE;
    /* Release: a thread that sees the length sees the tables. */
    __atomic_store_n(&tri_map_slots, TRI_ARENA_MAP_SIZE, __ATOMIC_RELEASE);
    return true;
}

static void map_slots(tri_arena *a, uintptr_t start, uintptr_t end)
{
    uintptr_t biased = (uintptr_t)a->pageinfo - (a->base >> TRI_PAGE_SHIFT) * sizeof(uint16_t);
    for (uintptr_t slot = start >> TRI_ARENA_SHIFT; slot < end >> TRI_ARENA_SHIFT; slot++) {
        __atomic_store_n(&tri_arena_map[slot], a, __ATOMIC_RELEASE);
        __atomic_store_n(&tri_page_map[slot], biased, __ATOMIC_RELEASE);
    }
}

tri_arena *tri_arena_create(uintptr_t min_pages)
{
    if (!TRI_PEEK(tri_map_slots) && !tri_spanmap_init())
        return NULL;
    uintptr_t npages = (min_pages + TRI_ARENA_PAGES - 1) & ~(TRI_ARENA_PAGES - 1);
    if (npages == 0 || npages > (TRI_MAX_ALLOC >> TRI_PAGE_SHIFT))
        return NULL;
    size_t bytes = npages << TRI_PAGE_SHIFT;
    char *base = tri_prim_reserve(bytes, TRI_ARENA_SIZE);
    if (!base)
        return NULL;
    if ((uint64_t)(uintptr_t)base + bytes - 1 >= ((uint64_t)1 << TRI_ADDR_BITS)) {
        tri_prim_release(base, bytes); /* beyond what the map covers */
        return NULL;
    }

    uintptr_t capacity = npages > TRI_ARENA_MAX_PAGES ? npages : TRI_ARENA_MAX_PAGES;
    size_t spans_bytes = capacity * sizeof(tri_span *);
    size_t info_bytes = capacity * sizeof(uint16_t);
    size_t bitmap_bytes = (capacity + 63) / 64 * sizeof(uint64_t);
    size_t meta_bytes = (sizeof(tri_arena) + spans_bytes + info_bytes + 2 * bitmap_bytes + 4095) & ~(size_t)4095;
    char *meta = tri_prim_alloc_zeroed(meta_bytes);
    if (!meta) {
        tri_prim_release(base, bytes);
        return NULL;
    }
    atomic_fetch_add_explicit(&tri_metadata_bytes, meta_bytes, memory_order_relaxed);

    tri_arena *a = (tri_arena *)meta;
    a->base = (uintptr_t)base;
    a->npages = npages;
    a->capacity = capacity;
    a->committed = 0;
    a->spans = (tri_span **)(meta + sizeof(tri_arena));
    a->released = (uint64_t *)(meta + sizeof(tri_arena) + spans_bytes);
    a->zero = (uint64_t *)(meta + sizeof(tri_arena) + spans_bytes + bitmap_bytes);
    a->pageinfo = (uint16_t *)(meta + sizeof(tri_arena) + spans_bytes + 2 * bitmap_bytes);

    map_slots(a, a->base, a->base + bytes);
    return a;
}

bool tri_arena_extend(tri_arena *a, uintptr_t npages)
{
    npages = (npages + TRI_ARENA_PAGES - 1) & ~(TRI_ARENA_PAGES - 1);
    if (npages > a->capacity - a->npages)
        return false;
    uintptr_t end = a->base + (a->npages << TRI_PAGE_SHIFT);
    if (!tri_prim_extend((void *)end, npages << TRI_PAGE_SHIFT))
        return false;
    a->npages += npages;
    map_slots(a, end, end + (npages << TRI_PAGE_SHIFT));
    return true;
}

void tri_pagemap_mark_large(const tri_span *s, bool live)
{
    tri_arena *a = tri_arena_of(s->base);
    uintptr_t n = s->npages < TRI_LARGE_INFO_MAX ? s->npages : TRI_LARGE_INFO_MAX;
    TRI_POKE(a->pageinfo[(s->base - a->base) >> TRI_PAGE_SHIFT], live ? TRI_PAGEINFO(0, n) : 0);
}

void tri_pagemap_mark(const tri_span *s, unsigned c)
{
    tri_arena *a = tri_arena_of(s->base);
    uintptr_t first = (s->base - a->base) >> TRI_PAGE_SHIFT;
    for (uintptr_t k = 0; k < s->npages; k++)
        TRI_POKE(a->pageinfo[first + k], c ? TRI_PAGEINFO(c, k) : 0);
}
