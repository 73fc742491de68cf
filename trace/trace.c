/*
 * Traces: the events of a garbage-collected heap in a compact file
 * (docs/trace-format.md). The writer is an event sink; the reader checks
 * every rule of the format and says what is wrong and where. The writer
 * writes version 2: a heap with events records every pointer store
 * (gcbarrier.c), so its events are what version 2 promises. The reader
 * reads versions 1 and 2.
 */
#include "trace.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

uint32_t trace_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    static uint32_t table[256];
    if (!table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    crc = ~crc;
    while (n--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static void put(trace_writer *w, const void *p, size_t n)
{
    if (w->failed)
        return;
    w->crc = trace_crc32(w->crc, p, n);
    if (fwrite(p, 1, n, w->f) != n)
        w->failed = 1;
}

static void put_u32(trace_writer *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(w, b, 4);
}

static size_t leb128(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        out[n++] = b | (v ? 0x80 : 0);
    } while (v);
    return n;
}

int trace_open(trace_writer *w, const char *path, const char *workload, enum tri_gc_barrier barrier)
{
    memset(w, 0, sizeof *w);
    w->f = fopen(path, "wb");
    if (!w->f)
        return -1;
    put(w, "TRITRACE", 8);
    put_u32(w, TRACE_VERSION);
    put_u32(w, sizeof(uintptr_t) == 4 ? 1 : 0);
    put_u32(w, 8192);
    put_u32(w, TRI_NUM_SIZE_CLASSES);
    put_u32(w, (uint32_t)barrier);
    put_u32(w, 0);
    char name[32] = {0};
    strncpy(name, workload, sizeof name - 1);
    put(w, name, sizeof name);
    for (unsigned c = 0; c < TRI_NUM_SIZE_CLASSES; c++) {
        uint32_t size = 0, pages = 0, objects;
        tri_size_class_info(c, &size, &pages, &objects);
        put_u32(w, size);
        put_u32(w, pages);
    }
    return w->failed ? -1 : 0;
}

void trace_events(const tri_gc_event *events, size_t n, void *writer)
{
    trace_writer *w = writer;
    for (size_t i = 0; i < n; i++) {
        const tri_gc_event *e = &events[i];
        uint8_t buf[1 + 6 * 10];
        size_t k = 0;
        buf[k++] = (uint8_t)e->kind;
        int64_t da = (int64_t)(e->a - w->last_a);
        k += leb128(buf + k, e->arg);
        k += leb128(buf + k, e->time_ns - w->last_time);
        k += leb128(buf + k, da >= 0 ? (uint64_t)da << 1 : ((uint64_t)(-(da + 1)) << 1) + 1);
        k += leb128(buf + k, e->b);
        k += leb128(buf + k, e->c);
        k += leb128(buf + k, e->d);
        put(w, buf, k);
        w->last_time = e->time_ns;
        w->last_a = e->a;
        w->count++;
    }
}

int trace_close(trace_writer *w)
{
    uint32_t crc = w->crc;
    put(w, "TRIEND\0\0", 8);
    uint8_t count[8];
    for (int i = 0; i < 8; i++)
        count[i] = (uint8_t)(w->count >> (8 * i));
    put(w, count, 8);
    put_u32(w, crc);
    put_u32(w, 0);
    if (fclose(w->f) != 0)
        w->failed = 1;
    return w->failed ? -1 : 0;
}

/* --- reading ------------------------------------------------------------------- */

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* One LEB128 number from [*p, end): 1, 0 if the data ends inside it, -1 if
 * it runs past 10 bytes. */
static int get_leb(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    for (int i = 0; i < 10; i++) {
        if (*p >= end)
            return 0;
        uint8_t b = *(*p)++;
        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *v = x;
            return 1;
        }
    }
    return -1;
}

int trace_read(const uint8_t *data, size_t size, trace_summary *out, tri_gc_event *events, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t table = 8 * (size_t)TRI_NUM_SIZE_CLASSES;
    if (size < 8 || memcmp(data, "TRITRACE", 8) != 0)
        return fail(err, errlen, "not a tricolor trace (no TRITRACE magic at the start)");
    if (size < TRACE_HEADER)
        return fail(err, errlen, "truncated: %zu bytes, shorter than the %d-byte header", size, TRACE_HEADER);
    out->version = get_u32(data + 8);
    if (out->version > TRACE_VERSION)
        return fail(err, errlen, "trace version %u is newer than this reader (version %d)", out->version,
                    TRACE_VERSION);
    if (out->version < TRACE_OLDEST_VERSION)
        return fail(err, errlen, "unknown trace version %u", out->version);
    out->flags = get_u32(data + 12);
    out->barrier = get_u32(data + 24);
    if (out->flags > 1 || get_u32(data + 28) != 0)
        return fail(err, errlen, "bad header: unknown flags %#x or reserved field not 0", out->flags);
    if (get_u32(data + 16) != 8192 || get_u32(data + 20) != TRI_NUM_SIZE_CLASSES)
        return fail(err, errlen, "bad header: page size %u and %u size classes (expected 8192 and %d)",
                    get_u32(data + 16), get_u32(data + 20), TRI_NUM_SIZE_CLASSES);
    if (out->barrier >= TRI_NUM_BARRIERS)
        return fail(err, errlen, "bad header: barrier mode %u", out->barrier);
    memcpy(out->workload, data + 32, 32);
    out->workload[32] = 0;
    if (size < TRACE_HEADER + table + TRACE_TRAILER)
        return fail(err, errlen, "truncated: %zu bytes, too short for the header, size-class table and trailer", size);
    const uint8_t *trailer = data + size - TRACE_TRAILER;
    if (memcmp(trailer, "TRIEND\0\0", 8) != 0)
        return fail(err, errlen, "truncated or corrupt: no TRIEND trailer at the end (%zu bytes)", size);
    uint64_t count = 0;
    for (int i = 0; i < 8; i++)
        count |= (uint64_t)trailer[8 + i] << (8 * i);
    if (get_u32(trailer + 20) != 0)
        return fail(err, errlen, "bad trailer: reserved field not 0");
    uint32_t crc = trace_crc32(0, data, size - TRACE_TRAILER);
    if (crc != get_u32(trailer + 16))
        return fail(err, errlen, "corrupt: checksum %08x, the trailer says %08x", crc, get_u32(trailer + 16));
    const uint8_t *p = data + TRACE_HEADER + table, *end = trailer;
    uint64_t n = 0, time = 0, a = 0;
    while (p < end) {
        size_t at = (size_t)(p - data);
        uint8_t kind = *p++;
        if (kind >= TRACE_KINDS)
            return fail(err, errlen, "event %llu at byte %zu has unknown kind %u", (unsigned long long)n, at, kind);
        uint64_t v[6];
        for (int f = 0; f < 6; f++) {
            int r = get_leb(&p, end, &v[f]);
            if (r == 0)
                return fail(err, errlen, "truncated: the events end inside event %llu (at byte %zu)",
                            (unsigned long long)n, at);
            if (r < 0)
                return fail(err, errlen, "event %llu at byte %zu: a number runs past 10 bytes", (unsigned long long)n,
                            at);
        }
        time += v[1];
        a += (v[2] & 1) ? ~(v[2] >> 1) : v[2] >> 1;
        if (events && n < count)
            events[n] = (tri_gc_event){kind, (uint32_t)v[0], time, a, v[3], v[4], v[5]};
        out->by_kind[kind]++;
        n++;
    }
    if (n != count)
        return fail(err, errlen, "the trailer counts %llu events, the file holds %llu", (unsigned long long)count,
                    (unsigned long long)n);
    out->events = n;
    out->bytes = size;
    out->duration_ns = time;
    return 0;
}
