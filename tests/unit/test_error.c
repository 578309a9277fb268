/* The recorded error message: first cause wins, context added on top, bytes escaped. */
#include "unit.h"

#include <string.h>

#include "common/error.h"

static void test_first_message_wins(void **state)
{
	ml_error_clear();
	assert_int_equal(ml_fail(ML_BAD_SIGNATURE, "inner %d", 1), ML_BAD_SIGNATURE);
	assert_int_equal(ml_fail(ML_CONFIG, "outer"), ML_CONFIG);
	assert_string_equal(ml_error_message(), "inner 1");
	assert_int_equal(ml_error_reason(), ML_BAD_SIGNATURE);
	ml_error_clear();
	assert_string_equal(ml_error_message(), "");
	assert_int_equal(ml_error_reason(), ML_OK);
}

static void test_override_quotes_the_recorded_message(void **state)
{
	ml_error_clear();
	ml_fail(ML_CONFIG, "unknown key 'eventz' in policy");
	ml_fail_override(ML_CONFIG, "invalid setting 'policy': %s", ml_error_message());
	assert_string_equal(ml_error_message(),
	                    "invalid setting 'policy': unknown key 'eventz' in policy");
	/* twice over: each layer quotes the one below it whole */
	ml_fail_override(ML_IO, "cannot run: %s (%s)", ml_error_message(), ml_error_message());
	assert_string_equal(ml_error_message(),
	                    "cannot run: invalid setting 'policy': unknown key 'eventz' in "
	                    "policy (invalid setting 'policy': unknown key 'eventz' in policy)");
	assert_int_equal(ml_error_reason(), ML_IO);
	ml_error_clear();
}

static void test_override_of_a_long_message_is_cut_not_garbled(void **state)
{
	char inner[600];

	memset(inner, 'a', sizeof(inner) - 1);
	inner[sizeof(inner) - 1] = '\0';
	ml_error_clear();
	ml_fail(ML_CONFIG, "%s", inner);
	ml_fail_override(ML_CONFIG, "outer: %s", ml_error_message());
	assert_memory_equal(ml_error_message(), "outer: aaaa", 11);
	assert_int_equal(strspn(ml_error_message() + 7, "a"), strlen(ml_error_message()) - 7);
	assert_true(strlen(ml_error_message()) < sizeof(inner));
	ml_error_clear();
}

static void test_control_bytes_are_escaped(void **state)
{
	ml_error_clear();
	ml_fail(ML_CONFIG, "bad name '%s'", "a\033[2Jb\nc\x7f");
	assert_string_equal(ml_error_message(), "bad name 'a?[2Jb?c?'");
	ml_error_clear();
}

static void test_urls_lose_their_credentials(void **state)
{
	char path[700];

	ml_error_clear();
	ml_fail(ML_FETCH_FAILED, "cannot fetch '%s': %s",
	        "https://bot:tok-SECRET-1@git.example/ci.git?private_token=tok-SECRET-2",
	        "failed at https://u:tok-SECRET-3@git.example/x");
	assert_string_equal(ml_error_message(),
	                    "cannot fetch 'https://***@git.example/ci.git?private_token=***': "
	                    "failed at https://***@git.example/x");
	/* a URL that ends beyond the message's size is redacted before the cut */
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	ml_error_clear();
	ml_fail(ML_FETCH_FAILED, "cannot fetch 'https://u:tok-SECRET-4@h/%s?t=tok-SECRET-5'", path);
	assert_null(strstr(ml_error_message(), "SECRET"));
	assert_non_null(strstr(ml_error_message(), "https://***@h/ppp"));
	/* and one the caller wrote into the message itself */
	ml_fail_override(ML_IO, "outer %s", ml_error_message());
	assert_null(strstr(ml_error_message(), "SECRET"));
	ml_error_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_message_wins),
	    cmocka_unit_test(test_override_quotes_the_recorded_message),
	    cmocka_unit_test(test_override_of_a_long_message_is_cut_not_garbled),
	    cmocka_unit_test(test_control_bytes_are_escaped),
	    cmocka_unit_test(test_urls_lose_their_credentials),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
