/*
 * Settings given values: from their text form (the PLUGIN_* encoding and the
 * command line), from policy JSON, and the defaults config_finish() applies.
 * Every value passes its setting's check (setting_check.h) before it is
 * stored.
 */
#ifndef MAINLINE_CONFIG_SET_H
#define MAINLINE_CONFIG_SET_H

#include "plugin/config.h"

/*
 * Sets one setting from its text form (the PLUGIN_* encoding: lists comma
 * separated or JSON arrays, booleans true/false, durations like 1h30m,
 * contents-or-path values read from the file a path names). Used by
 * config_from_env and by the command line. 0 or ML_CONFIG naming the setting.
 */
int config_set(struct config *c, enum config_key k, const char *value);

struct cJSON;

/*
 * Sets one setting from a policy JSON value: lists are arrays of strings,
 * booleans JSON booleans, everything else a non-empty string in the setting
 * syntax. 0 or ML_CONFIG naming the key.
 */
int config_set_json(struct config *c, enum config_key k, const struct cJSON *v);

/*
 * Applies defaults to unset settings and checks what a run needs: source,
 * at least one trust root, and image + command unless dry_run. A missing
 * required setting fails with ML_CONFIG naming it (and saying when it arrived
 * empty, as a withheld from_secret value does). 0 or ML_CONFIG.
 */
int config_finish(struct config *c);

#endif
