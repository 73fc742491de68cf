/*
 * Two measuring programs for the instruction counts of `make bench`
 * (callgrind runs each at two sizes; the difference, divided, is the cost
 * of one allocation or one marked object, start-up cancelled out):
 *
 *   allocs  2^n allocations of a binary-trees node, each garbage at once,
 *           the collector running as it would (amortised: the allocation
 *           path, refills and the collections of a heap with nothing live)
 *   marks   a tree of 2^19 - 1 live nodes, then n full collections
 *
 * Written once against manager.h.
 */
#include "manager.h"

typedef struct mnode {
    struct mnode *left, *right;
} mnode;
static const gcm_type mnode_type = GCM_TYPE("micro node", mnode, 2, 0x3);

long allocs(int n)
{
    long count = 0;
    for (long i = 0; i < 1L << n; i++) {
        mnode *volatile x = gcm_alloc(&mnode_type);
        count += x != NULL;
        if (GCM_FREES_EXPLICITLY)
            free((void *)x);
    }
    return count;
}

static mnode *tree(int depth)
{
    mnode *n = gcm_alloc(&mnode_type);
    if (depth > 0) {
        GCM_ROOTS(keep, 1);
        keep[0] = n;
        mnode *left = tree(depth - 1);
        gcm_write(&n->left, left);
        mnode *right = tree(depth - 1);
        gcm_write(&n->right, right);
        GCM_END_ROOTS(keep);
    }
    return n;
}

static long count(const mnode *n)
{
    return n ? 1 + count(n->left) + count(n->right) : 0;
}

static void free_tree(mnode *n)
{
    if (GCM_FREES_EXPLICITLY && n) {
        free_tree(n->left);
        free_tree(n->right);
        free(n);
    }
}

long marks(int n)
{
    GCM_ROOTS(roots, 1);
    roots[0] = tree(18);
    for (int i = 0; i < n; i++)
        gcm_collect();
    long check = count(roots[0]);
    free_tree(roots[0]);
    GCM_END_ROOTS(roots);
    return check;
}
