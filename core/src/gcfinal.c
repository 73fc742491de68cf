/*
 * Finalizers and weak references (Go's mfinal.go, and its weak pointers).
 *
 * Owns: the finalizer table and queue and the weak-reference table
 * (h->final), stats.finalizers_run and stats.weak_cleared.
 *
 * A finalizer is registered on an object. At mark termination, when marking
 * is complete, every registered object left white is unreachable: its
 * finalizer moves to the queue and the object is shaded, so that it and
 * everything it reaches survive this cycle; the queue is a root until the
 * finalizer has run. Finalizers run after the termination stop, on the
 * mutator thread, once each. An object whose finalizer has run is freed by
 * a later cycle if it is still unreachable.
 *
 * A weak reference holds its target's address without keeping it alive.
 * At mark termination, before finalizers are queued, every weak reference
 * whose target is white is cleared: a reference to an object kept only for
 * its finalizer reads NULL, as Go's do.
 *
 * Invariants kept:
 *   - An object is in the table or the queue, never both, at most once.
 *   - A weak reference's target is 0 or an allocated object: clearing
 *     happens in the same stop that decides what sweeping frees.
 */
#include <errno.h>

#include "gc.h"

static bool is_object_start(tri_gc_heap *h, void *p)
{
    size_t size;
    return p && tri_gc_object_of(h, p, &size) == p;
}

/* --- finalizers ---------------------------------------------------------------------------- */

int tri_gc_set_finalizer(tri_gc_heap *h, void *object, tri_gc_finalizer fn, void *arg)
{
    if (!is_object_start(h, object)) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < h->final.count; i++)
        if (h->final.table[i].object == (uintptr_t)object) {
            if (fn) {
                h->final.table[i].fn = fn;
                h->final.table[i].arg = arg;
            } else {
                h->final.table[i] = h->final.table[--h->final.count];
            }
            return 0;
        }
    if (!fn)
        return 0;
    if (!tri_array_reserve(h->final.table, h->final.cap, h->final.count))
        return -1;
    h->final.table[h->final.count++] = (tri_gc_final){(uintptr_t)object, fn, arg};
    return 0;
}

void tri_gc_queue_finalizers(tri_gc_heap *h)
{
    for (size_t i = 0; i < h->final.count;) {
        tri_gc_final f = h->final.table[i];
        if (tri_gc_is_marked_object(h, f.object)) {
            i++;
            continue;
        }
        if (!tri_array_reserve(h->final.queue, h->final.queue_cap, h->final.queued)) {
            tri_gc_shade(h, f.object); /* no room: keep it for a later cycle */
            i++;
            continue;
        }
        h->final.queue[h->final.queued++] = f;
        h->final.table[i] = h->final.table[--h->final.count];
        tri_gc_shade(h, f.object);
    }
    tri_gc_mark_work(h, SIZE_MAX);
}

void tri_gc_shade_final_queue(tri_gc_heap *h)
{
    for (size_t i = 0; i < h->final.queued; i++)
        tri_gc_shade(h, h->final.queue[i].object);
}

void tri_gc_run_finalizers(tri_gc_heap *h)
{
    while (h->final.queued > 0) {
        tri_gc_final f = h->final.queue[0];
        h->final.queue[0] = h->final.queue[--h->final.queued];
        tri_gc_emit(h, TRI_EV_FINALIZE, 0, f.object, 0, 0, 0);
        h->stats.finalizers_run++;
        f.fn((void *)f.object, f.arg);
    }
}

/* --- weak references ----------------------------------------------------------------------- */

tri_gc_weak *tri_gc_weak_new(tri_gc_heap *h, void *object)
{
    if (object && !is_object_start(h, object)) {
        errno = EINVAL;
        return NULL;
    }
    if (!tri_array_reserve(h->final.weaks, h->final.weaks_cap, h->final.nweaks))
        return NULL;
    tri_gc_weak *w = tri_malloc(sizeof *w);
    if (!w)
        return NULL;
    w->target = (uintptr_t)object;
    w->index = h->final.nweaks;
    h->final.weaks[h->final.nweaks++] = w;
    return w;
}

void *tri_gc_weak_get(tri_gc_heap *h, tri_gc_weak *w)
{
    /* While marking, a strong reference made from a weak one must not point
     * to an object the cycle is about to free: shade it. */
    if (w->target && tri_gc_marking(h))
        tri_gc_shade(h, w->target);
    return (void *)w->target;
}

void tri_gc_weak_free(tri_gc_heap *h, tri_gc_weak *w)
{
    if (!w)
        return;
    tri_gc_weak *last = h->final.weaks[--h->final.nweaks];
    h->final.weaks[w->index] = last;
    last->index = w->index;
    tri_free(w);
}

void tri_gc_clear_weak(tri_gc_heap *h)
{
    for (size_t i = 0; i < h->final.nweaks; i++) {
        tri_gc_weak *w = h->final.weaks[i];
        if (w->target && !tri_gc_is_marked_object(h, w->target)) {
            tri_gc_emit(h, TRI_EV_WEAK_CLEAR, 0, w->target, 0, 0, 0);
            w->target = 0;
            h->stats.weak_cleared++;
        }
    }
}

void tri_gc_final_free_all(tri_gc_heap *h)
{
    for (size_t i = 0; i < h->final.nweaks; i++)
        tri_free(h->final.weaks[i]);
    tri_free(h->final.weaks);
    tri_free(h->final.table);
    tri_free(h->final.queue);
}
