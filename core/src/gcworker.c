/*
 * Background mark workers (Go's gcBgMarkWorker): threads that mark while
 * the program runs, so that the program does not pay for every mark on its
 * own core.
 *
 * Owns: the heap's workers (h->workers) and their markers.
 *
 * A heap has workers.count workers (config.workers, TRI_GCPROCS; by default
 * one per core beyond the first, none on a single core or in WebAssembly),
 * started with the first cycle that marks concurrently and joined when the
 * heap is destroyed. A worker sleeps on the futex word workers.wake until
 * grey work waits in the pool, takes a buffer, and marks with its own
 * marker until it and the pool are empty; then it counts itself out of
 * mark.busy and sleeps again. The mutator marks too: its assists and steps,
 * its barrier and its root scans feed its own marker, which it hands over
 * to the pool at the end of each step (gcwork.c).
 *
 * Termination (Go's gcMarkDone). Marking is done when the roots are
 * scanned, the mutator's marker is empty, no buffer waits in the pool and
 * no worker is busy: under the pool's lock, nfull == 0 && busy == 0 says no
 * worker holds grey work (a worker counts itself in when it takes a buffer
 * and out only when it finds the pool empty, both under the lock), and the
 * mutator, which checks, is the only other source of grey objects. The
 * last worker to go idle raises workers.done, which the mutator reads when
 * it next takes a span's word or allocates outside the fast path, so a
 * cycle whose marking the workers finished ends promptly. The termination
 * stop then rescans what needs it, and the workers help drain what that
 * finds, in parallel, until the same condition holds again.
 *
 * Orderings. Grey objects move between threads only in buffers that pass
 * through the pool under its lock (acquire, release): a buffer's contents
 * are visible to whoever takes it. The workers' counts reach the heap with
 * relaxed adds before the worker counts itself out under the lock, so the
 * mutator reads them whole after it sees busy == 0 under that lock.
 * workers.wake is bumped with release and read with acquire, so a worker
 * woken for a new cycle sees everything the mutator did in mark setup.
 */
#include "gc.h"

#define WORKER_CHUNK 16384 /* scan work between the counts a worker publishes and its sharing */

struct tri_gc_worker {
    tri_gc_marker m;             /* first: a worker's marker is its worker */
    tri_gc_heap *heap;
    tri_prim_thread thread;
};

tri_gc_marker *tri_gc_worker_marker(tri_gc_heap *h, unsigned i)
{
    return &h->workers.all[i].m;
}

void tri_gc_workers_wake(tri_gc_heap *h)
{
    if (atomic_load_explicit(&h->workers.idle, memory_order_acquire) == 0)
        return; /* every worker is awake and will look in the pool before it sleeps */
    atomic_fetch_add_explicit(&h->workers.wake, 1, memory_order_release);
    tri_prim_wake_all(&h->workers.wake);
}

static void *worker_main(void *arg)
{
    struct tri_gc_worker *w = arg;
    tri_gc_heap *h = w->heap;
    for (;;) {
        uint32_t seen = atomic_load_explicit(&h->workers.wake, memory_order_acquire);
        if (atomic_load_explicit(&h->workers.stop, memory_order_acquire))
            break;
        bool last = false;
        tri_gc_workbuf *b = tri_gc_pool_take_work(h, false, &last);
        if (!b) {
            atomic_fetch_add_explicit(&h->workers.idle, 1, memory_order_acq_rel);
            /* Looked at the pool before counting idle: look once more, so
             * a buffer put there meanwhile (its waker saw no idle worker)
             * is not left waiting. */
            b = tri_gc_pool_take_work(h, false, &last);
            if (!b)
                tri_prim_wait(&h->workers.wake, seen);
            atomic_fetch_sub_explicit(&h->workers.idle, 1, memory_order_acq_rel);
            if (!b)
                continue;
        }
        uint64_t t0 = tri_prim_thread_cpu_ns();
        while (b) {
            if (w->m.work && w->m.work != &w->m.reserve)
                tri_free(w->m.work); /* empty: the taken buffer replaces it */
            w->m.work = b;
            /* in chunks, so that the pacer and the assists see the work as it is done */
            while (tri_gc_mark_with(&w->m, WORKER_CHUNK) >= WORKER_CHUNK)
                tri_gc_marker_publish(&w->m);
            tri_gc_marker_flush(&w->m);
            b = tri_gc_pool_take_work(h, true, &last);
        }
        atomic_fetch_add_explicit(&h->workers.cpu_ns, tri_prim_thread_cpu_ns() - t0, memory_order_relaxed);
        if (last) /* the mutator checks at its next allocation that needs more than the fast path */
            atomic_store_explicit(&h->workers.done, 1, memory_order_release);
    }
    tri_gc_marker_release(&w->m);
    return NULL;
}

bool tri_gc_workers_start(tri_gc_heap *h)
{
    if (h->workers.started == h->workers.count)
        return h->workers.count > 0;
    if (!h->workers.all) {
        h->workers.all = tri_calloc(h->workers.count, sizeof *h->workers.all);
        if (!h->workers.all)
            return false;
    }
    while (h->workers.started < h->workers.count) {
        struct tri_gc_worker *w = &h->workers.all[h->workers.started];
        tri_gc_marker_init(&w->m, h);
        w->heap = h;
        if (!tri_prim_thread_start(&w->thread, worker_main, w))
            break;
        h->workers.started++;
    }
    return h->workers.started > 0;
}

void tri_gc_workers_stop(tri_gc_heap *h)
{
    atomic_store_explicit(&h->workers.stop, 1, memory_order_release);
    atomic_fetch_add_explicit(&h->workers.wake, 1, memory_order_release);
    tri_prim_wake_all(&h->workers.wake);
    for (unsigned i = 0; i < h->workers.started; i++)
        tri_prim_thread_join(&h->workers.all[i].thread);
    h->workers.started = 0;
    tri_free(h->workers.all);
    h->workers.all = NULL;
}

void tri_gc_workers_wait_idle(tri_gc_heap *h)
{
    for (;;) {
        tri_lock_acquire(&h->mark.lock);
        bool idle = h->mark.busy == 0;
        tri_lock_release(&h->mark.lock);
        if (idle)
            return;
        tri_prim_yield();
    }
}

unsigned tri_gc_workers_default(void)
{
    unsigned n = tri_prim_ncpu();
    return n > 1 ? (n - 1 < 8 ? n - 1 : 8) : 0;
}
