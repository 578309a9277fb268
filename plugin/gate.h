/*
 * The gate: decides from the Drone build context alone (no network I/O)
 * whether this build may run pipeline code at all, then optionally asks the
 * Drone API where the build came from (setting drone_token). See
 * docs/settings.md ("The gate") for the rules.
 */
#ifndef MAINLINE_GATE_H
#define MAINLINE_GATE_H

#include "common/reason.h"
#include "plugin/config.h"

struct gate_result {
	enum ml_reason reason; /* ML_OK only when every check passed */
	char message[512];     /* one line: "event 'pull_request' is not allowed" */
};

/*
 * The local rules: event allowed, no pull request origin (any event whose
 * DRONE_COMMIT_REF is a pull request ref, see drone_is_pull_ref, or with
 * DRONE_PULL_REQUEST set), branch patterns for push/cron/custom, tag
 * patterns for tag builds. out starts as a refusal and only a full pass
 * sets ML_OK. Returns out->reason; a refusal is also recorded with ml_fail.
 */
int gate_check_local(const struct config *c, struct gate_result *out);

/*
 * gate_check_local(), then build parameters: when the drone_token setting
 * is present, the Drone API lookup (drone_api.h) checks the build's origin
 * and its parameters; without it, a build that may carry parameters (a
 * promote, rollback or custom build, or any restarted build) is refused with
 * ML_BUILD_PARAMETER unless the baked policy pins every setting present and
 * nothing else that decides the run could be a parameter
 * (drone_may_have_parameters). A drone_token that arrived empty (a withheld
 * secret) refuses with ML_CONFIG: the check was asked for and cannot run.
 * Returns out->reason.
 */
int gate_check(const struct config *c, struct gate_result *out);

/* fnmatch-style match as Drone's `when` does it ('*' does not cross '/'). */
int gate_pattern_match(const char *pattern, const char *s);

#endif
