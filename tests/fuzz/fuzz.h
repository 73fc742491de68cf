/* Shared by the libFuzzer harnesses: the input read as a stream of
 * operands, and a check that ends the run with a message when it fails
 * (libFuzzer keeps the input that got there). */
#ifndef TRI_FUZZ_H
#define TRI_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct fuzz_input {
    const uint8_t *p, *end;
} fuzz_input;

static inline int fuzz_more(const fuzz_input *in) { return in->p < in->end; }

/* The next byte, or 0 once the input is used up. */
static inline uint8_t fuzz_u8(fuzz_input *in)
{
    return in->p < in->end ? *in->p++ : 0;
}

static inline uint32_t fuzz_u16(fuzz_input *in)
{
    uint32_t lo = fuzz_u8(in);
    return lo | (uint32_t)fuzz_u8(in) << 8;
}

static inline uint32_t fuzz_u32(fuzz_input *in)
{
    uint32_t lo = fuzz_u16(in);
    return lo | fuzz_u16(in) << 16;
}

#define FUZZ_CHECK(cond, ...)                                                   \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                       \
            fprintf(stderr, "\n");                                              \
            abort();                                                            \
        }                                                                       \
    } while (0)

#endif
