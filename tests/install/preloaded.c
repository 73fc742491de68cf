/*
 * A program that knows nothing of tricolor, run with LD_PRELOAD: it asks
 * the dynamic linker whether tricolor's functions are in the process and
 * whether its malloc is tricolor's. Prints "malloc: tricolor" or
 * "malloc: not tricolor"; exits 1 if malloc misbehaves either way.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    size_t (*usable_size)(const void *) = (size_t (*)(const void *))dlsym(RTLD_DEFAULT, "tri_usable_size");
    char *p = malloc(100);
    if (!p)
        return 1;
    strcpy(p, "allocated");
    /* tricolor serves 100 bytes from its 112-byte size class, and its own
     * usable size agrees with malloc_usable_size only if it owns the block */
    int ours = usable_size && usable_size(p) == 112 && malloc_usable_size(p) == 112;
    char *q = realloc(p, 1 << 20);
    if (!q || strcmp(q, "allocated") != 0)
        return 1;
    free(q);
    printf("malloc: %s\n", ours ? "tricolor" : "not tricolor");
    return 0;
}
