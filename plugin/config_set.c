#include "plugin/config_set.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/json.h"
#include "plugin/duration.h"
#include "plugin/forge_key.h"

static int has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* ---- contents or path ---- */

static int looks_like_contents(enum config_key k, const char *v)
{
	if (strchr(v, '\n') != NULL || strstr(v, "-----BEGIN ") != NULL || v[0] == '{')
		return 1;
	/* a one-line allowed_signers secret: "principal key-type base64" */
	if ((k == CK_ALLOWED_SIGNERS || k == CK_TAG_ALLOWED_SIGNERS) &&
	    (strchr(v, ' ') != NULL || strchr(v, '\t') != NULL))
		return 1;
	return 0;
}

/* Resolves one contents-or-path value into b (NUL-terminated). */
static int resolve_contents(enum config_key k, const char *v, struct buf *b)
{
	struct stat st;

	if (looks_like_contents(k, v)) {
		if (buf_append_str(b, v) < 0)
			return ml_fail(ML_CONFIG, "setting '%s' is too large", setting_of(k)->name);
		return 0;
	}
	if (has_control(v))
		return ml_fail(ML_CONFIG, "invalid path in setting '%s'", setting_of(k)->name);
	/* a device or FIFO could block or never end: only regular files */
	if (stat(v, &st) == 0 && !S_ISREG(st.st_mode))
		return ml_fail(ML_CONFIG, "'%s' named by setting '%s' is not a regular file", v,
		               setting_of(k)->name);
	if (buf_read_file(b, v) < 0)
		return ml_fail(ML_CONFIG, "cannot read '%s' named by setting '%s': %s", v,
		               setting_of(k)->name,
		               errno == EFBIG ? "file too large" : strerror(errno));
	if (b->len == 0)
		return ml_fail(ML_CONFIG, "file '%s' named by setting '%s' is empty", v,
		               setting_of(k)->name);
	if (!(setting_of(k)->flags & SETTING_BINARY) && memchr(b->data, '\0', b->len) != NULL)
		return ml_fail(ML_CONFIG, "file '%s' named by setting '%s' holds a NUL byte", v,
		               setting_of(k)->name);
	return 0;
}

/* ---- setting values ---- */

/*
 * One value's bytes into b: the contents a contents-or-path value gives or
 * names, or else the text itself, which must hold no control character.
 */
static int value_bytes(enum config_key k, const char *v, int contents, struct buf *b)
{
	if (contents)
		return resolve_contents(k, v, b);
	if (has_control(v))
		return ml_fail(ML_CONFIG, "setting '%s' holds a control character",
		               setting_of(k)->name);
	if (buf_append_str(b, v) < 0)
		return ml_fail(ML_CONFIG, "setting '%s' is too large", setting_of(k)->name);
	return 0;
}

static int set_string(struct config *c, enum config_key k, const char *v)
{
	struct buf b;
	char *copy = NULL;
	int r = ML_CONFIG;

	buf_init(&b, CONFIG_VALUE_MAX);
	if ((r = value_bytes(k, v, setting_of(k)->type == SETTING_CONTENTS, &b)) != 0)
		goto out;
	if ((copy = buf_detach(&b, NULL)) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	if (setting_of(k)->check != NULL &&
	    (r = setting_of(k)->check(setting_of(k)->name, copy)) != 0)
		goto out;
	setting_clear(c, k);
	*setting_string_field(c, k) = copy;
	copy = NULL; /* transferred */
	c->set |= CONFIG_BIT(k);
	r = 0;
out:
	if (copy != NULL && (setting_of(k)->flags & SETTING_SECRET))
		explicit_bzero(copy, strlen(copy));
	free(copy);
	buf_release(&b);
	return r;
}

/* Adds one list item (already split) to l, validating it. */
static int list_add(enum config_key k, struct strlist *l, const char *item)
{
	struct buf b;
	int r = ML_CONFIG;

	buf_init(&b, CONFIG_VALUE_MAX);
	if (setting_of(k)->type != SETTING_CONTENTS_LIST && *item == '\0') {
		r = ml_fail(ML_CONFIG, "empty item in list setting '%s'", setting_of(k)->name);
		goto out;
	}
	if ((r = value_bytes(k, item, setting_of(k)->type == SETTING_CONTENTS_LIST, &b)) != 0)
		goto out;
	if (setting_of(k)->check != NULL &&
	    (r = setting_of(k)->check(setting_of(k)->name, (char *)b.data)) != 0)
		goto out;
	if (strlist_push_n(l, (const char *)b.data, b.len) < 0) {
		r = ml_fail(ML_CONFIG, "setting '%s' has more than %u items", setting_of(k)->name,
		            STRLIST_MAX);
		goto out;
	}
	if (setting_of(k)->type == SETTING_CONTENTS_LIST && !looks_like_contents(k, item) &&
	    strlist_set_origin(l, l->n - 1, item) < 0) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	r = 0;
out:
	buf_release(&b);
	return r;
}

static int list_from_json_array(enum config_key k, const cJSON *arr, struct strlist *l)
{
	const cJSON *it;
	int r;

	if (!cJSON_IsArray(arr))
		return ml_fail(ML_CONFIG, "setting '%s' must be a list", setting_of(k)->name);
	cJSON_ArrayForEach(it, arr)
	{
		if (cJSON_IsObject(it) && (setting_of(k)->flags & SETTING_OBJECT_ITEMS)) {
			char *text = cJSON_PrintUnformatted(it);

			r = text != NULL ? list_add(k, l, text) : ml_fail(ML_IO, "out of memory");
			cJSON_free(text);
			if (r != 0)
				return r;
			continue;
		}
		if (!cJSON_IsString(it))
			return ml_fail(ML_CONFIG, "setting '%s' must be a list of strings",
			               setting_of(k)->name);
		if ((r = list_add(k, l, it->valuestring)) != 0)
			return r;
	}
	return 0;
}

static int parse_list_text(enum config_key k, const char *v, struct strlist *l)
{
	const char *p = v;
	int r;

	if (v[0] == '[') {
		cJSON *arr = json_parse(v, strlen(v), CONFIG_VALUE_MAX);

		if (arr == NULL)
			return ml_fail(ML_CONFIG, "setting '%s' is not a valid JSON list",
			               setting_of(k)->name);
		r = list_from_json_array(k, arr, l);
		cJSON_Delete(arr);
		return r;
	}
	if (setting_of(k)->type == SETTING_CONTENTS_LIST && looks_like_contents(k, v))
		return list_add(k, l, v);
	/* one map rather than a list of them: Drone encodes it as a JSON object */
	if ((setting_of(k)->flags & SETTING_OBJECT_ITEMS) && v[0] == '{')
		return list_add(k, l, v);
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		char item[4096];

		while (len > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len >= sizeof(item))
			return ml_fail(ML_CONFIG, "item of setting '%s' is too long",
			               setting_of(k)->name);
		memcpy(item, p, len);
		item[len] = '\0';
		if (len == 0)
			return ml_fail(ML_CONFIG, "empty item in list setting '%s'",
			               setting_of(k)->name);
		if ((r = list_add(k, l, item)) != 0)
			return r;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

static int set_list(struct config *c, enum config_key k, struct strlist *l)
{
	setting_clear(c, k);
	strlist_move(setting_list_field(c, k), l); /* transferred */
	c->set |= CONFIG_BIT(k);
	return 0;
}

static int set_scalar_text(struct config *c, enum config_key k, const char *v)
{
	const struct setting *s = setting_of(k);
	size_t i;

	switch (s->type) {
	case SETTING_BOOL:
		if (strcmp(v, "true") == 0)
			*setting_int_field(c, k) = 1;
		else if (strcmp(v, "false") == 0)
			*setting_int_field(c, k) = 0;
		else
			return ml_fail(ML_CONFIG,
			               "invalid boolean '%s' for setting '%s' (want true or "
			               "false)",
			               v, s->name);
		break;
	case SETTING_DURATION: {
		int64_t d = duration_parse(v);

		if (d < 0)
			return ml_fail(
			    ML_CONFIG,
			    "invalid duration '%s' for setting '%s' (want e.g. 90s, 30m, "
			    "1h30m)",
			    v, s->name);
		if ((k == CK_TIMEOUT || k == CK_FETCH_TIMEOUT) && d == 0)
			return ml_fail(ML_CONFIG, "setting '%s' must be longer than 0s", s->name);
		*setting_duration_field(c, k) = d;
		break;
	}
	case SETTING_ENUM:
		for (i = 0; s->choices[i] != NULL; i++)
			if (strcmp(s->choices[i], v) == 0)
				break;
		if (s->choices[i] == NULL)
			return ml_fail(ML_CONFIG, "invalid value '%s' for setting '%s'", v,
			               s->name);
		*setting_int_field(c, k) = (int)i;
		break;
	default:
		return ml_fail(ML_CONFIG, "setting '%s' is not a scalar", s->name);
	}
	c->set |= CONFIG_BIT(k);
	return 0;
}

int config_set(struct config *c, enum config_key k, const char *value)
{
	struct strlist l = {NULL, NULL, 0, NULL};
	int r;

	if ((unsigned)k >= CK_COUNT || value == NULL)
		return ml_fail(ML_CONFIG, "invalid setting");
	switch (setting_of(k)->type) {
	case SETTING_STR:
	case SETTING_CONTENTS:
		return set_string(c, k, value);
	case SETTING_LIST:
	case SETTING_CONTENTS_LIST:
		if ((r = parse_list_text(k, value, &l)) == 0)
			r = set_list(c, k, &l);
		strlist_release(&l);
		return r;
	default:
		return set_scalar_text(c, k, value);
	}
}

int config_set_json(struct config *c, enum config_key k, const struct cJSON *v)
{
	struct strlist l = {NULL, NULL, 0, NULL};
	int r;

	if ((unsigned)k >= CK_COUNT || v == NULL)
		return ml_fail(ML_CONFIG, "invalid setting");
	switch (setting_of(k)->type) {
	case SETTING_LIST:
	case SETTING_CONTENTS_LIST:
		if ((r = list_from_json_array(k, v, &l)) == 0)
			r = set_list(c, k, &l);
		strlist_release(&l);
		return r;
	case SETTING_BOOL:
		if (!cJSON_IsBool(v))
			return ml_fail(ML_CONFIG, "key '%s' must be true or false",
			               setting_of(k)->name);
		return set_scalar_text(c, k, cJSON_IsTrue(v) ? "true" : "false");
	default:
		if (!cJSON_IsString(v))
			return ml_fail(ML_CONFIG, "key '%s' must be a string", setting_of(k)->name);
		if (v->valuestring[0] == '\0')
			return ml_fail(ML_CONFIG, "key '%s' is empty", setting_of(k)->name);
		return config_set(c, k, v->valuestring);
	}
}

/* ---- defaults and required settings ---- */

static int default_list(struct config *c, enum config_key k, const char *const *items)
{
	struct strlist l = {NULL, NULL, 0, NULL};

	for (; *items != NULL; items++) {
		if (strlist_push(&l, *items) < 0) {
			strlist_release(&l);
			return ml_fail(ML_IO, "out of memory");
		}
	}
	return set_list(c, k, &l);
}

static int missing(const struct config *c, enum config_key k, const char *why)
{
	if (c->empty & CONFIG_BIT(k))
		return ml_fail(ML_CONFIG,
		               "setting '%s' is empty%s (a from_secret value that Drone withheld "
		               "arrives empty)",
		               setting_of(k)->name, why);
	return ml_fail(ML_CONFIG, "missing setting '%s'%s", setting_of(k)->name, why);
}

int config_finish(struct config *c)
{
	static const char *const default_events[] = {"push", "tag",    "promote", "rollback",
	                                             "cron", "custom", NULL};
	static const char *const default_branches[] = {"main", NULL};
	static const struct {
		enum config_key k;
		const char *v;
	} text_defaults[] = {
	    {CK_BRANCH, "main"},
	    {CK_MODE, "tip"},
	    {CK_MAX_SKEW, "5m"},
	    {CK_WORKDIR, "/pipeline"},
	    {CK_DOCKER_SOCKET, "false"},
	    {CK_INIT, "true"},
	    {CK_PULL, "if-not-exists"},
	    {CK_TIMEOUT, "1h"},
	    {CK_FETCH_TIMEOUT, "10m"},
	    {CK_ON_REFUSE, "fail"},
	    {CK_CACHE, "/var/cache/mainline"},
	    {CK_DRY_RUN, "false"},
	    {CK_GATE_COMMIT, "false"},
	    {CK_REQUIRE_USER_PRESENCE, "false"},
	};
	size_t i;
	int r;

	if (!(c->set & CONFIG_BIT(CK_SOURCE)))
		return missing(c, CK_SOURCE, "");
	if (!(c->set & (CONFIG_BIT(CK_ALLOWED_SIGNERS) | CONFIG_BIT(CK_KEYRING))) &&
	    !forge_keys_grant(&c->forge_keys))
		return missing(
		    c, (c->empty & CONFIG_BIT(CK_KEYRING)) ? CK_KEYRING : CK_ALLOWED_SIGNERS,
		    ": a trust root (allowed_signers, keyring or an SSH forge key) is required");
	if (!c->dry_run) {
		if (!(c->set & CONFIG_BIT(CK_IMAGE)))
			return missing(c, CK_IMAGE, " (required unless dry_run is true)");
		if (!(c->set & CONFIG_BIT(CK_COMMAND)))
			return missing(c, CK_COMMAND, " (required unless dry_run is true)");
	}
	/* `command: []` would only fail at the engine, after the fetch */
	if ((c->set & CONFIG_BIT(CK_COMMAND)) && c->command.n == 0)
		return ml_fail(ML_CONFIG,
		               "setting 'command' is an empty list: it needs the program "
		               "to run");
	for (i = 0; i < sizeof(text_defaults) / sizeof(text_defaults[0]); i++)
		if (!(c->set & CONFIG_BIT(text_defaults[i].k)) &&
		    (r = config_set(c, text_defaults[i].k, text_defaults[i].v)) != 0)
			return r;
	if (!(c->set & CONFIG_BIT(CK_EVENTS)) &&
	    (r = default_list(c, CK_EVENTS, default_events)) != 0)
		return r;
	if (!(c->set & CONFIG_BIT(CK_BRANCHES)) &&
	    (r = default_list(c, CK_BRANCHES, default_branches)) != 0)
		return r;
	return 0;
}
