/* Woodpecker: detection, the CI_* context mapped onto Drone's, and the gate on top of it. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "plugin/config.h"
#include "plugin/config_env.h"
#include "plugin/config_set.h"
#include "plugin/gate.h"
#include "plugin/woodpecker.h"

#define SHA "0123456789abcdef0123456789abcdef01234567"
#define MAX_ENV 64

/*
 * A plugin step of a push to main on GitHub, as the agent builds it (metadata
 * Environ(), the runtime's step variables, the DRONE_* copy), trimmed to
 * what the mapping reads or checks.
 */
static const char *const push_env[] = {
    "CI=woodpecker",
    "CI_SYSTEM_NAME=woodpecker",
    "CI_SYSTEM_URL=https://ci.example.org",
    "CI_FORGE_TYPE=github",
    "CI_REPO=acme/app",
    "CI_REPO_OWNER=acme",
    "CI_REPO_NAME=app",
    "CI_REPO_URL=https://github.com/acme/app",
    "CI_REPO_CLONE_URL=https://github.com/acme/app.git",
    "CI_PIPELINE_NUMBER=42",
    "CI_PIPELINE_PARENT=0",
    "CI_PIPELINE_EVENT=push",
    "CI_PIPELINE_URL=https://ci.example.org/repos/7/pipeline/42",
    "CI_WORKFLOW_NAME=release",
    "CI_STEP_NAME=publish",
    "CI_STEP_TYPE=plugin",
    "CI_COMMIT_SHA=" SHA,
    "CI_COMMIT_REF=refs/heads/main",
    "CI_COMMIT_BRANCH=main",
    "CI_WORKSPACE=/woodpecker/src/github.com/acme/app",
    "DRONE_BRANCH=main",
    "DRONE_BUILD_NUMBER=42",
    "DRONE_BUILD_PARENT=0",
    "DRONE_BUILD_EVENT=push",
    "DRONE_BUILD_LINK=https://ci.example.org/repos/7/pipeline/42",
    "DRONE_COMMIT_SHA=" SHA,
    "DRONE_COMMIT_REF=refs/heads/main",
    "DRONE_COMMIT_BRANCH=main",
    "DRONE_REPO=acme/app",
    "DRONE_REPO_OWNER=acme",
    "DRONE_REPO_NAME=app",
    "DRONE_BUILD_STATUS=success",
    "DRONE_REPO_SCM=git",
    "PULLREQUEST_DRONE_PULL_REQUEST=0",
    "PLUGIN_SOURCE=/srv/ci",
    "PLUGIN_ALLOWED_SIGNERS=a@b ssh-ed25519 AAAA",
    "PLUGIN_DRY_RUN=true",
};

/*
 * push_env with each "NAME=value" of `changes` replacing that NAME's entry
 * or added; "NAME=" with nothing after '=' followed by '-' ("NAME=-")
 * removes it. The strings are borrowed.
 */
static void make_env(char *out[MAX_ENV], const char *const *changes)
{
	size_t n = 0, i, j;

	for (i = 0; i < sizeof(push_env) / sizeof(push_env[0]); i++)
		out[n++] = (char *)push_env[i];
	out[n] = NULL;
	for (j = 0; changes != NULL && changes[j] != NULL; j++) {
		size_t len = strcspn(changes[j], "=") + 1, k;
		int remove = strcmp(changes[j] + len, "-") == 0, done = 0;

		for (k = 0; k < n && !done; k++) {
			if (strncmp(out[k], changes[j], len) != 0)
				continue;
			if (remove) {
				memmove(&out[k], &out[k + 1], (n - k) * sizeof(out[0]));
				n--;
			} else {
				out[k] = (char *)changes[j];
			}
			done = 1;
		}
		if (!done && !remove) {
			assert_true(n + 1 < MAX_ENV);
			out[n++] = (char *)changes[j];
			out[n] = NULL;
		}
	}
}

static int load(struct config *c, const char *const *changes)
{
	char *envp[MAX_ENV];

	make_env(envp, changes);
	config_init(c);
	ml_error_clear();
	return config_from_env(c, envp);
}

static void test_detection(void **state)
{
	char *woodpecker[] = {"CI=woodpecker", NULL};
	/* Drone sets CI=true and legacy CI_* variables of its own */
	char *drone[] = {"CI=true", "DRONE=true", "CI_COMMIT_SHA=" SHA, "CI_REPO=acme/app", NULL};
	char *other[] = {"CI=Woodpecker", NULL};
	char *none[] = {"CI_PIPELINE_EVENT=push", NULL};

	assert_true(woodpecker_detected(woodpecker));
	assert_false(woodpecker_detected(drone));
	assert_false(woodpecker_detected(other));
	assert_false(woodpecker_detected(none));
	assert_false(woodpecker_detected(NULL));
}

static void test_push_context(void **state)
{
	static const char *const ignored[] = {"DRONE_WORKSPACE=/elsewhere",
	                                      "DRONE_NETRC_PASSWORD=from-a-parameter",
	                                      "DRONE_CARD_PATH=/dev/stdout", NULL};
	struct config c;

	assert_int_equal(load(&c, ignored), 0);
	assert_true(c.drone.woodpecker);
	assert_string_equal(c.drone.woodpecker_event, "push");
	assert_string_equal(c.drone.build_event, "push");
	assert_string_equal(c.drone.commit_ref, "refs/heads/main");
	assert_string_equal(c.drone.commit_sha, SHA);
	assert_string_equal(c.drone.commit_branch, "main");
	assert_string_equal(c.drone.repo, "acme/app");
	assert_string_equal(c.drone.repo_owner, "acme");
	assert_string_equal(c.drone.repo_name, "app");
	assert_string_equal(c.drone.build_number, "42");
	assert_string_equal(c.drone.build_parent, "0");
	assert_string_equal(c.drone.build_link, "https://ci.example.org/repos/7/pipeline/42");
	assert_string_equal(c.drone.step_name, "publish");
	assert_string_equal(c.drone.stage_name, "release");
	assert_string_equal(c.drone.repo_link, "https://github.com/acme/app");
	assert_string_equal(c.drone.git_http_url, "https://github.com/acme/app.git");
	/* the workspace is CI_WORKSPACE; the DRONE_* names Woodpecker never sets stay unread */
	assert_string_equal(c.drone.workspace, "/woodpecker/src/github.com/acme/app");
	assert_null(c.drone.netrc_password);
	assert_null(c.drone.card_path);
	assert_null(c.drone.tag);
	assert_null(c.drone.pull_request);
	config_release(&c);
}

struct event_case {
	const char *changes[12];
	const char *drone_event; /* mapped, NULL: not checked */
	int want;                /* gate_check_local */
	const char *message_part;
};

#define EVENT(e) "CI_PIPELINE_EVENT=" e, "DRONE_BUILD_EVENT=" e
#define REF(r) "CI_COMMIT_REF=" r, "DRONE_COMMIT_REF=" r
#define BRANCH(b) "CI_COMMIT_BRANCH=" b, "DRONE_COMMIT_BRANCH=" b
#define TAG(t) "CI_COMMIT_TAG=" t, "DRONE_TAG=" t
#define PR(n) "CI_COMMIT_PULL_REQUEST=" n, "DRONE_PULL_REQUEST=" n

static const struct event_case event_cases[] = {
    {{NULL}, "push", ML_OK, NULL},
    {{EVENT("cron")}, "cron", ML_OK, NULL},
    {{EVENT("tag"), REF("refs/tags/v1.2.0"), BRANCH("refs/tags/v1.2.0"), TAG("v1.2.0")},
     "tag",
     ML_OK,
     NULL},
    /* a release publishes a tag: gated as the tag */
    {{EVENT("release"), REF("refs/tags/v1.2.0"), TAG("v1.2.0")}, "tag", ML_OK, NULL},
    {{EVENT("release"), REF("refs/tags/v1.2.0"), TAG("v1.2.0"), "PLUGIN_TAGS=release-*"},
     "tag",
     ML_TAG_NOT_ALLOWED,
     "tag 'v1.2.0' is not allowed"},
    /* a deployment restarts a pipeline: gated as a promote */
    {{EVENT("deployment"), "CI_PIPELINE_PARENT=41", "DRONE_BUILD_PARENT=41",
      "CI_PIPELINE_DEPLOY_TARGET=production"},
     "promote",
     ML_OK,
     NULL},
    {{EVENT("manual")}, "custom", ML_OK, NULL},
    {{EVENT("manual"), "PLUGIN_EVENTS=push,tag"},
     "custom",
     ML_EVENT_NOT_ALLOWED,
     "event 'custom' (Woodpecker's 'manual') is not allowed"},
    {{EVENT("push"), REF("refs/heads/feature"), BRANCH("feature")},
     "push",
     ML_BRANCH_NOT_ALLOWED,
     "branch 'feature' is not allowed"},
    /* pull requests of each forge, whatever the event */
    {{EVENT("pull_request"), REF("refs/pull/7/merge"), PR("7")},
     "pull_request",
     ML_PULL_REQUEST,
     "pull request ref 'refs/pull/7/merge'"},
    {{EVENT("pull_request"), REF("refs/pull/7/head"), PR("7")},
     "pull_request",
     ML_PULL_REQUEST,
     "'refs/pull/7/head'"},
    {{EVENT("pull_request"), REF("refs/merge-requests/3/head"), BRANCH("feature"), PR("3")},
     "pull_request",
     ML_PULL_REQUEST,
     "'refs/merge-requests/3/head'"},
    {{EVENT("pull_request"), REF("refs/pull-requests/5/from"), BRANCH("feature"), PR("5")},
     "pull_request",
     ML_PULL_REQUEST,
     "'refs/pull-requests/5/from'"},
    /* Bitbucket's merged pull request: the target's branch ref, refused by its event */
    {{EVENT("pull_request_closed"), REF("refs/heads/main")},
     "pull_request",
     ML_PULL_REQUEST,
     "event 'pull_request' (Woodpecker's 'pull_request_closed') is not allowed"},
    {{EVENT("pull_request_metadata"), REF("refs/pull/7/head"), PR("7")},
     "pull_request",
     ML_PULL_REQUEST,
     "'refs/pull/7/head'"},
    {{EVENT("pull_request_closed"), REF("refs/heads/main"), "PLUGIN_EVENTS=push,pull_request"},
     "pull_request",
     ML_PULL_REQUEST,
     "is not allowed"},
    /* a deployment of a pull request's pipeline keeps its ref */
    {{EVENT("deployment"), REF("refs/pull/7/head"), "CI_PIPELINE_PARENT=41",
      "DRONE_BUILD_PARENT=41"},
     "promote",
     ML_PULL_REQUEST,
     "'refs/pull/7/head'"},
    {{EVENT("merge_queue")},
     "merge_queue",
     ML_EVENT_NOT_ALLOWED,
     "unknown event 'merge_queue' is not allowed"},
    {{"CI_PIPELINE_EVENT=-", "DRONE_BUILD_EVENT=-"}, NULL, ML_CONFIG, NULL},
};

static void test_events_and_refs(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(event_cases) / sizeof(event_cases[0]); i++) {
		const struct event_case *tc = &event_cases[i];
		struct gate_result res;
		struct config c;
		int r = load(&c, tc->changes);

		if (tc->want == ML_CONFIG) {
			assert_int_equal(r, ML_CONFIG);
			config_release(&c);
			continue;
		}
		if (r != 0 || (r = config_finish(&c)) != 0)
			fail_msg("case %zu: %s", i, ml_error_message());
		if (tc->drone_event != NULL)
			assert_string_equal(c.drone.build_event, tc->drone_event);
		r = gate_check_local(&c, &res);
		if (r != tc->want)
			fail_msg("case %zu: got %s '%s', want %s", i, ml_reason_name(r),
			         res.message, ml_reason_name(tc->want));
		if (r != 0 && strstr(res.message, tc->message_part) == NULL)
			fail_msg("case %zu: message '%s' lacks '%s'", i, res.message,
			         tc->message_part);
		config_release(&c);
	}
}

/*
 * Refused: a step that is not a plugin step, or whose DRONE_* copy disagrees
 * (the context is left unread); a value the Drone context's checks refuse,
 * named by its CI_* variable (the rest of the context is kept for the record).
 */
static void test_refused_environments(void **state)
{
	static const struct {
		const char *changes[6];
		const char *message_part;
		int kept; /* the context is read all the same */
	} cases[] = {
	    {{"CI_STEP_TYPE=commands"}, "not as a 'commands' step", 0},
	    {{"DRONE_BUILD_EVENT=-"}, "DRONE_BUILD_EVENT is not set", 0},
	    {{"DRONE_COMMIT_REF=refs/heads/other"},
	     "DRONE_COMMIT_REF 'refs/heads/other' disagrees with CI_COMMIT_REF 'refs/heads/main'",
	     0},
	    {{"DRONE_BUILD_EVENT=pull_request"}, "DRONE_BUILD_EVENT 'pull_request' disagrees", 0},
	    {{"DRONE_PULL_REQUEST=7"},
	     "DRONE_PULL_REQUEST is set but CI_COMMIT_PULL_REQUEST is not",
	     0},
	    {{"CI_COMMIT_TAG=v1"}, "DRONE_TAG is not set but CI_COMMIT_TAG is set", 0},
	    {{"CI_REPO_OWNER=mallory", "DRONE_REPO_OWNER=-"}, "DRONE_REPO_OWNER is not set", 0},
	    {{"CI_COMMIT_SHA=not-a-commit", "DRONE_COMMIT_SHA=not-a-commit"},
	     "variable 'CI_COMMIT_SHA' is not a commit id",
	     1},
	    {{"CI_PIPELINE_NUMBER=042", "DRONE_BUILD_NUMBER=042"},
	     "variable 'CI_PIPELINE_NUMBER' is not a build number",
	     1},
	    {{"CI_COMMIT_BRANCH=ma\x01in", "DRONE_COMMIT_BRANCH=ma\x01in"},
	     "variable 'CI_COMMIT_BRANCH' holds a control character",
	     1},
	    {{"CI_WORKSPACE=/woodpecker/\xff"}, "variable 'CI_WORKSPACE' is not valid UTF-8", 1},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;

		assert_int_equal(load(&c, cases[i].changes), ML_CONFIG);
		if (strstr(ml_error_message(), cases[i].message_part) == NULL)
			fail_msg("case %zu: message '%s' lacks '%s'", i, ml_error_message(),
			         cases[i].message_part);
		assert_int_equal(c.drone.woodpecker, cases[i].kept);
		if (cases[i].kept) {
			assert_null(strstr(ml_error_message(), "DRONE_"));
			assert_string_equal(c.drone.repo, "acme/app");
		}
		config_release(&c);
	}
}

static void test_repeated_variable(void **state)
{
	char *envp[MAX_ENV];
	struct config c;
	size_t n;

	make_env(envp, NULL);
	for (n = 0; envp[n] != NULL; n++)
		;
	envp[n] = "CI_COMMIT_REF=refs/pull/1/head";
	envp[n + 1] = NULL;
	config_init(&c);
	ml_error_clear();
	assert_int_equal(config_from_env(&c, envp), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "'CI_COMMIT_REF' appears twice"));
	config_release(&c);
}

/* No Drone API to ask: drone_token is refused, parameters need the baked policy. */
static void test_parameters(void **state)
{
	static const char *const token[] = {"PLUGIN_DRONE_TOKEN=t", NULL};
	static const char *const deployment[] = {EVENT("deployment"), "CI_PIPELINE_PARENT=41",
	                                         "DRONE_BUILD_PARENT=41", NULL};
	static const char *const restart[] = {"CI_PIPELINE_PARENT=41", "DRONE_BUILD_PARENT=41",
	                                      NULL};
	struct gate_result res;
	struct config c;

	assert_int_equal(load(&c, token), 0);
	assert_int_equal(config_finish(&c), 0);
	assert_int_equal(gate_check(&c, &res), ML_CONFIG);
	assert_non_null(strstr(res.message, "Woodpecker does not have"));
	config_release(&c);

	assert_int_equal(load(&c, deployment), 0);
	assert_int_equal(config_finish(&c), 0);
	assert_int_equal(gate_check(&c, &res), ML_BUILD_PARAMETER);
	assert_non_null(strstr(res.message, "'promote' build may carry build parameters, which "
	                                    "Woodpecker adds to the step's environment unmarked"));
	assert_non_null(strstr(res.message, "bake a policy that pins every setting"));
	assert_null(strstr(res.message, "drone_token"));
	config_release(&c);

	assert_int_equal(load(&c, restart), 0);
	assert_int_equal(config_finish(&c), 0);
	assert_int_equal(gate_check(&c, &res), ML_BUILD_PARAMETER);
	assert_non_null(strstr(res.message, "'push' build restarted from build 41"));
	config_release(&c);

	assert_int_equal(load(&c, NULL), 0);
	assert_int_equal(config_finish(&c), 0);
	assert_int_equal(gate_check(&c, &res), ML_OK);
	config_release(&c);
}

static void test_event_names(void **state)
{
	assert_string_equal(woodpecker_event_to_drone("push"), "push");
	assert_string_equal(woodpecker_event_to_drone("release"), "tag");
	assert_string_equal(woodpecker_event_to_drone("deployment"), "promote");
	assert_string_equal(woodpecker_event_to_drone("manual"), "custom");
	assert_string_equal(woodpecker_event_to_drone("pull_request_closed"), "pull_request");
	assert_null(woodpecker_event_to_drone("promote"));
	assert_null(woodpecker_event_to_drone(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_detection),         cmocka_unit_test(test_push_context),
	    cmocka_unit_test(test_events_and_refs),   cmocka_unit_test(test_refused_environments),
	    cmocka_unit_test(test_repeated_variable), cmocka_unit_test(test_parameters),
	    cmocka_unit_test(test_event_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
