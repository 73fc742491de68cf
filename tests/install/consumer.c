/*
 * A program that uses an installed tricolor as a user's program would: the
 * allocator and the collector through the installed header and library.
 * tests/install.sh builds it with pkg-config (static and shared) and with
 * CMake. It prints the version it was compiled against and what it found,
 * and exits 1 if the library did not do what the header says.
 */
#include <stdio.h>
#include <string.h>

#include <tricolor.h>

typedef struct node {
    struct node *next;
    long value;
    long pad;
} node;

static const uint64_t node_pointers[1] = {0x1}; /* word 0, next, is a pointer */
static const tri_type node_type = {"node", sizeof(node), 1, node_pointers};

static int failed;

static void expect(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "consumer: %s\n", what);
        failed = 1;
    }
}

int main(void)
{
    /* The allocator: 100 bytes come from the 112-byte size class. */
    char *text = tri_malloc(100);
    expect(text != NULL, "tri_malloc(100) returned NULL");
    expect(tri_usable_size(text) == 112, "tri_malloc(100) is not in the 112-byte size class");
    strcpy(text, "tricolor");
    text = tri_realloc(text, 100000);
    expect(text && strcmp(text, "tricolor") == 0, "tri_realloc lost the contents");
    tri_free(text);

    /* The collector: a list of 1000 nodes, cut after the 400th; a full
     * collection keeps exactly the 400 still reachable from the root. */
    tri_gc_heap *h = tri_gc_create(NULL);
    expect(h != NULL, "tri_gc_create failed");
    if (!h)
        return 1;
    void *locals[1] = {NULL};
    tri_gc_frame frame;
    tri_gc_push_frame(h, &frame, locals, 1);
    for (long i = 0; i < 1000; i++) {
        node *n = tri_gc_alloc(h, &node_type);
        expect(n != NULL, "tri_gc_alloc returned NULL");
        if (!n)
            break;
        n->value = i;
        tri_gc_write(h, &n->next, locals[0]);
        locals[0] = n;
    }
    node *cut = locals[0];
    for (int i = 1; cut && i < 400; i++)
        cut = cut->next;
    if (cut)
        tri_gc_write(h, &cut->next, NULL);
    tri_gc_collect(h);
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    expect(st.objects == 400, "the collection did not keep exactly the 400 reachable nodes");
    long sum = 0;
    for (node *n = locals[0]; n; n = n->next)
        sum += n->value;
    expect(sum == (999 + 600) * 400 / 2, "a reachable node lost its value");
    tri_gc_pop_frame(h, &frame);
    tri_gc_destroy(h);

    printf("tricolor %s: %llu of 1000 objects kept\n", TRI_VERSION, (unsigned long long)st.objects);
    return failed;
}
