/* The collector against a shadow model of the object graph: millions of
 * random operations (allocate objects of five kinds, link, unlink, move and
 * drop roots, steps and cycles at random points, barrier switches) under
 * each correct barrier mode, with the verifier run at every mark
 * termination. Every object the model can reach must keep its contents
 * (a pattern of its own in every word that holds no pointer, written when
 * it is allocated) and its pointers (what the model linked, NULL where it
 * linked nothing); when all roots are dropped, two cycles return the heap
 * to empty. Two background workers mark and sweep meanwhile (but in
 * gc_torture_incremental); tests/run.sh runs these again under TSan, with
 * the race windows widened. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "internal.h"

enum { K_NODE, K_WIDE, K_LARGE, K_TINY, K_BLOB, NKINDS };

/* Pointers first, then the payload. The checks see an object as an array
 * of words: in each node4 (and each element of a large array of them) the
 * first 4 may hold pointers, in a wide the first 16, in the pointer-free
 * kinds none (is_pointer_word). */
typedef struct node4 {
    void *p[4];
    uintptr_t payload[2];
} node4;
typedef struct wide {
    void *p[16];
    uintptr_t payload[14];
} wide;

static const uint64_t node4_map[1] = {0xf};
static const uint64_t wide_map[1] = {0xffff};
static const tri_type node4_type = {"node4", sizeof(node4), 4, node4_map};
static const tri_type wide_type = {"wide", sizeof(wide), 16, wide_map};
enum { LARGE_ELEMS = 1000, TINY_BYTES = 8, BLOB_BYTES = 40000 };
enum { NODE4_WORDS = sizeof(node4) / sizeof(uintptr_t), WIDE_WORDS = sizeof(wide) / sizeof(uintptr_t) };
static const int wide_slot[4] = {0, 5, 10, 15};
static const int large_elem[4] = {0, 250, 500, 999};

typedef struct mobj {
    uint64_t id;
    void *real;
    int32_t slot[4]; /* model index of each tracked slot's target, or -1 */
    uint8_t kind, live, seen;
} mobj;

enum { MAX_OBJS = 200000, NROOTS = 48, NFRAME = 8 };

typedef struct model {
    tri_gc_heap *h;
    mobj *o;
    int32_t nobj, *free_list, nfree;
    void *roots[NROOTS];
    void *frame[NFRAME];
    int32_t root_of[NROOTS + NFRAME];
    int32_t *queue;
    uint64_t next_id, rng;
    char failure[300];
} model;

static void **real_root(model *m, int r)
{
    return r < NROOTS ? &m->roots[r] : &m->frame[r - NROOTS];
}

static int has_slots(int kind) { return kind == K_NODE || kind == K_WIDE || kind == K_LARGE; }

static size_t words_of(int kind)
{
    switch (kind) {
    case K_NODE: return NODE4_WORDS;
    case K_WIDE: return WIDE_WORDS;
    case K_LARGE: return LARGE_ELEMS * NODE4_WORDS;
    case K_TINY: return TINY_BYTES / sizeof(uintptr_t);
    default: return BLOB_BYTES / sizeof(uintptr_t);
    }
}

static int is_pointer_word(int kind, size_t w)
{
    switch (kind) {
    case K_NODE:
    case K_LARGE: return w % NODE4_WORDS < 4;
    case K_WIDE: return w < 16;
    default: return 0;
    }
}

/* The word of tracked slot k (0..3), which the model links. */
static size_t slot_word(const mobj *o, int k)
{
    switch (o->kind) {
    case K_NODE: return (size_t)k;
    case K_WIDE: return (size_t)wide_slot[k];
    default: return (size_t)large_elem[k] * NODE4_WORDS + (size_t)k;
    }
}

static void **slot_addr(const mobj *o, int k)
{
    return (void **)o->real + slot_word(o, k);
}

/* What word w of the object with this id holds when it holds no pointer:
 * different in every word of every object. */
static uintptr_t pattern(uint64_t id, size_t w)
{
    uint64_t x = id * 0x9E3779B97F4A7C15ULL + w;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 29;
    return (uintptr_t)x;
}

static void write_pattern(const mobj *o)
{
    uintptr_t *words = o->real;
    for (size_t w = 0, n = words_of(o->kind); w < n; w++)
        if (!is_pointer_word(o->kind, w))
            words[w] = pattern(o->id, w);
}

/* An object the model reaches, checked word by word: each holds its
 * pattern, or the pointer the model linked there, or NULL. */
static int check_object(model *m, const mobj *o)
{
    if (tri_gc_color_of(m->h, o->real) == TRI_FREE) {
        snprintf(m->failure, sizeof m->failure, "object %llu (kind %d) at %p was freed", (unsigned long long)o->id,
                 o->kind, o->real);
        return 0;
    }
    const uintptr_t *words = o->real;
    for (size_t w = 0, n = words_of(o->kind); w < n; w++) {
        uintptr_t want = pattern(o->id, w);
        if (is_pointer_word(o->kind, w)) {
            int32_t target = -1;
            for (int k = 0; k < 4; k++)
                if (slot_word(o, k) == w)
                    target = o->slot[k];
            want = target >= 0 ? (uintptr_t)m->o[target].real : 0;
        }
        if (words[w] != want) {
            snprintf(m->failure, sizeof m->failure, "object %llu (kind %d) at %p: word %zu holds %#llx, not %#llx",
                     (unsigned long long)o->id, o->kind, o->real, w, (unsigned long long)words[w],
                     (unsigned long long)want);
            return 0;
        }
    }
    return 1;
}

static int new_object(model *m)
{
    if (m->nfree == 0)
        return -1;
    int32_t i = m->free_list[--m->nfree];
    mobj *o = &m->o[i];
    uint64_t r = th_rand(&m->rng) % 100;
    o->kind = r < 50 ? K_NODE : r < 65 ? K_WIDE : r < 85 ? K_TINY : r < 97 ? K_LARGE : K_BLOB;
    o->id = ++m->next_id;
    for (int k = 0; k < 4; k++)
        o->slot[k] = -1;
    switch (o->kind) {
    case K_NODE: o->real = tri_gc_alloc(m->h, &node4_type); break;
    case K_WIDE: o->real = tri_gc_alloc(m->h, &wide_type); break;
    case K_LARGE: o->real = tri_gc_alloc_array(m->h, &node4_type, LARGE_ELEMS); break;
    case K_TINY: o->real = tri_gc_alloc_noscan(m->h, TINY_BYTES); break;
    default: o->real = tri_gc_alloc_noscan(m->h, BLOB_BYTES); break;
    }
    write_pattern(o);
    o->live = 1;
    return i;
}

/* A random reachable object: a random root, then a few random steps. */
static int32_t pick(model *m, int want_slots)
{
    for (int tries = 0; tries < 8; tries++) {
        int32_t cur = m->root_of[th_rand(&m->rng) % (NROOTS + NFRAME)];
        if (cur < 0)
            continue;
        int depth = (int)(th_rand(&m->rng) % 4);
        for (int d = 0; d < depth && has_slots(m->o[cur].kind); d++) {
            int32_t next = m->o[cur].slot[th_rand(&m->rng) % 4];
            if (next < 0)
                break;
            cur = next;
        }
        if (!want_slots || has_slots(m->o[cur].kind))
            return cur;
    }
    return -1;
}

/* Walks the model from its roots: checks every reachable object against the
 * heap, and returns the unreachable ones to the free list. */
static int check_all(model *m)
{
    int32_t head = 0, tail = 0;
    for (int r = 0; r < NROOTS + NFRAME; r++) {
        int32_t i = m->root_of[r];
        if (i >= 0 && !m->o[i].seen) {
            m->o[i].seen = 1;
            m->queue[tail++] = i;
        }
        if ((i >= 0 ? m->o[i].real : NULL) != *real_root(m, r)) {
            snprintf(m->failure, sizeof m->failure, "root %d does not hold what the model says", r);
            return 0;
        }
    }
    while (head < tail) {
        mobj *o = &m->o[m->queue[head++]];
        if (!check_object(m, o))
            return 0;
        if (!has_slots(o->kind))
            continue;
        for (int k = 0; k < 4; k++) {
            int32_t t = o->slot[k];
            if (t >= 0 && !m->o[t].seen) {
                m->o[t].seen = 1;
                m->queue[tail++] = t;
            }
        }
    }
    for (int32_t i = 0; i < m->nobj; i++) {
        if (m->o[i].live && !m->o[i].seen) {
            m->o[i].live = 0; /* garbage: the heap may free it */
            m->free_list[m->nfree++] = i;
        }
        m->o[i].seen = 0;
    }
    return 1;
}

/* workers: the heap's background workers (TRI_GC_NO_WORKERS: the
 * incremental collector alone). */
static int torture(enum tri_gc_barrier barrier, int switch_barriers, int workers, long ops, char *why, size_t whylen)
{
    static model m;
    memset(&m, 0, sizeof m);
    m.rng = 0x1234567ULL + (uint64_t)barrier * 7919 + (uint64_t)switch_barriers;
    tri_gc_config c = {0};
    c.gogc = 50;
    c.barrier = barrier;
    c.verify = 1;
    c.step_bytes = 16384;
    c.workers = workers;
    c.dedicated_workers = workers;
    m.h = tri_gc_create(&c);
    m.o = tri_calloc(MAX_OBJS, sizeof(mobj));
    m.free_list = tri_malloc(MAX_OBJS * sizeof(int32_t));
    m.queue = tri_malloc(MAX_OBJS * sizeof(int32_t));
    m.nobj = MAX_OBJS;
    for (int32_t i = 0; i < MAX_OBJS; i++)
        m.free_list[m.nfree++] = MAX_OBJS - 1 - i;
    for (int r = 0; r < NROOTS + NFRAME; r++)
        m.root_of[r] = -1;
    tri_gc_add_roots(m.h, m.roots, NROOTS);
    tri_gc_frame frame;
    tri_gc_push_frame(m.h, &frame, m.frame, NFRAME);

    int ok = 1;
    uint64_t verified_cycle = 0;
    for (long op = 0; op < ops && ok; op++) {
        uint64_t what = th_rand(&m.rng) % 1000;
        if (what < 300) { /* allocate into a root */
            int r = (int)(th_rand(&m.rng) % (NROOTS + NFRAME));
            int32_t i = new_object(&m);
            if (i < 0) {
                ok = check_all(&m);
                continue;
            }
            m.root_of[r] = i;
            *real_root(&m, r) = m.o[i].real;
        } else if (what < 600) { /* link a -> b */
            int32_t a = pick(&m, 1), b = th_rand(&m.rng) % 8 ? pick(&m, 0) : -1;
            if (a < 0)
                continue;
            int k = (int)(th_rand(&m.rng) % 4);
            m.o[a].slot[k] = b;
            tri_gc_write(m.h, slot_addr(&m.o[a], k), b >= 0 ? m.o[b].real : NULL);
        } else if (what < 720) { /* a root takes another root's object or one of its children */
            int r = (int)(th_rand(&m.rng) % (NROOTS + NFRAME));
            int32_t t = th_rand(&m.rng) % 5 ? pick(&m, 0) : -1;
            m.root_of[r] = t;
            *real_root(&m, r) = t >= 0 ? m.o[t].real : NULL;
        } else if (what < 900) {
            tri_gc_step(m.h, 1 + th_rand(&m.rng) % 32768);
        } else if (what < 930) {
            tri_gc_start_cycle(m.h);
        } else if (what < 935 && switch_barriers) {
            tri_gc_set_barrier(m.h, (enum tri_gc_barrier)(th_rand(&m.rng) % TRI_BARRIER_NONE));
        } else if (what == 999 && op % 3 == 0) {
            ok = check_all(&m);
        }
        const tri_gc_verify_report *v = tri_gc_last_verify(m.h);
        if (ok && v->cycle != verified_cycle) {
            verified_cycle = v->cycle;
            if (v->violations) {
                snprintf(m.failure, sizeof m.failure, "cycle %llu: %zu violations, first: %s (object %#lx slot %#lx)",
                         (unsigned long long)v->cycle, v->violations, v->first[0].what,
                         (unsigned long)v->first[0].object, (unsigned long)v->first[0].slot);
                ok = 0;
            }
        }
    }
    if (ok)
        ok = check_all(&m);
    tri_gc_stats st;
    tri_gc_get_stats(m.h, &st);
    if (ok && st.cycles < 50) {
        snprintf(m.failure, sizeof m.failure, "only %llu cycles ran", (unsigned long long)st.cycles);
        ok = 0;
    }
    /* Drop every root: two cycles leave nothing. */
    memset(m.roots, 0, sizeof m.roots);
    memset(m.frame, 0, sizeof m.frame);
    tri_gc_pop_frame(m.h, &frame);
    tri_gc_collect(m.h);
    tri_gc_collect(m.h);
    tri_gc_get_stats(m.h, &st);
    if (ok && (st.objects || st.heap_live || st.heap_spans)) {
        snprintf(m.failure, sizeof m.failure, "after dropping the roots: %llu objects, %llu bytes live, %llu in spans",
                 (unsigned long long)st.objects, (unsigned long long)st.heap_live,
                 (unsigned long long)st.heap_spans);
        ok = 0;
    }
    snprintf(why, whylen, "%s", m.failure);
    tri_gc_destroy(m.h);
    tri_free(m.o);
    tri_free(m.free_list);
    tri_free(m.queue);
    return ok;
}

TEST(gc_torture_hybrid)
{
    char why[300] = "";
    CHECKF(torture(TRI_BARRIER_HYBRID, 0, 2, 500000, why, sizeof why), "%s", why);
}

TEST(gc_torture_dijkstra)
{
    char why[300] = "";
    CHECKF(torture(TRI_BARRIER_DIJKSTRA, 0, 2, 500000, why, sizeof why), "%s", why);
}

TEST(gc_torture_yuasa)
{
    char why[300] = "";
    CHECKF(torture(TRI_BARRIER_YUASA, 0, 2, 500000, why, sizeof why), "%s", why);
}

TEST(gc_torture_switching_barriers)
{
    char why[300] = "";
    CHECKF(torture(TRI_BARRIER_HYBRID, 1, 2, 500000, why, sizeof why), "%s", why);
}

/* The incremental collector alone (workers = 0: WASI's and the browser's). */
TEST(gc_torture_incremental)
{
    char why[300] = "";
    CHECKF(torture(TRI_BARRIER_HYBRID, 1, TRI_GC_NO_WORKERS, 300000, why, sizeof why), "%s", why);
}
