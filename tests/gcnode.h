/* The collected node the collector's tests build their graphs of: two
 * pointers and a value. */
#ifndef TESTS_GCNODE_H
#define TESTS_GCNODE_H

#include "tricolor.h"

typedef struct node {
    struct node *left, *right;
    uint64_t value;
} node;
static const uint64_t node_map[1] = {3};
static const tri_type node_type = {"node", sizeof(node), 2, node_map};

static inline node *new_node(tri_gc_heap *h, uint64_t value)
{
    node *n = tri_gc_alloc(h, &node_type);
    if (n)
        n->value = value;
    return n;
}

#endif
