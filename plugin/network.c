#include "plugin/network.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "docker/container.h"

static int name_chars_valid(const char *s, size_t max)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > max || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return 0;
	return 1;
}

int network_name_valid(const char *s)
{
	if (strncmp(s, "container:", 10) == 0)
		s += 10;
	return name_chars_valid(s, SELF_NETWORK_NAME_MAX - 1);
}

static void add(struct network_plan *out, const char *name)
{
	size_t n;

	for (n = 0; out->names[n] != NULL; n++)
		if (strcmp(out->names[n], name) == 0)
			return;
	if (n == SELF_NETWORKS_MAX)
		return;
	snprintf(out->storage[n], sizeof(out->storage[n]), "%s", name);
	out->names[n] = out->storage[n];
	out->names[n + 1] = NULL;
}

/*
 * The build's networks: DRONE_DOCKER_NETWORK_ID, else the user-defined
 * networks of mainline's own container (Woodpecker's build network and an
 * agent's extra one, as its steps have them). 0 with them in out (none
 * found: out->names empty), or a reason code.
 */
static int build_networks(struct network_plan *out, const struct config *c,
                          const struct self_container *self)
{
	char names[SELF_NETWORKS_MAX][SELF_NETWORK_NAME_MAX];
	const char *id = c->drone.docker_network;
	int n, i, r;

	if (id != NULL) {
		if (!network_name_valid(id) || container_network_is_mode(id))
			return ml_fail(
			    ML_CONFIG,
			    "DRONE_DOCKER_NETWORK_ID does not name a network of the build "
			    "(a user-defined network's name, not one of the engine's modes)");
		add(out, id);
		snprintf(out->why, sizeof(out->why),
		         "the build's network (DRONE_DOCKER_NETWORK_ID)");
		return 0;
	}
	if (!self->found) {
		snprintf(out->why, sizeof(out->why), "no build network: %.200s", self->why);
		return 0;
	}
	if ((r = self_networks((const char *)self->inspect.data, self->inspect.len, names,
	                       SELF_NETWORKS_MAX, &n)) != 0)
		return r;
	for (i = 0; i < n; i++)
		if (network_name_valid(names[i]))
			add(out, names[i]);
	snprintf(out->why, sizeof(out->why), "%s",
	         out->names[0] != NULL ? "the networks of mainline's own container"
	                               : "no build network: mainline's own container is on none");
	return 0;
}

static int is_build_network(const struct network_plan *build, const char *name)
{
	size_t i;

	for (i = 0; build->names[i] != NULL; i++)
		if (strcmp(build->names[i], name) == 0)
			return 1;
	return 0;
}

/* "<step>-pipeline" when the step name is fit for a DNS name. */
static void make_alias(struct network_plan *out, const struct config *c)
{
	const char *step = c->drone.step_name;
	size_t i;

	if (step == NULL || strlen(step) + strlen(NETWORK_ALIAS_SUFFIX) > 63 ||
	    !name_chars_valid(step, 63))
		return;
	snprintf(out->alias, sizeof(out->alias), "%s%s", step, NETWORK_ALIAS_SUFFIX);
	for (i = 0; out->alias[i] != '\0'; i++)
		out->alias[i] = (char)tolower((unsigned char)out->alias[i]);
	out->aliases[0] = out->alias;
	out->aliases[1] = NULL;
}

int network_plan(struct network_plan *out, const struct config *c,
                 const struct self_container *self)
{
	struct network_plan build;
	const char *want = (c->set & CONFIG_BIT(CK_NETWORK)) ? c->network : NULL;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&build, 0, sizeof(build));
	make_alias(out, c);
	if (want != NULL && strcmp(want, "none") == 0) {
		add(out, "none");
		snprintf(out->why, sizeof(out->why), "setting 'network'");
		return 0;
	}
	if ((r = build_networks(&build, c, self)) != 0)
		return r;
	if (want == NULL) {
		memcpy(out->storage, build.storage, sizeof(out->storage));
		for (r = 0; build.names[r] != NULL; r++)
			out->names[r] = out->storage[r];
		snprintf(out->why, sizeof(out->why), "%s", build.why);
		return 0;
	}
	/* the baked policy pins the setting (policy.c): a value other than none is its own */
	if (!(c->has_baked && (c->baked & CONFIG_BIT(CK_NETWORK))) &&
	    !is_build_network(&build, want))
		return ml_fail(
		    ML_POLICY_WIDENED,
		    "setting 'network' names '%s': a setting may name only 'none' or the "
		    "build's network; another network needs a baked policy that names "
		    "it",
		    want);
	add(out, want);
	snprintf(out->why, sizeof(out->why), "setting 'network'");
	return 0;
}
