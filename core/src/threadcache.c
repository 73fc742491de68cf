/*
 * Thread caches (TCMalloc's ThreadCache, Go's mcache): per thread and size
 * class, a stack of free objects. malloc pops and free pushes with plain
 * loads and stores (see tri_malloc and tri_free in malloc.c); only these slow
 * paths talk to the central lists:
 *
 *   empty stack on malloc   refill one batch from the central list
 *   full stack on free      flush the oldest batch back to it
 *
 * A stack holds one batch at first and grows to two once the thread
 * allocates from it (TCMalloc's slow start): a thread that only frees a
 * class, as a consumer does, hoards half as much.
 *
 * An object freed by another thread than the one that allocated it simply
 * joins the freeing thread's stack and goes back to its span with that
 * thread's next flush, so frees across threads cost what local ones do.
 *
 * Batches grow where threads meet. A batch starts at the class's (about
 * 16 KiB of objects, sizeclass.c). When a refill or flush has to wait for
 * a lock another thread holds (the central list's, or the page heap's
 * behind it), its batches of the classes of TRI_BATCH_GROW_FROM bytes and
 * up double, to at most TRI_BATCH_MAX_BYTES of objects a class. A stack's
 * level wanders like a random walk between empty and full, so each
 * doubling makes its exchanges about a quarter as frequent. Those classes
 * are where threads meet: a few objects a span, batches of 2 to 16, an
 * exchange every few mallocs. Below them batches hold 16 to 128 objects
 * already (in churn-mt, 64 KiB batches for the smaller classes alone gained
 * nothing, for the larger ones alone all of it), and each stack's slots
 * are touched when a thread starts, so they stay as they were. All of them
 * grow on one wait rather than the class that waited: waits are rare for
 * any one class (growing only that one took churn-mt 3% where growing all
 * took 6%). A thread that never waits keeps the classes' batches and their
 * memory: a program of one thread, WebAssembly included, caches what it
 * did before; a thread that waits holds at most 128 KiB a class.
 *
 * Life cycle. A thread starts on `tcache_empty`, whose stacks are empty and
 * full at once, so its first malloc or free lands here and builds the
 * thread's cache. At thread exit the platform's thread-exit destructor
 * (prim.h) flushes the cache and recycles it; the thread then runs on `tcache_dead`, which sends every
 * request straight to the central lists, so frees in later destructors are
 * still served and nothing leaks. The same state covers the re-entrant
 * mallocs the C library may make while a cache is being set up.
 *
 * fork(): the handlers hold every lock across the fork; in the child the
 * caches of threads that do not exist there are dropped.
 */
#include <errno.h>

#include "internal.h"

/* One guard slot below every stack: free() compares the top of the stack
 * with the pointer being freed, and an empty stack must have something to
 * compare. */
static void *guard_slot[1];
#define EMPTY_BIN { guard_slot + 1, guard_slot + 1, guard_slot + 1, 0 }

static tri_tcache tcache_empty = { .bins = { [0 ... TRI_NUM_CLASSES - 1] = EMPTY_BIN } };
static tri_tcache tcache_dead = { .bins = { [0 ... TRI_NUM_CLASSES - 1] = EMPTY_BIN } };

__thread tri_tcache *tri_tls_tcache __attribute__((tls_model("initial-exec"))) = &tcache_empty;
__thread unsigned tri_tls_lock_waits __attribute__((tls_model("initial-exec")));

static struct {
    tri_lock lock;        /* the list of caches, the pool, retired counts */
    TRI_LIST(tri_tcache) live;
    tri_pool pool;
    uint64_t nlive;
    uint64_t retired_hits;
    uint64_t retired_mallocs[TRI_NUM_CLASSES];
} reg;

#if defined(__wasm__)
#define TRI_BATCH_MAX_BYTES 0 /* one thread: nobody to meet */
#else
#define TRI_BATCH_MAX_BYTES 65536
#endif
#define TRI_BATCH_GROW_FROM 1024 /* object size from which batches grow */

static uint16_t class_capacity[TRI_NUM_CLASSES]; /* stack slots: two of the largest batches */

/* --- statistics ------------------------------------------------------------ */

static void publish_bin(tri_tcache *tc, unsigned c)
{
    tri_bin *b = &tc->bins[c];
    tc->mallocs[c] += b->nalloc;
    uint64_t hits = atomic_load_explicit(&tc->pub_hits, memory_order_relaxed) + b->nalloc;
    b->nalloc = 0;
    atomic_store_explicit(&tc->pub_hits, hits, memory_order_relaxed);
    atomic_store_explicit(&tc->pub_mallocs[c], tc->mallocs[c], memory_order_relaxed);
    atomic_store_explicit(&tc->pub_cached[c], (uint32_t)(b->cur - b->lo), memory_order_relaxed);
}

void tri_tcache_publish(tri_tcache *tc)
{
    if (tc == &tcache_empty || tc == &tcache_dead)
        return;
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++)
        publish_bin(tc, c);
}

void tri_tcache_collect(uint64_t *hits, uint64_t cached[TRI_NUM_CLASSES], uint64_t mallocs[TRI_NUM_CLASSES],
                        uint64_t *threads)
{
    tri_lock_acquire(&reg.lock);
    *hits = reg.retired_hits;
    *threads = reg.nlive;
    for (unsigned c = 0; c < TRI_NUM_CLASSES; c++) {
        cached[c] = 0;
        mallocs[c] = reg.retired_mallocs[c];
    }
    tri_list_for_each(&reg.live, tc, link) {
        *hits += atomic_load_explicit(&tc->pub_hits, memory_order_relaxed);
        for (unsigned c = 1; c < TRI_NUM_CLASSES; c++) {
            cached[c] += atomic_load_explicit(&tc->pub_cached[c], memory_order_relaxed);
            mallocs[c] += atomic_load_explicit(&tc->pub_mallocs[c], memory_order_relaxed);
        }
    }
    tri_lock_release(&reg.lock);
}

/* --- creation and exit ------------------------------------------------------ */

static tri_tcache *tcache_create(void)
{
    tri_ensure_init();
    tri_tls_tcache = &tcache_dead; /* re-entrant mallocs bypass caches meanwhile */
    tri_lock_acquire(&reg.lock);
    tri_tcache *tc = tri_pool_alloc(&reg.pool);
    if (tc) {
        tri_list_push_front(&reg.live, tc, link);
        reg.nlive++;
    }
    tri_lock_release(&reg.lock);
    if (!tc)
        return NULL;
    void **slot = (void **)(tc + 1);
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++) {
        *slot++ = NULL; /* guard */
        tc->bins[c].lo = tc->bins[c].cur = slot;
        tc->bins[c].hi = slot + tri_class_batch[c];
        slot += class_capacity[c];
        tc->batch[c] = tri_class_batch[c];
    }
    tc->bins[0] = tcache_empty.bins[0];
    tri_prim_thread_exit_set(tc);
    tri_tls_tcache = tc;
    return tc;
}

static void tcache_flush(tri_tcache *tc)
{
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++) {
        tri_bin *b = &tc->bins[c];
        if (b->cur != b->lo)
            tri_central_flush(c, b->lo, (unsigned)(b->cur - b->lo));
        b->cur = b->lo;
        if (tc->owned[c]) {
            tri_central_disown(c, tc->owned[c]);
            tc->owned[c] = NULL;
        }
        publish_bin(tc, c);
    }
}

static void tcache_destroy(void *arg)
{
    tri_tcache *tc = arg;
    tri_tls_tcache = &tcache_dead;
    tcache_flush(tc);
    tri_lock_acquire(&reg.lock);
    reg.retired_hits += atomic_load_explicit(&tc->pub_hits, memory_order_relaxed);
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++)
        reg.retired_mallocs[c] += tc->mallocs[c];
    tri_list_unlink(&reg.live, tc, link);
    reg.nlive--;
    tri_pool_free(&reg.pool, tc);
    tri_lock_release(&reg.lock);
}

/* --- slow paths --------------------------------------------------------------- */

/* Serves one object straight from the central list (no cache, or none yet). */
static void *malloc_direct(unsigned c)
{
    void *p;
    enum tri_level level;
    tri_span *none = NULL;
    unsigned got = tri_central_refill(c, &p, 1, &none, &level);
    if (none)
        tri_central_disown(c, none);
    if (!got) {
        errno = ENOMEM;
        return NULL;
    }
    tri_count_level(level, 1);
    return p;
}

/* After an exchange with a central list that began when this thread's
 * lock-wait count was waits: if it waited for a lock held by another, each
 * of its batches doubles, up to the class's most (see the top of the
 * file), and each stack's capacity with it. */
static void batches_grow_if_waited(tri_tcache *tc, unsigned waits)
{
    if (tri_tls_lock_waits == waits || tc->batches_at_most)
        return;
    bool more = false;
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++) {
        unsigned old = tc->batch[c], max = class_capacity[c] / 2u;
        if (old >= max)
            continue;
        unsigned grown = 2 * old < max ? 2 * old : max;
        tri_bin *b = &tc->bins[c];
        b->hi = b->lo + (unsigned)(b->hi - b->lo) / old * grown; /* one batch or two, as before */
        tc->batch[c] = (uint16_t)grown;
        more |= grown < max;
    }
    tc->batches_at_most = !more;
}

void *tri_tcache_malloc_slow(unsigned c)
{
    tri_tcache *tc = tri_tls_tcache;
    if (tc == &tcache_empty)
        tc = tcache_create();
    if (!tc || tc == &tcache_dead)
        return malloc_direct(c);
    tri_bin *b = &tc->bins[c];
    enum tri_level level;
    unsigned waits = tri_tls_lock_waits;
    unsigned n = tri_central_refill(c, b->lo, tc->batch[c], &tc->owned[c], &level);
    if (n == 0) {
        errno = ENOMEM;
        return NULL;
    }
    b->cur = b->lo + n - 1;
    if ((unsigned)(b->hi - b->lo) < 2u * tc->batch[c])
        b->hi += tc->batch[c]; /* this thread allocates here: let it hold more */
    batches_grow_if_waited(tc, waits);
    tc->mallocs[c]++;
    tri_count_level(level, 1);
    publish_bin(tc, c);
    return *b->cur;
}

void tri_tcache_free_slow(void *p, unsigned c)
{
    tri_asan_free(p, tri_class_size[c]);
    tri_tcache *tc = tri_tls_tcache;
    if (tc == &tcache_empty)
        tc = tcache_create();
    if (!tc || tc == &tcache_dead) {
        tri_central_flush(c, &p, 1);
        return;
    }
    tri_bin *b = &tc->bins[c];
    if (b->cur != b->lo && b->cur[-1] == p)
        tri_fatal_pointer("free", p, "double free: the object was just freed");
    if (b->cur == b->hi) {
        unsigned n = tc->batch[c]; /* the oldest batch: all of it at one-batch capacity */
        unsigned waits = tri_tls_lock_waits;
        tri_central_flush(c, b->lo, n);
        memmove(b->lo, b->lo + n, (size_t)(b->cur - b->lo - n) * sizeof(void *));
        b->cur -= n;
        batches_grow_if_waited(tc, waits);
    }
    *b->cur++ = p;
    publish_bin(tc, c);
}

void tri_thread_flush(void)
{
    tri_tcache *tc = tri_tls_tcache;
    if (tc != &tcache_empty && tc != &tcache_dead)
        tcache_flush(tc);
}

/* --- fork ------------------------------------------------------------------- */


static void before_fork(void)
{
    tri_lock_acquire(&reg.lock);
    tri_central_lock_all();
    tri_pageheap_lock();
}

static void after_fork_parent(void)
{
    tri_pageheap_unlock();
    tri_central_unlock_all(false);
    tri_lock_release(&reg.lock);
}

static void after_fork_child(void)
{
    tri_pageheap_reset_lock();
    tri_central_unlock_all(true);
    tri_lock_reset(&reg.lock);
    /* Only the forking thread lives on. Other caches' objects are lost to
     * the child, as the threads that held them are. */
    tri_tcache *self = tri_tls_tcache;
    while (!tri_list_empty(&reg.live)) {
        tri_tcache *tc = reg.live.first;
        tri_list_unlink(&reg.live, tc, link);
        if (tc != self) {
            reg.retired_hits += atomic_load_explicit(&tc->pub_hits, memory_order_relaxed);
            tri_pool_free(&reg.pool, tc);
            reg.nlive--;
        }
    }
    if (self != &tcache_empty && self != &tcache_dead)
        tri_list_push_front(&reg.live, self, link);
}

void tri_tcache_init(void)
{
    size_t slots = 0;
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++) {
        unsigned most = tri_class_size[c] < TRI_BATCH_GROW_FROM ? 0 : TRI_BATCH_MAX_BYTES / tri_class_size[c];
        class_capacity[c] = (uint16_t)(2 * (most > tri_class_batch[c] ? most : tri_class_batch[c]));
        slots += 1u + class_capacity[c];
    }
    reg.pool.name = "thread caches";
    reg.pool.item_size = sizeof(tri_tcache) + slots * sizeof(void *);
    if (!tri_prim_thread_exit_init(tcache_destroy))
        tri_fatal("cannot create the thread-cache key");
}

void tri_tcache_init_fork(void)
{
    tri_prim_atfork(before_fork, after_fork_parent, after_fork_child);
}
