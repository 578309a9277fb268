/* The two clocks: the wall clock in Unix nanoseconds, the monotonic one in milliseconds. */
#include "unit.h"

#include <time.h>

#include "common/clock.h"

static void test_realtime_is_unix_time(void **state)
{
	int64_t before = (int64_t)time(NULL), ns = clock_realtime_ns(), after = (int64_t)time(NULL);

	(void)state;
	/*
	 * time() reads the kernel's coarse clock, which lags CLOCK_REALTIME by up to a tick: just
	 * after a second begins, `after` may still name the second before. Unix time is what is
	 * checked, not the tick, so one second of slack on that side.
	 */
	assert_true(ns / 1000000000 >= before);
	assert_true(ns / 1000000000 <= after + 1);
}

static void test_monotonic_moves_forward(void **state)
{
	struct timespec pause = {0, 20 * 1000 * 1000};
	int64_t a, b;

	(void)state;
	a = clock_monotonic_ms();
	nanosleep(&pause, NULL);
	b = clock_monotonic_ms();
	assert_true(b - a >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_realtime_is_unix_time),
	    cmocka_unit_test(test_monotonic_moves_forward),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
