/*
 * tricolor: a thread-caching memory allocator in the style of Go's runtime
 * and TCMalloc.
 *
 * Memory is managed in 8 KiB pages. Runs of pages form spans; a span either
 * holds one large object (over 32 KiB) or is cut into equal objects of one
 * of 67 size classes. A request is served by the calling thread's cache
 * without locks; a miss moves a batch of objects from the size class's
 * central list; the central list takes whole spans from the page heap; the
 * page heap takes address space from the operating system in 64 MiB arenas
 * and gives idle pages back.
 *
 * All functions are thread-safe. The tri_ functions behave as their C
 * library namesakes; libtricolor-preload.so exports them under the C names.
 */
#ifndef TRICOLOR_H
#define TRICOLOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define TRI_API __attribute__((visibility("default")))
#else
#define TRI_API
#endif

#define TRI_VERSION "0.1.0"
#define TRI_NUM_SIZE_CLASSES 67 /* class 0 stands for large objects */

/* --- allocation --------------------------------------------------------- */

/* On failure these return NULL and set errno to ENOMEM (EINVAL for a bad
 * alignment). Freeing a pointer tricolor did not hand out, a pointer into
 * the middle of an object, or an object that is already free is reported
 * on stderr and aborts the program where the metadata makes it detectable. */
TRI_API void *tri_malloc(size_t size);
TRI_API void tri_free(void *ptr);
TRI_API void *tri_calloc(size_t count, size_t size);
TRI_API void *tri_realloc(void *ptr, size_t size);
TRI_API void *tri_reallocarray(void *ptr, size_t count, size_t size);
TRI_API void *tri_aligned_alloc(size_t alignment, size_t size);   /* alignment: a power of two */
TRI_API int tri_posix_memalign(void **out, size_t alignment, size_t size); /* returns 0, EINVAL or ENOMEM */
TRI_API size_t tri_usable_size(const void *ptr);                   /* 0 for NULL */

/* --- memory returned to the operating system ---------------------------- */

/* Flushes the calling thread's cache and gives every free page back to the
 * operating system now. Returns the bytes released by this call. */
TRI_API size_t tri_release_idle_memory(void);

/* Free pages are given back automatically when they have been free for
 * delay_ms, or after an eighth of it while the free pages still held exceed
 * what the program's recent peak (over the last one to two delays) needs
 * plus retain_percent of the bytes in use (and at least 4 MiB): pages freed
 * and reused within that eighth are never given back in between. Defaults:
 * 1000 ms and 25%; the environment variables TRI_RELEASE_DELAY_MS and
 * TRI_RETAIN_PERCENT set them at start-up. A delay of 0 releases pages as
 * soon as they are free. */
TRI_API void tri_set_release_policy(unsigned delay_ms, unsigned retain_percent);

/* Gives the calling thread's cached objects back to the central lists. */
TRI_API void tri_thread_flush(void);

/* --- statistics ---------------------------------------------------------- */

enum tri_level {
    TRI_LEVEL_THREAD_CACHE, /* served by the thread's own cache */
    TRI_LEVEL_CENTRAL,      /* a batch from a size class's central list */
    TRI_LEVEL_PAGE_HEAP,    /* a span from free pages */
    TRI_LEVEL_OS,           /* the page heap had to grow */
    TRI_NUM_LEVELS
};

typedef struct tri_class_stats {
    uint32_t object_size;   /* bytes per object */
    uint32_t span_bytes;    /* bytes per span */
    uint32_t objects_per_span;
    uint64_t spans;         /* spans of this class in use */
    uint64_t objects;       /* objects held by the program */
    uint64_t cached;        /* objects held by thread caches */
    uint64_t mallocs;       /* requests served from this class */
} tri_class_stats;

typedef struct tri_stats {
    /* Bytes of address space, by state. reserved: taken from the OS.
     * committed: pages that may be backed by memory (in use, or free and
     * not yet given back). released: free pages given back to the OS or
     * never touched. in_use: pages in spans. metadata: tricolor's own
     * tables. reserved >= committed + released. */
    uint64_t reserved, committed, released, in_use, metadata;
    uint64_t large_objects, large_bytes;  /* objects over 32 KiB */
    uint64_t small_bytes;                 /* bytes of small objects held by the program */
    uint64_t release_calls, released_total; /* madvise calls, bytes given back over time */
    uint64_t hits[TRI_NUM_LEVELS];        /* allocations served at each level */
    uint64_t threads;                     /* live thread caches */
    uint64_t arenas;
    tri_class_stats classes[TRI_NUM_SIZE_CLASSES];
} tri_stats;

/* Fills *out. Thread-cache figures of other threads are as of their last
 * exchange with the central lists; the calling thread's are exact. */
TRI_API void tri_get_stats(tri_stats *out);

/* Writes a readable report of tri_get_stats to the file descriptor. */
TRI_API void tri_print_stats(int fd);

/* Every page the heap has reserved, in runs of one state: a tool's map of
 * memory. Runs come arena by arena, in address order within an arena. */
enum tri_page_state {
    TRI_PAGES_FREE,      /* free, still backed by memory */
    TRI_PAGES_RELEASED,  /* free and given back to the OS (on wasm: kept, reused first) */
    TRI_PAGES_SMALL,     /* a span of malloc's small objects */
    TRI_PAGES_LARGE,     /* one object of malloc's over 32 KiB */
    TRI_PAGES_GC,        /* a span of a garbage-collected heap */
    TRI_PAGES_RESERVED,  /* address space not yet made accessible */
    TRI_NUM_PAGE_STATES
};
typedef struct tri_page_run {
    uintptr_t base, arena;     /* first byte; the base of its arena */
    size_t npages;
    enum tri_page_state state;
    unsigned sizeclass;        /* SMALL and GC spans of small objects; 0 otherwise */
    unsigned spanclass;        /* SMALL and GC: size class << 1 | noscan (a GC large object: noscan) */
    size_t objects, allocated; /* SMALL and GC: object slots and those taken */
    const void *owner;         /* GC: its tri_gc_heap; else NULL */
} tri_page_run;
/* fn runs under the page heap's lock: it must not allocate. */
TRI_API void tri_for_each_page_run(void (*fn)(const tri_page_run *, void *), void *arg);
#if defined(__wasm__)
/* The end of the linear memory tricolor has taken so far (arenas and
 * metadata); above it the memory is not used yet. */
TRI_API uintptr_t tri_os_heap_end(void);
#endif

/* The size-class table: object size, span pages and objects per span of
 * class c (1..66); returns 0 for a class out of range. */
TRI_API int tri_size_class_info(unsigned c, uint32_t *object_size, uint32_t *span_pages, uint32_t *objects);
/* The class that serves a request of `size` bytes (0 when it is large). */
TRI_API unsigned tri_size_class_of(size_t size);


/* ===== the garbage-collected heap =========================================
 *
 * An incremental tri-color mark-sweep collector on the allocator above: the
 * same pages, spans and size classes, scan span classes for objects with
 * pointers and noscan ones for the rest. A heap is driven by one mutator
 * thread at a time; several heaps may run in parallel threads. Objects are
 * found through precise roots (global slots and shadow-stack frames) and,
 * if asked, a conservative scan of the mutator's stack.
 *
 * Every store of a pointer into a heap object goes through tri_gc_write (the
 * write barrier). Stores into roots need none.
 */

typedef struct tri_gc_heap tri_gc_heap;

/* What an object holds: size bytes, of which the first ptr_words words
 * (pointer-sized: 8 bytes natively, 4 on wasm32) are described by ptrmap
 * (bit i set: word i is a pointer into the heap or NULL). ptrmap NULL with
 * ptr_words > 0 means all of those words are pointers. ptr_words 0: no
 * pointers; the object is never scanned. With pointers, size must be a
 * multiple of the word. */
typedef struct tri_type {
    const char *name;
    size_t size;
    size_t ptr_words;
    const uint64_t *ptrmap;
} tri_type;

enum tri_gc_barrier {
    TRI_BARRIER_HYBRID,   /* Go 1.8: shade the old value, and the new one until roots are scanned (default) */
    TRI_BARRIER_DIJKSTRA, /* insertion: shade the new value; roots rescanned at mark termination */
    TRI_BARRIER_YUASA,    /* deletion: shade the old value; roots snapshotted at mark setup */
    TRI_BARRIER_NONE,     /* no barrier: incorrect, for showing why barriers exist */
    TRI_NUM_BARRIERS
};

enum tri_gc_phase {
    TRI_GC_OFF,
    TRI_GC_MARK_SETUP,       /* a stop: roots greyed, barrier on */
    TRI_GC_MARK,             /* incremental marking */
    TRI_GC_MARK_TERMINATION, /* a stop: marking finished */
    TRI_GC_SWEEP,            /* lazy sweeping */
    TRI_NUM_PHASES
};

enum tri_gc_color { TRI_FREE, TRI_WHITE, TRI_GREY, TRI_BLACK };

struct tri_gc_event; /* below, with the introspection */

#define TRI_GC_NO_WORKERS (-1)

typedef struct tri_gc_config {
    int gogc;                  /* heap growth percentage; < 0: no automatic cycles. 0 takes TRI_GOGC or 100 */
    uint64_t memory_limit;     /* soft limit in bytes; 0 takes TRI_MEMLIMIT or none */
    enum tri_gc_barrier barrier;
    int conservative_stack;    /* also scan the mutator's stack and registers (native only) */
    int verify;                /* check the heap at every mark termination (see tri_gc_verify) */
    int stress;                /* 1: a mark step at every allocation; 2: a whole cycle */
    int stop_the_world;        /* run each cycle to its end when it starts: one stop, no steps */
    size_t step_bytes;         /* scan work of one incremental step (0: 64 KiB) */
    size_t min_heap;           /* the smallest goal at GOGC=100, scaled by GOGC as Go's heapMinimum (0: 4 MiB) */
    /* Background mark workers: threads that mark while the program runs.
     * 0 takes TRI_GCPROCS, or one per core beyond the first (at most 8; none
     * on one core or in WebAssembly); N > 0 that many; TRI_GC_NO_WORKERS
     * none: the incremental collector, marking on the mutator's thread
     * alone. A heap that records events marks on the mutator's thread. */
    int workers;
    /* Of the workers, those that run as any thread does (Go's dedicated
     * workers): 0 takes a quarter of the cores, at least one. The others
     * run only when a core would otherwise idle (SCHED_IDLE), so they
     * never take a core from the program. TRI_GCPROCS=N:D sets both. */
    int dedicated_workers;
    size_t events;             /* event ring capacity, a power of two (0: no events) */
    /* Which kinds of event the ring records: a mask of TRI_EV_BIT(kind); 0
     * records all. Recording any event about single objects (alloc, grey,
     * black, barrier, free, span-return) makes the heap mark and sweep on
     * the mutator's thread alone, in one order; the others (phases, the
     * pacer, stops, steps...) leave the background workers on: enough for
     * pause logs and minimum mutator utilisation. */
    uint32_t event_kinds;
    /* Called with every event, in batches, before the ring would overwrite
     * it (and by tri_gc_flush_events), for tools that keep them all. */
    void (*event_sink)(const struct tri_gc_event *events, size_t count, void *arg);
    void *event_sink_arg;
} tri_gc_config;

/* NULL config: defaults. Returns NULL with errno ENOMEM on failure. */
TRI_API tri_gc_heap *tri_gc_create(const tri_gc_config *config);
/* Frees every object (running no finalizers) and the heap itself. */
TRI_API void tri_gc_destroy(tri_gc_heap *h);
/* The thread calling this becomes the heap's mutator (for stack scanning). */
TRI_API void tri_gc_attach_thread(tri_gc_heap *h);

/* Allocation. Objects are zeroed. Returns NULL with errno ENOMEM when even
 * a full collection cannot make room (or the size overflows). */
TRI_API void *tri_gc_alloc(tri_gc_heap *h, const tri_type *type);
TRI_API void *tri_gc_alloc_array(tri_gc_heap *h, const tri_type *elem, size_t count);
TRI_API void *tri_gc_alloc_noscan(tri_gc_heap *h, size_t size); /* under 16 B: the tiny allocator */

/* Roots: slots the collector reads pointers from. */
TRI_API int tri_gc_add_roots(tri_gc_heap *h, void **slots, size_t count);   /* 0, or -1 (ENOMEM) */
TRI_API int tri_gc_remove_roots(tri_gc_heap *h, void **slots);              /* 0, or -1 if unknown */

/* Shadow stack: a frame is `count` pointer slots on the C stack, pushed and
 * popped in LIFO order:
 *     void *locals[2] = {0};
 *     tri_gc_frame f;
 *     tri_gc_push_frame(h, &f, locals, 2);
 *     ...
 *     tri_gc_pop_frame(h, &f);                                              */
typedef struct tri_gc_frame {
    struct tri_gc_frame *prev;
    void **slots;
    size_t count;
} tri_gc_frame;

/* The start of every heap, read by the inline functions below. barrier_on
 * says which stores the barrier's slow path must see: none (0), every one
 * (TRI_GC_BARRIER_ALL), or only those that overwrite a pointer
 * (TRI_GC_BARRIER_OVERWRITES: a deletion barrier has nothing to do when the
 * old value is NULL). */
#define TRI_GC_BARRIER_ALL 1
#define TRI_GC_BARRIER_OVERWRITES 2
struct tri_gc_heap_head {
    int barrier_on;
    tri_gc_frame *frames;
};

TRI_API void tri_gc_frame_error(tri_gc_heap *h, tri_gc_frame *f);
static inline void tri_gc_push_frame(tri_gc_heap *h, tri_gc_frame *f, void **slots, size_t count)
{
    struct tri_gc_heap_head *head = (struct tri_gc_heap_head *)h;
    f->prev = head->frames;
    f->slots = slots;
    f->count = count;
    head->frames = f;
}
static inline void tri_gc_pop_frame(tri_gc_heap *h, tri_gc_frame *f)
{
    struct tri_gc_heap_head *head = (struct tri_gc_heap_head *)h;
    if (__builtin_expect(head->frames != f, 0))
        tri_gc_frame_error(h, f); /* frames must be popped in LIFO order: aborts */
    head->frames = f->prev;
}

/* The write barrier: *slot = value, for every store of a pointer into a
 * heap object. While no marking runs it costs one predictable branch.
 *
 * tri_gc_write takes the address of the field being written, typed:
 *     tri_gc_write(h, &parent->left, child);
 * Passing the object instead of the slot (tri_gc_write(h, parent->left,
 * child)), or the address of anything but a pointer, is a compile-time
 * error, not a corrupted heap; a value the field cannot hold gets the
 * diagnostic the plain assignment would. No argument is evaluated twice. tri_gc_write_slot is the same for callers
 * that have only a void ** (generated code, bindings). */
TRI_API void tri_gc_write_slow(tri_gc_heap *h, void **slot, void *value);
/* The store is atomic (relaxed: a plain store in the instructions), as the
 * collector's background workers may read the slot while they mark. */
static inline void tri_gc_write_slot(tri_gc_heap *h, void **slot, void *value)
{
    int on = ((struct tri_gc_heap_head *)h)->barrier_on;
    if (__builtin_expect(on, 0) && (on == TRI_GC_BARRIER_ALL || __atomic_load_n(slot, __ATOMIC_RELAXED) != NULL))
        tri_gc_write_slow(h, slot, value);
    else
        __atomic_store_n(slot, value, __ATOMIC_RELAXED);
}
/* The unevaluated sizeofs are the type checks: **(slot) needs a pointer to
 * a pointer, and the assignment a field that can hold the value. */
#define tri_gc_write(h, slot, value)                                                                     \
    tri_gc_write_slot((h), (void **)(slot) + 0 * sizeof(&**(slot)) + 0 * sizeof(*(slot) = (value)), (value))

/* Collection. */
TRI_API void tri_gc_collect(tri_gc_heap *h);               /* a full stop-the-world cycle, then finalizers */
TRI_API int tri_gc_start_cycle(tri_gc_heap *h);            /* mark setup now; 0 if a cycle runs already */
/* About `budget` bytes of marking or sweeping work, moving to the next
 * phase when one is done; returns the work done (at least 1 while a cycle
 * runs). Marking scans objects a piece at a time, so a step's marking is
 * at most max(budget, 256) bytes of scanning plus the pointer words of one
 * piece; sweeping takes whole spans (at least one). Finalizers the step's
 * cycle queued run before it returns (see below). */
TRI_API size_t tri_gc_step(tri_gc_heap *h, size_t budget);
TRI_API void tri_gc_finish_cycle(tri_gc_heap *h);          /* run the current cycle to its end, then finalizers */
TRI_API enum tri_gc_phase tri_gc_phase(const tri_gc_heap *h);

/* Settings. */
TRI_API void tri_gc_set_gogc(tri_gc_heap *h, int gogc);    /* < 0: off */
TRI_API void tri_gc_set_memory_limit(tri_gc_heap *h, uint64_t bytes); /* 0: none */
/* A hard limit on the bytes of the heap's spans (0: none). An allocation
 * that would pass it runs a full collection first, and returns NULL with
 * errno ENOMEM if there is still no room; the heap stays usable. (The
 * memory limit above is soft: it paces cycles, never fails allocation, and
 * gives way to the CPU limiter when the live heap is above it; see
 * tri_gc_stats.) */
TRI_API void tri_gc_set_max_heap(tri_gc_heap *h, uint64_t bytes);
TRI_API int tri_gc_set_barrier(tri_gc_heap *h, enum tri_gc_barrier mode); /* -1 while marking */
TRI_API const char *tri_gc_barrier_name(enum tri_gc_barrier mode);
TRI_API const char *tri_gc_phase_name(enum tri_gc_phase phase);

/* Finalizers. A finalizer runs once, with its object's address, after a
 * cycle finds the object unreachable. The object, and everything it
 * reaches, stays allocated until the finalizer has returned, however many
 * cycles run meanwhile (one the finalizer starts itself included), and
 * after that while anything the finalizer stored it into keeps it
 * reachable; a later cycle that finds it unreachable frees it, without
 * running the finalizer again. Passing fn NULL removes an object's
 * finalizer.
 *
 * When they run. A cycle queues the finalizers of the objects it found
 * unreachable; they run, on the calling thread, only in
 *   - tri_gc_run_finalizers, and
 *   - tri_gc_collect, tri_gc_finish_cycle and tri_gc_step, the calls with
 *     which the program drives a cycle itself, as they return;
 * never inside allocation (a cycle the pacer runs there only queues them),
 * the write barrier or any other call, so a program holding a lock or a
 * half-built object when it allocates is never re-entered. A program that
 * leaves every cycle to the pacer calls tri_gc_run_finalizers where it
 * suits it (Go and Java run them on a thread of their own);
 * tri_gc_stats.finalizers_queued says how many wait, and their objects stay
 * allocated until then. A finalizer may allocate, collect and set
 * finalizers; finalizers queued meanwhile run in the same call.
 *
 * Weak references. tri_gc_weak_get returns the target, or NULL once a
 * cycle found it unreachable (before its finalizer, if any, runs: a
 * weak reference never brings back an object kept only for its
 * finalizer). While a cycle marks, tri_gc_weak_get shades the target, so
 * the pointer it returns may be stored anywhere; tri_gc_weak_peek returns
 * the same without shading, for tools that only look (inspectors,
 * debuggers, tests): it keeps nothing alive, and its result must not be
 * stored into the heap or a root.
 *
 * Tiny objects. Objects under 16 bytes without pointers (tri_gc_alloc_noscan,
 * or a type under 16 bytes with no pointer words) are packed into shared
 * 16-byte blocks, and the collector knows the block, not the object. A
 * finalizer or weak reference on such an object takes any address inside
 * it, and applies to its block: the finalizer runs, and the weak reference
 * reads NULL, once no object of the block is reachable, which may be later
 * than for the object alone, or never while a block-mate stays reachable
 * (as in Go). A weak reference never returns freed or reused memory: the
 * block is freed only after every weak reference into it reads NULL.
 *
 * Errors: EINVAL for an address that is not an object of the heap (not its
 * start, but in a tiny block), ENOMEM. */
typedef void (*tri_gc_finalizer)(void *object, void *arg);
TRI_API int tri_gc_set_finalizer(tri_gc_heap *h, void *object, tri_gc_finalizer fn, void *arg);
/* Runs the queued finalizers; returns how many ran. */
TRI_API size_t tri_gc_run_finalizers(tri_gc_heap *h);
typedef struct tri_gc_weak tri_gc_weak;
TRI_API tri_gc_weak *tri_gc_weak_new(tri_gc_heap *h, void *object);
TRI_API void *tri_gc_weak_get(tri_gc_heap *h, tri_gc_weak *w);
TRI_API void *tri_gc_weak_peek(tri_gc_heap *h, const tri_gc_weak *w);
TRI_API void tri_gc_weak_free(tri_gc_heap *h, tri_gc_weak *w);

/* The verifier. Run at mark termination (config.verify) it checks that no
 * black object points to a white one, that nothing is left grey, and that
 * every object reachable from the roots is marked; at other times, that
 * every object reachable from the roots is allocated. Returns the number of
 * violations and keeps the first few.
 *
 * Reports of runs at mark termination are kept apart from those of
 * tri_gc_verify calls: tri_gc_last_verify returns the latest run at mark
 * termination (a zeroed report before the first), which no tri_gc_verify
 * call overwrites; and each such report that found violations is also kept
 * until tri_gc_take_verify_report takes it, oldest first (returns 1, or 0
 * when none is left). Eight wait at most: past that the oldest is dropped
 * and counted in tri_gc_stats.verify_reports_dropped. */
typedef struct tri_gc_violation {
    uintptr_t object, slot, target;
    const char *what;
} tri_gc_violation;
typedef struct tri_gc_verify_report {
    uint64_t cycle;
    size_t violations;
    size_t objects_checked;
    tri_gc_violation first[8];
} tri_gc_verify_report;
TRI_API size_t tri_gc_verify(tri_gc_heap *h, tri_gc_verify_report *out);
TRI_API const tri_gc_verify_report *tri_gc_last_verify(const tri_gc_heap *h);
TRI_API int tri_gc_take_verify_report(tri_gc_heap *h, tri_gc_verify_report *out);

/* --- introspection ------------------------------------------------------- */

typedef struct tri_gc_span_info {
    uintptr_t base;
    size_t npages;
    unsigned sizeclass;        /* 0: a large object */
    unsigned spanclass;
    int noscan;
    int swept;                 /* swept in this cycle (always 1 outside sweeping) */
    size_t object_size, objects, allocated;
    const uint64_t *allocbits; /* 1 bit per object */
    const uint64_t *markbits;
    const uint64_t *greybits;  /* marked but not yet scanned (exact only on some heaps: see tri_gc_color_of) */
} tri_gc_span_info;
TRI_API void tri_gc_for_each_span(tri_gc_heap *h, void (*fn)(const tri_gc_span_info *, void *), void *arg);
TRI_API void tri_gc_for_each_object(tri_gc_heap *h, void (*fn)(void *object, size_t size, enum tri_gc_color, void *),
                                    void *arg);
/* An object's colour (TRI_FREE if p is not an object). Grey is told from
 * black exactly while marking only on a heap that records object events
 * or runs the verifier, and marks on its own thread: grey bits cost
 * marking a sixth of its work, so other heaps keep none, and an object
 * waiting on the grey list reads as black there. White, and black once
 * marking is done, are exact on every heap. */
TRI_API enum tri_gc_color tri_gc_color_of(tri_gc_heap *h, const void *p);
/* Calls fn for every pointer slot of the object holding p (NULL slots too). */
TRI_API void tri_gc_for_each_pointer(tri_gc_heap *h, const void *p, void (*fn)(void **slot, void *target, void *),
                                     void *arg);
/* Calls fn for every root slot: global roots, then frames from the top. */
TRI_API void tri_gc_for_each_root(tri_gc_heap *h, void (*fn)(void **slot, void *target, void *), void *arg);
/* The object containing p (interior pointers too) and its size, or NULL. */
TRI_API void *tri_gc_object_of(tri_gc_heap *h, const void *p, size_t *size);

enum tri_gc_event_kind {
    TRI_EV_PHASE,      /* arg: new phase; a: cycle */
    TRI_EV_ALLOC,      /* a: object, b: size; arg: 1 if allocated black */
    TRI_EV_GREY,       /* a: object */
    TRI_EV_BLACK,      /* a: object (scanned, or noscan and shaded) */
    TRI_EV_BARRIER,    /* arg: mode; a: slot, b: old, c: new, d: 1 old shaded, 2 new shaded (3 both) */
    TRI_EV_FREE,       /* a: object, b: size (freed by sweep) */
    TRI_EV_SPAN_TAKE,  /* a: span base, b: pages; arg: spanclass */
    TRI_EV_SPAN_RETURN,/* a: span base, b: pages; arg: spanclass */
    TRI_EV_PACER,      /* a: heap goal, b: trigger, c: marked bytes, d: assist ratio x 1000 */
    TRI_EV_STOP,       /* arg: phase of the stop; a: duration ns */
    TRI_EV_STEP,       /* arg: 1 assist, 0 explicit; a: duration ns, b: work done */
    TRI_EV_FINALIZE,   /* a: object */
    TRI_EV_WEAK_CLEAR, /* a: former target */
    TRI_EV_VIOLATION,  /* a: object, b: slot, c: target */
    TRI_NUM_EVENT_KINDS
};
#define TRI_EV_BIT(kind) (1u << (kind))
/* The events about single objects, which only a single-threaded heap
 * records (tri_gc_config.event_kinds). */
#define TRI_EV_OBJECT_KINDS                                                                                   \
    (TRI_EV_BIT(TRI_EV_ALLOC) | TRI_EV_BIT(TRI_EV_GREY) | TRI_EV_BIT(TRI_EV_BLACK) | TRI_EV_BIT(TRI_EV_BARRIER) | \
     TRI_EV_BIT(TRI_EV_FREE) | TRI_EV_BIT(TRI_EV_SPAN_RETURN))
typedef struct tri_gc_event {
    uint32_t kind, arg;
    uint64_t time_ns;          /* since the heap was created */
    uint64_t a, b, c, d;
} tri_gc_event;
/* The event ring: capacity records; event number n (counting from 0) is at
 * ring[n & (capacity - 1)]; *written is the number written so far. Older
 * events are overwritten. NULL when events are off. */
TRI_API const tri_gc_event *tri_gc_events(const tri_gc_heap *h, size_t *capacity, uint64_t *written);
TRI_API const char *tri_gc_event_name(enum tri_gc_event_kind kind);
/* Hands the events not yet delivered to the config's event_sink. */
TRI_API void tri_gc_flush_events(tri_gc_heap *h);

typedef struct tri_gc_pause_stats {
    uint64_t count, total_ns, max_ns;
    uint64_t p50_ns, p90_ns, p99_ns;
} tri_gc_pause_stats;

typedef struct tri_gc_stats {
    uint64_t cycles;
    enum tri_gc_phase phase;
    enum tri_gc_barrier barrier;
    uint64_t heap_live;        /* bytes marked by the last cycle plus bytes allocated since
                                  (garbage still to be swept does not count) */
    uint64_t heap_marked;      /* bytes marked by the last completed mark */
    uint64_t heap_goal, trigger;
    uint64_t heap_spans;       /* bytes in the heap's spans */
    uint64_t objects;          /* allocated objects (each tiny object counts; kept as the heap changes) */
    uint64_t allocated_total, freed_total; /* bytes over the heap's life */
    uint64_t allocations;      /* objects over the heap's life */
    /* How allocations were served, as tri_stats.hits: from the span the
     * heap allocates from (THREAD_CACHE, Go's mcache), a partial span of
     * the heap's own lists (CENTRAL, swept now if need be), a span of free
     * pages (PAGE_HEAP), or pages the page heap grew for (OS). */
    uint64_t served[TRI_NUM_LEVELS];
    uint64_t scan_work_total, assist_work_total;
    uint64_t barrier_hits[TRI_NUM_BARRIERS]; /* barrier calls that did work, per mode */
    uint64_t gc_ns, wall_ns;   /* the mutator's time in the collector, and since creation */
    /* Collector CPU time by who spent it, as Go's gctrace splits it: the
     * mutator's assists (part of gc_ns), background workers that mark
     * whenever grey work waits, and idle workers that mark only when a core
     * would be idle (SCHED_IDLE); the last two on threads of their own. */
    uint64_t assist_ns, background_ns, idle_ns;
    tri_gc_pause_stats stops, steps;
    uint64_t finalizers_run, weak_cleared;
    uint64_t finalizers_queued;  /* found unreachable, waiting for tri_gc_run_finalizers or a collection */
    uint64_t verify_reports_dropped;
    /* The CPU limiter: while the collector has taken more than about half
     * the time (a soft memory limit below the live heap, say), no cycle
     * starts and allocation pays no assists, so the program keeps running
     * and the heap grows past the limit instead (Go's GC CPU limiter). */
    int cpu_limited;             /* on now */
    uint64_t cpu_limited_ns, cpu_limited_count; /* time it was on, and how often it came on */
    int gogc;
    uint64_t memory_limit;
    uint64_t max_heap;         /* tri_gc_set_max_heap; 0: none */
    int workers, dedicated_workers; /* background workers in effect (config, TRI_GCPROCS, the cores) */
} tri_gc_stats;
TRI_API void tri_gc_get_stats(tri_gc_heap *h, tri_gc_stats *out);

#ifdef __cplusplus
}
#endif
#endif
