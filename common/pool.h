/*
 * A small pool of threads that run one function over jobs handed to them in
 * order, while the caller goes on producing (the chain check hands each
 * commit to the pool as the first-parent walk reads it). The caller's thread
 * runs jobs too once it waits, so a pool of N threads has N - 1 of its own.
 * Jobs belong to the caller; the pool only passes the pointers on, and a
 * job must not touch what the caller changes while the pool runs.
 */
#ifndef MAINLINE_POOL_H
#define MAINLINE_POOL_H

#include <pthread.h>
#include <stddef.h>

#define POOL_MAX_THREADS 64

typedef void (*pool_fn)(void *ctx, void *job);

struct pool;

/*
 * Starts threads - 1 threads (threads from 2 to POOL_MAX_THREADS) that run
 * run(ctx, job) for each added job. Signals are blocked in them: they go to
 * the caller's threads. 0, or -1 when a thread or memory cannot be had (then
 * nothing is left running).
 */
int pool_new(struct pool **out, size_t threads, pool_fn run, void *ctx);

/* Queues a job; the pool's threads take jobs in the order added. 0 or -1 (memory). */
int pool_add(struct pool *p, void *job);

/*
 * Says that no job will be added any more (no pool_add after it): each thread
 * ends as soon as it finds the queue empty instead of waiting for more, so
 * that pool_free need not wake it. Queued jobs still run, and pool_wait still
 * runs them in the calling thread too.
 */
void pool_close(struct pool *p);

/*
 * Runs queued jobs in the calling thread as well, and returns when every job
 * added so far has finished: what the jobs wrote is then visible to the
 * caller.
 */
void pool_wait(struct pool *p);

/*
 * Stops the pool: queued jobs that no thread has started are dropped, running
 * ones finish, the threads are joined. NULL is a no-op.
 */
void pool_free(struct pool *p);

/*
 * The processors this process may run on: its CPU affinity, lowered to the
 * cgroup v2 CPU quota (cpu.max) when there is one. At least 1.
 */
size_t pool_cpus(void);

/*
 * Starts fn(arg) on a thread of its own that takes no signals (they go to
 * the caller's threads, whose handlers only set flags), as the pool's
 * threads are. 0, or -1 when no thread could be had.
 */
int pool_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
