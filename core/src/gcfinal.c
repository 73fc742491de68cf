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
 * finalizer runs, and the object a root while it runs (final.running, a
 * stack of records in the frames of tri_gc_run_finalizers), so a cycle the
 * finalizer runs, or causes by allocating, cannot free it. An object whose
 * finalizer has returned is freed by a later cycle if it is unreachable.
 *
 * Finalizers run only in tri_gc_run_finalizers, which the program calls
 * itself or through the calls that drive a cycle (gc.c), never inside an
 * allocation or the barrier: the pacer may end a cycle in the middle of any
 * allocation, where the program may hold a lock or a half-built object.
 *
 * Objects in tiny blocks (gcalloc.c) are known to the collector only by
 * their block: a finalizer or weak reference on one takes the object's own
 * address and lives by the block's mark.
 *
 * A weak reference holds its target's address without keeping it alive.
 * At mark termination, before finalizers are queued, every weak reference
 * whose target is white is cleared: a reference to an object kept only for
 * its finalizer reads NULL, as Go's do.
 *
 * Invariants kept:
 *   - An object is in the table, the queue or running, at most once in all.
 *   - A weak reference's target is 0 or an allocated object: clearing
 *     happens in the same stop that decides what sweeping frees.
 */
#include <errno.h>

#include "gc.h"

/* Whether p may carry a finalizer or weak reference: the start of an
 * allocated object, or any address of a tiny object's block. */
static bool is_target(tri_gc_heap *h, void *p)
{
    tri_gcspan *g;
    uint32_t idx;
    tri_gc_sweep_wait(h); /* (a span being swept changes its bitmaps) */
    if (!p || !tri_gc_locate(h, (uintptr_t)p, &g, &idx))
        return false;
    return tri_gc_in_tiny_block(g, idx) || (uintptr_t)p == tri_gc_object_at(g, idx);
}

/* --- finalizers ---------------------------------------------------------------------------- */

int tri_gc_set_finalizer(tri_gc_heap *h, void *object, tri_gc_finalizer fn, void *arg)
{
    if (!is_target(h, object)) {
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
    tri_gc_mark_drain(h);
}

void tri_gc_shade_final_queue(tri_gc_heap *h)
{
    for (size_t i = 0; i < h->final.queued; i++)
        tri_gc_shade(h, h->final.queue[i].object);
    for (tri_gc_finalizing *r = h->final.running; r; r = r->prev)
        tri_gc_shade(h, r->object);
}

size_t tri_gc_run_finalizers(tri_gc_heap *h)
{
    size_t ran = 0;
    while (h->final.queued > 0) {
        tri_gc_final f = h->final.queue[0];
        /* A root while it runs: it leaves the queue only for the running
         * stack. A cycle marking now shaded it with the queue when it
         * scanned the roots; later cycles shade it on the stack. */
        tri_gc_finalizing running = {f.object, h->final.running};
        h->final.running = &running;
        h->final.queue[0] = h->final.queue[--h->final.queued];
        tri_gc_emit(h, TRI_EV_FINALIZE, 0, f.object, 0, 0, 0);
        h->stats.finalizers_run++;
        f.fn((void *)f.object, f.arg);
        h->final.running = running.prev;
        ran++;
    }
    return ran;
}

/* --- weak references ----------------------------------------------------------------------- */

tri_gc_weak *tri_gc_weak_new(tri_gc_heap *h, void *object)
{
    if (object && !is_target(h, object)) {
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

void *tri_gc_weak_peek(tri_gc_heap *h, const tri_gc_weak *w)
{
    (void)h;
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
