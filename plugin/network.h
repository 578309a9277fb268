/*
 * The pipeline container's networks: the build's own network, so that the
 * build's services answer to their names as from any other step. Drone
 * names it in DRONE_DOCKER_NETWORK_ID (its name, "drone-<20 random>");
 * Woodpecker names none, and mainline's own container is on it, so it is
 * read from that container's inspect answer (self.h), as under Drone when
 * the variable is absent. The `network` setting overrides: `none`, the
 * build's network, or a network the baked policy names. See
 * docs/settings.md ("The pipeline's network").
 */
#ifndef MAINLINE_NETWORK_H
#define MAINLINE_NETWORK_H

#include "plugin/config.h"
#include "plugin/self.h"

#define NETWORK_ALIAS_SUFFIX "-pipeline"

struct network_plan {
	/* the networks, the first one at create; none: the engine's default */
	const char *names[SELF_NETWORKS_MAX + 1];
	char storage[SELF_NETWORKS_MAX][SELF_NETWORK_NAME_MAX];
	/* "<step name>-pipeline" on user-defined networks, when the step name can be a DNS name */
	const char *aliases[2];
	char alias[SELF_NETWORK_NAME_MAX];
	char why[256]; /* where the networks came from, for the log */
};

/*
 * Decides the networks of the pipeline container from c (its `network`
 * setting, the DRONE_DOCKER_NETWORK_ID of its context, the baked policy's
 * pin) and mainline's own container. 0; ML_CONFIG for a
 * DRONE_DOCKER_NETWORK_ID that names one of the engine's own modes;
 * ML_POLICY_WIDENED for a setting that names a network other than `none`
 * and the build's without the baked policy naming it; ML_ENGINE_ERROR for
 * an inspect answer that cannot be read.
 */
int network_plan(struct network_plan *out, const struct config *c,
                 const struct self_container *self);

/* Whether s can name a network: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 255 bytes, or "container:<that>". */
int network_name_valid(const char *s);

#endif
