/*
 * The grey list: work buffers of grey objects (Go's mgcwork.go).
 *
 * Owns: mark.work (the current buffer, which marking pushes to and pops
 * from), mark.full (buffers filled and waiting), mark.spare (empty buffers
 * kept for reuse), mark.reserve and mark.overflow.
 *
 * Work buffers are objects of malloc's, linked through their first word
 * into the lists of full and spare buffers. The link is encoded (harden.h),
 * and a decoded link must be the start of an object of the buffers' size
 * class (checked in the page map, without touching it) or it is reported.
 *
 * Invariants kept:
 *   - The current buffer is on no list; only full buffers (n ==
 *     TRI_WORKBUF_OBJECTS) are on the full list, and a full buffer whose
 *     count says otherwise is memory corruption, reported.
 *   - The heap's reserve buffer is never on a list: it stands in as the
 *     current buffer when no other can be had, and gives its contents to a
 *     real buffer as soon as one can be had.
 *   - An object that cannot be pushed at all stays grey in its span's grey
 *     bits, and mark.overflow is set until marking has found it again.
 */
#include "gc.h"

static void workbuf_link(tri_gc_workbuf *b, tri_gc_workbuf *next)
{
    b->next = tri_link_encode(&b->next, next);
}

static tri_gc_workbuf *workbuf_next(const tri_gc_workbuf *b)
{
    tri_gc_workbuf *next = tri_link_decode(&b->next, b->next);
#if TRI_HARDEN
    if (next && tri_small_class_of((uintptr_t)next) != tri_size_class(sizeof *next))
        tri_fatal_corrupt("list of ", "the collector's work buffers", &b->next, (uintptr_t)next);
#endif
    return next;
}

/* A full current buffer: a spare or new one takes its place. Out of
 * memory, the heap's own reserve buffer does, while it is free: marking a
 * list or a narrow tree then goes on at full speed with no memory at all.
 * When the reserve is full and a buffer can be had again, its contents move
 * into that one. */
void tri_gc_grey_push_slow(tri_gc_heap *h, uintptr_t obj)
{
    tri_gc_workbuf *b = h->mark.work;
    tri_gc_workbuf *fresh = h->mark.spare;
    if (fresh)
        h->mark.spare = workbuf_next(fresh);
    else
        fresh = tri_malloc(sizeof *fresh);
    if (!fresh && b != &h->mark.reserve) {
        fresh = &h->mark.reserve;
    } else if (!fresh) {
        /* Out of memory: leave the object grey in its span's grey bits;
         * marking finds it again by scanning for grey bits. */
        h->mark.overflow = 1;
        return;
    } else if (b == &h->mark.reserve) {
        memcpy(fresh->obj, b->obj, sizeof b->obj);
        fresh->n = b->n;
        b = fresh;
        fresh = &h->mark.reserve;
    }
    fresh->n = 0;
    if (b) {
        workbuf_link(b, h->mark.full);
        h->mark.full = b;
    }
    h->mark.work = b = fresh;
    b->obj[b->n++] = obj;
}

/* The current buffer is empty: a full one takes its place. */
uintptr_t tri_gc_grey_pop_slow(tri_gc_heap *h)
{
    tri_gc_workbuf *b = h->mark.work;
    tri_gc_workbuf *full = h->mark.full;
    if (!full)
        return 0;
    h->mark.full = workbuf_next(full);
    if (full->n != TRI_WORKBUF_OBJECTS) /* only full buffers wait on the list */
        tri_fatal_pointer("mark", full, "a full work buffer's count was overwritten: memory corrupted");
    if (b && b != &h->mark.reserve) {
        workbuf_link(b, h->mark.spare);
        h->mark.spare = b;
    }
    h->mark.work = full;
    return full->obj[--full->n];
}

bool tri_gc_grey_empty(const tri_gc_heap *h)
{
    return (!h->mark.work || h->mark.work->n == 0) && !h->mark.full && !h->mark.overflow;
}

static void free_list(tri_gc_workbuf *b)
{
    while (b) {
        tri_gc_workbuf *next = workbuf_next(b);
        tri_free(b);
        b = next;
    }
}

void tri_gc_work_free_all(tri_gc_heap *h)
{
    if (h->mark.work != &h->mark.reserve)
        tri_free(h->mark.work); /* the current buffer is on no list */
    free_list(h->mark.full);
    free_list(h->mark.spare);
    h->mark.work = h->mark.full = h->mark.spare = NULL;
}
