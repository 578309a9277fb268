/*
 * Where a run's rollback floor lives, and so whether it outlives the build
 * (docs/shared-state.md): in the shared state (state_url), in a cache that
 * persists on the runner (a bind mount or a named volume of mainline's own
 * container, or a machine's disk when mainline does not run in a container),
 * or in a cache that goes with the build: the container's own layer, a tmpfs,
 * an anonymous volume, or a volume Drone made for the build (it carries
 * Drone's io.drone.expires label and is removed afterwards). Then a
 * force-push back to an older signed commit would pass the next build
 * unseen: plugin mode warns and the record says "ephemeral", and a policy's
 * require_shared_state refuses the run without a shared state at all.
 */
#ifndef MAINLINE_ROLLBACK_STATE_H
#define MAINLINE_ROLLBACK_STATE_H

#include <stddef.h>

#include "plugin/config.h"

enum rollback_state {
	ROLLBACK_STATE_UNKNOWN = 0, /* the engine could not tell (the record says null) */
	ROLLBACK_STATE_SHARED,
	ROLLBACK_STATE_LOCAL,
	ROLLBACK_STATE_EPHEMERAL,
};

/* "shared", "local", "ephemeral"; NULL for ROLLBACK_STATE_UNKNOWN. */
const char *rollback_state_name(enum rollback_state s);

/*
 * The rollback state of a run configured by c: shared with state_url, else
 * what mainline's own container (self.h) says of the mount holding c->cache,
 * asking the engine of the environment (DOCKER_HOST). why receives a
 * sentence for the log (the mount, or why it could not be told). Never
 * fails: an engine that does not answer leaves ROLLBACK_STATE_UNKNOWN.
 */
enum rollback_state rollback_state_find(const struct config *c, char *why, size_t why_len);

/*
 * Whether the policy's require_shared_state refuses c: ML_NO_SHARED_STATE
 * (with its message) when it is set and state_url is not, else 0.
 */
int rollback_state_required(const struct config *c);

/* Pure helpers (unit tested). */

/*
 * From an engine's answer to GET /volumes/{name}: 1 when the volume is one
 * the CI system removes after the build (Drone's io.drone.expires label), 0
 * when not, ML_ENGINE_ERROR when malformed.
 */
int rollback_state_volume_is_temporary(const char *json, size_t len);

#endif
