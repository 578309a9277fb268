/*
 * The checks of single setting values, the `check` column of the setting
 * table (config.c). Each names the setting (`setting`, its name) in its
 * ML_CONFIG message and may normalise the value in place (commit ids to
 * lower case, forge keys to their canonical form).
 */
#ifndef MAINLINE_SETTING_CHECK_H
#define MAINLINE_SETTING_CHECK_H

int setting_check_commit_id(const char *setting, char *item); /* 40 or 64 hex digits */
int setting_check_forge_key(const char *setting, char *item); /* forge_key.h, canonical form */
int setting_check_event(const char *setting, char *item);     /* a Drone event */
int setting_check_env_name(const char *setting, char *item);  /* [A-Za-z_][A-Za-z0-9_]* */
int setting_check_volume(const char *setting, char *item);    /* volume.h */
int setting_check_abs_path(const char *setting, char *item);  /* starts with '/' */
int setting_check_location(const char *setting, char *item);  /* URL, scp-like or path */
int setting_check_http_url(const char *setting, char *item);  /* http or https URL */
int setting_check_image(const char *setting, char *item);     /* an image reference */
int setting_check_network(const char *setting, char *item);   /* network.h: a network's name */
int setting_check_state_url(const char *setting, char *item); /* a libpq URI (pg.h) */

#endif
