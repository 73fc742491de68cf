/*
 * The allocation workloads behind `make bench` and `tricolor bench`.
 *
 *   churn       one thread replaces random slots of a 10 000-object working
 *               set with objects of random size (mostly small, a few large)
 *   churn-mt    the same in several threads at once
 *   prodcons    producer threads allocate, consumer threads check and free:
 *               every free is from another thread
 *   larson      a server: generations of threads each take over the working
 *               set the previous generation allocated and keep replacing it
 *   threads     many short-lived threads with short-lived objects
 *   realloc     buffers grown a few bytes at a time by realloc
 *   bigset      a working set of 3 million objects, half freed at random and
 *               refilled with larger ones: fragmentation and peak memory
 *
 * And held-in copies of the kinds of program mimalloc-bench measures, where
 * an allocator's page policy shows (faults, system time) as much as its
 * fast path:
 *
 *   largeblocks   a window of 32 blocks of 64 KiB to 4 MiB replaced at
 *                 random, each page touched once when allocated
 *   malloc-large  20 buffers of 5 to 25 MiB replaced at random, each filled
 *                 in full (as C++'s make_unique<char[]> zeroes them)
 *   xmalloc       allocating threads fill batches of 4096 objects of 64
 *                 bytes and hand them to freeing threads through one shared
 *                 queue of up to 100 batches: every free is another
 *                 thread's, by a thread that never allocates
 *   alloctest     small objects, most under 128 bytes, replacing random
 *                 slots of a working set in one thread: the fast paths and
 *                 the exchanges with the central lists, nothing else
 *
 * Built with MANAGER_TRICOLOR the workloads call tri_malloc and friends;
 * with MANAGER_MALLOC they call the C library's names, so LD_PRELOAD
 * chooses the allocator.
 */
#include "alloc.h"

#include <stdatomic.h>
#if !defined(__wasm__)
#define WL_THREADS 1
#include <pthread.h>
#include <sched.h>
#else
#define WL_THREADS 0 /* WebAssembly modules here have one thread */
#endif
#include <stdlib.h>
#include <string.h>

#ifdef MANAGER_TRICOLOR
#include "tricolor.h"
#define wl_malloc tri_malloc
#define wl_free tri_free
#define wl_realloc tri_realloc
#else
#define wl_malloc malloc
#define wl_free free
#define wl_realloc realloc
#endif

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t rng_seed(uint64_t k)
{
    return 0x9E3779B97F4A7C15ULL * (k + 1) | 1;
}

static uint64_t scaled(double scale, uint64_t n)
{
    uint64_t v = (uint64_t)((double)n * scale);
    return v ? v : 1;
}

/* Mostly small objects, as real programs allocate, with a tail of large ones. */
static size_t churn_size(uint64_t r)
{
    uint64_t bucket = r % 1000, v = r >> 10;
    if (bucket < 600)
        return 8 + v % 57;          /* 8..64 */
    if (bucket < 850)
        return 65 + v % 448;        /* 65..512 */
    if (bucket < 970)
        return 513 + v % 3584;      /* 513..4096 */
    if (bucket < 997)
        return 4097 + v % 28672;    /* 4097..32768 */
    return 32769 + v % 229376;      /* 32769..262144 */
}

/* Writes a tag to the first and last 8 bytes (or all of a smaller object). */
static void stamp(void *p, size_t n, uint64_t tag)
{
    if (n >= 16) {
        memcpy(p, &tag, 8);
        memcpy((char *)p + n - 8, &tag, 8);
    } else {
        memset(p, (int)(tag & 0xff), n);
    }
}

static int stamped(const void *p, size_t n, uint64_t tag)
{
    if (n >= 16) {
        uint64_t a, b;
        memcpy(&a, p, 8);
        memcpy(&b, (const char *)p + n - 8, 8);
        return a == tag && b == tag;
    }
    for (size_t i = 0; i < n; i++)
        if (((const unsigned char *)p)[i] != (tag & 0xff))
            return 0;
    return 1;
}

typedef struct slot {
    void *p;
    uint32_t size;
    uint32_t tag;
} slot;

static void *xmalloc(size_t n)
{
    void *p = wl_malloc(n);
    if (!p)
        abort();
    return p;
}

/* The workload now holds `more` bytes more and `less` fewer (see
 * wl_result.live). */
static void held(wl_result *r, size_t more, size_t less)
{
    r->live = r->live + more - less;
    if (r->live > r->live_peak)
        r->live_peak = r->live;
}

/* --- churn ------------------------------------------------------------------ */

enum { CHURN_SLOTS = 10000 };

static void churn_thread(uint64_t seed, uint64_t ops, wl_result *r)
{
    slot *s = xmalloc(sizeof(slot) * CHURN_SLOTS);
    held(r, sizeof(slot) * CHURN_SLOTS, 0);
    memset(s, 0, sizeof(slot) * CHURN_SLOTS);
    uint64_t rng = rng_seed(seed);
    for (uint64_t i = 0; i < ops; i++) {
        uint64_t x = rng_next(&rng);
        slot *k = &s[x % CHURN_SLOTS];
        if (k->p) {
            r->errors += !stamped(k->p, k->size, k->tag);
            wl_free(k->p);
            held(r, 0, k->size);
        }
        k->size = (uint32_t)churn_size(rng_next(&rng));
        k->tag = (uint32_t)x;
        k->p = xmalloc(k->size);
        held(r, k->size, 0);
        stamp(k->p, k->size, k->tag);
        r->checksum += k->size;
    }
    for (int i = 0; i < CHURN_SLOTS; i++)
        if (s[i].p) {
            r->errors += !stamped(s[i].p, s[i].size, s[i].tag);
            wl_free(s[i].p);
            held(r, 0, s[i].size);
        }
    wl_free(s);
    held(r, 0, sizeof(slot) * CHURN_SLOTS);
    r->ops += ops;
}

static void run_churn(const wl_params *p, wl_result *r)
{
    churn_thread(1, scaled(p->scale, 6000000), r);
}

#if WL_THREADS
typedef struct worker {
    pthread_t thread;
    int index;
    const wl_params *params;
    wl_result result;
    void *arg;
} worker;

static void run_workers(const wl_params *p, int n, void *(*fn)(void *), void *arg, wl_result *r)
{
    worker *w = calloc((size_t)n, sizeof *w);
    if (!w)
        abort();
    for (int i = 0; i < n; i++) {
        w[i].index = i;
        w[i].params = p;
        w[i].arg = arg;
        if (pthread_create(&w[i].thread, NULL, fn, &w[i]) != 0)
            abort();
    }
    for (int i = 0; i < n; i++) {
        pthread_join(w[i].thread, NULL);
        r->ops += w[i].result.ops;
        r->checksum += w[i].result.checksum;
        r->errors += w[i].result.errors;
    }
    free(w);
}

static void *churn_worker(void *arg)
{
    worker *w = arg;
    churn_thread((uint64_t)w->index + 1, scaled(w->params->scale, 3000000), &w->result);
    return NULL;
}

static void run_churn_mt(const wl_params *p, wl_result *r)
{
    run_workers(p, p->threads, churn_worker, NULL, r);
}

/* --- producer -> consumer ------------------------------------------------------ */

enum { RING = 4096 };

typedef struct ring {
    _Atomic uint64_t head __attribute__((aligned(64))); /* next to write */
    _Atomic uint64_t tail __attribute__((aligned(64))); /* next to read */
    void *items[RING] __attribute__((aligned(64)));
} ring;

static void *producer(void *arg)
{
    worker *w = arg;
    ring *q = (ring *)w->arg + w->index / 2;
    uint64_t n = scaled(w->params->scale, 4000000), rng = rng_seed((uint64_t)w->index);
    for (uint64_t i = 0; i < n; i++) {
        size_t size = 16 + rng_next(&rng) % 497;
        uint64_t *o = xmalloc(size);
        o[0] = size;
        o[1] = i;
        uint64_t h = atomic_load_explicit(&q->head, memory_order_relaxed);
        while (h - atomic_load_explicit(&q->tail, memory_order_acquire) == RING)
            sched_yield();
        q->items[h % RING] = o;
        atomic_store_explicit(&q->head, h + 1, memory_order_release);
        w->result.checksum += size;
    }
    w->result.ops += n;
    return NULL;
}

static void *consumer(void *arg)
{
    worker *w = arg;
    ring *q = (ring *)w->arg + w->index / 2;
    uint64_t n = scaled(w->params->scale, 4000000);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t t = atomic_load_explicit(&q->tail, memory_order_relaxed);
        while (atomic_load_explicit(&q->head, memory_order_acquire) == t)
            sched_yield();
        uint64_t *o = q->items[t % RING];
        atomic_store_explicit(&q->tail, t + 1, memory_order_release);
        w->result.errors += o[1] != i || o[0] < 16 || o[0] > 512;
        wl_free(o);
    }
    return NULL;
}

static void *prodcons_worker(void *arg)
{
    worker *w = arg;
    return w->index % 2 ? consumer(arg) : producer(arg);
}

static void run_prodcons(const wl_params *p, wl_result *r)
{
    int pairs = p->threads / 2 > 0 ? p->threads / 2 : 1;
    ring *q = aligned_alloc(64, sizeof(ring) * (size_t)pairs);
    if (!q)
        abort();
    memset(q, 0, sizeof(ring) * (size_t)pairs);
    run_workers(p, pairs * 2, prodcons_worker, q, r);
    free(q);
}

/* --- larson: a server's threads come and go, the data stays --------------------- */

enum { LARSON_SLOTS = 2000 };

static void *larson_worker(void *arg)
{
    worker *w = arg;
    slot *s = w->arg;
    uint64_t rng = rng_seed((uint64_t)w->index * 7919 + (uint64_t)s[0].tag);
    uint64_t n = scaled(w->params->scale, 40000);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t x = rng_next(&rng);
        slot *k = &s[x % LARSON_SLOTS];
        w->result.errors += !stamped(k->p, k->size, k->tag);
        wl_free(k->p);
        k->size = (uint32_t)(8 + (x >> 32) % 993);
        k->tag = (uint32_t)(x >> 16);
        k->p = xmalloc(k->size);
        stamp(k->p, k->size, k->tag);
        w->result.checksum += k->size;
    }
    w->result.ops += n;
    return NULL;
}

static void run_larson(const wl_params *p, wl_result *r)
{
    int t = p->threads;
    slot **sets = malloc(sizeof(slot *) * (size_t)t);
    worker *w = calloc((size_t)t, sizeof *w);
    if (!sets || !w)
        abort();
    uint64_t rng = rng_seed(42);
    for (int i = 0; i < t; i++) {
        sets[i] = xmalloc(sizeof(slot) * LARSON_SLOTS);
        for (int k = 0; k < LARSON_SLOTS; k++) {
            uint64_t x = rng_next(&rng);
            sets[i][k].size = (uint32_t)(8 + x % 993);
            sets[i][k].tag = (uint32_t)(x >> 32);
            sets[i][k].p = xmalloc(sets[i][k].size);
            stamp(sets[i][k].p, sets[i][k].size, sets[i][k].tag);
        }
    }
    int generations = 30;
    for (int g = 0; g < generations; g++) {
        for (int i = 0; i < t; i++) {
            w[i] = (worker){.index = i + g * t, .params = p, .arg = sets[(i + g) % t]};
            if (pthread_create(&w[i].thread, NULL, larson_worker, &w[i]) != 0)
                abort();
        }
        for (int i = 0; i < t; i++) {
            pthread_join(w[i].thread, NULL);
            r->ops += w[i].result.ops;
            r->checksum += w[i].result.checksum;
            r->errors += w[i].result.errors;
        }
    }
    for (int i = 0; i < t; i++) {
        for (int k = 0; k < LARSON_SLOTS; k++) {
            r->errors += !stamped(sets[i][k].p, sets[i][k].size, sets[i][k].tag);
            wl_free(sets[i][k].p);
        }
        wl_free(sets[i]);
    }
    free(sets);
    free(w);
}

/* --- many short-lived threads ------------------------------------------------- */

static void *short_worker(void *arg)
{
    worker *w = arg;
    enum { LIVE = 32 };
    slot s[LIVE] = {{0}};
    uint64_t rng = rng_seed((uint64_t)w->index);
    uint64_t n = 10000;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t x = rng_next(&rng);
        slot *k = &s[x % LIVE];
        if (k->p) {
            w->result.errors += !stamped(k->p, k->size, k->tag);
            wl_free(k->p);
        }
        k->size = (uint32_t)(8 + (x >> 32) % 249);
        k->tag = (uint32_t)(x >> 8);
        k->p = xmalloc(k->size);
        stamp(k->p, k->size, k->tag);
        w->result.checksum += k->size;
    }
    for (int i = 0; i < LIVE; i++)
        wl_free(s[i].p);
    w->result.ops += n;
    return NULL;
}

static void run_threads(const wl_params *p, wl_result *r)
{
    uint64_t rounds = scaled(p->scale, 150);
    for (uint64_t i = 0; i < rounds; i++)
        run_workers(p, p->threads, short_worker, NULL, r);
}

/* --- xmalloc: every free by a thread that never allocates ----------------------- */

enum { XM_BATCH = 4096, XM_QUEUE = 100, XM_SIZE = 64 };

typedef struct xm_queue {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    void **batches[XM_QUEUE]; /* full batches, waiting for a freeing thread */
    int count, producers_left;
} xm_queue;

static void *xm_allocator(void *arg)
{
    worker *w = arg;
    xm_queue *q = w->arg;
    uint64_t rng = rng_seed((uint64_t)w->index + 100), n = (scaled(w->params->scale, 10000000) + XM_BATCH - 1) / XM_BATCH;
    for (uint64_t b = 0; b < n; b++) {
        void **batch = xmalloc(sizeof(void *) * XM_BATCH);
        for (int i = 0; i < XM_BATCH; i++) {
            uint64_t *o = xmalloc(XM_SIZE);
            memset(o, i & 0xff, XM_SIZE); /* the program fills what it allocates */
            o[0] = rng_next(&rng) % 1000;
            batch[i] = o;
            w->result.checksum += o[0];
        }
        pthread_mutex_lock(&q->lock);
        while (q->count == XM_QUEUE)
            pthread_cond_wait(&q->changed, &q->lock);
        q->batches[q->count++] = batch;
        pthread_cond_broadcast(&q->changed);
        pthread_mutex_unlock(&q->lock);
    }
    pthread_mutex_lock(&q->lock);
    q->producers_left--;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
    w->result.ops += n * XM_BATCH;
    return NULL;
}

static void *xm_freer(void *arg)
{
    worker *w = arg;
    xm_queue *q = w->arg;
    for (;;) {
        pthread_mutex_lock(&q->lock);
        while (q->count == 0 && q->producers_left > 0)
            pthread_cond_wait(&q->changed, &q->lock);
        if (q->count == 0) {
            pthread_mutex_unlock(&q->lock);
            return NULL;
        }
        void **batch = q->batches[--q->count];
        pthread_cond_broadcast(&q->changed);
        pthread_mutex_unlock(&q->lock);
        for (int i = 0; i < XM_BATCH; i++) {
            uint64_t *o = batch[i];
            w->result.errors += o[0] >= 1000 || ((unsigned char *)o)[XM_SIZE - 1] != (i & 0xff);
            wl_free(o);
        }
        wl_free(batch);
    }
}

static void *xmalloc_worker(void *arg)
{
    worker *w = arg;
    return w->index % 2 ? xm_freer(arg) : xm_allocator(arg);
}

static void run_xmalloc(const wl_params *p, wl_result *r)
{
    int pairs = p->threads / 2 > 0 ? p->threads / 2 : 1;
    xm_queue q = {.count = 0, .producers_left = pairs};
    pthread_mutex_init(&q.lock, NULL);
    pthread_cond_init(&q.changed, NULL);
    run_workers(p, pairs * 2, xmalloc_worker, &q, r);
    pthread_mutex_destroy(&q.lock);
    pthread_cond_destroy(&q.changed);
}

#endif /* WL_THREADS */

/* --- realloc growth -------------------------------------------------------------- */

static unsigned char grow_byte(uint64_t pos, uint64_t id) { return (unsigned char)(pos * 31 + id * 7); }

static void run_realloc(const wl_params *p, wl_result *r)
{
    enum { BUFS = 1000 };
    typedef struct { unsigned char *p; size_t size, limit; uint64_t id; } buf;
    buf *b = xmalloc(sizeof(buf) * BUFS);
    held(r, sizeof(buf) * BUFS, 0);
    memset(b, 0, sizeof(buf) * BUFS);
    uint64_t rng = rng_seed(7), next_id = 0, ops = scaled(p->scale, 4000000);
    for (uint64_t i = 0; i < ops; i++) {
        uint64_t x = rng_next(&rng);
        buf *k = &b[x % BUFS];
        if (!k->p || k->size >= k->limit) {
            if (k->p) {
                for (size_t j = 0; j < k->size; j++)
                    if (k->p[j] != grow_byte(j, k->id)) {
                        r->errors++;
                        break;
                    }
                wl_free(k->p);
                held(r, 0, k->size);
            }
            k->p = NULL;
            k->size = 0;
            k->id = next_id++;
            k->limit = (size_t)1 << (6 + (x >> 40) % 15); /* 64 B .. 1 MiB */
        }
        size_t add = 1 + (x >> 20) % 64;
        unsigned char *q = wl_realloc(k->p, k->size + add);
        if (!q)
            abort();
        for (size_t j = k->size; j < k->size + add; j++)
            q[j] = grow_byte(j, k->id);
        held(r, add, 0);
        k->p = q;
        k->size += add;
        r->checksum += add;
    }
    for (int i = 0; i < BUFS; i++) {
        wl_free(b[i].p);
        held(r, 0, b[i].size);
    }
    wl_free(b);
    held(r, 0, sizeof(buf) * BUFS);
    r->ops += ops;
}

/* --- a big working set ----------------------------------------------------------- */

static void run_bigset(const wl_params *p, wl_result *r)
{
    uint64_t n = scaled(p->scale, 3000000), rng = rng_seed(3);
    slot *s = xmalloc(sizeof(slot) * n);
    held(r, sizeof(slot) * n, 0);
    for (uint64_t i = 0; i < n; i++) {
        uint64_t x = rng_next(&rng);
        s[i].size = (uint32_t)(16 + x % 241);
        s[i].tag = (uint32_t)(x >> 32);
        s[i].p = xmalloc(s[i].size);
        held(r, s[i].size, 0);
        stamp(s[i].p, s[i].size, s[i].tag);
    }
    for (uint64_t i = 0; i < n; i++)
        if (rng_next(&rng) & 1) {
            r->errors += !stamped(s[i].p, s[i].size, s[i].tag);
            wl_free(s[i].p);
            held(r, 0, s[i].size);
            s[i].p = NULL;
        }
    for (uint64_t i = 0; i < n; i++)
        if (!s[i].p) {
            uint64_t x = rng_next(&rng);
            s[i].size = (uint32_t)(32 + x % 481);
            s[i].tag = (uint32_t)(x >> 32);
            s[i].p = xmalloc(s[i].size);
            held(r, s[i].size, 0);
            stamp(s[i].p, s[i].size, s[i].tag);
        }
    for (uint64_t i = 0; i < n; i++) {
        r->errors += !stamped(s[i].p, s[i].size, s[i].tag);
        r->checksum += s[i].size;
        wl_free(s[i].p);
        held(r, 0, s[i].size);
    }
    wl_free(s);
    held(r, 0, sizeof(slot) * n);
    r->ops += n * 3 / 2;
}

/* --- large blocks: a window replaced at random ------------------------------------ */

/* Writes one byte in every 4 KiB page of [p, p + n): what a program that
 * fills a buffer pays in page faults, without the cost of filling it. */
static uint64_t touch_pages(unsigned char *p, size_t n, uint64_t tag)
{
    for (size_t i = 0; i < n; i += 4096)
        p[i] = (unsigned char)(tag + i / 4096);
    p[n - 1] = (unsigned char)tag;
    return p[0];
}

static void run_largeblocks(const wl_params *p, wl_result *r)
{
    enum { WINDOW = 32 };
    slot s[WINDOW] = {{0}};
    uint64_t rng = rng_seed(11), ops = scaled(p->scale, 40000);
    for (uint64_t i = 0; i < ops; i++) {
        uint64_t x = rng_next(&rng);
        slot *k = &s[x % WINDOW];
        if (k->p) {
            r->errors += ((unsigned char *)k->p)[k->size - 1] != (unsigned char)k->tag;
            wl_free(k->p);
            held(r, 0, k->size);
        }
        k->size = (uint32_t)((64u << 10) + (x >> 20) % ((4u << 20) - (64u << 10) + 1));
        k->tag = (uint32_t)(x >> 8);
        k->p = xmalloc(k->size);
        held(r, k->size, 0);
        r->checksum += touch_pages(k->p, k->size, k->tag) + k->size;
    }
    for (int i = 0; i < WINDOW; i++) {
        wl_free(s[i].p);
        held(r, 0, s[i].size);
    }
    r->ops += ops;
}

static void run_malloc_large(const wl_params *p, wl_result *r)
{
    enum { BUFFERS = 20 };
    slot s[BUFFERS] = {{0}};
    uint64_t rng = rng_seed(42), ops = scaled(p->scale, 500);
    for (uint64_t i = 0; i < ops; i++) {
        uint64_t x = rng_next(&rng);
        slot *k = &s[x % BUFFERS];
        if (k->p) {
            r->errors += ((unsigned char *)k->p)[k->size / 2] != (unsigned char)k->tag;
            wl_free(k->p);
            held(r, 0, k->size);
        }
        k->size = (uint32_t)((5u << 20) + (x >> 24) % ((20u << 20) + 1));
        k->tag = (uint32_t)(x >> 8) | 1;
        k->p = xmalloc(k->size);
        held(r, k->size, 0);
        /* Not zeros: a compiler would make malloc and memset(0) one calloc,
         * which fresh pages satisfy without a write. */
        memset(k->p, (int)(k->tag & 0xff), k->size);
        r->checksum += k->size;
    }
    for (int i = 0; i < BUFFERS; i++) {
        wl_free(s[i].p);
        held(r, 0, s[i].size);
    }
    r->ops += ops;
}

/* --- alloc-test: small objects in one thread --------------------------------------- */

/* Most objects small, as in a program's own data structures: half of 8..64
 * bytes, most of the rest up to 128, a few up to 1 KiB. */
static size_t small_size(uint64_t r)
{
    uint64_t bucket = r % 16, v = r >> 8;
    if (bucket < 8)
        return 8 + v % 57;
    if (bucket < 14)
        return 65 + v % 64;
    return 129 + v % 896;
}

static void run_alloctest(const wl_params *p, wl_result *r)
{
    enum { SLOTS = 1 << 14 };
    void **s = xmalloc(sizeof(void *) * SLOTS);
    memset(s, 0, sizeof(void *) * SLOTS);
    uint64_t rng = rng_seed(5), ops = scaled(p->scale, 20000000);
    for (uint64_t i = 0; i < ops; i++) {
        uint64_t x = rng_next(&rng);
        void **k = &s[x % SLOTS];
        if (*k) {
            r->errors += *(unsigned char *)*k != (unsigned char)((uintptr_t)*k >> 4);
            wl_free(*k);
        }
        size_t n = small_size(x >> 14);
        *k = xmalloc(n);
        *(unsigned char *)*k = (unsigned char)((uintptr_t)*k >> 4);
        r->checksum += n;
    }
    for (int i = 0; i < SLOTS; i++)
        wl_free(s[i]);
    wl_free(s);
    r->ops += ops;
}

#if WL_THREADS
#define THREADED(fn) fn
#else
#define THREADED(fn) NULL /* not on a platform without threads */
#endif

const wl_workload wl_workloads[] = {
    {"churn", "random sizes replacing a 10 000-object working set, one thread", 0, 1, run_churn},
    {"churn-mt", "churn in several threads at once", 1, 2, THREADED(run_churn_mt)},
    {"prodcons", "producers allocate, consumers free: all frees cross threads", 1, 2, THREADED(run_prodcons)},
    {"larson", "server-like: thread generations take over a shared working set", 1, 4, THREADED(run_larson)},
    {"threads", "many short-lived threads with short-lived objects", 1, 16, THREADED(run_threads)},
    {"realloc", "buffers grown a few bytes at a time with realloc", 0, 1, run_realloc},
    {"bigset", "3 million objects, half replaced by larger ones", 0, 1, run_bigset},
    {"largeblocks", "32 blocks of 64 KiB to 4 MiB replaced at random, every page touched", 0, 1, run_largeblocks},
    {"malloc-large", "20 buffers of 5 to 25 MiB replaced at random, each filled", 0, 1, run_malloc_large},
    {"xmalloc", "batches of 4096 objects freed by threads that never allocate", 1, 4, THREADED(run_xmalloc)},
    {"alloctest", "small objects replacing a working set at random, one thread", 0, 1, run_alloctest},
};
const int wl_count = sizeof wl_workloads / sizeof wl_workloads[0];

const wl_workload *wl_find(const char *name)
{
    for (int i = 0; i < wl_count; i++)
        if (strcmp(wl_workloads[i].name, name) == 0)
            return &wl_workloads[i];
    return NULL;
}
