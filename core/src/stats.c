/*
 * Statistics: gathered on demand from the modules that own each figure
 * (page heap: bytes by page state; central lists: spans and objects per
 * class; thread caches: what they hold and how many requests they served).
 * Nothing here runs on the fast paths.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "internal.h"

void tri_get_stats(tri_stats *out)
{
    tri_ensure_init();
    memset(out, 0, sizeof *out);
    tri_tcache_publish(tri_tls_tcache);

    tri_pageheap_stats ph;
    tri_pageheap_get_stats(&ph);
    out->reserved = ph.reserved;
    out->committed = ph.committed;
    out->released = ph.released;
    out->in_use = ph.in_use;
    out->release_calls = ph.release_calls;
    out->released_total = ph.released_total;
    out->arenas = ph.arenas;
    out->large_objects = ph.large_objects;
    out->large_bytes = ph.large_bytes;
    out->metadata = atomic_load_explicit(&tri_metadata_bytes, memory_order_relaxed);

    uint64_t cached[TRI_NUM_CLASSES], mallocs[TRI_NUM_CLASSES];
    tri_tcache_collect(&out->hits[TRI_LEVEL_THREAD_CACHE], cached, mallocs, &out->threads);
    for (int l = TRI_LEVEL_CENTRAL; l < TRI_NUM_LEVELS; l++)
        out->hits[l] = atomic_load_explicit(&tri_level_hits[l], memory_order_relaxed);

    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++) {
        tri_class_stats *cs = &out->classes[c];
        uint64_t held;
        cs->object_size = tri_class_size[c];
        cs->span_bytes = (uint32_t)(tri_class_npages[c] * TRI_PAGE_SIZE);
        cs->objects_per_span = tri_class_nelems(c);
        tri_central_get(c, &cs->spans, &held);
        /* Caches of other threads publish at their slow paths, so their
         * counts may briefly exceed what the central list has handed out. */
        cs->cached = cached[c];
        cs->objects = held > cached[c] ? held - cached[c] : 0;
        cs->mallocs = mallocs[c];
        out->small_bytes += cs->objects * cs->object_size;
    }
}

static void put(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(int fd, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0 && write(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0)
        return;
}

static double mib(uint64_t bytes) { return (double)bytes / (1024.0 * 1024.0); }

void tri_print_stats(int fd)
{
    tri_stats st;
    tri_get_stats(&st);
    put(fd, "memory (MiB)  reserved %.2f  committed %.2f  in use %.2f  released %.2f  metadata %.2f\n",
        mib(st.reserved), mib(st.committed), mib(st.in_use), mib(st.released), mib(st.metadata));
    put(fd, "objects       small %.2f MiB  large %llu (%.2f MiB)  arenas %llu  threads %llu\n",
        mib(st.small_bytes), (unsigned long long)st.large_objects, mib(st.large_bytes),
        (unsigned long long)st.arenas, (unsigned long long)st.threads);
    uint64_t total = 0;
    for (int l = 0; l < TRI_NUM_LEVELS; l++)
        total += st.hits[l];
    static const char *const names[TRI_NUM_LEVELS] = {"thread cache", "central list", "page heap", "OS"};
    put(fd, "served by    ");
    for (int l = 0; l < TRI_NUM_LEVELS; l++)
        put(fd, "  %s %llu (%.2f%%)", names[l], (unsigned long long)st.hits[l],
            total ? 100.0 * (double)st.hits[l] / (double)total : 0.0);
    put(fd, "\nreleased      %.2f MiB over %llu calls\n", mib(st.released_total),
        (unsigned long long)st.release_calls);
    put(fd, "class  bytes/obj  spans  objects   cached     mallocs\n");
    for (unsigned c = 1; c < TRI_NUM_CLASSES; c++) {
        const tri_class_stats *cs = &st.classes[c];
        if (!cs->spans && !cs->mallocs)
            continue;
        put(fd, "%5u  %9u  %5llu  %7llu  %7llu  %10llu\n", c, cs->object_size,
            (unsigned long long)cs->spans, (unsigned long long)cs->objects,
            (unsigned long long)cs->cached, (unsigned long long)cs->mallocs);
    }
}
