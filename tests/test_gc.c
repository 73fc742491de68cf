/* The garbage collector: allocation, the cycle and its phases, the seed's
 * bad case under every barrier, finalizers and weak references, the pacer,
 * roots, introspection. (The randomized torture test is test_gc_torture.c.) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if !defined(__wasm__)
#include <pthread.h>
#endif

#include "harness.h"
#include "internal.h"

typedef struct node {
    struct node *left, *right;
    uint64_t value;
} node;
static const uint64_t node_map[1] = {3};
static const tri_type node_type = {"node", sizeof(node), 2, node_map};

static node *new_node(tri_gc_heap *h, uint64_t value)
{
    node *n = tri_gc_alloc(h, &node_type);
    if (n)
        n->value = value;
    return n;
}

static tri_gc_heap *heap_with(enum tri_gc_barrier barrier, int verify, size_t events)
{
    tri_gc_config c = {0};
    c.gogc = -1; /* tests drive the cycles */
    c.barrier = barrier;
    c.verify = verify;
    c.events = events;
    return tri_gc_create(&c);
}

TEST(gc_allocates_zeroed_typed_objects)
{
    tri_gc_heap *h = heap_with(TRI_BARRIER_HYBRID, 0, 0);
    CHECK(h != NULL);
    node *a = new_node(h, 1), *b = new_node(h, 2);
    CHECK(a && b && a != b && (uintptr_t)a % 8 == 0);
    CHECK(a->left == NULL && a->right == NULL && a->value == 1);
    char *tiny1 = tri_gc_alloc_noscan(h, 3), *tiny2 = tri_gc_alloc_noscan(h, 5);
    CHECK(tiny1 && tiny2 && tiny2 != tiny1);
    /* both in one 16-byte block */
    size_t s1, s2;
    CHECK(tri_gc_object_of(h, tiny1, &s1) == tri_gc_object_of(h, tiny2, &s2) && s1 == 16);
    uint64_t *big = tri_gc_alloc_noscan(h, 100000);
    CHECK(big != NULL);
    for (size_t i = 0; i < 100000 / 8; i++)
        CHECK(big[i] == 0);
    node *arr = tri_gc_alloc_array(h, &node_type, 5000); /* a large scan object */
    CHECK(arr != NULL && arr[4999].left == NULL);
    size_t size;
    CHECK(tri_gc_object_of(h, &arr[2500].right, &size) == arr && size == 5000 * sizeof(node));
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    CHECK(st.objects == 5); /* a, b, the tiny block, big, arr */
    tri_gc_destroy(h);
}

TEST(gc_rejects_bad_requests)
{
    tri_gc_heap *h = heap_with(TRI_BARRIER_HYBRID, 0, 0);
    static const tri_type odd = {"odd", 12, 1, NULL}; /* pointers need 8-byte words */
    static const tri_type lying = {"lying", 8, 2, NULL}; /* more pointer words than words */
    errno = 0;
    CHECK(tri_gc_alloc(h, &odd) == NULL && errno == EINVAL);
    CHECK(tri_gc_alloc(h, &lying) == NULL && errno == EINVAL);
    errno = 0;
    CHECK(tri_gc_alloc_array(h, &node_type, SIZE_MAX / 8) == NULL && errno == ENOMEM);
    CHECK(tri_gc_alloc_noscan(h, SIZE_MAX) == NULL && errno == ENOMEM);
    int local;
    CHECK(tri_gc_set_finalizer(h, &local, NULL, NULL) == -1 && errno == EINVAL);
    CHECK(tri_gc_weak_new(h, &local) == NULL);
    tri_gc_config bad = {0};
    bad.barrier = (enum tri_gc_barrier)17;
    CHECK(tri_gc_create(&bad) == NULL && errno == EINVAL);
    bad.barrier = TRI_BARRIER_HYBRID;
    bad.events = 1000; /* not a power of two */
    CHECK(tri_gc_create(&bad) == NULL && errno == EINVAL);
    tri_gc_destroy(h);
}

static void free_gc_object(void *arg)
{
    (void)arg;
    tri_gc_heap *h = heap_with(TRI_BARRIER_HYBRID, 0, 0);
    tri_free(new_node(h, 1));
}

TEST(gc_objects_are_not_freed_by_free)
{
    TH_NEED_FORK();
    int sig = 0, code = 0;
    char err[512];
    CHECK(th_child(free_gc_object, NULL, &sig, &code, err, sizeof err));
    CHECKF(sig == SIGABRT && strstr(err, "garbage-collected heap"), "signal %d, stderr '%s'", sig, err);
}

TEST(gc_collect_frees_only_garbage)
{
    tri_gc_heap *h = heap_with(TRI_BARRIER_HYBRID, 1, 0);
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    node *head = NULL;
    for (int i = 0; i < 1000; i++) { /* a rooted list of 1000, and 3000 garbage nodes */
        node *n = new_node(h, (uint64_t)i);
        tri_gc_write(h, &n->left, head);
        head = n;
        roots[0] = head;
        for (int k = 0; k < 3; k++)
            new_node(h, 99999);
    }
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    CHECK(st.objects == 4000);
    tri_gc_collect(h);
    tri_gc_get_stats(h, &st);
    CHECKF(st.objects == 1000, "%llu objects survive", (unsigned long long)st.objects);
    CHECK(st.heap_live == 1000 * 32 && st.heap_marked == 1000 * 32);
    CHECK(tri_gc_last_verify(h)->violations == 0 && tri_gc_last_verify(h)->objects_checked >= 1000);
    int i = 999;
    for (node *n = roots[0]; n; n = n->left, i--)
        CHECK(n->value == (uint64_t)i);
    CHECK(i == -1);
    roots[0] = NULL;
    tri_gc_collect(h);
    tri_gc_get_stats(h, &st);
    CHECK(st.objects == 0 && st.heap_live == 0 && st.heap_spans == 0);
    tri_gc_destroy(h);
}

TEST(gc_cycle_passes_through_every_phase)
{
    tri_gc_heap *h = heap_with(TRI_BARRIER_YUASA, 0, 1024);
    void *frame_slots[2] = {NULL};
    tri_gc_frame f;
    tri_gc_push_frame(h, &f, frame_slots, 2);
    for (int i = 0; i < 200; i++) {
        node *n = new_node(h, (uint64_t)i);
        tri_gc_write(h, &n->right, frame_slots[0]);
        frame_slots[0] = n;
    }
    CHECK(tri_gc_phase(h) == TRI_GC_OFF);
    CHECK(tri_gc_start_cycle(h) == 1 && tri_gc_phase(h) == TRI_GC_MARK);
    CHECK(tri_gc_start_cycle(h) == 0);
    CHECK(tri_gc_set_barrier(h, TRI_BARRIER_DIJKSTRA) == -1); /* not while marking */
    int steps = 0;
    while (tri_gc_phase(h) == TRI_GC_MARK) {
        tri_gc_step(h, 1);
        steps++;
    }
    CHECKF(steps >= 200, "marked 200 objects in %d one-object steps", steps);
    CHECK(tri_gc_phase(h) == TRI_GC_SWEEP);
    while (tri_gc_phase(h) == TRI_GC_SWEEP)
        tri_gc_step(h, 1);
    CHECK(tri_gc_phase(h) == TRI_GC_OFF);
    CHECK(tri_gc_set_barrier(h, TRI_BARRIER_DIJKSTRA) == 0);
    /* the events name the phases in order */
    size_t cap;
    uint64_t written;
    const tri_gc_event *ev = tri_gc_events(h, &cap, &written);
    enum tri_gc_phase want[] = {TRI_GC_MARK_SETUP, TRI_GC_MARK, TRI_GC_MARK_TERMINATION, TRI_GC_SWEEP, TRI_GC_OFF};
    unsigned k = 0;
    uint64_t greys = 0, blacks = 0;
    for (uint64_t i = written > cap ? written - cap : 0; i < written; i++) {
        const tri_gc_event *e = &ev[i & (cap - 1)];
        if (e->kind == TRI_EV_PHASE && k < 5 && e->arg == want[k])
            k++;
        greys += e->kind == TRI_EV_GREY;
        blacks += e->kind == TRI_EV_BLACK;
    }
    CHECKF(k == 5, "saw %u of the 5 phases in order", k);
    CHECK(greys == 200 && blacks == 200);
    tri_gc_pop_frame(h, &f);
    tri_gc_destroy(h);
}

/* The seed's bad case: root -> A -> B -> C. Marking blackens A and greys B;
 * then the program stores C into black A and deletes B's pointer to C. */
static void bad_case(enum tri_gc_barrier barrier, int *c_survives, size_t *violations, uintptr_t *vobj,
                     uintptr_t *vslot, uintptr_t *vtarget, enum tri_gc_color colours[3])
{
    tri_gc_heap *h = heap_with(barrier, 1, 0);
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    node *a = new_node(h, 'A');
    roots[0] = a;
    node *b = new_node(h, 'B');
    tri_gc_write(h, &a->left, b);
    node *c = new_node(h, 'C');
    tri_gc_write(h, &b->left, c);
    tri_gc_weak *wc = tri_gc_weak_new(h, c);
    b = c = NULL;

    tri_gc_start_cycle(h);
    tri_gc_step(h, 1); /* scans A: A black, B grey, C white */
    node *B = roots[0] ? ((node *)roots[0])->left : NULL;
    node *C = B ? B->left : NULL;
    colours[0] = tri_gc_color_of(h, a);
    colours[1] = tri_gc_color_of(h, B);
    colours[2] = tri_gc_color_of(h, C);
    tri_gc_write(h, &a->right, C);  /* the black object gets the pointer */
    tri_gc_write(h, &B->left, NULL); /* the grey one loses it */
    C = NULL;
    tri_gc_finish_cycle(h);
    const tri_gc_verify_report *r = tri_gc_last_verify(h);
    *violations = r->violations;
    *vobj = r->first[0].object;
    *vslot = r->first[0].slot;
    *vtarget = r->first[0].target;
    node *c_now = tri_gc_weak_get(h, wc);
    *c_survives = c_now != NULL && c_now == a->right && c_now->value == 'C';
    tri_gc_weak_free(h, wc);
    tri_gc_destroy(h);
}

TEST(gc_bad_case_under_each_barrier)
{
    for (int m = 0; m < TRI_NUM_BARRIERS; m++) {
        int survives;
        size_t violations;
        uintptr_t obj, slot, target;
        enum tri_gc_color col[3];
        bad_case((enum tri_gc_barrier)m, &survives, &violations, &obj, &slot, &target, col);
        const char *name = tri_gc_barrier_name((enum tri_gc_barrier)m);
        CHECKF(col[0] == TRI_BLACK && col[1] == TRI_GREY && col[2] == TRI_WHITE,
               "%s: colours before the stores A=%d B=%d C=%d", name, col[0], col[1], col[2]);
        if (m == TRI_BARRIER_NONE) {
            CHECKF(violations >= 1, "barrier none: the verifier found nothing");
            CHECKF(target != 0 && slot == obj + offsetof(node, right), "none: violation at object %#lx slot %#lx",
                   (unsigned long)obj, (unsigned long)slot);
            CHECK(!survives); /* swept though reachable: the weak reference saw it go */
        } else {
            CHECKF(violations == 0, "%s: %zu violations", name, violations);
            CHECKF(survives, "%s: C was collected", name);
        }
    }
}
