/* A function run in a child process: its exit code, its shared memory, the deadline, cancel. */
#include "unit.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common/child.h"
#include "common/clock.h"

struct note {
	char text[64];
	int step;
};

static int write_and_exit(void *arg, void *shared)
{
	struct note *n = shared;

	snprintf(n->text, sizeof(n->text), "%s", (const char *)arg);
	n->step = 3;
	return 7;
}

/* Marks its progress, then blocks as a stalled socket read would. */
static int write_and_hang(void *arg, void *shared)
{
	struct note *n = shared;

	(void)arg;
	n->step = 1;
	for (;;)
		pause();
	return 0;
}

static int die_of_kill(void *arg, void *shared)
{
	(void)arg;
	(void)shared;
	raise(SIGKILL);
	return 0;
}

static volatile sig_atomic_t flag;

static void on_alarm(int sig)
{
	(void)sig;
	flag = 1;
}

static void test_exit_code_and_shared_memory(void **state)
{
	struct child_limits lim = {0, NULL};
	struct note n;
	enum child_end end;
	int status;

	(void)state;
	memset(&n, 0xff, sizeof(n));
	assert_int_equal(
	    child_run(write_and_exit, "from the child", &n, sizeof(n), &lim, &end, &status), 0);
	assert_int_equal(end, CHILD_EXITED);
	assert_int_equal(status, 7);
	assert_string_equal(n.text, "from the child");
	assert_int_equal(n.step, 3);
}

static void test_deadline_kills_a_hung_child(void **state)
{
	struct child_limits lim = {clock_monotonic_ms() + 300, NULL};
	struct note n;
	enum child_end end;
	int64_t start = clock_monotonic_ms();
	int status;

	(void)state;
	assert_int_equal(child_run(write_and_hang, NULL, &n, sizeof(n), &lim, &end, &status), 0);
	assert_int_equal(end, CHILD_TIMED_OUT);
	assert_true(clock_monotonic_ms() - start >= 300);
	/* what the child wrote before it hung is kept */
	assert_int_equal(n.step, 1);
}

static void test_cancel_flag_set_by_a_signal(void **state)
{
	struct child_limits lim = {0, &flag};
	struct itimerval timer = {{0, 0}, {0, 200 * 1000}};
	struct sigaction sa;
	struct note n;
	enum child_end end;
	int status;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	flag = 0;
	setitimer(ITIMER_REAL, &timer, NULL);
	assert_int_equal(child_run(write_and_hang, NULL, &n, sizeof(n), &lim, &end, &status), 0);
	assert_int_equal(end, CHILD_CANCELED);
	assert_int_equal(n.step, 1);
	signal(SIGALRM, SIG_DFL);
}

static void test_flag_set_before_start_cancels_at_once(void **state)
{
	struct child_limits lim = {clock_monotonic_ms() + 60000, &flag};
	struct note n;
	enum child_end end;
	int status;

	(void)state;
	flag = 1;
	assert_int_equal(child_run(write_and_hang, NULL, &n, sizeof(n), &lim, &end, &status), 0);
	assert_int_equal(end, CHILD_CANCELED);
	flag = 0;
}

static void test_child_killed_from_elsewhere(void **state)
{
	struct child_limits lim = {0, NULL};
	struct note n;
	enum child_end end;
	int status;

	(void)state;
	assert_int_equal(child_run(die_of_kill, NULL, &n, sizeof(n), &lim, &end, &status), 0);
	assert_int_equal(end, CHILD_KILLED);
	assert_int_equal(status, SIGKILL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exit_code_and_shared_memory),
	    cmocka_unit_test(test_deadline_kills_a_hung_child),
	    cmocka_unit_test(test_cancel_flag_set_by_a_signal),
	    cmocka_unit_test(test_flag_set_before_start_cancels_at_once),
	    cmocka_unit_test(test_child_killed_from_elsewhere),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
