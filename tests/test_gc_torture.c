/* The collector against a shadow model of the object graph: millions of
 * random operations (allocate objects of five kinds, link, unlink, move and
 * drop roots, steps and cycles at random points, barrier switches) under
 * each correct barrier mode, with the verifier run at every mark
 * termination. Every object the model can reach must keep its contents
 * and its pointers; when all roots are dropped, two cycles return the heap
 * to empty. */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "internal.h"

enum { K_NODE, K_WIDE, K_LARGE, K_TINY, K_BLOB, NKINDS };

typedef struct node4 {
    void *p[4];
    uint64_t id, check;
} node4;
typedef struct wide {
    void *p[16];
    uint64_t id, pad[13];
} wide;

static const uint64_t node4_map[1] = {0xf};
static const uint64_t wide_map[1] = {0xffff};
static const tri_type node4_type = {"node4", sizeof(node4), 4, node4_map};
static const tri_type wide_type = {"wide", sizeof(wide), 16, wide_map};
enum { LARGE_ELEMS = 1000, BLOB_BYTES = 40000 };
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

static void **slot_addr(const mobj *o, int k)
{
    switch (o->kind) {
    case K_NODE: return &((node4 *)o->real)->p[k];
    case K_WIDE: return &((wide *)o->real)->p[wide_slot[k]];
    default: return &((node4 *)o->real)[large_elem[k]].p[k];
    }
}

static uint64_t read_id(const mobj *o)
{
    switch (o->kind) {
    case K_NODE: return ((node4 *)o->real)->id ^ ((node4 *)o->real)->check ^ o->id ^ o->id;
    case K_WIDE: return ((wide *)o->real)->id;
    case K_LARGE: return ((node4 *)o->real)[0].id == ((node4 *)o->real)[LARGE_ELEMS - 1].id
                             ? ((node4 *)o->real)[0].id : 0;
    case K_TINY: return *(uint64_t *)o->real;
    default: {
        uint64_t a, b;
        memcpy(&a, o->real, 8);
        memcpy(&b, (char *)o->real + BLOB_BYTES - 8, 8);
        return a == b ? a : 0;
    }
    }
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
    case K_NODE:
        o->real = tri_gc_alloc(m->h, &node4_type);
        ((node4 *)o->real)->id = o->id;
        break;
    case K_WIDE:
        o->real = tri_gc_alloc(m->h, &wide_type);
        ((wide *)o->real)->id = o->id;
        break;
    case K_LARGE:
        o->real = tri_gc_alloc_array(m->h, &node4_type, LARGE_ELEMS);
        ((node4 *)o->real)[0].id = ((node4 *)o->real)[LARGE_ELEMS - 1].id = o->id;
        break;
    case K_TINY:
        o->real = tri_gc_alloc_noscan(m->h, 8);
        *(uint64_t *)o->real = o->id;
        break;
    default:
        o->real = tri_gc_alloc_noscan(m->h, BLOB_BYTES);
        memcpy(o->real, &o->id, 8);
        memcpy((char *)o->real + BLOB_BYTES - 8, &o->id, 8);
        break;
    }
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
        if (tri_gc_color_of(m->h, o->real) == TRI_FREE || read_id(o) != o->id) {
            snprintf(m->failure, sizeof m->failure, "object %llu (kind %d) at %p lost: id reads %llu",
                     (unsigned long long)o->id, o->kind, o->real, (unsigned long long)read_id(o));
            return 0;
        }
        if (!has_slots(o->kind))
            continue;
        for (int k = 0; k < 4; k++) {
            int32_t t = o->slot[k];
            void *want = t >= 0 ? m->o[t].real : NULL;
            if (*slot_addr(o, k) != want) {
                snprintf(m->failure, sizeof m->failure, "object %llu slot %d holds %p, model says %p",
                         (unsigned long long)o->id, k, *slot_addr(o, k), want);
                return 0;
            }
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

static int torture(enum tri_gc_barrier barrier, int switch_barriers, long ops, char *why, size_t whylen)
{
    static model m;
    memset(&m, 0, sizeof m);
    m.rng = 0x1234567ULL + (uint64_t)barrier * 7919 + (uint64_t)switch_barriers;
    tri_gc_config c = {0};
    c.gogc = 50;
    c.barrier = barrier;
    c.verify = 1;
    c.step_bytes = 16384;
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
    CHECKF(torture(TRI_BARRIER_HYBRID, 0, 500000, why, sizeof why), "%s", why);
}

TEST(gc_torture_dijkstra)
{
    char why[300] = "";
    CHECKF(torture(TRI_BARRIER_DIJKSTRA, 0, 500000, why, sizeof why), "%s", why);
}

TEST(gc_torture_yuasa)
{
    char why[300] = "";
    CHECKF(torture(TRI_BARRIER_YUASA, 0, 500000, why, sizeof why), "%s", why);
}

TEST(gc_torture_switching_barriers)
{
    char why[300] = "";
    CHECKF(torture(TRI_BARRIER_HYBRID, 1, 500000, why, sizeof why), "%s", why);
}
