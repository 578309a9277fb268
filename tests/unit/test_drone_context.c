/* The Drone build context: reading DRONE_* variables, pull request refs, build parameters. */
#include "unit.h"

#include <string.h>

#include "common/error.h"
#include "plugin/drone_context.h"

static void test_read(void **state)
{
	struct drone_context d;
	uint32_t seen = 0;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(drone_context_read(&d, "DRONE_COMMIT_SHA=abc", &seen), 0);
	assert_string_equal(d.commit_sha, "abc");
	assert_int_equal(drone_context_read(&d, "DRONE_TAG=", &seen), 0);
	assert_null(d.tag); /* empty stays unset */
	assert_int_equal(drone_context_read(&d, "DRONE_UNKNOWN=x", &seen), 0);
	assert_int_equal(drone_context_read(&d, "DRONE_COMMIT_SHAX=x", &seen), 0);
	assert_string_equal(d.commit_sha, "abc");
	ml_error_clear();
	assert_int_equal(drone_context_read(&d, "DRONE_COMMIT_SHA=def", &seen), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "'DRONE_COMMIT_SHA' appears twice"));
	assert_int_equal(drone_context_read(&d, "DRONE_TAG=v1", &seen), ML_CONFIG);
	drone_context_release(&d);
	assert_null(d.commit_sha);
}

static void test_pull_refs(void **state)
{
	(void)state;
	assert_true(drone_is_pull_ref("refs/pull/1/head"));
	assert_true(drone_is_pull_ref("refs/merge-requests/2/head"));
	assert_true(drone_is_pull_ref("refs/pull-requests/3/from"));
	assert_true(drone_is_pull_ref("refs/pullreq/4"));
	assert_false(drone_is_pull_ref("refs/heads/main"));
	assert_false(drone_is_pull_ref("refs/tags/pull/1"));
	assert_false(drone_is_pull_ref("refs/pulls/1"));
}

static void test_events(void **state)
{
	(void)state;
	assert_true(drone_event_is_known("push"));
	assert_true(drone_event_is_known("pull_request"));
	assert_true(drone_event_is_known("custom"));
	assert_false(drone_event_is_known("deploy"));
	assert_false(drone_event_is_known("Push"));
	assert_true(drone_event_takes_parameters("promote"));
	assert_true(drone_event_takes_parameters("rollback"));
	assert_true(drone_event_takes_parameters("custom"));
	assert_false(drone_event_takes_parameters("push"));
	assert_false(drone_event_takes_parameters(NULL));
}

static void test_may_have_parameters(void **state)
{
	struct drone_context d;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_false(drone_may_have_parameters(&d));
	d.build_event = "push";
	assert_false(drone_may_have_parameters(&d));
	d.build_parent = "0";
	assert_false(drone_may_have_parameters(&d));
	d.build_parent = "12";
	assert_true(drone_may_have_parameters(&d));
	d.build_parent = NULL;
	d.build_event = "promote";
	assert_true(drone_may_have_parameters(&d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_read),
	    cmocka_unit_test(test_pull_refs),
	    cmocka_unit_test(test_events),
	    cmocka_unit_test(test_may_have_parameters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
