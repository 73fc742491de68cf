/*
 * Garbage-collector benchmarks, written from their published descriptions:
 *
 *   gcbench      Boehm, Ellis and Kovac's GCBench: a stretch tree of depth
 *                18 built and dropped; a long-lived tree of depth 16 and an
 *                array of 500 000 doubles kept to the end; then for depths
 *                4, 6, ..., 16, 2 * size(18) / size(depth) trees built top
 *                down (Populate) and as many bottom up (MakeTree).
 *   binarytrees  the Computer Language Benchmarks Game's binary-trees:
 *                a stretch tree of depth n + 1; a long-lived tree of depth
 *                n; then for depths 4, 6, ..., n, 2^(n - depth + 4) trees
 *                built bottom up and checked by counting their nodes.
 *
 * Each runs on one of these memory managers:
 *   tricolor      tricolor's incremental collector (roots in shadow frames,
 *                 stores through the write barrier)
 *   tricolor-stw  the same collector, each cycle run to its end at once
 *   boehm         Boehm GC (libgc), stop-the-world
 *   boehm-inc     Boehm GC with GC_enable_incremental()
 *   malloc        explicit malloc and free (under LD_PRELOAD, any malloc)
 *
 * gcb_run runs one; bench/gcbench-main.c (bench-gc, with Boehm GC) and the
 * `tricolor bench` command (without it) print its results.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gcbench.h"
#include "tricolor.h"

#ifdef GCB_BOEHM
#include <gc/gc.h>
#else /* the command line has no Boehm GC: these are never reached there */
#define GC_MALLOC(n) (abort(), (void *)0)
#define GC_MALLOC_ATOMIC(n) (abort(), (void *)0)
#endif

enum manager { TRICOLOR, TRICOLOR_STW, BOEHM, BOEHM_INC, MALLOC };
static enum manager M;
static tri_gc_heap *H;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* --- GCBench ------------------------------------------------------------------- */

typedef struct gnode {
    struct gnode *left, *right;
    long i, j;
} gnode;
static const uint64_t gnode_map[1] = {3};
static const tri_type gnode_type = {"gcbench node", sizeof(gnode), 2, gnode_map};

enum { STRETCH = 18, LONG_LIVED = 16, ARRAY = 500000, MIN_DEPTH = 4, MAX_DEPTH = 16 };

static int tree_size(int depth) { return (1 << (depth + 1)) - 1; }

static gnode *g_alloc(void)
{
    switch (M) {
    case TRICOLOR:
    case TRICOLOR_STW: return tri_gc_alloc(H, &gnode_type);
    case BOEHM:
    case BOEHM_INC: return GC_MALLOC(sizeof(gnode));
    default: return calloc(1, sizeof(gnode));
    }
}

static void g_set(gnode **slot, gnode *value)
{
    if (M <= TRICOLOR_STW)
        tri_gc_write(H, slot, value);
    else
        *slot = value;
}

/* Builds children top down under n, which the caller keeps reachable. */
static void populate(int depth, gnode *n)
{
    if (depth <= 0)
        return;
    depth--;
    g_set(&n->left, g_alloc());
    g_set(&n->right, g_alloc());
    populate(depth, n->left);
    populate(depth, n->right);
}

static gnode *make_tree(int depth)
{
    if (depth <= 0)
        return g_alloc();
    if (M <= TRICOLOR_STW) {
        void *kids[2] = {NULL, NULL};
        tri_gc_frame f;
        tri_gc_push_frame(H, &f, kids, 2);
        kids[0] = make_tree(depth - 1);
        kids[1] = make_tree(depth - 1);
        gnode *n = g_alloc();
        g_set(&n->left, kids[0]);
        g_set(&n->right, kids[1]);
        tri_gc_pop_frame(H, &f);
        return n;
    }
    gnode *l = make_tree(depth - 1), *r = make_tree(depth - 1);
    gnode *n = g_alloc();
    n->left = l;
    n->right = r;
    return n;
}

static void free_tree(gnode *n)
{
    if (!n || M != MALLOC)
        return;
    free_tree(n->left);
    free_tree(n->right);
    free(n);
}

static long gcbench(void)
{
    void *roots[3] = {NULL, NULL, NULL}; /* the temporary tree, the long-lived one, the array */
    tri_gc_frame f;
    if (M <= TRICOLOR_STW)
        tri_gc_push_frame(H, &f, roots, 3);

    roots[0] = make_tree(STRETCH);
    free_tree(roots[0]);
    roots[0] = NULL;

    roots[1] = g_alloc();
    populate(LONG_LIVED, roots[1]);
    double *array = M <= TRICOLOR_STW ? tri_gc_alloc_noscan(H, ARRAY * sizeof(double))
                  : M == MALLOC ? malloc(ARRAY * sizeof(double))
                  : GC_MALLOC_ATOMIC(ARRAY * sizeof(double));
    roots[2] = array;
    for (int i = 0; i < ARRAY / 2; i++)
        array[i] = 1.0 / (i + 1);

    for (int d = MIN_DEPTH; d <= MAX_DEPTH; d += 2) {
        int iters = 2 * tree_size(STRETCH) / tree_size(d);
        for (int i = 0; i < iters; i++) {
            roots[0] = g_alloc();
            populate(d, roots[0]);
            free_tree(roots[0]);
            roots[0] = NULL;
        }
        for (int i = 0; i < iters; i++) {
            roots[0] = make_tree(d);
            free_tree(roots[0]);
            roots[0] = NULL;
        }
    }
    long check = (array[1000] > 0.000999 && array[1000] < 0.001001) ? 1 : 0;
    gnode *ll = roots[1];
    for (int d = 0; d < LONG_LIVED; d++, ll = ll->left)
        check += ll != NULL;
    check += ll->left == NULL;
    free_tree(roots[1]);
    if (M == MALLOC)
        free(array);
    if (M <= TRICOLOR_STW)
        tri_gc_pop_frame(H, &f);
    return check;
}

/* --- binary-trees ------------------------------------------------------------------ */

typedef struct bnode {
    struct bnode *left, *right;
} bnode;
static const uint64_t bnode_map[1] = {3};
static const tri_type bnode_type = {"binary-trees node", sizeof(bnode), 2, bnode_map};

static bnode *b_make(int depth)
{
    bnode *n;
    if (M <= TRICOLOR_STW) {
        if (depth == 0)
            return tri_gc_alloc(H, &bnode_type);
        void *kids[2] = {NULL, NULL};
        tri_gc_frame f;
        tri_gc_push_frame(H, &f, kids, 2);
        kids[0] = b_make(depth - 1);
        kids[1] = b_make(depth - 1);
        n = tri_gc_alloc(H, &bnode_type);
        tri_gc_write(H, &n->left, kids[0]);
        tri_gc_write(H, &n->right, kids[1]);
        tri_gc_pop_frame(H, &f);
        return n;
    }
    if (depth == 0) {
        n = M == MALLOC ? malloc(sizeof *n) : GC_MALLOC(sizeof *n);
        n->left = n->right = NULL;
        return n;
    }
    bnode *l = b_make(depth - 1), *r = b_make(depth - 1);
    n = M == MALLOC ? malloc(sizeof *n) : GC_MALLOC(sizeof *n);
    n->left = l;
    n->right = r;
    return n;
}

static long b_check(const bnode *n)
{
    return n->left ? 1 + b_check(n->left) + b_check(n->right) : 1;
}

static void b_free(bnode *n)
{
    if (M != MALLOC || !n)
        return;
    b_free(n->left);
    b_free(n->right);
    free(n);
}

static long binarytrees(int n)
{
    int max_depth = n < 6 ? 6 : n;
    void *roots[2] = {NULL, NULL};
    tri_gc_frame f;
    if (M <= TRICOLOR_STW)
        tri_gc_push_frame(H, &f, roots, 2);
    roots[0] = b_make(max_depth + 1);
    long check = b_check(roots[0]);
    b_free(roots[0]);
    roots[0] = NULL;
    roots[1] = b_make(max_depth);
    for (int d = 4; d <= max_depth; d += 2) {
        long iters = 1L << (max_depth - d + 4), sum = 0;
        for (long i = 0; i < iters; i++) {
            roots[0] = b_make(d);
            sum += b_check(roots[0]);
            b_free(roots[0]);
            roots[0] = NULL;
        }
        check += sum;
    }
    check += b_check(roots[1]);
    b_free(roots[1]);
    if (M <= TRICOLOR_STW)
        tri_gc_pop_frame(H, &f);
    return check;
}

/* --- pauses of Boehm GC ----------------------------------------------------------- */

#ifdef GCB_BOEHM
static double *boehm_pauses;
static size_t boehm_npauses, boehm_cap;
static double boehm_stop_start;

static void boehm_event(GC_EventType e)
{
    if (e == GC_EVENT_PRE_STOP_WORLD) {
        boehm_stop_start = now();
    } else if (e == GC_EVENT_POST_START_WORLD && boehm_stop_start > 0) {
        if (boehm_npauses == boehm_cap) {
            boehm_cap = boehm_cap ? 2 * boehm_cap : 1024;
            boehm_pauses = realloc(boehm_pauses, boehm_cap * sizeof(double));
        }
        boehm_pauses[boehm_npauses++] = now() - boehm_stop_start;
        boehm_stop_start = 0;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double q)
{
    if (!n)
        return 0;
    size_t i = (size_t)((double)n * q + 0.999999);
    return v[(i ? i : 1) - 1];
}

#endif

static long peak_rss_kib(void)
{
#if defined(__wasm__)
    /* linear memory never shrinks: its size is the peak */
    return (long)(__builtin_wasm_memory_size(0) * 64);
#else
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib;
#endif
}

int gcb_run(const char *bench, const char *manager, int depth, const tri_gc_config *config, gcb_result *r)
{
    static const char *const names[] = {"tricolor", "tricolor-stw", "boehm", "boehm-inc", "malloc"};
    int found = 0;
    for (int i = 0; i < 5; i++)
        if (strcmp(manager, names[i]) == 0) {
            M = (enum manager)i;
            found = 1;
        }
    int bt = strcmp(bench, "binarytrees") == 0;
    if (!found || (!bt && strcmp(bench, "gcbench") != 0))
        return -1;
#ifndef GCB_BOEHM
    if (M == BOEHM || M == BOEHM_INC)
        return -1;
#endif
    memset(r, 0, sizeof *r);
    if (M <= TRICOLOR_STW) {
        tri_gc_config c = config ? *config : (tri_gc_config){0};
        c.stop_the_world = M == TRICOLOR_STW;
        H = tri_gc_create(&c);
        if (!H)
            return -1;
    } else if (M != MALLOC) {
#ifdef GCB_BOEHM
        GC_INIT();
        if (M == BOEHM_INC)
            GC_enable_incremental();
        GC_set_on_collection_event(boehm_event);
#endif
    }
    double t0 = now();
    r->check = bt ? binarytrees(depth) : gcbench();
    r->seconds = now() - t0;
    r->peak_rss_kib = peak_rss_kib();
    if (M <= TRICOLOR_STW) {
        tri_gc_stats st;
        tri_gc_get_stats(H, &st);
        r->cycles = st.cycles;
        r->stops = st.stops;
        r->steps = st.steps;
        r->gc_share = st.wall_ns ? (double)st.gc_ns / (double)st.wall_ns : 0;
        tri_gc_destroy(H);
        H = NULL;
    } else if (M != MALLOC) {
#ifdef GCB_BOEHM
        r->cycles = (uint64_t)GC_get_gc_no();
        qsort(boehm_pauses, boehm_npauses, sizeof(double), cmp_double);
        tri_gc_pause_stats *p = M == BOEHM ? &r->stops : &r->steps; /* incremental Boehm stops in steps */
        double total = 0;
        for (size_t i = 0; i < boehm_npauses; i++)
            total += boehm_pauses[i];
        p->count = boehm_npauses;
        p->total_ns = (uint64_t)(total * 1e9);
        p->p50_ns = (uint64_t)(pct(boehm_pauses, boehm_npauses, 0.5) * 1e9);
        p->p90_ns = (uint64_t)(pct(boehm_pauses, boehm_npauses, 0.9) * 1e9);
        p->p99_ns = (uint64_t)(pct(boehm_pauses, boehm_npauses, 0.99) * 1e9);
        p->max_ns = boehm_npauses ? (uint64_t)(boehm_pauses[boehm_npauses - 1] * 1e9) : 0;
#endif
    }
    return 0;
}
