/*
 * bench-barrier: what the write barrier costs, per mode: nanoseconds per
 * pointer store through tri_gc_write while no cycle runs (the one branch),
 * while marking runs (the barrier's work), and for a plain store; and how
 * many stores made while marking reach the barrier's slow path, for stores
 * that overwrite a pointer and for stores that fill a new object's fields.
 * Prints one line per mode:
 *   mode plain_ns idle_ns marking_ns calls_per_overwrite calls_per_fill
 */
#include <stdio.h>
#include <time.h>

#include "tricolor.h"

typedef struct node {
    struct node *left, *right;
} node;
static const uint64_t node_map[1] = {3};
static const tri_type node_type = {"node", sizeof(node), 2, node_map};

enum { NODES = 1 << 16, STORES = 20000000 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static node **nodes;

static __attribute__((noinline)) double stores(tri_gc_heap *h, int barrier)
{
    double t = now();
    unsigned j = 12345;
    for (unsigned i = 0; i < STORES; i++) {
        j = j * 1103515245u + 12345u;
        node *from = nodes[i % NODES], *to = nodes[(j >> 8) % NODES];
        if (barrier)
            tri_gc_write(h, &from->left, to);
        else
            from->left = to;
    }
    return (now() - t) * 1e9 / STORES;
}

/* Slow-path calls so far, every mode. */
static uint64_t slow_calls(tri_gc_heap *h)
{
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    uint64_t n = 0;
    for (int m = 0; m < TRI_NUM_BARRIERS; m++)
        n += st.barrier_hits[m];
    return n;
}

enum { FILLS = 100000 };

/* While marking: FILLS new nodes, each with both fields stored once (the
 * old values NULL), held by roots (which need no barrier). */
static void *filled[FILLS];
static void fill(tri_gc_heap *h)
{
    for (unsigned i = 0; i < FILLS; i++) {
        node *n = tri_gc_alloc(h, &node_type);
        tri_gc_write(h, &n->left, nodes[i % NODES]);
        tri_gc_write(h, &n->right, nodes[(i * 7) % NODES]);
        filled[i] = n;
    }
}

int main(void)
{
    for (int m = 0; m < TRI_NUM_BARRIERS; m++) {
        tri_gc_config c = {0};
        c.gogc = -1;
        c.barrier = (enum tri_gc_barrier)m;
        tri_gc_heap *h = tri_gc_create(&c);
        static void *roots[1];
        tri_gc_add_roots(h, roots, 1);
        tri_gc_add_roots(h, filled, FILLS);
        static const tri_type array_type = {"array", sizeof(void *), 1, NULL};
        nodes = tri_gc_alloc_array(h, &array_type, NODES);
        roots[0] = nodes;
        for (int i = 0; i < NODES; i++)
            tri_gc_write(h, &nodes[i], tri_gc_alloc(h, &node_type));
        double plain = stores(h, 0), idle = stores(h, 1);
        tri_gc_start_cycle(h);
        tri_gc_step(h, 1); /* hybrid: roots now scanned */
        uint64_t calls = slow_calls(h);
        double marking = stores(h, 1);
        double per_overwrite = (double)(slow_calls(h) - calls) / STORES;
        calls = slow_calls(h);
        fill(h);
        double per_fill = (double)(slow_calls(h) - calls) / (2.0 * FILLS);
        tri_gc_finish_cycle(h);
        printf("%s %.2f %.2f %.2f %.2f %.2f\n", tri_gc_barrier_name((enum tri_gc_barrier)m), plain, idle, marking,
               per_overwrite, per_fill);
        tri_gc_destroy(h);
    }
    return 0;
}
