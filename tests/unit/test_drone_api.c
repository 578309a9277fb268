/* The Drone API's answer about a build: its origin, its parameters, the context the request needs. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "plugin/config.h"
#include "plugin/config_set.h"
#include "plugin/drone_api.h"

#define SHA "0123456789abcdef0123456789abcdef01234567"

struct answer_case {
	const char *json;
	int want;
	const char *message_part;
};

/* Checks each answer against c; no message may hold the string `never` (unless NULL). */
static void check_answers(const struct config *c, const struct answer_case *answers, size_t n,
                          const char *never)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int r;

		ml_error_clear();
		r = drone_api_check_answer(c, answers[i].json, strlen(answers[i].json));
		if (r != answers[i].want)
			fail_msg("answer %zu: got %s (%s)", i, ml_reason_name(r),
			         ml_error_message());
		if (r != 0 && strstr(ml_error_message(), answers[i].message_part) == NULL)
			fail_msg("answer %zu: '%s' lacks '%s'", i, ml_error_message(),
			         answers[i].message_part);
		if (never != NULL)
			assert_null(strstr(ml_error_message(), never));
	}
}

/* Build parameters in the API answer: which variable each becomes, never its value. */
static void test_api_parameters(void **state)
{
#define BUILD "{\"number\":42,\"source_repo\":\"\",\"params\":"
	static const struct answer_case answers[] = {
	    {BUILD "{\"VERSION\":\"1.2.3\",\"DEPLOY_NOTE\":\"x\"}}", 0, NULL},
	    {BUILD "{}}", 0, NULL},
	    {BUILD "null}", 0, NULL},
	    {"{\"number\":42,\"source_repo\":\"\"}", 0, NULL},
	    {BUILD "{\"PLUGIN_KEYRING\":\"SECRET-VALUE\"}}", ML_BUILD_PARAMETER,
	     "build parameter 'PLUGIN_KEYRING' would set setting 'keyring'"},
	    {BUILD "{\"VERSION\":\"1\",\"plugin_on_refuse\":\"skip\"}}", ML_BUILD_PARAMETER,
	     "'plugin_on_refuse' would set setting 'on_refuse'"},
	    {BUILD "{\"PLUGIN_KEYRING=SECRET-VALUE\":\"\"}}", ML_BUILD_PARAMETER,
	     "'PLUGIN_KEYRING' would set setting 'keyring'"},
	    {BUILD "{\"PLUGIN_BOGUS\":\"x\"}}", ML_BUILD_PARAMETER,
	     "'PLUGIN_BOGUS' would be read as a setting"},
	    {BUILD "{\"DOCKER_HOST\":\"tcp://evil:2375\"}}", ML_BUILD_PARAMETER,
	     "'DOCKER_HOST' names a variable mainline reads (the Docker engine and registry)"},
	    {BUILD "{\"HOME=/tmp/SECRET-VALUE\":\"y\"}}", ML_BUILD_PARAMETER,
	     "'HOME' names a variable mainline reads"},
	    {BUILD "{\"http_proxy\":\"http://evil:3128\"}}", ML_BUILD_PARAMETER,
	     "'http_proxy' names a variable mainline reads (the proxies (common/proxy.h))"},
	    {BUILD "{\"HTTPS_PROXY\":\"http://evil:3128\"}}", ML_BUILD_PARAMETER, "'HTTPS_PROXY'"},
	    {BUILD "{\"No_Proxy\":\"*\"}}", ML_BUILD_PARAMETER, "'No_Proxy' names a variable"},
	    {BUILD "{\"ALL_PROXY\":\"socks5://evil\"}}", ML_BUILD_PARAMETER, "'ALL_PROXY'"},
	    {BUILD "{\"CI\":\"woodpecker\"}}", ML_BUILD_PARAMETER,
	     "'CI' names a variable mainline reads"},
	    {BUILD "{\"DRONE\":\"x\"}}", ML_BUILD_PARAMETER,
	     "'DRONE' names a variable passed to the pipeline (the CI system's marker)"},
	    {BUILD "{\"SSL_CERT_FILE\":\"/x\"}}", ML_BUILD_PARAMETER, "(TLS)"},
	    {BUILD "{\"LD_PRELOAD\":\"/x.so\"}}", ML_BUILD_PARAMETER, "the dynamic loader"},
	    {BUILD "{\"MAINLINE_POLICY_FILE\":\"/x\"}}", ML_BUILD_PARAMETER, "installation"},
	    {BUILD "{\"TRACEPARENT\":\"00-x\"}}", ML_BUILD_PARAMETER, "the trace context"},
	    {BUILD "{\"DRONE_TAG\":\"v9.9.9\"}}", ML_BUILD_PARAMETER,
	     "'DRONE_TAG' names a variable mainline reads (the Drone build context)"},
	    {BUILD "{\"OTEL_EXPORTER_OTLP_ENDPOINT\":\"http://evil\"}}", ML_BUILD_PARAMETER,
	     "names a variable passed to the pipeline (the pipeline's OpenTelemetry settings)"},
	    {BUILD "{\"DAGGER_CLOUD_TOKEN\":\"x\"}}", ML_BUILD_PARAMETER,
	     "passed to the pipeline (Dagger Cloud)"},
	    {BUILD "{\"_EXPERIMENTAL_DAGGER_RUNNER_HOST\":\"tcp://evil\"}}", ML_BUILD_PARAMETER,
	     "the Dagger engine"},
	    {BUILD "{\"deploy_token\":\"x\"}}", ML_BUILD_PARAMETER,
	     "'deploy_token' names a variable passed to the pipeline (the pipeline (setting "
	     "'env'))"},
	    /* the wrong types */
	    {BUILD "[]}", ML_BUILD_PARAMETER, "'params' of the wrong type"},
	    {BUILD "\"PLUGIN_KEYRING=x\"}", ML_BUILD_PARAMETER, "'params' of the wrong type"},
	    {BUILD "{\"VERSION\":1}}", ML_BUILD_PARAMETER, "not a string"},
	    {BUILD "{\"VERSION\":null}}", ML_BUILD_PARAMETER, "not a string"},
	};
#undef BUILD
	struct config c;

	config_init(&c);
	c.drone.repo = strdup("octo/app");
	c.drone.build_number = strdup("42");
	assert_int_equal(config_set(&c, CK_ENV, "DEPLOY_TOKEN"), 0);
	/* a parameter's value is never part of a message */
	check_answers(&c, answers, sizeof(answers) / sizeof(answers[0]), "SECRET-VALUE");
	config_release(&c);
}

static void test_api_answers(void **state)
{
	static const struct answer_case answers[] = {
	    {"{\"number\":42,\"source_repo\":\"\",\"event\":\"push\"}", 0, NULL},
	    {"{\"number\":42,\"source_repo\":\"octo/app\",\"fork\":false,\"after\":\"" SHA "\"}", 0,
	     NULL},
	    {"{\"number\":42,\"source_repo\":\"mallory/app\"}", ML_SOURCE_REPO,
	     "build comes from fork 'mallory/app'"},
	    {"{\"number\":42}", ML_SOURCE_REPO, "no 'source_repo'"},
	    {"{\"number\":42,\"source_repo\":null}", ML_SOURCE_REPO, "no 'source_repo'"},
	    {"{\"number\":42,\"source_repo\":\"\",\"fork\":true}", ML_SOURCE_REPO, "from a fork"},
	    {"{\"number\":42,\"source_repo\":\"\",\"fork\":\"no\"}", ML_SOURCE_REPO, "from a fork"},
	    {"{\"number\":41,\"source_repo\":\"\"}", ML_SOURCE_REPO, "another build"},
	    {"{\"number\":\"42\",\"source_repo\":\"\"}", ML_SOURCE_REPO, "another build"},
	    {"{\"number\":42,\"source_repo\":\"\",\"ref\":\"refs/pull/3/head\"}", ML_PULL_REQUEST,
	     "refs/pull/3/head"},
	    {"{\"number\":42,\"source_repo\":\"\",\"ref\":\"refs/pullreq/3/head\"}",
	     ML_PULL_REQUEST, "refs/pullreq/3/head"},
	    {"{\"number\":42,\"source_repo\":\"\",\"event\":\"pull_request\"}", ML_PULL_REQUEST,
	     "'pull_request'"},
	    {"{\"number\":42,\"source_repo\":\"\",\"after\":\"ffff\"}", ML_SOURCE_REPO,
	     "of commit 'ffff'"},
	    {"[]", ML_SOURCE_REPO, "not a JSON object"},
	    {"{\"source_repo\":\"\"} trailing", ML_SOURCE_REPO, "not a JSON object"},
	    {"", ML_SOURCE_REPO, "not a JSON object"},
	};
	struct config c;

	config_init(&c);
	c.drone.repo = strdup("octo/app");
	c.drone.build_number = strdup("42");
	c.drone.commit_sha = strdup(SHA);
	check_answers(&c, answers, sizeof(answers) / sizeof(answers[0]), NULL);
	config_release(&c);
}

static void test_api_needs_context(void **state)
{
	struct config c;

	config_init(&c);
	ml_error_clear();
	assert_int_equal(config_set(&c, CK_DRONE_TOKEN, "tok"), 0);
	assert_int_equal(drone_api_check_build(&c), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "DRONE_SYSTEM_PROTO is not set"));
	c.drone.system_proto = strdup("gopher");
	c.drone.system_host = strdup("drone.example.org");
	c.drone.repo_owner = strdup("octo");
	c.drone.repo_name = strdup("app");
	c.drone.build_number = strdup("42");
	c.drone.repo = strdup("octo/app");
	ml_error_clear();
	assert_int_equal(drone_api_check_build(&c), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "unsupported protocol 'gopher'"));
	free(c.drone.system_proto);
	c.drone.system_proto = strdup("https");
	free(c.drone.repo_name);
	c.drone.repo_name = strdup("app/../../admin");
	ml_error_clear();
	assert_int_equal(drone_api_check_build(&c), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "invalid host, repository"));
	config_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_api_parameters),
	    cmocka_unit_test(test_api_answers),
	    cmocka_unit_test(test_api_needs_context),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
