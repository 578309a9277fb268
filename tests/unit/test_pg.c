/*
 * The libpq seam's pure parts: which connection URIs it takes (never quoting
 * one), and that no password survives in a message.
 */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "common/pg.h"

static void test_url_check(void **state)
{
	static const struct {
		const char *url;
		const char *why; /* NULL: accepted */
	} cases[] = {
	    {"postgres://ci:pw@db.example:5432/mainline?sslmode=verify-full", NULL},
	    {"postgresql://ci@db1:5432,db2:5432/ci?target_session_attrs=read-write", NULL},
	    {"postgres:///mainline?host=/var/run/postgresql", NULL},
	    {"postgresql://", NULL},
	    {"postgres://ci:p%40ss@db/ci", NULL},
	    /* key=value strings would be printed as they are: a URI only */
	    {"host=db password=secret", "not a postgres:// or postgresql://"},
	    {"POSTGRES://ci:pw@db/ci", "not a postgres:// or postgresql://"},
	    {"https://db/ci", "not a postgres:// or postgresql://"},
	    {"postgres://ci:p@ss@db/ci", "%40"},
	    {"postgres://db/ci?sslmode", "libpq cannot parse it"},
	    {"postgres://db/ci?sslmod=require", "libpq cannot parse it"},
	    {"postgres://ci:p%zzss@db/ci", "libpq cannot parse it"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		int r = pg_url_check(cases[i].url, &why);

		if (cases[i].why == NULL) {
			if (r != 0)
				fail_msg("'%s' refused: %s", cases[i].url, why);
			continue;
		}
		if (r != -1 || why == NULL || strstr(why, cases[i].why) == NULL)
			fail_msg("'%s': %d, '%s', want '%s'", cases[i].url, r, why, cases[i].why);
		assert_null(strstr(why, "pw"));
		assert_null(strstr(why, "ss@"));
	}
}

static void test_scrub(void **state)
{
	const char *secrets[] = {"s3cret", NULL, "", "hunter2"};
	char text[64];

	snprintf(text, sizeof(text), "password s3cret for s3cret and hunter2.");
	pg_scrub(text, sizeof(text), secrets, 4);
	assert_string_equal(text, "password *** for *** and ***.");
	/* nothing to cut: as it was */
	snprintf(text, sizeof(text), "FATAL:  password authentication failed for user \"ci\"");
	pg_scrub(text, sizeof(text), secrets, 4);
	assert_string_equal(text, "FATAL:  password authentication failed for user \"ci\"");
	/* a short buffer is cut, never overrun */
	snprintf(text, sizeof(text), "hunter2hunter2hunter2");
	pg_scrub(text, 8, secrets, 4);
	assert_string_equal(text, "*******");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_check),
	    cmocka_unit_test(test_scrub),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
