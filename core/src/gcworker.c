/*
 * Background workers (Go's gcBgMarkWorker and bgsweep): threads that mark
 * and sweep while the program runs, so that the program does not pay for
 * every mark on its own core.
 *
 * Owns: the heap's workers (h->workers) and their markers.
 *
 * A heap has workers.count workers (config.workers, TRI_GCPROCS; by default
 * one per core beyond the first, at most 8, none on a single core or in
 * WebAssembly), started with the first cycle that marks concurrently and
 * joined when the heap is destroyed. The first workers.dedicated of them
 * (a quarter of the cores, at least one: Go's 25% utilisation goal) run as
 * any thread does; the others at idle priority (SCHED_IDLE), so they mark
 * only on cores the program leaves idle. A worker sleeps on the futex word
 * workers.wake until grey work waits in the pool, takes a buffer, and
 * marks with its own marker until it and the pool are empty; then it
 * counts itself out of mark.busy and sleeps again. While it marks, a
 * marker that finds the pool empty hands half its buffer there (gcmark.c),
 * so a worker that runs dry finds work. The mutator marks too: its assists
 * and steps, its barrier and its root scans feed its own marker, which it
 * hands over to the pool at the end of each step (gcwork.c).
 *
 * Sweeping. Mark termination asks for a sweeper (spans.sweeper_wanted); one
 * worker takes the request and sweeps spans, as allocation does, under the
 * span lists' lock, until none is left (gcsweep.c).
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
 * woken for a new cycle sees everything the mutator did in mark setup. A
 * worker about to sleep counts itself idle and looks once more; a waker
 * publishes, then wakes only if it sees a worker idle: for buffers the
 * pool's lock orders the two, for the sweeping request both sides are
 * seq_cst, so one of them sees the other.
 */
#include "gc.h"

#define WORKER_CHUNK 16384 /* scan work between the counts a worker publishes and its sharing */

struct tri_gc_worker {
    tri_gc_marker m;             /* first: a worker's marker is its worker */
    tri_gc_heap *heap;
    tri_prim_thread thread;
    bool idle_priority;          /* runs only when a core would idle (not one of the dedicated) */
};

void tri_gc_workers_wake(tri_gc_heap *h)
{
    /* Seq_cst, as the worker's count and look (worker_main): either it
     * sees what was published before this, or this sees it counted idle. */
    if (atomic_load_explicit(&h->workers.idle, memory_order_seq_cst) == 0)
        return; /* every worker is awake and will look before it sleeps */
    atomic_fetch_add_explicit(&h->workers.wake, 1, memory_order_release);
    tri_prim_wake_all(&h->workers.wake);
}

/* Whether this worker is the one to sweep this cycle (one is: sweeping is
 * cheap beside marking, and a second would mostly wait on the lists' lock). */
static bool take_sweeping(tri_gc_heap *h)
{
    return !atomic_load_explicit(&h->workers.hold, memory_order_relaxed) &&
           atomic_load_explicit(&h->spans.sweeper_wanted, memory_order_seq_cst) &&
           atomic_exchange_explicit(&h->spans.sweeper_wanted, 0, memory_order_acquire);
}

static void *worker_main(void *arg)
{
    struct tri_gc_worker *w = arg;
    tri_gc_heap *h = w->heap;
    _Atomic uint64_t *cpu = w->idle_priority ? &h->workers.idle_ns : &h->workers.cpu_ns;
    if (w->idle_priority)
        tri_prim_thread_idle_priority();
    for (;;) {
        uint32_t seen = atomic_load_explicit(&h->workers.wake, memory_order_acquire);
        if (atomic_load_explicit(&h->workers.stop, memory_order_acquire))
            break;
        if (take_sweeping(h)) {
            uint64_t t0 = tri_prim_thread_cpu_ns();
            tri_gc_sweep_background(h);
            atomic_fetch_add_explicit(cpu, tri_prim_thread_cpu_ns() - t0, memory_order_relaxed);
            continue;
        }
        bool last = false;
        tri_gc_workbuf *b = tri_gc_pool_take_work(h, false, &last);
        if (!b) {
            atomic_fetch_add_explicit(&h->workers.idle, 1, memory_order_seq_cst);
            /* Looked before counting idle: look once more, so that work
             * published meanwhile (its waker saw no idle worker) is not
             * left waiting. The pool's lock orders the buffers; the
             * sweeping order is seq_cst on both sides (tri_gc_workers_wake). */
            bool sweep = atomic_load_explicit(&h->spans.sweeper_wanted, memory_order_seq_cst) &&
                         !atomic_load_explicit(&h->workers.hold, memory_order_relaxed);
            b = sweep ? NULL : tri_gc_pool_take_work(h, false, &last);
            if (!b && !sweep)
                tri_prim_wait(&h->workers.wake, seen);
            atomic_fetch_sub_explicit(&h->workers.idle, 1, memory_order_relaxed);
            if (!b)
                continue;
        }
        uint64_t t0 = tri_prim_thread_cpu_ns();
        uint32_t epoch = atomic_load_explicit(&h->mark.epoch, memory_order_relaxed);
        if (w->m.epoch != epoch) { /* a new cycle: spans named in the cache may have gone back */
            tri_gc_marker_forget_all(&w->m);
            w->m.epoch = epoch;
        }
        while (b) {
            if (w->m.work && w->m.work != &w->m.reserve)
                tri_free(w->m.work); /* empty: the taken buffer replaces it */
            w->m.work = b;
            /* In chunks, so that the pacer and the assists see the work as
             * it is done, and a heap being destroyed need not wait for the
             * rest (its buffers are freed with it). */
            while (tri_gc_mark_with(&w->m, WORKER_CHUNK) >= WORKER_CHUNK &&
                   !atomic_load_explicit(&h->workers.stop, memory_order_relaxed))
                tri_gc_marker_publish(&w->m);
            tri_gc_marker_flush(&w->m);
            b = atomic_load_explicit(&h->workers.stop, memory_order_relaxed) ? NULL
                                                                           : tri_gc_pool_take_work(h, true, &last);
        }
        atomic_fetch_add_explicit(cpu, tri_prim_thread_cpu_ns() - t0, memory_order_relaxed);
        if (last) /* the mutator checks at its next allocation that needs more than the fast path */
            atomic_store_explicit(&h->workers.done, 1, memory_order_release);
    }
    tri_gc_marker_release(&w->m);
    return NULL;
}

#if TRI_RACE_STRESS
void tri_gc_race_window(void)
{
    static _Thread_local unsigned calls;
    if ((++calls & 15) == 0)
        tri_prim_yield();
}
#endif

static void running_add(tri_gc_heap *h);
static void running_remove(tri_gc_heap *h);

bool tri_gc_workers_start(tri_gc_heap *h)
{
    if (h->workers.started == h->workers.count)
        return h->workers.count > 0;
    if (h->workers.started == 0)
        running_add(h); /* before the first thread: fork finds it from now on */
    if (!h->workers.all) {
        h->workers.all = tri_calloc(h->workers.count, sizeof *h->workers.all);
        if (!h->workers.all)
            return false;
    }
    while (h->workers.started < h->workers.count) {
        struct tri_gc_worker *w = &h->workers.all[h->workers.started];
        tri_gc_marker_init(&w->m, h);
        w->heap = h;
        w->idle_priority = h->workers.started >= h->workers.dedicated;
        if (!tri_prim_thread_start(&w->thread, worker_main, w))
            break;
        h->workers.started++;
    }
    if (h->workers.started == 0)
        running_remove(h);
    return h->workers.started > 0;
}

void tri_gc_workers_stop(tri_gc_heap *h)
{
    if (h->workers.started)
        running_remove(h); /* first: a fork from now on leaves this heap alone */
    atomic_store_explicit(&h->workers.stop, 1, memory_order_release);
    atomic_fetch_add_explicit(&h->workers.wake, 1, memory_order_release);
    tri_prim_wake_all(&h->workers.wake);
    for (unsigned i = 0; i < h->workers.started; i++)
        tri_prim_thread_join(&h->workers.all[i].thread);
    h->workers.started = 0;
    tri_free(h->workers.all);
    h->workers.all = NULL;
}

/* Holds are counted: fork's (below) may come while the mutator holds. The
 * count is read under the pool's lock by a worker taking work, so relaxed
 * will do: the lock orders it with the buffers. */
void tri_gc_workers_pause(tri_gc_heap *h)
{
    atomic_fetch_add_explicit(&h->workers.hold, 1, memory_order_relaxed);
    tri_gc_workers_wait_idle(h);
}

void tri_gc_workers_resume(tri_gc_heap *h)
{
    atomic_fetch_sub_explicit(&h->workers.hold, 1, memory_order_relaxed);
    tri_gc_workers_wake(h);
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

unsigned tri_gc_workers_dedicated(void)
{
    unsigned quarter = (tri_prim_ncpu() + 2) / 4; /* Go's 25%, rounded */
    return quarter ? quarter : 1;
}

/* --- fork ----------------------------------------------------------------------------------------
 *
 * fork() copies the forking thread alone. A worker caught holding grey
 * objects, a lock, or a span half swept would take them with it: the child
 * would wait for it forever, or free what it had not marked. So before the
 * fork every heap whose workers run is brought to rest: a hold, so that no
 * worker takes work or sweeps another span; then no worker holds grey
 * objects (mark.busy == 0: each has marked what it held, down to an empty
 * buffer, and handed back the rest) and no span is out being swept
 * (spans.in_flight == 0); and the span lists' and the pool's locks are
 * held across the fork. The parent goes on as it was. In the child the
 * workers are gone, so the heap forgets them: a cycle under way is marked
 * and swept by the program's thread, from the pool, and the next cycle
 * starts new workers.
 *
 * Handlers run before the allocator's (they are registered after it, and
 * pthread_atfork runs the last registered first), so a worker finishing
 * its buffer can still free memory; in the child, after it, so forgetting
 * the workers can too.
 */
static struct {
    tri_lock lock;                   /* held across fork */
    TRI_LIST(tri_gc_heap) heaps;     /* heaps with workers started: under lock */
    bool handlers;                   /* fork handlers registered: under lock */
} running;

static void before_fork(void)
{
    tri_lock_acquire(&running.lock);
    for (tri_gc_heap *h = running.heaps.first; h; h = h->workers.running.next) {
        tri_gc_workers_pause(h); /* hold, and no worker holds grey objects */
        for (;;) { /* no span is out being swept: the sweeper starts no other under the hold */
            tri_lock_acquire(&h->spans.lock);
            if (h->spans.in_flight == 0)
                break;
            tri_lock_release(&h->spans.lock);
            tri_prim_yield();
        }
        tri_lock_acquire(&h->mark.lock);
    }
}

static void after_fork_parent(void)
{
    for (tri_gc_heap *h = running.heaps.first; h; h = h->workers.running.next) {
        tri_lock_release(&h->mark.lock);
        tri_lock_release(&h->spans.lock);
        tri_gc_workers_resume(h);
    }
    tri_lock_release(&running.lock);
}

static void after_fork_child(void)
{
    while (!tri_list_empty(&running.heaps)) {
        tri_gc_heap *h = running.heaps.first;
        tri_list_unlink(&running.heaps, h, workers.running);
        tri_lock_reset(&h->mark.lock);
        tri_lock_reset(&h->spans.lock);
        for (unsigned i = 0; i < h->workers.started; i++)
            tri_gc_marker_release(&h->workers.all[i].m); /* an empty buffer at most */
        tri_free(h->workers.all);
        h->workers.all = NULL;
        h->workers.started = 0;
        atomic_store_explicit(&h->workers.idle, 0, memory_order_relaxed);
        atomic_store_explicit(&h->workers.done, 0, memory_order_relaxed);
        atomic_fetch_sub_explicit(&h->workers.hold, 1, memory_order_relaxed);
    }
    tri_lock_reset(&running.lock);
}

static void running_add(tri_gc_heap *h)
{
    tri_lock_acquire(&running.lock);
    if (!running.handlers) {
        tri_prim_atfork(before_fork, after_fork_parent, after_fork_child);
        running.handlers = true;
    }
    tri_list_push_front(&running.heaps, h, workers.running);
    tri_lock_release(&running.lock);
}

static void running_remove(tri_gc_heap *h)
{
    tri_lock_acquire(&running.lock);
    tri_list_unlink(&running.heaps, h, workers.running);
    tri_lock_release(&running.lock);
}
