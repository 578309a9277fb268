/*
 * The loader of libraries used on first use: a library that is not there and one that lacks
 * a symbol are errors that name the library and leave the table empty; a loaded table is
 * read-only; the four libraries mainline loads are found by the sonames the build wrote.
 */
#include "unit.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/dynlib.h"
#include "common/error.h"

static const char *const absent_names[] = {"dynlib_fixture_answer"};
DYNLIB_TABLE(absent_table, 1);
static const char *const lacking_names[] = {"dynlib_fixture_answer", "dynlib_fixture_missing"};
DYNLIB_TABLE(lacking_table, 2);
static const char *const fixture_names[] = {"dynlib_fixture_answer"};
DYNLIB_TABLE(fixture_table, 1);

/* The fixture library, built next to this test. */
static const char *fixture_path(void)
{
	static char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	char *slash;

	assert_true(n > 0);
	path[n] = '\0';
	assert_non_null(slash = strrchr(path, '/'));
	snprintf(slash + 1, sizeof(path) - (size_t)(slash + 1 - path), "libdynlib-fixture.so");
	return path;
}

/* The permissions /proc/self/maps gives the mapping that holds p ("r--p"). */
static void permissions(const void *p, char out[5])
{
	uintptr_t a = (uintptr_t)p;
	unsigned long lo, hi;
	char line[512], perms[5];
	FILE *f = fopen("/proc/self/maps", "r");

	assert_non_null(f);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 && a >= lo && a < hi)
			memcpy(out, perms, 5);
	fclose(f);
}

static void test_absent_library(void **state)
{
	static struct dynlib lib =
	    DYNLIB_INIT("libabsent", "libmainline-absent.so.0", absent_names, absent_table, NULL);

	assert_int_equal(dynlib_load(&lib), -1);
	assert_non_null(strstr(lib.error, "cannot load libmainline-absent.so.0: "));
	assert_non_null(strstr(lib.error, "No such file"));
	assert_null(absent_table.slot[0]);
	ml_error_clear();
	assert_int_equal(dynlib_need(&lib), ML_LIBRARY_UNAVAILABLE);
	assert_non_null(strstr(ml_error_message(), "libmainline-absent.so.0"));
	assert_string_equal(ml_reason_name(ML_LIBRARY_UNAVAILABLE), "library_unavailable");
	ml_error_clear();
}

static void test_missing_symbol(void **state)
{
	static struct dynlib lib =
	    DYNLIB_INIT("libdynlib-fixture", NULL, lacking_names, lacking_table, NULL);

	lib.soname = fixture_path();
	assert_int_equal(dynlib_load(&lib), -1);
	assert_non_null(strstr(lib.error, "symbol 'dynlib_fixture_missing' missing from "));
	assert_non_null(strstr(lib.error, "libdynlib-fixture.so"));
	/* the symbol that was found is not kept: no half-loaded table */
	assert_null(lacking_table.slot[0]);
	assert_null(lacking_table.slot[1]);
	assert_int_equal(lib.loaded, 0);
}

static void test_loaded_table_is_read_only(void **state)
{
	static struct dynlib lib =
	    DYNLIB_INIT("libdynlib-fixture", NULL, fixture_names, fixture_table, NULL);
	int (*answer)(void);
	char perms[5];

	lib.soname = fixture_path();
	permissions(fixture_table.slot, perms);
	assert_string_equal(perms, "rw-p");
	assert_int_equal(dynlib_load(&lib), 0);
	answer = (int (*)(void))dynlib_slot(&lib, fixture_table.slot, 0);
	assert_int_equal(answer(), 42);
	permissions(fixture_table.slot, perms);
	assert_string_equal(perms, "r--p");
	/* loaded once: a second call keeps the table as it is */
	assert_int_equal(dynlib_load(&lib), 0);
	assert_ptr_equal(dynlib_slot(&lib, fixture_table.slot, 0), (void *)answer);
}

static void test_mainline_libraries(void **state)
{
	struct dynlib *const libs[] = {&dynlib_libgit2, &dynlib_libcurl, &dynlib_libarchive,
	                               &dynlib_libpq};
	char version[64], perms[5];
	size_t i;

	for (i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		if (dynlib_need(libs[i]) != 0)
			fail_msg("%s", ml_error_message());
		assert_null(strchr(libs[i]->soname, '/'));
		assert_non_null(strstr(libs[i]->soname, ".so."));
		version[0] = '\0';
		libs[i]->version(version, sizeof(version));
		assert_true(version[0] >= '0' && version[0] <= '9');
		permissions(libs[i]->table, perms);
		assert_string_equal(perms, "r--p");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_absent_library),
	    cmocka_unit_test(test_missing_symbol),
	    cmocka_unit_test(test_loaded_table_is_read_only),
	    cmocka_unit_test(test_mainline_libraries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
