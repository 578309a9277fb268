/*
 * The build's own commit, checked at the gate (setting gate_commit): for
 * release and tag builds, the commit Drone is building
 * (DRONE_COMMIT_SHA) must lie on the first-parent line of the project's main
 * branch, fetched from the project's own repository (DRONE_GIT_HTTP_URL) into
 * the cache. Drone's shallow clone of a tag does not hold main, so the
 * workspace cannot answer this on its own.
 */
#ifndef MAINLINE_GATE_COMMIT_H
#define MAINLINE_GATE_COMMIT_H

#include <signal.h>

#include "plugin/config.h"

/*
 * Also, for tag builds when tag signers are set (tag_allowed_signers,
 * tag_keyring): DRONE_TAG must be an annotated tag of DRONE_COMMIT_SHA,
 * signed by one of them. Does nothing when neither check is asked for.
 *
 * 0 when the build's commit is on the line; ML_NOT_ON_BRANCH when it is not;
 * ML_UNSIGNED, ML_TAG_NOT_ALLOWED or a signature reason for the tag;
 * ML_CONFIG when the Drone context lacks what the check needs;
 * ML_FETCH_FAILED when the project cannot be fetched (within
 * c->fetch_timeout); ML_CANCELED when cancel (a signal handler's flag, may
 * be NULL) is set while waiting for the cache or fetching.
 */
int gate_commit_check(const struct config *c, const volatile sig_atomic_t *cancel);

#endif
