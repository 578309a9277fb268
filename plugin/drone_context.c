#include "plugin/drone_context.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#define DRONE_VALUE_MAX (1u << 20) /* as long as any setting's value */

struct drone_var {
	const char *name;
	size_t off;
};

#define D(nm, field)                                                                               \
	{                                                                                          \
		nm, offsetof(struct drone_context, field)                                          \
	}
static const struct drone_var drone_vars[] = {
    D("DRONE_BUILD_EVENT", build_event),
    D("DRONE_COMMIT_REF", commit_ref),
    D("DRONE_COMMIT_SHA", commit_sha),
    D("DRONE_COMMIT_BRANCH", commit_branch),
    D("DRONE_TAG", tag),
    D("DRONE_SOURCE_BRANCH", source_branch),
    D("DRONE_TARGET_BRANCH", target_branch),
    D("DRONE_PULL_REQUEST", pull_request),
    D("DRONE_REPO", repo),
    D("DRONE_REPO_OWNER", repo_owner),
    D("DRONE_REPO_NAME", repo_name),
    D("DRONE_BUILD_NUMBER", build_number),
    D("DRONE_BUILD_PARENT", build_parent),
    D("DRONE_BUILD_LINK", build_link),
    D("DRONE_SYSTEM_PROTO", system_proto),
    D("DRONE_SYSTEM_HOST", system_host),
    D("DRONE_DEPLOY_TO", deploy_to),
    D("DRONE_STEP_NAME", step_name),
    D("DRONE_STAGE_NAME", stage_name),
    D("DRONE_WORKSPACE", workspace),
    D("DRONE_CARD_PATH", card_path),
    D("DRONE_REPO_LINK", repo_link),
    D("DRONE_GIT_HTTP_URL", git_http_url),
    D("DRONE_NETRC_MACHINE", netrc_machine),
    D("DRONE_NETRC_USERNAME", netrc_username),
    D("DRONE_NETRC_PASSWORD", netrc_password),
};
#define DRONE_VAR_COUNT (sizeof(drone_vars) / sizeof(drone_vars[0]))

static char **field(struct drone_context *d, size_t i)
{
	return (char **)(void *)((char *)d + drone_vars[i].off);
}

static int name_is(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

int drone_context_read(struct drone_context *d, const char *entry, uint32_t *seen)
{
	const char *v = strchr(entry, '=') + 1;
	size_t i;

	for (i = 0; i < DRONE_VAR_COUNT && !name_is(entry, drone_vars[i].name); i++)
		;
	if (i == DRONE_VAR_COUNT)
		return 0;
	if (*seen & (1u << i))
		return ml_fail(ML_CONFIG, "variable '%s' appears twice", drone_vars[i].name);
	*seen |= 1u << i;
	if (*v == '\0')
		return 0;
	if (strlen(v) > DRONE_VALUE_MAX)
		return ml_fail(ML_CONFIG, "variable '%s' is too large", drone_vars[i].name);
	if ((*field(d, i) = strdup(v)) == NULL)
		return ml_fail(ML_IO, "out of memory");
	return 0;
}

void drone_context_release(struct drone_context *d)
{
	size_t i;

	if (d->netrc_password != NULL)
		explicit_bzero(d->netrc_password, strlen(d->netrc_password));
	for (i = 0; i < DRONE_VAR_COUNT; i++) {
		free(*field(d, i));
		*field(d, i) = NULL;
	}
}

int drone_event_is_known(const char *event)
{
	static const char *const events[] = {"push",     "pull_request", "tag",    "promote",
	                                     "rollback", "cron",         "custom", NULL};
	size_t i;

	for (i = 0; events[i] != NULL; i++)
		if (strcmp(events[i], event) == 0)
			return 1;
	return 0;
}

int drone_is_pull_ref(const char *ref)
{
	/* GitHub and Gitea, GitLab, Bitbucket, Harness/Gitness */
	static const char *const prefixes[] = {"refs/pull/", "refs/merge-requests/",
	                                       "refs/pull-requests/", "refs/pullreq/", NULL};
	size_t i;

	for (i = 0; prefixes[i] != NULL; i++)
		if (strncmp(ref, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

int drone_event_takes_parameters(const char *ev)
{
	return ev != NULL && (strcmp(ev, "promote") == 0 || strcmp(ev, "rollback") == 0 ||
	                      strcmp(ev, "custom") == 0);
}

int drone_may_have_parameters(const struct drone_context *d)
{
	/* a restart keeps the event and the parameters of the build it restarts */
	return drone_event_takes_parameters(d->build_event) ||
	       (d->build_parent != NULL && strcmp(d->build_parent, "0") != 0);
}
