/*
 * Plugin configuration: the PLUGIN_* settings and the DRONE_* build context,
 * read from an explicit environment array so tests control it. The same
 * setting table parses the baked policy JSON (policy.h), so both speak the
 * same keys. See docs/settings.md for every setting and its default.
 */
#ifndef MAINLINE_CONFIG_H
#define MAINLINE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* A list of NUL-terminated strings (owned). */
struct strlist {
	char **v;    /* NULL-terminated when n > 0 */
	size_t *len; /* byte length of each item (binary keyrings may hold NULs) */
	size_t n;
	char **origin; /* per item, the file it was read from or NULL; NULL when none was */
};

enum config_mode { CONFIG_MODE_TIP = 0, CONFIG_MODE_CHAIN };
enum config_pull { CONFIG_PULL_IF_NOT_EXISTS = 0, CONFIG_PULL_ALWAYS, CONFIG_PULL_NEVER };
enum config_on_refuse { CONFIG_ON_REFUSE_FAIL = 0, CONFIG_ON_REFUSE_SKIP };

/* Setting identifiers; the order is the alphabetical order of the names. */
enum config_key {
	CK_ALLOWED_SIGNERS,
	CK_ANCHOR,
	CK_AUDIT_FILE,
	CK_AUDIT_KEY,
	CK_AUDIT_SECRET,
	CK_AUDIT_WEBHOOK,
	CK_BRANCH,
	CK_BRANCHES,
	CK_CA_CERT,
	CK_CACHE,
	CK_CERT_PIN,
	CK_COMMAND,
	CK_COMMIT,
	CK_DOCKER_CONFIG,
	CK_DOCKER_SOCKET,
	CK_DRONE_TOKEN,
	CK_DRY_RUN,
	CK_ENV,
	CK_EVENTS,
	CK_FORGE_KEYS,
	CK_GATE_COMMIT,
	CK_GIT_PASSWORD,
	CK_GIT_USERNAME,
	CK_IMAGE,
	CK_KEYRING,
	CK_MAX_SKEW,
	CK_MODE,
	CK_ON_REFUSE,
	CK_OTLP_ENDPOINT,
	CK_POLICY,
	CK_PULL,
	CK_REQUIRE_USER_PRESENCE,
	CK_SOURCE,
	CK_SSH_KEY,
	CK_SSH_KNOWN_HOSTS,
	CK_TAG_ALLOWED_SIGNERS,
	CK_TAG_KEYRING,
	CK_TAGS,
	CK_TIMEOUT,
	CK_VOLUMES,
	CK_WORKDIR,
	CK_COUNT
};

#define CONFIG_BIT(k) ((uint64_t)1 << (k))

/*
 * The settings a build parameter could set without deciding anything:
 * credentials that only open the source or the image the other settings
 * name, and dry_run, which only stops the run. Every other setting decides
 * trust or execution: on a build that may carry parameters it must be known
 * to come from the step (the Drone API says so) or be pinned by the baked
 * policy (docs/settings.md, "Build parameters").
 */
#define CONFIG_INERT_SETTINGS                                                                      \
	(CONFIG_BIT(CK_GIT_USERNAME) | CONFIG_BIT(CK_GIT_PASSWORD) | CONFIG_BIT(CK_SSH_KEY) |      \
	 CONFIG_BIT(CK_DOCKER_CONFIG) | CONFIG_BIT(CK_DRY_RUN))

/* The DRONE_* build context (absent or empty variables stay NULL). */
struct drone_context {
	char *build_event;
	char *commit_ref;
	char *commit_sha;
	char *commit_branch;
	char *tag;
	char *source_branch;
	char *target_branch;
	char *pull_request;
	char *repo;
	char *repo_owner;
	char *repo_name;
	char *build_number;
	char *build_parent; /* the build a restart, promote or rollback comes from ("0": none) */
	char *build_link;
	char *system_proto;
	char *system_host;
	char *deploy_to;
	char *step_name;
	char *stage_name;
	char *workspace;
	char *card_path;
	char *repo_link;
	char *git_http_url;
	char *netrc_machine;
	char *netrc_username;
	char *netrc_password; /* secret: never printed */
};

struct config {
	/* the trusted source */
	char *source;
	char *branch; /* default "main" */
	char *commit;
	char *allowed_signers;  /* contents (a path setting is read) */
	struct strlist keyring; /* contents of each keyring */
	/* the policy's keyrings a setting left out: they may only restrict (policy.c) */
	struct strlist keyring_restrictions;
	enum config_mode mode; /* default tip */
	char *anchor;
	char *policy_anchor; /* the outermost policy's anchor when a setting chose another */
	int policy_chain; /* that policy requires chain mode from policy_anchor (NULL: the root) */
	struct strlist forge_keys;
	int require_user_presence;
	int64_t max_skew; /* seconds; default 300 */
	/* how the pipeline runs */
	char *image;
	struct strlist command;
	char *workdir; /* default "/pipeline" */
	struct strlist env;
	int docker_socket;
	enum config_pull pull; /* default if-not-exists */
	int64_t timeout;       /* seconds; default 3600 */
	struct strlist volumes;
	char *docker_config; /* contents */
	/* the gate */
	struct strlist events;   /* default push, tag, promote, rollback, cron, custom */
	struct strlist branches; /* default main */
	struct strlist tags;     /* empty: any tag */
	enum config_on_refuse on_refuse;
	int gate_commit;
	char *tag_allowed_signers;  /* contents: who may sign the project's release tags */
	struct strlist tag_keyring; /* contents of each keyring for the project's tags */
	/* state and audit */
	char *cache; /* default "/var/cache/mainline" */
	char *audit_file;
	char *audit_key; /* secret, contents */
	char *audit_webhook;
	char *audit_secret; /* secret */
	char *otlp_endpoint;
	char *drone_token; /* secret */
	char *policy;      /* contents */
	int dry_run;
	/* transport */
	char *git_username;
	char *git_password; /* secret */
	char *ssh_key;      /* secret, contents */
	char *ssh_known_hosts;
	char *ca_cert;
	char *cert_pin;

	uint64_t set;     /* CONFIG_BIT(k): the setting was given a value */
	uint64_t empty;   /* CONFIG_BIT(k): PLUGIN_* present but empty (withheld secret?) */
	uint64_t in_env;  /* CONFIG_BIT(k): PLUGIN_* present in the environment, empty or not */
	uint64_t baked;   /* CONFIG_BIT(k): the baked policy sets the key */
	int has_baked;    /* a baked policy was found */
	char run_var[64]; /* the first CONFIG_ENV_RUN variable of the environment, "" when none */

	struct drone_context drone;
};

/* Limits on untrusted setting values. */
#define CONFIG_VALUE_MAX (1u << 20) /* one value, or one file named by a value */
#define CONFIG_LIST_MAX 256         /* items in one list */

void config_init(struct config *c);
void config_release(struct config *c);

/* The setting's name ("allowed_signers"), or NULL for an invalid key. */
const char *config_key_name(enum config_key k);

/* Generic read access by key (NULL / -1 when k has another type). */
const char *config_string(const struct config *c, enum config_key k);
const struct strlist *config_list(const struct config *c, enum config_key k);
int64_t config_number(const struct config *c, enum config_key k); /* bool, enum, duration */

/* Whether setting k holds the same value in a and b (lists: same items, same order). */
int config_value_equal(const struct config *a, const struct config *b, enum config_key k);

/* The key for a setting name, or -1. */
int config_key_from_name(const char *name);

/*
 * Reads every PLUGIN_* and DRONE_* variable from envp (NULL-terminated
 * "NAME=value" strings) into out, which the caller has config_init()ed, and
 * notes which settings and CONFIG_ENV_RUN variables are present (in_env,
 * run_var).
 * Unknown PLUGIN_* names, repeated names and invalid values fail with
 * ML_CONFIG naming the setting; an unreadable file named by a
 * contents-or-path setting fails with ML_CONFIG too. A present but empty
 * value counts as unset (and is remembered in out->empty). Defaults are not
 * applied here (see config_finish), so the policy ceiling can tell what the
 * settings asked for. Returns 0 or an ml_reason.
 */
int config_from_env(struct config *out, char **envp);

/*
 * Sets one setting from its text form (the PLUGIN_* encoding: lists comma
 * separated or JSON arrays, booleans true/false, durations like 1h30m).
 * Used by config_from_env and by the command line. 0 or ML_CONFIG.
 */
int config_set(struct config *c, enum config_key k, const char *value);

/*
 * Applies defaults to unset settings and checks what a run needs: source,
 * at least one trust root, and image + command unless dry_run. A missing
 * required setting fails with ML_CONFIG naming it (and saying when it arrived
 * empty, as a withheld from_secret value does). 0 or ML_CONFIG.
 */
int config_finish(struct config *c);

/*
 * Appends a redacted, one-setting-per-line description of the effective
 * configuration to out: secret values are never written (only "(secret)"),
 * file contents are summarised by size. 0 or ML_IO when out is full.
 */
int config_describe(const struct config *c, struct buf *out);

/*
 * How mainline uses environment variables besides reading the settings: one
 * table (config.c) of every variable it reads or hands to the pipeline.
 */
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

/* Whether a setting holds a secret (its value is never printed). */
int config_key_is_secret(enum config_key k);

/* Deep copies (and moves) of one setting's value between configs. */
int config_copy_value(struct config *dst, const struct config *src, enum config_key k);

struct cJSON;

/*
 * Sets one setting from a policy JSON value: lists are arrays of strings,
 * booleans JSON booleans, everything else a non-empty string in the setting
 * syntax. 0 or ML_CONFIG naming the key.
 */
int config_set_json(struct config *c, enum config_key k, const struct cJSON *v);

/*
 * Adds setting k of c to the JSON object obj in canonical form: durations as
 * "1h30m", enums and strings as text, file contents as "sha256:<hex>" of
 * their bytes. Secret settings are never added. 0 or -1.
 */
int config_value_to_json(const struct config *c, enum config_key k, struct cJSON *obj);

/* Formats seconds as "1h30m", "90s" -> "1m30s", 0 -> "0s". 0 or -1. */
int config_format_duration(int64_t secs, char *out, size_t len);

/* Parses a duration ("90s", "30m", "1h30m"): seconds, or -1 when invalid. */
int64_t config_parse_duration(const char *s);

/* Whether the list contains s (exact string comparison). */
int strlist_contains(const struct strlist *l, const char *s);
/* Appends a copy (at most CONFIG_LIST_MAX items). 0 or -1. */
int strlist_push(struct strlist *l, const char *s);
int strlist_push_n(struct strlist *l, const void *s, size_t len);
/* Appends a copy of item i of src, with its origin. 0 or -1. */
int strlist_push_from(struct strlist *l, const struct strlist *src, size_t i);
/* The file item i was read from, or NULL when it was given as contents. */
const char *strlist_origin(const struct strlist *l, size_t i);
void strlist_release(struct strlist *l);

#endif
