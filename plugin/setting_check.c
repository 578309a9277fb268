#include "plugin/setting_check.h"

#include <ctype.h>
#include <string.h>

#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/pg.h"
#include "common/url.h"
#include "docker/image.h"
#include "plugin/drone_context.h"
#include "plugin/forge_key.h"
#include "plugin/network.h"
#include "plugin/volume.h"

static int is_hex_len(const char *s, size_t want)
{
	return strlen(s) == want && hex_is_digits(s, want);
}

int setting_check_commit_id(const char *setting, char *item)
{
	char *p;

	if (!is_hex_len(item, 40) && !is_hex_len(item, 64))
		return ml_fail(ML_CONFIG, "invalid commit id '%s' in setting '%s'", item, setting);
	for (p = item; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

int setting_check_forge_key(const char *setting, char *item)
{
	struct forge_key_item it;
	struct buf canonical;
	int r;

	buf_init(&canonical, strlen(item));
	if ((r = forge_key_parse(&it, item)) != 0) {
		ml_fail_override(r, "invalid item of setting '%s': %s", setting,
		                 ml_error_message());
		goto out;
	}
	/* never longer than the item: no comment, no spaces, minimal JSON escapes */
	if ((r = forge_key_canonical(&it, &canonical)) != 0) {
		r = ml_fail(ML_CONFIG, "invalid item of setting '%s'", setting);
		goto out;
	}
	memcpy(item, canonical.data, canonical.len + 1);
	r = 0;
out:
	forge_key_item_release(&it);
	buf_release(&canonical);
	return r;
}

int setting_check_event(const char *setting, char *item)
{
	if (drone_event_is_known(item))
		return 0;
	return ml_fail(ML_CONFIG, "unknown event '%s' in setting '%s'", item, setting);
}

int setting_check_env_name(const char *setting, char *item)
{
	const char *p = item;

	if (!(isalpha((unsigned char)*p) || *p == '_'))
		goto bad;
	for (p++; *p != '\0'; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_'))
			goto bad;
	return 0;
bad:
	return ml_fail(ML_CONFIG, "invalid variable name '%s' in setting '%s'", item, setting);
}

int setting_check_volume(const char *setting, char *item)
{
	char dest[VOLUME_DEST_MAX];

	return volume_parse(item, dest);
}

int setting_check_abs_path(const char *setting, char *item)
{
	if (item[0] != '/')
		return ml_fail(ML_CONFIG, "setting '%s' must be an absolute path, not '%s'",
		               setting, item);
	return 0;
}

/* A repository location (url.h): a well-formed URL, a scp-like location or a path. */
int setting_check_location(const char *setting, char *item)
{
	struct url_info info;
	const char *why;

	/* the value may hold a password: the message never quotes it */
	if (url_check(item, &info, &why) < 0)
		return ml_fail(ML_CONFIG, "setting '%s' is not a valid URL: %s", setting, why);
	return 0;
}

int setting_check_http_url(const char *setting, char *item)
{
	struct url_info info;
	const char *why;
	int r;

	if ((r = setting_check_location(setting, item)) != 0)
		return r;
	(void)url_check(item, &info, &why);
	if (info.form != URL_FULL ||
	    (strcmp(info.scheme, "http") != 0 && strcmp(info.scheme, "https") != 0))
		return ml_fail(ML_CONFIG, "setting '%s' must be an http or https URL", setting);
	return 0;
}

/* A libpq connection URI (pg.h), never quoted: it usually holds a password. */
int setting_check_state_url(const char *setting, char *item)
{
	const char *why;

	if (pg_url_check(item, &why) < 0)
		return ml_fail(ML_CONFIG, "setting '%s' is not a valid connection URI: %s", setting,
		               why);
	return 0;
}

/* The reference the engine would be asked for (image.h), so a bad one fails before the fetch. */
int setting_check_image(const char *setting, char *item)
{
	char repo[IMAGE_REF_MAX + 1], tag[IMAGE_REF_MAX + 1];

	if (image_ref_split(item, repo, sizeof(repo), tag, sizeof(tag)) != 0)
		return ml_fail_override(ML_CONFIG, "%s in setting '%s'", ml_error_message(),
		                        setting);
	return 0;
}

int setting_check_network(const char *setting, char *item)
{
	if (!network_name_valid(item))
		return ml_fail(ML_CONFIG,
		               "invalid network in setting '%s': want none, a network's name "
		               "([A-Za-z0-9][A-Za-z0-9_.-]*) or container:<name>",
		               setting);
	return 0;
}
