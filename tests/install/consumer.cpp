// The installed header from C++: its declarations and inline functions in
// a C++ translation unit, linked against the installed library.
#include <tricolor.h>

#include <cstdio>

struct pair {
    pair *first;
    pair *second;
};

static const uint64_t pair_pointers[1] = {0x3};
static const tri_type pair_type = {"pair", sizeof(pair), 2, pair_pointers};

int main()
{
    tri_gc_heap *h = tri_gc_create(nullptr);
    if (!h)
        return 1;
    void *locals[1] = {nullptr};
    tri_gc_frame frame;
    tri_gc_push_frame(h, &frame, locals, 1);
    pair *root = static_cast<pair *>(tri_gc_alloc(h, &pair_type));
    locals[0] = root;
    pair *child = static_cast<pair *>(tri_gc_alloc(h, &pair_type));
    tri_gc_write(h, &root->first, child); // the typed barrier: a pair * into a pair * field
    tri_gc_alloc(h, &pair_type); // garbage
    tri_gc_collect(h);
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    tri_gc_pop_frame(h, &frame);
    tri_gc_destroy(h);
    std::printf("C++: %llu of 3 objects kept\n", static_cast<unsigned long long>(st.objects));
    return st.objects == 2 ? 0 : 1;
}
