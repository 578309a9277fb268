/* The thread pool: every job runs once, on several threads, signals stay with the caller. */
#include "unit.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/pool.h"

struct job {
	int runs;
	pthread_t thread;
	int sigterm_blocked;
	int sleep_ms;
};

static void run_job(void *ctx, void *arg)
{
	struct job *j = arg;
	sigset_t mask;

	(void)ctx;
	if (j->sleep_ms > 0) {
		struct timespec t = {0, (long)j->sleep_ms * 1000 * 1000};

		nanosleep(&t, NULL);
	}
	pthread_sigmask(SIG_BLOCK, NULL, &mask);
	j->sigterm_blocked = sigismember(&mask, SIGTERM);
	j->thread = pthread_self();
	__atomic_add_fetch(&j->runs, 1, __ATOMIC_SEQ_CST);
}

static void test_every_job_runs_once(void **state)
{
	static const size_t sizes[] = {2, 3, 8, POOL_MAX_THREADS};
	enum { JOBS = 2000 };
	struct job *jobs = calloc(JOBS, sizeof(*jobs));
	struct pool *p;
	size_t s, i;

	(void)state;
	assert_non_null(jobs);
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		memset(jobs, 0, JOBS * sizeof(*jobs));
		assert_int_equal(pool_new(&p, sizes[s], run_job, NULL), 0);
		/* added in two rounds, with a wait between them */
		for (i = 0; i < JOBS / 2; i++)
			assert_int_equal(pool_add(p, &jobs[i]), 0);
		pool_wait(p);
		for (i = 0; i < JOBS / 2; i++)
			assert_int_equal(jobs[i].runs, 1);
		for (i = JOBS / 2; i < JOBS; i++)
			assert_int_equal(pool_add(p, &jobs[i]), 0);
		pool_wait(p);
		for (i = 0; i < JOBS; i++)
			assert_int_equal(jobs[i].runs, 1);
		pool_free(p);
	}
	free(jobs);
}

static void test_jobs_share_the_threads(void **state)
{
	enum { JOBS = 40 };
	struct job jobs[JOBS];
	struct pool *p;
	pthread_t caller = pthread_self();
	size_t i, on_caller = 0, on_workers = 0;

	(void)state;
	memset(jobs, 0, sizeof(jobs));
	assert_int_equal(pool_new(&p, 4, run_job, NULL), 0);
	for (i = 0; i < JOBS; i++) {
		jobs[i].sleep_ms = 2;
		assert_int_equal(pool_add(p, &jobs[i]), 0);
	}
	pool_wait(p);
	pool_free(p);
	for (i = 0; i < JOBS; i++) {
		assert_int_equal(jobs[i].runs, 1);
		if (pthread_equal(jobs[i].thread, caller)) {
			on_caller++;
			assert_int_equal(jobs[i].sigterm_blocked, 0);
		} else {
			on_workers++;
			/* a signal is never handled by a pool thread */
			assert_int_equal(jobs[i].sigterm_blocked, 1);
		}
	}
	assert_true(on_workers > 0);
	assert_int_equal(on_caller + on_workers, JOBS);
}

static void test_closed_pool_runs_what_was_queued(void **state)
{
	enum { JOBS = 200 };
	struct job jobs[JOBS];
	struct pool *p;
	size_t i, s;

	(void)state;
	for (s = 2; s <= 4; s++) {
		memset(jobs, 0, sizeof(jobs));
		assert_int_equal(pool_new(&p, s, run_job, NULL), 0);
		for (i = 0; i < JOBS; i++) {
			jobs[i].sleep_ms = i % 20 == 0 ? 1 : 0;
			assert_int_equal(pool_add(p, &jobs[i]), 0);
		}
		/* closed while jobs are still queued: they all run once, on whichever thread */
		pool_close(p);
		pool_wait(p);
		for (i = 0; i < JOBS; i++)
			assert_int_equal(jobs[i].runs, 1);
		pool_free(p);
	}
	/* closed with nothing queued: the idle threads end, pool_wait returns at once */
	assert_int_equal(pool_new(&p, 3, run_job, NULL), 0);
	pool_close(p);
	pool_wait(p);
	pool_free(p);
}

static void test_free_drops_waiting_jobs(void **state)
{
	enum { JOBS = 50 };
	struct job jobs[JOBS];
	struct pool *p;
	size_t i, ran = 0;

	(void)state;
	memset(jobs, 0, sizeof(jobs));
	assert_int_equal(pool_new(&p, 2, run_job, NULL), 0);
	for (i = 0; i < JOBS; i++) {
		jobs[i].sleep_ms = 5;
		assert_int_equal(pool_add(p, &jobs[i]), 0);
	}
	pool_free(p); /* the one pool thread finishes its job; the rest never start */
	for (i = 0; i < JOBS; i++) {
		assert_true(jobs[i].runs <= 1);
		ran += (size_t)jobs[i].runs;
	}
	assert_true(ran < JOBS);
	pool_free(NULL);
}

static void test_sizes_refused(void **state)
{
	struct pool *p = (struct pool *)&p;

	(void)state;
	assert_int_equal(pool_new(&p, 0, run_job, NULL), -1);
	assert_null(p);
	assert_int_equal(pool_new(&p, 1, run_job, NULL), -1);
	assert_int_equal(pool_new(&p, POOL_MAX_THREADS + 1, run_job, NULL), -1);
	assert_null(p);
}

static void test_cpus_within_the_affinity(void **state)
{
	cpu_set_t set;
	size_t cpus = pool_cpus();

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	assert_true(cpus >= 1);
	assert_true(cpus <= (size_t)CPU_COUNT(&set));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_job_runs_once),
	    cmocka_unit_test(test_jobs_share_the_threads),
	    cmocka_unit_test(test_closed_pool_runs_what_was_queued),
	    cmocka_unit_test(test_free_drops_waiting_jobs),
	    cmocka_unit_test(test_sizes_refused),
	    cmocka_unit_test(test_cpus_within_the_affinity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
