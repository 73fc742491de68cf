/* fork() in a threaded program, and threads created and exiting at a high
 * rate, through the C library's names: workers allocate and free without
 * pause while the main thread forks; every child allocates, frees, starts
 * a thread of its own and exits. Prints the same lines on any correct
 * allocator. */
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

static int child(void)
{
    char *bufs[100];
    for (int i = 0; i < 100; i++) {
        bufs[i] = malloc((size_t)(i * 100 + 1));
        if (!bufs[i])
            return 1;
        memset(bufs[i], i, (size_t)(i * 100 + 1));
    }
    for (int i = 0; i < 100; i++) {
        if (bufs[i][i * 100] != (char)i)
            return 2;
        free(bufs[i]);
    }
    char *s = NULL;
    pthread_t t;
    if (pthread_create(&t, NULL, short_lived, &s) != 0 || pthread_join(t, NULL) != 0 || !s)
        return 3;
    free(s);
    return 0;
}

int main(void)
{
    enum { WORKERS = 3, FORKS = 150, CHURN = 2000 };
    pthread_t w[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&w[i], NULL, worker, (void *)(uintptr_t)(i + 1));

    int good = 0;
    for (int f = 0; f < FORKS; f++) {
        pid_t pid = fork();
        if (pid == 0)
            _exit(child());
        int status;
        if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            good++;
    }
    printf("children that allocated normally: %d of %d\n", good, FORKS);

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
