/* Absolute paths compared by components; clean absolute paths. */
#include "unit.h"

#include "common/path.h"

static void test_path_overlaps(void **state)
{
	(void)state;
	assert_true(path_overlaps("/drone/src", "/drone/src"));
	assert_true(path_overlaps("/drone/src", "/drone/src/"));
	assert_true(path_overlaps("/drone", "/drone/src"));
	assert_true(path_overlaps("/drone/src/ci", "/drone/src"));
	assert_true(path_overlaps("/", "/pipeline"));
	assert_false(path_overlaps("/drone/srcx", "/drone/src"));
	assert_false(path_overlaps("/drone/src", "/drone/srcx"));
	assert_false(path_overlaps("/pipeline", "/drone/src"));
	assert_false(path_overlaps("/cache", "/var/run/docker.sock"));
}

static void test_clean_absolute(void **state)
{
	static const struct {
		const char *path;
		int clean;
	} cases[] = {
	    {"/", 1},     {"/drone/src", 1}, {"/a/.b/c..", 1}, {NULL, 0},     {"", 0},
	    {"drone", 0}, {"/drone/", 0},    {"/a//b", 0},     {"/a/./b", 0}, {"/a/../b", 0},
	    {"/..", 0},   {"/a:b", 0},       {"/a,b", 0},      {"//", 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (path_is_clean_absolute(cases[i].path) != cases[i].clean)
			fail_msg("'%s': want %d", cases[i].path ? cases[i].path : "(null)",
			         cases[i].clean);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path_overlaps),
	    cmocka_unit_test(test_clean_absolute),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
