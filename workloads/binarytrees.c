/*
 * The Computer Language Benchmarks Game's binary-trees, written from its
 * published description: a stretch tree of depth n + 1; a long-lived tree
 * of depth n; then for depths 4, 6, ..., n, 2^(n - depth + 4) trees built
 * bottom up and checked by counting their nodes. Written once against
 * manager.h.
 */
#include "manager.h"

typedef struct bnode {
    struct bnode *left, *right;
} bnode;
static const gcm_type bnode_type = GCM_TYPE("binary-trees node", bnode, 2, 0x3);

static bnode *make(int depth)
{
    if (depth == 0)
        return gcm_alloc(&bnode_type);
    GCM_ROOTS(kids, 2);
    kids[0] = make(depth - 1);
    kids[1] = make(depth - 1);
    bnode *n = gcm_alloc(&bnode_type);
    gcm_write(&n->left, kids[0]);
    gcm_write(&n->right, kids[1]);
    GCM_END_ROOTS(kids);
    return n;
}

static long count(const bnode *n)
{
    return n->left ? 1 + count(n->left) + count(n->right) : 1;
}

static void free_tree(bnode *n)
{
    if (!GCM_FREES_EXPLICITLY || !n)
        return;
    free_tree(n->left);
    free_tree(n->right);
    free(n);
}

long binarytrees(int n)
{
    int max_depth = n < 6 ? 6 : n;
    GCM_ROOTS(roots, 2); /* the tree of the moment, the long-lived one */
    roots[0] = make(max_depth + 1);
    long check = count(roots[0]);
    free_tree(roots[0]);
    roots[0] = NULL;
    roots[1] = make(max_depth);
    for (int d = 4; d <= max_depth; d += 2) {
        long iters = 1L << (max_depth - d + 4), sum = 0;
        for (long i = 0; i < iters; i++) {
            roots[0] = make(d);
            sum += count(roots[0]);
            free_tree(roots[0]);
            roots[0] = NULL;
        }
        check += sum;
    }
    check += count(roots[1]);
    free_tree(roots[1]);
    GCM_END_ROOTS(roots);
    return check;
}
