/* Where the rollback floor lives: a temporary volume of the build, and the policy that requires a shared state. */
#include "unit.h"

#include <string.h>

#include "common/error.h"
#include "plugin/config.h"
#include "plugin/rollback_state.h"

static void test_volume_is_temporary(void **state)
{
	static const struct {
		const char *json;
		int want;
	} cases[] = {
	    /* Drone's temp volume (runner-go's labels) */
	    {"{\"Name\":\"drone-9x8WbUqKxyeFRk1mLzqA\",\"Labels\":{\"io.drone\":\"true\","
	     "\"io.drone.expires\":\"1735689600\",\"io.drone.build.number\":\"7\"}}",
	     1},
	    /* a volume of the operator's */
	    {"{\"Name\":\"mainline-cache\",\"Labels\":{\"owner\":\"ops\"}}", 0},
	    {"{\"Name\":\"mainline-cache\",\"Labels\":null}", 0},
	    {"{\"Name\":\"mainline-cache\"}", 0},
	    /* a label of that name that is no string does not count */
	    {"{\"Name\":\"v\",\"Labels\":{\"io.drone.expires\":1}}", 0},
	    {"{\"Labels\":{}}", ML_ENGINE_ERROR},
	    {"[]", ML_ENGINE_ERROR},
	    {"{\"Name\":\"v\"", ML_ENGINE_ERROR},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ml_error_clear();
		if (rollback_state_volume_is_temporary(cases[i].json, strlen(cases[i].json)) !=
		    cases[i].want)
			fail_msg("case %zu: want %d", i, cases[i].want);
	}
}

static void test_required(void **state)
{
	struct config c;

	config_init(&c);
	assert_int_equal(rollback_state_required(&c), 0);
	c.require_shared_state = 1;
	ml_error_clear();
	assert_int_equal(rollback_state_required(&c), ML_NO_SHARED_STATE);
	assert_non_null(strstr(ml_error_message(), "setting 'state_url' is not set"));
	c.empty |= CONFIG_BIT(CK_STATE_URL);
	ml_error_clear();
	assert_int_equal(rollback_state_required(&c), ML_NO_SHARED_STATE);
	assert_non_null(strstr(ml_error_message(), "withheld"));
	c.state_url = "postgres://db/ci";
	assert_int_equal(rollback_state_required(&c), 0);
	assert_null(rollback_state_name(ROLLBACK_STATE_UNKNOWN));
	assert_string_equal(rollback_state_name(ROLLBACK_STATE_EPHEMERAL), "ephemeral");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_volume_is_temporary),
	    cmocka_unit_test(test_required),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
