/*
 * Woodpecker CI, Drone's fork, runs Drone-style plugins: settings arrive as
 * PLUGIN_*, the build context as Woodpecker's CI_* variables, and a plugin
 * step gets a partial DRONE_* copy of them (no DRONE_WORKSPACE, card path or
 * netrc; Woodpecker's own event names). This module recognises Woodpecker
 * (CI=woodpecker, which Drone never sets: it sets CI=true, and legacy CI_*
 * variables of its own) and maps its context onto the Drone context, so the
 * gate keeps its semantics. See docs/woodpecker.md.
 */
#ifndef MAINLINE_WOODPECKER_H
#define MAINLINE_WOODPECKER_H

#include "plugin/drone_context.h"

/* Whether envp is a Woodpecker step's environment: CI is exactly "woodpecker". */
int woodpecker_detected(char **envp);

/*
 * The Drone event a Woodpecker event stands for: push, tag and cron as
 * they are, release as tag, deployment as promote, manual as custom, and
 * every pull_request* event as pull_request. NULL for an event Woodpecker
 * does not define.
 */
const char *woodpecker_event_to_drone(const char *event);

/*
 * Replaces d with the context envp's CI_* variables give, each handed to
 * drone_context_read() under the DRONE_* name it means (so one reader
 * checks both), and marks it d->woodpecker. The step must be a plugin step
 * (its DRONE_* copy present, CI_STEP_TYPE "plugin" where Woodpecker sets
 * it), every DRONE_* variable of that copy must agree with the CI_* one it
 * copies, and no CI_* variable may appear twice; otherwise ML_CONFIG naming
 * the variable, and d is left as it was. A value the reader refuses fails
 * as under Drone: ML_CONFIG naming the CI_* variable, with the rest of the
 * context still in d for the record. 0, ML_CONFIG or ML_IO.
 */
int woodpecker_context_read(struct drone_context *d, char **envp);

#endif
