/*
 * bench-fastpath N [SIZE]: N malloc+free pairs of SIZE bytes (32 by default).
 * `make bench` runs it under callgrind twice, with N and 2N pairs; the
 * difference in instructions divided by N is the cost of one pair on the
 * fast path, start-up and warm-up cancelled out.
 */
#include <stdlib.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    size_t size = argc > 2 ? (size_t)atol(argv[2]) : 32;
    void *volatile sink;
    for (long i = 0; i < n; i++) {
        void *p = malloc(size);
        sink = p;
        free(p);
    }
    (void)sink;
    return 0;
}
