#include "plugin/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/json.h"
#include "common/url.h"

enum value_type {
	T_STR,           /* one line of text */
	T_CONTENTS,      /* file contents, or a path to read them from */
	T_LIST,          /* list of one-line strings */
	T_CONTENTS_LIST, /* list of contents-or-path values (keyring) */
	T_BOOL,
	T_DURATION,
	T_ENUM,
};

#define F_SECRET 0x1u /* never printed */
#define F_BINARY 0x2u /* contents may hold NUL bytes (binary OpenPGP keyring) */
#define F_URL 0x4u    /* a URL or repository location: printed in its credential-free form */

typedef int (*item_check_fn)(enum config_key k, char *item);

struct setting {
	const char *name;
	enum value_type type;
	size_t off;
	unsigned flags;
	const char *const *choices; /* T_ENUM: names in value order */
	item_check_fn check;        /* extra validation (may normalise in place) */
};

static const char *const mode_names[] = {"tip", "chain", NULL};
static const char *const pull_names[] = {"if-not-exists", "always", "never", NULL};
static const char *const on_refuse_names[] = {"fail", "skip", NULL};
static const char *const event_names[] = {"push",     "pull_request", "tag",    "promote",
                                          "rollback", "cron",         "custom", NULL};

static int check_hex_id(enum config_key k, char *item);
static int check_fingerprint(enum config_key k, char *item);
static int check_event(enum config_key k, char *item);
static int check_env_name(enum config_key k, char *item);
static int check_volume(enum config_key k, char *item);
static int check_abs_path(enum config_key k, char *item);
static int check_location(enum config_key k, char *item);
static int check_http_url(enum config_key k, char *item);

#define S(key, nm, ty, field, fl, ch, chk)                                                         \
	[key] = {nm, ty, offsetof(struct config, field), fl, ch, chk}

static const struct setting settings[CK_COUNT] = {
    S(CK_ALLOWED_SIGNERS, "allowed_signers", T_CONTENTS, allowed_signers, 0, NULL, NULL),
    S(CK_ANCHOR, "anchor", T_STR, anchor, 0, NULL, check_hex_id),
    S(CK_AUDIT_FILE, "audit_file", T_STR, audit_file, 0, NULL, NULL),
    S(CK_AUDIT_KEY, "audit_key", T_CONTENTS, audit_key, F_SECRET, NULL, NULL),
    S(CK_AUDIT_SECRET, "audit_secret", T_STR, audit_secret, F_SECRET, NULL, NULL),
    S(CK_AUDIT_WEBHOOK, "audit_webhook", T_STR, audit_webhook, F_URL, NULL, check_http_url),
    S(CK_BRANCH, "branch", T_STR, branch, 0, NULL, NULL),
    S(CK_BRANCHES, "branches", T_LIST, branches, 0, NULL, NULL),
    S(CK_CA_CERT, "ca_cert", T_STR, ca_cert, 0, NULL, NULL),
    S(CK_CACHE, "cache", T_STR, cache, 0, NULL, check_abs_path),
    S(CK_CERT_PIN, "cert_pin", T_STR, cert_pin, 0, NULL, NULL),
    S(CK_COMMAND, "command", T_LIST, command, 0, NULL, NULL),
    S(CK_COMMIT, "commit", T_STR, commit, 0, NULL, NULL),
    S(CK_DOCKER_CONFIG, "docker_config", T_CONTENTS, docker_config, 0, NULL, NULL),
    S(CK_DOCKER_SOCKET, "docker_socket", T_BOOL, docker_socket, 0, NULL, NULL),
    S(CK_DRONE_TOKEN, "drone_token", T_STR, drone_token, F_SECRET, NULL, NULL),
    S(CK_DRY_RUN, "dry_run", T_BOOL, dry_run, 0, NULL, NULL),
    S(CK_ENV, "env", T_LIST, env, 0, NULL, check_env_name),
    S(CK_EVENTS, "events", T_LIST, events, 0, NULL, check_event),
    S(CK_FORGE_KEYS, "forge_keys", T_LIST, forge_keys, 0, NULL, check_fingerprint),
    S(CK_GATE_COMMIT, "gate_commit", T_BOOL, gate_commit, 0, NULL, NULL),
    S(CK_GIT_PASSWORD, "git_password", T_STR, git_password, F_SECRET, NULL, NULL),
    S(CK_GIT_USERNAME, "git_username", T_STR, git_username, 0, NULL, NULL),
    S(CK_IMAGE, "image", T_STR, image, 0, NULL, NULL),
    S(CK_KEYRING, "keyring", T_CONTENTS_LIST, keyring, F_BINARY, NULL, NULL),
    S(CK_MAX_SKEW, "max_skew", T_DURATION, max_skew, 0, NULL, NULL),
    S(CK_MODE, "mode", T_ENUM, mode, 0, mode_names, NULL),
    S(CK_ON_REFUSE, "on_refuse", T_ENUM, on_refuse, 0, on_refuse_names, NULL),
    S(CK_OTLP_ENDPOINT, "otlp_endpoint", T_STR, otlp_endpoint, F_URL, NULL, check_http_url),
    S(CK_POLICY, "policy", T_CONTENTS, policy, 0, NULL, NULL),
    S(CK_PULL, "pull", T_ENUM, pull, 0, pull_names, NULL),
    S(CK_REQUIRE_USER_PRESENCE, "require_user_presence", T_BOOL, require_user_presence, 0, NULL,
      NULL),
    S(CK_SOURCE, "source", T_STR, source, F_URL, NULL, check_location),
    S(CK_SSH_KEY, "ssh_key", T_CONTENTS, ssh_key, F_SECRET, NULL, NULL),
    S(CK_SSH_KNOWN_HOSTS, "ssh_known_hosts", T_STR, ssh_known_hosts, 0, NULL, NULL),
    S(CK_TAG_ALLOWED_SIGNERS, "tag_allowed_signers", T_CONTENTS, tag_allowed_signers, 0, NULL,
      NULL),
    S(CK_TAG_KEYRING, "tag_keyring", T_CONTENTS_LIST, tag_keyring, F_BINARY, NULL, NULL),
    S(CK_TAGS, "tags", T_LIST, tags, 0, NULL, NULL),
    S(CK_TIMEOUT, "timeout", T_DURATION, timeout, 0, NULL, NULL),
    S(CK_VOLUMES, "volumes", T_LIST, volumes, 0, NULL, check_volume),
    S(CK_WORKDIR, "workdir", T_STR, workdir, 0, NULL, check_abs_path),
};

struct drone_var {
	const char *name;
	size_t off;
};

#define D(nm, field)                                                                               \
	{                                                                                          \
		nm, offsetof(struct drone_context, field)                                          \
	}
static const struct drone_var drone_vars[] = {
    D("DRONE_BUILD_EVENT", build_event),
    D("DRONE_COMMIT_REF", commit_ref),
    D("DRONE_COMMIT_SHA", commit_sha),
    D("DRONE_COMMIT_BRANCH", commit_branch),
    D("DRONE_TAG", tag),
    D("DRONE_SOURCE_BRANCH", source_branch),
    D("DRONE_TARGET_BRANCH", target_branch),
    D("DRONE_PULL_REQUEST", pull_request),
    D("DRONE_REPO", repo),
    D("DRONE_REPO_OWNER", repo_owner),
    D("DRONE_REPO_NAME", repo_name),
    D("DRONE_BUILD_NUMBER", build_number),
    D("DRONE_BUILD_PARENT", build_parent),
    D("DRONE_BUILD_LINK", build_link),
    D("DRONE_SYSTEM_PROTO", system_proto),
    D("DRONE_SYSTEM_HOST", system_host),
    D("DRONE_DEPLOY_TO", deploy_to),
    D("DRONE_STEP_NAME", step_name),
    D("DRONE_STAGE_NAME", stage_name),
    D("DRONE_WORKSPACE", workspace),
    D("DRONE_CARD_PATH", card_path),
    D("DRONE_REPO_LINK", repo_link),
    D("DRONE_GIT_HTTP_URL", git_http_url),
    D("DRONE_NETRC_MACHINE", netrc_machine),
    D("DRONE_NETRC_USERNAME", netrc_username),
    D("DRONE_NETRC_PASSWORD", netrc_password),
};
#define DRONE_VAR_COUNT (sizeof(drone_vars) / sizeof(drone_vars[0]))

/*
 * Every environment variable mainline reads or passes to the pipeline,
 * besides the settings (a name ending in '_' is a family). A build
 * parameter naming one of these is refused (drone_api.c), and without the
 * Drone API the CONFIG_ENV_RUN ones cannot be told from parameters (gate.c).
 */
static const struct env_var {
	const char *name;
	unsigned use;
	const char *what;
} env_vars[] = {
    {"PLUGIN_", CONFIG_ENV_SETTING | CONFIG_ENV_READ, "a setting"},
    {"DRONE_", CONFIG_ENV_READ | CONFIG_ENV_PIPELINE, "the Drone build context"},
    {"OTEL_", CONFIG_ENV_PIPELINE, "the pipeline's OpenTelemetry settings"},
    {"TRACEPARENT", CONFIG_ENV_READ, "the trace context"},
    {"DAGGER_CLOUD_TOKEN", CONFIG_ENV_PIPELINE, "Dagger Cloud"},
    {"_EXPERIMENTAL_DAGGER_RUNNER_HOST", CONFIG_ENV_PIPELINE | CONFIG_ENV_RUN, "the Dagger engine"},
    {"MAINLINE_", CONFIG_ENV_READ, "mainline's installation (MAINLINE_POLICY_FILE)"},
    {"DOCKER_", CONFIG_ENV_READ | CONFIG_ENV_RUN, "the Docker engine and registry"},
    {"HOME", CONFIG_ENV_READ, "file locations"},
    {"TMPDIR", CONFIG_ENV_READ, "file locations"},
    {"XDG_CACHE_HOME", CONFIG_ENV_READ, "file locations"},
    {"http_proxy", CONFIG_ENV_READ | CONFIG_ENV_RUN, "the HTTP client's proxy"},
    {"https_proxy", CONFIG_ENV_READ | CONFIG_ENV_RUN, "the HTTP client's proxy"},
    {"all_proxy", CONFIG_ENV_READ | CONFIG_ENV_RUN, "the HTTP client's proxy"},
    {"no_proxy", CONFIG_ENV_READ | CONFIG_ENV_RUN, "the HTTP client's proxy"},
    {"SSL_CERT_FILE", CONFIG_ENV_READ | CONFIG_ENV_RUN, "TLS"},
    {"SSL_CERT_DIR", CONFIG_ENV_READ | CONFIG_ENV_RUN, "TLS"},
    {"SSLKEYLOGFILE", CONFIG_ENV_READ | CONFIG_ENV_RUN, "TLS"},
    {"OPENSSL_", CONFIG_ENV_READ | CONFIG_ENV_RUN, "OpenSSL"},
    {"LD_", CONFIG_ENV_READ | CONFIG_ENV_RUN, "the dynamic loader"},
};

static int env_name_matches(const char *pattern, const char *name)
{
	size_t n = strlen(pattern);

	if (pattern[n - 1] == '_')
		return strncasecmp(name, pattern, n) == 0;
	return strcasecmp(name, pattern) == 0;
}

unsigned config_env_use(const struct config *c, const char *name, const char **what)
{
	const struct strlist *names = c != NULL ? &c->env : NULL;
	unsigned use = 0;
	size_t i;

	if (what != NULL)
		*what = NULL;
	for (i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++) {
		if (env_name_matches(env_vars[i].name, name)) {
			use |= env_vars[i].use;
			if (what != NULL && *what == NULL)
				*what = env_vars[i].what;
		}
	}
	for (i = 0; names != NULL && i < names->n; i++) {
		if (strcasecmp(names->v[i], name) == 0) {
			use |= CONFIG_ENV_PIPELINE;
			if (what != NULL && *what == NULL)
				*what = "the pipeline (setting 'env')";
		}
	}
	return use;
}

const char *config_env_passthrough(size_t i)
{
	size_t k, n = 0;

	for (k = 0; k < sizeof(env_vars) / sizeof(env_vars[0]); k++) {
		const char *name = env_vars[k].name;

		if ((env_vars[k].use & CONFIG_ENV_PIPELINE) && name[strlen(name) - 1] != '_' &&
		    n++ == i)
			return name;
	}
	return NULL;
}

static char **str_field(struct config *c, enum config_key k)
{
	return (char **)(void *)((char *)c + settings[k].off);
}

static const char *const *cstr_field(const struct config *c, enum config_key k)
{
	return (const char *const *)(const void *)((const char *)c + settings[k].off);
}

static struct strlist *list_field(struct config *c, enum config_key k)
{
	return (struct strlist *)(void *)((char *)c + settings[k].off);
}

static const struct strlist *clist_field(const struct config *c, enum config_key k)
{
	return (const struct strlist *)(const void *)((const char *)c + settings[k].off);
}

static int *int_field(struct config *c, enum config_key k)
{
	return (int *)(void *)((char *)c + settings[k].off);
}

static int cint_field(const struct config *c, enum config_key k)
{
	return *(const int *)(const void *)((const char *)c + settings[k].off);
}

static int64_t *dur_field(struct config *c, enum config_key k)
{
	return (int64_t *)(void *)((char *)c + settings[k].off);
}

static int64_t cdur_field(const struct config *c, enum config_key k)
{
	return *(const int64_t *)(const void *)((const char *)c + settings[k].off);
}

const char *config_string(const struct config *c, enum config_key k)
{
	if ((unsigned)k >= CK_COUNT ||
	    (settings[k].type != T_STR && settings[k].type != T_CONTENTS))
		return NULL;
	return *cstr_field(c, k);
}

const struct strlist *config_list(const struct config *c, enum config_key k)
{
	if ((unsigned)k >= CK_COUNT ||
	    (settings[k].type != T_LIST && settings[k].type != T_CONTENTS_LIST))
		return NULL;
	return clist_field(c, k);
}

int64_t config_number(const struct config *c, enum config_key k)
{
	if ((unsigned)k >= CK_COUNT)
		return -1;
	if (settings[k].type == T_DURATION)
		return cdur_field(c, k);
	if (settings[k].type == T_BOOL || settings[k].type == T_ENUM)
		return cint_field(c, k);
	return -1;
}

int config_value_equal(const struct config *a, const struct config *b, enum config_key k)
{
	const struct strlist *la, *lb;
	size_t i;

	if ((unsigned)k >= CK_COUNT)
		return 0;
	switch (settings[k].type) {
	case T_STR:
	case T_CONTENTS:
		return strcmp(*cstr_field(a, k), *cstr_field(b, k)) == 0;
	case T_LIST:
	case T_CONTENTS_LIST:
		la = clist_field(a, k);
		lb = clist_field(b, k);
		if (la->n != lb->n)
			return 0;
		for (i = 0; i < la->n; i++)
			if (la->len[i] != lb->len[i] || memcmp(la->v[i], lb->v[i], la->len[i]) != 0)
				return 0;
		return 1;
	default:
		return config_number(a, k) == config_number(b, k);
	}
}

const char *config_key_name(enum config_key k)
{
	if ((unsigned)k >= CK_COUNT)
		return NULL;
	return settings[k].name;
}

int config_key_from_name(const char *name)
{
	int k;

	for (k = 0; k < CK_COUNT; k++)
		if (strcmp(settings[k].name, name) == 0)
			return k;
	return -1;
}

int config_key_is_secret(enum config_key k)
{
	return (unsigned)k < CK_COUNT && (settings[k].flags & F_SECRET) != 0;
}

/* ---- string lists ---- */

int strlist_push_n(struct strlist *l, const void *s, size_t len)
{
	size_t *lens;
	char **v;
	char *copy;

	if (l->n >= CONFIG_LIST_MAX || len == SIZE_MAX)
		return -1;
	if ((copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, s, len);
	copy[len] = '\0';
	if ((v = realloc(l->v, (l->n + 2) * sizeof(*v))) == NULL) {
		free(copy);
		return -1;
	}
	l->v = v;
	if ((lens = realloc(l->len, (l->n + 1) * sizeof(*lens))) == NULL) {
		free(copy);
		return -1;
	}
	l->len = lens;
	l->len[l->n] = len;
	l->v[l->n++] = copy;
	l->v[l->n] = NULL;
	return 0;
}

int strlist_push(struct strlist *l, const char *s)
{
	return strlist_push_n(l, s, strlen(s));
}

/* Records the file item i was read from. 0 or -1. */
static int strlist_set_origin(struct strlist *l, size_t i, const char *origin)
{
	if (l->origin == NULL && (l->origin = calloc(CONFIG_LIST_MAX, sizeof(*l->origin))) == NULL)
		return -1;
	free(l->origin[i]);
	return (l->origin[i] = strdup(origin)) == NULL ? -1 : 0;
}

const char *strlist_origin(const struct strlist *l, size_t i)
{
	return l->origin != NULL && i < l->n ? l->origin[i] : NULL;
}

int strlist_push_from(struct strlist *l, const struct strlist *src, size_t i)
{
	const char *origin = strlist_origin(src, i);

	if (strlist_push_n(l, src->v[i], src->len[i]) < 0)
		return -1;
	return origin != NULL ? strlist_set_origin(l, l->n - 1, origin) : 0;
}

void strlist_release(struct strlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i]);
		if (l->origin != NULL)
			free(l->origin[i]);
	}
	free(l->v);
	free(l->len);
	free(l->origin);
	l->v = NULL;
	l->len = NULL;
	l->origin = NULL;
	l->n = 0;
}

int strlist_contains(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

/* ---- init / release ---- */

static void drone_release(struct drone_context *d)
{
	size_t i;

	for (i = 0; i < DRONE_VAR_COUNT; i++) {
		char **p = (char **)(void *)((char *)d + drone_vars[i].off);

		free(*p);
		*p = NULL;
	}
}

void config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
}

static void clear_value(struct config *c, enum config_key k)
{
	switch (settings[k].type) {
	case T_STR:
	case T_CONTENTS: {
		char **p = str_field(c, k);

		if (*p != NULL && (settings[k].flags & F_SECRET))
			explicit_bzero(*p, strlen(*p));
		free(*p);
		*p = NULL;
		break;
	}
	case T_LIST:
	case T_CONTENTS_LIST:
		strlist_release(list_field(c, k));
		break;
	case T_BOOL:
	case T_ENUM:
		*int_field(c, k) = 0;
		break;
	case T_DURATION:
		*dur_field(c, k) = 0;
		break;
	}
	c->set &= ~CONFIG_BIT(k);
}

void config_release(struct config *c)
{
	int k;

	if (c == NULL)
		return;
	for (k = 0; k < CK_COUNT; k++)
		clear_value(c, (enum config_key)k);
	free(c->policy_anchor);
	strlist_release(&c->keyring_restrictions);
	if (c->drone.netrc_password != NULL)
		explicit_bzero(c->drone.netrc_password, strlen(c->drone.netrc_password));
	drone_release(&c->drone);
	memset(c, 0, sizeof(*c));
}

/* ---- value checks ---- */

static int has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static int is_hex_len(const char *s, size_t want)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return i == want;
}

static int check_hex_id(enum config_key k, char *item)
{
	char *p;

	if (!is_hex_len(item, 40) && !is_hex_len(item, 64))
		return ml_fail(ML_CONFIG, "invalid commit id '%s' in setting '%s'", item,
		               settings[k].name);
	for (p = item; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return 0;
}

static int check_fingerprint(enum config_key k, char *item)
{
	char *p;

	if (!is_hex_len(item, 40) && !is_hex_len(item, 64))
		return ml_fail(
		    ML_CONFIG,
		    "invalid OpenPGP fingerprint '%s' in setting '%s' (want 40 or 64 hex "
		    "digits)",
		    item, settings[k].name);
	for (p = item; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	return 0;
}

static int check_event(enum config_key k, char *item)
{
	size_t i;

	for (i = 0; event_names[i] != NULL; i++)
		if (strcmp(event_names[i], item) == 0)
			return 0;
	return ml_fail(ML_CONFIG, "unknown event '%s' in setting '%s'", item, settings[k].name);
}

static int check_env_name(enum config_key k, char *item)
{
	const char *p = item;

	if (!(isalpha((unsigned char)*p) || *p == '_'))
		goto bad;
	for (p++; *p != '\0'; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_'))
			goto bad;
	return 0;
bad:
	return ml_fail(ML_CONFIG, "invalid variable name '%s' in setting '%s'", item,
	               settings[k].name);
}

static int check_volume(enum config_key k, char *item)
{
	const char *colon = strchr(item, ':');
	const char *p;

	if (item[0] == '/' || item[0] == '.' || item[0] == '~')
		return ml_fail(ML_CONFIG,
		               "volume '%s' in setting '%s' names a host path; only named engine "
		               "volumes are allowed (name:/path)",
		               item, settings[k].name);
	if (colon == NULL || colon == item || colon[1] != '/')
		goto bad;
	for (p = item; p < colon; p++)
		if (!(isalnum((unsigned char)*p) || *p == '_' || *p == '-' || *p == '.'))
			goto bad;
	return 0;
bad:
	return ml_fail(ML_CONFIG, "invalid volume '%s' in setting '%s' (want name:/path)", item,
	               settings[k].name);
}

static int check_abs_path(enum config_key k, char *item)
{
	if (item[0] != '/')
		return ml_fail(ML_CONFIG, "setting '%s' must be an absolute path, not '%s'",
		               settings[k].name, item);
	return 0;
}

/* A repository location (url.h): a well-formed URL, a scp-like location or a path. */
static int check_location(enum config_key k, char *item)
{
	struct url_info info;
	const char *why;

	/* the value may hold a password: the message never quotes it */
	if (url_check(item, &info, &why) < 0)
		return ml_fail(ML_CONFIG, "setting '%s' is not a valid URL: %s", settings[k].name,
		               why);
	return 0;
}

static int check_http_url(enum config_key k, char *item)
{
	struct url_info info;
	const char *why;
	int r;

	if ((r = check_location(k, item)) != 0)
		return r;
	(void)url_check(item, &info, &why);
	if (info.form != URL_FULL ||
	    (strcmp(info.scheme, "http") != 0 && strcmp(info.scheme, "https") != 0))
		return ml_fail(ML_CONFIG, "setting '%s' must be an http or https URL",
		               settings[k].name);
	return 0;
}

int64_t config_parse_duration(const char *s)
{
	int64_t total = 0;
	const int64_t max = 8760LL * 3600; /* one year bounds every use and any overflow */
	int seen = 0;

	if (s == NULL || *s == '\0')
		return -1;
	while (*s != '\0') {
		int64_t n = 0, unit;
		int digits = 0;

		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (*s - '0');
			if (n > max)
				return -1;
			s++;
			digits++;
		}
		if (digits == 0)
			return -1;
		if (*s == 'h')
			unit = 3600;
		else if (*s == 'm')
			unit = 60;
		else if (*s == 's')
			unit = 1;
		else
			return -1;
		/* units in decreasing order, each at most once: "1h30m", not "30m1h" */
		if ((seen != 0 && unit >= seen))
			return -1;
		seen = (int)unit;
		s++;
		if (n > (max - total) / unit)
			return -1;
		total += n * unit;
	}
	return total;
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
			return ml_fail(ML_CONFIG, "setting '%s' is too large", settings[k].name);
		return 0;
	}
	if (has_control(v))
		return ml_fail(ML_CONFIG, "invalid path in setting '%s'", settings[k].name);
	/* a device or FIFO could block or never end: only regular files */
	if (stat(v, &st) == 0 && !S_ISREG(st.st_mode))
		return ml_fail(ML_CONFIG, "'%s' named by setting '%s' is not a regular file", v,
		               settings[k].name);
	if (buf_read_file(b, v) < 0)
		return ml_fail(ML_CONFIG, "cannot read '%s' named by setting '%s': %s", v,
		               settings[k].name,
		               errno == EFBIG ? "file too large" : strerror(errno));
	if (b->len == 0)
		return ml_fail(ML_CONFIG, "file '%s' named by setting '%s' is empty", v,
		               settings[k].name);
	if (!(settings[k].flags & F_BINARY) && memchr(b->data, '\0', b->len) != NULL)
		return ml_fail(ML_CONFIG, "file '%s' named by setting '%s' holds a NUL byte", v,
		               settings[k].name);
	return 0;
}

/* ---- setting values ---- */

static int set_string(struct config *c, enum config_key k, const char *v)
{
	struct buf b;
	char *copy = NULL;
	int r = ML_CONFIG;

	buf_init(&b, CONFIG_VALUE_MAX);
	if (settings[k].type == T_CONTENTS) {
		if ((r = resolve_contents(k, v, &b)) != 0)
			goto out;
	} else {
		if (has_control(v)) {
			r = ml_fail(ML_CONFIG, "setting '%s' holds a control character",
			            settings[k].name);
			goto out;
		}
		if (buf_append_str(&b, v) < 0) {
			r = ml_fail(ML_CONFIG, "setting '%s' is too large", settings[k].name);
			goto out;
		}
	}
	if ((copy = buf_detach(&b, NULL)) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	if (settings[k].check != NULL && (r = settings[k].check(k, copy)) != 0)
		goto out;
	clear_value(c, k);
	*str_field(c, k) = copy;
	copy = NULL; /* transferred */
	c->set |= CONFIG_BIT(k);
	r = 0;
out:
	if (copy != NULL && (settings[k].flags & F_SECRET))
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
	if (settings[k].type == T_CONTENTS_LIST) {
		if ((r = resolve_contents(k, item, &b)) != 0)
			goto out;
	} else {
		if (*item == '\0') {
			r = ml_fail(ML_CONFIG, "empty item in list setting '%s'", settings[k].name);
			goto out;
		}
		if (has_control(item)) {
			r = ml_fail(ML_CONFIG, "setting '%s' holds a control character",
			            settings[k].name);
			goto out;
		}
		if (buf_append_str(&b, item) < 0) {
			r = ml_fail(ML_CONFIG, "setting '%s' is too large", settings[k].name);
			goto out;
		}
	}
	if (settings[k].check != NULL && (r = settings[k].check(k, (char *)b.data)) != 0)
		goto out;
	if (strlist_push_n(l, (const char *)b.data, b.len) < 0) {
		r = ml_fail(ML_CONFIG, "setting '%s' has more than %u items", settings[k].name,
		            CONFIG_LIST_MAX);
		goto out;
	}
	if (settings[k].type == T_CONTENTS_LIST && !looks_like_contents(k, item) &&
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
		return ml_fail(ML_CONFIG, "setting '%s' must be a list", settings[k].name);
	cJSON_ArrayForEach(it, arr)
	{
		if (!cJSON_IsString(it))
			return ml_fail(ML_CONFIG, "setting '%s' must be a list of strings",
			               settings[k].name);
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
			               settings[k].name);
		r = list_from_json_array(k, arr, l);
		cJSON_Delete(arr);
		return r;
	}
	if (settings[k].type == T_CONTENTS_LIST && looks_like_contents(k, v))
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
			               settings[k].name);
		memcpy(item, p, len);
		item[len] = '\0';
		if (len == 0)
			return ml_fail(ML_CONFIG, "empty item in list setting '%s'",
			               settings[k].name);
		if ((r = list_add(k, l, item)) != 0)
			return r;
		if (comma == NULL)
			return 0;
		p = comma + 1;
	}
}

static int set_list(struct config *c, enum config_key k, struct strlist *l)
{
	clear_value(c, k);
	*list_field(c, k) = *l;
	l->v = NULL;
	l->len = NULL;
	l->origin = NULL;
	l->n = 0; /* transferred */
	c->set |= CONFIG_BIT(k);
	return 0;
}

static int set_scalar_text(struct config *c, enum config_key k, const char *v)
{
	const struct setting *s = &settings[k];
	size_t i;

	switch (s->type) {
	case T_BOOL:
		if (strcmp(v, "true") == 0)
			*int_field(c, k) = 1;
		else if (strcmp(v, "false") == 0)
			*int_field(c, k) = 0;
		else
			return ml_fail(ML_CONFIG,
			               "invalid boolean '%s' for setting '%s' (want true or "
			               "false)",
			               v, s->name);
		break;
	case T_DURATION: {
		int64_t d = config_parse_duration(v);

		if (d < 0)
			return ml_fail(
			    ML_CONFIG,
			    "invalid duration '%s' for setting '%s' (want e.g. 90s, 30m, "
			    "1h30m)",
			    v, s->name);
		if (k == CK_TIMEOUT && d == 0)
			return ml_fail(ML_CONFIG, "setting 'timeout' must be longer than 0s");
		*dur_field(c, k) = d;
		break;
	}
	case T_ENUM:
		for (i = 0; s->choices[i] != NULL; i++)
			if (strcmp(s->choices[i], v) == 0)
				break;
		if (s->choices[i] == NULL)
			return ml_fail(ML_CONFIG, "invalid value '%s' for setting '%s'", v,
			               s->name);
		*int_field(c, k) = (int)i;
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
	switch (settings[k].type) {
	case T_STR:
	case T_CONTENTS:
		return set_string(c, k, value);
	case T_LIST:
	case T_CONTENTS_LIST:
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
	switch (settings[k].type) {
	case T_LIST:
	case T_CONTENTS_LIST:
		if ((r = list_from_json_array(k, v, &l)) == 0)
			r = set_list(c, k, &l);
		strlist_release(&l);
		return r;
	case T_BOOL:
		if (!cJSON_IsBool(v))
			return ml_fail(ML_CONFIG, "key '%s' must be true or false",
			               settings[k].name);
		return set_scalar_text(c, k, cJSON_IsTrue(v) ? "true" : "false");
	default:
		if (!cJSON_IsString(v))
			return ml_fail(ML_CONFIG, "key '%s' must be a string", settings[k].name);
		if (v->valuestring[0] == '\0')
			return ml_fail(ML_CONFIG, "key '%s' is empty", settings[k].name);
		return config_set(c, k, v->valuestring);
	}
}

int config_copy_value(struct config *dst, const struct config *src, enum config_key k)
{
	size_t i;

	if ((unsigned)k >= CK_COUNT)
		return ml_fail(ML_CONFIG, "invalid setting");
	if (!(src->set & CONFIG_BIT(k))) {
		clear_value(dst, k);
		return 0;
	}
	switch (settings[k].type) {
	case T_STR:
	case T_CONTENTS: {
		char *copy = strdup(*cstr_field(src, k));

		if (copy == NULL)
			return ml_fail(ML_IO, "out of memory");
		clear_value(dst, k);
		*str_field(dst, k) = copy;
		break;
	}
	case T_LIST:
	case T_CONTENTS_LIST: {
		const struct strlist *from = clist_field(src, k);
		struct strlist l = {NULL, NULL, 0, NULL};

		for (i = 0; i < from->n; i++) {
			if (strlist_push_from(&l, from, i) < 0) {
				strlist_release(&l);
				return ml_fail(ML_IO, "out of memory");
			}
		}
		set_list(dst, k, &l);
		break;
	}
	case T_BOOL:
	case T_ENUM:
		*int_field(dst, k) = cint_field(src, k);
		break;
	case T_DURATION:
		*dur_field(dst, k) = cdur_field(src, k);
		break;
	}
	dst->set |= CONFIG_BIT(k);
	return 0;
}

/* ---- environment ---- */

static int env_name_is(const char *entry, const char *name)
{
	size_t n = strlen(name);

	return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

static int read_drone_var(struct config *c, const char *entry, size_t i, uint32_t *seen)
{
	const char *v = strchr(entry, '=') + 1;
	char **p = (char **)(void *)((char *)&c->drone + drone_vars[i].off);

	if (*seen & (1u << i))
		return ml_fail(ML_CONFIG, "variable '%s' appears twice", drone_vars[i].name);
	*seen |= 1u << i;
	if (*v == '\0')
		return 0;
	if (strlen(v) > CONFIG_VALUE_MAX)
		return ml_fail(ML_CONFIG, "variable '%s' is too large", drone_vars[i].name);
	if ((*p = strdup(v)) == NULL)
		return ml_fail(ML_IO, "out of memory");
	return 0;
}

static int read_plugin_var(struct config *c, const char *entry, uint64_t *seen)
{
	const char *eq = strchr(entry, '=');
	const char *name = entry + strlen("PLUGIN_");
	size_t len = (size_t)(eq - name), i;
	char lower[64];
	int k;

	if (len == 0 || len >= sizeof(lower))
		goto unknown;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (!(isupper(ch) || isdigit(ch) || ch == '_'))
			goto unknown;
		lower[i] = (char)tolower(ch);
	}
	lower[len] = '\0';
	if ((k = config_key_from_name(lower)) < 0)
		goto unknown;
	if (*seen & CONFIG_BIT(k))
		return ml_fail(ML_CONFIG, "setting '%s' appears twice", lower);
	*seen |= CONFIG_BIT(k);
	c->in_env |= CONFIG_BIT(k);
	if (eq[1] == '\0') {
		c->empty |= CONFIG_BIT(k);
		return 0;
	}
	return config_set(c, (enum config_key)k, eq + 1);
unknown:
	return ml_fail(ML_CONFIG, "unknown setting '%.*s' (from %.*s)", (int)(len < 64 ? len : 64),
	               name, (int)((size_t)(eq - entry) < 80 ? eq - entry : 80), entry);
}

/* Remembers the first variable that decides the run, as the gate must know (gate.c). */
static void note_run_var(struct config *c, const char *entry)
{
	size_t n = (size_t)(strchr(entry, '=') - entry);
	char name[sizeof(c->run_var)];

	if (c->run_var[0] != '\0' || n == 0)
		return;
	if (n >= sizeof(name))
		n = sizeof(name) - 1; /* a family still matches the cut name */
	memcpy(name, entry, n);
	name[n] = '\0';
	if (config_env_use(NULL, name, NULL) & CONFIG_ENV_RUN)
		memcpy(c->run_var, name, n + 1);
}

int config_from_env(struct config *out, char **envp)
{
	uint64_t seen_plugin = 0;
	uint32_t seen_drone = 0;
	size_t i;
	int r = ML_CONFIG;

	if (envp == NULL)
		return 0;
	for (; *envp != NULL; envp++) {
		const char *entry = *envp;

		if (strchr(entry, '=') == NULL)
			continue;
		note_run_var(out, entry);
		if (strncmp(entry, "PLUGIN_", 7) == 0) {
			if ((r = read_plugin_var(out, entry, &seen_plugin)) != 0)
				return r;
			continue;
		}
		if (strncmp(entry, "DRONE_", 6) != 0)
			continue;
		for (i = 0; i < DRONE_VAR_COUNT; i++) {
			if (env_name_is(entry, drone_vars[i].name)) {
				if ((r = read_drone_var(out, entry, i, &seen_drone)) != 0)
					return r;
				break;
			}
		}
	}
	return 0;
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
		               settings[k].name, why);
	return ml_fail(ML_CONFIG, "missing setting '%s'%s", settings[k].name, why);
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
	    {CK_PULL, "if-not-exists"},
	    {CK_TIMEOUT, "1h"},
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
	if (!(c->set & (CONFIG_BIT(CK_ALLOWED_SIGNERS) | CONFIG_BIT(CK_KEYRING))))
		return missing(
		    c, (c->empty & CONFIG_BIT(CK_KEYRING)) ? CK_KEYRING : CK_ALLOWED_SIGNERS,
		    ": a trust root (allowed_signers or keyring) is required");
	if (!c->dry_run) {
		if (!(c->set & CONFIG_BIT(CK_IMAGE)))
			return missing(c, CK_IMAGE, " (required unless dry_run is true)");
		if (!(c->set & CONFIG_BIT(CK_COMMAND)))
			return missing(c, CK_COMMAND, " (required unless dry_run is true)");
	}
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

/* ---- describe ---- */

static int put_escaped(struct buf *out, const char *s)
{
	char tmp[8];

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch >= 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", ch);
			if (buf_append_str(out, tmp) < 0)
				return -1;
		} else if (buf_append(out, s, 1) < 0) {
			return -1;
		}
	}
	return 0;
}

int config_format_duration(int64_t secs, char *out, size_t len)
{
	int64_t h = secs / 3600, m = (secs % 3600) / 60, s = secs % 60;
	int n;

	if (secs == 0)
		n = snprintf(out, len, "0s");
	else
		n = snprintf(out, len, "%.0lld%s%.0lld%s%.0lld%s", (long long)h, h ? "h" : "",
		             (long long)m, m ? "m" : "", (long long)s, s ? "s" : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Like put_escaped, with URLs in their credential-free form (url.h). */
static int put_redacted(struct buf *out, enum config_key k, const char *v)
{
	struct buf tmp;
	int r;

	buf_init(&tmp, 4 * strlen(v) + 64);
	r = ((settings[k].flags & F_URL) ? url_redact(v, &tmp) : url_redact_text(v, &tmp)) < 0
	        ? -1
	        : put_escaped(out, buf_cstr(&tmp));
	buf_release(&tmp);
	return r;
}

static int describe_value(const struct config *c, enum config_key k, struct buf *out)
{
	const struct setting *s = &settings[k];
	char dur[32];
	size_t i;

	if (s->flags & F_SECRET)
		return buf_append_str(out, "(secret)");
	switch (s->type) {
	case T_STR:
		return put_redacted(out, k, *cstr_field(c, k));
	case T_CONTENTS:
		return buf_printf(out, "(%zu bytes)", strlen(*cstr_field(c, k)));
	case T_LIST:
		for (i = 0; i < clist_field(c, k)->n; i++)
			if ((i > 0 && buf_append_str(out, ",") < 0) ||
			    put_redacted(out, k, clist_field(c, k)->v[i]) < 0)
				return -1;
		return 0;
	case T_CONTENTS_LIST:
		return buf_printf(out, "(%zu items)", clist_field(c, k)->n);
	case T_BOOL:
		return buf_append_str(out, cint_field(c, k) ? "true" : "false");
	case T_ENUM:
		return buf_append_str(out, s->choices[cint_field(c, k)]);
	case T_DURATION:
		if (config_format_duration(cdur_field(c, k), dur, sizeof(dur)) < 0)
			return -1;
		return buf_append_str(out, dur);
	}
	return -1;
}

int config_describe(const struct config *c, struct buf *out)
{
	int k;

	for (k = 0; k < CK_COUNT; k++) {
		if (!(c->set & CONFIG_BIT(k)))
			continue;
		if (buf_printf(out, "%s: ", settings[k].name) < 0 ||
		    describe_value(c, (enum config_key)k, out) < 0 || buf_append_str(out, "\n") < 0)
			return ml_fail(ML_IO, "configuration description is too large");
	}
	if (c->policy_anchor != NULL &&
	    buf_printf(out, "policy anchor: %s\n", c->policy_anchor) < 0)
		return ml_fail(ML_IO, "configuration description is too large");
	if (c->keyring_restrictions.n > 0 &&
	    buf_printf(out, "policy keyrings that only restrict: (%zu items)\n",
	               c->keyring_restrictions.n) < 0)
		return ml_fail(ML_IO, "configuration description is too large");
	return 0;
}

/* ---- canonical JSON (for the policy digest) ---- */

/* File contents appear in the canonical form as "sha256:<hex>" of their bytes. */
static int contents_digest(const void *data, size_t len, char out[8 + 2 * 32 + 1])
{
	uint8_t md[32];

	if (crypto_digest(CRYPTO_SHA256, data, len, md) < 0)
		return -1;
	memcpy(out, "sha256:", 7);
	hex_encode(md, sizeof(md), out + 7);
	return 0;
}

int config_value_to_json(const struct config *c, enum config_key k, struct cJSON *obj)
{
	const struct setting *s = &settings[k];
	char dur[32], digest[8 + 2 * 32 + 1];
	cJSON *arr;
	size_t i;

	if (s->flags & F_SECRET)
		return 0;
	switch (s->type) {
	case T_STR:
		return cJSON_AddStringToObject(obj, s->name, *cstr_field(c, k)) ? 0 : -1;
	case T_CONTENTS:
		if (contents_digest(*cstr_field(c, k), strlen(*cstr_field(c, k)), digest) < 0)
			return -1;
		return cJSON_AddStringToObject(obj, s->name, digest) ? 0 : -1;
	case T_LIST:
	case T_CONTENTS_LIST:
		if ((arr = cJSON_AddArrayToObject(obj, s->name)) == NULL)
			return -1;
		for (i = 0; i < clist_field(c, k)->n; i++) {
			const struct strlist *l = clist_field(c, k);
			cJSON *item;

			if (s->type == T_CONTENTS_LIST) {
				if (contents_digest(l->v[i], l->len[i], digest) < 0)
					return -1;
				item = cJSON_CreateString(digest);
			} else {
				item = cJSON_CreateString(l->v[i]);
			}

			if (item == NULL || !cJSON_AddItemToArray(arr, item)) {
				cJSON_Delete(item);
				return -1;
			}
		}
		return 0;
	case T_BOOL:
		return cJSON_AddBoolToObject(obj, s->name, cint_field(c, k)) ? 0 : -1;
	case T_ENUM:
		return cJSON_AddStringToObject(obj, s->name, s->choices[cint_field(c, k)]) ? 0 : -1;
	case T_DURATION:
		if (config_format_duration(cdur_field(c, k), dur, sizeof(dur)) < 0)
			return -1;
		return cJSON_AddStringToObject(obj, s->name, dur) ? 0 : -1;
	}
	return -1;
}
