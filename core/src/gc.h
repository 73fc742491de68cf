/*
 * The collector's internals: its records, the heap's state grouped by the
 * file that owns each part, the colour operations, and the functions the
 * collector's files offer one another. The public API is in tricolor.h; the
 * allocator underneath in internal.h.
 *
 *   gc.c         the cycle: phases, mark setup and termination, the API
 *                that drives a cycle, settings, a heap's creation and end
 *   gcmark.c     marking: roots, shading, scanning, assists
 *   gcwork.c     the grey list: work buffers
 *   gcbarrier.c  the write barrier
 *   gcpacer.c    the pacer: goal, trigger, assist ratio, when allocation
 *                must call into the collector
 *   gcsweep.c    the heap's spans and their sweeping
 *   gcalloc.c    allocation: span caches, tiny, small and large objects
 *   gcfinal.c    finalizers and weak references
 *   gcverify.c   the verifier
 *   gcevent.c    events, pause histograms, the trace line, names
 *   gcinfo.c     introspection and statistics
 *
 * Threads. A heap is driven by one mutator thread at a time, and today
 * every field below is written by that thread: in the API call named at
 * each field, or "at stops" (mark setup and mark termination, which run
 * with the mutator inside the collector). The only cross-thread readers are
 * the page heap's tools, which read a span's record (tri_gcspan's first
 * fields) under the page heap's lock while the span is the heap's.
 */
#ifndef TRI_GC_H
#define TRI_GC_H

#include "internal.h"

/* A race window, widened in a RACE=1 build (make RACE=1): the thread yields
 * at one call in 16 here, so that another thread's step lands in between.
 * Placed between the steps of shading, scanning, the barrier, the pool and
 * sweeping; nothing in a normal build. */
#if TRI_RACE_STRESS
TRI_INTERNAL void tri_gc_race_window(void);
#define TRI_RACE_WINDOW() tri_gc_race_window()
#else
#define TRI_RACE_WINDOW() ((void)0)
#endif

/* The orderings by which the mutator publishes a span record (and a large
 * object's) to workers that find it by address: release, and acquire where
 * it is read. The mutant MUTATE=publish makes both relaxed, for
 * tests/mutants.sh to show that TSan then reports the race. */
#if TRI_MUTATE_publish
#define TRI_PUBLISH __ATOMIC_RELAXED
#define TRI_SUBSCRIBE __ATOMIC_RELAXED
#else
#define TRI_PUBLISH __ATOMIC_RELEASE
#define TRI_SUBSCRIBE __ATOMIC_ACQUIRE
#endif

/* The collector's word: a pointer (8 bytes natively, 4 on wasm32). Types
 * describe objects in words and spans' pointer bitmaps have a bit per word. */
#define TRI_WORD sizeof(uintptr_t)

#define TRI_OBLET ((uintptr_t)128 << 10) /* large objects are scanned in chunks of this */

/* --- a span of the collected heap (gcsweep.c) ------------------------------------------ */

/* The collector's record of one of its spans. Two bitmaps of one bit per
 * object swap roles at sweep, as Go's allocBits and gcmarkBits do: bits[sel]
 * says which objects are allocated, bits[sel ^ 1] which are marked. grey
 * marks the objects on the grey list (marked, not yet scanned). A small span
 * of a scan class also has ptrbits: one bit per word of the span, set for
 * the words that hold pointers, written at allocation from the type. A large
 * span keeps its type and element count instead.
 *
 * Written by the mutator: at allocation (alloc bits, nalloc, ptrbits), when
 * marking (mark and grey bits, oblets_left), at sweep (everything else). */
typedef struct tri_gcspan {
    uintptr_t base;         /* span->base, without the extra load */
    tri_span *span;
    struct tri_gc_heap *heap;
    TRI_LINK(struct tri_gcspan) link; /* on one of the heap's span lists */
    uint32_t sweepgen;      /* == heap's: swept this cycle; heap's - 2: not yet */
    uint32_t words;         /* words per object bitmap */
    uint32_t nelems, nalloc;
    uint32_t elemsize;      /* bytes per object (a large object's span bytes) */
    uint16_t spc;           /* span class; 0 for a large object */
    uint8_t sel, noscan, large, needzero, list;
    uint8_t set;            /* which of the heap's two span sets holds it */
    uint8_t scan_one_word;  /* small scan span: an object's pointer bits fit one bitmap word */
    uint64_t objmask;       /* type set (homogeneous): an object's pointer words (gcalloc.c) */
    uint32_t divmul;        /* floor division by elemsize (0 for a large object: index 0) */
    uint64_t *alloc, *mark; /* bits[sel] and bits[sel ^ 1], kept in step with sel */
    int32_t oblets_left;    /* large object being scanned: chunks still to scan */
    const tri_type *type;   /* large object: its element type (and count); a small scan span:
                               the type every slot has the pointer bits of, or NULL (gcalloc.c) */
    size_t count;
    uint64_t *grey, *ptrbits;
    /* A span of 16-byte noscan blocks: per block, how many tiny objects it
     * holds (0: not a tiny block). NULL for every other span class. */
    uint8_t *tiny;
    uint64_t bits[];        /* 2 * words (alloc, mark), words (grey), then ptrbits or tiny counts */
} tri_gcspan;

/* Which list of the heap a span is on (tri_gcspan.list). */
enum { TRI_GC_LIST_NONE, TRI_GC_LIST_PARTIAL, TRI_GC_LIST_FULL, TRI_GC_LIST_LARGE, TRI_GC_LIST_CACHED };

typedef TRI_LIST(tri_gcspan) tri_gcspan_list;

/* The index of the object of g holding p (0 for a large object). */
static inline uint32_t tri_gc_index_in(const tri_gcspan *g, uintptr_t p)
{
    return (uint32_t)(((uint64_t)(p - g->base) * g->divmul) >> 32);
}

static inline uintptr_t tri_gc_object_at(const tri_gcspan *g, uint32_t idx)
{
    return g->base + (uintptr_t)idx * g->elemsize;
}

/* The span class of tiny blocks: 16-byte objects without pointers. Its
 * spans keep a count of tiny objects per block. */
#define TRI_GC_TINY_SPC 5 /* tri_spanclass(size class 2, 16 bytes, noscan) */

/* Whether slot idx of g is a tiny block: a 16-byte block of objects under
 * 16 bytes without pointers (gcalloc.c). */
static inline bool tri_gc_in_tiny_block(const tri_gcspan *g, uint32_t idx)
{
    return g->tiny && g->tiny[idx] != 0;
}

/* A large object's own bytes (its span may be longer). */
static inline uintptr_t tri_gc_large_bytes(const tri_gcspan *g)
{
    return g->type ? g->type->size * g->count : g->elemsize;
}

/* --- colours ------------------------------------------------------------------------------ */

/* An allocated object's colour is in its span's bitmaps:
 *
 *   white  mark bit clear            not (yet) known to be reachable
 *   grey   mark bit and grey bit     reachable; its pointers not yet scanned
 *   black  mark bit, no grey bit     reachable and scanned (or noscan)
 *
 * and marking moves objects one way only: white -> grey -> black, or white
 * -> black for objects without pointers and those allocated while marking.
 * Sweeping makes every survivor white again by swapping the bitmaps.
 *
 * While background workers mark, grey is the objects on work buffers, and
 * the grey bits are kept only for those no buffer could take: an object
 * waiting on a buffer reads as black. The tests read the bits with relaxed
 * loads, as workers may set them meanwhile. */
static inline bool tri_gc_is_allocated(const tri_gcspan *g, uint32_t i) { return tri_bit_relaxed(g->alloc, i); }
static inline bool tri_gc_is_white(const tri_gcspan *g, uint32_t i) { return !tri_bit_relaxed(g->mark, i); }
static inline bool tri_gc_is_grey(const tri_gcspan *g, uint32_t i) { return tri_bit_relaxed(g->grey, i); }
static inline bool tri_gc_is_black(const tri_gcspan *g, uint32_t i)
{
    return !tri_gc_is_white(g, i) && !tri_gc_is_grey(g, i);
}
static inline void tri_gc_white2grey(tri_gcspan *g, uint32_t i)
{
    tri_bit_set(g->mark, i);
    tri_bit_set(g->grey, i);
}
static inline void tri_gc_white2black(tri_gcspan *g, uint32_t i) { tri_bit_set(g->mark, i); }
static inline void tri_gc_grey2black(tri_gcspan *g, uint32_t i) { tri_bit_clear(g->grey, i); }

/* --- the grey list's work buffers (gcwork.c) --------------------------------------------- */

/* A chunk of the grey list. Each marker pops from and pushes to a buffer
 * of its own; buffers it fills, or hands over, wait in the heap's pool for
 * any marker to take (Go's gcWork, work.full and work.empty). */
#define TRI_WORKBUF_OBJECTS 510
typedef struct tri_gc_workbuf {
    uintptr_t next;  /* link to the next buffer of its list, encoded (harden.h) */
    size_t n;
    uintptr_t obj[TRI_WORKBUF_OBJECTS];
} tri_gc_workbuf;

#define TRI_GC_SPAN_CACHE 256

/* A marker: what one thread marking keeps to itself. The mutator has one
 * (h->mark.self: its steps, assists, barrier and stops); each background
 * worker has one (gcworker.c). Only its own thread touches it, but for the
 * stops, when every worker is parked. */
typedef struct tri_gc_marker {
    struct tri_gc_heap *heap;
    tri_gc_workbuf *work;        /* the current buffer: on no list */
    tri_gc_workbuf reserve;      /* the current buffer when no other can be had */
    uint64_t marked, scanned;    /* bytes marked and scan work, not yet in the heap's counters */
    uint32_t epoch;              /* the mark.epoch its span cache is good for (workers) */
    struct { uintptr_t page; struct tri_gcspan *g; } span_cache[TRI_GC_SPAN_CACHE]; /* page -> span */
} tri_gc_marker;

/* --- the heap's other records -------------------------------------------------------------- */

/* A span class's cached span (gcalloc.c): the fast path reads free, base,
 * size, allocword and type, and nothing of the span. */
typedef struct tri_gc_cache {
    uint64_t free;        /* slots of the current word taken, not yet handed out */
    uintptr_t base;       /* the address of the current word's first slot */
    uint64_t *allocword;  /* the current word of the span's allocation bitmap */
    uint32_t size;        /* bytes per object */
    uint32_t word;        /* the current word's index */
    const tri_type *type; /* the span's type (every slot has its pointer bits), or NULL */
    tri_gcspan *g;
} tri_gc_cache;

/* Where tri_gc_alloc finds a type's cache (gcalloc.c): a direct-mapped
 * table by the type's address, filled by the general path for types whose
 * objects can take the fast path. */
typedef struct tri_gc_type_slot {
    const tri_type *type;
    const tri_type *span_type; /* the type a span must remember for its slots to fit (NULL: noscan) */
    tri_gc_cache *cache;
} tri_gc_type_slot;
#define TRI_GC_TYPE_SLOTS 32
static inline unsigned tri_gc_type_slot_of(const tri_type *t)
{
    return (unsigned)(((uintptr_t)t >> 5) % TRI_GC_TYPE_SLOTS); /* types are 32 bytes: neighbours differ */
}

typedef struct tri_gc_root_range {
    void **slots;
    size_t count;
} tri_gc_root_range;

typedef struct tri_gc_final {
    uintptr_t object;
    tri_gc_finalizer fn;
    void *arg;
} tri_gc_final;

/* An object whose finalizer is running: a root until it returns. Lives in
 * the frame of the call that runs it (gcfinal.c). */
typedef struct tri_gc_finalizing {
    uintptr_t object;
    struct tri_gc_finalizing *prev;
} tri_gc_finalizing;

/* Reports of runs of the verifier at mark termination that found
 * violations, kept until the program takes them (gcverify.c). */
#define TRI_GC_REPORTS 8

struct tri_gc_weak {
    uintptr_t target;
    size_t index; /* in the heap's weak table */
};

/* A log-linear histogram of durations: 32 buckets per power of two. */
#define TRI_HIST_BUCKETS (64 * 32)
typedef struct tri_gc_hist {
    uint64_t count, total, max;
    uint32_t buckets[TRI_HIST_BUCKETS];
} tri_gc_hist;

/* --- the heap ---------------------------------------------------------------------------- */

struct tri_gc_heap {
    /* First: read by the inline barrier and frame functions of tricolor.h.
     * barrier_on: set at mark setup, cleared at mark termination (gc.c).
     * frames: pushed and popped by the mutator. */
    struct tri_gc_heap_head head;

    /* Settings (gc.c): tri_gc_create, then the setters, between calls. */
    struct {
        enum tri_gc_barrier barrier; /* tri_gc_set_barrier; never changes while marking */
        int gogc;                    /* < 0: off */
        uint64_t memory_limit;       /* soft: paces cycles (0: none) */
        uint64_t max_heap;           /* hard limit on the spans' bytes (0: none) */
        uint64_t min_heap;           /* the goal's floor at GOGC=100 */
        size_t step_bytes;           /* scan work of one step */
        int stress, verify, stop_the_world, conservative_stack;
        int trace;                   /* TRI_GCTRACE: a line per cycle on stderr */
    } config;

    /* The cycle (gc.c): written at phase changes. */
    struct {
        enum tri_gc_phase phase;
        uint64_t count;              /* cycles begun */
        int in_collector;            /* > 0 inside the collector: no cycle may start, allocation does not pace */
        int quiet_pauses;            /* inside a stop-the-world cycle: one pause record for all of it */
    } cycle;

    /* Allocation (gcalloc.c): every allocation. */
    struct {
        tri_gc_type_slot types[TRI_GC_TYPE_SLOTS]; /* type -> cache, for the fast path */
        tri_gc_cache cache[TRI_NUM_SPAN_CLASSES]; /* the span each span class allocates from (Go's mcache) */
        uintptr_t tiny;              /* the current 16-byte block of tiny objects; cleared at termination */
        size_t tiny_off;             /* its first free byte */
        uint8_t *tiny_count;         /* its count of objects, in its span */
        int black;                   /* new objects get their mark bit: set at mark setup, cleared at termination */
        int fast;                    /* the fast paths may serve allocations (set at creation) */
    } alloc;

    /* The heap's spans (gcsweep.c). Two sets of span lists, as Go's
     * mcentral: set (sweepgen / 2) % 2 holds the spans swept this cycle,
     * the other those not yet swept. Advancing sweepgen at mark termination
     * turns every swept span into an unswept one without touching a list.
     * Allocation takes spans off these lists and files them back. */
    struct {
        uint32_t sweepgen;           /* += 2 at mark termination (mutator, no sweeper running) */
        /* A background sweeper (a worker) takes unswept spans while the
         * mutator allocates, so from mark termination until sweeping is
         * over the lists and counts are behind lock; the mutator alone
         * writes them at other times, and takes the lock regardless. */
        tri_lock lock;
        tri_gcspan_list partial[2][TRI_NUM_SPAN_CLASSES], full[2][TRI_NUM_SPAN_CLASSES];
        tri_gcspan_list large[2];
        unsigned sweep_next;         /* span class the next sweep step starts at */
        unsigned in_flight;          /* spans taken off the lists to be swept, not yet back */
        /* Written under lock with relaxed atomics, so that the pacer and
         * the stats may read them without it: */
        uint64_t count, unswept;     /* spans, and those not yet swept this cycle */
        uint64_t bytes;              /* bytes of all the heap's spans */
        /* Set by the mutator at mark termination when a worker is to sweep,
         * cleared by it once every span is swept (tri_gc_sweep_wait). While
         * set, the mutator's span cache may name a span the sweeper gave
         * back: it looks spans up only after waiting. */
        int background;
        _Atomic int sweeper_wanted;  /* a worker should start sweeping: taken by the one that does */
    } spans;

    /* Marking (gcmark.c; the pool gcwork.c). While background workers mark
     * (concurrent), markers set mark bits with atomic read-modify-writes.
     * Grey bits are set for every grey object only in a cycle with
     * grey_bits, else only for objects no buffer could take. */
    struct {
        int roots_scanned;           /* roots greyed in this cycle: the mutator's */
        int concurrent;              /* workers mark this cycle: set at mark setup */
        int grey_bits;               /* this cycle keeps every grey bit (object events or the verifier, no
                                      * workers): set at mark setup */
        tri_gc_marker self;          /* the mutator's marker */
        /* The pool, shared by every marker, behind lock: */
        tri_lock lock;
        tri_gc_workbuf *full, *spare;/* buffers with grey objects; empty ones for reuse */
        /* Counts written under the lock with relaxed atomic stores, so that
         * markers may glance at them without it (gcwork.c's pool_count): */
        unsigned nfull;              /* buffers on full */
        unsigned busy;               /* workers holding grey objects */
        _Atomic int overflow;        /* a push failed: grey objects wait in grey bits */
        /* Added to by each marker as it hands work back; read by the pacer: */
        _Atomic uint64_t marked;     /* bytes marked this cycle */
        _Atomic uint64_t scan_done;  /* scan work this cycle, for the assist ratio */
        _Atomic int64_t credit;      /* workers' scan work the mutator's assists have not drawn on */
        _Atomic uint32_t epoch;      /* += 1 at mark setup: workers' span caches are stale */
        _Atomic int waiting;         /* the mutator waits for a worker to share (gc.c, gcmark.c) */
    } mark;

    /* Background workers (gcworker.c): started with the first cycle that
     * marks concurrently, parked while there is no grey work. */
    struct {
        unsigned count;              /* config (TRI_GCPROCS); 0: the mutator marks alone */
        unsigned started;
        struct tri_gc_worker *all;
        _Atomic uint32_t wake;       /* futex word: bumped when work or an order waits */
        _Atomic unsigned idle;       /* workers parked or about to park */
        _Atomic int stop;            /* destroy: workers leave */
        _Atomic int hold;            /* nonzero: workers take no work and start no sweep (a count:
                                      * the mutator recovering grey bits, and fork, each hold) */
        _Atomic int done;            /* a worker went idle with nothing left: the mutator should look */
        unsigned dedicated;          /* the first these many run as any thread; the rest at idle priority */
        _Atomic uint64_t cpu_ns;     /* CPU time dedicated workers spent marking and sweeping */
        _Atomic uint64_t idle_ns;    /* CPU time idle workers spent marking and sweeping */
        TRI_LINK(struct tri_gc_heap) running; /* on gcworker.c's list of heaps whose workers run, under its lock */
    } workers;

    /* Roots (gcmark.c): tri_gc_add_roots, tri_gc_remove_roots, tri_gc_attach_thread. */
    struct {
        tri_gc_root_range *ranges;
        size_t count, cap;
        uintptr_t stack_lo, stack_hi; /* the mutator's stack, for the conservative scan */
    } roots;

    /* The pacer (gcpacer.c). live grows with every allocation; the rest is
     * set when a cycle is planned (mark termination, settings) and while
     * assists pay for allocation. */
    struct {
        uint64_t live;               /* bytes marked by the last mark, plus allocated since (Go's heapLive) */
        uint64_t limit;              /* allocation calls tri_gc_pace when live would pass this */
        uint64_t goal, trigger;
        uint64_t marked_last;        /* bytes marked by the last completed mark */
        uint64_t scan_expected;      /* scan work the cycle is expected to need */
        uint64_t heap_at_setup;      /* live at mark setup: the most marking can have to scan */
        double assist_ratio;         /* scan work owed per byte allocated */
        int64_t assist_debt;         /* bytes allocated not yet paid for */
        uint64_t assist_mark;        /* live when the last assist was paid for */
        /* The collector's CPU limiter (Go's gcCPULimiter): a bucket that
         * fills with collector time and drains with mutator time; while it
         * is full, no cycle starts and allocation pays no assist, so the
         * collector takes at most about half the time. Updated at every
         * tri_gc_pace. */
        int64_t limiter_fill;        /* ns in the bucket, 0..config.limiter_ns */
        uint64_t limiter_wall, limiter_gc; /* the clock and stats.gc_ns at the last update */
        int limited;                 /* the bucket is full */
        int limit_bound;             /* the memory limit, not GOGC, set the goal */
    } pacer;

    /* Finalizers and weak references (gcfinal.c). */
    struct {
        tri_gc_final *table, *queue; /* registered; found unreachable, waiting to run */
        size_t count, cap, queued, queue_cap;
        tri_gc_finalizing *running;  /* finalizers running now, innermost first */
        tri_gc_weak **weaks;
        size_t nweaks, weaks_cap;
    } final;

    /* The verifier (gcverify.c): written at mark termination (config.verify). */
    struct {
        tri_gc_verify_report last;   /* the latest run at mark termination */
        tri_gc_verify_report kept[TRI_GC_REPORTS]; /* runs that found violations, until taken */
        size_t first, count;         /* kept[first], ... oldest first */
        uint64_t dropped;            /* reports dropped: more came than were taken */
    } verify;

    /* Events (gcevent.c): written wherever something happens. */
    struct {
        tri_gc_event *ring;          /* NULL: events off */
        size_t cap;
        uint32_t kinds;              /* which kinds it records (TRI_EV_BIT) */
        int objects;                 /* it records events about single objects: one thread marks and sweeps */
        uint64_t written;            /* stored with release: tools read the ring while it fills */
        void (*sink)(const tri_gc_event *, size_t, void *);
        void *sink_arg;
        uint64_t sink_read;          /* events the sink has been given */
        uint64_t t0;                 /* the heap's creation */
    } events;

    /* Statistics: each counter written by the file that does the work. */
    struct {
        uint64_t gc_ns;              /* time inside the collector */
        uint64_t allocated_total, allocs; /* gcalloc.c */
        uint64_t freed_total;        /* gcsweep.c, by any sweeper: relaxed atomic adds */
        uint64_t objects;            /* allocated, tiny ones each: gcalloc.c adds (and takes back unhanded slots) */
        uint64_t objects_freed;      /* freed by sweeping: gcsweep.c, by any sweeper, relaxed atomic adds */
        uint64_t limited_ns, limited_count;            /* gcpacer.c: time the CPU limiter was on, and times */
        uint64_t scan_total, assist_total;             /* gcmark.c */
        uint64_t assist_ns;                            /* gc.c: time in assists */
        uint64_t served[TRI_NUM_LEVELS];               /* gcsweep.c: spans taken, by level */
        uint64_t barrier_hits[TRI_NUM_BARRIERS];       /* gcbarrier.c */
        uint64_t finalizers_run, weak_cleared;         /* gcfinal.c */
        tri_gc_hist stops, steps;                      /* gc.c */
        /* this cycle, for the trace line (gc.c) */
        uint64_t cycle_start_ns, cycle_live_start, cycle_setup_ns, cycle_step_ns, cycle_steps;
        uint64_t cycle_limited_start; /* limited_ns at the last trace line */
        uint64_t cycle_assist_start, cycle_background_start, cycle_idle_start; /* at mark setup */
    } stats;
};

/* --- gc.c: the cycle ---------------------------------------------------------------------- */

static inline bool tri_gc_marking(const tri_gc_heap *h)
{
    enum tri_gc_phase p = h->cycle.phase;
    return p == TRI_GC_MARK_SETUP || p == TRI_GC_MARK || p == TRI_GC_MARK_TERMINATION;
}
TRI_INTERNAL void tri_gc_set_phase(tri_gc_heap *h, enum tri_gc_phase phase);
/* A whole cycle as one stop (config stop_the_world). */
TRI_INTERNAL void tri_gc_run_whole_cycle(tri_gc_heap *h);
/* tri_gc_collect and tri_gc_step without running finalizers: for
 * allocation, which never runs them. */
TRI_INTERNAL void tri_gc_collect_now(tri_gc_heap *h);
TRI_INTERNAL size_t tri_gc_step_now(tri_gc_heap *h, size_t budget);
/* Ends marking if it is done: no grey object left and the roots scanned. */
TRI_INTERNAL void tri_gc_end_mark_if_done(tri_gc_heap *h);
/* Marks until no grey object is left anywhere, the workers helping. */
TRI_INTERNAL void tri_gc_mark_drain(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_record_step(tri_gc_heap *h, bool assist, uint64_t ns, uint64_t work);

/* --- gcverify.c: the verifier ------------------------------------------------------------------ */

/* The verifier's count of violations, leaving the reports alone (for the
 * assertions of a DEBUG build); 0 when it could not finish. */
TRI_INTERNAL size_t tri_gc_check_heap(tri_gc_heap *h);
/* The run at mark termination (config.verify): its report is kept. */
TRI_INTERNAL void tri_gc_verify_at_termination(tri_gc_heap *h);

/* --- gcevent.c: events, histograms, the trace line ------------------------------------------------ */

TRI_INTERNAL void tri_gc_emit_slow(tri_gc_heap *h, unsigned kind, unsigned arg, uint64_t a, uint64_t b,
                                   uint64_t c, uint64_t d);
static inline void tri_gc_emit(tri_gc_heap *h, unsigned kind, unsigned arg, uint64_t a, uint64_t b, uint64_t c,
                               uint64_t d)
{
    if (unlikely(h->events.ring != NULL) && (h->events.kinds & TRI_EV_BIT(kind)))
        tri_gc_emit_slow(h, kind, arg, a, b, c, d);
}
static inline uint64_t tri_gc_now(void) { return tri_prim_clock_ns(); }
TRI_INTERNAL void tri_gc_hist_add(tri_gc_hist *hist, uint64_t ns);
TRI_INTERNAL void tri_gc_hist_summary(const tri_gc_hist *hist, tri_gc_pause_stats *out);
TRI_INTERNAL void tri_gc_trace_cycle(tri_gc_heap *h, uint64_t term_ns);

/* --- gcwork.c: the grey list ----------------------------------------------------------------- */

TRI_INTERNAL void tri_gc_grey_push_slow(tri_gc_marker *m, uintptr_t obj);
static inline void tri_gc_grey_push(tri_gc_marker *m, uintptr_t obj)
{
    tri_gc_workbuf *b = m->work;
    if (likely(b != NULL && b->n < TRI_WORKBUF_OBJECTS))
        b->obj[b->n++] = obj;
    else
        tri_gc_grey_push_slow(m, obj);
}
/* The marker's next grey object, from its buffer or the pool; 0 when both
 * are empty. */
TRI_INTERNAL uintptr_t tri_gc_grey_pop_slow(tri_gc_marker *m);
static inline uintptr_t tri_gc_grey_pop(tri_gc_marker *m)
{
    tri_gc_workbuf *b = m->work;
    if (likely(b && b->n))
        return b->obj[--b->n];
    return tri_gc_grey_pop_slow(m);
}
/* Hands the marker's grey objects to the pool, for other markers to take,
 * and its counts to the heap; publish, the counts alone. */
TRI_INTERNAL void tri_gc_marker_flush(tri_gc_marker *m);
TRI_INTERNAL void tri_gc_marker_publish(tri_gc_marker *m);
/* Hands half the marker's grey objects to the pool if the pool is empty:
 * a busy marker feeds idle ones and the mutator's assists (Go's balance). */
TRI_INTERNAL void tri_gc_marker_share(tri_gc_marker *m);
/* Whether no grey object is left on a list: the mutator's marker and the
 * pool are empty and no worker marks. Objects a failed push left in grey
 * bits may remain (mark.overflow): the termination drain recovers them. */
TRI_INTERNAL bool tri_gc_grey_lists_empty(tri_gc_heap *h);
/* A background worker's next buffer from the pool, counting it busy if
 * `busy` was not; NULL when the pool is empty (or held), counting a busy
 * worker out and saying in *last_out whether it was the last with work. */
TRI_INTERNAL tri_gc_workbuf *tri_gc_pool_take_work(tri_gc_heap *h, bool busy, bool *last_out);
TRI_INTERNAL void tri_gc_marker_init(tri_gc_marker *m, tri_gc_heap *h);
TRI_INTERNAL void tri_gc_marker_release(tri_gc_marker *m);
TRI_INTERNAL void tri_gc_work_free_all(tri_gc_heap *h);

/* --- gcmark.c: marking -------------------------------------------------------------------- */

/* The heap's span holding p, or NULL, through the marker's small
 * direct-mapped cache by page: pointers marking follows often land on pages
 * it saw lately. */
TRI_INTERNAL tri_gcspan *tri_gc_span_for_slow(tri_gc_marker *m, uintptr_t p);
static inline tri_gcspan *tri_gc_span_for(tri_gc_marker *m, uintptr_t p)
{
    uintptr_t page = p >> TRI_PAGE_SHIFT;
    if (likely(m->span_cache[page % TRI_GC_SPAN_CACHE].page == page))
        return m->span_cache[page % TRI_GC_SPAN_CACHE].g;
    return tri_gc_span_for_slow(m, p);
}
/* Locates the allocated object holding p: its span and index, or false. */
static inline bool tri_gc_locate(tri_gc_heap *h, uintptr_t p, tri_gcspan **span, uint32_t *index)
{
    tri_gcspan *g = tri_gc_span_for(&h->mark.self, p);
    if (!g)
        return false;
    uint32_t idx = tri_gc_index_in(g, p);
    if (idx >= g->nelems || !tri_gc_is_allocated(g, idx))
        return false; /* not an allocated object: a stale or foreign value */
    *span = g;
    *index = idx;
    return true;
}
static inline bool tri_gc_is_marked_object(tri_gc_heap *h, uintptr_t p)
{
    tri_gcspan *g;
    uint32_t idx;
    return tri_gc_locate(h, p, &g, &idx) && !tri_gc_is_white(g, idx);
}
static inline int32_t tri_gc_oblets_of(const tri_gcspan *g)
{
    return (int32_t)((tri_gc_large_bytes(g) + TRI_OBLET - 1) / TRI_OBLET);
}
/* Shades the object holding p for marker m; returns whether it was white.
 * The bytes it marks go to m; its grey bit is set, and object events are
 * emitted if the heap records them, when `grey_bits` (mark.grey_bits);
 * `atomic` while background workers mark (the mark loop decides both once,
 * for every pointer it shades). */
static inline __attribute__((always_inline)) bool tri_gc_shade_into(tri_gc_marker *m, uintptr_t p, bool grey_bits,
                                                                   bool atomic)
{
    tri_gcspan *g = tri_gc_span_for(m, p);
    if (!g)
        return false;
    uint32_t idx = tri_gc_index_in(g, p), w = idx / 64;
    uint64_t bit = tri_bit_mask(idx), *mark = g->mark;
    if (idx >= g->nelems)
        return false;
    if (atomic) {
        /* The allocation bit with acquire: a large object's span is
         * written whole before its bit (alloc_large's release). The mark
         * bit relaxed: it only decides which marker pushes the object, and
         * the read-modify-write sees every other marker's; the object
         * itself reaches its scanner through the pool's lock. */
        if (!(__atomic_load_n(&g->alloc[w], TRI_SUBSCRIBE) & bit) || (__atomic_load_n(&mark[w], __ATOMIC_RELAXED) & bit))
            return false;
        TRI_RACE_WINDOW(); /* another marker shades it meanwhile: one of the two pushes it */
        if (__atomic_fetch_or(&mark[w], bit, __ATOMIC_RELAXED) & bit)
            return false; /* not an allocated object, or shaded already (perhaps just now, by another) */
    } else {
        if (!(g->alloc[w] & ~mark[w] & bit))
            return false; /* not an allocated object, or already shaded */
        mark[w] |= bit; /* white -> black, or with the grey bit below, -> grey */
    }
    m->marked += g->elemsize;
    uintptr_t obj = tri_gc_object_at(g, idx);
    bool events = grey_bits && m->heap->events.objects; /* (no object events without grey bits) */
    if (g->noscan) {
        if (events)
            tri_gc_emit(m->heap, TRI_EV_BLACK, 0, obj, 0, 0, 0);
        return true;
    }
    if (grey_bits)
        g->grey[w] |= bit; /* exact colours, for those that want them (gcmark.c) */
    if (g->large)
        __atomic_store_n(&g->oblets_left, tri_gc_oblets_of(g), __ATOMIC_RELAXED);
    tri_gc_grey_push(m, obj);
    if (events)
        tri_gc_emit(m->heap, TRI_EV_GREY, 0, obj, 0, 0, 0);
    return true;
}
/* Shades the object holding p, from the mutator's thread. */
static inline bool tri_gc_shade(tri_gc_heap *h, uintptr_t p)
{
    return tri_gc_shade_into(&h->mark.self, p, h->mark.grey_bits, h->mark.concurrent);
}
TRI_INTERNAL void tri_gc_scan_roots(tri_gc_heap *h);
TRI_INTERNAL size_t tri_gc_mark_work(tri_gc_heap *h, size_t budget);
/* Marking work paid for by allocation (see the pacer). */
TRI_INTERNAL void tri_gc_assist(tri_gc_heap *h);
/* Scans the objects a failed push left grey, with the mutator's marker
 * (while no worker marks). */
TRI_INTERNAL void tri_gc_recover_grey(tri_gc_heap *h);
/* Scans grey objects until `budget` bytes are done or none is left; a
 * large or big object is scanned in pieces, so a step stays within
 * max(budget, TRI_GC_MIN_SCAN) bytes but for one object's tail of pointer
 * words no longer than that. */
#define TRI_GC_MIN_SCAN 256
/* Calls fn on every pointer slot in [from, to) of the object of g at obj,
 * for scanning, the verifier and tools; returns the bytes covered. */
typedef void tri_gc_slot_fn(tri_gc_heap *h, uintptr_t obj, uintptr_t *slot, void *arg);
TRI_INTERNAL uintptr_t tri_gc_for_each_slot(tri_gc_heap *h, tri_gcspan *g, uintptr_t obj, uintptr_t from,
                                            uintptr_t to, tri_gc_slot_fn *fn, void *arg);
static inline uintptr_t tri_gc_for_each_slot_of(tri_gc_heap *h, tri_gcspan *g, uintptr_t obj, tri_gc_slot_fn *fn,
                                                void *arg)
{
    return tri_gc_for_each_slot(h, g, obj, obj, obj + (g->large ? tri_gc_large_bytes(g) : g->elemsize), fn, arg);
}
/* The mutator's span cache forgets g, whose span goes back to the page heap
 * (the mutator releases it), or every span (a background sweeper released
 * some). A worker's cache forgets everything when it starts marking in a
 * new cycle (mark.epoch): spans go back only between marks. */
TRI_INTERNAL void tri_gc_span_cache_forget(tri_gc_heap *h, tri_gcspan *g);
TRI_INTERNAL void tri_gc_span_cache_forget_all(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_marker_forget_all(tri_gc_marker *m);
/* Scans grey objects with marker m until `budget` bytes are done or m and
 * the pool have none left (a background worker's loop, gcworker.c). */
TRI_INTERNAL size_t tri_gc_mark_with(tri_gc_marker *m, size_t budget);

/* --- gcworker.c: background mark workers -------------------------------------------------- */

struct tri_gc_worker;
/* The default number of workers (a core each, beyond the mutator's), and
 * of those dedicated (a quarter of the cores, at least one). */
TRI_INTERNAL unsigned tri_gc_workers_default(void);
TRI_INTERNAL unsigned tri_gc_workers_dedicated(void);
/* Starts the heap's workers if they are not yet; false when none runs. */
TRI_INTERNAL bool tri_gc_workers_start(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_workers_stop(tri_gc_heap *h);
/* Wakes parked workers, if any: grey work (or sweeping) waits. */
TRI_INTERNAL void tri_gc_workers_wake(tri_gc_heap *h);
/* Returns once no worker is busy (the termination stop's drain). */
TRI_INTERNAL void tri_gc_workers_wait_idle(tri_gc_heap *h);
/* Workers take no more work and finish what they hold (the pool may
 * drain): the mutator alone marks until resume (recovering overflowed
 * objects, the verifier's walk). */
TRI_INTERNAL void tri_gc_workers_pause(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_workers_resume(tri_gc_heap *h);

/* --- gcbarrier.c: the write barrier ---------------------------------------------------------- */

/* Sets head.barrier_on from the phase, the mode and the root scan. */
TRI_INTERNAL void tri_gc_barrier_update(tri_gc_heap *h);

/* --- gcpacer.c: the pacer -------------------------------------------------------------------- */

/* Plans the next cycle from the last mark: goal, trigger, expected work. */
TRI_INTERNAL void tri_gc_pacer_plan(tri_gc_heap *h);
/* Scan work per byte allocated, so that marking ends by the goal. */
TRI_INTERNAL void tri_gc_pacer_assist_ratio(tri_gc_heap *h);
/* Past the goal by 10%: where marking plans for the worst case. */
TRI_INTERNAL uint64_t tri_gc_pacer_hard_goal(const tri_gc_heap *h);
/* Sets pacer.limit: when allocation must next call tri_gc_pace. */
TRI_INTERNAL void tri_gc_repace(tri_gc_heap *h);
/* Allocation of `bytes` would take live past pacer.limit: start a cycle,
 * assist, or sweep, as due. */
TRI_INTERNAL void tri_gc_pace(tri_gc_heap *h, size_t bytes);

/* --- gcsweep.c: the heap's spans and sweeping -------------------------------------------------- */

/* The heap's span holding p, or NULL (through the span map). */
TRI_INTERNAL tri_gcspan *tri_gc_span_of(tri_gc_heap *h, uintptr_t p);
/* A new span of npages for nelems objects of elemsize bytes of span class
 * spc (a large object: large, spc its noscan bit); NULL past max_heap or
 * out of memory. */
TRI_INTERNAL tri_gcspan *tri_gc_span_new(tri_gc_heap *h, unsigned spc, uintptr_t npages, size_t nelems,
                                         size_t elemsize, bool large);
/* A span of class spc with a free object, off every list: swept partial
 * spans first, then unswept ones, swept now (lazy sweeping), then a new one. */
TRI_INTERNAL tri_gcspan *tri_gc_span_for_alloc(tri_gc_heap *h, unsigned spc);
/* Files a span swept this cycle on its list `which` (TRI_GC_LIST_...): a
 * span allocation let go of, or a large object's new span. */
TRI_INTERNAL void tri_gc_span_file(tri_gc_heap *h, tri_gcspan *g, int which);
TRI_INTERNAL int tri_gc_sweep_one(tri_gc_heap *h, size_t *bytes);
/* Sweeps every span not yet swept, and waits for the background sweeper's. */
TRI_INTERNAL void tri_gc_sweep_all(tri_gc_heap *h);
/* A background worker's sweeping: spans until none is left unswept. */
TRI_INTERNAL void tri_gc_sweep_background(tri_gc_heap *h);
/* Before the mutator looks at spans or objects outside marking (the
 * introspection calls, the verifier, finalizers and weak references):
 * sweeping is finished, so that no span changes or goes under it. */
TRI_INTERNAL void tri_gc_sweep_finish_slow(tri_gc_heap *h);
static inline void tri_gc_sweep_wait(tri_gc_heap *h)
{
    if (h->spans.background)
        tri_gc_sweep_finish_slow(h);
}
/* Mark termination: every span becomes unswept. */
TRI_INTERNAL void tri_gc_begin_sweep(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_release_all(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_for_each_gcspan(tri_gc_heap *h, void (*fn)(tri_gc_heap *, tri_gcspan *, void *), void *arg);

/* --- gcalloc.c: allocation -------------------------------------------------------------------- */

/* At creation, once the config is read: whether the fast paths are on. */
TRI_INTERNAL void tri_gc_alloc_init(tri_gc_heap *h);
/* Mark termination: the span caches give back the slots they took and did
 * not hand out, and let go of their spans. */
TRI_INTERNAL void tri_gc_alloc_flush_caches(tri_gc_heap *h);
/* Mark setup: the slots caches hold will be allocated black. */
TRI_INTERNAL void tri_gc_alloc_blacken_caches(tri_gc_heap *h);
/* Slots the caches hold and have counted as allocated: for exact reads. */
TRI_INTERNAL void tri_gc_alloc_unhanded(const tri_gc_heap *h, uint64_t *objects, uint64_t *bytes);
/* g's allocated objects (nalloc, less what its cache holds). */
TRI_INTERNAL uint32_t tri_gc_span_allocated(const tri_gc_heap *h, const tri_gcspan *g);

/* --- gcfinal.c: finalizers and weak references ------------------------------------------------- */

/* Mark termination: finalizers of unreachable objects queued, their objects
 * shaded; weak references to unreachable objects cleared. */
TRI_INTERNAL void tri_gc_queue_finalizers(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_clear_weak(tri_gc_heap *h);
/* Marking: the objects waiting for their finalizer, and those whose
 * finalizer runs now, are roots. */
TRI_INTERNAL void tri_gc_shade_final_queue(tri_gc_heap *h);
TRI_INTERNAL void tri_gc_final_free_all(tri_gc_heap *h);

#endif
