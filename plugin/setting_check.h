/*
 * The checks of single setting values, the `check` column of the setting
 * table (config.c). Each names the setting in its ML_CONFIG message and
 * may normalise the value in place (commit ids to lower case, fingerprints
 * to upper case).
 */
#ifndef MAINLINE_SETTING_CHECK_H
#define MAINLINE_SETTING_CHECK_H

#include "plugin/config.h"

int setting_check_commit_id(enum config_key k, char *item);   /* 40 or 64 hex digits */
int setting_check_fingerprint(enum config_key k, char *item); /* 40 or 64 hex digits */
int setting_check_event(enum config_key k, char *item);       /* a Drone event */
int setting_check_env_name(enum config_key k, char *item);    /* [A-Za-z_][A-Za-z0-9_]* */
int setting_check_volume(enum config_key k, char *item);      /* volume.h */
int setting_check_abs_path(enum config_key k, char *item);    /* starts with '/' */
int setting_check_location(enum config_key k, char *item);    /* URL, scp-like or path */
int setting_check_http_url(enum config_key k, char *item);    /* http or https URL */

#endif
