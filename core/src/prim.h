/*
 * The platform layer: every call tricolor makes to the kernel or to the
 * thread library goes through these functions, defined once per platform,
 * side by side:
 *
 *   prim/unix.c   Linux: mmap, mprotect, madvise, munmap, clock_gettime,
 *                 getrandom, futex, pthread keys, stacks and fork handlers
 *   prim/wasm.c   WebAssembly (WASI and Emscripten): linear memory is the
 *                 address space; one thread, no fork
 *
 * Address space, as the page heap sees it:
 *
 *   reserve    take address space, inaccessible
 *   extend     grow the reservation that ends at `end` in place, if it can
 *   commit     make part of a reservation readable and writable
 *   decommit   hand the physical pages back; the range stays accessible
 *              (and reads as zeros where tri_prim_decommit_zeroes)
 *   release    give the address space back
 */
#ifndef TRI_PRIM_H
#define TRI_PRIM_H

#include "types.h"

/* --- address space ---------------------------------------------------------- */

TRI_INTERNAL void *tri_prim_reserve(size_t size, size_t align);
TRI_INTERNAL bool tri_prim_extend(void *end, size_t size);
TRI_INTERNAL bool tri_prim_commit(void *p, size_t size);
TRI_INTERNAL void tri_prim_decommit(void *p, size_t size);
TRI_INTERNAL void tri_prim_release(void *p, size_t size);
/* Faults in [p, p + size), zero and not yet in use, by writing it: a page
 * whose first touch is a read (the collector's barrier reads the slot it
 * overwrites) is mapped to the kernel's zero page, and the write that
 * follows faults again and, while another thread of the process runs,
 * interrupts that thread's core to flush its TLB. Nothing on wasm. */
TRI_INTERNAL void tri_prim_prefault(void *p, size_t size);
/* Readable, writable, zeroed memory for metadata: reserve and commit in one. */
TRI_INTERNAL void *tri_prim_alloc_zeroed(size_t size);
/* Decommitted pages read back as zeros (true natively; false on wasm,
 * where memory cannot be handed back). */
TRI_INTERNAL extern const bool tri_prim_decommit_zeroes;

/* --- copying and zeroing memory ------------------------------------------------ */

/* realloc's move, calloc's and the collector's zeroing: sizes known only at
 * run time, up to megabytes. Natively the C library's memcpy and memset,
 * inline. On wasm one memory.copy or memory.fill (bulk memory), which the
 * engine runs as its own memmove and memset, where wasi-libc's are loops
 * in the module. Only prim/wasm.c is built with bulk memory: a file built
 * with it keeps thread-locals such as wasi-libc's errno as real TLS, which
 * a C library built without it does not have. */
#if defined(__wasm__)
TRI_INTERNAL void tri_prim_copy(void *dst, const void *src, size_t n);
TRI_INTERNAL void tri_prim_zero(void *p, size_t n);
#else
static inline void tri_prim_copy(void *dst, const void *src, size_t n) { memcpy(dst, src, n); }
static inline void tri_prim_zero(void *p, size_t n) { memset(p, 0, n); }
#endif

/* --- time, environment, randomness, output ------------------------------------ */

/* A monotonic clock: precise (for the collector's pauses and events), and
 * coarse, a few milliseconds' resolution at a fraction of the cost (for
 * the page heap's release policy, read on every page-heap operation). */
TRI_INTERNAL uint64_t tri_prim_clock_ns(void);
TRI_INTERNAL uint64_t tri_prim_clock_coarse_ns(void);
/* The environment variable's value, or NULL; safe to call inside malloc. */
TRI_INTERNAL const char *tri_prim_getenv(const char *name);
/* Fills buf with n bytes from the OS's random source; false if it has none. */
TRI_INTERNAL bool tri_prim_random(void *buf, size_t n);
/* Writes n bytes to standard error without allocating. */
TRI_INTERNAL void tri_prim_write_stderr(const char *s, size_t n);

/* --- threads ---------------------------------------------------------------- */

/* The lock's slow paths: wait until it can be taken, wake one waiter. */
TRI_INTERNAL void tri_lock_wait(tri_lock *l);
TRI_INTERNAL void tri_lock_wake(tri_lock *l);
/* The bounds of the calling thread's stack; false where unknown. */
TRI_INTERNAL bool tri_prim_thread_stack(uintptr_t *lo, uintptr_t *hi);
/* One per-thread value whose destructor runs when a thread that set it
 * exits: how thread caches go back. Created once, at start-up. */
TRI_INTERNAL bool tri_prim_thread_exit_init(void (*destructor)(void *value));
TRI_INTERNAL void tri_prim_thread_exit_set(void *value);
/* Handlers run around fork(), as pthread_atfork's. */
TRI_INTERNAL void tri_prim_atfork(void (*before)(void), void (*parent)(void), void (*child)(void));

/* Threads of the collector's own (its background workers): started and
 * joined; 0 cores where threads cannot be had (wasm). */
typedef struct tri_prim_thread { uintptr_t handle; } tri_prim_thread;
TRI_INTERNAL unsigned tri_prim_ncpu(void);
TRI_INTERNAL bool tri_prim_thread_start(tri_prim_thread *t, void *(*fn)(void *), void *arg);
TRI_INTERNAL void tri_prim_thread_join(tri_prim_thread *t);
/* The calling thread runs only when a core would otherwise idle (Linux's
 * SCHED_IDLE): an idle mark worker's. */
TRI_INTERNAL void tri_prim_thread_idle_priority(void);
/* CPU time the calling thread has used. */
TRI_INTERNAL uint64_t tri_prim_thread_cpu_ns(void);
/* Sleeps while *addr == expected (or until woken); wakes waiters on addr. */
TRI_INTERNAL void tri_prim_wait(_Atomic uint32_t *addr, uint32_t expected);
TRI_INTERNAL void tri_prim_wake_all(_Atomic uint32_t *addr);
/* Gives the processor up, for the stress mode that widens race windows. */
TRI_INTERNAL void tri_prim_yield(void);

#endif
