/*
 * The records the JavaScript side reads from the module's memory, and the
 * names it gives to the runtime's enums: the one definition both sides are
 * built from.
 *
 * wasm/bindings.c fills its records from these lists; wasm/mklayout.c, a
 * native program the Makefile runs at build time, prints them as an ES
 * module (build/emscripten/tricolor-layout.mjs) that wasm/tricolor.mjs and
 * the visualiser import. A field added, removed or moved here moves on
 * both sides at once; a count that no longer matches tricolor.h stops the
 * build (the checks below and in mklayout.c).
 *
 * Each list is an X-macro: X(js, c) names a field in JavaScript (camelCase)
 * and says where the C side takes it from. Records of 32-bit words hold
 * one word per field unless a list gives a width.
 */
#ifndef TRICOLOR_WASM_LAYOUT_H
#define TRICOLOR_WASM_LAYOUT_H

#include "tricolor.h"

/* The page the allocator manages memory in; mklayout checks it against
 * the size-class table (every class packs floor(pages * page / size)
 * objects). */
#define TRI_JS_PAGE_SIZE 8192

/* --- statistics: records of doubles ------------------------------------------------ */

/* tri_js_stats: these fields of tri_stats, then TRI_JS_CLASS_STATS for
 * each size class from 1 to TRI_NUM_SIZE_CLASSES - 1. */
#define TRI_JS_STATS(X)                                                                                      \
    X(reserved, reserved) X(committed, committed) X(released, released) X(inUse, in_use)                     \
    X(metadata, metadata) X(largeObjects, large_objects) X(largeBytes, large_bytes)                          \
    X(smallBytes, small_bytes) X(releasedTotal, released_total)                                              \
    X(hitsThreadCache, hits[TRI_LEVEL_THREAD_CACHE]) X(hitsCentral, hits[TRI_LEVEL_CENTRAL])                  \
    X(hitsPageHeap, hits[TRI_LEVEL_PAGE_HEAP]) X(hitsOS, hits[TRI_LEVEL_OS]) X(arenas, arenas)

#define TRI_JS_CLASS_STATS(X) X(spans, spans) X(objects, objects) X(mallocs, mallocs)

/* tri_js_gc_stats: these fields of tri_gc_stats. */
#define TRI_JS_GC_STATS(X)                                                                                   \
    X(cycles, cycles) X(phase, phase) X(barrier, barrier) X(heapLive, heap_live)                             \
    X(heapMarked, heap_marked) X(heapGoal, heap_goal) X(trigger, trigger) X(heapSpans, heap_spans)            \
    X(objects, objects) X(allocatedTotal, allocated_total) X(freedTotal, freed_total)                        \
    X(scanWorkTotal, scan_work_total) X(assistWorkTotal, assist_work_total)                                  \
    X(barrierHybrid, barrier_hits[TRI_BARRIER_HYBRID]) X(barrierDijkstra, barrier_hits[TRI_BARRIER_DIJKSTRA]) \
    X(barrierYuasa, barrier_hits[TRI_BARRIER_YUASA]) X(barrierNone, barrier_hits[TRI_BARRIER_NONE])          \
    X(gcNs, gc_ns) X(wallNs, wall_ns)                                                                        \
    X(stops, stops.count) X(stopP50Ns, stops.p50_ns) X(stopP99Ns, stops.p99_ns) X(stopMaxNs, stops.max_ns)   \
    X(steps, steps.count) X(stepP50Ns, steps.p50_ns) X(stepP99Ns, steps.p99_ns) X(stepMaxNs, steps.max_ns)   \
    X(finalizersRun, finalizers_run) X(weakCleared, weak_cleared) X(gogc, gogc)                              \
    X(memoryLimit, memory_limit) X(maxHeap, max_heap) X(allocations, allocations)                            \
    X(servedCache, served[TRI_LEVEL_THREAD_CACHE]) X(servedCentral, served[TRI_LEVEL_CENTRAL])                \
    X(servedPageHeap, served[TRI_LEVEL_PAGE_HEAP]) X(servedOS, served[TRI_LEVEL_OS])                         \
    X(finalizersQueued, finalizers_queued) X(verifyReportsDropped, verify_reports_dropped)                    \
    X(cpuLimited, cpu_limited) X(cpuLimitedNs, cpu_limited_ns) X(cpuLimitedCount, cpu_limited_count)

/* --- tables: records of 32-bit words ------------------------------------------------- */

/* tri_js_spans: a record per span of a collected heap, from tri_gc_span_info. */
#define TRI_JS_SPAN(X)                                                                                       \
    X(base, base) X(pages, npages) X(sizeClass, sizeclass) X(spanClass, spanclass) X(noscan, noscan)          \
    X(swept, swept) X(objectSize, object_size) X(objects, objects) X(allocated, allocated)                    \
    X(allocBits, allocbits) X(markBits, markbits) X(greyBits, greybits)

/* tri_js_pages: a record per run of pages in one state, from tri_page_run. */
#define TRI_JS_PAGE_RUN(X)                                                                                   \
    X(base, base) X(arena, arena) X(pages, npages) X(state, state) X(sizeClass, sizeclass)                   \
    X(spanClass, spanclass) X(objects, objects) X(allocated, allocated)

/* tri_js_objects: a record per object of a collected heap, from the
 * arguments of tri_gc_for_each_object's callback. */
#define TRI_JS_OBJECT(X) X(address, object) X(size, size) X(colour, color)

/* tri_js_pointers and tri_js_roots: a record per pointer slot. */
#define TRI_JS_POINTER(X) X(slot, slot) X(target, target)

/* tri_js_events: where the event ring is and how much has been written. */
#define TRI_JS_EVENT_RING(X) X(ring, ring) X(capacity, capacity) X(writtenLow, written) X(writtenHigh, written >> 32)

/* tri_js_verify: the report's counts, then up to TRI_JS_VIOLATIONS
 * TRI_JS_VIOLATION records. */
#define TRI_JS_VERIFY(X) X(violations, violations) X(objectsChecked, objects_checked)
/* what: the verifier's reason, a C string in the module's memory. */
#define TRI_JS_VIOLATION(X) X(object, object) X(slot, slot) X(target, target) X(what, what)
#define TRI_JS_VIOLATIONS 8

/* The event ring holds tri_gc_event records as they are: X(js, c, words).
 * bindings.c checks these offsets against the struct as wasm32 lays it out. */
#define TRI_JS_EVENT(X)                                                                                      \
    X(kind, kind, 1) X(arg, arg, 1) X(timeNs, time_ns, 2) X(a, a, 2) X(b, b, 2) X(c, c, 2) X(d, d, 2)

/* Word offsets of a list's fields, and its width: TRI_JS_<record>_<js>
 * and TRI_JS_<record>_WORDS. */
#define TRI_JS_ONE_WORD(record, js, c) TRI_JS_##record##_##js,
#define TRI_JS_WORDS(record, js, c, words) TRI_JS_##record##_##js, TRI_JS_##record##_##js##_last = TRI_JS_##record##_##js + (words) - 1,

#define TRI_JS_SPAN_WORD(js, c) TRI_JS_ONE_WORD(SPAN, js, c)
#define TRI_JS_PAGE_RUN_WORD(js, c) TRI_JS_ONE_WORD(PAGE_RUN, js, c)
#define TRI_JS_OBJECT_WORD(js, c) TRI_JS_ONE_WORD(OBJECT, js, c)
#define TRI_JS_POINTER_WORD(js, c) TRI_JS_ONE_WORD(POINTER, js, c)
#define TRI_JS_EVENT_RING_WORD(js, c) TRI_JS_ONE_WORD(EVENT_RING, js, c)
#define TRI_JS_VERIFY_WORD(js, c) TRI_JS_ONE_WORD(VERIFY, js, c)
#define TRI_JS_VIOLATION_WORD(js, c) TRI_JS_ONE_WORD(VIOLATION, js, c)
#define TRI_JS_EVENT_WORD(js, c, words) TRI_JS_WORDS(EVENT, js, c, words)

enum { TRI_JS_SPAN(TRI_JS_SPAN_WORD) TRI_JS_SPAN_WORDS };
enum { TRI_JS_PAGE_RUN(TRI_JS_PAGE_RUN_WORD) TRI_JS_PAGE_RUN_WORDS };
enum { TRI_JS_OBJECT(TRI_JS_OBJECT_WORD) TRI_JS_OBJECT_WORDS };
enum { TRI_JS_POINTER(TRI_JS_POINTER_WORD) TRI_JS_POINTER_WORDS };
enum { TRI_JS_EVENT_RING(TRI_JS_EVENT_RING_WORD) TRI_JS_EVENT_RING_WORDS };
enum { TRI_JS_VERIFY(TRI_JS_VERIFY_WORD) TRI_JS_VERIFY_WORDS };
enum { TRI_JS_VIOLATION(TRI_JS_VIOLATION_WORD) TRI_JS_VIOLATION_WORDS };
enum { TRI_JS_EVENT(TRI_JS_EVENT_WORD) TRI_JS_EVENT_WORDS };

/* Doubles in the statistics records. */
#define TRI_JS_COUNT(js, c) +1
enum {
    TRI_JS_STATS_FIELDS = 0 TRI_JS_STATS(TRI_JS_COUNT),
    TRI_JS_CLASS_STATS_FIELDS = 0 TRI_JS_CLASS_STATS(TRI_JS_COUNT),
    TRI_JS_STATS_DOUBLES = TRI_JS_STATS_FIELDS + (TRI_NUM_SIZE_CLASSES - 1) * TRI_JS_CLASS_STATS_FIELDS,
    TRI_JS_GC_STATS_DOUBLES = 0 TRI_JS_GC_STATS(TRI_JS_COUNT),
};

/* The layout's shape, X(js, value): tricolor.mjs compares the module's
 * (tri_js_layout, as wasm32 compiles it) with the generated module's at
 * load, so that a module and a layout built from different sources
 * refuse to run together instead of misreading each other. */
#define TRI_JS_SHAPE(X)                                                                                      \
    X(statsDoubles, TRI_JS_STATS_DOUBLES) X(gcStatsDoubles, TRI_JS_GC_STATS_DOUBLES)                         \
    X(spanWords, TRI_JS_SPAN_WORDS) X(pageRunWords, TRI_JS_PAGE_RUN_WORDS) X(objectWords, TRI_JS_OBJECT_WORDS) \
    X(pointerWords, TRI_JS_POINTER_WORDS) X(eventRingWords, TRI_JS_EVENT_RING_WORDS)                         \
    X(verifyWords, TRI_JS_VERIFY_WORDS) X(violationWords, TRI_JS_VIOLATION_WORDS)                            \
    X(violations, TRI_JS_VIOLATIONS) X(eventWords, TRI_JS_EVENT_WORDS) X(eventBytes, sizeof(tri_gc_event))    \
    X(phases, TRI_NUM_PHASES) X(barriers, TRI_NUM_BARRIERS) X(eventKinds, TRI_NUM_EVENT_KINDS)               \
    X(colors, TRI_JS_NUM_COLORS) X(levels, TRI_NUM_LEVELS) X(pageStates, TRI_NUM_PAGE_STATES)                 \
    X(sizeClasses, TRI_NUM_SIZE_CLASSES) X(pageSize, TRI_JS_PAGE_SIZE)
#define TRI_JS_SHAPE_WORD(js, value) TRI_JS_SHAPE_##js,
enum { TRI_JS_SHAPE(TRI_JS_SHAPE_WORD) TRI_JS_SHAPE_WORDS };

/* --- names of the enums that have no name function in tricolor.h ---------------------------
 * X(enumerator, name), in the enum's order; mklayout checks that each
 * enumerator's value is its position and that the lists are whole.
 * (Phases, barriers and events take their names from tri_gc_phase_name,
 * tri_gc_barrier_name and tri_gc_event_name.) */

#define TRI_JS_COLORS(X) X(TRI_FREE, "free") X(TRI_WHITE, "white") X(TRI_GREY, "grey") X(TRI_BLACK, "black")
#define TRI_JS_NUM_COLORS (TRI_BLACK + 1)

#define TRI_JS_LEVELS(X)                                                                                     \
    X(TRI_LEVEL_THREAD_CACHE, "thread cache") X(TRI_LEVEL_CENTRAL, "central list")                           \
    X(TRI_LEVEL_PAGE_HEAP, "page heap") X(TRI_LEVEL_OS, "OS")

#define TRI_JS_PAGE_STATES(X)                                                                                \
    X(TRI_PAGES_FREE, "free") X(TRI_PAGES_RELEASED, "released") X(TRI_PAGES_SMALL, "small")                  \
    X(TRI_PAGES_LARGE, "large") X(TRI_PAGES_GC, "gc") X(TRI_PAGES_RESERVED, "reserved")

#endif
