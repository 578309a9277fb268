#include "plugin/ignored_settings.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "plugin/config.h"

int ignored_settings_add(struct strlist *l, const char *name, const char *from)
{
	char lower[IGNORED_SETTING_MAX + 1], as_setting[IGNORED_SETTING_MAX + 1];
	size_t n = strlen(name), i;

	if (n == 0 || n > IGNORED_SETTING_MAX)
		return ml_fail(ML_CONFIG, "%s names a setting of %s characters (want 1 to %d)",
		               from, n == 0 ? "no" : "too many", IGNORED_SETTING_MAX);
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (!(isalnum(ch) || ch == '_' || ch == '-'))
			return ml_fail(
			    ML_CONFIG,
			    "%s names an invalid setting '%.*s' (want letters, digits, '_' "
			    "and '-')",
			    from, (int)n, name);
		lower[i] = (char)tolower(ch);
		as_setting[i] = ch == '-' ? '_' : lower[i];
	}
	lower[n] = as_setting[n] = '\0';
	/* Drone passes `allowed-signers` as PLUGIN_ALLOWED-SIGNERS, Woodpecker as ..._SIGNERS */
	if (config_key_from_name(as_setting) >= 0)
		return ml_fail(ML_CONFIG,
		               "%s names '%s', one of mainline's settings: it cannot be ignored",
		               from, lower);
	if (!ignored_settings_match(l, lower, n) && strlist_push(l, lower) < 0)
		return ml_fail(ML_CONFIG, "%s names more than %u settings", from, STRLIST_MAX);
	return 0;
}

int ignored_settings_add_list(struct strlist *l, const char *text, const char *from)
{
	char item[IGNORED_SETTING_MAX + 2];
	const char *p = text, *comma;
	size_t len;
	int r;

	for (;;) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len > IGNORED_SETTING_MAX)
			len = IGNORED_SETTING_MAX + 1; /* refused below as too long */
		memcpy(item, p, len);
		item[len] = '\0';
		if ((r = ignored_settings_add(l, item, from)) != 0)
			return r;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

int ignored_settings_match(const struct strlist *l, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->len[i] == len && strncasecmp(l->v[i], name, len) == 0)
			return 1;
	return 0;
}
