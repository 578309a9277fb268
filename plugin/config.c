#include "plugin/config.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "plugin/setting_check.h"

/* In enum order: pull_names follows enum pull_policy (docker/image.h). */
static const char *const mode_names[] = {"tip", "chain", NULL};
static const char *const pull_names[] = {"if-not-exists", "always", "never", NULL};
static const char *const on_refuse_names[] = {"fail", "skip", NULL};

/* Short names for the table's columns only (undefined after it). */
#define STR SETTING_STR
#define CONTENTS SETTING_CONTENTS
#define LIST SETTING_LIST
#define CONTENTS_LIST SETTING_CONTENTS_LIST
#define BOOL SETTING_BOOL
#define DURATION SETTING_DURATION
#define ENUM SETTING_ENUM
#define SECRET SETTING_SECRET
#define BINARY SETTING_BINARY
#define URL SETTING_URL
#define OBJECT_ITEMS SETTING_OBJECT_ITEMS

#define S(key, nm, ty, field, fl, ch, chk)                                                         \
	[key] = {nm, ty, offsetof(struct config, field), fl, ch, chk}

static const struct setting settings[CK_COUNT] = {
    S(CK_ALLOWED_SIGNERS, "allowed_signers", CONTENTS, allowed_signers, 0, NULL, NULL),
    S(CK_ANCHOR, "anchor", STR, anchor, 0, NULL, setting_check_commit_id),
    S(CK_AUDIT_FILE, "audit_file", STR, audit_file, 0, NULL, NULL),
    S(CK_AUDIT_KEY, "audit_key", CONTENTS, audit_key, SECRET, NULL, NULL),
    S(CK_AUDIT_SECRET, "audit_secret", STR, audit_secret, SECRET, NULL, NULL),
    S(CK_AUDIT_WEBHOOK, "audit_webhook", STR, audit_webhook, URL, NULL, setting_check_http_url),
    S(CK_BRANCH, "branch", STR, branch, 0, NULL, NULL),
    S(CK_BRANCHES, "branches", LIST, branches, 0, NULL, NULL),
    S(CK_CA_CERT, "ca_cert", STR, ca_cert, 0, NULL, NULL),
    S(CK_CACHE, "cache", STR, cache, 0, NULL, setting_check_abs_path),
    S(CK_CARD_SCHEMA, "card_schema", STR, card_schema, URL, NULL, setting_check_http_url),
    S(CK_CERT_PIN, "cert_pin", STR, cert_pin, 0, NULL, NULL),
    S(CK_COMMAND, "command", LIST, command, 0, NULL, NULL),
    S(CK_COMMIT, "commit", STR, commit, 0, NULL, NULL),
    S(CK_DOCKER_CONFIG, "docker_config", CONTENTS, docker_config, 0, NULL, NULL),
    S(CK_DOCKER_SOCKET, "docker_socket", BOOL, docker_socket, 0, NULL, NULL),
    S(CK_DRONE_TOKEN, "drone_token", STR, drone_token, SECRET, NULL, NULL),
    S(CK_DRY_RUN, "dry_run", BOOL, dry_run, 0, NULL, NULL),
    S(CK_ENV, "env", LIST, env, 0, NULL, setting_check_env_name),
    S(CK_EVENTS, "events", LIST, events, 0, NULL, setting_check_event),
    S(CK_FETCH_TIMEOUT, "fetch_timeout", DURATION, fetch_timeout, 0, NULL, NULL),
    S(CK_FORGE_KEYS, "forge_keys", LIST, forge_keys, OBJECT_ITEMS, NULL, setting_check_forge_key),
    S(CK_GATE_COMMIT, "gate_commit", BOOL, gate_commit, 0, NULL, NULL),
    S(CK_GIT_PASSWORD, "git_password", STR, git_password, SECRET, NULL, NULL),
    S(CK_GIT_USERNAME, "git_username", STR, git_username, 0, NULL, NULL),
    S(CK_IMAGE, "image", STR, image, 0, NULL, setting_check_image),
    S(CK_INIT, "init", BOOL, init, 0, NULL, NULL),
    S(CK_KEYRING, "keyring", CONTENTS_LIST, keyring, BINARY, NULL, NULL),
    S(CK_MAX_SKEW, "max_skew", DURATION, max_skew, 0, NULL, NULL),
    S(CK_MODE, "mode", ENUM, mode, 0, mode_names, NULL),
    S(CK_NETWORK, "network", STR, network, 0, NULL, setting_check_network),
    S(CK_ON_REFUSE, "on_refuse", ENUM, on_refuse, 0, on_refuse_names, NULL),
    S(CK_OTLP_ENDPOINT, "otlp_endpoint", STR, otlp_endpoint, URL, NULL, setting_check_http_url),
    S(CK_POLICY, "policy", CONTENTS, policy, 0, NULL, NULL),
    S(CK_PULL, "pull", ENUM, pull, 0, pull_names, NULL),
    S(CK_REQUIRE_USER_PRESENCE, "require_user_presence", BOOL, require_user_presence, 0, NULL,
      NULL),
    S(CK_SOURCE, "source", STR, source, URL, NULL, setting_check_location),
    S(CK_SSH_KEY, "ssh_key", CONTENTS, ssh_key, SECRET, NULL, NULL),
    S(CK_SSH_KNOWN_HOSTS, "ssh_known_hosts", STR, ssh_known_hosts, 0, NULL, NULL),
    S(CK_STATE_URL, "state_url", STR, state_url, SECRET | URL, NULL, setting_check_state_url),
    S(CK_TAG_ALLOWED_SIGNERS, "tag_allowed_signers", CONTENTS, tag_allowed_signers, 0, NULL, NULL),
    S(CK_TAG_KEYRING, "tag_keyring", CONTENTS_LIST, tag_keyring, BINARY, NULL, NULL),
    S(CK_TAGS, "tags", LIST, tags, 0, NULL, NULL),
    S(CK_TIMEOUT, "timeout", DURATION, timeout, 0, NULL, NULL),
    S(CK_VOLUMES, "volumes", LIST, volumes, 0, NULL, setting_check_volume),
    S(CK_WORKDIR, "workdir", STR, workdir, 0, NULL, setting_check_abs_path),
};
#undef S
#undef STR
#undef CONTENTS
#undef LIST
#undef CONTENTS_LIST
#undef BOOL
#undef DURATION
#undef ENUM
#undef SECRET
#undef BINARY
#undef URL
#undef OBJECT_ITEMS

void config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
}

void config_release(struct config *c)
{
	int k;

	if (c == NULL)
		return;
	for (k = 0; k < CK_COUNT; k++)
		setting_clear(c, (enum config_key)k);
	free(c->policy_anchor);
	strlist_release(&c->keyring_restrictions);
	strlist_release(&c->ignore_settings);
	drone_context_release(&c->drone);
	memset(c, 0, sizeof(*c));
}

const char *config_key_name(enum config_key k)
{
	return (unsigned)k < CK_COUNT ? settings[k].name : NULL;
}

int config_key_from_name(const char *name)
{
	int k;

	for (k = 0; k < CK_COUNT; k++)
		if (strcmp(settings[k].name, name) == 0)
			return k;
	return -1;
}

const struct setting *setting_of(enum config_key k)
{
	return (unsigned)k < CK_COUNT ? &settings[k] : NULL;
}

static void *field(const struct config *c, enum config_key k)
{
	return (char *)(uintptr_t)c + settings[k].off;
}

char **setting_string_field(struct config *c, enum config_key k)
{
	return field(c, k);
}

struct strlist *setting_list_field(struct config *c, enum config_key k)
{
	return field(c, k);
}

int *setting_int_field(struct config *c, enum config_key k)
{
	return field(c, k);
}

int64_t *setting_duration_field(struct config *c, enum config_key k)
{
	return field(c, k);
}

const char *setting_string(const struct config *c, enum config_key k)
{
	if ((unsigned)k >= CK_COUNT ||
	    (settings[k].type != SETTING_STR && settings[k].type != SETTING_CONTENTS))
		return NULL;
	return *(const char *const *)field(c, k);
}

const struct strlist *setting_list(const struct config *c, enum config_key k)
{
	if ((unsigned)k >= CK_COUNT ||
	    (settings[k].type != SETTING_LIST && settings[k].type != SETTING_CONTENTS_LIST))
		return NULL;
	return field(c, k);
}

int64_t setting_number(const struct config *c, enum config_key k)
{
	if ((unsigned)k >= CK_COUNT)
		return -1;
	if (settings[k].type == SETTING_DURATION)
		return *(const int64_t *)field(c, k);
	if (settings[k].type == SETTING_BOOL || settings[k].type == SETTING_ENUM)
		return *(const int *)field(c, k);
	return -1;
}

int setting_value_equal(const struct config *a, const struct config *b, enum config_key k)
{
	if ((unsigned)k >= CK_COUNT)
		return 0;
	switch (settings[k].type) {
	case SETTING_STR:
	case SETTING_CONTENTS:
		return strcmp(setting_string(a, k), setting_string(b, k)) == 0;
	case SETTING_LIST:
	case SETTING_CONTENTS_LIST:
		return strlist_equal(setting_list(a, k), setting_list(b, k));
	default:
		return setting_number(a, k) == setting_number(b, k);
	}
}

void setting_clear(struct config *c, enum config_key k)
{
	switch (settings[k].type) {
	case SETTING_STR:
	case SETTING_CONTENTS: {
		char **p = setting_string_field(c, k);

		if (*p != NULL && (settings[k].flags & SETTING_SECRET))
			explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
		break;
	}
	case SETTING_LIST:
	case SETTING_CONTENTS_LIST:
		strlist_release(setting_list_field(c, k));
		break;
	case SETTING_BOOL:
	case SETTING_ENUM:
		*setting_int_field(c, k) = 0;
		break;
	case SETTING_DURATION:
		*setting_duration_field(c, k) = 0;
		break;
	}
	c->set &= ~CONFIG_BIT(k);
}

int setting_copy(struct config *dst, const struct config *src, enum config_key k)
{
	size_t i;

	if ((unsigned)k >= CK_COUNT)
		return ml_fail(ML_CONFIG, "invalid setting");
	if (!(src->set & CONFIG_BIT(k))) {
		setting_clear(dst, k);
		return 0;
	}
	switch (settings[k].type) {
	case SETTING_STR:
	case SETTING_CONTENTS: {
		char *copy = strdup(setting_string(src, k));

		if (copy == NULL)
			return ml_fail(ML_IO, "out of memory");
		setting_clear(dst, k);
		*setting_string_field(dst, k) = copy;
		break;
	}
	case SETTING_LIST:
	case SETTING_CONTENTS_LIST: {
		const struct strlist *from = setting_list(src, k);
		struct strlist l = {NULL, NULL, 0, NULL};

		for (i = 0; i < from->n; i++) {
			if (strlist_push_from(&l, from, i) < 0) {
				strlist_release(&l);
				return ml_fail(ML_IO, "out of memory");
			}
		}
		setting_clear(dst, k);
		strlist_move(setting_list_field(dst, k), &l);
		break;
	}
	case SETTING_BOOL:
	case SETTING_ENUM:
		*setting_int_field(dst, k) = (int)setting_number(src, k);
		break;
	case SETTING_DURATION:
		*setting_duration_field(dst, k) = setting_number(src, k);
		break;
	}
	dst->set |= CONFIG_BIT(k);
	return 0;
}
