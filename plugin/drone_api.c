#include "plugin/drone_api.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/http.h"
#include "common/json.h"
#include "plugin/config_env.h"
#include "plugin/drone_context.h"

static int only_chars(const char *s, const char *extra, int allow_alnum)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (allow_alnum && isalnum((unsigned char)*s))
			continue;
		if (strchr(extra, *s) == NULL)
			return 0;
	}
	return 1;
}

static int need(const char *value, const char *name)
{
	if (value == NULL)
		return ml_fail(ML_CONFIG, "cannot ask the drone api: %s is not set", name);
	return 0;
}

/*
 * One build parameter: the variable it becomes is its name up to the first
 * '=' (the environment splits "NAME=VALUE" there). It may not be a setting,
 * a variable mainline reads or one handed to the pipeline; case does not
 * matter (config_env_use). Its value is never printed.
 */
static int check_parameter(const struct config *c, const char *key)
{
	char name[128], lower[128];
	const char *what;
	size_t n = strcspn(key, "="), i;
	unsigned use;
	int k;

	if (n >= sizeof(name))
		n = sizeof(name) - 1; /* a family still matches the cut name */
	memcpy(name, key, n);
	name[n] = '\0';
	if ((use = config_env_use(c, name, &what)) == 0)
		return 0;
	if (use & CONFIG_ENV_SETTING) {
		for (i = 0; i + 7 <= n && name[i + 7] != '\0'; i++)
			lower[i] = (char)tolower((unsigned char)name[i + 7]);
		lower[i] = '\0';
		if ((k = config_key_from_name(lower)) >= 0)
			return ml_fail(ML_BUILD_PARAMETER,
			               "build parameter '%.64s' would set setting '%s'", name,
			               config_key_name((enum config_key)k));
		return ml_fail(ML_BUILD_PARAMETER,
		               "build parameter '%.64s' would be read as a setting", name);
	}
	if (use & CONFIG_ENV_READ)
		return ml_fail(ML_BUILD_PARAMETER,
		               "build parameter '%.64s' names a variable mainline reads (%s)", name,
		               what);
	return ml_fail(ML_BUILD_PARAMETER,
	               "build parameter '%.64s' names a variable passed to the pipeline (%s)", name,
	               what);
}

/* The build's parameters: absent, null or an object of strings (Go's map[string]string). */
static int check_parameters(const struct config *c, const cJSON *root)
{
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(root, "params"), *p;
	int r;

	if (params == NULL || cJSON_IsNull(params))
		return 0;
	if (!cJSON_IsObject(params))
		return ml_fail(ML_BUILD_PARAMETER,
		               "drone api answer has 'params' of the wrong type (want an object of "
		               "strings)");
	cJSON_ArrayForEach(p, params)
	{
		if (!cJSON_IsString(p) || p->string == NULL)
			return ml_fail(
			    ML_BUILD_PARAMETER,
			    "drone api answer has a build parameter that is not a string");
		if ((r = check_parameter(c, p->string)) != 0)
			return r;
	}
	return 0;
}

int drone_api_check_answer(const struct config *c, const char *body, size_t len)
{
	const struct drone_context *d = &c->drone;
	const char *source_repo, *ref, *event, *after;
	cJSON *root = json_parse(body, len, DRONE_API_BODY_MAX);
	int64_t number;
	int fork, r = ML_SOURCE_REPO;

	if (root == NULL || !cJSON_IsObject(root)) {
		r = ml_fail(ML_SOURCE_REPO, "drone api answer for build %s is not a JSON object",
		            d->build_number != NULL ? d->build_number : "?");
		goto out;
	}
	if ((source_repo = json_string(root, "source_repo")) == NULL) {
		r = ml_fail(ML_SOURCE_REPO, "drone api answer has no 'source_repo'");
		goto out;
	}
	if (*source_repo != '\0' && (d->repo == NULL || strcmp(source_repo, d->repo) != 0)) {
		r = ml_fail(ML_SOURCE_REPO, "build comes from fork '%s'", source_repo);
		goto out;
	}
	if (cJSON_GetObjectItemCaseSensitive(root, "fork") != NULL) {
		if (json_bool(root, "fork", &fork) < 0 || fork) {
			r = ml_fail(ML_SOURCE_REPO, "drone api says the build comes from a fork");
			goto out;
		}
	}
	if (cJSON_GetObjectItemCaseSensitive(root, "number") != NULL) {
		char num[32];

		if (json_int64(root, "number", &number) < 0 || d->build_number == NULL ||
		    snprintf(num, sizeof(num), "%lld", (long long)number) < 0 ||
		    strcmp(num, d->build_number) != 0) {
			r = ml_fail(ML_SOURCE_REPO,
			            "drone api answered for another build than '%s'",
			            d->build_number != NULL ? d->build_number : "");
			goto out;
		}
	}
	if ((ref = json_string(root, "ref")) != NULL && drone_is_pull_ref(ref)) {
		r = ml_fail(ML_PULL_REQUEST,
		            "drone api says the build originates from pull request "
		            "ref '%s'",
		            ref);
		goto out;
	}
	if ((event = json_string(root, "event")) != NULL && strcmp(event, "pull_request") == 0) {
		r = ml_fail(ML_PULL_REQUEST, "drone api says the build event is 'pull_request'");
		goto out;
	}
	if ((after = json_string(root, "after")) != NULL && d->commit_sha != NULL &&
	    strcmp(after, d->commit_sha) != 0) {
		r = ml_fail(ML_SOURCE_REPO, "drone api says the build is of commit '%s', not '%s'",
		            after, d->commit_sha);
		goto out;
	}
	if ((r = check_parameters(c, root)) != 0)
		goto out;
	r = 0;
out:
	cJSON_Delete(root);
	return r;
}

int drone_api_check_build(const struct config *c)
{
	const struct drone_context *d = &c->drone;
	struct http_response res;
	struct http_request req;
	struct buf url, auth;
	const char *headers[3];
	int r = ML_SOURCE_REPO;

	buf_init(&url, 4096);
	buf_init(&auth, CONFIG_VALUE_MAX + 64);
	http_response_init(&res, DRONE_API_BODY_MAX);
	if (c->drone_token == NULL) {
		r = ml_fail(ML_CONFIG,
		            "cannot ask the drone api: setting 'drone_token' is not set");
		goto out;
	}
	if ((r = need(d->system_proto, "DRONE_SYSTEM_PROTO")) != 0 ||
	    (r = need(d->system_host, "DRONE_SYSTEM_HOST")) != 0 ||
	    (r = need(d->repo_owner, "DRONE_REPO_OWNER")) != 0 ||
	    (r = need(d->repo_name, "DRONE_REPO_NAME")) != 0 ||
	    (r = need(d->build_number, "DRONE_BUILD_NUMBER")) != 0 ||
	    (r = need(d->repo, "DRONE_REPO")) != 0)
		goto out;
	if (strcmp(d->system_proto, "http") != 0 && strcmp(d->system_proto, "https") != 0) {
		r = ml_fail(ML_CONFIG, "cannot ask the drone api: unsupported protocol '%s'",
		            d->system_proto);
		goto out;
	}
	if (!only_chars(d->system_host, ".-:[]", 1) || !only_chars(d->repo_owner, "._-", 1) ||
	    !only_chars(d->repo_name, "._-", 1) || !only_chars(d->build_number, "0123456789", 0)) {
		r = ml_fail(ML_CONFIG,
		            "cannot ask the drone api: invalid host, repository or build "
		            "number in the DRONE_* context");
		goto out;
	}
	if (buf_printf(&url, "%s://%s/api/repos/%s/%s/builds/%s", d->system_proto, d->system_host,
	               d->repo_owner, d->repo_name, d->build_number) < 0 ||
	    buf_printf(&auth, "Authorization: Bearer %s", c->drone_token) < 0) {
		r = ml_fail(ML_CONFIG, "cannot ask the drone api: request too large");
		goto out;
	}
	headers[0] = buf_cstr(&auth);
	headers[1] = "Accept: application/json";
	headers[2] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = buf_cstr(&url);
	req.headers = headers;
	req.timeout_ms = DRONE_API_TIMEOUT_MS;
	req.what = "drone api";
	/*
	 * A proxy variable may be a build parameter, and the answer is what tells
	 * parameters apart: over http such a proxy could answer for Drone, so
	 * the request goes direct. Over https it only carries the TLS stream
	 * (CONNECT), which it can stop but not read or forge, and the answer then
	 * names it if it was a parameter.
	 */
	req.direct = strcmp(d->system_proto, "https") != 0;
	if ((r = http_request(&req, &res, ML_SOURCE_REPO)) != 0) {
		ml_fail_override(ML_SOURCE_REPO, "cannot ask the drone api at '%s': %s",
		                 buf_cstr(&url), ml_error_message());
		r = ML_SOURCE_REPO;
		goto out;
	}
	if (res.status != 200) {
		r = ml_fail(ML_SOURCE_REPO, "drone api answered %ld for build '%s' of '%s'",
		            res.status, d->build_number, d->repo);
		goto out;
	}
	if ((r = drone_api_check_answer(c, buf_cstr(&res.body), res.body.len)) != 0)
		goto out;
	r = 0;
out:
	if (auth.data != NULL)
		explicit_bzero(auth.data, auth.len);
	buf_release(&auth);
	buf_release(&url);
	http_response_release(&res);
	return r;
}
