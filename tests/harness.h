/*
 * A small test harness in plain C, so the same tests build natively, under
 * WASI and under Emscripten. Tests register themselves:
 *
 *   TEST(name) { CHECK(cond); CHECKF(cond, "fmt", ...); SKIP("why"); }
 *
 * A failed CHECK records the failure and ends the test. The runner prints
 * one line per test and, last, "N passed, N failed, N skipped".
 * Tests that need fork(), threads or /proc call the TH_NEED_* macros, which
 * skip them where the platform lacks those.
 */
#ifndef TRI_HARNESS_H
#define TRI_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*th_fn)(void);

void th_register(const char *name, th_fn fn);
void th_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void th_skip(const char *why);
int th_failed(void);

#define TEST(name)                                                       \
    static void name(void);                                              \
    __attribute__((constructor)) static void th_register_##name(void)    \
    {                                                                    \
        th_register(#name, name);                                        \
    }                                                                    \
    static void name(void)

#define CHECK(cond)                                                      \
    do {                                                                 \
        if (!(cond)) {                                                   \
            th_fail(__FILE__, __LINE__, "%s", #cond);                    \
            return;                                                      \
        }                                                                \
    } while (0)

#define CHECKF(cond, ...)                                                \
    do {                                                                 \
        if (!(cond)) {                                                   \
            th_fail(__FILE__, __LINE__, __VA_ARGS__);                    \
            return;                                                      \
        }                                                                \
    } while (0)

#define SKIP(why)                                                        \
    do {                                                                 \
        th_skip(why);                                                    \
        return;                                                          \
    } while (0)

#if defined(__wasm__)
#define TH_HAVE_FORK 0
#define TH_HAVE_THREADS 0
#define TH_HAVE_PROC 0
#else
#define TH_HAVE_FORK 1
#define TH_HAVE_THREADS 1
#define TH_HAVE_PROC 1
#endif

/* th_child: a fork natively; under WASI a fresh instance of the module,
 * started by the runner (wasm/run-wasi.mjs). Emscripten's modules start
 * asynchronously, so none there. */
#if !defined(__wasm__) || (defined(__wasi__) && !defined(__EMSCRIPTEN__))
#define TH_HAVE_CHILD 1
#else
#define TH_HAVE_CHILD 0
#endif

/* The signal abort() raises, for tests that check a child was aborted. */
#define TH_SIGABRT 6

#define TH_NEED_FORK() do { if (!TH_HAVE_FORK) SKIP("needs fork()"); } while (0)
#define TH_NEED_THREADS() do { if (!TH_HAVE_THREADS) SKIP("needs threads"); } while (0)
#define TH_NEED_PROC() do { if (!TH_HAVE_PROC) SKIP("needs /proc"); } while (0)
#define TH_NEED_CHILD() do { if (!TH_HAVE_CHILD) SKIP("needs a child process"); } while (0)

/* Runs fn in a child process with stderr captured. Returns 1 if it ran:
 * *signal is the signal that ended it (0 if it exited; under WASI a trap
 * counts as TH_SIGABRT, as abort() is one), *code its exit code, err its
 * stderr (NUL-terminated, truncated to errlen - 1). Under WASI arg must be
 * NULL: the child is another instance, with a memory of its own. */
int th_child(void (*fn)(void *), void *arg, int *signal, int *code, char *err, size_t errlen);

/* Runs fn(arg) in a child that must die of abort() after tricolor reports
 * on stderr, with "tricolor: ", needle and each further string (a
 * NULL-terminated list: an address's form, say) in the report; a failure
 * naming `name` is recorded otherwise. */
void th_expect_abort(const char *name, void (*fn)(void *), void *arg, const char *needle, ...);

/* Resident set size of this process in bytes, from /proc/self/statm. */
size_t th_rss(void);

/* The directory of the test data files (TRI_TEST_DATA, or tests/data). */
const char *th_data_dir(void);

/* A deterministic random stream. */
static inline uint64_t th_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

#endif
