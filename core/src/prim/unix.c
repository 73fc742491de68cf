/*
 * The platform layer on Linux (see prim.h): the only file that talks to the
 * kernel or the thread library.
 *
 *   reserve    mmap PROT_NONE, over-reserved and trimmed to the alignment
 *   commit     mprotect read/write; commit only ever extends an arena's
 *              accessible prefix, so an arena is at most two mappings
 *   decommit   madvise MADV_DONTNEED: the pages leave the resident set at
 *              once and read back as zeros
 *   release    munmap
 *
 * Also the clocks, the environment, getrandom, standard error, the futex
 * behind tri_lock, and the pthread calls: stack bounds, the thread-exit key
 * and fork handlers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../internal.h"

const bool tri_prim_decommit_zeroes = true;

/* --- address space ---------------------------------------------------------- */

void *tri_prim_reserve(size_t size, size_t align)
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

bool tri_prim_extend(void *end, size_t size)
{
    (void)end, (void)size;
    return false; /* arenas are reserved whole natively: 64 MiB of address space is cheap */
}

bool tri_prim_commit(void *p, size_t size)
{
    return mprotect(p, size, PROT_READ | PROT_WRITE) == 0;
}

/* Not instrumented: under ASan the pages are still poisoned, as free memory
 * is, until their objects are handed out. */
__attribute__((no_sanitize("address"))) void tri_prim_prefault(void *p, size_t size)
{
    /* 4 KiB: the smallest page size; on larger pages some writes repeat */
    for (volatile char *c = p, *end = (char *)p + size; c < end; c += 4096)
        *c = 0;
}

void tri_prim_decommit(void *p, size_t size)
{
    /* MADV_DONTNEED, not MADV_FREE: the pages leave the resident set at
     * once (visible in /proc/self/statm) and read back as zeros, which lets
     * calloc skip clearing them. */
    int saved = errno;
    madvise(p, size, MADV_DONTNEED);
    errno = saved;
}

void tri_prim_release(void *p, size_t size)
{
    munmap(p, size);
}

void *tri_prim_alloc_zeroed(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* --- time, environment, randomness, output ------------------------------------ */

static uint64_t clock_read(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t tri_prim_clock_ns(void) { return clock_read(CLOCK_MONOTONIC); }
uint64_t tri_prim_clock_coarse_ns(void) { return clock_read(CLOCK_MONOTONIC_COARSE); }

const char *tri_prim_getenv(const char *name)
{
    return getenv(name);
}

bool tri_prim_random(void *buf, size_t n)
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

void tri_prim_write_stderr(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(2, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* --- the lock's slow path ----------------------------------------------------- */

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

/* --- threads ---------------------------------------------------------------- */

bool tri_prim_thread_stack(uintptr_t *lo, uintptr_t *hi)
{
    pthread_attr_t attr;
    void *addr;
    size_t size;
    bool ok = false;
    if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
            *lo = (uintptr_t)addr;
            *hi = (uintptr_t)addr + size;
            ok = true;
        }
        pthread_attr_destroy(&attr);
    }
    return ok;
}

static pthread_key_t exit_key;

bool tri_prim_thread_exit_init(void (*destructor)(void *))
{
    return pthread_key_create(&exit_key, destructor) == 0;
}

void tri_prim_thread_exit_set(void *value)
{
    pthread_setspecific(exit_key, value);
}

void tri_prim_atfork(void (*before)(void), void (*parent)(void), void (*child)(void))
{
    pthread_atfork(before, parent, child);
}

/* --- the collector's threads --------------------------------------------------- */

unsigned tri_prim_ncpu(void)
{
    /* Read once: sysconf reads /sys each time, tens of microseconds, and
     * the pacer asks in the termination stop. */
    static _Atomic unsigned cores;
    unsigned n = atomic_load_explicit(&cores, memory_order_relaxed);
    if (!n) {
        long v = sysconf(_SC_NPROCESSORS_ONLN);
        n = v > 0 ? (unsigned)v : 1;
        atomic_store_explicit(&cores, n, memory_order_relaxed);
    }
    return n;
}

bool tri_prim_thread_start(tri_prim_thread *t, void *(*fn)(void *), void *arg)
{
    pthread_t th;
    if (pthread_create(&th, NULL, fn, arg) != 0)
        return false;
    t->handle = (uintptr_t)th;
    return true;
}

void tri_prim_thread_join(tri_prim_thread *t)
{
    pthread_join((pthread_t)t->handle, NULL);
}

void tri_prim_thread_idle_priority(void)
{
    struct sched_param p = {0};
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &p); /* best effort: a worker still works without it */
}

uint64_t tri_prim_thread_cpu_ns(void)
{
    return clock_read(CLOCK_THREAD_CPUTIME_ID);
}

void tri_prim_wait(_Atomic uint32_t *addr, uint32_t expected)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, expected, NULL, NULL, 0);
}

void tri_prim_wake_all(_Atomic uint32_t *addr)
{
    syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 0x7fffffff, NULL, NULL, 0);
}

void tri_prim_yield(void)
{
    sched_yield();
}
