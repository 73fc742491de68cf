/*
 * The platform layer on WebAssembly (see prim.h): linear memory is the
 * address space.
 *
 *   reserve    hand out the next aligned stretch of memory, growing the
 *              memory (memory.grow; emscripten_resize_heap under
 *              Emscripten, which also refreshes its views of the memory)
 *              when the stretch reaches past its end, by a 32nd of its
 *              size at least (grow_to)
 *   extend     grow the stretch handed out last, in place, when nothing has
 *              been handed out after it: an arena grows this way instead of
 *              a new one starting, so its free pages keep coalescing
 *   commit     nothing: grown memory is accessible and zero
 *   decommit   nothing: linear memory cannot shrink, so pages a page heap
 *              releases stay in the module; they are tracked as released
 *              (and not as zero), reused before the memory grows again,
 *              and reported as such
 *   release    nothing, for the same reason
 *
 * tricolor is the module's malloc in both builds (Emscripten's -sMALLOC=none;
 * under WASI, malloc.c's C-library names keep wasi-libc's malloc out of the
 * link): all memory above __heap_base, the end of static data and stack, is
 * its own. Should anything else grow the memory anyway, what it took is
 * skipped, never handed out twice. The module has one thread and no fork,
 * so tri_lock never waits, no thread exits, and there are no fork handlers.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../internal.h"

#ifdef __EMSCRIPTEN__
#include <emscripten/heap.h>
#endif

extern unsigned char __heap_base;

const bool tri_prim_decommit_zeroes = false;

#define WASM_PAGE ((uintptr_t)65536)
#define MEMORY_END() ((uintptr_t)__builtin_wasm_memory_size(0) * WASM_PAGE)

static uintptr_t next_free;  /* the first byte of ours not yet handed out */
static uintptr_t known_end;  /* the memory's end when we last grew or looked */

/* Arenas are aligned to their slot size, so reserving one after a small
 * piece of metadata skips most of a slot, and on wasm skipped memory is
 * committed memory. The largest skipped stretch is kept here and small
 * requests are served from it first. */
static uintptr_t gap_start, gap_end;

static void note_gap(uintptr_t start, uintptr_t end)
{
    if (end - start > gap_end - gap_start)
        gap_start = start, gap_end = end;
}

static bool grow_exactly(uintptr_t end)
{
#ifdef __EMSCRIPTEN__
    if (!emscripten_resize_heap(end)) /* also refreshes Emscripten's views */
        return false;
#else
    uintptr_t have = MEMORY_END();
    if (__builtin_wasm_memory_grow(0, (end - have + WASM_PAGE - 1) / WASM_PAGE) == (size_t)-1)
        return false;
#endif
    known_end = MEMORY_END();
    return true;
}

/* A memory.grow costs the engine some 100 us whatever its size (V8 in
 * Node 20), more than the page-heap work of a megabyte: growing by one
 * arena slot at a time, a heap of 800 MiB spent a tenth of its run there.
 * So the memory grows by at least 1/GROW_AHEAD_DIV of its size, a
 * geometric step that keeps the calls logarithmic in the peak and the
 * memory grown ahead of need within 3% of it; at the limit of the memory,
 * by exactly what is asked. */
#define GROW_AHEAD_DIV 32

static bool grow_to(uintptr_t end)
{
    uintptr_t ahead = known_end + known_end / GROW_AHEAD_DIV;
    if (ahead > end && ahead > known_end && grow_exactly(ahead))
        return true;
    return grow_exactly(end);
}

static void *take(size_t size, size_t align)
{
    if (!next_free) { /* the memory may start larger than static data and stack need */
        next_free = (uintptr_t)&__heap_base;
        known_end = MEMORY_END();
    }
    if (MEMORY_END() != known_end) { /* someone else grew the memory */
        note_gap(next_free, known_end);
        next_free = known_end = MEMORY_END();
    }
    uintptr_t start = (next_free + align - 1) & ~(uintptr_t)(align - 1);
    uintptr_t end = start + size;
    if (start < next_free || end < start)
        return NULL;
    if (end > known_end && !grow_to(end))
        return NULL;
    note_gap(next_free, start);
    next_free = end;
    return (void *)start;
}

uintptr_t tri_os_heap_end(void)
{
    return next_free ? next_free : (uintptr_t)&__heap_base;
}

void *tri_prim_reserve(size_t size, size_t align)
{
    return take(size, align);
}

bool tri_prim_extend(void *end, size_t size)
{
    return (uintptr_t)end == next_free && take(size, 1) == end;
}

bool tri_prim_commit(void *p, size_t size)
{
    (void)p, (void)size;
    return true;
}

void tri_prim_decommit(void *p, size_t size)
{
    (void)p, (void)size;
}

void tri_prim_release(void *p, size_t size)
{
    (void)p, (void)size;
}

void tri_prim_prefault(void *p, size_t size)
{
    (void)p, (void)size; /* grown memory is there at once */
}

void *tri_prim_alloc_zeroed(size_t size)
{
    /* never handed out before, so still zero */
    uintptr_t start = (gap_start + 15) & ~(uintptr_t)15;
    if (gap_start && start <= gap_end && size <= gap_end - start) {
        gap_start = start + size;
        return (void *)start;
    }
    return take(size, 16);
}

/* Bulk memory for these two alone (see prim.h): the compiler turns the
 * builtins into one memory.copy and one memory.fill. */
__attribute__((target("bulk-memory"))) void tri_prim_copy(void *dst, const void *src, size_t n)
{
    __builtin_memcpy(dst, src, n);
}

__attribute__((target("bulk-memory"))) void tri_prim_zero(void *p, size_t n)
{
    __builtin_memset(p, 0, n);
}

uint64_t tri_prim_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Reading the clock is a call out of the module (to JavaScript or to the
 * WASI host), dearer than the page-heap operation it would time, and the
 * release policy it paces frees nothing here (see decommit). So the coarse
 * clock reads the real one every CLOCK_COARSE_CALLS calls and repeats that
 * reading in between: as coarse in calls as the native one is in time. */
#define CLOCK_COARSE_CALLS 16

uint64_t tri_prim_clock_coarse_ns(void)
{
    static uint64_t last;
    static unsigned calls;
    if (calls++ % CLOCK_COARSE_CALLS == 0)
        last = tri_prim_clock_ns();
    return last;
}

#if defined(__wasi__)
#include <wasi/api.h>

/* wasi-libc's getenv builds the environment with malloc on first use, and
 * tricolor reads its settings while it starts, inside the first malloc: so
 * it reads the environment from WASI itself, into memory of its own. */
const char *tri_prim_getenv(const char *name)
{
    static char **env;
    static size_t count;
    if (!env) {
        size_t n, bytes;
        if (__wasi_environ_sizes_get(&n, &bytes) != 0)
            return NULL;
        char **v = tri_prim_alloc_zeroed((n + 1) * sizeof(char *) + bytes);
        if (!v || __wasi_environ_get((uint8_t **)v, (uint8_t *)(v + n + 1)) != 0)
            return NULL;
        env = v, count = n;
    }
    size_t len = strlen(name);
    for (size_t i = 0; i < count; i++)
        if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
            return env[i] + len + 1;
    return NULL;
}
#else
const char *tri_prim_getenv(const char *name)
{
    return getenv(name);
}
#endif

#if defined(__wasi__)
bool tri_prim_random(void *buf, size_t n)
{
    return __wasi_random_get((uint8_t *)buf, n) == 0;
}
#else
bool tri_prim_random(void *buf, size_t n)
{
    /* Emscripten: crypto.getRandomValues, 256 bytes at a time */
    for (size_t i = 0; i < n; i += 256)
        if (getentropy((char *)buf + i, n - i < 256 ? n - i : 256) != 0)
            return false;
    return true;
}
#endif

void tri_lock_wait(tri_lock *l)
{
    int expected = 0;
    while (!atomic_compare_exchange_weak_explicit(&l->state, &expected, 1, memory_order_acquire,
                                                  memory_order_relaxed))
        expected = 0;
}

void tri_lock_wake(tri_lock *l)
{
    (void)l;
}

void tri_prim_write_stderr(const char *s, size_t n)
{
    while (n > 0) {
#if defined(__wasi__)
        __wasi_ciovec_t iov = {(const uint8_t *)s, n};
        size_t w = 0;
        if (__wasi_fd_write(2, &iov, 1, &w) != 0 || w == 0)
            return;
#else
        ssize_t w = write(2, s, n); /* Emscripten's file layer, without malloc */
        if (w <= 0)
            return;
#endif
        s += w;
        n -= (size_t)w;
    }
}

bool tri_prim_thread_stack(uintptr_t *lo, uintptr_t *hi)
{
    (void)lo, (void)hi;
    return false; /* a wasm function's values live in the engine's locals, out of any scan's reach */
}

bool tri_prim_thread_exit_init(void (*destructor)(void *))
{
    (void)destructor;
    return true;
}

void tri_prim_thread_exit_set(void *value)
{
    (void)value;
}

void tri_prim_atfork(void (*before)(void), void (*parent)(void), void (*child)(void))
{
    (void)before, (void)parent, (void)child;
}

/* No threads here: the collector marks on the mutator's thread. */
unsigned tri_prim_ncpu(void)
{
    return 1;
}

bool tri_prim_thread_start(tri_prim_thread *t, void *(*fn)(void *), void *arg)
{
    (void)t, (void)fn, (void)arg;
    return false;
}

void tri_prim_thread_join(tri_prim_thread *t)
{
    (void)t;
}

void tri_prim_thread_idle_priority(void) {}

uint64_t tri_prim_thread_cpu_ns(void)
{
    return tri_prim_clock_ns();
}

void tri_prim_wait(_Atomic uint32_t *addr, uint32_t expected)
{
    (void)addr, (void)expected;
}

void tri_prim_wake_all(_Atomic uint32_t *addr)
{
    (void)addr;
}

void tri_prim_yield(void)
{
}
