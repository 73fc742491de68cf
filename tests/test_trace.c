/* Traces (docs/trace-format.md): what the writer writes, the reader reads
 * back exactly; what is malformed, truncated or corrupt, it rejects with a
 * message that says so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../trace/trace.h"
#include "harness.h"

static const char *tmp_path(void)
{
    const char *d = getenv("TRI_TEST_TMP");
    static char path[256];
    snprintf(path, sizeof path, "%s/test-trace.tmp", d && *d ? d : "build");
    return path;
}

static uint8_t *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = malloc((size_t)n + 1);
    if (data && fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

/* A trace of `n` made-up events, in memory. */
static uint8_t *sample(size_t n, tri_gc_event *events, size_t *size)
{
    trace_writer w;
    uint64_t rng = 99, t = 0, addr = 0x10000000;
    for (size_t i = 0; i < n; i++) {
        uint64_t r = th_rand(&rng);
        t += r % 5000;
        addr += (r >> 8) % 4096 - 2000; /* up and down: negative differences too */
        events[i] = (tri_gc_event){(uint32_t)(r % 14), (uint32_t)(r >> 40) % 5, t, addr, r >> 20, i % 3 ? 0 : r,
                                   (r >> 50) & 3};
    }
    if (trace_open(&w, tmp_path(), "sample workload", TRI_BARRIER_YUASA) != 0)
        return NULL;
    trace_events(events, n / 2, &w);
    trace_events(events + n / 2, n - n / 2, &w);
    if (trace_close(&w) != 0)
        return NULL;
    return slurp(tmp_path(), size);
}

TEST(trace_round_trip)
{
    enum { N = 3000 };
    static tri_gc_event in[N], out[N];
    size_t size;
    uint8_t *data = sample(N, in, &size);
    CHECKF(data != NULL, "cannot write or read %s", tmp_path());
    trace_summary s;
    char err[256];
    int rc = trace_read(data, size, &s, out, err, sizeof err);
    free(data);
    CHECKF(rc == 0, "%s", err);
    CHECK(s.events == N && s.version == TRACE_VERSION && s.barrier == TRI_BARRIER_YUASA);
    CHECK(strcmp(s.workload, "sample workload") == 0);
    CHECK((s.flags & 1) == (sizeof(uintptr_t) == 4));
    for (size_t i = 0; i < N; i++)
        CHECKF(memcmp(&in[i], &out[i], sizeof in[i]) == 0, "event %zu differs", i);
    CHECKF(size < N * 20, "%zu bytes for %d events: not compact", size, N);
}

TEST(trace_rejects_every_truncation)
{
    enum { N = 200 };
    static tri_gc_event ev[N];
    size_t size;
    uint8_t *data = sample(N, ev, &size);
    CHECK(data != NULL);
    for (size_t len = 0; len < size; len++) {
        trace_summary s;
        char err[256] = "";
        uint8_t *copy = malloc(len + 1); /* exactly len bytes readable (plus one for len 0) */
        memcpy(copy, data, len);
        int rc = trace_read(copy, len, &s, NULL, err, sizeof err);
        free(copy);
        if (rc == 0 || !err[0]) {
            free(data);
            CHECKF(0, "a trace cut to %zu of %zu bytes was accepted", len, size);
        }
    }
    free(data);
}

TEST(trace_rejects_every_corrupt_byte)
{
    enum { N = 100 };
    static tri_gc_event ev[N];
    size_t size;
    uint8_t *data = sample(N, ev, &size);
    CHECK(data != NULL);
    for (size_t at = 0; at < size; at++) {
        trace_summary s;
        char err[256] = "";
        data[at] ^= 0x5a;
        int rc = trace_read(data, size, &s, NULL, err, sizeof err);
        data[at] ^= 0x5a;
        if (rc == 0) {
            free(data);
            CHECKF(0, "a change at byte %zu of %zu went unnoticed", at, size);
        }
    }
    free(data);
}

/* Rewrites the trailer's checksum so that only the change under test is wrong. */
static void reseal(uint8_t *data, size_t size)
{
    uint32_t crc = trace_crc32(0, data, size - TRACE_TRAILER);
    for (int i = 0; i < 4; i++)
        data[size - 8 + i] = (uint8_t)(crc >> (8 * i));
}

static int read_says(uint8_t *data, size_t size, const char *needle)
{
    trace_summary s;
    char err[256] = "";
    reseal(data, size);
    return trace_read(data, size, &s, NULL, err, sizeof err) != 0 && strstr(err, needle) != NULL;
}

TEST(trace_rejects_malformed_content)
{
    enum { N = 50 };
    static tri_gc_event ev[N];
    size_t size;
    uint8_t *data = sample(N, ev, &size);
    CHECK(data != NULL);
    size_t first_event = TRACE_HEADER + 8 * TRI_NUM_SIZE_CLASSES;

    data[8] = TRACE_VERSION + 1;
    CHECK(read_says(data, size, "newer than this reader"));
    data[8] = 0;
    CHECK(read_says(data, size, "unknown trace version 0"));
    data[8] = TRACE_VERSION;
    data[first_event] = 99; /* an unknown kind */
    CHECK(read_says(data, size, "unknown kind 99"));
    data[first_event] = ev[0].kind;
    data[size - 16] ^= 1; /* the trailer's count */
    CHECK(read_says(data, size, "the trailer counts"));
    data[size - 16] ^= 1;
    data[20] = 66; /* size classes */
    CHECK(read_says(data, size, "size classes"));
    data[20] = TRI_NUM_SIZE_CLASSES;
    memset(data + first_event + 1, 0xff, 11); /* a number that never ends */
    CHECK(read_says(data, size, "runs past 10 bytes"));
    free(data);

    uint8_t junk[100] = "not a trace at all";
    trace_summary s;
    char err[256];
    CHECK(trace_read(junk, sizeof junk, &s, NULL, err, sizeof err) != 0 && strstr(err, "not a tricolor trace"));
}

/* Version 1 (barriers only while marking) is still read, as it was written. */
TEST(trace_reads_version_1)
{
    enum { N = 40 };
    static tri_gc_event ev[N], out[N];
    size_t size;
    uint8_t *data = sample(N, ev, &size);
    CHECK(data != NULL);
    data[8] = 1;
    reseal(data, size);
    trace_summary s;
    char err[256] = "";
    int rc = trace_read(data, size, &s, out, err, sizeof err);
    free(data);
    CHECKF(rc == 0, "%s", err);
    CHECK(s.version == 1 && s.events == N && memcmp(ev, out, sizeof ev) == 0);
}

/* A heap with events records every pointer store, marking or not: a trace
 * of it holds the stores that built the graph before any cycle ran. */
TEST(trace_holds_every_pointer_store)
{
    tri_gc_config c = {.gogc = -1, .events = 1 << 10, .barrier = TRI_BARRIER_DIJKSTRA};
    tri_gc_heap *h = tri_gc_create(&c);
    CHECK(h != NULL);
    static const uint64_t map = 3;
    static const tri_type pair = {"pair", 2 * sizeof(void *), 2, &map};
    void *roots[1] = {NULL};
    tri_gc_add_roots(h, roots, 1);
    void **a = tri_gc_alloc(h, &pair);
    roots[0] = a;
    void **b = tri_gc_alloc(h, &pair);
    tri_gc_write(h, &a[0], b);        /* outside marking: recorded, nothing shaded */
    tri_gc_start_cycle(h);
    void **c2 = tri_gc_alloc(h, &pair);
    tri_gc_write(h, &a[1], c2);       /* while marking: the barrier's own event */
    tri_gc_finish_cycle(h);
    tri_gc_write(h, &b[1], (void *)a); /* sweeping is over: recorded again */
    size_t cap;
    uint64_t written;
    const tri_gc_event *ev = tri_gc_events(h, &cap, &written);
    int phase = TRI_GC_OFF, stores = 0, outside = 0;
    for (uint64_t i = 0; i < written; i++) {
        const tri_gc_event *e = &ev[i & (cap - 1)];
        if (e->kind == TRI_EV_PHASE)
            phase = (int)e->arg;
        if (e->kind != TRI_EV_BARRIER)
            continue;
        stores++;
        if (phase == TRI_GC_OFF || phase == TRI_GC_SWEEP) {
            outside++;
            CHECK(e->d == 0); /* outside marking nothing is shaded */
        }
        CHECK(e->arg == TRI_BARRIER_DIJKSTRA);
    }
    CHECKF(stores == 3 && outside == 2, "%d stores, %d outside marking", stores, outside);
    tri_gc_stats st;
    tri_gc_get_stats(h, &st);
    CHECK(st.barrier_hits[TRI_BARRIER_DIJKSTRA] == 1); /* only the store while marking is a barrier hit */
    tri_gc_destroy(h);
}
