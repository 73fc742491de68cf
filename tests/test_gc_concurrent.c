/* The concurrent collector: background workers marking and sweeping while
 * the program allocates and stores. Each test runs with real workers (two,
 * whatever the cores), checks the verifier's report of every termination,
 * and is run again under TSan, and under TSan with the race windows widened
 * (tests/run.sh: RACE=1 yields between the steps of shading, scanning, the
 * barrier, the pool and sweeping). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gc.h"
#include "gcnode.h"
#include "harness.h"

#if defined(__wasm__)
/* WebAssembly has no threads here: its collector is the incremental one. */
#define NEED_THREADS() SKIP("no threads in WebAssembly")
#else
#include <pthread.h>
#define NEED_THREADS() ((void)0)
#endif


static tri_gc_heap *concurrent_heap(enum tri_gc_barrier barrier, int gogc)
{
    tri_gc_config c = {0};
    c.gogc = gogc;
    c.barrier = barrier;
    c.verify = 1;
    c.workers = 2;
    c.dedicated_workers = 2;
    return tri_gc_create(&c);
}

/* A complete binary tree of 2^(depth + 1) - 1 nodes, built bottom up. */
static node *tree(tri_gc_heap *h, int depth)
{
    node *kids[2] = {NULL, NULL};
    tri_gc_frame f;
    tri_gc_push_frame(h, &f, (void **)kids, 2);
    if (depth > 0) {
        kids[0] = tree(h, depth - 1);
        kids[1] = tree(h, depth - 1);
    }
    node *n = new_node(h, (uint64_t)depth);
    tri_gc_write(h, &n->left, kids[0]);
    tri_gc_write(h, &n->right, kids[1]);
    tri_gc_pop_frame(h, &f);
    return n;
}

/* The verifier's reports of the terminations so far: 0 if none found a
 * violation, else the count of the first that did (and its text). */
static size_t violations_reported(tri_gc_heap *h, const char **what)
{
    tri_gc_verify_report r;
    size_t first = 0;
    while (tri_gc_take_verify_report(h, &r))
        if (!first && r.violations) {
            first = r.violations;
            *what = r.first[0].what;
        }
    return first;
}

/* --- the bad case, with workers racing the mutator ------------------------------------------ */

/* A list of `n` cells, each holding a leaf in `left`. While a cycle marks
 * (the workers running down the list), the mutator moves leaves: a leaf
 * is stored into a cell near the head (which a worker has likely scanned:
 * black) and deleted from its own (not yet scanned: grey or white), the
 * seeds' bad case over and over, each racing a worker. Every leaf must
 * survive, under each barrier, and no termination may find a black object
 * pointing to a white one. */
static int bad_case_race(enum tri_gc_barrier barrier, char *why, size_t whylen)
{
    enum { N = 20000, ROUNDS = 12 };
    tri_gc_heap *h = concurrent_heap(barrier, -1); /* cycles only when the test starts them */
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    node *head = NULL;
    for (int i = N - 1; i >= 0; i--) {
        node *cell = new_node(h, (uint64_t)i);
        tri_gc_write(h, &cell->right, head);
        roots[0] = head = cell;
        tri_gc_write(h, &cell->left, new_node(h, 1000000 + (uint64_t)i));
    }
    int ok = 1;
    for (int round = 0; round < ROUNDS && ok; round++) {
        tri_gc_start_cycle(h);
        tri_gc_step(h, 4096); /* roots scanned: the workers have the list */
        /* Down the list behind the workers: each cell takes the next
         * cell's leaf (a store into a cell a worker has likely scanned)
         * and gives it its own (the leaf deleted from a cell not yet
         * scanned): the leaves rotate one cell towards the head. */
        node *prev = head;
        for (node *cell = head->right; cell; prev = cell, cell = cell->right) {
            node *leaf = cell->left;
            node *keep = prev->left;
            tri_gc_write(h, &prev->left, leaf);
            tri_gc_write(h, &cell->left, keep);
        }
        tri_gc_finish_cycle(h);
        const char *what = "";
        size_t v = violations_reported(h, &what);
        if (v) {
            snprintf(why, whylen, "%s, round %d: %zu violations, first: %s", tri_gc_barrier_name(barrier), round, v,
                     what);
            ok = 0;
        }
        /* every leaf is still there, each exactly once */
        static unsigned char seen[N];
        memset(seen, 0, sizeof seen);
        int cells = 0;
        for (node *cell = head; cell && ok; cell = cell->right, cells++) {
            node *leaf = cell->left;
            if (tri_gc_color_of(h, leaf) == TRI_FREE || leaf->value < 1000000 || leaf->value >= 1000000 + N ||
                seen[leaf->value - 1000000]++) {
                snprintf(why, whylen, "%s, round %d: cell %d's leaf was freed or overwritten",
                         tri_gc_barrier_name(barrier), round, cells);
                ok = 0;
            }
        }
        if (ok && cells != N) {
            snprintf(why, whylen, "%s: %d cells", tri_gc_barrier_name(barrier), cells);
            ok = 0;
        }
    }
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    if (ok && st.background_ns == 0) {
        snprintf(why, whylen, "%s: the workers never marked", tri_gc_barrier_name(barrier));
        ok = 0;
    }
    tri_gc_destroy(h);
    return ok;
}

/* One test per barrier: which one failed is in its name. */
#define BAD_CASE_TEST(name, barrier)                                                                   \
    TEST(gc_concurrent_bad_case_##name)                                                                \
    {                                                                                                  \
        NEED_THREADS();                                                                                \
        char why[300] = "";                                                                            \
        CHECKF(bad_case_race(barrier, why, sizeof why), "%s", why);                                    \
    }
BAD_CASE_TEST(hybrid, TRI_BARRIER_HYBRID)
BAD_CASE_TEST(dijkstra, TRI_BARRIER_DIJKSTRA)
BAD_CASE_TEST(yuasa, TRI_BARRIER_YUASA)

/* --- many tiny cycles back to back ---------------------------------------------------------- */

/* Thousands of cycles over a small heap, so that workers start marking,
 * finish and park again and again, and every termination is checked. */
TEST(gc_concurrent_many_tiny_cycles)
{
    NEED_THREADS();
    tri_gc_heap *h = concurrent_heap(TRI_BARRIER_HYBRID, 100);
    void *roots[8] = {0};
    tri_gc_add_roots(h, roots, 8);
    for (int i = 0; i < 8; i++) {
        roots[i] = new_node(h, (uint64_t)i);
        tri_gc_write(h, &((node *)roots[i])->left, new_node(h, 100 + (uint64_t)i));
    }
    for (int c = 0; c < 3000; c++) {
        node *n = new_node(h, (uint64_t)c); /* garbage, and a store into a live object */
        tri_gc_write(h, &((node *)roots[c % 8])->right, c % 3 ? n : NULL);
        if (c % 2)
            tri_gc_collect(h);
        else {
            tri_gc_start_cycle(h);
            tri_gc_finish_cycle(h);
        }
    }
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    const char *what = "";
    size_t v = violations_reported(h, &what);
    CHECKF(v == 0, "%zu violations, first: %s", v, what);
    CHECKF(st.cycles >= 3000, "%llu cycles", (unsigned long long)st.cycles);
    for (int i = 0; i < 8; i++)
        CHECK(((node *)roots[i])->value == (uint64_t)i && ((node *)roots[i])->left->value == 100 + (uint64_t)i);
    CHECKF(st.objects <= 8 * 3, "%llu objects left", (unsigned long long)st.objects);
    tri_gc_destroy(h);
}

/* --- heaps created and destroyed while their workers run ---------------------------------- */

#if !defined(__wasm__)
static void *create_and_destroy(void *arg)
{
    int *failures = arg;
    for (int round = 0; round < 40; round++) {
        tri_gc_heap *h = concurrent_heap(TRI_BARRIER_HYBRID, 100);
        void *roots[1] = {NULL};
        tri_gc_add_roots(h, roots, 1);
        for (int i = 0; i < 20000; i++) {
            node *n = new_node(h, (uint64_t)i);
            if (!n) {
                (*failures)++;
                break;
            }
            tri_gc_write(h, &n->left, roots[0]);
            roots[0] = n;
        }
        tri_gc_start_cycle(h);
        tri_gc_step(h, (size_t)(round % 4) * 8192 + 1); /* the workers are marking the list now */
        if (round % 3 == 0) { /* or sweeping it */
            tri_gc_finish_cycle(h);
            for (int i = 0; i < 1000; i++)
                new_node(h, (uint64_t)i);
        }
        tri_gc_destroy(h);
    }
    return NULL;
}

TEST(gc_concurrent_heaps_destroyed_while_workers_run)
{
    int failures[2] = {0, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, create_and_destroy, &failures[1]) == 0);
    create_and_destroy(&failures[0]);
    pthread_join(t, NULL);
    CHECK(failures[0] == 0 && failures[1] == 0);
}
#else
TEST(gc_concurrent_heaps_destroyed_while_workers_run)
{
    NEED_THREADS();
}
#endif

/* --- fork ------------------------------------------------------------------------------------ */

#if !defined(__wasm__)
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

/* TSan cannot follow a child that starts threads after a threaded fork. */
#if defined(__SANITIZE_THREAD__)
#define CHILD_MAY_START_THREADS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CHILD_MAY_START_THREADS 0
#endif
#endif
#ifndef CHILD_MAY_START_THREADS
#define CHILD_MAY_START_THREADS 1
#endif

static uint64_t tree_nodes(const node *n)
{
    return n ? 1 + tree_nodes(n->left) + tree_nodes(n->right) : 0;
}

/* fork() while the workers mark, or sweep: the child, which has no
 * workers, finishes the cycle on its own thread, runs a whole new one (with
 * workers of its own; not under TSan) and finds its tree whole and its heap sound; the
 * parent goes on with its workers. A child left waiting for a worker that
 * did not come with it is ended by its alarm, and fails. */
TEST(gc_concurrent_fork_while_workers_run)
{
    enum { DEPTH = 15, ROUNDS = 24 };
    tri_gc_heap *h = concurrent_heap(TRI_BARRIER_HYBRID, -1); /* cycles only when the test starts them */
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    roots[0] = tree(h, DEPTH);
    const uint64_t nodes = ((uint64_t)1 << (DEPTH + 1)) - 1;
    int failed_children = 0;
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < 100000; i++) /* garbage, for the sweep */
            new_node(h, (uint64_t)i);
        tri_gc_start_cycle(h);
        tri_gc_step(h, (size_t)(round % 4) * 4096 + 1); /* the workers mark the tree now */
        if (round % 2) { /* or they sweep */
            tri_gc_stats st;
            do
                tri_gc_get_stats(h, &st);
            while (st.phase == TRI_GC_MARK && tri_gc_step(h, 1 << 20));
        }
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            alarm(20);
            tri_gc_finish_cycle(h);
            for (int i = 0; i < 100000; i++)
                new_node(h, (uint64_t)i);
            if (CHILD_MAY_START_THREADS)
                tri_gc_collect(h);
            tri_gc_stats st;
            tri_gc_get_stats(h, &st);
            _exit(tree_nodes(roots[0]) == nodes && tri_gc_verify(h, NULL) == 0 && st.workers == 2 ? 0 : 1);
        }
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "round %d: the child %s %d\n", round, WIFEXITED(status) ? "exited with" : "was killed by signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            failed_children++;
            break; /* (one is enough: each waits out its alarm) */
        }
        tri_gc_finish_cycle(h);
        CHECK(tree_nodes(roots[0]) == nodes);
    }
    CHECK(failed_children == 0);
    CHECK(tri_gc_verify(h, NULL) == 0);
    tri_gc_destroy(h);
}
#else
TEST(gc_concurrent_fork_while_workers_run)
{
    NEED_THREADS();
}
#endif

/* --- sweeping in the background ------------------------------------------------------------- */

/* After a cycle that found much garbage, the heap's spans go back while
 * the program does nothing with the heap: a worker sweeps them. */
TEST(gc_concurrent_background_sweeping)
{
    NEED_THREADS();
    tri_gc_heap *h = concurrent_heap(TRI_BARRIER_HYBRID, -1);
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    for (int i = 0; i < 200000; i++) { /* 6 MB: a list of 2000, then garbage */
        node *n = new_node(h, (uint64_t)i);
        if (i < 2000) {
            tri_gc_write(h, &n->left, roots[0]);
            roots[0] = n;
        }
    }
    tri_gc_stats before, st;
    tri_gc_get_stats(h, &before);
    tri_gc_start_cycle(h);
    do /* marking, until a step ends it (tri_gc_finish_cycle would sweep too) */
        tri_gc_get_stats(h, &st);
    while (st.phase == TRI_GC_MARK && tri_gc_step(h, 1 << 20));
    CHECK(st.phase == TRI_GC_MARK || st.phase == TRI_GC_SWEEP);
    uint64_t waited = 0;
    do { /* no call that sweeps: the stats only read */
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
        waited++;
        tri_gc_get_stats(h, &st);
        /* (the spans can be down to a quarter while the worker still sweeps
         * the last garbage ones: wait for their objects to be counted too) */
    } while ((st.heap_spans > before.heap_spans / 4 || st.objects > 2000) && waited < 5000);
    CHECKF(st.heap_spans <= before.heap_spans / 4, "spans: %llu bytes before, %llu after %llu ms",
           (unsigned long long)before.heap_spans, (unsigned long long)st.heap_spans, (unsigned long long)waited);
    CHECKF(st.objects == 2000, "%llu objects", (unsigned long long)st.objects);
    CHECK(tri_gc_verify(h, NULL) == 0);
    node *n = roots[0];
    for (int i = 1999; i >= 0; i--, n = n->left)
        CHECK(n && n->value == (uint64_t)i);
    tri_gc_destroy(h);
}

/* Allocation while the worker sweeps: both take spans off the same lists. */
TEST(gc_concurrent_allocation_races_the_sweeper)
{
    NEED_THREADS();
    tri_gc_heap *h = concurrent_heap(TRI_BARRIER_HYBRID, 100);
    void *roots[64] = {0};
    tri_gc_add_roots(h, roots, 64);
    uint64_t rng = 99;
    for (int i = 0; i < 3000000; i++) {
        node *n = new_node(h, (uint64_t)i);
        CHECK(n != NULL);
        int r = (int)(th_rand(&rng) % 64);
        if (th_rand(&rng) % 8 == 0) {
            tri_gc_write(h, &n->left, roots[r]);
            roots[r] = n;
        }
        if (i % 100000 == 0)
            roots[r] = NULL; /* a chain becomes garbage */
    }
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    const char *what = "";
    size_t v = violations_reported(h, &what);
    CHECKF(v == 0, "%zu violations, first: %s", v, what);
    CHECKF(st.cycles >= 5, "%llu cycles", (unsigned long long)st.cycles);
    CHECK(tri_gc_verify(h, NULL) == 0);
    for (int r = 0; r < 64; r++) /* each chain counts down */
        for (node *n = roots[r]; n && n->left; n = n->left)
            CHECK(n->left->value < n->value);
    tri_gc_destroy(h);
}

/* --- settings and accounting ------------------------------------------------------------------ */

TEST(gc_workers_from_config_and_environment)
{
    NEED_THREADS();
    tri_gc_config c = {0};
    c.workers = TRI_GC_NO_WORKERS;
    tri_gc_heap *h = tri_gc_create(&c);
    for (int i = 0; i < 400000; i++)
        new_node(h, (uint64_t)i);
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    CHECK(st.cycles > 0 && st.background_ns == 0 && st.idle_ns == 0); /* the mutator marked alone */
    tri_gc_destroy(h);

    /* one dedicated worker and one at idle priority: both count their time */
    setenv("TRI_GCPROCS", "2:1", 1);
    c.workers = 0;
    h = tri_gc_create(&c);
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    roots[0] = tree(h, 17); /* something to mark, in parallel (a list would not share) */
    for (int i = 0; i < 20; i++)
        tri_gc_collect(h);
    tri_gc_get_stats(h, &st);
    CHECK(st.workers == 2 && st.dedicated_workers == 1);
    CHECKF(st.background_ns > 0, "background %llu ns", (unsigned long long)st.background_ns);
    tri_gc_destroy(h);

    /* what is not N or N:D with D <= N is ignored, with a message */
    const char *bad[] = {"2:3", "lots", "3:", ":1", "-1", "65", "2:1x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("TRI_GCPROCS", bad[i], 1);
        h = tri_gc_create(&c);
        tri_gc_get_stats(h, &st);
        CHECKF(st.workers == (int)tri_gc_workers_default(), "TRI_GCPROCS=%s: %d workers", bad[i], st.workers);
        tri_gc_destroy(h);
    }
    setenv("TRI_GCPROCS", "0", 1);
    h = tri_gc_create(&c);
    tri_gc_get_stats(h, &st);
    CHECK(st.workers == 0 && st.dedicated_workers == 0);
    tri_gc_destroy(h);
    unsetenv("TRI_GCPROCS");
}
