/* The gate: event, pull request origin, branch and tag rules, build parameters without the API. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "plugin/config.h"
#include "plugin/config_env.h"
#include "plugin/config_set.h"
#include "plugin/drone_api.h"
#include "plugin/gate.h"
#include "plugin/policy.h"

struct gate_case {
	const char *event, *ref, *branch, *tag, *pr;
	const char *events, *branches, *tags; /* settings, NULL = default */
	int want;
	const char *message_part;
};

#define SHA "0123456789abcdef0123456789abcdef01234567"

static const struct gate_case cases[] = {
    /* allowed */
    {"push", "refs/heads/main", "main", NULL, NULL, NULL, NULL, NULL, ML_OK, NULL},
    {"cron", "refs/heads/main", "main", NULL, NULL, NULL, NULL, NULL, ML_OK, NULL},
    {"custom", "refs/heads/main", "main", NULL, NULL, NULL, NULL, NULL, ML_OK, NULL},
    {"tag", "refs/tags/v1.2.0", "main", "v1.2.0", NULL, NULL, NULL, NULL, ML_OK, NULL},
    {"tag", "refs/tags/v1.2.0", NULL, "v1.2.0", NULL, NULL, NULL, "v*,release-*", ML_OK, NULL},
    {"promote", "refs/heads/main", "main", NULL, NULL, NULL, NULL, NULL, ML_OK, NULL},
    {"rollback", "refs/tags/v1", "main", "v1", NULL, NULL, NULL, NULL, ML_OK, NULL},
    {"push", "refs/heads/release/1.0", "release/1.0", NULL, NULL, NULL, "main,release/*", NULL,
     ML_OK, NULL},
    /* refused: pull requests, whatever the event */
    {"pull_request", "refs/pull/7/head", "main", NULL, "7", NULL, NULL, NULL, ML_PULL_REQUEST,
     "build originates from pull request ref 'refs/pull/7/head'"},
    {"pull_request", "refs/heads/feature", "feature", NULL, NULL, "push,pull_request", NULL, NULL,
     ML_PULL_REQUEST, "event 'pull_request' is not allowed"},
    {"promote", "refs/pull/7/head", "main", NULL, NULL, NULL, NULL, NULL, ML_PULL_REQUEST,
     "pull request ref 'refs/pull/7/head'"},
    {"rollback", "refs/pull/12/merge", "main", NULL, NULL, NULL, NULL, NULL, ML_PULL_REQUEST,
     "'refs/pull/12/merge'"},
    {"push", "refs/merge-requests/3/head", "main", NULL, NULL, NULL, NULL, NULL, ML_PULL_REQUEST,
     "refs/merge-requests/3/head"},
    {"custom", "refs/heads/main", "main", NULL, "9", NULL, NULL, NULL, ML_PULL_REQUEST,
     "pull request '9'"},
    {"tag", "refs/pull/1/head", NULL, "v1", NULL, NULL, NULL, NULL, ML_PULL_REQUEST, "refs/pull/"},
    {"push", "refs/pullreq/4/head", "main", NULL, NULL, NULL, NULL, NULL, ML_PULL_REQUEST,
     "'refs/pullreq/4/head'"},
    {"promote", "refs/pullreq/4/head", "main", NULL, NULL, NULL, NULL, NULL, ML_PULL_REQUEST,
     "'refs/pullreq/4/head'"},
    {"rollback", "refs/pull-requests/5/from", "main", NULL, NULL, NULL, NULL, NULL, ML_PULL_REQUEST,
     "'refs/pull-requests/5/from'"},
    /* refused: events */
    {NULL, "refs/heads/main", "main", NULL, NULL, NULL, NULL, NULL, ML_EVENT_NOT_ALLOWED,
     "DRONE_BUILD_EVENT is not set"},
    {"deploy", "refs/heads/main", "main", NULL, NULL, NULL, NULL, NULL, ML_EVENT_NOT_ALLOWED,
     "unknown event 'deploy'"},
    {"push", "refs/heads/main", "main", NULL, NULL, "tag,promote", NULL, NULL, ML_EVENT_NOT_ALLOWED,
     "event 'push' is not allowed"},
    /* refused: branches */
    {"push", "refs/heads/feature", "feature", NULL, NULL, NULL, NULL, NULL, ML_BRANCH_NOT_ALLOWED,
     "branch 'feature' is not allowed for event 'push'"},
    {"push", "refs/heads/master", "master", NULL, NULL, NULL, NULL, NULL, ML_BRANCH_NOT_ALLOWED,
     "'master'"},
    {"cron", NULL, NULL, NULL, NULL, NULL, NULL, NULL, ML_BRANCH_NOT_ALLOWED,
     "DRONE_COMMIT_BRANCH is not set"},
    {"push", "refs/heads/release/1.0/x", "release/1.0/x", NULL, NULL, NULL, "release/*", NULL,
     ML_BRANCH_NOT_ALLOWED, "release/1.0/x"},
    {"push", "refs/heads/evil", "main", NULL, NULL, NULL, NULL, NULL, ML_BRANCH_NOT_ALLOWED,
     "ref 'refs/heads/evil' does not match branch 'main'"},
    /* refused: tags */
    {"tag", "refs/tags/nightly", NULL, "nightly", NULL, NULL, NULL, "v*", ML_TAG_NOT_ALLOWED,
     "tag 'nightly' is not allowed"},
    {"tag", NULL, NULL, NULL, NULL, NULL, NULL, NULL, ML_TAG_NOT_ALLOWED, "DRONE_TAG is not set"},
    {"tag", "refs/tags/v2", NULL, "v1", NULL, NULL, NULL, NULL, ML_TAG_NOT_ALLOWED,
     "ref 'refs/tags/v2' does not match tag 'v1'"},
};

static int run_case(const struct gate_case *tc, struct gate_result *res)
{
	struct config c;
	int r;

	config_init(&c);
	ml_error_clear();
	if (tc->events != NULL)
		assert_int_equal(config_set(&c, CK_EVENTS, tc->events), 0);
	if (tc->branches != NULL)
		assert_int_equal(config_set(&c, CK_BRANCHES, tc->branches), 0);
	if (tc->tags != NULL)
		assert_int_equal(config_set(&c, CK_TAGS, tc->tags), 0);
	assert_int_equal(config_set(&c, CK_SOURCE, "/srv/ci"), 0);
	assert_int_equal(config_set(&c, CK_ALLOWED_SIGNERS, "a@b ssh-ed25519 AAAA"), 0);
	assert_int_equal(config_set(&c, CK_DRY_RUN, "true"), 0);
	assert_int_equal(config_finish(&c), 0);
	c.drone.build_event = tc->event ? strdup(tc->event) : NULL;
	c.drone.commit_ref = tc->ref ? strdup(tc->ref) : NULL;
	c.drone.commit_branch = tc->branch ? strdup(tc->branch) : NULL;
	c.drone.tag = tc->tag ? strdup(tc->tag) : NULL;
	c.drone.pull_request = tc->pr ? strdup(tc->pr) : NULL;
	r = gate_check_local(&c, res);
	config_release(&c);
	return r;
}

static void test_gate_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gate_result res;
		int r = run_case(&cases[i], &res);

		if (r != cases[i].want || (int)res.reason != r)
			fail_msg("case %zu (%s %s): got %s '%s', want %s", i,
			         cases[i].event ? cases[i].event : "-",
			         cases[i].ref ? cases[i].ref : "-", ml_reason_name(r), res.message,
			         ml_reason_name(cases[i].want));
		if (r != 0 && strstr(res.message, cases[i].message_part) == NULL)
			fail_msg("case %zu: message '%s' lacks '%s'", i, res.message,
			         cases[i].message_part);
		if (r != 0 && strcmp(ml_error_message(), res.message) != 0)
			fail_msg("case %zu: recorded error '%s' differs", i, ml_error_message());
	}
}

static void test_patterns(void **state)
{
	assert_true(gate_pattern_match("v*", "v1.2.3"));
	assert_true(gate_pattern_match("release-*", "release-2024"));
	assert_false(gate_pattern_match("v*", "nightly"));
	assert_true(gate_pattern_match("release/*", "release/1"));
	assert_false(gate_pattern_match("release/*", "release/1/2"));
	assert_false(gate_pattern_match("main", "main2"));
}

static void test_withheld_token_refuses(void **state)
{
	char *envp[] = {"PLUGIN_SOURCE=/srv/ci",
	                "PLUGIN_ALLOWED_SIGNERS=a@b ssh-ed25519 AAAA",
	                "PLUGIN_DRY_RUN=true",
	                "PLUGIN_DRONE_TOKEN=",
	                "DRONE_BUILD_EVENT=push",
	                "DRONE_COMMIT_BRANCH=main",
	                NULL};
	struct gate_result res;
	struct config c;

	config_init(&c);
	ml_error_clear();
	assert_int_equal(config_from_env(&c, envp), 0);
	assert_int_equal(config_finish(&c), 0);
	assert_int_equal(gate_check(&c, &res), ML_CONFIG);
	assert_non_null(strstr(res.message, "'drone_token' is empty"));
	/* the local rules alone pass */
	assert_int_equal(gate_check_local(&c, &res), ML_OK);
	config_release(&c);
}

/* Builds that may carry parameters, without a drone_token: only a baked policy vouches. */
static void test_parameters_without_api(void **state)
{
	static const char *const base[] = {
	    "PLUGIN_SOURCE=/srv/ci", "PLUGIN_ALLOWED_SIGNERS=a@b ssh-ed25519 AAAA",
	    "PLUGIN_DRY_RUN=true", "DRONE_COMMIT_REF=refs/heads/main", "DRONE_COMMIT_BRANCH=main"};
	static const char pinning[] =
	    "{\"source\":\"/srv/ci\",\"allowed_signers\":\"a@b ssh-ed25519 AAAA\"}";
	static const char pinning_env[] = "{\"source\":\"/srv/ci\",\"allowed_signers\":\"a@b "
	                                  "ssh-ed25519 AAAA\",\"env\":[\"TOKEN\"]}";
	static const struct {
		const char *policy; /* the baked policy, NULL: none */
		const char *env[4]; /* added to base */
		int want;
		const char *message_part;
	} param_cases[] = {
	    {NULL, {"DRONE_BUILD_EVENT=push"}, 0, NULL},
	    {NULL, {"DRONE_BUILD_EVENT=push", "DRONE_BUILD_PARENT=0"}, 0, NULL},
	    {NULL, {"DRONE_BUILD_EVENT=cron"}, 0, NULL},
	    {NULL,
	     {"DRONE_BUILD_EVENT=promote"},
	     ML_BUILD_PARAMETER,
	     "'promote' build may carry build parameters, which Drone adds to the step's "
	     "environment unmarked: give drone_token (from a secret)"},
	    {NULL, {"DRONE_BUILD_EVENT=rollback"}, ML_BUILD_PARAMETER, "bake a policy"},
	    {NULL, {"DRONE_BUILD_EVENT=custom"}, ML_BUILD_PARAMETER, "'custom' build"},
	    {NULL,
	     {"DRONE_BUILD_EVENT=push", "DRONE_BUILD_PARENT=41"},
	     ML_BUILD_PARAMETER,
	     "'push' build restarted from build 41 may carry build parameters"},
	    {NULL,
	     {"DRONE_BUILD_EVENT=cron", "DRONE_BUILD_PARENT=7"},
	     ML_BUILD_PARAMETER,
	     "'cron' build restarted from build 7"},
	    /* a baked policy pinning every setting present */
	    {pinning, {"DRONE_BUILD_EVENT=promote"}, 0, NULL},
	    {pinning, {"DRONE_BUILD_EVENT=promote", "PLUGIN_GIT_PASSWORD=x"}, 0, NULL},
	    {pinning, {"DRONE_BUILD_EVENT=promote", "HOME=/root"}, 0, NULL},
	    {pinning,
	     {"DRONE_BUILD_EVENT=promote",
	      "PLUGIN_KEYRING=-----BEGIN PGP PUBLIC KEY BLOCK-----\\nx"},
	     ML_POLICY_WIDENED,
	     "setting 'keyring' widens the policy"},
	    {pinning,
	     {"DRONE_BUILD_EVENT=promote", "PLUGIN_ON_REFUSE=skip"},
	     ML_BUILD_PARAMETER,
	     "setting 'on_refuse' is not pinned by the baked policy and could be one"},
	    {pinning,
	     {"DRONE_BUILD_EVENT=promote", "PLUGIN_IMAGE=evil"},
	     ML_BUILD_PARAMETER,
	     "setting 'image' is not pinned"},
	    {pinning,
	     {"DRONE_BUILD_EVENT=promote", "PLUGIN_POLICY={}"},
	     ML_BUILD_PARAMETER,
	     "setting 'policy' is not pinned"},
	    {pinning,
	     {"DRONE_BUILD_EVENT=promote", "DOCKER_HOST=tcp://evil:2375"},
	     ML_BUILD_PARAMETER,
	     "variable 'DOCKER_HOST' decides the run and could be one"},
	    {pinning,
	     {"DRONE_BUILD_EVENT=promote", "HTTPS_PROXY=http://evil:3128"},
	     ML_BUILD_PARAMETER,
	     "variable 'HTTPS_PROXY'"},
	    {pinning,
	     {"DRONE_BUILD_EVENT=promote", "LD_PRELOAD=/x.so"},
	     ML_BUILD_PARAMETER,
	     "variable 'LD_PRELOAD'"},
	    {pinning_env, {"DRONE_BUILD_EVENT=promote"}, ML_BUILD_PARAMETER, "setting 'env'"},
	    {pinning_env,
	     {"DRONE_BUILD_EVENT=promote", "PLUGIN_ENV=TOKEN"},
	     ML_BUILD_PARAMETER,
	     "the variables named in setting 'env' could be ones"},
	    /* the step's own settings, unpinned, are what a parameter could be */
	    {"{\"source\":\"/srv/ci\"}",
	     {"DRONE_BUILD_EVENT=promote"},
	     ML_BUILD_PARAMETER,
	     "setting 'allowed_signers' is not pinned"},
	};
	char path[] = "/tmp/mainline-test-policy.XXXXXX";
	size_t i, j, n;
	int fd;

	for (i = 0; i < sizeof(param_cases) / sizeof(param_cases[0]); i++) {
		char *envp[16];
		struct gate_result res;
		struct config c;
		int r;

		n = 0;
		for (j = 0; j < sizeof(base) / sizeof(base[0]); j++)
			envp[n++] = (char *)base[j];
		for (j = 0; j < 4 && param_cases[i].env[j] != NULL; j++)
			envp[n++] = (char *)param_cases[i].env[j];
		envp[n] = NULL;
		memcpy(path, "/tmp/mainline-test-policy.XXXXXX", sizeof(path));
		if (param_cases[i].policy != NULL) {
			assert_true((fd = mkstemp(path)) >= 0);
			assert_int_equal(
			    write(fd, param_cases[i].policy, strlen(param_cases[i].policy)),
			    (ssize_t)strlen(param_cases[i].policy));
			close(fd);
		}
		config_init(&c);
		ml_error_clear();
		memset(&res, 0, sizeof(res));
		r = policy_effective_config(&c, envp, param_cases[i].policy != NULL ? path : NULL);
		if (r == 0)
			r = gate_check(&c, &res);
		if (param_cases[i].policy != NULL)
			unlink(path);
		if (r != param_cases[i].want)
			fail_msg("case %zu: got %s '%s', want %s", i, ml_reason_name(r),
			         ml_error_message(), ml_reason_name(param_cases[i].want));
		if (r != 0 && strstr(ml_error_message(), param_cases[i].message_part) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, ml_error_message(),
			         param_cases[i].message_part);
		config_release(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_gate_table),
	    cmocka_unit_test(test_patterns),
	    cmocka_unit_test(test_withheld_token_refuses),
	    cmocka_unit_test(test_parameters_without_api),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
