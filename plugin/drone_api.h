/*
 * The Drone API lookup of a build's origin: GET
 * {DRONE_SYSTEM_PROTO}://{DRONE_SYSTEM_HOST}/api/repos/{owner}/{name}/builds/{number}
 * with the drone_token as a bearer token, through common/http.h: where the
 * build came from, and which variables of the step's environment are build
 * parameters.
 */
#ifndef MAINLINE_DRONE_API_H
#define MAINLINE_DRONE_API_H

#include "plugin/config.h"

#define DRONE_API_BODY_MAX (1u << 20)
#define DRONE_API_TIMEOUT_MS 30000L

/*
 * Asks the Drone API about the current build and checks its answer:
 * source_repo must be present and empty or equal to DRONE_REPO, fork (when
 * present) false, and the build's number, ref, event and commit (when
 * present) must agree with the DRONE_* context. No build parameter (params)
 * may name a setting, a variable mainline reads or one passed to the
 * pipeline (config_env_use). Fails closed: a missing token or context, an
 * unreachable server, a non-200 answer or JSON that is not as expected all
 * refuse. The request never goes through a proxy named in the environment.
 * Returns 0, ML_SOURCE_REPO, ML_PULL_REQUEST, ML_BUILD_PARAMETER or
 * ML_CONFIG (with ml_fail). The token is never part of a message, nor is a
 * parameter's value.
 */
int drone_api_check_build(const struct config *c);

/*
 * Checks one API answer (the JSON body) against the context; exposed for
 * tests and fuzzing. Same returns as drone_api_check_build.
 */
int drone_api_check_answer(const struct config *c, const char *body, size_t len);

#endif
