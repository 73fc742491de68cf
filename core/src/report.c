/*
 * Reports of misuse, written straight to file descriptor 2 because they may
 * come from inside malloc, where stdio could allocate. Every platform's.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

void tri_write_stderr(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(2, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* Appends at most max bytes of s. */
static char *put(char *out, const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max)
        n = max;
    memcpy(out, s, n);
    return out + n;
}

static char *put_hex(char *out, uintptr_t v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[2 * sizeof v];
    int n = 0;
    do {
        tmp[n++] = digits[v & 15];
        v >>= 4;
    } while (v);
    *out++ = '0';
    *out++ = 'x';
    while (n)
        *out++ = tmp[--n];
    return out;
}

void tri_fatal_pointer(const char *op, const void *ptr, const char *what)
{
    char buf[256];
    char *o = put(buf, "tricolor: ", 10);
    o = put(o, op, 40);
    o = put(o, "(", 1);
    o = put_hex(o, (uintptr_t)ptr);
    o = put(o, "): ", 3);
    o = put(o, what, 160);
    o = put(o, "\n", 1);
    *o = 0;
    tri_write_stderr(buf);
    abort();
}

void tri_fatal(const char *what)
{
    tri_write_stderr("tricolor: ");
    tri_write_stderr(what);
    tri_write_stderr("\n");
    abort();
}

void tri_fatal_corrupt(const char *list, const char *of, const void *slot, uintptr_t next)
{
    char buf[320];
    char *o = put(buf, "tricolor: ", 10);
    o = put(o, list, 60);
    o = put(o, of, 60);
    o = put(o, " corrupted at ", 14);
    o = put_hex(o, (uintptr_t)slot);
    o = put(o, ": a link leads to ", 18);
    o = put_hex(o, next);
    o = put(o, ", which is not one of its records (memory written after it was freed?)\n", 80);
    *o = 0;
    tri_write_stderr(buf);
    abort();
}
