/* libFuzzer harness: the trace reader (trace/trace.c, docs/trace-format.md)
 * must reject malformed input with a message, never crash or read out of
 * bounds. Each input is read as it is, and again with its trailer's magic
 * and checksum repaired, so that mutations of the events themselves get
 * past the checksum to the event decoder. A trace that is accepted must
 * decode to the same events when read with an event buffer. */
#include <string.h>

#include "../../trace/trace.h"
#include "fuzz.h"

static void read_one(const uint8_t *data, size_t size)
{
    trace_summary s;
    char err[256];
    err[0] = 0;
    if (trace_read(data, size, &s, NULL, err, sizeof err) != 0) {
        FUZZ_CHECK(err[0] != 0 && strlen(err) < sizeof err, "rejected without a message");
        return;
    }
    uint64_t total = 0;
    for (int k = 0; k < TRACE_KINDS; k++)
        total += s.by_kind[k];
    FUZZ_CHECK(total == s.events && s.bytes == size, "%llu events counted by kind, %llu in all",
               (unsigned long long)total, (unsigned long long)s.events);
    FUZZ_CHECK(s.events <= size / 7, "%llu events in %zu bytes", (unsigned long long)s.events, size);
    tri_gc_event *ev = malloc((s.events ? s.events : 1) * sizeof *ev);
    FUZZ_CHECK(ev != NULL, "out of memory");
    trace_summary again;
    FUZZ_CHECK(trace_read(data, size, &again, ev, err, sizeof err) == 0, "accepted once, then: %s", err);
    uint64_t by_kind[TRACE_KINDS] = {0};
    for (uint64_t i = 0; i < s.events; i++) {
        FUZZ_CHECK(ev[i].kind < TRACE_KINDS, "event %llu has kind %u", (unsigned long long)i, ev[i].kind);
        by_kind[ev[i].kind]++;
    }
    FUZZ_CHECK(memcmp(by_kind, s.by_kind, sizeof by_kind) == 0, "the decoded events disagree with the summary");
    free(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_one(data, size);
    /* Repaired: the trailer's magic and checksum made right for the bytes
     * before it (the event count is left as it is). */
    size_t min = TRACE_HEADER + 8 * (size_t)TRI_NUM_SIZE_CLASSES + TRACE_TRAILER;
    if (size >= min && size < (1 << 20)) {
        uint8_t *copy = malloc(size);
        FUZZ_CHECK(copy != NULL, "out of memory");
        memcpy(copy, data, size);
        uint8_t *trailer = copy + size - TRACE_TRAILER;
        memcpy(trailer, "TRIEND\0\0", 8);
        uint32_t crc = trace_crc32(0, copy, size - TRACE_TRAILER);
        for (int i = 0; i < 4; i++)
            trailer[16 + i] = (uint8_t)(crc >> (8 * i));
        read_one(copy, size);
        free(copy);
    }
    return 0;
}
