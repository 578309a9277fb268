/*
 * The volume rule: each entry is checked by volume_parse() and, the same
 * way, when the `volumes` setting is given (from the environment or a
 * policy), so no entry that one refuses passes the other.
 */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "plugin/config.h"
#include "plugin/config_set.h"
#include "plugin/volume.h"

static const struct {
	const char *volume;
	const char *dest; /* NULL: refused */
	const char *message_part;
} cases[] = {
    {"gocache:/root/.cache/go", "/root/.cache/go", NULL},
    {"go-mod.cache_1:/go/pkg/mod", "/go/pkg/mod", NULL},
    {"c:/cache:ro", "/cache", NULL},
    {"c:/cache:rw", "/cache", NULL},
    {"/etc:/cache", NULL, "host path"},
    {"/var/lib/docker:/x", NULL, "host path"},
    {"./data:/cache", NULL, "host path"},
    {"..:/cache", NULL, "host path"},
    {"~:/cache", NULL, "host path"},
    {"a/b:/cache", NULL, "host path"},
    {":/cache", NULL, "host path"},
    {"_c:/cache", NULL, "volume name"},
    {"-c:/cache", NULL, "volume name"},
    {"c$:/cache", NULL, "volume name"},
    {"c", NULL, "expected name:/path"},
    {"c:cache", NULL, "clean absolute path"},
    {"c:/", NULL, "clean absolute path"},
    {"c:/a/../etc", NULL, "clean absolute path"},
    {"c:/a//b", NULL, "clean absolute path"},
    {"c:/a/./b", NULL, "clean absolute path"},
    {"c:/cache/", NULL, "clean absolute path"},
    {"c:/cache:z", NULL, "unknown option"},
    {"c:/cache:ro:rw", NULL, "unknown option"},
};

static void check_refusal(const char *volume, int r, const char *part)
{
	if (r != ML_CONFIG)
		fail_msg("'%s': got %d, want a refusal", volume, r);
	if (strstr(ml_error_message(), part) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", volume, ml_error_message(), part);
}

static void test_rule(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char dest[VOLUME_DEST_MAX];
		int r;

		ml_error_clear();
		r = volume_parse(cases[i].volume, dest);
		if (cases[i].dest != NULL) {
			if (r != 0)
				fail_msg("'%s': %s", cases[i].volume, ml_error_message());
			assert_string_equal(dest, cases[i].dest);
		} else {
			check_refusal(cases[i].volume, r, cases[i].message_part);
		}
	}
}

static void test_setting_follows_the_rule(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;
		int r;

		config_init(&c);
		ml_error_clear();
		r = config_set(&c, CK_VOLUMES, cases[i].volume);
		if (cases[i].dest != NULL) {
			if (r != 0)
				fail_msg("'%s': %s", cases[i].volume, ml_error_message());
			assert_int_equal(c.volumes.n, 1);
			assert_string_equal(c.volumes.v[0], cases[i].volume);
		} else {
			check_refusal(cases[i].volume, r, cases[i].message_part);
		}
		config_release(&c);
	}
}

static void test_long_name_and_destination(void **state)
{
	char item[VOLUME_DEST_MAX + 300], dest[VOLUME_DEST_MAX];

	(void)state;
	memset(item, 'v', 255);
	snprintf(item + 255, sizeof(item) - 255, ":/cache");
	assert_int_equal(volume_parse(item, dest), 0);
	memset(item, 'v', 256);
	snprintf(item + 256, sizeof(item) - 256, ":/cache");
	ml_error_clear();
	assert_int_equal(volume_parse(item, dest), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "invalid volume name"));
	memcpy(item, "v:/", 3);
	memset(item + 3, 'd', VOLUME_DEST_MAX);
	item[3 + VOLUME_DEST_MAX] = '\0';
	assert_int_equal(volume_parse(item, dest), ML_CONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rule),
	    cmocka_unit_test(test_setting_follows_the_rule),
	    cmocka_unit_test(test_long_name_and_destination),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
