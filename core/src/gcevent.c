/*
 * What the collector reports as it runs: the event ring and its sink, pause
 * histograms, the per-cycle trace line (TRI_GCTRACE=1), and the names of
 * barriers, phases and events. Nothing here changes what the collector
 * does; events cost one predictable branch when off (tri_gc_emit, gc.h).
 *
 * Owns: h->events. The ring's count of events written is stored with
 * release order after each event is complete, and read with acquire by
 * tri_gc_events, so a tool that reads the ring sees whole events.
 */
#include <stdio.h>
#include <string.h>

#include "gc.h"

void tri_gc_flush_events(tri_gc_heap *h)
{
    if (!h->events.sink || !h->events.ring)
        return;
    while (h->events.sink_read < h->events.written) { /* at most two pieces: the ring wraps */
        size_t at = (size_t)(h->events.sink_read & (h->events.cap - 1));
        size_t n = (size_t)(h->events.written - h->events.sink_read);
        if (n > h->events.cap - at)
            n = h->events.cap - at;
        h->events.sink(h->events.ring + at, n, h->events.sink_arg);
        h->events.sink_read += n;
    }
}

void tri_gc_emit_slow(tri_gc_heap *h, unsigned kind, unsigned arg, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    if (h->events.sink && h->events.written - h->events.sink_read == h->events.cap)
        tri_gc_flush_events(h); /* the next event would overwrite one not yet delivered */
    tri_gc_event *e = &h->events.ring[h->events.written & (h->events.cap - 1)];
    e->kind = kind;
    e->arg = arg;
    e->time_ns = tri_gc_now() - h->events.t0;
    e->a = a;
    e->b = b;
    e->c = c;
    e->d = d;
    __atomic_store_n(&h->events.written, h->events.written + 1, __ATOMIC_RELEASE);
}

const tri_gc_event *tri_gc_events(const tri_gc_heap *h, size_t *capacity, uint64_t *written)
{
    *capacity = h->events.cap;
    *written = __atomic_load_n(&h->events.written, __ATOMIC_ACQUIRE);
    return h->events.ring;
}

/* --- pause histograms ---------------------------------------------------------- */

/* 32 buckets per power of two (relative error under 2%), exact below 32 ns. */
static unsigned bucket_of(uint64_t ns)
{
    if (ns < 32)
        return (unsigned)ns;
    unsigned k = 63u - (unsigned)__builtin_clzll(ns);
    unsigned b = (k - 4) * 32 + (unsigned)((ns >> (k - 5)) & 31);
    return b < TRI_HIST_BUCKETS ? b : TRI_HIST_BUCKETS - 1;
}

static uint64_t bucket_value(unsigned b)
{
    if (b < 32)
        return b;
    unsigned k = b / 32 + 4, sub = b % 32;
    uint64_t width = (uint64_t)1 << (k - 5);
    return ((uint64_t)(32 + sub) << (k - 5)) + width / 2;
}

void tri_gc_hist_add(tri_gc_hist *hist, uint64_t ns)
{
    hist->count++;
    hist->total += ns;
    if (ns > hist->max)
        hist->max = ns;
    hist->buckets[bucket_of(ns)]++;
}

static uint64_t percentile(const tri_gc_hist *hist, double q)
{
    if (!hist->count)
        return 0;
    uint64_t want = (uint64_t)((double)hist->count * q + 0.999999), seen = 0;
    for (unsigned b = 0; b < TRI_HIST_BUCKETS; b++) {
        seen += hist->buckets[b];
        if (seen >= want) {
            uint64_t v = bucket_value(b);
            return v < hist->max ? v : hist->max;
        }
    }
    return hist->max;
}

void tri_gc_hist_summary(const tri_gc_hist *hist, tri_gc_pause_stats *out)
{
    out->count = hist->count;
    out->total_ns = hist->total;
    out->max_ns = hist->max;
    out->p50_ns = percentile(hist, 0.50);
    out->p90_ns = percentile(hist, 0.90);
    out->p99_ns = percentile(hist, 0.99);
}

/* --- the trace line ---------------------------------------------------------------- */

void tri_gc_trace_cycle(tri_gc_heap *h, uint64_t term_ns)
{
    uint64_t now = tri_gc_now();
    double wall = (double)(now - h->events.t0) / 1e9, mb = 1024.0 * 1024.0;
    double share = now > h->events.t0 ? 100.0 * (double)h->stats.gc_ns / (double)(now - h->events.t0) : 0;
    /* CPU as Go's gctrace splits it: the stops, then assists / background
     * workers / idle workers (their marking this cycle, and their sweeping
     * of the last), then termination. */
    uint64_t bg = atomic_load_explicit(&h->workers.cpu_ns, memory_order_relaxed);
    uint64_t idle = atomic_load_explicit(&h->workers.idle_ns, memory_order_relaxed);
    fprintf(stderr,
            "gc %llu @%.3fs %.0f%%: %.3f+%.3f+%.3f ms clock (setup+%llu steps+termination), "
            "%.3f+%.3f/%.3f/%.3f+%.3f ms cpu (assist/background/idle), %.2f->%.2f->%.2f MB, %.2f MB goal, "
            "%u workers, %s",
            (unsigned long long)h->cycle.count, wall, share, (double)h->stats.cycle_setup_ns / 1e6,
            (double)h->stats.cycle_step_ns / 1e6, (double)term_ns / 1e6, (unsigned long long)h->stats.cycle_steps,
            (double)h->stats.cycle_setup_ns / 1e6, (double)(h->stats.assist_ns - h->stats.cycle_assist_start) / 1e6,
            (double)(bg - h->stats.cycle_background_start) / 1e6, (double)(idle - h->stats.cycle_idle_start) / 1e6,
            (double)term_ns / 1e6, (double)h->stats.cycle_live_start / mb, (double)h->pacer.live / mb,
            (double)h->pacer.marked_last / mb, (double)h->pacer.goal / mb,
            h->workers.started, tri_gc_barrier_name(h->config.barrier));
    uint64_t limited = h->stats.limited_ns - h->stats.cycle_limited_start;
    if (limited) /* the CPU limiter held the collector back during this cycle */
        fprintf(stderr, ", cpu limited %.3f ms", (double)limited / 1e6);
    fputc('\n', stderr);
    h->stats.cycle_limited_start = h->stats.limited_ns;
}

/* --- names ---------------------------------------------------------------------------- */

const char *tri_gc_barrier_name(enum tri_gc_barrier mode)
{
    static const char *const names[TRI_NUM_BARRIERS] = {"hybrid", "dijkstra", "yuasa", "none"};
    return (unsigned)mode < TRI_NUM_BARRIERS ? names[mode] : "?";
}

const char *tri_gc_phase_name(enum tri_gc_phase phase)
{
    static const char *const names[TRI_NUM_PHASES] = {"off", "mark setup", "mark", "mark termination", "sweep"};
    return (unsigned)phase < TRI_NUM_PHASES ? names[phase] : "?";
}

const char *tri_gc_event_name(enum tri_gc_event_kind kind)
{
    static const char *const names[TRI_NUM_EVENT_KINDS] = {
        "phase", "alloc", "grey", "black", "barrier", "free", "span-take", "span-return",
        "pacer", "stop", "step", "finalize", "weak-clear", "violation"};
    return (unsigned)kind < TRI_NUM_EVENT_KINDS ? names[kind] : "?";
}

