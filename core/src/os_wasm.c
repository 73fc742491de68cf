/*
 * The OS layer on WebAssembly: linear memory is the address space.
 *
 *   reserve    grow the memory (memory.grow; emscripten_resize_heap under
 *              Emscripten, which also refreshes its views of the memory)
 *              and hand out the next aligned stretch of it
 *   commit     nothing: grown memory is accessible and zero
 *   decommit   nothing: linear memory cannot shrink, so pages a page heap
 *              releases stay in the module; they are tracked as released
 *              (and not as zero), reused before the memory grows again,
 *              and reported as such
 *   release    nothing, for the same reason
 *
 * Under Emscripten, built with -sMALLOC=none, tricolor is the module's
 * malloc: all memory above __heap_base (the end of static data and stack,
 * from the linker) is its own. Under WASI the C library keeps its own
 * malloc, which also grows the memory, so tricolor uses only the stretches
 * memory.grow hands it. The module has one thread, so tri_lock never waits.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#ifdef __EMSCRIPTEN__
#include <emscripten/heap.h>
#endif

extern unsigned char __heap_base;

const bool tri_os_decommit_zeroes = false;

#define WASM_PAGE ((uintptr_t)65536)

static uintptr_t next_free; /* the first byte of ours not yet handed out */

#ifdef __EMSCRIPTEN__
static void *take(size_t size, size_t align)
{
    if (!next_free)
        next_free = (uintptr_t)&__heap_base;
    uintptr_t start = (next_free + align - 1) & ~(uintptr_t)(align - 1);
    uintptr_t end = start + size;
    if (start < next_free || end < start)
        return NULL;
    uintptr_t have = (uintptr_t)__builtin_wasm_memory_size(0) * WASM_PAGE;
    if (end > have && !emscripten_resize_heap(end)) /* also refreshes Emscripten's views */
        return NULL;
    next_free = end;
    return (void *)start;
}
#else
static uintptr_t owned_end; /* the end of the stretch next_free is in */

static void *take(size_t size, size_t align)
{
    uintptr_t start = (next_free + align - 1) & ~(uintptr_t)(align - 1);
    if (!next_free || start < next_free || start + size < start || start + size > owned_end) {
        /* a fresh stretch, big enough to align inside */
        uintptr_t want = size + (align > WASM_PAGE ? align : 0);
        if (want < size)
            return NULL;
        size_t pages = (want + WASM_PAGE - 1) / WASM_PAGE;
        size_t old = __builtin_wasm_memory_grow(0, pages);
        if (old == (size_t)-1)
            return NULL;
        if (old * WASM_PAGE != owned_end) /* not contiguous with what we had: start over */
            next_free = old * WASM_PAGE;
        owned_end = (old + pages) * WASM_PAGE;
        start = (next_free + align - 1) & ~(uintptr_t)(align - 1);
    }
    next_free = start + size;
    return (void *)start;
}
#endif

void *tri_os_reserve(size_t size, size_t align)
{
    return take(size, align);
}

bool tri_os_commit(void *p, size_t size)
{
    (void)p, (void)size;
    return true;
}

void tri_os_decommit(void *p, size_t size)
{
    (void)p, (void)size;
}

void tri_os_release(void *p, size_t size)
{
    (void)p, (void)size;
}

void *tri_os_alloc_zeroed(size_t size)
{
    return take(size, 16); /* never handed out before: still zero */
}

uint64_t tri_os_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *tri_os_getenv(const char *name)
{
    return getenv(name);
}

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
