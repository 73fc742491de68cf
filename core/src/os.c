/*
 * The OS layer: the only file that talks to the kernel. Everything above it
 * sees four operations on address space:
 *
 *   reserve    take address space, inaccessible (mmap PROT_NONE)
 *   commit     make part of it readable and writable (mprotect)
 *   decommit   hand the physical pages back; the range stays accessible and
 *              reads as zeros (madvise MADV_DONTNEED)
 *   release    give the address space back (munmap)
 *
 * Commit only ever extends an arena's accessible prefix, so an arena is at
 * most two mappings however much it is used. Also here: the clock and the
 * futex behind tri_lock. (os_wasm.c is this file for WebAssembly.)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

const bool tri_os_decommit_zeroes = true;

void *tri_os_reserve(size_t size, size_t align)
{
    /* Over-reserve and trim to get alignment without MAP_FIXED guesses. */
    size_t span = size + align;
    if (span < size)
        return NULL;
    char *p = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
    size_t head = start - (uintptr_t)p;
    size_t tail = span - head - size;
    if (head)
        munmap(p, head);
    if (tail)
        munmap((char *)start + size, tail);
    return (void *)start;
}

bool tri_os_extend(void *end, size_t size)
{
    (void)end, (void)size;
    return false; /* arenas are reserved whole natively: 64 MiB of address space is cheap */
}

bool tri_os_commit(void *p, size_t size)
{
    return mprotect(p, size, PROT_READ | PROT_WRITE) == 0;
}

void tri_os_decommit(void *p, size_t size)
{
    /* MADV_DONTNEED, not MADV_FREE: the pages leave the resident set at
     * once (visible in /proc/self/statm) and read back as zeros, which lets
     * calloc skip clearing them. */
    int saved = errno;
    madvise(p, size, MADV_DONTNEED);
    errno = saved;
}

void tri_os_release(void *p, size_t size)
{
    munmap(p, size);
}

void *tri_os_alloc_zeroed(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

uint64_t tri_os_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *tri_os_getenv(const char *name)
{
    return getenv(name);
}

bool tri_os_random(void *buf, size_t n)
{
    /* getrandom(2) without blocking: early in boot there may be no entropy
     * yet, and malloc must not wait for it. */
    char *p = buf;
    int saved = errno;
    while (n > 0) {
        long r = syscall(SYS_getrandom, p, n, 1 /* GRND_NONBLOCK */);
        if (r <= 0) {
            errno = saved;
            return false;
        }
        p += r;
        n -= (size_t)r;
    }
    errno = saved;
    return true;
}

/* --- tri_lock slow path ---------------------------------------------------- */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static long futex(_Atomic int *addr, int op, int val)
{
    return syscall(SYS_futex, (int *)addr, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

void tri_lock_wait(tri_lock *l)
{
    /* Spin briefly: critical sections are a few hundred nanoseconds. */
    for (int i = 0; i < 64; i++) {
        int expected = 0;
        if (atomic_load_explicit(&l->state, memory_order_relaxed) == 0 &&
            atomic_compare_exchange_weak_explicit(&l->state, &expected, 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return;
        cpu_relax();
    }
    while (atomic_exchange_explicit(&l->state, 2, memory_order_acquire) != 0)
        futex(&l->state, FUTEX_WAIT, 2);
}

void tri_lock_wake(tri_lock *l)
{
    futex(&l->state, FUTEX_WAKE, 1);
}
