/*
 * The environment mainline runs in: the reader of PLUGIN_* settings and the
 * DRONE_* build context, and one table (config_env.c) of every other
 * variable mainline reads or hands to the pipeline.
 */
#ifndef MAINLINE_CONFIG_ENV_H
#define MAINLINE_CONFIG_ENV_H

#include <stddef.h>

#include "plugin/config.h"

/*
 * Reads every PLUGIN_* and DRONE_* variable from envp (NULL-terminated
 * "NAME=value" strings) into out, which the caller has config_init()ed, and
 * notes which settings and CONFIG_ENV_RUN variables are present (in_env,
 * run_var). Under Woodpecker (CI=woodpecker) the context comes from its CI_*
 * variables instead (woodpecker.h).
 * Unknown PLUGIN_* names fail with ML_CONFIG unless out->ignore_settings
 * (the baked policy's, filled by the caller) or MAINLINE_IGNORE_SETTINGS
 * name them (ignored_settings.h); repeated names and invalid values fail with
 * ML_CONFIG naming the setting; a refused DRONE_* value (drone_context.h)
 * fails with ML_CONFIG once the other variables are read, so the record
 * still gets the rest of the context; an unreadable file named by a
 * contents-or-path setting fails with ML_CONFIG too. A present but empty
 * value counts as unset (and is remembered in out->empty). Defaults are not
 * applied here (see config_finish), so the policy ceiling can tell what the
 * settings asked for. Returns 0 or an ml_reason.
 */
int config_from_env(struct config *out, char **envp);

/* The value of name in envp ("NAME=value" strings, exact name), or NULL. */
const char *config_env_lookup(char **envp, const char *name);

#define CONFIG_ENV_SETTING 0x1u  /* PLUGIN_*: a setting */
#define CONFIG_ENV_READ 0x2u     /* mainline reads it */
#define CONFIG_ENV_PIPELINE 0x4u /* it is passed to the pipeline */
#define CONFIG_ENV_RUN 0x8u      /* it decides where the pipeline runs or whom mainline trusts */

/*
 * How mainline uses the variable `name` (compared regardless of case, as a
 * case-insensitive environment would see it): CONFIG_ENV_* flags, 0 when it
 * ignores the variable. *what (may be NULL) names the use for messages
 * ("the Docker engine"). With c, the names of its env setting count as
 * passed to the pipeline.
 */
unsigned config_env_use(const struct config *c, const char *name, const char **what);

/*
 * The i-th variable passed to the pipeline by its exact name when set (the
 * DRONE_* and OTEL_* families and the env setting's names aside), or NULL
 * past the last.
 */
const char *config_env_passthrough(size_t i);

#endif
