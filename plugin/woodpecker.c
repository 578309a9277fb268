#include "plugin/woodpecker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/*
 * The CI_* variable behind each Drone context variable mainline reads.
 * `copied`: Woodpecker's DRONE_* copy carries it too (drone_compatibility.go),
 * so the two must agree; the gate decides on these.
 */
static const struct mapping {
	const char *ci;
	const char *drone;
	int copied;
} mappings[] = {
    {"CI_PIPELINE_EVENT", "DRONE_BUILD_EVENT", 1},
    {"CI_COMMIT_REF", "DRONE_COMMIT_REF", 1},
    {"CI_COMMIT_SHA", "DRONE_COMMIT_SHA", 1},
    {"CI_COMMIT_BRANCH", "DRONE_COMMIT_BRANCH", 1},
    {"CI_COMMIT_TAG", "DRONE_TAG", 1},
    {"CI_COMMIT_SOURCE_BRANCH", "DRONE_SOURCE_BRANCH", 1},
    {"CI_COMMIT_TARGET_BRANCH", "DRONE_TARGET_BRANCH", 1},
    {"CI_COMMIT_PULL_REQUEST", "DRONE_PULL_REQUEST", 1},
    {"CI_REPO", "DRONE_REPO", 1},
    {"CI_REPO_OWNER", "DRONE_REPO_OWNER", 1},
    {"CI_REPO_NAME", "DRONE_REPO_NAME", 1},
    {"CI_PIPELINE_NUMBER", "DRONE_BUILD_NUMBER", 1},
    {"CI_PIPELINE_PARENT", "DRONE_BUILD_PARENT", 1},
    {"CI_PIPELINE_URL", "DRONE_BUILD_LINK", 0},
    {"CI_PIPELINE_DEPLOY_TARGET", "DRONE_DEPLOY_TO", 0},
    {"CI_STEP_NAME", "DRONE_STEP_NAME", 0},
    {"CI_WORKFLOW_NAME", "DRONE_STAGE_NAME", 0},
    {"CI_WORKSPACE", "DRONE_WORKSPACE", 0},
    {"CI_REPO_URL", "DRONE_REPO_LINK", 0},
    {"CI_REPO_CLONE_URL", "DRONE_GIT_HTTP_URL", 0},
};

/* pipeline/frontend/metadata/const.go: Woodpecker's events and the Drone event each stands for */
static const struct {
	const char *woodpecker, *drone;
} events[] = {
    {"push", "push"},
    {"tag", "tag"},
    {"cron", "cron"},
    {"release", "tag"},        /* a release publishes a tag: gated as the tag */
    {"deployment", "promote"}, /* a deployment restarts a pipeline with its ref */
    {"manual", "custom"},      /* a pipeline started by hand */
    {"pull_request", "pull_request"},
    {"pull_request_closed", "pull_request"},   /* Bitbucket: ref refs/heads/<target> */
    {"pull_request_metadata", "pull_request"}, /* labels, milestone, ... changed */
};

/* The non-empty value of name in envp, or NULL; ML_CONFIG when the name appears twice. */
static int lookup(char **envp, const char *name, const char **out)
{
	size_t n = strlen(name);

	*out = NULL;
	for (; envp != NULL && *envp != NULL; envp++) {
		if (strncmp(*envp, name, n) != 0 || (*envp)[n] != '=')
			continue;
		if (*out != NULL)
			return ml_fail(ML_CONFIG, "variable '%s' appears twice", name);
		*out = *envp + n + 1;
	}
	if (*out != NULL && **out == '\0')
		*out = NULL;
	return 0;
}

int woodpecker_detected(char **envp)
{
	const char *ci = NULL;
	size_t i;

	for (i = 0; envp != NULL && envp[i] != NULL && ci == NULL; i++)
		if (strncmp(envp[i], "CI=", 3) == 0)
			ci = envp[i] + 3;
	return ci != NULL && strcmp(ci, "woodpecker") == 0;
}

const char *woodpecker_event_to_drone(const char *event)
{
	size_t i;

	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		if (strcmp(events[i].woodpecker, event) == 0)
			return events[i].drone;
	return NULL;
}

/* Hands "DRONE_NAME=value" to the Drone context reader. */
static int read_as_drone(struct drone_context *d, const char *drone, const char *value,
                         uint32_t *seen)
{
	size_t n = strlen(drone) + 1 + strlen(value) + 1;
	char *entry = malloc(n);
	int r;

	if (entry == NULL)
		return ml_fail(ML_IO, "out of memory");
	snprintf(entry, n, "%s=%s", drone, value);
	r = drone_context_read(d, entry, seen);
	free(entry);
	return r;
}

/*
 * The first refused value's message names the variable it came from, not
 * the Drone name it was read under.
 */
static void name_source(const char *drone, const char *ci)
{
	char message[512], quoted[64];
	const char *msg = ml_error_message(), *at;
	int n = snprintf(quoted, sizeof(quoted), "'%s'", drone);

	if (n < 0 || (size_t)n >= sizeof(quoted) || (at = strstr(msg, quoted)) == NULL)
		return;
	snprintf(message, sizeof(message), "%.*s'%s'%s", (int)(at - msg), msg, ci, at + n);
	ml_fail_override(ml_error_reason(), "%s", message);
}

/* A plugin step, as Woodpecker tells it: only plugin steps get the DRONE_* copy. */
static int check_plugin_step(char **envp)
{
	const char *type, *copy;
	int r;

	if ((r = lookup(envp, "CI_STEP_TYPE", &type)) != 0 ||
	    (r = lookup(envp, "DRONE_BUILD_EVENT", &copy)) != 0)
		return r;
	if (type != NULL && strcmp(type, "plugin") != 0)
		return ml_fail(ML_CONFIG,
		               "mainline runs as a Woodpecker plugin step (settings, and no "
		               "commands, entrypoint or environment), not as a '%.32s' step",
		               type);
	if (copy == NULL)
		return ml_fail(ML_CONFIG,
		               "CI=woodpecker but DRONE_BUILD_EVENT is not set: Woodpecker gives "
		               "its DRONE_* copy to plugin steps only, so run mainline as one "
		               "(settings, and no commands, entrypoint or environment)");
	return 0;
}

int woodpecker_context_read(struct drone_context *d, char **envp)
{
	struct drone_context w;
	const char *ci, *copy, *value, *drone_event;
	uint32_t seen = 0;
	size_t i;
	int r, refused = 0;

	memset(&w, 0, sizeof(w));
	if ((r = check_plugin_step(envp)) != 0)
		goto out;
	for (i = 0; i < sizeof(mappings) / sizeof(mappings[0]); i++) {
		const struct mapping *m = &mappings[i];

		if ((r = lookup(envp, m->ci, &ci)) != 0 ||
		    (m->copied && (r = lookup(envp, m->drone, &copy)) != 0))
			goto out;
		if (m->copied && (ci == NULL) != (copy == NULL)) {
			r = ml_fail(ML_CONFIG, "%s is %s but %s is %s (CI=woodpecker)", m->drone,
			            copy != NULL ? "set" : "not set", m->ci,
			            ci != NULL ? "set" : "not set");
			goto out;
		}
		if (m->copied && ci != NULL && strcmp(ci, copy) != 0) {
			r = ml_fail(ML_CONFIG,
			            "%s '%.200s' disagrees with %s '%.200s' (CI=woodpecker)",
			            m->drone, copy, m->ci, ci);
			goto out;
		}
		if (ci == NULL)
			continue;
		value = ci;
		if (strcmp(m->ci, "CI_PIPELINE_EVENT") == 0 &&
		    (drone_event = woodpecker_event_to_drone(ci)) != NULL)
			value = drone_event;
		/* as under Drone, a refused value fails the run once the rest is read */
		if ((r = read_as_drone(&w, m->drone, value, &seen)) != 0) {
			if (r != ML_CONFIG)
				goto out;
			if (refused == 0)
				name_source(m->drone, m->ci);
			refused = refused != 0 ? refused : r;
		} else if (strcmp(m->ci, "CI_PIPELINE_EVENT") == 0) {
			snprintf(w.woodpecker_event, sizeof(w.woodpecker_event), "%s", ci);
		}
	}
	w.woodpecker = 1;
	drone_context_release(d);
	*d = w;
	memset(&w, 0, sizeof(w)); /* transferred */
	r = refused;
out:
	drone_context_release(&w);
	return r;
}
