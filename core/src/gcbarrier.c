/*
 * The write barrier (Go's mbarrier.go): the slow path of tri_gc_write,
 * taken only while a cycle marks (head.barrier_on; tricolor.h's inline
 * fast path is one predictable branch and a store), and, in a heap that
 * records events, for every store: the event stream then holds every
 * pointer written into the heap, so that a tool (a trace's replay, the
 * visualiser stepping back) can rebuild the object graph from it. Outside
 * marking such a store shades nothing and counts no barrier hit.
 *
 * Owns: stats.barrier_hits.
 *
 * What each mode shades, and the invariant it keeps (gc.c has the cycle):
 *
 *   Dijkstra  the new value. No black object ever points to a white one:
 *             the strong tri-color invariant. Roots have no barrier, so a
 *             white object held only by a root is found by rescanning the
 *             roots at mark termination.
 *   Yuasa     the old value. Every object reachable at the snapshot (mark
 *             setup, when the roots are scanned) stays reachable from a
 *             grey object or is shaded before its last path is cut: the
 *             weak tri-color invariant. No rescan.
 *   hybrid    the old value, and the new value until the roots are scanned
 *             (Go 1.8's, for a heap whose roots are scanned in the first
 *             mark step rather than in the setup stop): before the roots
 *             are scanned no heap object is black but new ones, and every
 *             pointer stored into the heap is shaded, so none hides from
 *             the root scan; after, Yuasa's reasoning holds.
 *   none      nothing: the bad case of the seeds, a white object stored
 *             into a black one and deleted from a grey one, is freed while
 *             reachable. For showing why barriers exist; the verifier
 *             reports it.
 */
#include "gc.h"

/* Which stores the slow path must see (tricolor.h's barrier_on), from the
 * phase, the mode and whether the roots are scanned: a deletion barrier
 * (Yuasa; hybrid once the roots are scanned) only those that overwrite a
 * pointer. A heap that records events sees every store, in every phase
 * and under every mode (none too), so its event stream holds them all. */
void tri_gc_barrier_update(tri_gc_heap *h)
{
    enum tri_gc_barrier b = h->config.barrier;
    int on = 0;
    if (h->events.ring && (h->events.kinds & TRI_EV_BIT(TRI_EV_BARRIER))) {
        on = TRI_GC_BARRIER_ALL;
    } else if (tri_gc_marking(h) && b != TRI_BARRIER_NONE) {
        bool deletion_only = b == TRI_BARRIER_YUASA || (b == TRI_BARRIER_HYBRID && h->mark.roots_scanned);
        on = deletion_only ? TRI_GC_BARRIER_OVERWRITES : TRI_GC_BARRIER_ALL;
    }
    h->head.barrier_on = on;
}

void tri_gc_write_slow(tri_gc_heap *h, void **slot, void *value)
{
    void *old = __atomic_load_n(slot, __ATOMIC_RELAXED); /* workers may read the slot: see tricolor.h */
    unsigned shaded = 0;
    bool marking = tri_gc_marking(h);
    TRI_RACE_WINDOW();
#if TRI_MUTATE_barrier /* the mutant tests/mutants.sh expects the tests to catch */
    if (h)
        goto store;
#endif
    switch (marking ? h->config.barrier : TRI_BARRIER_NONE) { /* outside marking: only recorded */
    case TRI_BARRIER_DIJKSTRA:
        shaded = tri_gc_shade(h, (uintptr_t)value) ? 2 : 0;
        break;
    case TRI_BARRIER_YUASA:
        shaded = tri_gc_shade(h, (uintptr_t)old) ? 1 : 0;
        break;
    case TRI_BARRIER_HYBRID:
        shaded = tri_gc_shade(h, (uintptr_t)old) ? 1 : 0;
        if (!h->mark.roots_scanned)
            shaded |= tri_gc_shade(h, (uintptr_t)value) ? 2 : 0;
        break;
    default:
        break;
    }
    TRI_RACE_WINDOW(); /* a worker scans the slot between the shade and the store */
#if TRI_MUTATE_barrier
store:
#endif
    __atomic_store_n(slot, value, __ATOMIC_RELAXED);
    if (marking && h->config.barrier != TRI_BARRIER_NONE)
        h->stats.barrier_hits[h->config.barrier]++;
    tri_gc_emit(h, TRI_EV_BARRIER, h->config.barrier, (uintptr_t)slot, (uintptr_t)old, (uintptr_t)value, shaded);
}
