/* Randomized and multi-threaded tests: a model of the heap checked after
 * every operation, threads handing objects to each other, threads created
 * and exiting at a high rate, and fork() while other threads allocate. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if !defined(__wasm__)
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include "harness.h"
#include "internal.h"

/* Every live object is filled with a byte pattern derived from its id; the
 * model remembers id and size. Overlapping objects, lost contents or a
 * double hand-out all show up as a pattern mismatch. */
typedef struct live { unsigned char *p; size_t size; uint32_t id; } live;

static unsigned char pattern(uint32_t id, size_t i) { return (unsigned char)(id * 131 + i * 7 + (i >> 8)); }

static void paint(live *o)
{
    for (size_t i = 0; i < o->size; i++)
        o->p[i] = pattern(o->id, i);
}

static int intact(const live *o)
{
    for (size_t i = 0; i < o->size; i++)
        if (o->p[i] != pattern(o->id, i))
            return 0;
    return 1;
}

static size_t random_size(uint64_t *rng)
{
    uint64_t r = th_rand(rng);
    switch (r % 16) {
    case 0: return 0;
    case 1: return (r >> 8) % 16;                     /* tiny */
    case 2: return 32768 + (r >> 8) % 200000;         /* large */
    case 3: return (r >> 8) % 32769;                  /* any small */
    default: return (r >> 8) % 512;                   /* common */
    }
}

TEST(stress_random_operations_against_model)
{
    enum { SLOTS = 3000, OPS = 400000 };
    static live slots[SLOTS];
    uint64_t rng = 12345, ids = 1;
    tri_stats st0, st1;
    tri_thread_flush();
    tri_get_stats(&st0);
    for (int op = 0; op < OPS; op++) {
        live *o = &slots[th_rand(&rng) % SLOTS];
        uint64_t what = th_rand(&rng) % 100;
        if (o->p && !intact(o))
            CHECKF(0, "op %d: object %u of %zu bytes at %p corrupted", op, o->id, o->size, (void *)o->p);
        if (what < 40) { /* free, then maybe allocate */
            tri_free(o->p);
            o->p = NULL;
            o->size = 0;
            if (what < 25)
                continue;
            o->size = random_size(&rng);
            o->p = tri_malloc(o->size);
        } else if (what < 60) { /* realloc: the prefix survives */
            size_t size = random_size(&rng);
            unsigned char *q = tri_realloc(o->p, size ? size : 1);
            CHECK(q != NULL);
            size_t keep = o->size < size ? o->size : size;
            for (size_t i = 0; i < keep; i++)
                CHECKF(q[i] == pattern(o->id, i), "op %d: realloc lost byte %zu", op, i);
            o->p = q;
            o->size = size ? size : 1;
        } else if (what < 75) {
            tri_free(o->p);
            size_t n = 1 + th_rand(&rng) % 40, each = random_size(&rng) / 40;
            o->size = n * each;
            o->p = tri_calloc(n, each);
            CHECK(o->p != NULL);
            for (size_t i = 0; i < o->size; i++)
                CHECKF(o->p[i] == 0, "op %d: calloc byte %zu not zero", op, i);
        } else if (what < 85) {
            tri_free(o->p);
            size_t align = (size_t)1 << (th_rand(&rng) % 16);
            o->size = random_size(&rng);
            o->p = tri_aligned_alloc(align, o->size);
            CHECK(o->p && (uintptr_t)o->p % align == 0);
        } else if (what < 86) {
            tri_thread_flush();
            continue;
        } else if (what == 86 && op % 7 == 0) {
            tri_release_idle_memory();
            continue;
        } else {
            continue;
        }
        CHECK(o->p != NULL);
        CHECK(tri_usable_size(o->p) >= o->size);
        o->id = (uint32_t)ids++;
        paint(o);
    }
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i].p)
            CHECKF(intact(&slots[i]), "object %u corrupted at the end", slots[i].id);
        tri_free(slots[i].p);
        slots[i].p = NULL;
    }
    tri_thread_flush();
    tri_get_stats(&st1);
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++)
        CHECKF(st1.classes[c].objects + st1.classes[c].cached == st0.classes[c].objects + st0.classes[c].cached,
               "class %u: %llu objects out, %llu before", c, (unsigned long long)st1.classes[c].objects,
               (unsigned long long)st0.classes[c].objects);
    CHECK(st1.large_objects == st0.large_objects && st1.large_bytes == st0.large_bytes);
}

#if TH_HAVE_THREADS
/* --- threads hand objects to each other --------------------------------------- */

enum { THREADS = 4, PER_THREAD = 150000, QUEUE = 1024 };

typedef struct mailbox {
    pthread_mutex_t lock;
    live items[QUEUE];
    int head, count;
} mailbox;

static mailbox boxes[THREADS];
static _Atomic int stress_errors;
static _Atomic int senders_left;

static void *stress_thread(void *arg)
{
    int self = (int)(intptr_t)arg;
    uint64_t rng = 777 + (uint64_t)self;
    uint32_t next_id = (uint32_t)self << 24;
    for (int i = 0; i < PER_THREAD; i++) {
        live o = {NULL, random_size(&rng) % 4096, next_id++};
        if (i % 100 == 0)
            o.size = 40000 + (size_t)(th_rand(&rng) % 100000); /* some large */
        o.p = tri_malloc(o.size);
        if (!o.p) {
            stress_errors++;
            continue;
        }
        paint(&o);
        mailbox *to = &boxes[th_rand(&rng) % THREADS];
        int sent = 0;
        while (!sent) {
            pthread_mutex_lock(&to->lock);
            if (to->count < QUEUE) {
                to->items[(to->head + to->count++) % QUEUE] = o;
                sent = 1;
            }
            pthread_mutex_unlock(&to->lock);
            if (!sent)
                to = &boxes[self];
            /* drain our own mailbox: check and free what others sent */
            mailbox *mine = &boxes[self];
            pthread_mutex_lock(&mine->lock);
            while (mine->count > (sent ? QUEUE / 2 : 0)) {
                live got = mine->items[mine->head];
                mine->head = (mine->head + 1) % QUEUE;
                mine->count--;
                pthread_mutex_unlock(&mine->lock);
                if (!intact(&got))
                    stress_errors++;
                tri_free(got.p);
                pthread_mutex_lock(&mine->lock);
            }
            pthread_mutex_unlock(&mine->lock);
        }
    }
    senders_left--;
    while (senders_left > 0) {
        mailbox *mine = &boxes[self];
        pthread_mutex_lock(&mine->lock);
        while (mine->count > 0) {
            live got = mine->items[mine->head];
            mine->head = (mine->head + 1) % QUEUE;
            mine->count--;
            if (!intact(&got))
                stress_errors++;
            tri_free(got.p);
        }
        pthread_mutex_unlock(&mine->lock);
    }
    return NULL;
}

TEST(stress_threads_exchange_objects)
{
    pthread_t t[THREADS];
    tri_stats st0, st1;
    tri_thread_flush();
    tri_get_stats(&st0);
    senders_left = THREADS;
    stress_errors = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_mutex_init(&boxes[i].lock, NULL);
        boxes[i].head = boxes[i].count = 0;
    }
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, stress_thread, (void *)(intptr_t)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < THREADS; i++) { /* whatever was sent last */
        while (boxes[i].count > 0) {
            live got = boxes[i].items[boxes[i].head];
            boxes[i].head = (boxes[i].head + 1) % QUEUE;
            boxes[i].count--;
            if (!intact(&got))
                stress_errors++;
            tri_free(got.p);
        }
    }
    CHECKF(stress_errors == 0, "%d objects corrupted or missing", (int)stress_errors);
    tri_thread_flush();
    tri_get_stats(&st1);
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++)
        CHECKF(st1.classes[c].objects + st1.classes[c].cached == st0.classes[c].objects + st0.classes[c].cached,
               "class %u: %llu objects out after all were freed, %llu before", c,
               (unsigned long long)(st1.classes[c].objects + st1.classes[c].cached),
               (unsigned long long)(st0.classes[c].objects + st0.classes[c].cached));
    CHECK(st1.large_objects == st0.large_objects);
    CHECK(st1.threads == st0.threads);
}

/* --- threads created and exiting at a high rate --------------------------------- */

static void *short_life(void *arg)
{
    void **out = arg;
    void *p[20];
    for (int i = 0; i < 20; i++)
        p[i] = tri_malloc((size_t)(16 * (i + 1)));
    for (int i = 1; i < 20; i++)
        tri_free(p[i]);
    *out = p[0];
    return NULL;
}

TEST(stress_thread_churn)
{
    enum { ROUNDS = 250, WIDTH = 8 };
    tri_stats st0, st1;
    tri_thread_flush();
    tri_get_stats(&st0);
    for (int r = 0; r < ROUNDS; r++) {
        pthread_t t[WIDTH];
        void *left[WIDTH];
        for (int i = 0; i < WIDTH; i++)
            CHECK(pthread_create(&t[i], NULL, short_life, &left[i]) == 0);
        for (int i = 0; i < WIDTH; i++)
            pthread_join(t[i], NULL);
        for (int i = 0; i < WIDTH; i++)
            tri_free(left[i]); /* freed after its thread is gone */
    }
    tri_thread_flush();
    tri_get_stats(&st1);
    CHECK(st1.threads == st0.threads);
    /* Caches are recycled: 2000 threads must not cost 2000 caches of metadata. */
    CHECKF(st1.metadata - st0.metadata < (4u << 20), "metadata grew by %llu bytes",
           (unsigned long long)(st1.metadata - st0.metadata));
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++)
        CHECK(st1.classes[c].objects + st1.classes[c].cached == st0.classes[c].objects + st0.classes[c].cached);
}

/* --- fork() in a threaded program ------------------------------------------------- */

static _Atomic int keep_running;

static void *busy(void *arg)
{
    uint64_t rng = (uint64_t)(intptr_t)arg + 1;
    void *slots[64] = {0};
    while (keep_running) {
        int k = (int)(th_rand(&rng) % 64);
        tri_free(slots[k]);
        slots[k] = tri_malloc(random_size(&rng));
    }
    for (int k = 0; k < 64; k++)
        tri_free(slots[k]);
    return NULL;
}

static int child_work(void)
{
    uint64_t rng = 99;
    live o[200];
    for (int i = 0; i < 200; i++) {
        o[i].size = random_size(&rng);
        o[i].id = (uint32_t)i;
        o[i].p = tri_malloc(o[i].size);
        if (!o[i].p && o[i].size)
            return 1;
        paint(&o[i]);
    }
    for (int i = 0; i < 200; i++) {
        if (!intact(&o[i]))
            return 2;
        tri_free(o[i].p);
    }
    tri_release_idle_memory();
    tri_stats st;
    tri_get_stats(&st);
    return st.threads <= 1 ? 0 : 3;
}

TEST(stress_fork_while_threads_allocate)
{
    TH_NEED_FORK();
    enum { WORKERS = 3, FORKS = 60 };
    pthread_t t[WORKERS];
    keep_running = 1;
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, busy, (void *)(intptr_t)i);
    int bad = 0, last = 0;
    for (int f = 0; f < FORKS; f++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(child_work());
        int status = 0;
        waitpid(pid, &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            bad++;
            last = status;
        }
    }
    keep_running = 0;
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    CHECKF(bad == 0, "%d of %d children failed (last status %#x)", bad, FORKS, last);
}
#endif
