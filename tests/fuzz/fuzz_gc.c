/* libFuzzer harness: sequences of collector operations against a shadow
 * model of reachability (as tests/test_gc_torture.c, driven by the input):
 * typed objects of four kinds allocated into roots, pointer stores through
 * the write barrier, roots and shadow-stack frames changed, steps of any
 * budget, cycles started, finished and collected, barrier modes and GOGC
 * changed between cycles, weak references. The verifier runs at every mark
 * termination and must find nothing; every object the model can reach must
 * keep its contents and pointers; a weak reference must follow its target
 * while the model reaches it and be cleared once a full collection has
 * found it unreachable.
 *
 * Input: two bytes of configuration, then operations. */
#include <string.h>

#include "fuzz.h"
#include "internal.h"

enum { K_NODE, K_LARGE, K_TINY, K_BLOB, NKINDS };

typedef struct node4 {
    void *p[4];
    uint64_t id, check;
} node4;
static const uint64_t node4_map[1] = {0xf};
static const tri_type node4_type = {"node4", sizeof(node4), 4, node4_map};
enum { LARGE_ELEMS = 800, BLOB_BYTES = 3000 };
static const int large_elem[4] = {0, 100, 400, 799};

enum { MAX_OBJS = 2048, NROOTS = 12, NFRAME = 4, NFRAME2 = 4, NWEAK = 8 };
enum { NSLOTS = NROOTS + NFRAME + NFRAME2 };

typedef struct mobj {
    uint64_t id;
    void *real;
    int32_t slot[4]; /* model index of each slot's target, or -1 */
    uint8_t kind, live, seen;
} mobj;

static struct {
    tri_gc_heap *h;
    mobj o[MAX_OBJS];
    int32_t free_list[MAX_OBJS], nfree;
    void *roots[NROOTS], *frame[NFRAME], *frame2[NFRAME2];
    int32_t root_of[NSLOTS];
    int frame2_on;
    int32_t queue[MAX_OBJS];
    uint64_t next_id;
    struct { tri_gc_weak *w; int32_t target; uint64_t id; } weak[NWEAK];
} m;

static void **real_root(int r)
{
    return r < NROOTS ? &m.roots[r] : r < NROOTS + NFRAME ? &m.frame[r - NROOTS] : &m.frame2[r - NROOTS - NFRAME];
}

static int root_usable(int r) { return r < NROOTS + NFRAME || m.frame2_on; }
static int has_slots(int kind) { return kind == K_NODE || kind == K_LARGE; }

static void **slot_addr(const mobj *o, int k)
{
    return o->kind == K_NODE ? &((node4 *)o->real)->p[k] : &((node4 *)o->real)[large_elem[k]].p[k];
}

static uint64_t read_id(const mobj *o)
{
    switch (o->kind) {
    case K_NODE: return ((node4 *)o->real)->id == ~((node4 *)o->real)->check ? ((node4 *)o->real)->id : 0;
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

static int32_t new_object(int kind)
{
    if (m.nfree == 0)
        return -1;
    void *p;
    switch (kind) {
    case K_NODE: p = tri_gc_alloc(m.h, &node4_type); break;
    case K_LARGE: p = tri_gc_alloc_array(m.h, &node4_type, LARGE_ELEMS); break;
    case K_TINY: p = tri_gc_alloc_noscan(m.h, 8); break;
    default: p = tri_gc_alloc_noscan(m.h, BLOB_BYTES); break;
    }
    FUZZ_CHECK(p != NULL, "allocation of kind %d failed", kind);
    int32_t i = m.free_list[--m.nfree];
    mobj *o = &m.o[i];
    o->kind = (uint8_t)kind;
    o->id = ++m.next_id;
    o->real = p;
    o->live = 1;
    for (int k = 0; k < 4; k++)
        o->slot[k] = -1;
    switch (kind) {
    case K_NODE:
        FUZZ_CHECK(((node4 *)p)->p[0] == NULL && ((node4 *)p)->id == 0, "a new object is not zeroed");
        ((node4 *)p)->id = o->id;
        ((node4 *)p)->check = ~o->id;
        break;
    case K_LARGE:
        ((node4 *)p)[0].id = ((node4 *)p)[LARGE_ELEMS - 1].id = o->id;
        break;
    case K_TINY:
        *(uint64_t *)p = o->id;
        break;
    default:
        memcpy(p, &o->id, 8);
        memcpy((char *)p + BLOB_BYTES - 8, &o->id, 8);
        break;
    }
    return i;
}

/* An object the model reaches: a root, then up to `depth` pointers. */
static int32_t pick(fuzz_input *in, int want_slots)
{
    int32_t cur = m.root_of[fuzz_u8(in) % NSLOTS];
    int depth = fuzz_u8(in) % 4;
    for (int d = 0; d < depth && cur >= 0 && has_slots(m.o[cur].kind); d++) {
        int32_t next = m.o[cur].slot[fuzz_u8(in) % 4];
        if (next < 0)
            break;
        cur = next;
    }
    if (cur >= 0 && want_slots && !has_slots(m.o[cur].kind))
        return -1;
    return cur;
}

/* Walks the model from its roots and checks every object it reaches
 * against the heap; unreachable model objects are recycled. */
static void check_all(void)
{
    int32_t head = 0, tail = 0;
    for (int r = 0; r < NSLOTS; r++) {
        int32_t i = m.root_of[r];
        FUZZ_CHECK((i >= 0 ? m.o[i].real : NULL) == *real_root(r), "root %d differs from the model", r);
        if (i >= 0 && !m.o[i].seen) {
            m.o[i].seen = 1;
            m.queue[tail++] = i;
        }
    }
    while (head < tail) {
        mobj *o = &m.o[m.queue[head++]];
        FUZZ_CHECK(tri_gc_color_of(m.h, o->real) != TRI_FREE, "reachable object %llu (kind %d) at %p was freed",
                   (unsigned long long)o->id, o->kind, o->real);
        FUZZ_CHECK(read_id(o) == o->id, "object %llu (kind %d) at %p reads %llu", (unsigned long long)o->id, o->kind,
                   o->real, (unsigned long long)read_id(o));
        if (!has_slots(o->kind))
            continue;
        for (int k = 0; k < 4; k++) {
            int32_t t = o->slot[k];
            FUZZ_CHECK(*slot_addr(o, k) == (t >= 0 ? m.o[t].real : NULL), "object %llu slot %d differs",
                       (unsigned long long)o->id, k);
            if (t >= 0 && !m.o[t].seen) {
                m.o[t].seen = 1;
                m.queue[tail++] = t;
            }
        }
    }
    for (int32_t i = 0; i < MAX_OBJS; i++) {
        if (m.o[i].live && !m.o[i].seen) {
            m.o[i].live = 0; /* garbage now: the heap may free it */
            m.free_list[m.nfree++] = i;
        }
    }
    /* weak references: to a reachable target, the target */
    for (int w = 0; w < NWEAK; w++) {
        int32_t t = m.weak[w].target;
        if (m.weak[w].w && t >= 0 && m.o[t].live && m.o[t].id == m.weak[w].id && m.o[t].seen)
            FUZZ_CHECK(tri_gc_weak_get(m.h, m.weak[w].w) == m.o[t].real, "weak reference %d lost its target", w);
        else if (m.weak[w].w && t >= 0 && !(m.o[t].live && m.o[t].id == m.weak[w].id))
            m.weak[w].target = -2; /* the target is garbage: cleared after the next full collection */
    }
    for (int32_t i = 0; i < MAX_OBJS; i++)
        m.o[i].seen = 0;
    FUZZ_CHECK(tri_gc_verify(m.h, NULL) == 0, "the verifier found %zu violations: %s",
               tri_gc_last_verify(m.h)->violations, tri_gc_last_verify(m.h)->first[0].what);
}

/* After a whole collection, weak references to garbage (other than tiny
 * objects, which share blocks) read NULL. */
static void check_weak_cleared(void)
{
    check_all();
    for (int w = 0; w < NWEAK; w++)
        if (m.weak[w].w && m.weak[w].target == -3)
            FUZZ_CHECK(tri_gc_weak_get(m.h, m.weak[w].w) == NULL, "weak reference %d to garbage not cleared", w);
    for (int w = 0; w < NWEAK; w++)
        if (m.weak[w].target == -2)
            m.weak[w].target = -3; /* found garbage before this collection: must be clear after the next */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = {data, data + size};
    memset(&m, 0, sizeof m);
    uint8_t c0 = fuzz_u8(&in), c1 = fuzz_u8(&in);
    tri_gc_config c = {0};
    c.barrier = (enum tri_gc_barrier)(c0 % 3); /* the correct ones */
    c.gogc = c0 & 0x80 ? -1 : 10 + (c0 >> 2) % 32 * 10;
    c.verify = 1;
    c.stress = c1 % 8 == 0;
    c.step_bytes = 256u << (c1 >> 4);
    m.h = tri_gc_create(&c);
    FUZZ_CHECK(m.h != NULL, "tri_gc_create failed");
    for (int32_t i = 0; i < MAX_OBJS; i++)
        m.free_list[m.nfree++] = MAX_OBJS - 1 - i;
    for (int r = 0; r < NSLOTS; r++)
        m.root_of[r] = -1;
    for (int w = 0; w < NWEAK; w++)
        m.weak[w].target = -1;
    tri_gc_add_roots(m.h, m.roots, NROOTS);
    tri_gc_frame frame, frame2;
    tri_gc_push_frame(m.h, &frame, m.frame, NFRAME);

    uint64_t verified_cycle = 0;
    while (fuzz_more(&in)) {
        uint8_t op = fuzz_u8(&in);
        switch (op % 16) {
        case 0: case 1: case 2: case 3: { /* allocate into a root */
            int r = fuzz_u8(&in) % NSLOTS;
            static const uint8_t kinds[8] = {K_NODE, K_NODE, K_NODE, K_TINY, K_TINY, K_BLOB, K_LARGE, K_NODE};
            if (!root_usable(r))
                break;
            int32_t i = new_object(kinds[op >> 5]);
            if (i < 0) {
                check_all();
                break;
            }
            m.root_of[r] = i;
            *real_root(r) = m.o[i].real;
            break;
        }
        case 4: case 5: case 6: case 7: { /* a pointer store through the barrier */
            int32_t a = pick(&in, 1), b = op & 0x80 ? -1 : pick(&in, 0);
            int k = fuzz_u8(&in) % 4;
            if (a < 0)
                break;
            m.o[a].slot[k] = b;
            tri_gc_write(m.h, slot_addr(&m.o[a], k), b >= 0 ? m.o[b].real : NULL);
            break;
        }
        case 8: { /* a root takes another reachable object, or NULL */
            int r = fuzz_u8(&in) % NSLOTS;
            int32_t t = op & 0x80 ? -1 : pick(&in, 0);
            if (!root_usable(r))
                break;
            m.root_of[r] = t;
            *real_root(r) = t >= 0 ? m.o[t].real : NULL;
            break;
        }
        case 9: case 10:
            tri_gc_step(m.h, 1 + fuzz_u16(&in) * (op & 0x80 ? 16u : 1u));
            break;
        case 11:
            if (op & 0x80)
                tri_gc_finish_cycle(m.h);
            else
                tri_gc_start_cycle(m.h);
            break;
        case 12: /* between cycles only: refused while marking */
            if (op & 0x80)
                tri_gc_set_gogc(m.h, fuzz_u8(&in) % 4 == 0 ? -1 : 10 + fuzz_u8(&in));
            else
                tri_gc_set_barrier(m.h, (enum tri_gc_barrier)(fuzz_u8(&in) % 3));
            break;
        case 13: /* a second shadow-stack frame comes and goes */
            if (!m.frame2_on) {
                memset(m.frame2, 0, sizeof m.frame2);
                tri_gc_push_frame(m.h, &frame2, m.frame2, NFRAME2);
                m.frame2_on = 1;
            } else {
                tri_gc_pop_frame(m.h, &frame2);
                m.frame2_on = 0;
                for (int r = NROOTS + NFRAME; r < NSLOTS; r++) {
                    m.root_of[r] = -1;
                    m.frame2[r - NROOTS - NFRAME] = NULL;
                }
            }
            break;
        case 14: { /* a weak reference to a reachable object */
            int w = fuzz_u8(&in) % NWEAK;
            int32_t t = pick(&in, 0);
            if (t < 0 || m.o[t].kind == K_TINY)
                break;
            if (m.weak[w].w)
                tri_gc_weak_free(m.h, m.weak[w].w);
            m.weak[w].w = tri_gc_weak_new(m.h, m.o[t].real);
            FUZZ_CHECK(m.weak[w].w != NULL, "tri_gc_weak_new failed");
            m.weak[w].target = t;
            m.weak[w].id = m.o[t].id;
            break;
        }
        default:
            if (op & 0x80) {
                tri_gc_collect(m.h);
                check_weak_cleared();
            } else {
                check_all();
            }
            break;
        }
        const tri_gc_verify_report *v = tri_gc_last_verify(m.h);
        if (v->cycle != verified_cycle) {
            verified_cycle = v->cycle;
            FUZZ_CHECK(v->violations == 0, "cycle %llu: %zu violations, first: %s", (unsigned long long)v->cycle,
                       v->violations, v->first[0].what);
        }
    }
    tri_gc_collect(m.h);
    check_weak_cleared();
    tri_gc_collect(m.h);
    check_weak_cleared();
    if (m.frame2_on)
        tri_gc_pop_frame(m.h, &frame2);
    tri_gc_pop_frame(m.h, &frame);
    tri_gc_destroy(m.h);
    return 0;
}
