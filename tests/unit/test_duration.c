/* Durations: parsed in the settings' syntax, formatted in the shortest form. */
#include "unit.h"

#include "plugin/duration.h"

static void test_parse(void **state)
{
	(void)state;
	assert_int_equal(duration_parse("90s"), 90);
	assert_int_equal(duration_parse("30m"), 1800);
	assert_int_equal(duration_parse("1h30m"), 5400);
	assert_int_equal(duration_parse("2h0m5s"), 7205);
	assert_int_equal(duration_parse("8760h"), 8760 * 3600);
	assert_int_equal(duration_parse(""), -1);
	assert_int_equal(duration_parse(NULL), -1);
	assert_int_equal(duration_parse("h"), -1);
	assert_int_equal(duration_parse("5"), -1);
	assert_int_equal(duration_parse("5d"), -1);
	assert_int_equal(duration_parse("1.5h"), -1);
	assert_int_equal(duration_parse("30m1h"), -1);
	assert_int_equal(duration_parse("1h1h"), -1);
	assert_int_equal(duration_parse("8761h"), -1);
	assert_int_equal(duration_parse("8760h1s"), -1);
}

static void test_format(void **state)
{
	static const struct {
		int64_t secs;
		const char *text;
	} cases[] = {
	    {0, "0s"}, {90, "1m30s"}, {5400, "1h30m"}, {7205, "2h5s"}, {3600, "1h"}, {59, "59s"},
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(duration_format(cases[i].secs, out, sizeof(out)), 0);
		assert_string_equal(out, cases[i].text);
		assert_int_equal(duration_parse(out), cases[i].secs);
	}
	assert_int_equal(duration_format(5400, out, 5), -1); /* "1h30m" does not fit */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
