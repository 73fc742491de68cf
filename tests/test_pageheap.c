/* The page heap and the span map: coalescing, best fit, interior pointers,
 * memory handed back to the OS, and the honesty of the byte counts. */
#include <string.h>
#include <time.h>

#include "harness.h"
#include "internal.h"

static tri_span *alloc_pages(uintptr_t n)
{
    enum tri_level level;
    tri_ensure_init();
    return tri_pageheap_alloc(n, 1, &level);
}

/* Cuts in-use span s, left to right, into part[0] = s of sizes[0] pages,
 * part[1] of sizes[1], ..., and part[n], the rest: adjacent spans by
 * construction. False if a split failed. */
static bool cut_span(tri_span *s, const uintptr_t *sizes, unsigned n, tri_span **part)
{
    part[0] = s;
    for (unsigned i = 0; i < n; i++)
        if (!(part[i + 1] = tri_pageheap_split(part[i], sizes[i])))
            return false;
    return true;
}

TEST(pageheap_coalesces_neighbours)
{
    /* guard(1) A(3) B(5) C(7), adjacent by construction */
    tri_span *g = alloc_pages(16);
    CHECK(g != NULL);
    tri_span *a = tri_pageheap_split(g, 1);
    tri_span *b = tri_pageheap_split(a, 3);
    tri_span *c = tri_pageheap_split(b, 5);
    CHECK(a && b && c);
    CHECK(a->base == g->base + TRI_PAGE_SIZE && b->base == a->base + 3 * TRI_PAGE_SIZE &&
          c->base == b->base + 5 * TRI_PAGE_SIZE && c->npages == 7);
    uintptr_t abase = a->base, bbase = b->base, cend = c->base + 7 * TRI_PAGE_SIZE;
    uintptr_t n, released;

    tri_pageheap_free(a);
    CHECK(tri_pageheap_free_span_at(abase, &n, &released) && n == 3); /* neighbours in use */
    CHECK(tri_span_of(bbase)->state != TRI_SPAN_FREE);
    tri_pageheap_free(c);
    tri_pageheap_free(b); /* joins A and C through B */
    CHECK(tri_pageheap_free_span_at(abase, &n, &released));
    CHECKF(abase + n * TRI_PAGE_SIZE >= cend, "merged span has %lu pages", (unsigned long)n);
    /* interior pages of a free span map to nothing, so stale pointers fail */
    CHECK(tri_span_of(bbase) == NULL);
    tri_pageheap_free(g); /* joins the guard on the left */
    CHECK(!tri_pageheap_free_span_at(abase, &n, &released));
}

TEST(pageheap_best_fit)
{
    /* guard A(3) guard B(5) guard: free A and B; a 3-page request is served
     * by a 3-page span, never by splitting the 5-page one. */
    tri_span *g1 = alloc_pages(12);
    CHECK(g1 != NULL);
    tri_span *a = tri_pageheap_split(g1, 1);
    tri_span *g2 = tri_pageheap_split(a, 3);
    tri_span *b = tri_pageheap_split(g2, 1);
    tri_span *g3 = tri_pageheap_split(b, 5);
    CHECK(a && g2 && b && g3 && g3->npages == 2);
    uintptr_t bbase = b->base, n, released;
    tri_pageheap_free(a);
    tri_pageheap_free(b);
    tri_span *x = alloc_pages(3);
    CHECK(x != NULL && x->npages == 3);
    CHECKF(tri_pageheap_free_span_at(bbase, &n, &released) && n == 5, "the 5-page span was split");
    tri_pageheap_free(x);
    tri_pageheap_free(g1);
    tri_pageheap_free(g2);
    tri_pageheap_free(g3);
}

TEST(pageheap_takes_the_lowest_of_equal_fits)
{
    /* guard A(3) guard B(3) guard C(3) guard, freed C, A, B: the newest
     * free span is B, the lowest A; a 3-page request gets A, then B, then
     * C (address-ordered best fit: the heap's use stays packed low). Any
     * other free 3-page spans in the heap lie elsewhere, so the test looks
     * only at which of the three it is handed, in order. */
    tri_span *g = alloc_pages(13);
    CHECK(g != NULL);
    tri_span *part[7];
    static const uintptr_t sizes[6] = {1, 3, 1, 3, 1, 3};
    CHECK(cut_span(g, sizes, 6, part));
    tri_span *a = part[1], *b = part[3], *c = part[5];
    CHECK(a->npages == 3 && b->npages == 3 && c->npages == 3 && part[6]->npages == 1);
    uintptr_t want[3] = {a->base, b->base, c->base};
    tri_pageheap_free(c);
    tri_pageheap_free(a);
    tri_pageheap_free(b);
    tri_span *got[3];
    int k = 0;
    for (int i = 0; i < 3; i++) {
        tri_span *x = alloc_pages(3);
        CHECK(x != NULL && x->npages == 3);
        got[i] = x;
        if (x->base == want[k])
            k++;
        else
            CHECKF(x->base < want[0] || x->base > want[2], "request %d got span %lx, not %lx", i,
                   (unsigned long)x->base, (unsigned long)want[k]);
    }
    for (int i = 0; i < 3; i++)
        tri_pageheap_free(got[i]);
    for (int i = 0; i < 7; i += 2)
        tri_pageheap_free(part[i]);
}

TEST(pageheap_aligned_spans)
{
    for (uintptr_t align = 2; align <= 512; align *= 2) {
        enum tri_level level;
        tri_span *s = tri_pageheap_alloc(3, align, &level);
        CHECK(s != NULL);
        CHECKF(s->base % (align * TRI_PAGE_SIZE) == 0, "align %lu pages", (unsigned long)align);
        CHECK(s->npages == 3);
        tri_pageheap_free(s);
    }
}

TEST(pageheap_byte_counts_are_honest)
{
    tri_stats s0, s1, s2;
    tri_release_idle_memory();
    tri_get_stats(&s0);
    CHECK(s0.reserved >= s0.committed + s0.released);
    CHECK(s0.in_use <= s0.committed);
    size_t size = 10 * 1024 * 1024 + 1;
    char *p = tri_malloc(size);
    CHECK(p != NULL);
    tri_get_stats(&s1);
    uint64_t pages = (size + TRI_PAGE_SIZE - 1) / TRI_PAGE_SIZE * TRI_PAGE_SIZE;
    CHECKF(s1.in_use - s0.in_use == pages, "in use grew by %llu, expected %llu",
           (unsigned long long)(s1.in_use - s0.in_use), (unsigned long long)pages);
    CHECK(s1.large_bytes - s0.large_bytes == pages && s1.large_objects == s0.large_objects + 1);
    tri_free(p);
    tri_release_idle_memory();
    tri_get_stats(&s2);
    CHECK(s2.in_use == s0.in_use && s2.large_objects == s0.large_objects);
    CHECK(s2.committed == s2.in_use); /* everything free was released */
    CHECK(s2.reserved >= s2.committed + s2.released);
}

TEST(pageheap_release_visible_in_statm)
{
    TH_NEED_PROC();
    const size_t size = 64u << 20;
    tri_release_idle_memory();
    size_t before = th_rss();
    char *p = tri_malloc(size);
    CHECK(p != NULL);
    memset(p, 0xa5, size);
    size_t during = th_rss();
    CHECKF(during >= before + size - (4u << 20), "rss %zu -> %zu", before, during);
    tri_free(p);
    size_t released = tri_release_idle_memory();
    size_t after = th_rss();
    CHECKF(released >= size, "released %zu", released);
    CHECKF(after + size - (4u << 20) <= during, "rss after release %zu, during %zu", after, during);
    /* released pages read back as zeros, and calloc knows it */
    char *q = tri_calloc(1, size);
    CHECK(q == p);
    CHECK(tri_span_of((uintptr_t)q)->zeroed);
    for (size_t i = 0; i < size; i += 4096)
        CHECK(q[i] == 0);
    tri_free(q);
    tri_release_idle_memory();
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

TEST(pageheap_release_policy)
{
    TH_NEED_PROC();
    const size_t size = 32u << 20;
    tri_stats st0, st1, st2;
    tri_release_idle_memory();

    /* Delay 0: pages go back the moment they are free. */
    tri_set_release_policy(0, 25);
    char *p = tri_malloc(size);
    memset(p, 1, size);
    size_t during = th_rss();
    tri_free(p);
    CHECKF(th_rss() + size - (4u << 20) <= during, "delay 0 kept the pages");

    /* A long delay keeps them while they are within the recent peak ... */
    tri_set_release_policy(200, 25);
    p = tri_malloc(size);
    memset(p, 1, size);
    tri_get_stats(&st0);
    tri_free(p);
    tri_get_stats(&st1);
    CHECKF(st1.released_total == st0.released_total, "released at once despite the delay");
    /* ... and release them once they have been idle longer than it. */
    sleep_ms(450);
    void *q = tri_malloc(100000); /* any page-heap activity runs the policy */
    tri_get_stats(&st2);
    /* (less the pages that malloc itself reused) */
    CHECKF(st2.released_total >= st1.released_total + size - (1u << 20), "idle pages kept: %llu -> %llu",
           (unsigned long long)st1.released_total, (unsigned long long)st2.released_total);
    tri_free(q);
    tri_set_release_policy(1000, 25);
}

static uint64_t release_calls(void)
{
    tri_pageheap_stats st;
    tri_pageheap_get_stats(&st);
    return st.release_calls;
}

TEST(pageheap_reuse_within_the_window_is_never_released)
{
    /* A window of large blocks replaced at random: the free pages between
     * them are far above the retain limit, but every one was freed moments
     * ago and is about to be reused. Releasing them would make the program
     * fault every page back in. */
#if defined(__wasm__)
    SKIP("wasm: releasing frees nothing there, and its coarse clock counts calls, not time");
#endif
    enum { WINDOW = 32 };
    void *p[WINDOW] = {0};
    uint64_t rng = 88172645463325252ull;
    tri_release_idle_memory();
    tri_set_release_policy(10000, 25);
    uint64_t calls = release_calls();
    for (int i = 0; i < 4000; i++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        int k = (int)(rng % WINDOW);
        tri_free(p[k]);
        p[k] = tri_malloc((64u << 10) + (size_t)(rng >> 24) % (4u << 20));
        CHECK(p[k] != NULL);
    }
    uint64_t during = release_calls() - calls;
    for (int k = 0; k < WINDOW; k++)
        tri_free(p[k]);
    tri_set_release_policy(1000, 25);
    CHECKF(during == 0, "%llu releases while the program reused its pages", (unsigned long long)during);
}

TEST(pageheap_release_is_bounded_per_call)
{
    /* Forty idle spans, kept apart by spans in use: one page-heap operation
     * releases a few of them, the next ones the rest, never all at once. */
    enum { N = 40 };
    tri_span *keep[N], *idle[N];
    tri_release_idle_memory();
    tri_set_release_policy(10000, 25);
    for (int i = 0; i < N; i++) {
        keep[i] = alloc_pages(1);
        idle[i] = alloc_pages(2);
        CHECK(keep[i] && idle[i]);
    }
    for (int i = 0; i < N; i++)
        tri_pageheap_free(idle[i]);
    uint64_t calls = release_calls();
    tri_set_release_policy(0, 25); /* now everything free is overdue */
    uint64_t first = release_calls() - calls;
    tri_span *t = alloc_pages(1);
    tri_pageheap_free(t);
    uint64_t second = release_calls() - calls;
    for (int i = 0; i < N; i++)
        tri_pageheap_free(alloc_pages(1));
    uint64_t all = release_calls() - calls;
    for (int i = 0; i < N; i++)
        tri_pageheap_free(keep[i]);
    tri_set_release_policy(1000, 25);
    CHECKF(first > 0 && first <= 8, "one operation released %llu spans", (unsigned long long)first);
    CHECKF(second > first && second <= 3 * 8, "two operations released %llu spans", (unsigned long long)second);
    CHECKF(all >= N, "overdue spans still held: %llu of %d released", (unsigned long long)all, N);
}

TEST(pageheap_release_batches_a_span_in_one_call)
{
    /* A free span whose dirty pages alternate with released ones goes back
     * in one call, not one per run of dirty pages. */
    tri_span *g = alloc_pages(21);
    CHECK(g != NULL);
    tri_span *cut[6], **part = cut + 1; /* cut[0] = g stays in use: a guard on the left */
    static const uintptr_t sizes[5] = {1, 4, 4, 4, 4};
    CHECK(cut_span(g, sizes, 5, cut));
    CHECK(part[4] && part[4]->npages == 4);
    uintptr_t base = part[0]->base, n, released;
    tri_pageheap_free(part[1]);
    tri_pageheap_free(part[3]);
    tri_pageheap_release_all();
    tri_pageheap_free(part[0]);
    tri_pageheap_free(part[2]);
    tri_pageheap_free(part[4]); /* dirty, released, dirty, released, dirty */
    CHECK(tri_pageheap_free_span_at(base, &n, &released) && n >= 20 && released == 8 + (n - 20));
    uint64_t calls = release_calls();
    tri_pageheap_release_all();
    CHECKF(release_calls() - calls == 1, "%llu calls for one span", (unsigned long long)(release_calls() - calls));
    CHECK(tri_pageheap_free_span_at(base, &n, &released) && released == n);
    tri_pageheap_free(g);
}

TEST(pageheap_huge_objects)
{
    /* Larger than an arena: a dedicated reservation. */
    size_t size = (size_t)200 << 20;
    char *p = tri_malloc(size);
    CHECK(p != NULL);
    tri_span *s = tri_span_of((uintptr_t)p);
    CHECK(s && s->state == TRI_SPAN_LARGE && s->npages == size / TRI_PAGE_SIZE);
    CHECK(tri_usable_size(p) == size);
    p[0] = 1;
    p[size - 1] = 2;
    CHECK(tri_span_of((uintptr_t)p + size - 1) == s);
    tri_free(p);
    tri_release_idle_memory();
}

TEST(pageheap_reuses_freed_pages_before_growing)
{
    /* On wasm the memory never shrinks, so this is what keeps a module's
     * memory at its peak rather than at the sum of everything it allocated. */
    enum { N = 24 };
    char *p[N];
    tri_stats s0, s1, s2;
    for (int i = 0; i < N; i++)
        CHECK((p[i] = tri_malloc((size_t)(i % 6 + 1) << 17)) != NULL); /* 128 KiB .. 768 KiB */
    tri_get_stats(&s0);
    for (int i = 0; i < N; i++)
        tri_free(p[i]);
    tri_release_idle_memory();
    tri_get_stats(&s1);
    CHECK(s1.released >= s0.in_use - s1.in_use); /* every freed page is reported released */
#if defined(__wasm__)
    size_t memory = __builtin_wasm_memory_size(0);
#endif
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++)
            CHECK((p[i] = tri_malloc((size_t)((i + round) % 6 + 1) << 17)) != NULL);
        for (int i = 0; i < N; i++)
            tri_free(p[i]);
    }
    tri_get_stats(&s2);
    CHECKF(s2.reserved == s1.reserved, "reserved grew from %llu to %llu though freed pages sufficed",
           (unsigned long long)s1.reserved, (unsigned long long)s2.reserved);
#if defined(__wasm__)
    CHECK(__builtin_wasm_memory_size(0) == memory);
#endif
}

TEST(pageheap_arena_grows_in_place_on_wasm)
{
#if !defined(__wasm__)
    SKIP("native arenas are reserved whole");
#else
    /* Allocations that outgrow the arena extend it while nothing else has
     * taken the memory after it: one run of pages, so they coalesce. */
    tri_stats s0, s1;
    tri_get_stats(&s0);
    char *p = tri_malloc((size_t)3 << 20), *q = tri_malloc((size_t)5 << 20);
    CHECK(p && q);
    tri_get_stats(&s1);
    CHECKF(s1.arenas == s0.arenas, "arenas %llu -> %llu", (unsigned long long)s0.arenas,
           (unsigned long long)s1.arenas);
    CHECK(tri_arena_of((uintptr_t)p) == tri_arena_of((uintptr_t)q + ((size_t)5 << 20) - 1));
    tri_free(p);
    tri_free(q);
    char *r = tri_malloc((size_t)8 << 20); /* fits where the two were */
    CHECK(r != NULL);
    tri_get_stats(&s0);
    CHECK(s0.reserved == s1.reserved);
    tri_free(r);
#endif
}

typedef struct page_census {
    uint64_t pages[TRI_NUM_PAGE_STATES];
    uintptr_t probe[3];          /* addresses to find */
    int probe_state[3];
    unsigned probe_class[3];
    int overlaps;
    uintptr_t last_end, last_arena;
} page_census;

static void census(const tri_page_run *r, void *arg)
{
    page_census *c = arg;
    c->pages[r->state] += r->npages;
    if (r->arena == c->last_arena && r->base < c->last_end)
        c->overlaps++; /* runs of an arena come in address order, without overlap */
    c->last_arena = r->arena;
    c->last_end = r->base + r->npages * TRI_PAGE_SIZE;
    for (int i = 0; i < 3; i++)
        if (c->probe[i] >= r->base && c->probe[i] < c->last_end) {
            c->probe_state[i] = r->state;
            c->probe_class[i] = r->sizeclass;
        }
}

TEST(pageheap_page_runs_cover_every_page)
{
    char *small = tri_malloc(100), *large = tri_malloc(200000), *gone = tri_malloc(3 << 20);
    CHECK(small && large && gone);
    tri_free(gone);
    tri_release_idle_memory();
    page_census c = {.probe = {(uintptr_t)small, (uintptr_t)large + 150000, (uintptr_t)gone}};
    for (int i = 0; i < 3; i++)
        c.probe_state[i] = -1;
    tri_for_each_page_run(census, &c);
    tri_stats st;
    tri_get_stats(&st);
    uint64_t all = 0;
    for (int k = 0; k < TRI_NUM_PAGE_STATES; k++)
        all += c.pages[k];
    CHECKF(all * TRI_PAGE_SIZE == st.reserved, "runs cover %llu bytes of %llu reserved",
           (unsigned long long)(all * TRI_PAGE_SIZE), (unsigned long long)st.reserved);
    CHECK(c.overlaps == 0);
    CHECK((c.pages[TRI_PAGES_SMALL] + c.pages[TRI_PAGES_LARGE] + c.pages[TRI_PAGES_GC]) * TRI_PAGE_SIZE == st.in_use);
    CHECK(c.pages[TRI_PAGES_RELEASED] * TRI_PAGE_SIZE == st.released);
    CHECK(c.probe_state[0] == TRI_PAGES_SMALL && c.probe_class[0] == tri_size_class_of(100));
    CHECK(c.probe_state[1] == TRI_PAGES_LARGE);
    CHECK(c.probe_state[2] == TRI_PAGES_RELEASED);
    tri_free(small);
    tri_free(large);
}

/* Checks the span map around a live large object: its ends map to it, the
 * pages between to nothing, and every address of it is known for its own. */
static bool large_mapped(const char *p, size_t size)
{
    tri_span *s = tri_span_of((uintptr_t)p);
    if (!s || s->state != TRI_SPAN_LARGE || s->base != (uintptr_t)p || (s->npages << TRI_PAGE_SHIFT) < size)
        return false;
    uintptr_t end = s->base + (s->npages << TRI_PAGE_SHIFT);
    if (tri_span_of(end - 1) != s)
        return false;
    /* the page map: its page count on its first page, nothing on the rest */
    uintptr_t n = s->npages < TRI_LARGE_INFO_MAX ? s->npages : TRI_LARGE_INFO_MAX;
    if (tri_page_info(s->base) != TRI_PAGEINFO(0, n) || (s->npages > 1 && tri_page_info(s->base + TRI_PAGE_SIZE)))
        return false;
    for (uintptr_t a = s->base + TRI_PAGE_SIZE; a + TRI_PAGE_SIZE < end; a += TRI_PAGE_SIZE)
        if (tri_span_of(a) != NULL || tri_large_span_around(a + 100) != s)
            return false;
    return true;
}

/* Large objects handed out, grown and shrunk in place or moved, split off
 * aligned runs and freed, at random, against a model of which objects are
 * live and what they hold: the map stays right through every path of the
 * page heap that writes it (carve, split, resize, merge). */
TEST(pageheap_large_objects_keep_the_map_right)
{
    enum { SLOTS = 24 };
    struct { char *p; size_t size; unsigned char tag; } o[SLOTS] = {{0}};
    uint64_t rng = 42;
    for (int round = 0; round < 3000; round++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        unsigned k = (unsigned)(rng % SLOTS), op = (unsigned)(rng >> 8) % 4;
        size_t size = (size_t)(33 << 10) + (size_t)((rng >> 16) % (600 << 10));
        if (o[k].p && !(o[k].p[0] == (char)o[k].tag && o[k].p[o[k].size - 1] == (char)o[k].tag)) {
            CHECKF(0, "round %d: object %u lost its contents", round, k);
            return;
        }
        if (op == 0 && o[k].p) {
            tri_free(o[k].p);
            o[k].p = NULL;
            continue;
        }
        if (op == 1 && o[k].p) { /* grows or shrinks: in place where it can */
            char *q = tri_realloc(o[k].p, size);
            CHECK(q != NULL);
            o[k].p = q;
        } else {
            if (o[k].p)
                tri_free(o[k].p);
            o[k].p = op == 2 ? tri_aligned_alloc((size_t)TRI_PAGE_SIZE << (rng >> 40) % 6, size) : tri_malloc(size);
            CHECK(o[k].p != NULL);
        }
        o[k].size = size;
        o[k].tag = (unsigned char)(rng >> 32);
        o[k].p[0] = o[k].p[size - 1] = (char)o[k].tag;
        for (unsigned i = 0; i < SLOTS; i++)
            if (o[i].p && !large_mapped(o[i].p, o[i].size)) {
                CHECKF(0, "round %d: the map around object %u (%zu bytes) is wrong", round, i, o[i].size);
                return;
            }
    }
    for (unsigned i = 0; i < SLOTS; i++)
        tri_free(o[i].p);
}
