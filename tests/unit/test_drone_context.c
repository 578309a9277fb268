/* The Drone build context: reading DRONE_* variables, pull request refs, build parameters. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "plugin/drone_context.h"

#define SHA1 "0123456789abcdef0123456789abcdef01234567"

static void test_read(void **state)
{
	struct drone_context d;
	uint32_t seen = 0;

	(void)state;
	memset(&d, 0, sizeof(d));
	assert_int_equal(drone_context_read(&d, "DRONE_COMMIT_SHA=" SHA1, &seen), 0);
	assert_string_equal(d.commit_sha, SHA1);
	assert_int_equal(drone_context_read(&d, "DRONE_TAG=", &seen), 0);
	assert_null(d.tag); /* empty stays unset */
	assert_int_equal(drone_context_read(&d, "DRONE_UNKNOWN=x", &seen), 0);
	assert_int_equal(drone_context_read(&d, "DRONE_COMMIT_SHAX=x", &seen), 0);
	assert_string_equal(d.commit_sha, SHA1);
	ml_error_clear();
	assert_int_equal(drone_context_read(&d, "DRONE_COMMIT_SHA=" SHA1, &seen), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "'DRONE_COMMIT_SHA' appears twice"));
	assert_int_equal(drone_context_read(&d, "DRONE_TAG=v1", &seen), ML_CONFIG);
	drone_context_release(&d);
	assert_null(d.commit_sha);
}

/* Each value alone, as the only variable read: accepted (and stored as) or refused. */
static void test_values(void **state)
{
	static const struct {
		const char *entry;
		const char *stored; /* NULL: refused with ML_CONFIG */
		const char *why;    /* part of the message when refused */
	} cases[] = {
	    {"DRONE_COMMIT_SHA=" SHA1, SHA1, NULL},
	    {"DRONE_COMMIT_SHA=0123456789ABCDEF0123456789abcdef01234567", SHA1, NULL},
	    {"DRONE_COMMIT_SHA=" SHA1 "abcdefabcdefabcdefabcdef", SHA1 "abcdefabcdefabcdefabcdef",
	     NULL}, /* SHA-256 */
	    {"DRONE_COMMIT_SHA=abc", NULL, "'DRONE_COMMIT_SHA' is not a commit id"},
	    {"DRONE_COMMIT_SHA=" SHA1 "0", NULL, "not a commit id"},
	    {"DRONE_COMMIT_SHA=0123456789abcdef0123456789abcdef0123456g", NULL, "not a commit id"},
	    {"DRONE_COMMIT_SHA= 123456789abcdef0123456789abcdef01234567", NULL, "not a commit id"},
	    {"DRONE_BUILD_NUMBER=42", "42", NULL},
	    {"DRONE_BUILD_NUMBER=0", "0", NULL},
	    {"DRONE_BUILD_NUMBER=9007199254740991", "9007199254740991", NULL},
	    {"DRONE_BUILD_NUMBER=9007199254740992", NULL,
	     "'DRONE_BUILD_NUMBER' is not a build number"},
	    {"DRONE_BUILD_NUMBER=99999999999999999999", NULL, "not a build number"},
	    {"DRONE_BUILD_NUMBER=-1", NULL, "not a build number"},
	    {"DRONE_BUILD_NUMBER=+1", NULL, "not a build number"},
	    {"DRONE_BUILD_NUMBER= 1", NULL, "not a build number"},
	    {"DRONE_BUILD_NUMBER=1 ", NULL, "not a build number"},
	    {"DRONE_BUILD_NUMBER=012", NULL, "not a build number"},
	    {"DRONE_BUILD_NUMBER=0x10", NULL, "not a build number"},
	    {"DRONE_BUILD_NUMBER=1e3", NULL, "not a build number"},
	    {"DRONE_BUILD_PARENT=0", "0", NULL},
	    {"DRONE_BUILD_PARENT=41", "41", NULL},
	    {"DRONE_BUILD_PARENT=-41", NULL, "'DRONE_BUILD_PARENT' is not a build number"},
	    {"DRONE_TAG=v1.2.3", "v1.2.3", NULL},
	    {"DRONE_REPO=caf\xc3\xa9/app", "caf\xc3\xa9/app", NULL},
	    {"DRONE_TAG=v1\nforged: line", NULL, "'DRONE_TAG' holds a control character (byte 3)"},
	    {"DRONE_COMMIT_REF=refs/heads/main\r", NULL, "control character (byte 16)"},
	    {"DRONE_BUILD_LINK=https://x/\x1b]8;;", NULL, "control character (byte 11)"},
	    {"DRONE_REPO=a\x7f", NULL, "control character (byte 2)"},
	    {"DRONE_STEP_NAME=\tstep", NULL, "control character (byte 1)"},
	    {"DRONE_NETRC_PASSWORD=s3cret\x01", NULL, "'DRONE_NETRC_PASSWORD' holds a control"},
	    {"DRONE_REPO=caf\xe9/app", NULL, "'DRONE_REPO' is not valid UTF-8"},
	    {"DRONE_TAG=\xc0\xae", NULL, "not valid UTF-8"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct drone_context d;
		const char *name_end = strchr(cases[i].entry, '=');
		uint32_t seen = 0;
		int r;

		memset(&d, 0, sizeof(d));
		ml_error_clear();
		r = drone_context_read(&d, cases[i].entry, &seen);
		if (cases[i].stored != NULL) {
			const char *got = d.commit_sha != NULL     ? d.commit_sha
			                  : d.build_number != NULL ? d.build_number
			                  : d.build_parent != NULL ? d.build_parent
			                  : d.tag != NULL          ? d.tag
			                                           : d.repo;

			assert_int_equal(r, 0);
			assert_non_null(got);
			assert_string_equal(got, cases[i].stored);
		} else {
			assert_int_equal(r, ML_CONFIG);
			assert_non_null(strstr(ml_error_message(), cases[i].why));
			/* the message never quotes the value */
			assert_null(strstr(ml_error_message(), name_end + 1));
		}
		drone_context_release(&d);
	}
}

static void test_long_value_is_accepted(void **state)
{
	static char entry[200 * 1024];
	struct drone_context d;
	uint32_t seen = 0;

	(void)state;
	memset(&d, 0, sizeof(d));
	snprintf(entry, sizeof(entry), "DRONE_BUILD_LINK=https://drone.example/");
	memset(entry + strlen(entry), 'a', 128 * 1024);
	assert_int_equal(drone_context_read(&d, entry, &seen), 0);
	assert_int_equal(strlen(d.build_link), strlen(entry) - strlen("DRONE_BUILD_LINK="));
	drone_context_release(&d);
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
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_long_value_is_accepted),
	    cmocka_unit_test(test_pull_refs),
	    cmocka_unit_test(test_events),
	    cmocka_unit_test(test_may_have_parameters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
