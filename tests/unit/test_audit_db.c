/* The audit chain in the database, its pure part: the --since values export takes. */
#include "unit.h"

#include <string.h>

#include "common/error.h"
#include "plugin/audit_db.h"

static void test_since(void **state)
{
	static const struct {
		const char *in, *want; /* want NULL: refused */
	} cases[] = {
	    {"2025-01-31", "2025-01-31"},
	    {"2025-01-31T12:00:00Z", "2025-01-31T12:00:00.000Z"},
	    {"2025-01-31T12:00:00.123Z", "2025-01-31T12:00:00.123Z"},
	    {"2025-1-31", NULL},
	    {"2025-01-31T12:00Z", NULL},
	    {"2025-01-31T12:00:00", NULL},
	    {"2025-01-31T12:00:00+01:00", NULL},
	    {"2025-01-31 12:00:00Z", NULL},
	    {"2025-01-31T12:00:00.1Z", NULL},
	    {"yesterday", NULL},
	    {"", NULL},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[32] = "";
		int r;

		ml_error_clear();
		r = audit_db_since(cases[i].in, out, sizeof(out));
		if (cases[i].want == NULL) {
			if (r != ML_CONFIG)
				fail_msg("'%s' taken as '%s'", cases[i].in, out);
			assert_non_null(strstr(ml_error_message(), "is not a UTC time"));
		} else {
			if (r != 0)
				fail_msg("'%s' refused: %s", cases[i].in, ml_error_message());
			assert_string_equal(out, cases[i].want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_since),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
