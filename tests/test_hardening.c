/* Hardened lists: the free lists of metadata pools and the collector's
 * lists of work buffers keep their links encoded, and a link that does not
 * lead to a record of its list is reported instead of followed. The
 * corruptions run in child processes, which must abort with the report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "gc.h"

typedef struct record {
    uint64_t words[12]; /* 96 bytes: records sit 128 bytes apart */
} record;

static void pool_init(tri_pool *pool)
{
    tri_free(tri_malloc(1)); /* tricolor has started: its secret is set */
    memset(pool, 0, sizeof *pool);
    pool->name = "test records";
    pool->item_size = sizeof(record);
}

TEST(harden_pool_recycles_records)
{
    static tri_pool pool;
    pool_init(&pool);
    record *r[300];
    for (int i = 0; i < 300; i++) {
        r[i] = tri_pool_alloc(&pool);
        CHECK(r[i] != NULL && (uintptr_t)r[i] % 64 == 0 && tri_pool_owns(&pool, r[i]));
        r[i]->words[0] = (uint64_t)i;
    }
    CHECK(!tri_pool_owns(&pool, (char *)r[5] + 8)); /* not a record boundary */
    CHECK(!tri_pool_owns(&pool, &pool));
    for (int i = 0; i < 300; i += 2)
        tri_pool_free(&pool, r[i]);
    for (int i = 298; i >= 0; i -= 2) { /* last in, first out, and zeroed */
        record *again = tri_pool_alloc(&pool);
        CHECK(again == r[i] && again->words[0] == 0 && again->words[11] == 0);
    }
}

TEST(harden_pool_links_are_encoded)
{
#if TRI_HARDEN
    static tri_pool pool;
    pool_init(&pool);
    record *a = tri_pool_alloc(&pool), *b = tri_pool_alloc(&pool);
    tri_pool_free(&pool, a);
    tri_pool_free(&pool, b);
    uintptr_t stored = *(uintptr_t *)b;
    CHECK(stored != (uintptr_t)a);                 /* not the plain pointer */
    CHECK(tri_link_decode(b, stored) == a);
    CHECK(tri_link_decode(a, *(uintptr_t *)a) == NULL);
    CHECK(*(uintptr_t *)a != 0);                   /* nor a plain NULL */
    CHECK(tri_link_encode(a, b) != tri_link_encode(b, b)); /* the slot's address counts */
    CHECK(tri_link_keys[0] != 0 || tri_link_keys[1] != 0);
#else
    SKIP("built with HARDEN=0");
#endif
}

/* --- corruption, in children -------------------------------------------------------- */


#if TRI_HARDEN
enum { RAW_POINTER, MISALIGNED, FOREIGN, NULL_OVERWRITE };

static void corrupt_pool(void *arg)
{
    int how = (int)(intptr_t)arg;
    static tri_pool pool;
    pool_init(&pool);
    record *a = tri_pool_alloc(&pool), *b = tri_pool_alloc(&pool), *c = tri_pool_alloc(&pool);
    tri_pool_free(&pool, a);
    tri_pool_free(&pool, b); /* the list: b -> a */
    uintptr_t *link = (uintptr_t *)b;
    switch (how) {
    case RAW_POINTER: /* a use-after-free write of a plain pointer to another record */
        *link = (uintptr_t)c;
        break;
    case MISALIGNED: /* even a correctly encoded link must land on a record */
        *link = tri_link_encode(b, (char *)a + 8);
        break;
    case FOREIGN: /* or inside the pool at all */
        *link = tri_link_encode(b, &pool);
        break;
    default: /* zeroed by a stray memset */
        *link = 0;
        break;
    }
    tri_pool_alloc(&pool); /* b: decoding its link finds the damage */
    tri_pool_alloc(&pool);
    _Exit(0); /* not reached */
}
#endif

TEST(harden_pool_corruption_is_reported)
{
#if TRI_HARDEN
    TH_NEED_FORK();
    static const char *names[] = {"raw pointer", "misaligned link", "foreign link", "zeroed link"};
    for (int how = RAW_POINTER; how <= NULL_OVERWRITE; how++) {
        th_expect_abort(names[how], corrupt_pool, (void *)(intptr_t)how, "free list of test records corrupted", "0x",
                        NULL);
        if (th_failed())
            return;
    }
#else
    SKIP("built with HARDEN=0");
#endif
}

/* The collector's work buffers: a cycle with thousands of grey objects
 * fills several, which wait on a list linked through the buffers. */
typedef struct node {
    struct node *next;
    uint64_t value;
} node;
static const uint64_t node_map[1] = {1};
static const tri_type node_type = {"node", sizeof(node), 1, node_map};
enum { NODES = 4000 };

static tri_gc_heap *heap_with_full_workbufs(void)
{
    static void *roots[NODES];
    tri_gc_config c = {0};
    c.gogc = -1;
    /* The mutator marks alone: a background worker would take the full
     * buffers off the list the tests below corrupt, as soon as the first
     * step put them there (so the tests once found the list empty). */
    c.workers = TRI_GC_NO_WORKERS;
    tri_gc_heap *h = tri_gc_create(&c);
    for (int i = 0; i < NODES; i++)
        roots[i] = tri_gc_alloc(h, &node_type);
    tri_gc_add_roots(h, roots, NODES);
    tri_gc_start_cycle(h);
    tri_gc_step(h, 1); /* hybrid: the roots are greyed in the first step */
    return h;
}

#if TRI_HARDEN
static void corrupt_workbuf_link(void *arg)
{
    (void)arg;
    tri_gc_heap *h = heap_with_full_workbufs();
    if (!h->mark.full)
        _Exit(3);
    h->mark.full->next = (uintptr_t)h; /* a plain pointer where an encoded link was */
    tri_gc_finish_cycle(h);
    _Exit(0);
}
#endif

static void corrupt_workbuf_count(void *arg)
{
    (void)arg;
    tri_gc_heap *h = heap_with_full_workbufs();
    if (!h->mark.full)
        _Exit(3);
    h->mark.full->n = 1u << 20; /* marking would read far past the buffer */
    tri_gc_finish_cycle(h);
    _Exit(0);
}

TEST(harden_workbuf_corruption_is_reported)
{
    TH_NEED_FORK();
#if TRI_HARDEN
    th_expect_abort("link", corrupt_workbuf_link, NULL, "list of the collector's work buffers corrupted", "0x", NULL);
    if (th_failed())
        return;
#endif
    th_expect_abort("count", corrupt_workbuf_count, NULL, "work buffer's count was overwritten", "0x", NULL);
}

TEST(harden_workbufs_survive_many_cycles)
{
    /* The lists, encoded, work: marks of many buffers, cycle after cycle. */
    tri_gc_heap *h = heap_with_full_workbufs();
    tri_gc_finish_cycle(h);
    for (int i = 0; i < 5; i++)
        tri_gc_collect(h);
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    CHECK(st.objects == NODES && st.cycles == 6);
    CHECK(tri_gc_verify(h, NULL) == 0);
    tri_gc_destroy(h);
}

/* A double free into a thread-cache stack, separated by other frees, is
 * found when the stack overflows and its oldest batch goes back to the
 * spans, without any explicit flush. */
static void double_free_then_overflow(void *arg)
{
    (void)arg;
    static void *more[4096];
    for (int i = 0; i < 4096; i++)
        more[i] = tri_malloc(64);
    void *a = tri_malloc(64), *b = tri_malloc(64);
    tri_free(a);
    tri_free(b);
    tri_free(a);
    for (int i = 0; i < 4096; i++)
        tri_free(more[i]);
    _Exit(0);
}

TEST(harden_double_free_found_when_stack_overflows)
{
    TH_NEED_FORK();
    th_expect_abort("double free", double_free_then_overflow, NULL, "double free", "0x", NULL);
}
