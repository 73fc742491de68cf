/*
 * Boehm, Ellis and Kovac's GCBench, written from its published description:
 * a stretch tree of depth 18 built and dropped; a long-lived tree of depth
 * 16 and an array of 500 000 doubles kept to the end; then for depths 4, 6,
 * ..., 16, 2 * size(18) / size(depth) trees built top down (Populate) and
 * as many bottom up (MakeTree). Written once against manager.h.
 */
#include "manager.h"

typedef struct gnode {
    struct gnode *left, *right;
    long i, j;
} gnode;
static const gcm_type gnode_type = GCM_TYPE("gcbench node", gnode, 2, 0x3);

enum { STRETCH = 18, LONG_LIVED = 16, ARRAY = 500000, MIN_DEPTH = 4, MAX_DEPTH = 16 };

static int tree_size(int depth) { return (1 << (depth + 1)) - 1; }

/* Builds children top down under n, which the caller keeps reachable. */
static void populate(int depth, gnode *n)
{
    if (depth <= 0)
        return;
    depth--;
    gcm_write(&n->left, gcm_alloc(&gnode_type));
    gcm_write(&n->right, gcm_alloc(&gnode_type));
    populate(depth, n->left);
    populate(depth, n->right);
}

static gnode *make_tree(int depth)
{
    if (depth <= 0)
        return gcm_alloc(&gnode_type);
    GCM_ROOTS(kids, 2);
    kids[0] = make_tree(depth - 1);
    kids[1] = make_tree(depth - 1);
    gnode *n = gcm_alloc(&gnode_type);
    gcm_write(&n->left, kids[0]);
    gcm_write(&n->right, kids[1]);
    GCM_END_ROOTS(kids);
    return n;
}

static void free_tree(gnode *n)
{
    if (!GCM_FREES_EXPLICITLY || !n)
        return;
    free_tree(n->left);
    free_tree(n->right);
    free(n);
}

long gcbench(void)
{
    GCM_ROOTS(roots, 3); /* the temporary tree, the long-lived one, the array */

    roots[0] = make_tree(STRETCH);
    free_tree(roots[0]);
    roots[0] = NULL;

    roots[1] = gcm_alloc(&gnode_type);
    populate(LONG_LIVED, roots[1]);
    double *array = gcm_alloc_noscan(ARRAY * sizeof(double));
    roots[2] = array;
    for (int i = 0; i < ARRAY / 2; i++)
        array[i] = 1.0 / (i + 1);

    for (int d = MIN_DEPTH; d <= MAX_DEPTH; d += 2) {
        int iters = 2 * tree_size(STRETCH) / tree_size(d);
        for (int i = 0; i < iters; i++) {
            roots[0] = gcm_alloc(&gnode_type);
            populate(d, roots[0]);
            free_tree(roots[0]);
            roots[0] = NULL;
        }
        for (int i = 0; i < iters; i++) {
            roots[0] = make_tree(d);
            free_tree(roots[0]);
            roots[0] = NULL;
        }
    }
    long check = (array[1000] > 0.000999 && array[1000] < 0.001001) ? 1 : 0;
    gnode *ll = roots[1];
    for (int d = 0; d < LONG_LIVED; d++, ll = ll->left)
        check += ll != NULL;
    check += ll->left == NULL;
    free_tree(roots[1]);
    if (GCM_FREES_EXPLICITLY)
        free(array);
    GCM_END_ROOTS(roots);
    return check;
}
