/* Bounded JSON: whole input only, no trailing data, no raw control bytes. */
#include "unit.h"
#include <string.h>

#include "common/json.h"

static cJSON *parse(const char *s, size_t len)
{
	return json_parse(s, len, 1024);
}

static void test_accepts_one_value(void **state)
{
	const char *s = " {\"a\":\"b\",\"n\":3,\"t\":true}\n";
	cJSON *root = parse(s, strlen(s));
	int64_t n;
	int t;

	assert_non_null(root);
	assert_string_equal(json_string(root, "a"), "b");
	assert_int_equal(json_int64(root, "n", &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(json_bool(root, "t", &t), 0);
	assert_int_equal(t, 1);
	/* type-checked getters: a missing key and a wrong type are the same "no" */
	assert_null(json_string(root, "n"));
	assert_int_equal(json_int64(root, "a", &n), -1);
	assert_null(json_object(root, "a"));
	cJSON_Delete(root);
}

static void test_refusals(void **state)
{
	static const struct {
		const char *text;
		size_t len;
	} bad[] = {
	    {"{\"a\":1} x", 9},                /* trailing data */
	    {"{\"a\":1}{}", 9},                /* two values */
	    {"{\"source_repo\0x\":\"\"}", 20}, /* NUL inside a key */
	    {"{\"a\":\"b\x01\"}", 10},         /* raw control byte in a string */
	    {"{\"a\":", 5},                    /* truncated */
	    {"", 0},                           /* empty */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_null(parse(bad[i].text, bad[i].len));
	/* over the maximum */
	assert_null(json_parse("[1,2,3]", 7, 6));
}

static void test_integers(void **state)
{
	cJSON *root = parse("{\"f\":1.5,\"big\":1e300}", 21);
	int64_t n;

	assert_non_null(root);
	assert_int_equal(json_int64(root, "f", &n), -1);
	assert_int_equal(json_int64(root, "big", &n), -1);
	cJSON_Delete(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accepts_one_value),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_integers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
