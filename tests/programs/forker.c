/* fork() in a threaded program, and threads created and exiting at a high
 * rate, through the C library's names: workers allocate and free without
 * pause while the main thread (and then another thread) forks; every child
 * frees what it inherited, allocates and frees thousands of objects of
 * small, medium and large sizes, starts threads of its own (one frees an
 * object the child's main thread allocated) and exits, by _exit or by
 * exit with atexit handlers that free. Prints the same lines on any
 * correct allocator. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static atomic_int running = 1;

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    void *slots[128] = {0};
    while (running) {
        int k = rand_r(&seed) % 128;
        free(slots[k]);
        size_t n = (size_t)(rand_r(&seed) % 3000);
        if (k == 0)
            n += 100000;
        slots[k] = malloc(n);
        memset(slots[k], k, n);
    }
    for (int k = 0; k < 128; k++)
        free(slots[k]);
    return NULL;
}

static void *short_lived(void *arg)
{
    char **out = arg;
    for (int i = 0; i < 50; i++)
        free(malloc((size_t)(i * 40)));
    *out = strdup("made by a thread that has exited");
    return NULL;
}

/* Objects the parent's main thread holds when it forks: the child
 * inherits them, checks them and frees them. */
enum { INHERITED = 64 };
static char *inherited[INHERITED];
static size_t inherited_size(int i) { return (size_t)(i % 8 == 7 ? 70000 : 24 + i * 37); }

static void *child_thread(void *arg)
{
    char *from_main = arg; /* freed by a thread other than the one that allocated it */
    int bad = from_main[0] != 'm';
    free(from_main);
    for (int i = 0; i < 2000; i++) {
        char *p = malloc((size_t)(i % 500) + 1);
        p[0] = 't';
        bad |= p[0] != 't';
        free(p);
    }
    return (void *)(intptr_t)bad;
}

static char *at_exit_buffer;
static void free_at_exit(void) { free(at_exit_buffer); }

/* In the child: many objects of several sizes (small classes, the largest
 * class, large objects), checked and freed in a shuffled order, then the
 * memory reused; a thread of its own; and a clean exit. */
static int child(int use_exit)
{
    static const size_t sizes[] = {8, 16, 48, 100, 256, 1000, 4096, 5000, 32768, 40000};
    enum { N = 1000 };
    static char *objs[N];
    unsigned seed = (unsigned)getpid();
    for (int i = 0; i < INHERITED; i++) {
        if (!inherited[i] || inherited[i][inherited_size(i) - 1] != (char)i)
            return 1;
        free(inherited[i]);
    }
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            size_t n = i % 100 == 99 ? 300000 : sizes[(i + round) % (sizeof sizes / sizeof sizes[0])];
            objs[i] = malloc(n);
            if (!objs[i])
                return 2;
            memset(objs[i], i & 0x7f, n);
        }
        for (int i = N - 1; i > 0; i--) { /* free in a shuffled order */
            int j = rand_r(&seed) % (i + 1);
            char *t = objs[i];
            objs[i] = objs[j];
            objs[j] = t;
        }
        for (int i = 0; i < N; i++) {
            if (objs[i][0] != objs[i][1] || objs[i][0] != objs[i][7])
                return 3;
            free(objs[i]);
        }
    }
    char *s = NULL, *m = strdup("m");
    pthread_t t;
    void *bad = (void *)1;
    if (pthread_create(&t, NULL, short_lived, &s) != 0 || pthread_join(t, NULL) != 0 || !s)
        return 4;
    free(s);
    if (!m || pthread_create(&t, NULL, child_thread, m) != 0 || pthread_join(t, &bad) != 0 || bad)
        return 5;
    if (use_exit) { /* exit(): atexit handlers and destructors run, and may free */
        at_exit_buffer = malloc(1000);
        atexit(free_at_exit);
        exit(0);
    }
    return 0;
}

/* A thread that forks too: the child starts from a thread that is not main. */
static atomic_int forked_from_thread_good;
static void *forking_thread(void *arg)
{
    (void)arg;
    for (int f = 0; f < 20; f++) {
        fflush(stdout); /* a child that calls exit() flushes what it inherited */
        pid_t pid = fork();
        if (pid == 0)
            _exit(child(f % 2));
        int status;
        if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            forked_from_thread_good++;
    }
    return NULL;
}

int main(void)
{
    enum { WORKERS = 3, FORKS = 150, CHURN = 2000 };
    pthread_t w[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&w[i], NULL, worker, (void *)(uintptr_t)(i + 1));

    int good = 0;
    for (int f = 0; f < FORKS; f++) {
        for (int i = 0; i < INHERITED; i++) { /* the main thread's own objects change between forks */
            free(inherited[i]);
            inherited[i] = malloc(inherited_size(i));
            memset(inherited[i], i, inherited_size(i));
        }
        fflush(stdout);
        pid_t pid = fork();
        if (pid == 0)
            _exit(child(f % 2));
        int status;
        if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            good++;
    }
    printf("children that allocated normally: %d of %d\n", good, FORKS);
    pthread_t ft;
    pthread_create(&ft, NULL, forking_thread, NULL);
    pthread_join(ft, NULL);
    printf("children forked from a thread: %d of 20\n", (int)forked_from_thread_good);
    for (int i = 0; i < INHERITED; i++)
        free(inherited[i]);

    int freed = 0;
    for (int i = 0; i < CHURN; i++) {
        char *s = NULL;
        pthread_t t;
        pthread_create(&t, NULL, short_lived, &s);
        pthread_join(t, NULL);
        freed += s != NULL && strcmp(s, "made by a thread that has exited") == 0;
        free(s);
    }
    printf("short-lived threads: %d of %d\n", freed, CHURN);
    running = 0;
    for (int i = 0; i < WORKERS; i++)
        pthread_join(w[i], NULL);
    printf("workers joined\n");
    return 0;
}
