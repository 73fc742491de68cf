/* The typed write barrier: tests/compile.sh builds this file once per
 * MISUSE (each must fail to compile) and once without (it must compile
 * cleanly with every warning an error). */
#include <stddef.h>

#include "tricolor.h"

typedef struct node {
    struct node *left, *right;
    long value;
    char *name;
} node;

void store(tri_gc_heap *h, node *parent, node *child, void *anything, void **generic)
{
#if MISUSE == 1
    tri_gc_write(h, parent->left, child);   /* the object, not the address of its field */
#elif MISUSE == 2
    tri_gc_write(h, anything, child);       /* an untyped address */
#elif MISUSE == 3
    tri_gc_write(h, &parent->value, child); /* the address of a field that holds no pointer */
#elif MISUSE == 4
    tri_gc_write(h, parent, child);         /* the object itself */
#else
    tri_gc_write(h, &parent->left, child);
    tri_gc_write(h, &parent->right, NULL);
    tri_gc_write(h, &parent->left, anything); /* void * converts, as in any assignment */
    tri_gc_write(h, generic, child);
    tri_gc_write_slot(h, (void **)&parent->name, anything);
#endif
}
