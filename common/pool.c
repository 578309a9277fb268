#include "common/pool.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

struct pool {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a job was added, or the pool stops */
	pthread_cond_t idle; /* a job finished */
	pool_fn run;
	void *ctx;
	void **jobs; /* jobs[next..count) wait for a thread */
	size_t count, next, cap;
	size_t running; /* jobs taken and not finished */
	int stop;
	int closed; /* no job will be added: threads end once the queue is empty */
	pthread_t *threads;
	size_t started;
};

/* Takes the next job and runs it; called and returns with the lock held. */
static void run_next(struct pool *p)
{
	void *job = p->jobs[p->next++];

	p->running++;
	pthread_mutex_unlock(&p->lock);
	p->run(p->ctx, job);
	pthread_mutex_lock(&p->lock);
	p->running--;
	pthread_cond_broadcast(&p->idle);
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && !p->closed && p->next == p->count)
			pthread_cond_wait(&p->work, &p->lock);
		if (p->stop || p->next == p->count)
			break;
		run_next(p);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int pool_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(thread, NULL, fn, arg) == 0 ? 0 : -1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

int pool_new(struct pool **out, size_t threads, pool_fn run, void *ctx)
{
	struct pool *p;
	size_t i;

	*out = NULL;
	if (threads < 2 || threads > POOL_MAX_THREADS || (p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	if ((p->threads = calloc(threads - 1, sizeof(*p->threads))) == NULL) {
		free(p);
		return -1;
	}
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->idle, NULL);
	p->run = run;
	p->ctx = ctx;
	for (i = 0; i < threads - 1; i++) {
		if (pool_thread_start(&p->threads[i], worker, p) != 0)
			break;
		p->started++;
	}
	if (p->started != threads - 1) {
		pool_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

int pool_add(struct pool *p, void *job)
{
	int r = 0;

	pthread_mutex_lock(&p->lock);
	if (p->count == p->cap) {
		size_t cap = p->cap != 0 ? 2 * p->cap : 256;
		void **jobs = NULL;

		if (cap <= SIZE_MAX / sizeof(*jobs))
			jobs = realloc(p->jobs, cap * sizeof(*jobs));
		if (jobs != NULL) {
			p->jobs = jobs;
			p->cap = cap;
		} else {
			r = -1;
		}
	}
	if (r == 0) {
		p->jobs[p->count++] = job;
		pthread_cond_signal(&p->work);
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

void pool_close(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->closed = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
}

void pool_wait(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	for (;;) {
		if (p->next < p->count)
			run_next(p);
		else if (p->running > 0)
			pthread_cond_wait(&p->idle, &p->lock);
		else
			break;
	}
	pthread_mutex_unlock(&p->lock);
}

void pool_free(struct pool *p)
{
	size_t i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->started; i++)
		pthread_join(p->threads[i], NULL);
	pthread_cond_destroy(&p->idle);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p->threads);
	free(p->jobs);
	free(p);
}

/* The CPUs the cgroup v2 quota of this process allows (rounded up), 0 when unlimited. */
static size_t quota_cpus(void)
{
	char path[4200], line[4096];
	struct buf b;
	unsigned long long quota, period;
	size_t cpus = 0;
	FILE *f;

	if ((f = fopen("/proc/self/cgroup", "re")) == NULL)
		return 0;
	path[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "0::/", 4) == 0) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cpu.max", line + 3);
		}
	fclose(f);
	buf_init(&b, 256);
	if (path[0] != '\0' && buf_read_file(&b, path) == 0 &&
	    sscanf(buf_cstr(&b), "%llu %llu", &quota, &period) == 2 && period > 0 && quota > 0)
		cpus = (size_t)((quota + period - 1) / period);
	buf_release(&b);
	return cpus;
}

size_t pool_cpus(void)
{
	cpu_set_t set;
	size_t cpus = 1, quota;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		cpus = (size_t)CPU_COUNT(&set);
	quota = quota_cpus();
	if (quota > 0 && quota < cpus)
		cpus = quota;
	return cpus;
}
