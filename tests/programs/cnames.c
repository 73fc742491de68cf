/* Calls every function libtricolor-preload.so replaces, by its C library
 * name, and prints what a correct allocator must produce: the same output
 * on glibc and on tricolor. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int aligned(void *p, size_t a) { return p && (uintptr_t)p % a == 0; }

int main(void)
{
    char *p = malloc(100);
    memset(p, 'a', 100);
    printf("malloc: %d usable>=100: %d\n", p != NULL, malloc_usable_size(p) >= 100);
    p = realloc(p, 5000);
    printf("realloc keeps: %d\n", p[0] == 'a' && p[99] == 'a');
    free(p);

    int *z = calloc(1000, sizeof(int));
    int zero = 1;
    for (int i = 0; i < 1000; i++)
        zero &= z[i] == 0;
    printf("calloc zero: %d\n", zero);
    z = reallocarray(z, 2000, sizeof(int));
    printf("reallocarray: %d\n", z != NULL && z[999] == 0);
    errno = 0;
    printf("reallocarray overflow: %d %d\n", reallocarray(z, SIZE_MAX, 2) == NULL, errno == ENOMEM);
    free(z);

    for (size_t a = 8; a <= 65536; a *= 4) {
        void *q = NULL;
        int rc = posix_memalign(&q, a, 300);
        void *m = memalign(a, 300);
        void *al = aligned_alloc(a, 300);
        printf("align %zu: posix_memalign %d %d memalign %d aligned_alloc %d\n", a, rc, aligned(q, a),
               aligned(m, a), aligned(al, a));
        free(q);
        free(m);
        free(al);
    }
    void *v = valloc(1000), *pv = pvalloc(1000);
    printf("valloc %d pvalloc %d usable>=4096 %d\n", aligned(v, 4096), aligned(pv, 4096),
           malloc_usable_size(pv) >= 4096);
    free(v);
    free(pv);
    void *q = (void *)1;
    printf("posix_memalign(3): %d untouched %d\n", posix_memalign(&q, 3, 10) == EINVAL, q == (void *)1);
    errno = 0;
    printf("malloc(SIZE_MAX): %d %d\n", malloc(SIZE_MAX) == NULL, errno == ENOMEM);
    errno = 0;
    printf("calloc overflow: %d %d\n", calloc(SIZE_MAX / 4, 8) == NULL, errno == ENOMEM);
    free(NULL);
    printf("usable(NULL): %zu\n", malloc_usable_size(NULL));
    return 0;
}
