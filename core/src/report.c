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
    char *o = buf;
    const char *prefix = "tricolor: ";
    size_t lp = strlen(prefix), lo = strlen(op), lw = strlen(what);
    if (lo > 40)
        lo = 40;
    if (lw > 160)
        lw = 160;
    memcpy(o, prefix, lp), o += lp;
    memcpy(o, op, lo), o += lo;
    *o++ = '(';
    o = put_hex(o, (uintptr_t)ptr);
    *o++ = ')';
    *o++ = ':';
    *o++ = ' ';
    memcpy(o, what, lw), o += lw;
    *o++ = '\n';
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
    char *o = buf;
    const char *parts[] = {"tricolor: ", list, of, " corrupted at "};
    for (unsigned i = 0; i < 4; i++) {
        size_t n = strlen(parts[i]);
        if (n > 60)
            n = 60;
        memcpy(o, parts[i], n), o += n;
    }
    o = put_hex(o, (uintptr_t)slot);
    const char *mid = ": a link leads to ";
    memcpy(o, mid, strlen(mid)), o += strlen(mid);
    o = put_hex(o, next);
    const char *tail = ", which is not one of its records (memory written after it was freed?)\n";
    memcpy(o, tail, strlen(tail) + 1);
    tri_write_stderr(buf);
    abort();
}
