/*
 * The pacer (Go's mgcpacer.go): when a cycle starts, how much marking each
 * byte of allocation pays for, and how fast sweeping must go.
 *
 * Owns: the pacer fields of the heap. pacer.live grows with every
 * allocation (gcalloc.c adds) and restarts from the bytes marked at mark
 * termination (gc.c); everything else here is written by this file.
 *
 * The plan, made at every mark termination and when a setting changes:
 *
 *   goal     = marked × (1 + GOGC/100), at least min_heap × GOGC/100, at
 *              most the memory limit (but above marked, so a cycle can end)
 *   trigger  = marked + 70% of the way to the goal: the cycle starts early
 *              enough for assists to finish marking by the goal
 *
 * While marking, every ASSIST_QUANTUM bytes allocated (less when the ratio
 * is high) run an assist: scan work of (bytes allocated since the last) ×
 * assist_ratio, where assist_ratio = scan work left / bytes left before the
 * goal; once marking has scanned all the last cycle marked, it plans for the
 * whole heap at mark setup by a hard goal 10% past the goal. While sweeping,
 * one span is swept per sweep_quantum bytes allocated, so that sweeping ends
 * before the next trigger.
 *
 * Allocation consults the pacer when it takes a word of a span's bitmap
 * (gcalloc.c) and for every object it cannot serve from a cache, and only
 * when live has passed pacer.limit, which tri_gc_repace sets to the nearest
 * of the trigger, the memory limit, the next assist and the next span to
 * sweep.
 *
 * The CPU limiter (Go's gcCPULimiter). A soft memory limit below the live
 * heap would run cycles back to back and starve the program. So while the
 * memory limit sets the goal, a bucket of LIMITER_NS fills with the
 * collector's time and drains with the program's; while it is full the
 * limiter is on: no cycle starts and allocation pays no assist, the
 * collector's share of the time falls back towards half, and the heap grows
 * past the memory limit instead. Marking resumes as the bucket drains. The limiter counts every nanosecond in
 * stats.gc_ns: stops, steps, assists and sweeping alike.
 */
#include "gc.h"

#define ASSIST_QUANTUM 16384                 /* allocate this much between assists */
#define LIMITER_NS ((int64_t)10 * 1000000)   /* the bucket: 10 ms of collector time over half */

void tri_gc_pacer_plan(tri_gc_heap *h)
{
    uint64_t marked = h->pacer.marked_last, limit = h->config.memory_limit;
    int gogc = h->config.gogc;
    uint64_t goal = gogc < 0 ? UINT64_MAX : marked + marked / 100 * (uint64_t)gogc;
    uint64_t floor = gogc < 0 ? UINT64_MAX : h->config.min_heap * (uint64_t)(gogc > 0 ? gogc : 1) / 100;
    if (goal < floor)
        goal = floor;
    h->pacer.limit_bound = limit && goal > limit;
    if (h->pacer.limit_bound)
        goal = limit > marked + marked / 16 ? limit : marked + marked / 16;
    h->pacer.goal = goal;
    h->pacer.trigger = goal == UINT64_MAX ? UINT64_MAX : marked + (goal - marked) / 10 * 7;
    h->pacer.scan_expected = marked ? marked : h->pacer.live;
    tri_gc_repace(h);
    tri_gc_emit(h, TRI_EV_PACER, 0, h->pacer.goal, h->pacer.trigger, marked,
                (uint64_t)(h->pacer.assist_ratio * 1000));
}

/* As Go's pacer: marking is expected to scan what the last cycle marked,
 * by the goal. When it has scanned that and is not done (the heap grew:
 * what was allocated since is live), it plans for the worst case, every
 * byte of the heap at mark setup to scan, by a hard goal 10% past the goal,
 * so a growing heap cannot outrun marking. */
void tri_gc_pacer_assist_ratio(tri_gc_heap *h)
{
    uint64_t expected = h->pacer.scan_expected, done = h->mark.scan_done, live = h->pacer.live;
    uint64_t goal = h->pacer.goal, remaining;
    if (done < expected) {
        remaining = expected - done;
    } else {
        uint64_t worst = h->pacer.heap_at_setup;
        remaining = worst > done ? worst - done : h->config.step_bytes;
        goal = goal < UINT64_MAX / 2 ? goal + goal / 10 : goal;
    }
    uint64_t runway = goal > live + 65536 ? goal - live : 65536;
    h->pacer.assist_ratio = (double)remaining / (double)runway;
}

/* Bytes to allocate between assists while marking: ASSIST_QUANTUM, or less
 * when the assist ratio is high, so that no assist needs more than half a
 * step's budget to pay for what came before it: marking keeps up with the
 * goal (a growing heap's allocations are all live) and a step stays short. */
static uint64_t assist_quantum(const tri_gc_heap *h)
{
    double ratio = h->pacer.assist_ratio;
    if (ratio <= 0)
        return ASSIST_QUANTUM;
    double q = (double)h->config.step_bytes / (2 * ratio);
    return q >= ASSIST_QUANTUM ? ASSIST_QUANTUM : q < 1024 ? 1024 : (uint64_t)q;
}

/* Sweeping keeps pace with allocation so that it is over before the next
 * trigger: one span for every so many bytes allocated. */
static uint64_t sweep_quantum(const tri_gc_heap *h)
{
    uint64_t runway = h->pacer.trigger > h->pacer.live ? h->pacer.trigger - h->pacer.live : 0;
    uint64_t per_span = h->spans.unswept ? runway / (h->spans.unswept + 1) : UINT64_MAX;
    return per_span > 64 * 1024 ? 64 * 1024 : per_span;
}

void tri_gc_repace(tri_gc_heap *h)
{
    uint64_t limit = h->pacer.trigger, live = h->pacer.live;
    if (h->config.memory_limit && h->config.memory_limit < limit)
        limit = h->config.memory_limit;
    if (h->cycle.phase == TRI_GC_MARK)
        limit = live + assist_quantum(h);
    else if (h->cycle.phase == TRI_GC_SWEEP && live + sweep_quantum(h) < limit)
        limit = live + sweep_quantum(h);
    if (h->config.stress || h->cycle.in_collector)
        limit = 0;
    h->pacer.limit = limit;
}

static void sweep_for_allocation(tri_gc_heap *h)
{
    uint64_t t = tri_gc_now();
    size_t swept = 0;
    if (!tri_gc_sweep_one(h, &swept) || h->spans.unswept == 0)
        tri_gc_set_phase(h, TRI_GC_OFF);
    h->stats.gc_ns += tri_gc_now() - t;
}

/* Moves the bucket by the time since the last update; returns whether the
 * limiter is on. It watches only while the memory limit sets the goal: at
 * the goal GOGC sets, the collector's share is GOGC's to decide. */
static bool limiter_update(tri_gc_heap *h)
{
    uint64_t now = tri_gc_now(), gc = h->stats.gc_ns;
    if (h->pacer.limiter_wall == 0 || (!h->pacer.limit_bound && !h->pacer.limited)) {
        h->pacer.limiter_wall = now, h->pacer.limiter_gc = gc, h->pacer.limiter_fill = 0;
        return false;
    }
    int64_t gc_ns = (int64_t)(gc - h->pacer.limiter_gc), wall = (int64_t)(now - h->pacer.limiter_wall);
    int64_t fill = h->pacer.limiter_fill + gc_ns - (wall > gc_ns ? wall - gc_ns : 0);
    fill = fill < 0 ? 0 : fill > LIMITER_NS ? LIMITER_NS : fill;
    if (h->pacer.limited)
        h->stats.limited_ns += (uint64_t)wall;
    bool on = fill >= LIMITER_NS || (h->pacer.limited && fill > LIMITER_NS / 2);
    if (on && !h->pacer.limited)
        h->stats.limited_count++;
    h->pacer.limited = on;
    h->pacer.limiter_fill = fill;
    h->pacer.limiter_wall = now;
    h->pacer.limiter_gc = gc;
    return on;
}

void tri_gc_pace(tri_gc_heap *h, size_t bytes)
{
    if (h->cycle.in_collector)
        return;
    if (!h->config.stress && limiter_update(h)) {
        h->pacer.limit = h->pacer.live + ASSIST_QUANTUM; /* look again soon */
        return;
    }
    if (unlikely(h->config.stress)) {
        if (h->config.stress == 2) {
            tri_gc_collect_now(h);
        } else {
            if (!tri_gc_marking(h))
                tri_gc_start_cycle(h);
            tri_gc_step_now(h, 1);
        }
        tri_gc_repace(h);
        return;
    }
    if (h->cycle.phase == TRI_GC_MARK) {
        tri_gc_assist(h);
    } else {
        if (h->cycle.phase == TRI_GC_SWEEP)
            sweep_for_allocation(h);
        /* a sweep that falls behind the trigger is finished by mark setup */
        uint64_t after = h->pacer.live + bytes, limit = h->config.memory_limit;
        if (after >= h->pacer.trigger || (limit && after >= limit)) {
            if (h->config.stop_the_world)
                tri_gc_run_whole_cycle(h);
            else
                tri_gc_start_cycle(h);
        }
    }
    tri_gc_repace(h);
}
