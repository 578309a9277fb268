/*
 * Plugin configuration: the PLUGIN_* settings and the DRONE_* build context
 * (config_env.h reads both from an environment array, so tests control it).
 * The same setting table parses the baked policy JSON (policy.h), so both
 * speak the same keys. See docs/settings.md for every setting and its default.
 *
 * One way to read a setting: its field of struct config. Only the code that
 * treats every setting alike by key goes through the setting table below.
 */
#ifndef MAINLINE_CONFIG_H
#define MAINLINE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "docker/image.h"
#include "plugin/drone_context.h"
#include "plugin/strlist.h"

enum config_mode { CONFIG_MODE_TIP = 0, CONFIG_MODE_CHAIN };
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
	CK_CARD_SCHEMA,
	CK_CERT_PIN,
	CK_COMMAND,
	CK_COMMIT,
	CK_DOCKER_CONFIG,
	CK_DOCKER_SOCKET,
	CK_DRONE_TOKEN,
	CK_DRY_RUN,
	CK_ENV,
	CK_EVENTS,
	CK_FETCH_TIMEOUT,
	CK_FORGE_KEYS,
	CK_GATE_COMMIT,
	CK_GIT_PASSWORD,
	CK_GIT_USERNAME,
	CK_IMAGE,
	CK_INIT,
	CK_KEYRING,
	CK_MAX_SKEW,
	CK_MODE,
	CK_NETWORK,
	CK_ON_REFUSE,
	CK_OTLP_ENDPOINT,
	CK_POLICY,
	CK_PULL,
	CK_REQUIRE_USER_PRESENCE,
	CK_SOURCE,
	CK_SSH_KEY,
	CK_SSH_KNOWN_HOSTS,
	CK_STATE_URL,
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
	enum pull_policy pull; /* default if-not-exists */
	int64_t timeout;       /* seconds; default 3600 */
	struct strlist volumes;
	char *docker_config; /* contents */
	char *network;       /* unset: the build's network (network.h); "none" */
	int init;            /* default true: an init process (HostConfig.Init) */
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
	char *card_schema; /* the card's template URL */
	char *state_url;   /* secret: the shared state of a fleet (common/pg.h) */
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
	int64_t fetch_timeout; /* seconds; default 600 */

	/* PLUGIN_* names that are not settings but ignored (ignored_settings.h) */
	struct strlist ignore_settings;
	/* the policy requires state_url (POLICY_REQUIRE_SHARED_STATE, policy.h) */
	int require_shared_state;

	uint64_t set;     /* CONFIG_BIT(k): the setting was given a value */
	uint64_t empty;   /* CONFIG_BIT(k): PLUGIN_* present but empty (withheld secret?) */
	uint64_t in_env;  /* CONFIG_BIT(k): PLUGIN_* present in the environment, empty or not */
	uint64_t baked;   /* CONFIG_BIT(k): the baked policy sets the key */
	int has_baked;    /* a baked policy was found */
	char run_var[64]; /* the first CONFIG_ENV_RUN variable of the environment, "" when none */

	struct drone_context drone;
};

/* Limit on untrusted setting values: one value, or one file named by a value. */
#define CONFIG_VALUE_MAX (1u << 20)

void config_init(struct config *c);
void config_release(struct config *c);

/* The setting's name ("allowed_signers"), or NULL for an invalid key. */
const char *config_key_name(enum config_key k);

/* The key for a setting name, or -1. */
int config_key_from_name(const char *name);

/*
 * The setting table: one row per setting (name, value type, field of struct
 * config, flags, the choices of an enum, the check of a value), and access
 * to a setting's value by key. Only the code that treats every setting alike
 * goes through it: setting values (config_set.c), the policy ceiling
 * (policy.c), the redacted description (config_describe.c) and the digest's
 * canonical JSON (policy_digest.c). Everything else reads the fields of
 * struct config, so a setting is read one way wherever its meaning matters.
 */
enum setting_type {
	SETTING_STR,           /* one line of text */
	SETTING_CONTENTS,      /* file contents, or a path to read them from */
	SETTING_LIST,          /* list of one-line strings */
	SETTING_CONTENTS_LIST, /* list of contents-or-path values (keyring) */
	SETTING_BOOL,
	SETTING_DURATION,
	SETTING_ENUM,
};

#define SETTING_SECRET 0x1u /* never printed */
#define SETTING_BINARY 0x2u /* contents may hold NUL bytes (binary OpenPGP keyring) */
#define SETTING_URL 0x4u    /* a URL or repository location: printed in its credential-free form */
/* list items may be JSON objects, kept as their JSON text (Drone encodes a list of maps as JSON) */
#define SETTING_OBJECT_ITEMS 0x8u

/* Extra validation of one value or list item of the named setting; may normalise it in place. 0 or ML_CONFIG. */
typedef int (*setting_check_fn)(const char *setting, char *item);

struct setting {
	const char *name;
	enum setting_type type;
	size_t off; /* of the field in struct config */
	unsigned flags;
	const char *const *choices; /* SETTING_ENUM: names in value order */
	setting_check_fn check;     /* may be NULL */
};

/* The row of setting k, or NULL for an invalid key. */
const struct setting *setting_of(enum config_key k);

/* Read access by key (NULL / -1 when k has another type). */
const char *setting_string(const struct config *c, enum config_key k);
const struct strlist *setting_list(const struct config *c, enum config_key k);
int64_t setting_number(const struct config *c, enum config_key k); /* bool, enum, duration */

/* Whether setting k holds the same value in a and b (lists: same items, same order). */
int setting_value_equal(const struct config *a, const struct config *b, enum config_key k);

/*
 * Write access for config_set.c: the field a value of setting k goes to (its
 * type says which of these applies). Storing there does not mark it set.
 */
char **setting_string_field(struct config *c, enum config_key k);
struct strlist *setting_list_field(struct config *c, enum config_key k);
int *setting_int_field(struct config *c, enum config_key k);
int64_t *setting_duration_field(struct config *c, enum config_key k);

/* Frees setting k's value (wiping a secret) and marks it unset. */
void setting_clear(struct config *c, enum config_key k);

/*
 * Deep copy of setting k's value from src to dst (unset in src: cleared in
 * dst). 0 or ML_IO.
 */
int setting_copy(struct config *dst, const struct config *src, enum config_key k);

#endif
