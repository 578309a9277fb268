/* Credential helpers: which one a docker config names, and what a helper's answer means. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "docker/credhelper.h"
#include "docker/registry_auth.h"

static void test_helper_for(void **state)
{
	static const char config[] =
	    "{\"credsStore\":\"desktop\",\"credHelpers\":{\"gcr.io\":\"gcloud\","
	    "\"123456789012.dkr.ecr.eu-west-1.amazonaws.com\":\"ecr-login\","
	    "\"https://index.docker.io/v1/\":\"pass\",\"plain.example\":\"\"}}";
	static const struct {
		const char *config, *host;
		int want;
		const char *helper;
	} cases[] = {
	    {config, "gcr.io", 0, "gcloud"},
	    {config, "123456789012.dkr.ecr.eu-west-1.amazonaws.com", 0, "ecr-login"},
	    /* Docker Hub's key, whatever the image calls it */
	    {config, "docker.io", 0, "pass"},
	    /* no credHelpers entry: the store */
	    {config, "quay.io", 0, "desktop"},
	    {config, "localhost:5000", 0, "desktop"},
	    /* an empty entry means the file's auths, as for the CLI */
	    {config, "plain.example", 1, NULL},
	    {"{\"credHelpers\":{\"gcr.io\":\"gcloud\"}}", "quay.io", 1, NULL},
	    {"{\"credsStore\":\"\"}", "quay.io", 1, NULL},
	    {"{\"auths\":{}}", "quay.io", 1, NULL},
	    /* names that are not a helper's, and types that are not strings */
	    {"{\"credsStore\":\"../../bin/sh\"}", "quay.io", ML_CONFIG, NULL},
	    {"{\"credsStore\":\"a/b\"}", "quay.io", ML_CONFIG, NULL},
	    {"{\"credsStore\":\"-x\"}", "quay.io", ML_CONFIG, NULL},
	    {"{\"credsStore\":1}", "quay.io", ML_CONFIG, NULL},
	    {"{\"credHelpers\":{\"quay.io\":true}}", "quay.io", ML_CONFIG, NULL},
	    {"[]", "quay.io", ML_CONFIG, NULL},
	};
	char helper[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = registry_helper_for(cases[i].config, strlen(cases[i].config), cases[i].host,
		                            helper, sizeof(helper));

		if (r != cases[i].want)
			fail_msg("case %zu: %d, want %d", i, r, cases[i].want);
		if (r == 0 && strcmp(helper, cases[i].helper) != 0)
			fail_msg("case %zu: helper '%s', want '%s'", i, helper, cases[i].helper);
	}
}

static void test_parse(void **state)
{
	static const struct {
		int exit_code;
		const char *out, *err;
		int want;
		const char *user, *secret, *message_part;
		int token;
	} cases[] = {
	    {0,
	     "{\"ServerURL\":\"gcr.io\",\"Username\":\"_dcgcr_2_0_0_token\",\"Secret\":\"ya29.x\"}",
	     "", 0, "_dcgcr_2_0_0_token", "ya29.x", NULL, 0},
	    {0, "{\"Username\":\"AWS\",\"Secret\":\"eyJw\"}\n", "", 0, "AWS", "eyJw", NULL, 0},
	    /* "<token>": an identity token */
	    {0, "{\"ServerURL\":\"x\",\"Username\":\"<token>\",\"Secret\":\"refresh-1\"}", "", 0,
	     "", "refresh-1", NULL, 1},
	    /* not found: an anonymous pull, as with the CLI */
	    {1, "credentials not found in native keychain\n", "", 1, NULL, NULL, NULL, 0},
	    {1, "  credentials not found in native keychain  ", "log line\n", 1, NULL, NULL, NULL,
	     0},
	    /* failures: the helper's own words, summed up */
	    {1, "error getting credentials: token expired\nsecond line\n", "", ML_IMAGE_ERROR, NULL,
	     NULL,
	     "'docker-credential-t' failed (exit 1): error getting credentials: token expired", 0},
	    {2, "", "warming up\nfatal: no config\n\n", ML_IMAGE_ERROR, NULL, NULL,
	     "failed (exit 2); its stderr: fatal: no config", 0},
	    {1, "credentials not found in native keychain, sort of", "", ML_IMAGE_ERROR, NULL, NULL,
	     "sort of", 0},
	    /* exit 0 with something else: never quoted, it may hold the secret */
	    {0, "user:s3cret-garbage", "", ML_IMAGE_ERROR, NULL, NULL,
	     "something other than its JSON", 0},
	    {0, "{\"Username\":\"u\"}", "", ML_IMAGE_ERROR, NULL, NULL, "something other", 0},
	    {0, "{\"Username\":\"u\",\"Secret\":\"\"}", "", ML_IMAGE_ERROR, NULL, NULL, "non-empty",
	     0},
	    {0, "{\"Username\":1,\"Secret\":\"s3cret-garbage\"}", "", ML_IMAGE_ERROR, NULL, NULL,
	     "something other", 0},
	    {0, "{\"Username\":\"u\",\"Secret\":\"s3cret-garbage\"} trailing", "", ML_IMAGE_ERROR,
	     NULL, NULL, "something other", 0},
	    {0, "", "", ML_IMAGE_ERROR, NULL, NULL, "something other", 0},
	};
	struct credhelper_answer a;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r;

		credhelper_answer_init(&a);
		ml_error_clear();
		r = credhelper_parse("t", cases[i].exit_code, cases[i].out, strlen(cases[i].out),
		                     cases[i].err, strlen(cases[i].err), &a);
		if (r != cases[i].want)
			fail_msg("case %zu: %d (%s), want %d", i, r, ml_error_message(),
			         cases[i].want);
		if (r == 0) {
			assert_string_equal(buf_cstr(&a.username), cases[i].user);
			assert_string_equal(buf_cstr(&a.secret), cases[i].secret);
			assert_int_equal(a.identity_token, cases[i].token);
		}
		if (cases[i].message_part != NULL &&
		    strstr(ml_error_message(), cases[i].message_part) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, ml_error_message(),
			         cases[i].message_part);
		if (strstr(ml_error_message(), "s3cret") != NULL)
			fail_msg("case %zu: the message quotes the answer", i);
		credhelper_answer_release(&a);
	}
}

static void test_names(void **state)
{
	assert_true(credhelper_name_valid("ecr-login"));
	assert_true(credhelper_name_valid("gcloud"));
	assert_true(credhelper_name_valid("osxkeychain"));
	assert_true(credhelper_name_valid("my_helper.v2"));
	assert_false(credhelper_name_valid(""));
	assert_false(credhelper_name_valid("/bin/sh"));
	assert_false(credhelper_name_valid("../x"));
	assert_false(credhelper_name_valid("a b"));
	assert_false(credhelper_name_valid(".hidden"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_helper_for),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
