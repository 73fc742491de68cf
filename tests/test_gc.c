/* The garbage collector: allocation, the cycle and its phases, the seed's
 * bad case under every barrier, finalizers and weak references, the pacer,
 * roots, introspection. (The randomized torture test is test_gc_torture.c.) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if !defined(__wasm__)
#include <pthread.h>
#include <sys/mman.h>
#endif

#include "gcnode.h"
#include "harness.h"
#include "gc.h"
#include "internal.h"

/* The tests here step the incremental collector and look at colours in
 * between: its marking runs on this thread alone (no background workers;
 * test_gc_concurrent.c tests those). */
static tri_gc_heap *heap_with(enum tri_gc_barrier barrier, int verify, size_t events)
{
    tri_gc_config c = {0};
    c.gogc = -1; /* tests drive the cycles */
    c.workers = TRI_GC_NO_WORKERS;
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
    CHECK(st.objects == 6); /* a, b, the two tiny objects (one block), big, arr */
    tri_gc_destroy(h);
}

#if !defined(__wasm__)
/* How many of the OS pages of [p, p + n) are resident. */
static size_t resident_pages(const void *p, size_t n)
{
    unsigned char vec[1024];
    size_t pages = (n + 4095) / 4096, count = 0;
    if (pages > sizeof vec || mincore((void *)p, n, vec) != 0)
        return (size_t)-1;
    for (size_t i = 0; i < pages; i++)
        count += vec[i] & 1;
    return count;
}
#endif

/* Fresh pages of a span with pointers are faulted in by writing when the
 * span is made: were the barrier's read of a slot the first touch, the
 * kernel would map its zero page and fault again on the write, flushing
 * the other cores' TLBs while a worker runs. A large object without
 * pointers is left alone, unbacked until the program writes it. */
TEST(gc_fresh_spans_with_pointers_are_faulted_in_by_writing)
{
#if defined(__wasm__)
    SKIP("linear memory has no page faults");
#else
    tri_gc_heap *h = heap_with(TRI_BARRIER_HYBRID, 0, 0);
    CHECK(h != NULL);
    static const tri_type slot = {"slot", sizeof(void *), 1, NULL};
    size_t bytes = 1 << 20;
    tri_release_idle_memory(); /* so the next spans come from released, zero pages */
    void **arr = tri_gc_alloc_array(h, &slot, bytes / sizeof(void *));
    char *buf = tri_gc_alloc_noscan(h, bytes);
    CHECK(arr != NULL && buf != NULL);
    CHECK(tri_span_of((uintptr_t)arr)->zeroed && tri_span_of((uintptr_t)buf)->zeroed);
    CHECKF(resident_pages(arr, bytes) == bytes / 4096, "%zu of %zu pages of the array resident",
           resident_pages(arr, bytes), bytes / 4096);
    CHECKF(resident_pages(buf, bytes) == 0, "%zu pages of the buffer resident", resident_pages(buf, bytes));
    CHECK(arr[bytes / sizeof(void *) - 1] == NULL && buf[bytes - 1] == 0);
    tri_gc_destroy(h);
#endif
}

TEST(gc_rejects_bad_requests)
{
    tri_gc_heap *h = heap_with(TRI_BARRIER_HYBRID, 0, 0);
    static const tri_type odd = {"odd", 13, 1, NULL}; /* pointers need whole words */
    static const tri_type lying = {"lying", sizeof(void *), 2, NULL}; /* more pointer words than words */
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
    TH_NEED_CHILD();
    int sig = 0, code = 0;
    char err[512];
    CHECK(th_child(free_gc_object, NULL, &sig, &code, err, sizeof err));
    CHECKF(sig == TH_SIGABRT && strstr(err, "garbage-collected heap"), "signal %d, stderr '%s'", sig, err);
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
    uint64_t node_bytes = tri_class_size[tri_size_class_of(sizeof(node))];
    CHECK(st.heap_live == 1000 * node_bytes && st.heap_marked == 1000 * node_bytes);
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

static int finalized;
static void count_finalizer(void *obj, void *arg)
{
    finalized++;
    if (arg)
        *(void **)arg = obj; /* resurrection: store it where the roots see it */
}

TEST(gc_finalizers_run_once_and_resurrect)
{
    tri_gc_heap *h = heap_with(TRI_BARRIER_HYBRID, 1, 0);
    void *roots[2] = {NULL, NULL};
    tri_gc_add_roots(h, roots, 2);
    finalized = 0;
    node *a = new_node(h, 7);
    node *child = new_node(h, 8);
    tri_gc_write(h, &a->left, child);
    CHECK(tri_gc_set_finalizer(h, a, count_finalizer, NULL) == 0);
    tri_gc_weak *w = tri_gc_weak_new(h, child);
    a = child = NULL;
    tri_gc_collect(h);
    CHECKF(finalized == 1, "finalizer ran %d times", finalized);
    /* the object and what it reaches survive the cycle that finalized it */
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    CHECK(st.objects == 2);
    CHECK(tri_gc_weak_get(h, w) == NULL); /* weak references are cleared before resurrection */
    tri_gc_collect(h);
    tri_gc_get_stats(h, &st);
    CHECK(st.objects == 0 && finalized == 1 && st.finalizers_run == 1);

    /* a finalizer that resurrects its object keeps it; it does not run again */
    node *b = new_node(h, 9);
    tri_gc_set_finalizer(h, b, count_finalizer, &roots[1]);
    b = NULL;
    tri_gc_collect(h);
    CHECK(finalized == 2 && roots[1] != NULL && ((node *)roots[1])->value == 9);
    tri_gc_collect(h);
    tri_gc_collect(h);
    tri_gc_get_stats(h, &st);
    CHECK(finalized == 2 && st.objects == 1);
    roots[1] = NULL;
    tri_gc_collect(h);
    tri_gc_get_stats(h, &st);
    CHECK(st.objects == 0 && finalized == 2);
    CHECK(tri_gc_last_verify(h)->violations == 0);
    tri_gc_weak_free(h, w);
    tri_gc_destroy(h);
}

TEST(gc_weak_references)
{
    tri_gc_heap *h = heap_with(TRI_BARRIER_DIJKSTRA, 1, 0);
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    node *kept = new_node(h, 1), *lost = new_node(h, 2);
    roots[0] = kept;
    char *tiny = tri_gc_alloc_noscan(h, 4);
    tri_gc_weak *wk = tri_gc_weak_new(h, kept), *wl = tri_gc_weak_new(h, lost), *wn = tri_gc_weak_new(h, NULL);
    tri_gc_weak *wt = tri_gc_weak_new(h, tiny);
    CHECK(wk && wl && wn && wt);
    lost = NULL;
    tiny = NULL;
    tri_gc_collect(h);
    CHECK(tri_gc_weak_get(h, wk) == kept && tri_gc_weak_get(h, wl) == NULL && tri_gc_weak_get(h, wn) == NULL);
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    CHECK(st.weak_cleared >= 1);
    /* reading a weak reference while marking shades its target */
    roots[0] = NULL;
    tri_gc_start_cycle(h);
    node *again = tri_gc_weak_get(h, wk);
    CHECK(again == kept && tri_gc_color_of(h, again) != TRI_WHITE);
    roots[0] = again;
    tri_gc_finish_cycle(h);
    CHECK(tri_gc_weak_get(h, wk) == kept && kept->value == 1);
    tri_gc_weak_free(h, wk);
    tri_gc_weak_free(h, wl);
    tri_gc_weak_free(h, wn);
    tri_gc_weak_free(h, wt);
    tri_gc_destroy(h);
}

TEST(gc_pacer_keeps_heap_near_goal)
{
    tri_gc_config c = {0};
    c.gogc = 100;
    tri_gc_heap *h = tri_gc_create(&c);
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    /* a live list of about 2 MiB, then a lot of garbage */
    for (int i = 0; i < 65536; i++) {
        node *n = new_node(h, (uint64_t)i);
        tri_gc_write(h, &n->left, roots[0]);
        roots[0] = n;
    }
    /* Once the list is built (cycle 1 marks what was allocated while it
     * grew), live bytes never pass the goal of the moment by much. */
    double worst = 0;
    for (int i = 0; i < 2000000; i++) {
        new_node(h, 0);
        if (i % 1000 == 0) {
            tri_gc_stats now;
            tri_gc_get_stats(h, &now);
            double ratio = (double)now.heap_live / (double)now.heap_goal;
            if (now.cycles >= 3 && ratio > worst)
                worst = ratio;
        }
    }
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    CHECKF(st.cycles >= 5, "%llu cycles for 64 MiB of garbage", (unsigned long long)st.cycles);
    uint64_t node_bytes = tri_class_size[tri_size_class_of(sizeof(node))];
    CHECKF(st.heap_marked >= 65536 * node_bytes && st.heap_marked < 65536 * node_bytes * 2, "marked %llu",
           (unsigned long long)st.heap_marked);
    CHECKF(worst > 0.5 && worst <= 1.05, "live reached %.2f of the goal", worst);
    uint64_t want = 2 * st.heap_marked > (4u << 20) ? 2 * st.heap_marked : 4u << 20; /* the minimum heap */
    CHECKF(st.heap_goal + 4096 >= want && st.heap_goal <= want + 4096, "goal %llu, expected %llu",
           (unsigned long long)st.heap_goal, (unsigned long long)want);
    CHECK(st.steps.count > 0 && st.assist_work_total > 0);
    int i = 65535;
    for (node *n = roots[0]; n; n = n->left, i--)
        CHECK(n->value == (uint64_t)i);
    CHECK(i == -1);

    /* GOGC off: no cycles however much garbage */
    tri_gc_set_gogc(h, -1);
    tri_gc_finish_cycle(h);
    uint64_t cycles = st.cycles;
    tri_gc_get_stats(h, &st);
    cycles = st.cycles;
    for (int k = 0; k < 300000; k++)
        new_node(h, 0);
    tri_gc_get_stats(h, &st);
    CHECK(st.cycles == cycles);
    /* a memory limit starts cycles even with GOGC off */
    tri_gc_set_memory_limit(h, st.heap_live + (1 << 20));
    for (int k = 0; k < 300000; k++)
        new_node(h, 0);
    tri_gc_get_stats(h, &st);
    CHECK(st.cycles > cycles);
    tri_gc_destroy(h);
}

TEST(gc_min_heap_sets_the_first_goal)
{
    tri_gc_config c = {0};
    c.min_heap = 64 << 10;
    c.gogc = 200;
    tri_gc_heap *h = tri_gc_create(&c);
    CHECK(h != NULL);
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    CHECKF(st.heap_goal == (64u << 10) * 2, "goal %llu", (unsigned long long)st.heap_goal);
    for (int i = 0; i < 20000; i++) /* 480 KiB, all garbage: cycles, though far below 4 MiB */
        new_node(h, (uint64_t)i);
    tri_gc_get_stats(h, &st);
    CHECK(st.cycles >= 2);
    tri_gc_destroy(h);
}

TEST(gc_settings_from_the_environment)
{
#if !defined(__wasm__)
    setenv("TRI_GOGC", "off", 1);
    setenv("TRI_MEMLIMIT", "64MiB", 1);
    tri_gc_heap *h = tri_gc_create(NULL);
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    CHECK(st.gogc < 0 && st.memory_limit == 64u << 20);
    tri_gc_destroy(h);
    setenv("TRI_GOGC", "50", 1);
    unsetenv("TRI_MEMLIMIT");
    h = tri_gc_create(NULL);
    tri_gc_get_stats(h, &st);
    CHECK(st.gogc == 50 && st.memory_limit == 0);
    tri_gc_destroy(h);
    unsetenv("TRI_GOGC");
#else
    SKIP("needs setenv");
#endif
}

static void stress_list(tri_gc_heap *h, int n)
{
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    for (int i = 0; i < n; i++) {
        node *x = new_node(h, (uint64_t)i);
        tri_gc_write(h, &x->left, roots[0]);
        if (i % 3 == 0)
            roots[0] = x;
        else if (roots[0])
            tri_gc_write(h, &((node *)roots[0])->right, x);
    }
    tri_gc_remove_roots(h, roots);
}

TEST(gc_stress_modes)
{
    for (int stress = 1; stress <= 2; stress++) {
        for (int m = 0; m < TRI_BARRIER_NONE; m++) {
            tri_gc_config c = {0};
            c.gogc = 100;
            c.barrier = (enum tri_gc_barrier)m;
            c.verify = 1;
            c.stress = stress;
            tri_gc_heap *h = tri_gc_create(&c);
            stress_list(h, stress == 1 ? 20000 : 600);
            tri_gc_stats st;
            tri_gc_get_stats(h, &st);
            CHECKF(st.cycles >= (stress == 1 ? 5u : 600u), "stress %d: %llu cycles", stress,
                   (unsigned long long)st.cycles);
            CHECKF(tri_gc_last_verify(h)->violations == 0, "stress %d %s: violations", stress,
                   tri_gc_barrier_name(c.barrier));
            tri_gc_destroy(h);
        }
    }
}

#if !defined(__wasm__)
static __attribute__((noinline)) void *hidden_on_stack(tri_gc_heap *h, int conservative, tri_gc_weak **w)
{
    volatile uintptr_t held = (uintptr_t)new_node(h, 42); /* only this local refers to it */
    *w = tri_gc_weak_new(h, (void *)held);
    for (int i = 0; i < 3; i++)
        new_node(h, 0);
    tri_gc_collect(h);
    (void)conservative;
    return tri_gc_weak_get(h, *w);
}
#endif

TEST(gc_conservative_stack_scan)
{
#if defined(__wasm__)
    SKIP("no stack scanning on wasm");
#else
    for (int conservative = 0; conservative <= 1; conservative++) {
        tri_gc_config c = {0};
        c.gogc = -1;
        c.conservative_stack = conservative;
        tri_gc_heap *h = tri_gc_create(&c);
        tri_gc_weak *w;
        void *got = hidden_on_stack(h, conservative, &w);
        if (conservative)
            CHECKF(got != NULL && ((node *)got)->value == 42, "the stack's reference was not seen");
        else
            CHECKF(got == NULL, "a precise heap kept an object no root holds");
        tri_gc_weak_free(h, w);
        tri_gc_destroy(h);
    }
#endif
}

static void count_object(void *obj, size_t size, enum tri_gc_color col, void *arg)
{
    (void)obj;
    size_t *counts = arg;
    counts[col]++;
    counts[4] += size;
}

static void count_span(const tri_gc_span_info *s, void *arg)
{
    size_t *counts = arg;
    counts[0]++;
    counts[1] += s->allocated;
    size_t pop = 0;
    for (size_t w = 0; w < (s->objects + 63) / 64; w++)
        pop += (size_t)__builtin_popcountll(s->allocbits[w]);
    counts[2] += pop == s->allocated;
}

TEST(gc_introspection)
{
    tri_gc_heap *h = heap_with(TRI_BARRIER_HYBRID, 0, 1 << 16);
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    for (int i = 0; i < 500; i++) {
        node *n = new_node(h, (uint64_t)i);
        tri_gc_write(h, &n->left, roots[0]);
        roots[0] = n;
        new_node(h, 0); /* garbage */
    }
    size_t spans[3] = {0}, objs[5] = {0};
    tri_gc_for_each_span(h, count_span, spans);
    tri_gc_for_each_object(h, count_object, objs);
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    CHECK(spans[1] == st.objects && spans[2] == spans[0] && objs[TRI_WHITE] == 1000 && objs[4] == st.heap_live);
    /* mid-mark: some grey and black, the rest white */
    tri_gc_start_cycle(h);
    for (int i = 0; i < 100; i++)
        tri_gc_step(h, 1);
    memset(objs, 0, sizeof objs);
    tri_gc_for_each_object(h, count_object, objs);
    CHECKF(objs[TRI_BLACK] >= 99 && objs[TRI_GREY] >= 1 && objs[TRI_WHITE] >= 500,
           "black %zu grey %zu white %zu", objs[TRI_BLACK], objs[TRI_GREY], objs[TRI_WHITE]);
    /* a barrier event records the mode, slot, old and new values */
    node *head = roots[0];
    node *fresh = new_node(h, 7);
    void *old = head->right;
    tri_gc_write(h, &head->right, fresh);
    size_t cap;
    uint64_t written;
    const tri_gc_event *ev = tri_gc_events(h, &cap, &written);
    const tri_gc_event *last = &ev[(written - 1) & (cap - 1)];
    CHECK(last->kind == TRI_EV_BARRIER && last->arg == TRI_BARRIER_HYBRID && last->a == (uintptr_t)&head->right &&
          last->b == (uintptr_t)old && last->c == (uintptr_t)fresh);
    CHECK(strcmp(tri_gc_event_name(TRI_EV_BARRIER), "barrier") == 0);
    tri_gc_finish_cycle(h);
    tri_gc_get_stats(h, &st);
    CHECK(st.objects == 501 && st.barrier_hits[TRI_BARRIER_HYBRID] >= 1);
    CHECK(st.stops.count == 2 && st.stops.max_ns > 0 && st.stops.p50_ns <= st.stops.max_ns);
    uint64_t frees = 0;
    ev = tri_gc_events(h, &cap, &written);
    for (uint64_t i = written > cap ? written - cap : 0; i < written; i++)
        frees += ev[i & (cap - 1)].kind == TRI_EV_FREE;
    CHECK(frees == 500);
    tri_gc_destroy(h);
}

typedef struct gc_pages {
    const tri_gc_heap *heap;
    uint64_t bytes;
} gc_pages;

static void count_gc_pages(const tri_page_run *r, void *arg)
{
    gc_pages *c = arg;
    if (r->state == TRI_PAGES_GC && r->owner == c->heap)
        c->bytes += r->npages * TRI_PAGE_SIZE;
}

TEST(gc_allocations_served_by_level)
{
    tri_gc_heap *h = heap_with(TRI_BARRIER_HYBRID, 0, 0);
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    for (int i = 0; i < 5000; i++) {
        node *n = new_node(h, (uint64_t)i);
        if (i % 2)
            roots[0] = n; /* the rest is garbage */
    }
    CHECK(tri_gc_alloc_array(h, &node_type, 10000) != NULL); /* a large object: its own span */
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    CHECK(st.allocations == 5001);
    uint64_t spans = st.served[TRI_LEVEL_PAGE_HEAP] + st.served[TRI_LEVEL_OS];
    CHECKF(spans >= 2 && st.served[TRI_LEVEL_THREAD_CACHE] >= 4900, "cache %llu, spans %llu",
           (unsigned long long)st.served[TRI_LEVEL_THREAD_CACHE], (unsigned long long)spans);
    CHECK(st.served[TRI_LEVEL_CENTRAL] == 0);
    /* after a cycle the garbage's slots are reused from the heap's own partial spans */
    tri_gc_collect(h);
    for (int i = 0; i < 5000; i++)
        new_node(h, 0);
    tri_gc_get_stats(h, &st);
    CHECK(st.served[TRI_LEVEL_CENTRAL] >= 1);
    CHECK(st.served[0] + st.served[1] + st.served[2] + st.served[3] == st.allocations);
    /* the page map shows the heap's spans as its own */
    gc_pages census = {h, 0};
    tri_for_each_page_run(count_gc_pages, &census);
    CHECK(census.bytes == st.heap_spans);
    tri_gc_destroy(h);
}

/* Which types the inline path of tri_gc_alloc serves (their type slot names
 * them after the first allocation): every small type with pointers, however
 * short (two pointers are 8 bytes on wasm32), but not objects without
 * pointers under 16 bytes, which share tiny blocks. */
TEST(gc_small_pointer_types_take_the_fast_path)
{
    static const tri_type one_pointer = {"one pointer", sizeof(void *), 1, NULL};
    static const tri_type two_pointers = {"two pointers", 2 * sizeof(void *), 2, NULL};
    static const tri_type small_noscan = {"small noscan", 8, 0, NULL};
    static const tri_type noscan16 = {"16 bytes noscan", 16, 0, NULL};
    const tri_type *fast[] = {&one_pointer, &two_pointers, &noscan16};
    tri_gc_heap *h = heap_with(TRI_BARRIER_HYBRID, 0, 0);
    if (!h->alloc.fast) {
        tri_gc_destroy(h);
        SKIP("the fast paths are off in this build (ASan sees every allocation)");
    }
    for (size_t i = 0; i < sizeof fast / sizeof fast[0]; i++) {
        CHECK(tri_gc_alloc(h, fast[i]) != NULL);
        CHECKF(h->alloc.types[tri_gc_type_slot_of(fast[i])].type == fast[i], "%s", fast[i]->name);
    }
    CHECK(tri_gc_alloc(h, &small_noscan) != NULL);
    CHECK(h->alloc.types[tri_gc_type_slot_of(&small_noscan)].type != &small_noscan);
    /* and what the fast path hands out is a zeroed object of the type */
    void **p = tri_gc_alloc(h, &one_pointer);
    size_t size = 0;
    CHECK(p && *p == NULL && tri_gc_object_of(h, p, &size) == (void *)p && size >= sizeof(void *));
    tri_gc_destroy(h);
}

TEST(gc_large_objects_are_scanned_in_bounded_steps)
{
    tri_gc_heap *h = heap_with(TRI_BARRIER_YUASA, 1, 0);
    static const tri_type ptr = {"pointer", 8, 1, NULL};
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    void **big = tri_gc_alloc_array(h, &ptr, 1 << 20); /* 8 MiB of pointers */
    roots[0] = big;
    for (int i = 0; i < (1 << 20); i += 1024)
        tri_gc_write(h, &big[i], new_node(h, (uint64_t)i));
    tri_gc_start_cycle(h);
    size_t most = 0;
    while (tri_gc_phase(h) == TRI_GC_MARK) {
        size_t done = tri_gc_step(h, 1);
        if (done > most)
            most = done;
    }
    CHECKF(most <= (128u << 10) + 64, "a step scanned %zu bytes", most);
    tri_gc_finish_cycle(h);
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    CHECK(st.objects == 1 + 1024 && tri_gc_last_verify(h)->violations == 0);
    for (int i = 0; i < (1 << 20); i += 1024)
        CHECK(((node *)big[i])->value == (uint64_t)i);
    tri_gc_destroy(h);
}

#if TH_HAVE_THREADS
static void *own_heap(void *arg)
{
    int *ok = arg;
    tri_gc_config c = {0};
    c.verify = 1;
    tri_gc_heap *h = tri_gc_create(&c);
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    for (int i = 0; i < 300000; i++) {
        node *n = new_node(h, (uint64_t)i);
        if (i % 100 == 0) {
            tri_gc_write(h, &n->left, roots[0]);
            roots[0] = n;
        }
    }
    tri_gc_collect(h);
    int count = 0;
    for (node *n = roots[0]; n; n = n->left)
        count += n->value % 100 == 0;
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    *ok = count == 3000 && st.objects == 3000 && st.cycles > 3 && tri_gc_last_verify(h)->violations == 0;
    tri_gc_destroy(h);
    return NULL;
}
#endif

TEST(gc_heaps_in_parallel_threads)
{
#if TH_HAVE_THREADS
    pthread_t t[3];
    int ok[3] = {0};
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, own_heap, &ok[i]);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    CHECK(ok[0] && ok[1] && ok[2]);
#else
    SKIP("needs threads");
#endif
}

static void pop_out_of_order(void *arg)
{
    (void)arg;
    tri_gc_heap *h = heap_with(TRI_BARRIER_HYBRID, 0, 0);
    void *a[1], *b[1];
    tri_gc_frame fa, fb;
    tri_gc_push_frame(h, &fa, a, 1);
    tri_gc_push_frame(h, &fb, b, 1);
    tri_gc_pop_frame(h, &fa);
}

TEST(gc_frames_popped_out_of_order_abort)
{
    TH_NEED_CHILD();
    int sig = 0, code = 0;
    char err[512];
    CHECK(th_child(pop_out_of_order, NULL, &sig, &code, err, sizeof err));
    CHECKF(sig == TH_SIGABRT && strstr(err, "order"), "signal %d, stderr '%s'", sig, err);
}
