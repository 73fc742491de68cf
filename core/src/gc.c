/*
 * The collector: incremental tri-color mark-sweep. This file owns the
 * cycle; gc.h lists the files that own its parts.
 *
 * Colours come from a span's bitmaps (gc.h): an allocated object is
 *   white  not marked: not (yet) known to be reachable
 *   grey   marked, on the grey list: reachable, its pointers not yet scanned
 *   black  marked and scanned (or noscan): reachable, its targets shaded
 * "Shading" an object makes a white object grey (black if it is noscan).
 *
 * A cycle:
 *   OFF -> MARK_SETUP (a stop: sweeping finished, barrier on, roots greyed)
 *       -> MARK (grey objects scanned in bounded steps: assists charged to
 *          allocation, and tri_gc_step)
 *       -> MARK_TERMINATION (a stop: roots rescanned if the barrier needs
 *          it, grey list drained, weak references cleared, finalizers
 *          queued, the verifier, the pacer's next goal, barrier off)
 *       -> SWEEP (lazy, span by span) -> OFF
 *
 * Invariants kept:
 *   1. Outside MARK_SETUP..MARK_TERMINATION no object is grey or marked in
 *      a swept span, and the barrier is off.
 *   2. Objects allocated from mark setup to mark termination are black.
 *   3. While marking, the write barrier keeps every object the mutator can
 *      still reach either marked or reachable from a grey object
 *      (gcbarrier.c says how each mode does it):
 *        Dijkstra  shades the new value of every store: no black object
 *                  ever points to a white one (the strong invariant) among
 *                  heap objects. Roots have no barrier, so they are
 *                  scanned again at mark termination.
 *        Yuasa     shades the old value of every store: nothing reachable
 *                  at mark setup is ever cut off unshaded (snapshot at the
 *                  beginning; the weak invariant). Roots are scanned once,
 *                  at mark setup, inside the stop.
 *        hybrid    shades the old value, and the new one until the roots
 *                  are scanned (Go 1.8). Roots are scanned at the start of
 *                  the first mark step, not in the setup stop; before that
 *                  no object is black but new ones, and every pointer
 *                  stored into the heap is shaded.
 *        none      shades nothing: stores during marking can hide a white
 *                  object behind a black one (the "bad case"), which the
 *                  verifier then reports.
 *   4. Mark termination begins only with the grey list empty and the roots
 *      scanned: every reachable object is then black, every white one is
 *      garbage.
 *   5. Every span is swept exactly once per cycle (sweepgen), before it is
 *      allocated from again, and all are swept before the next mark setup.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gc.h"

void tri_gc_set_phase(tri_gc_heap *h, enum tri_gc_phase phase)
{
    h->cycle.phase = phase;
    tri_gc_barrier_update(h);
    tri_gc_repace(h);
    tri_gc_emit(h, TRI_EV_PHASE, phase, h->cycle.count, 0, 0, 0);
}

enum tri_gc_phase tri_gc_phase(const tri_gc_heap *h)
{
    return h->cycle.phase;
}

/* --- pauses ---------------------------------------------------------------------------------- */

static void record_stop(tri_gc_heap *h, enum tri_gc_phase phase, uint64_t ns)
{
    if (h->cycle.quiet_pauses)
        return;
    tri_gc_hist_add(&h->stats.stops, ns);
    h->stats.gc_ns += ns;
    tri_gc_emit(h, TRI_EV_STOP, phase, ns, 0, 0, 0);
}

void tri_gc_record_step(tri_gc_heap *h, bool assist, uint64_t ns, uint64_t work)
{
    if (h->cycle.quiet_pauses)
        return;
    tri_gc_hist_add(&h->stats.steps, ns);
    h->stats.gc_ns += ns;
    if (assist)
        h->stats.assist_ns += ns;
    h->stats.cycle_step_ns += ns;
    h->stats.cycle_steps++;
    tri_gc_emit(h, TRI_EV_STEP, assist, ns, work, 0, 0);
}

/* --- the stops --------------------------------------------------------------------------------- */

static void mark_setup(tri_gc_heap *h)
{
    uint64_t t = tri_gc_now();
    h->cycle.in_collector++;
    tri_gc_sweep_all(h); /* sweep termination: the last cycle's spans */
    h->cycle.count++;
    h->stats.cycle_start_ns = t;
    h->stats.cycle_live_start = h->pacer.live;
    h->stats.cycle_step_ns = h->stats.cycle_steps = 0;
    h->stats.cycle_assist_start = h->stats.assist_ns;
    h->stats.cycle_background_start = atomic_load_explicit(&h->workers.cpu_ns, memory_order_relaxed);
    h->stats.cycle_idle_start = atomic_load_explicit(&h->workers.idle_ns, memory_order_relaxed);
    atomic_store_explicit(&h->mark.marked, 0, memory_order_relaxed);
    atomic_store_explicit(&h->mark.scan_done, 0, memory_order_relaxed);
    atomic_store_explicit(&h->mark.credit, 0, memory_order_relaxed);
    atomic_store_explicit(&h->workers.done, 0, memory_order_relaxed);
    /* Relaxed: a worker reads it after taking a buffer from the pool, whose
     * lock orders it after this. */
    atomic_fetch_add_explicit(&h->mark.epoch, 1, memory_order_relaxed);
    /* Background workers mark this cycle if the heap has any running (none
     * for a heap that records events about objects: those come in one
     * order). tri_gc_start_cycle started them, before this stop. */
    h->mark.concurrent = h->workers.started && !h->events.objects;
    /* Exact colours for the tools that show them (gcmark.c). */
    h->mark.grey_bits = (h->events.objects || h->config.verify) && !h->mark.concurrent;
    h->pacer.assist_debt = 0;
    h->pacer.assist_mark = h->pacer.live;
    h->pacer.heap_at_setup = h->pacer.live;
    h->mark.roots_scanned = 0;
    tri_gc_set_phase(h, TRI_GC_MARK_SETUP); /* the barrier on */
    h->alloc.black = 1;
    tri_gc_alloc_blacken_caches(h);
    if (h->config.barrier != TRI_BARRIER_HYBRID) /* hybrid scans roots in its first step */
        tri_gc_scan_roots(h);
    else if (h->alloc.tiny)
        tri_gc_shade(h, h->alloc.tiny); /* its future objects are allocated into it */
    tri_gc_pacer_assist_ratio(h);
    tri_gc_emit(h, TRI_EV_PACER, 1, h->pacer.goal, h->pacer.trigger, h->pacer.marked_last,
                (uint64_t)(h->pacer.assist_ratio * 1000));
    h->cycle.in_collector--;
    tri_gc_set_phase(h, TRI_GC_MARK);
    uint64_t ns = tri_gc_now() - t;
    h->stats.cycle_setup_ns = ns;
    record_stop(h, TRI_GC_MARK_SETUP, ns);
    /* After the stop: what the roots greyed goes to the workers, and the
     * wake-up (which may hand this core to a worker) is no part of it. */
    tri_gc_marker_flush(&h->mark.self);
}

/* Marks until no grey object is left anywhere: the mutator's marker, the
 * pool, the workers (which help, and are waited for), the grey bits a
 * failed push left (recovered while the workers hold off). */
void tri_gc_mark_drain(tri_gc_heap *h)
{
    for (;;) {
        tri_gc_mark_work(h, SIZE_MAX);
        /* Out of work while a worker still marks: what it shares lands in
         * the pool, which the next turn takes from; wait only while the
         * pool is empty. */
        atomic_store_explicit(&h->mark.waiting, 1, memory_order_relaxed);
        while (h->mark.concurrent && __atomic_load_n(&h->mark.nfull, __ATOMIC_RELAXED) == 0 &&
               __atomic_load_n(&h->mark.busy, __ATOMIC_RELAXED) != 0)
            tri_prim_yield(); /* racy looks: the checks below take the lock */
        atomic_store_explicit(&h->mark.waiting, 0, memory_order_relaxed);
        if (!tri_gc_grey_lists_empty(h))
            continue;
        /* No list holds a grey object and no worker marks (seen under the
         * pool's lock, after which a worker's overflow store is visible):
         * what is left is in grey bits, if a push failed. */
        if (atomic_load_explicit(&h->mark.overflow, memory_order_relaxed)) {
            tri_gc_workers_pause(h);
            tri_gc_recover_grey(h);
            tri_gc_workers_resume(h);
            continue;
        }
        return;
    }
}

static void mark_termination(tri_gc_heap *h)
{
    uint64_t t = tri_gc_now();
    h->cycle.in_collector++;
    tri_gc_set_phase(h, TRI_GC_MARK_TERMINATION);
    enum tri_gc_barrier b = h->config.barrier;
    if (!h->mark.roots_scanned || b == TRI_BARRIER_DIJKSTRA || b == TRI_BARRIER_NONE)
        tri_gc_scan_roots(h); /* roots have no barrier: look at them again */
    tri_gc_mark_drain(h); /* the workers help */
    tri_gc_alloc_flush_caches(h); /* before the marked bytes are read: the caches' slots leave them */
    tri_gc_clear_weak(h);
    tri_gc_queue_finalizers(h);
    if (h->config.verify)
        tri_gc_verify_at_termination(h);
    /* Marking is complete: under a correct barrier no black object points
     * to a white one and everything reachable is marked. */
    tri_assert(b == TRI_BARRIER_NONE || tri_gc_check_heap(h) == 0);
    /* Every marker has handed its counts in: the workers before they went
     * idle (under the pool's lock, which the drain took after them). */
    uint64_t marked = atomic_load_explicit(&h->mark.marked, memory_order_relaxed);
    h->pacer.marked_last = marked;
    h->pacer.live = marked; /* as Go's heapLive: what survived, plus what is allocated from now on */
    h->mark.concurrent = 0;
    tri_gc_pacer_plan(h);
    h->alloc.black = 0;
    h->alloc.tiny = 0; /* a fresh block next time, so no block outlives its objects */
    tri_gc_begin_sweep(h);
    h->cycle.in_collector--;
    tri_gc_set_phase(h, TRI_GC_SWEEP); /* and the barrier is off */
    uint64_t ns = tri_gc_now() - t;
    record_stop(h, TRI_GC_MARK_TERMINATION, ns);
    if (h->spans.background) /* a worker sweeps: woken after the stop, as setup's */
        tri_gc_workers_wake(h);
    if (h->config.trace)
        tri_gc_trace_cycle(h, ns);
    /* Finalizers queued here run at the next well-defined point (gcfinal.c),
     * never here: this may be inside an allocation. */
}

void tri_gc_end_mark_if_done(tri_gc_heap *h)
{
    atomic_store_explicit(&h->workers.done, 0, memory_order_relaxed);
    if (h->cycle.phase == TRI_GC_MARK && h->mark.roots_scanned && tri_gc_grey_lists_empty(h))
        mark_termination(h);
}

/* --- driving a cycle --------------------------------------------------------------------------- */

int tri_gc_start_cycle(tri_gc_heap *h)
{
    if (h->cycle.in_collector || tri_gc_marking(h))
        return 0;
    /* What the last cycle left unswept is swept now, by the program, with
     * the background sweeper, as Go's gcStart does before it stops the
     * world: the setup stop then has nothing left to sweep. */
    if (h->cycle.phase == TRI_GC_SWEEP)
        tri_gc_sweep_all(h);
    if (h->workers.count && !h->events.objects)
        tri_gc_workers_start(h); /* the first cycle: threads are made outside the stop */
    mark_setup(h);
    return 1;
}

/* Runs the current cycle to its end; finalizers stay queued. */
static void finish_cycle(tri_gc_heap *h)
{
    if (h->cycle.in_collector)
        return;
    if (h->cycle.phase == TRI_GC_MARK) {
        uint64_t t = tri_gc_now();
        if (!h->mark.roots_scanned)
            tri_gc_scan_roots(h);
        size_t done = tri_gc_mark_work(h, SIZE_MAX);
        tri_gc_record_step(h, false, tri_gc_now() - t, done);
        mark_termination(h);
    }
    if (h->cycle.phase == TRI_GC_SWEEP) {
        tri_gc_sweep_all(h);
        tri_gc_set_phase(h, TRI_GC_OFF);
    }
}

void tri_gc_run_whole_cycle(tri_gc_heap *h)
{
    uint64_t t = tri_gc_now(), gc_before = h->stats.gc_ns;
    h->cycle.quiet_pauses = 1;
    tri_gc_start_cycle(h);
    finish_cycle(h);
    h->cycle.quiet_pauses = 0;
    uint64_t ns = tri_gc_now() - t;
    h->stats.gc_ns = gc_before + ns;
    tri_gc_hist_add(&h->stats.stops, ns);
    tri_gc_emit(h, TRI_EV_STOP, TRI_GC_MARK, ns, 0, 0, 0);
}

size_t tri_gc_step_now(tri_gc_heap *h, size_t budget)
{
    if (h->cycle.in_collector)
        return 0;
    uint64_t t = tri_gc_now();
    size_t done = 0;
    if (budget == 0)
        budget = 1;
    if (h->cycle.phase == TRI_GC_MARK) {
        if (!h->mark.roots_scanned)
            tri_gc_scan_roots(h);
        done = tri_gc_mark_work(h, budget);
        tri_gc_record_step(h, false, tri_gc_now() - t, done);
        tri_gc_end_mark_if_done(h);
        return done ? done : 1;
    }
    if (h->cycle.phase == TRI_GC_SWEEP) {
        while (done < budget && tri_gc_sweep_one(h, &done))
            ;
        if (__atomic_load_n(&h->spans.unswept, __ATOMIC_RELAXED) == 0)
            tri_gc_set_phase(h, TRI_GC_OFF);
        tri_gc_record_step(h, false, tri_gc_now() - t, done);
        tri_gc_repace(h);
        return done ? done : 1;
    }
    return 0;
}

void tri_gc_collect_now(tri_gc_heap *h)
{
    if (h->cycle.in_collector)
        return;
    if (tri_gc_marking(h))
        finish_cycle(h);
    tri_gc_start_cycle(h);
    finish_cycle(h);
}

/* The calls with which the program drives a cycle end by running the
 * finalizers that wait (gcfinal.c says why only these). */
size_t tri_gc_step(tri_gc_heap *h, size_t budget)
{
    size_t done = tri_gc_step_now(h, budget);
    if (h->final.queued && !h->cycle.in_collector)
        tri_gc_run_finalizers(h);
    return done;
}

void tri_gc_finish_cycle(tri_gc_heap *h)
{
    finish_cycle(h);
    if (!h->cycle.in_collector)
        tri_gc_run_finalizers(h);
}

void tri_gc_collect(tri_gc_heap *h)
{
    tri_gc_collect_now(h);
    if (!h->cycle.in_collector)
        tri_gc_run_finalizers(h);
}

/* --- settings --------------------------------------------------------------------------------------- */

void tri_gc_set_gogc(tri_gc_heap *h, int gogc)
{
    h->config.gogc = gogc < 0 ? -1 : gogc;
    tri_gc_pacer_plan(h);
}

void tri_gc_set_memory_limit(tri_gc_heap *h, uint64_t bytes)
{
    h->config.memory_limit = bytes;
    tri_gc_pacer_plan(h);
}

void tri_gc_set_max_heap(tri_gc_heap *h, uint64_t bytes)
{
    h->config.max_heap = bytes;
}

int tri_gc_set_barrier(tri_gc_heap *h, enum tri_gc_barrier mode)
{
    if ((unsigned)mode >= TRI_NUM_BARRIERS || tri_gc_marking(h)) {
        errno = tri_gc_marking(h) ? EBUSY : EINVAL;
        return -1;
    }
    h->config.barrier = mode;
    return 0;
}

/* --- a heap's life ------------------------------------------------------------------------------------ */

static uint64_t parse_bytes(const char *v, int *ok)
{
    char *end;
    double n = strtod(v, &end);
    uint64_t mult = 1;
    if (end == v || n < 0) {
        *ok = 0;
        return 0;
    }
    if (*end == 'K' || *end == 'k')
        mult = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        mult = 1024 * 1024, end++;
    else if (*end == 'G' || *end == 'g')
        mult = 1024 * 1024 * 1024, end++;
    if (mult > 1 && (*end == 'i' || *end == 'I'))
        end++;
    if (mult > 1 && (*end == 'B' || *end == 'b'))
        end++;
    *ok = *end == 0;
    return (uint64_t)(n * (double)mult);
}

/* The settings the environment gives where the config leaves them at 0. */
static void read_environment(tri_gc_heap *h, const tri_gc_config *c)
{
    const char *env = c->gogc ? NULL : tri_prim_getenv("TRI_GOGC");
    if (env && *env) {
        char *end;
        long v = strtol(env, &end, 10);
        if (strcmp(env, "off") == 0)
            h->config.gogc = -1;
        else if (*end == 0 && v >= 0 && v <= 100000)
            h->config.gogc = (int)v;
        else
            tri_write_stderr("tricolor: ignoring TRI_GOGC: want a percentage or 'off'\n");
    }
    env = c->memory_limit ? NULL : tri_prim_getenv("TRI_MEMLIMIT");
    if (env && *env) {
        int ok;
        uint64_t v = parse_bytes(env, &ok);
        if (ok)
            h->config.memory_limit = v;
        else
            tri_write_stderr("tricolor: ignoring TRI_MEMLIMIT: want bytes, as 512MiB or 2G\n");
    }
    env = tri_prim_getenv("TRI_GCTRACE");
    h->config.trace = env && strcmp(env, "1") == 0;
    env = c->workers ? NULL : tri_prim_getenv("TRI_GCPROCS");
    if (env && *env) { /* N workers, or N:D of which D dedicated */
        char *end, *end2 = NULL;
        long n = strtol(env, &end, 10), d = -1;
        if (*end == ':')
            d = strtol(end + 1, &end2, 10);
        if (end != env && (*end == 0 || (end2 && end2 != end + 1 && *end2 == 0)) && n >= 0 && n <= 64 &&
            (d == -1 || (d >= 0 && d <= n))) {
            h->workers.count = (unsigned)n;
            if (d >= 0)
                h->workers.dedicated = (unsigned)d;
        } else {
            tri_write_stderr("tricolor: ignoring TRI_GCPROCS: want N or N:D, N background workers (0 to 64) of "
                             "which D dedicated\n");
        }
    }
}

void tri_gc_attach_thread(tri_gc_heap *h)
{
    uintptr_t lo, hi;
    if (tri_prim_thread_stack(&lo, &hi)) {
        h->roots.stack_lo = lo;
        h->roots.stack_hi = hi;
    }
}

tri_gc_heap *tri_gc_create(const tri_gc_config *config)
{
    tri_gc_config dflt = {0};
    const tri_gc_config *c = config ? config : &dflt;
    if ((unsigned)c->barrier >= TRI_NUM_BARRIERS || (c->events & (c->events - 1)) || c->stress < 0 ||
        c->stress > 2) {
        errno = EINVAL;
        return NULL;
    }
    tri_ensure_init();
    tri_assert(tri_spanclass(tri_size_class(16), true) == TRI_GC_TINY_SPC);
    tri_gc_heap *h = tri_calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->config.barrier = c->barrier;
    h->config.conservative_stack = c->conservative_stack;
    h->config.verify = c->verify;
    h->config.stress = c->stress;
    h->config.stop_the_world = c->stop_the_world;
    h->config.step_bytes = c->step_bytes ? c->step_bytes : 64 * 1024;
    h->config.min_heap = c->min_heap ? c->min_heap : (uint64_t)4 << 20; /* the first goal: Go's 4 MB minimum heap */
    h->config.gogc = c->gogc ? c->gogc : 100;
    h->config.memory_limit = c->memory_limit;
    h->workers.count = c->workers < 0 ? 0 : c->workers > 0 ? (unsigned)c->workers : tri_gc_workers_default();
    h->workers.dedicated = c->dedicated_workers > 0 ? (unsigned)c->dedicated_workers : tri_gc_workers_dedicated();
    read_environment(h, c);
    if (h->workers.dedicated > h->workers.count)
        h->workers.dedicated = h->workers.count;
    h->spans.sweepgen = 2;
    h->events.t0 = tri_gc_now();
    if (c->events) {
        h->events.ring = tri_calloc(c->events, sizeof(tri_gc_event));
        if (!h->events.ring) {
            tri_free(h);
            return NULL;
        }
        h->events.cap = c->events;
        h->events.kinds = c->event_kinds ? c->event_kinds : ~0u;
        h->events.objects = (h->events.kinds & TRI_EV_OBJECT_KINDS) != 0;
        h->events.sink = c->event_sink;
        h->events.sink_arg = c->event_sink_arg;
    }
    tri_gc_marker_init(&h->mark.self, h);
    tri_gc_alloc_init(h);
    tri_gc_pacer_plan(h);
    tri_gc_barrier_update(h); /* a heap with events records every store from the start */
    tri_gc_attach_thread(h);
    return h;
}

void tri_gc_destroy(tri_gc_heap *h)
{
    if (!h)
        return;
    tri_gc_workers_stop(h); /* joined: nothing marks while the heap goes */
    tri_gc_flush_events(h);
    tri_gc_release_all(h);
    tri_gc_work_free_all(h);
    tri_gc_final_free_all(h);
    tri_free(h->roots.ranges);
    tri_free(h->events.ring);
    tri_free(h);
}
