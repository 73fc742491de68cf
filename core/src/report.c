/*
 * Reports of misuse and of broken invariants, written straight to standard
 * error (tri_prim_write_stderr) because they may come from inside malloc,
 * where stdio could allocate. Every platform's.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void tri_write_stderr(const char *s)
{
    tri_prim_write_stderr(s, strlen(s));
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

void tri_assert_fail(const char *cond, const char *file, int line, const char *func)
{
    char buf[320], num[16];
    int n = 0;
    do {
        num[n++] = (char)('0' + line % 10);
        line /= 10;
    } while (line && n < 15);
    char *o = put(buf, "tricolor: internal invariant broken at ", 40);
    o = put(o, file, 80);
    o = put(o, ":", 1);
    while (n)
        *o++ = num[--n];
    o = put(o, " (", 2);
    o = put(o, func, 40);
    o = put(o, "): ", 3);
    o = put(o, cond, 140);
    o = put(o, "\n", 1);
    *o = 0;
    tri_write_stderr(buf);
    abort();
}
