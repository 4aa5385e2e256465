/*
 * parallel.c — isr_parallel: n independent jobs on up to `threads` threads, the calling one
 * included, each taking the next job from a shared counter (the longest should come first).
 * Nothing is shared between the jobs but what the caller gives them; each job is told which
 * worker (0 … threads - 1) runs it, for what a worker keeps of its own, which
 * isr_parallel_with makes and lets go of on the worker's own thread.
 */
#include "internal.h"

#include <stdatomic.h>
#include <threads.h>

typedef struct par_jobs {
    void (*fn)(void *user, int i, int worker);
    void (*begin)(void *user, int worker), (*end)(void *user, int worker);
    void *user;
    int n;
    atomic_int next;
} par_jobs;

typedef struct par_worker_arg {
    par_jobs *p;
    int worker;
} par_worker_arg;

static int par_worker(void *arg)
{
    par_worker_arg *w = arg;
    par_jobs *p = w->p;
    if (p->begin)
        p->begin(p->user, w->worker);
    for (int i; (i = atomic_fetch_add(&p->next, 1)) < p->n;)
        p->fn(p->user, i, w->worker);
    if (p->end)
        p->end(p->user, w->worker);
    return 0;
}

void isr_parallel_with(int threads, int n, void (*fn)(void *user, int i, int worker), void *user,
                       void (*begin)(void *user, int worker), void (*end)(void *user, int worker))
{
    par_jobs p = {.fn = fn, .begin = begin, .end = end, .user = user, .n = n};
    if (threads > ISR_PARALLEL_MAX)
        threads = ISR_PARALLEL_MAX;
    if (threads > n)
        threads = n;
    thrd_t tid[ISR_PARALLEL_MAX];
    par_worker_arg arg[ISR_PARALLEL_MAX];
    int started = 0;
    for (int i = 0; i < threads - 1; i++) { /* one not started leaves its share to the others */
        arg[started] = (par_worker_arg){&p, started + 1};
        if (thrd_create(&tid[started], par_worker, &arg[started]) == thrd_success)
            started++;
    }
    par_worker_arg self = {&p, 0};
    par_worker(&self);
    for (int i = 0; i < started; i++)
        thrd_join(tid[i], NULL);
}

void isr_parallel(int threads, int n, void (*fn)(void *user, int i, int worker), void *user)
{
    isr_parallel_with(threads, n, fn, user, NULL, NULL);
}
