#include "plugin/drone_context.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/encoding.h"
#include "common/error.h"

#define DRONE_VALUE_MAX (1u << 20) /* as long as any setting's value */
/* The largest build number: the record writes it as a JSON number, exact up to 2^53 - 1. */
#define DRONE_NUMBER_MAX 9007199254740991LL

/* What a variable's value must be, besides one line of UTF-8 text. */
enum drone_kind {
	DRONE_TEXT,
	DRONE_COMMIT, /* a commit id: 40 or 64 hex digits, stored lower case */
	DRONE_NUMBER, /* a decimal number from 0 to DRONE_NUMBER_MAX, no sign, no leading zero */
};

struct drone_var {
	const char *name;
	size_t off;
	enum drone_kind kind;
};

#define D(nm, field, kind)                                                                         \
	{                                                                                          \
		nm, offsetof(struct drone_context, field), kind                                    \
	}
static const struct drone_var drone_vars[] = {
    D("DRONE_BUILD_EVENT", build_event, DRONE_TEXT),
    D("DRONE_COMMIT_REF", commit_ref, DRONE_TEXT),
    D("DRONE_COMMIT_SHA", commit_sha, DRONE_COMMIT),
    D("DRONE_COMMIT_BRANCH", commit_branch, DRONE_TEXT),
    D("DRONE_TAG", tag, DRONE_TEXT),
    D("DRONE_SOURCE_BRANCH", source_branch, DRONE_TEXT),
    D("DRONE_TARGET_BRANCH", target_branch, DRONE_TEXT),
    D("DRONE_PULL_REQUEST", pull_request, DRONE_TEXT),
    D("DRONE_REPO", repo, DRONE_TEXT),
    D("DRONE_REPO_OWNER", repo_owner, DRONE_TEXT),
    D("DRONE_REPO_NAME", repo_name, DRONE_TEXT),
    D("DRONE_BUILD_NUMBER", build_number, DRONE_NUMBER),
    D("DRONE_BUILD_PARENT", build_parent, DRONE_NUMBER),
    D("DRONE_BUILD_LINK", build_link, DRONE_TEXT),
    D("DRONE_SYSTEM_PROTO", system_proto, DRONE_TEXT),
    D("DRONE_SYSTEM_HOST", system_host, DRONE_TEXT),
    D("DRONE_DEPLOY_TO", deploy_to, DRONE_TEXT),
    D("DRONE_STEP_NAME", step_name, DRONE_TEXT),
    D("DRONE_STAGE_NAME", stage_name, DRONE_TEXT),
    D("DRONE_WORKSPACE", workspace, DRONE_TEXT),
    D("DRONE_DOCKER_NETWORK_ID", docker_network, DRONE_TEXT),
    D("DRONE_CARD_PATH", card_path, DRONE_TEXT),
    D("DRONE_REPO_LINK", repo_link, DRONE_TEXT),
    D("DRONE_GIT_HTTP_URL", git_http_url, DRONE_TEXT),
    D("DRONE_NETRC_MACHINE", netrc_machine, DRONE_TEXT),
    D("DRONE_NETRC_USERNAME", netrc_username, DRONE_TEXT),
    D("DRONE_NETRC_PASSWORD", netrc_password, DRONE_TEXT),
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

static int is_number(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n > 16 || strspn(v, "0123456789") != n || (v[0] == '0' && n > 1))
		return 0;
	return strtoll(v, NULL, 10) <= DRONE_NUMBER_MAX;
}

/*
 * The checks of one value. The messages name the variable and the problem,
 * never the value: it may be the netrc password, and a refused value may
 * hold the very bytes a terminal must not see.
 */
static int check_value(const struct drone_var *var, const char *v)
{
	size_t n = strlen(v), i;

	if (n > DRONE_VALUE_MAX)
		return ml_fail(ML_CONFIG, "variable '%s' is too large", var->name);
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return ml_fail(ML_CONFIG,
			               "variable '%s' holds a control character (byte %zu)",
			               var->name, i + 1);
	if (!utf8_is_valid(v, n))
		return ml_fail(ML_CONFIG, "variable '%s' is not valid UTF-8", var->name);
	switch (var->kind) {
	case DRONE_COMMIT:
		if ((n != 40 && n != 64) || !hex_is_digits(v, n))
			return ml_fail(ML_CONFIG,
			               "variable '%s' is not a commit id (40 or 64 hex digits)",
			               var->name);
		break;
	case DRONE_NUMBER:
		if (!is_number(v))
			return ml_fail(
			    ML_CONFIG,
			    "variable '%s' is not a build number (a decimal integer from 0 "
			    "to %lld, no sign or leading zero)",
			    var->name, DRONE_NUMBER_MAX);
		break;
	case DRONE_TEXT:
		break;
	}
	return 0;
}

int drone_context_read(struct drone_context *d, const char *entry, uint32_t *seen)
{
	const char *v = strchr(entry, '=') + 1;
	char *copy, *p;
	size_t i;
	int r;

	for (i = 0; i < DRONE_VAR_COUNT && !name_is(entry, drone_vars[i].name); i++)
		;
	if (i == DRONE_VAR_COUNT)
		return 0;
	if (*seen & (1u << i))
		return ml_fail(ML_CONFIG, "variable '%s' appears twice", drone_vars[i].name);
	*seen |= 1u << i;
	if (*v == '\0')
		return 0;
	if ((r = check_value(&drone_vars[i], v)) != 0)
		return r;
	if ((copy = strdup(v)) == NULL)
		return ml_fail(ML_IO, "out of memory");
	if (drone_vars[i].kind == DRONE_COMMIT)
		for (p = copy; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	*field(d, i) = copy;
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
