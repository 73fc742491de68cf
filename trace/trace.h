/* Writing and reading tricolor traces (docs/trace-format.md). */
#ifndef TRI_TRACE_H
#define TRI_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tricolor.h"

/* Version 2 holds every pointer store into the heap (a barrier event, in
 * every phase); version 1, still read, only the barriers while marking. */
enum { TRACE_VERSION = 2, TRACE_OLDEST_VERSION = 1, TRACE_HEADER = 64, TRACE_TRAILER = 24, TRACE_KINDS = 14 };

typedef struct trace_writer {
    FILE *f;
    uint32_t crc;
    uint64_t count, last_time, last_a;
    int failed;
} trace_writer;

/* Opens `path` and writes the header and size-class table. 0, or -1 with
 * errno set. */
int trace_open(trace_writer *w, const char *path, const char *workload, enum tri_gc_barrier barrier);
/* Appends events (a tri_gc_config event_sink). */
void trace_events(const tri_gc_event *events, size_t n, void *writer);
/* Writes the trailer and closes the file. 0, or -1. */
int trace_close(trace_writer *w);

typedef struct trace_summary {
    uint32_t version, flags, barrier;
    char workload[33];
    uint64_t events, bytes, duration_ns;
    uint64_t by_kind[TRACE_KINDS];
} trace_summary;

/* Checks a whole trace in memory. 0, or -1 with a message in err. If
 * events is not NULL, decoded events go there (room for the count in the
 * summary: call once without). */
int trace_read(const uint8_t *data, size_t size, trace_summary *out, tri_gc_event *events, char *err, size_t errlen);

uint32_t trace_crc32(uint32_t crc, const uint8_t *p, size_t n);

#endif
