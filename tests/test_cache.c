/* The three levels: batches between thread caches and central lists, spans
 * between central lists and the page heap, thread exit, cross-thread frees. */
#include <stdio.h>
#include <string.h>
#if !defined(__wasm__)
#include <pthread.h>
#endif

#include "harness.h"
#include "internal.h"

static uint64_t level_hits(enum tri_level l)
{
    tri_stats st;
    tri_get_stats(&st);
    return st.hits[l];
}

/* What class c's central list holds: its spans, and its objects out. */
typedef struct { uint64_t spans, objects; } central_counts;

static central_counts central(unsigned c)
{
    central_counts k;
    tri_central_get(c, &k.spans, &k.objects);
    return k;
}

/* Runs fn on a thread of its own (a fresh cache), or inline without threads. */
static void on_fresh_thread(void *(*fn)(void *), void *arg)
{
#if TH_HAVE_THREADS
    pthread_t t;
    pthread_create(&t, NULL, fn, arg);
    pthread_join(t, NULL);
#else
    fn(arg);
#endif
}

typedef struct { int ok; char why[200]; } outcome;

static void *batch_moves(void *arg)
{
    outcome *o = arg;
    tri_ensure_init();
    const unsigned c = 20; /* 352-byte objects */
    const size_t size = tri_class_size[c];
    unsigned batch = tri_class_batch[c];
    static void *objs[4096];
    unsigned n = 0;
    tri_thread_flush();
    uint64_t held = central(c).objects;
    /* Each refill moves up to one batch (fewer only when the central list's
     * last partial span runs out); the cache then serves exactly that many
     * mallocs before the next refill. */
    for (int round = 0; round < 6; round++) {
        uint64_t hits0 = level_hits(TRI_LEVEL_THREAD_CACHE);
        objs[n++] = tri_malloc(size);
        uint64_t moved = central(c).objects - held;
        held += moved;
        if (moved < 1 || moved > batch) {
            snprintf(o->why, sizeof o->why, "round %d: refill moved %llu objects, batch %u", round,
                     (unsigned long long)moved, batch);
            return NULL;
        }
        for (uint64_t i = 1; i < moved; i++)
            objs[n++] = tri_malloc(size);
        if (central(c).objects != held || level_hits(TRI_LEVEL_THREAD_CACHE) - hits0 != moved - 1) {
            snprintf(o->why, sizeof o->why, "round %d: %llu mallocs after a refill of %llu were not all cache hits",
                     round, (unsigned long long)(moved - 1), (unsigned long long)moved);
            return NULL;
        }
    }
    /* The stack holds two batches: the (2*batch+1)-th free flushes the
     * oldest batch, and nothing else does. */
    uint64_t before = central(c).objects;
    unsigned freed = 0;
    while (freed < 2 * batch && freed < n)
        tri_free(objs[freed++]);
    if (central(c).objects != before || freed < 2 * batch) {
        snprintf(o->why, sizeof o->why, "%u frees into an empty cache returned objects early", freed);
        return NULL;
    }
    if (n > freed) {
        tri_free(objs[freed++]);
        if (central(c).objects != before - batch) {
            snprintf(o->why, sizeof o->why, "overflowing free returned %llu objects, batch %u",
                     (unsigned long long)(before - central(c).objects), batch);
            return NULL;
        }
    }
    while (freed < n)
        tri_free(objs[freed++]);
    tri_thread_flush();
    if (central(c).objects != before - n) {
        snprintf(o->why, sizeof o->why, "flush left %lld objects out",
                 (long long)(central(c).objects - (before - n)));
        return NULL;
    }
    o->ok = 1;
    return NULL;
}

TEST(cache_moves_objects_in_batches)
{
    outcome o = {0, ""};
    on_fresh_thread(batch_moves, &o);
    CHECKF(o.ok, "%s", o.why);
}

static void *allocate_and_exit(void *arg)
{
    void **keep = arg;
    for (int i = 0; i < 100; i++)
        tri_free(tri_malloc(48));
    *keep = tri_malloc(48); /* freed later by the main thread */
    return NULL;
}

TEST(cache_returned_at_thread_exit)
{
    TH_NEED_THREADS();
    tri_stats st0, st1;
    tri_thread_flush();
    tri_get_stats(&st0);
    uint64_t held0 = central(4).objects;
    void *keep = NULL;
    on_fresh_thread(allocate_and_exit, &keep);
    tri_get_stats(&st1);
    CHECKF(st1.threads == st0.threads, "threads %llu -> %llu", (unsigned long long)st0.threads,
           (unsigned long long)st1.threads);
    /* all the exited thread cached went back: only `keep` is still out */
    CHECKF(central(4).objects == held0 + 1, "%llu objects out, expected 1",
           (unsigned long long)(central(4).objects - held0));
    CHECK(st1.hits[TRI_LEVEL_THREAD_CACHE] > st0.hits[TRI_LEVEL_THREAD_CACHE]); /* its counts survive it */
    tri_free(keep); /* freed on another thread than the one that allocated it */
    tri_thread_flush();
    CHECK(central(4).objects == held0);
}

enum { CROSS = 20000 };

static void *free_all(void *arg)
{
    void **objs = arg;
    for (int i = 0; i < CROSS; i++)
        tri_free(objs[i]);
    return NULL;
}

TEST(cache_cross_thread_frees)
{
    TH_NEED_THREADS();
    static void *objs[CROSS];
    tri_thread_flush();
    uint64_t held0 = central(5).objects;
    for (int i = 0; i < CROSS; i++) {
        objs[i] = tri_malloc(64);
        memset(objs[i], i & 0xff, 64);
    }
    on_fresh_thread(free_all, objs);
    tri_thread_flush();
    CHECKF(central(5).objects == held0, "%lld objects of class 5 still out",
           (long long)(central(5).objects - held0));
}

TEST(cache_levels_account_for_every_malloc)
{
    tri_stats st0, st1;
    tri_get_stats(&st0);
    void *p[3000];
    for (int i = 0; i < 3000; i++)
        p[i] = tri_malloc((size_t)(i * 37) % 70000);
    tri_get_stats(&st1);
    uint64_t total = 0;
    for (int l = 0; l < TRI_NUM_LEVELS; l++)
        total += st1.hits[l] - st0.hits[l];
    CHECKF(total == 3000, "levels count %llu allocations of 3000", (unsigned long long)total);
    uint64_t mallocs = 0;
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++)
        mallocs += st1.classes[c].mallocs - st0.classes[c].mallocs;
    CHECK(mallocs == 3000 - (st1.large_objects - st0.large_objects));
    for (int i = 0; i < 3000; i++)
        tri_free(p[i]);
}

TEST(cache_class_stats)
{
    tri_stats st0, st1;
    tri_thread_flush();
    tri_get_stats(&st0);
    void *p[500];
    for (int i = 0; i < 500; i++)
        p[i] = tri_malloc(1000); /* class 31, 1024 bytes */
    tri_get_stats(&st1);
    CHECKF(st1.classes[31].objects == st0.classes[31].objects + 500, "objects %llu -> %llu",
           (unsigned long long)st0.classes[31].objects, (unsigned long long)st1.classes[31].objects);
    CHECK(st1.classes[31].spans >= st0.classes[31].spans + 500 / 8);
    CHECK(st1.classes[31].object_size == 1024 && st1.classes[31].objects_per_span == 8);
    for (int i = 0; i < 500; i++)
        tri_free(p[i]);
    tri_thread_flush();
    tri_get_stats(&st1);
    CHECK(st1.classes[31].objects == st0.classes[31].objects);
}

static uint64_t page_heap_hits(void)
{
    return level_hits(TRI_LEVEL_PAGE_HEAP) + level_hits(TRI_LEVEL_OS);
}

/* A class's spans that empty go to its reserve: natively one for every
 * four the class has in use, under WebAssembly the last one only. Refills
 * take them before asking the page heap; the reserve shrinks with the
 * class's use, and tri_release_idle_memory empties it. */
TEST(central_reserve_follows_the_class_use)
{
    enum { N = 80 };
    static void *p[N];
    tri_ensure_init();
    const unsigned c = tri_size_class(8192);
    CHECK(tri_class_nelems(c) == 1); /* every free empties a span */
    tri_thread_flush();
    tri_release_idle_memory();
    const uint64_t s0 = central(c).spans; /* other tests' objects */
    for (int i = 0; i < N; i++)
        p[i] = tri_malloc(8192);
    CHECK(central(c).spans >= s0 + N);
    for (int i = 0; i < N / 2; i++)
        tri_free(p[i]);
    tri_thread_flush();
    uint64_t kept = central(c).spans - s0 - N / 2;
#if defined(__wasm__)
    CHECKF(kept == 1, "%llu empty spans kept", (unsigned long long)kept);
#else
    CHECKF(kept + 1 >= N / 2 / 4 && kept <= N / 2 / 4 + 1, "%llu empty spans kept for %d in use",
           (unsigned long long)kept, N / 2);
#endif
    uint64_t hits0 = page_heap_hits();
    for (uint64_t i = 0; i < kept; i++)
        p[i] = tri_malloc(8192);
    CHECKF(page_heap_hits() == hits0, "%llu of %llu mallocs went to the page heap past the reserve",
           (unsigned long long)(page_heap_hits() - hits0), (unsigned long long)kept);
    for (uint64_t i = 0; i < kept; i++)
        tri_free(p[i]);
    for (int i = N / 2; i < N; i++)
        tri_free(p[i]);
    tri_thread_flush();
    CHECKF(central(c).spans <= s0 + 1, "%llu spans kept once the class is out of use",
           (unsigned long long)(central(c).spans - s0));
    tri_release_idle_memory();
    CHECK(central(c).spans == s0);
}

typedef struct { void **objs; unsigned n; outcome *o; } free_job;

static void *free_only(void *arg)
{
    free_job *j = arg;
    const unsigned c = 20;
    unsigned batch = tri_class_batch[c];
    uint64_t before = central(c).objects;
    for (unsigned i = 0; i < batch; i++)
        tri_free(j->objs[i]);
    if (central(c).objects != before) {
        snprintf(j->o->why, sizeof j->o->why, "the first batch of frees returned objects");
        return NULL;
    }
    tri_free(j->objs[batch]); /* a thread that never allocated holds one batch */
    if (central(c).objects != before - batch) {
        snprintf(j->o->why, sizeof j->o->why, "free %u returned %llu objects, expected %u", batch + 1,
                 (unsigned long long)(before - central(c).objects), batch);
        return NULL;
    }
    for (unsigned i = batch + 1; i < j->n; i++)
        tri_free(j->objs[i]);
    tri_thread_flush();
    j->o->ok = 1;
    return NULL;
}

TEST(cache_slow_start_for_threads_that_only_free)
{
    TH_NEED_THREADS();
    static void *objs[512];
    tri_ensure_init();
    unsigned n = 2 * tri_class_batch[20] + 5;
    CHECK(n <= 512);
    for (unsigned i = 0; i < n; i++)
        objs[i] = tri_malloc(tri_class_size[20]);
    outcome o = {0, ""};
    free_job j = {objs, n, &o};
    on_fresh_thread(free_only, &j);
    CHECKF(o.ok, "%s", o.why);
}

#if TH_HAVE_THREADS
#include <stdatomic.h>
#include <unistd.h>

/* Batches grow where threads meet: a thread that waits for a central list's
 * lock held by another doubles its batches of the classes of 1 KiB and up
 * (all of them, not only the class that waited), to at most 64 KiB of
 * objects; the smaller classes and a thread that meets nobody keep the
 * classes' batches. The main thread holds every central lock (as fork
 * does) while the other one refills, three times over. */
enum { MEET_ROUNDS = 3 };
typedef struct {
    _Atomic int alone_done; /* the other thread has refilled and flushed alone */
    _Atomic int phase; /* odd: the main thread holds the locks for round phase / 2 */
    unsigned c, other, small;
    uint16_t alone, grown[MEET_ROUNDS], other_grown, small_kept;
    bool at_most;
} meeting;

static void *refill_where_locked(void *arg)
{
    meeting *m = arg;
    const size_t size = tri_class_size[m->c];
    static void *objs[2048];
    unsigned n = 0;
    /* Alone first: refills and flushes with nobody holding the lock. */
    for (int i = 0; i < 20; i++) {
        for (unsigned k = 0; k < 300; k++)
            objs[k] = tri_malloc(size);
        for (unsigned k = 0; k < 300; k++)
            tri_free(objs[k]);
    }
    m->alone = tri_tls_tcache->batch[m->c];
    atomic_store(&m->alone_done, 1);
    for (int round = 0; round < MEET_ROUNDS; round++) {
        tri_bin *b = &tri_tls_tcache->bins[m->c];
        while (b->cur != b->lo && n < 2048) /* empty the stack: the next malloc refills */
            objs[n++] = tri_malloc(size);
        while (atomic_load(&m->phase) != 2 * round + 1)
            sched_yield();
        if (n < 2048)
            objs[n++] = tri_malloc(size); /* waits for the lock */
        m->grown[round] = tri_tls_tcache->batch[m->c];
        atomic_store(&m->phase, 2 * round + 2);
    }
    m->other_grown = tri_tls_tcache->batch[m->other];
    m->small_kept = tri_tls_tcache->batch[m->small];
    m->at_most = tri_tls_tcache->batches_at_most;
    while (n)
        tri_free(objs[--n]);
    return NULL;
}

TEST(cache_batches_grow_where_threads_meet)
{
    tri_ensure_init();
    meeting m = {.c = 31, .other = 43, .small = 20}; /* 1024, 4096 and 352-byte objects */
    CHECK(tri_class_size[m.c] == 1024 && tri_class_size[m.other] == 4096 && tri_class_size[m.small] == 352);
    unsigned base = tri_class_batch[m.c], most = 65536 / tri_class_size[m.c];
    pthread_t t;
    pthread_create(&t, NULL, refill_where_locked, &m);
    while (!atomic_load(&m.alone_done))
        sched_yield();
    for (int round = 0; round < MEET_ROUNDS; round++) {
        tri_central_lock_all();
        atomic_store(&m.phase, 2 * round + 1);
        usleep(50000); /* the other thread reaches the lock and waits */
        tri_central_unlock_all(false);
        while (atomic_load(&m.phase) != 2 * round + 2)
            sched_yield();
    }
    pthread_join(t, NULL);
    CHECKF(m.alone == base, "a thread alone changed its batch: %u, the class's %u", m.alone, base);
    CHECKF(m.grown[0] == 2 * base, "after one wait the batch is %u, not %u", m.grown[0], 2 * base);
    CHECKF(m.grown[MEET_ROUNDS - 1] == most && m.at_most, "after %d waits the batch is %u, its most %u",
           MEET_ROUNDS, m.grown[MEET_ROUNDS - 1], most);
    CHECKF(m.other_grown > tri_class_batch[m.other], "class %u's batch stayed at %u", m.other, m.other_grown);
    CHECKF(m.small_kept == tri_class_batch[m.small], "class %u's batch (352-byte objects) grew to %u", m.small,
           m.small_kept);
}
#endif

