#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if TH_HAVE_FORK
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

enum { MAX_TESTS = 512 };

static struct { const char *name; th_fn fn; } tests[MAX_TESTS];
static int ntests;
static int current_failed, current_skipped;
static char current_note[512];

void th_register(const char *name, th_fn fn)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "harness: too many tests\n");
        exit(2);
    }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

void th_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(current_note, sizeof current_note, "%s:%d: ", file, line);
    va_start(ap, fmt);
    vsnprintf(current_note + n, sizeof current_note - (size_t)n, fmt, ap);
    va_end(ap);
    current_failed = 1;
}

void th_skip(const char *why)
{
    snprintf(current_note, sizeof current_note, "%s", why);
    current_skipped = 1;
}

int th_failed(void) { return current_failed; }

const char *th_data_dir(void)
{
    const char *d = getenv("TRI_TEST_DATA");
    return d && *d ? d : "tests/data";
}

size_t th_rss(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * 4096;
}

#if TH_HAVE_FORK
int th_child(void (*fn)(void *), void *arg, int *sig, int *code, char *err, size_t errlen)
{
    int fds[2];
    if (pipe(fds) != 0)
        return 0;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        signal(SIGABRT, SIG_DFL);
        _Static_assert(SIGABRT == TH_SIGABRT, "TH_SIGABRT");
        fn(arg);
        _exit(0);
    }
    close(fds[1]);
    size_t len = 0;
    for (;;) {
        char buf[512];
        ssize_t r = read(fds[0], buf, sizeof buf);
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r && len + 1 < errlen; i++)
            err[len++] = buf[i];
    }
    err[len] = 0;
    close(fds[0]);
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 0;
    *sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return 1;
}
#elif TH_HAVE_CHILD
/* The runner instantiates the module again with the arguments
 * "--child FN" (main below runs function FN of the table, which both
 * instances share), captures its stderr and reports how it ended. */
__attribute__((import_module("tricolor_test"), import_name("run_child"))) int
th_host_run_child(uint32_t fn, char *err, uint32_t errlen, int32_t *code, int32_t *trapped);

int th_child(void (*fn)(void *), void *arg, int *sig, int *code, char *err, size_t errlen)
{
    int32_t c = 0, trapped = 0;
    if (arg != NULL || errlen == 0)
        return 0;
    fflush(stdout);
    fflush(stderr);
    if (!th_host_run_child((uint32_t)(uintptr_t)fn, err, (uint32_t)errlen, &c, &trapped))
        return 0;
    *sig = trapped ? TH_SIGABRT : 0;
    *code = trapped ? -1 : c;
    return 1;
}
#else
int th_child(void (*fn)(void *), void *arg, int *sig, int *code, char *err, size_t errlen)
{
    (void)fn, (void)arg, (void)sig, (void)code, (void)err, (void)errlen;
    return 0;
}
#endif

void th_expect_abort(const char *name, void (*fn)(void *), void *arg, const char *needle, ...)
{
    int sig = 0, code = 0;
    char err[2048];
    if (!th_child(fn, arg, &sig, &code, err, sizeof err)) {
        th_fail(__FILE__, __LINE__, "%s: could not run a child process", name);
        return;
    }
    if (sig != TH_SIGABRT) {
        th_fail(__FILE__, __LINE__, "%s: child ended with signal %d, code %d, stderr '%.300s'", name, sig, code, err);
        return;
    }
    va_list ap;
    va_start(ap, needle);
    const char *want = "tricolor: ";
    for (int i = 0; want; i++) {
        if (!strstr(err, want)) {
            th_fail(__FILE__, __LINE__, "%s: stderr '%.300s' lacks '%s'", name, err, want);
            break;
        }
        want = i == 0 ? needle : va_arg(ap, const char *);
    }
    va_end(ap);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, skipped = 0;
#if defined(__wasm__) && TH_HAVE_CHILD
    if (argc == 3 && strcmp(argv[1], "--child") == 0) { /* th_child's other instance */
        void (*fn)(void *) = (void (*)(void *))(uintptr_t)strtoul(argv[2], NULL, 10);
        fn(NULL);
        return 0;
    }
#endif
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 0; i < ntests; i++) {
        if (argc > 1) { /* NAME: the tests whose names hold it; -NAME: but not these */
            int wanted = 0, any = 0;
            for (int a = 1; a < argc; a++)
                if (argv[a][0] == '-') {
                    if (strstr(tests[i].name, argv[a] + 1))
                        wanted = -1000;
                } else {
                    any = 1;
                    wanted += strstr(tests[i].name, argv[a]) != NULL;
                }
            if (wanted < 0 || (any && !wanted))
                continue;
        }
        current_failed = current_skipped = 0;
        current_note[0] = 0;
        double t0 = now();
        tests[i].fn();
        double t = now() - t0;
        if (current_failed) {
            failed++;
            printf("FAIL %s: %s\n", tests[i].name, current_note);
        } else if (current_skipped) {
            skipped++;
            printf("skip %s: %s\n", tests[i].name, current_note);
        } else {
            passed++;
            printf("ok   %s (%.2f s)\n", tests[i].name, t);
        }
    }
    printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
