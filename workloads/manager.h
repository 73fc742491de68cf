/*
 * The memory manager a garbage-collector benchmark runs on, chosen when the
 * library is compiled, so that each is built as its own users build it:
 *
 *   MANAGER_TRICOLOR  tricolor's collector: typed allocation, roots in
 *                     shadow frames, pointer stores through the write barrier
 *   MANAGER_BOEHM     Boehm GC: GC_MALLOC, roots found by scanning the stack;
 *                     the program links -lgc and nothing of tricolor
 *   MANAGER_MALLOC    malloc and free, each tree freed when dropped; the
 *                     program links only the C library, so LD_PRELOAD
 *                     chooses the malloc
 *
 * The benchmarks are written once against the primitives below. They are
 * inline and their types constant, so an allocation or a store costs what
 * the manager's own does and nothing more.
 */
#ifndef WORKLOADS_MANAGER_H
#define WORKLOADS_MANAGER_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "gcprograms.h"

#if defined(MANAGER_TRICOLOR) + defined(MANAGER_BOEHM) + defined(MANAGER_MALLOC) != 1
#error "build the workloads with one of -DMANAGER_TRICOLOR, -DMANAGER_BOEHM or -DMANAGER_MALLOC"
#endif

/* Each manager defines:
 *   gcm_type, GCM_TYPE(label, c_type, pointer_words, pointer_bits)
 *       an object type: a C struct whose first pointer_words words hold a
 *       pointer where pointer_bits has a 1 (bit i: word i)
 *   gcm_alloc(type)          a zeroed object
 *   gcm_alloc_noscan(bytes)  memory holding no pointers, not zeroed
 *   gcm_alloc_pointers(n)    an array of n pointers, zeroed
 *   gcm_write(slot, value)   stores a pointer into a managed object
 *   gcm_collect()            a full collection now (nothing for malloc)
 *   GCM_ROOTS(name, count)   declares void *name[count], zeroed, whose
 *                            pointers keep their objects alive until
 *                            GCM_END_ROOTS(name), in the same block
 *   GCM_FREES_EXPLICITLY     1 when the program must free what it drops */

#if defined(MANAGER_TRICOLOR)
#include "tricolor.h"

extern tri_gc_heap *gcm_heap; /* created by gcm_start */

typedef tri_type gcm_type;
#define GCM_TYPE(label, c_type, pointer_words, pointer_bits) \
    {label, sizeof(c_type), pointer_words, (const uint64_t[1]){pointer_bits}}

static inline void *gcm_alloc(const gcm_type *type) { return tri_gc_alloc(gcm_heap, type); }
static inline void *gcm_alloc_noscan(size_t bytes) { return tri_gc_alloc_noscan(gcm_heap, bytes); }
static inline void *gcm_alloc_pointers(size_t n)
{
    static const tri_type pointer = {"pointer", sizeof(void *), 1, NULL};
    return tri_gc_alloc_array(gcm_heap, &pointer, n);
}
#define gcm_write(slot, value) tri_gc_write(gcm_heap, slot, value) /* typed: slot is &object->field */
static inline void gcm_collect(void) { tri_gc_collect(gcm_heap); }

#define GCM_ROOTS(name, count)                                                                                  \
    void *name[count] = {0};                                                                                   \
    tri_gc_frame name##_frame;                                                                                 \
    tri_gc_push_frame(gcm_heap, &name##_frame, name, count)
#define GCM_END_ROOTS(name) tri_gc_pop_frame(gcm_heap, &name##_frame)
#define GCM_FREES_EXPLICITLY 0

#elif defined(MANAGER_BOEHM)
#include <gc/gc.h>

typedef struct gcm_type {
    size_t size;
} gcm_type;
#define GCM_TYPE(label, c_type, pointer_words, pointer_bits) {sizeof(c_type)}

static inline void *gcm_alloc(const gcm_type *type) { return GC_MALLOC(type->size); }
static inline void *gcm_alloc_noscan(size_t bytes) { return GC_MALLOC_ATOMIC(bytes); }
static inline void *gcm_alloc_pointers(size_t n) { return GC_MALLOC(n * sizeof(void *)); }
static inline void gcm_collect(void) { GC_gcollect(); }
#define gcm_write(slot, value) (void)(*(slot) = (value))

#define GCM_ROOTS(name, count) void *name[count] = {0} /* the stack is scanned */
#define GCM_END_ROOTS(name) (void)name
#define GCM_FREES_EXPLICITLY 0

#else /* MANAGER_MALLOC */
#include <string.h>

typedef struct gcm_type {
    size_t size;
} gcm_type;
#define GCM_TYPE(label, c_type, pointer_words, pointer_bits) {sizeof(c_type)}

/* Zeroed as a C program initialises a struct it allocates: in line, so
 * the compiler drops the zeroes of the fields the program then sets. */
static inline void *gcm_alloc(const gcm_type *type)
{
    void *p = malloc(type->size);
    if (p)
        memset(p, 0, type->size);
    return p;
}
static inline void *gcm_alloc_noscan(size_t bytes) { return malloc(bytes); }
static inline void *gcm_alloc_pointers(size_t n) { return calloc(n, sizeof(void *)); }
static inline void gcm_collect(void) {}
#define gcm_write(slot, value) (void)(*(slot) = (value))

#define GCM_ROOTS(name, count) void *name[count] = {0}
#define GCM_END_ROOTS(name) (void)name
#define GCM_FREES_EXPLICITLY 1
#endif

/* Sets up manager (one of gcb_managers) for one run, with tricolor's
 * config when it is tricolor. 0, or -1 when it is not this build's or
 * fails to start. */
int gcm_start(const char *manager, const struct tri_gc_config *config);

/* Ends the run gcm_start set up: its collections and pauses go to r. */
void gcm_finish(gcb_result *r);

/* The benchmarks, run by gcb_run between the two; each returns a check
 * value that depends only on the benchmark and its depth. */
long gcbench(void);
long binarytrees(int depth);
long hashtable(int depth);
long allocs(int n); /* measuring programs: workloads/micro.c */
long marks(int n);

#endif
