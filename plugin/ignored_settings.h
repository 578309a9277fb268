/*
 * Settings mainline ignores: PLUGIN_* variables meant for other plugins,
 * which operators inject into every step (Drone's runner-wide environment,
 * its environment extension). The baked policy's `ignore_settings` and
 * MAINLINE_IGNORE_SETTINGS (comma-separated) name them; any other unknown
 * setting stays an error. A name is a setting as .drone.yml writes it
 * (letters, digits, '_', '-'), compared regardless of case with the part of
 * the variable after PLUGIN_, and never one of mainline's own settings, so
 * ignoring grants nothing. See docs/settings.md ("Settings for other plugins").
 */
#ifndef MAINLINE_IGNORED_SETTINGS_H
#define MAINLINE_IGNORED_SETTINGS_H

#include <stddef.h>

#include "plugin/strlist.h"

#define IGNORED_SETTING_MAX 63 /* bytes of one name */

/*
 * Adds one name, lower-cased, to l; `from` names where it came from for
 * messages ("MAINLINE_IGNORE_SETTINGS"). 0, or ML_CONFIG for a malformed
 * name or one of mainline's settings.
 */
int ignored_settings_add(struct strlist *l, const char *name, const char *from);

/* The same for each item of a comma-separated list (spaces around items allowed). */
int ignored_settings_add_list(struct strlist *l, const char *text, const char *from);

/* Whether the len bytes at name (a PLUGIN_ variable's suffix) are one of l's names. */
int ignored_settings_match(const struct strlist *l, const char *name, size_t len);

#endif
