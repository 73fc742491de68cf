/* Out of memory: under a limit on address space (RLIMIT_AS, in a child) and
 * under a collected heap's own hard limit, allocation fails with NULL and
 * ENOMEM, cleanly; the collector runs a full collection before it gives
 * up; and the heap stays consistent and usable: what was allocated keeps
 * its contents, the verifier finds nothing wrong, and freeing memory lets
 * allocation succeed again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if !defined(__wasm__)
#include <sys/resource.h>
#include <unistd.h>
#endif

#include "harness.h"
#include "gc.h"

typedef struct node {
    struct node *next;
    uint64_t value;
} node;
static const uint64_t node_map[1] = {1};
static const tri_type node_type = {"node", sizeof(node), 1, node_map};

/* Cycles seen in the event stream: mark setups and returns to OFF. */
static uint64_t events_setup, events_off;
static void count_phases(const tri_gc_event *ev, size_t n, void *arg)
{
    (void)arg;
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == TRI_EV_PHASE) {
            events_setup += ev[i].arg == TRI_GC_MARK_SETUP;
            events_off += ev[i].arg == TRI_GC_OFF;
        }
}

static tri_gc_heap *heap_without_pacing(size_t events)
{
    tri_gc_config c = {0};
    c.gogc = -1; /* the only cycles are the ones out of memory runs */
    c.events = events;
    if (events)
        c.event_sink = count_phases;
    return tri_gc_create(&c);
}

static int list_intact(node *head, uint64_t n)
{
    for (uint64_t v = n; v-- > 0; head = head->next)
        if (!head || head->value != v)
            return 0;
    return head == NULL;
}

TEST(oom_gc_max_heap_collects_then_fails)
{
    enum { MAX = 2 << 20 };
    tri_gc_heap *h = heap_without_pacing(1 << 12);
    CHECK(h != NULL);
    tri_gc_set_max_heap(h, MAX);
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);

    /* Garbage never fills the heap: each time it would, a collection makes room. */
    for (int i = 0; i < 200000; i++)
        CHECK(tri_gc_alloc(h, &node_type) != NULL);
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    CHECKF(st.cycles > 0 && st.heap_spans <= MAX && st.max_heap == MAX, "cycles %llu, spans %llu",
           (unsigned long long)st.cycles, (unsigned long long)st.heap_spans);

    /* Live data does: a list that grows until allocation fails. */
    tri_gc_collect(h);
    uint64_t n = 0;
    node *x;
    for (;;) {
        tri_gc_get_stats(h, &st);
        tri_gc_flush_events(h);
        uint64_t cycles = st.cycles, setups = events_setup, offs = events_off;
        errno = 0;
        x = tri_gc_alloc(h, &node_type);
        if (!x) {
            CHECKF(errno == ENOMEM, "errno %d", errno);
            tri_gc_get_stats(h, &st);
            CHECKF(st.cycles == cycles + 1, "%llu cycles ran before failing",
                   (unsigned long long)(st.cycles - cycles));
            tri_gc_flush_events(h); /* and the event stream shows the whole cycle */
            CHECK(events_setup == setups + 1 && events_off == offs + 1);
            break;
        }
        x->value = n++;
        tri_gc_write(h, &x->next, roots[0]);
        roots[0] = x;
        CHECK(n <= MAX / 16);
    }
    tri_gc_get_stats(h, &st);
    CHECKF(st.heap_spans <= MAX && st.heap_spans + TRI_PAGE_SIZE > MAX - MAX / 8, "spans %llu of %d",
           (unsigned long long)st.heap_spans, MAX);
    CHECK(tri_gc_verify(h, NULL) == 0);
    CHECK(list_intact(roots[0], n));
    CHECK(tri_gc_alloc_noscan(h, 100000) == NULL && errno == ENOMEM); /* large objects too */
    CHECK(tri_gc_alloc_noscan(h, 5) == NULL || tri_gc_alloc_noscan(h, 16) == NULL); /* and tiny ones */

    /* Cut the list in half: room again. */
    node *mid = roots[0];
    for (uint64_t i = 0; i < n / 2; i++)
        mid = mid->next;
    uint64_t kept = n - n / 2 - 1;
    roots[0] = mid->next;
    for (int i = 0; i < 1000; i++)
        CHECK(tri_gc_alloc(h, &node_type) != NULL);
    CHECK(tri_gc_verify(h, NULL) == 0);
    CHECK(list_intact(roots[0], kept));
    /* No limit: the heap grows past it. */
    tri_gc_set_max_heap(h, 0);
    for (int i = 0; i < MAX / 16; i++) {
        x = tri_gc_alloc(h, &node_type);
        CHECK(x != NULL);
        tri_gc_write(h, &x->next, roots[0]);
        roots[0] = x;
    }
    tri_gc_get_stats(h, &st);
    CHECK(st.heap_spans > MAX && st.max_heap == 0);
    tri_gc_destroy(h);
}

TEST(oom_gc_soft_limit_never_fails)
{
#if TRI_DEBUG
    /* DEBUG=1 checks the whole heap in every termination stop: stops the
     * limiter counts but cannot shorten, so the collector's share is not
     * the limiter's to keep. The other builds run this. */
    SKIP("DEBUG=1 verifies the heap in every stop");
#endif
    /* The memory limit is soft: with live data past it, allocation goes
     * on, and cycles run back to back. Without workers, so that how many
     * cycles fit in the program's allocations does not depend on when a
     * worker gets a core. */
    tri_gc_config c = {0};
    c.gogc = -1;
    c.workers = -1;
    tri_gc_heap *h = tri_gc_create(&c);
    tri_gc_set_memory_limit(h, 1 << 20);
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    for (int i = 0; i < 200000; i++) {
        node *x = tri_gc_alloc(h, &node_type);
        CHECK(x != NULL);
        if (i % 2 == 0) {
            tri_gc_write(h, &x->next, roots[0]);
            roots[0] = x;
        }
    }
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    /* Cycles run back to back unless the CPU limiter held them back, as it
     * may on a busy machine, where waiting for a core counts as the
     * collector's time. */
    CHECKF(st.cycles >= 5 || (st.cycles >= 1 && st.cpu_limited_count > 0), "cycles %llu, limiter on %llu times",
           (unsigned long long)st.cycles, (unsigned long long)st.cpu_limited_count);
    /* And all the live data, past the limit, is there. */
    tri_gc_collect(h);
    tri_gc_get_stats(h, &st);
    CHECKF(st.heap_marked > (1 << 20), "marked %llu", (unsigned long long)st.heap_marked);
    CHECK(tri_gc_verify(h, NULL) == 0);
    tri_gc_destroy(h);
}

#if !defined(__wasm__)

/* --- under RLIMIT_AS, in children ---------------------------------------------------- */

/* Limits the address space to what the process has now plus `extra`
 * (sanitizers reserve terabytes up front, so an absolute limit would not do). */
static void limit_address_space(size_t extra)
{
    alarm(60); /* a child that hangs fails instead */
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (!f || fscanf(f, "%lu", &pages) != 1)
        _Exit(90);
    fclose(f);
    rlim_t lim = (rlim_t)pages * 4096 + extra;
    struct rlimit rl = {lim, lim};
    if (setrlimit(RLIMIT_AS, &rl) != 0)
        _Exit(91);
}

/* Fills memory with objects of `size` until malloc fails; returns how many. */
static void *filled[1 << 18];
static size_t nfilled;
static size_t fill(size_t size)
{
    size_t n = 0;
    while (nfilled < sizeof filled / sizeof filled[0]) {
        errno = 0;
        char *p = tri_malloc(size);
        if (!p) {
            if (errno != ENOMEM)
                _Exit(92);
            return n;
        }
        p[0] = p[size - 1] = 'f';
        filled[nfilled++] = p;
        n++;
    }
    _Exit(93); /* the limit never bit */
}

static void fill_everything(void)
{
    fill((size_t)1 << 20);
    fill(32768);
    fill(4096);
    fill(256);
}

static void free_half(void)
{
    size_t k = 0;
    for (size_t i = 0; i < nfilled; i++) {
        if (i % 2)
            tri_free(filled[i]);
        else
            filled[k++] = filled[i];
    }
    nfilled = k;
}

static void malloc_apis_under_rlimit(void *arg)
{
    (void)arg;
    char *keep = tri_malloc(1000);
    memset(keep, 'k', 1000);
    limit_address_space((size_t)96 << 20);
    fill_everything(); /* fill() checks that the failure is a clean ENOMEM */
    if (nfilled < 10)
        _Exit(10);
    /* every way of asking fails cleanly (small sizes once their spans are full too) */
    fill(5000);
    errno = 0;
    if (tri_malloc(5000) != NULL || errno != ENOMEM)
        _Exit(11);
    errno = 0;
    if (tri_calloc(100, 1000) != NULL || errno != ENOMEM)
        _Exit(12);
    errno = 0;
    if (tri_realloc(keep, 200000) != NULL || errno != ENOMEM)
        _Exit(13);
    for (int i = 0; i < 1000; i++) /* realloc failed: keep is intact */
        if (keep[i] != 'k')
            _Exit(14);
    errno = 0;
    if (tri_aligned_alloc(4096, 100000) != NULL || errno != ENOMEM)
        _Exit(15);
    void *q;
    if (tri_posix_memalign(&q, 64, 300000) != ENOMEM)
        _Exit(16);
    if (tri_malloc((size_t)64 << 20) != NULL)
        _Exit(17);
    /* the statistics still add up */
    tri_stats st;
    tri_get_stats(&st);
    if (st.in_use > st.reserved || st.committed > st.reserved)
        _Exit(18);
    /* what was allocated is intact; freeing half makes room again */
    for (size_t i = 0; i < nfilled; i++)
        if (((char *)filled[i])[0] == 0)
            _Exit(19);
    free_half();
    char *a = tri_malloc(5000), *b = tri_calloc(100, 1000), *c = tri_aligned_alloc(4096, 100000);
    keep = tri_realloc(keep, 200000);
    if (!a || !b || !c || !keep || keep[999] != 'k' || b[99999] != 0 || (uintptr_t)c % 4096)
        _Exit(20);
    tri_free(a), tri_free(b), tri_free(c), tri_free(keep);
    while (nfilled)
        tri_free(filled[--nfilled]);
    if (!tri_malloc((size_t)16 << 20))
        _Exit(21);
    _Exit(0);
}


/* A collected heap under RLIMIT_AS: its live data grows until the address
 * space runs out; the failing allocation runs a full cycle first. */
static void gc_under_rlimit(void *arg)
{
    (void)arg;
    tri_gc_heap *h = heap_without_pacing(1 << 10);
    static void *roots[1 << 16];
    tri_gc_add_roots(h, roots, 1 << 16);
    limit_address_space((size_t)80 << 20);
    size_t n = 0;
    tri_gc_stats st;
    for (;; n++) {
        if (n == sizeof roots / sizeof roots[0])
            _Exit(30);
        tri_gc_alloc(h, &node_type); /* garbage in between */
        tri_gc_get_stats(h, &st);
        uint64_t cycles = st.cycles;
        errno = 0;
        void *blob = tri_gc_alloc_noscan(h, 20000);
        if (!blob) {
            if (errno != ENOMEM)
                _Exit(31);
            tri_gc_get_stats(h, &st);
            if (st.cycles != cycles + 1) /* one full collection, then failure */
                _Exit(32);
            break;
        }
        memset(blob, (int)(n & 0xff), 20000);
        roots[n] = blob;
    }
    if (n < 100)
        _Exit(33);
    for (size_t i = 0; i < n; i++)
        if (tri_gc_color_of(h, roots[i]) == TRI_FREE || ((unsigned char *)roots[i])[19999] != (i & 0xff))
            _Exit(35);
    for (size_t i = 0; i < n / 2; i++) /* the older half: whole spans come free */
        roots[i] = NULL;
    for (int i = 0; i < 100; i++) /* room again, after a collection */
        if (!tri_gc_alloc_noscan(h, 20000))
            _Exit(36);
    tri_gc_verify_report rep;
    if (tri_gc_verify(h, &rep) != 0) {
        fprintf(stderr, "%zu violations: %s\n", rep.violations, rep.first[0].what);
        _Exit(37);
    }
    _Exit(0);
}


/* Marking with no memory for work buffers: grey objects wait in their
 * spans' grey bits and marking finds them there; nothing reachable is lost. */
static void mark_without_memory(void *arg)
{
    (void)arg;
    enum { N = 20000 };
    tri_gc_heap *h = heap_without_pacing(0);
    static void *roots[N];
    for (int i = 0; i < N; i++) {
        node *x = tri_gc_alloc(h, &node_type);
        x->value = (uint64_t)i;
        roots[i] = x;
    }
    tri_gc_add_roots(h, roots, N);
    limit_address_space((size_t)64 << 20);
    fill_everything(); /* malloc has nothing left, not even for a work buffer */
    if (tri_malloc(sizeof(tri_gc_workbuf)) != NULL)
        _Exit(40);
    tri_gc_collect(h);
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    if (st.cycles != 1 || st.objects != N)
        _Exit(41);
    for (int i = 0; i < N; i++)
        if (tri_gc_color_of(h, roots[i]) == TRI_FREE || ((node *)roots[i])->value != (uint64_t)i)
            _Exit(42);
    free_half(); /* (the verifier needs memory of its own) */
    if (tri_gc_verify(h, NULL) != 0)
        _Exit(43);
    for (int i = 0; i < N; i += 2)
        roots[i] = NULL;
    tri_gc_collect(h);
    tri_gc_get_stats(h, &st);
    if (st.objects != N / 2 || tri_gc_verify(h, NULL) != 0)
        _Exit(44);
    _Exit(0);
}

#else
/* No fork() or address-space limit on wasm: the tests below skip. */
static void malloc_apis_under_rlimit(void *arg) { (void)arg; }
static void gc_under_rlimit(void *arg) { (void)arg; }
static void mark_without_memory(void *arg) { (void)arg; }
#endif

TEST(oom_malloc_apis_under_rlimit)
{
    TH_NEED_FORK();
    int sig = 0, code = 0;
    char err[1024];
    CHECK(th_child(malloc_apis_under_rlimit, NULL, &sig, &code, err, sizeof err));
    CHECKF(sig == 0 && code == 0, "child: signal %d, exit %d, stderr '%s'", sig, code, err);
}

TEST(oom_gc_under_rlimit)
{
    TH_NEED_FORK();
    int sig = 0, code = 0;
    char err[1024];
    CHECK(th_child(gc_under_rlimit, NULL, &sig, &code, err, sizeof err));
    CHECKF(sig == 0 && code == 0, "child: signal %d, exit %d, stderr '%s'", sig, code, err);
}

TEST(oom_gc_marks_without_memory_for_work_buffers)
{
    TH_NEED_FORK();
    int sig = 0, code = 0;
    char err[1024];
    CHECK(th_child(mark_without_memory, NULL, &sig, &code, err, sizeof err));
    CHECKF(sig == 0 && code == 0, "child: signal %d, exit %d, stderr '%s'", sig, code, err);
}
