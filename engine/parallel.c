/*
 * parallel.c — isr_parallel: n independent jobs on up to `threads` threads, the calling one
 * included, each taking the next job from a shared counter (the longest should come first).
 * Nothing is shared between the jobs but what the caller gives them.
 */
#include "internal.h"

#include <stdatomic.h>
#include <threads.h>

#define ISR_PARALLEL_MAX 64

typedef struct par_jobs {
    void (*fn)(void *user, int i);
    void *user;
    int n;
    atomic_int next;
} par_jobs;

static int par_worker(void *arg)
{
    par_jobs *p = arg;
    for (int i; (i = atomic_fetch_add(&p->next, 1)) < p->n;)
        p->fn(p->user, i);
    return 0;
}

void isr_parallel(int threads, int n, void (*fn)(void *user, int i), void *user)
{
    par_jobs p = {.fn = fn, .user = user, .n = n};
    if (threads > n)
        threads = n;
    if (threads > ISR_PARALLEL_MAX)
        threads = ISR_PARALLEL_MAX;
    thrd_t tid[ISR_PARALLEL_MAX];
    int started = 0;
    for (int i = 0; i < threads - 1; i++) /* a thread not started leaves its share to the others */
        if (thrd_create(&tid[started], par_worker, &p) == thrd_success)
            started++;
    par_worker(&p);
    for (int i = 0; i < started; i++)
        thrd_join(tid[i], NULL);
}
