#include "plugin/policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/json.h"
#include "plugin/config_env.h"
#include "plugin/config_set.h"
#include "plugin/forge_key.h"
#include "plugin/ignored_settings.h"

/* How a setting may differ from the ceiling's value. */
enum rule {
	R_EQUAL,          /* pinned: only repeat it */
	R_SUBSET,         /* every item must be in the ceiling's list */
	R_SAME_SET,       /* the same items in any order */
	R_AT_MOST,        /* duration no longer than the ceiling's */
	R_CANNOT_ENABLE,  /* false in the ceiling stays false */
	R_CANNOT_DISABLE, /* true in the ceiling stays true */
	R_MODE,           /* chain narrows tip */
	R_ON_REFUSE,      /* fail cannot become skip */
	R_ANCHOR,         /* any anchor; it only narrows, see carry_policy_anchor() */
	R_TRUST_ROOT,     /* allowed_signers / keyring, see trust_roots_narrow() */
	R_NOT_IN_POLICY,  /* the key cannot appear in a policy */
	R_NETWORK,        /* pinned, but "none" narrows any network */
};

static const enum rule rules[CK_COUNT] = {
    [CK_ALLOWED_SIGNERS] = R_TRUST_ROOT,
    [CK_ANCHOR] = R_ANCHOR,
    [CK_AUDIT_FILE] = R_EQUAL,
    [CK_AUDIT_KEY] = R_EQUAL,
    [CK_AUDIT_SECRET] = R_EQUAL,
    [CK_AUDIT_WEBHOOK] = R_EQUAL,
    [CK_BRANCH] = R_EQUAL,
    [CK_BRANCHES] = R_SUBSET,
    [CK_CA_CERT] = R_EQUAL,
    [CK_CACHE] = R_EQUAL,
    [CK_CARD_SCHEMA] = R_EQUAL,
    [CK_CERT_PIN] = R_EQUAL,
    [CK_COMMAND] = R_EQUAL,
    [CK_COMMIT] = R_EQUAL,
    [CK_DOCKER_CONFIG] = R_EQUAL,
    [CK_DOCKER_SOCKET] = R_CANNOT_ENABLE,
    [CK_DRONE_TOKEN] = R_EQUAL,
    [CK_DRY_RUN] = R_CANNOT_DISABLE,
    [CK_ENV] = R_SUBSET,
    [CK_EVENTS] = R_SUBSET,
    [CK_FETCH_TIMEOUT] = R_AT_MOST,
    [CK_FORGE_KEYS] = R_SAME_SET,
    [CK_GATE_COMMIT] = R_CANNOT_DISABLE,
    [CK_GIT_PASSWORD] = R_EQUAL,
    [CK_GIT_USERNAME] = R_EQUAL,
    [CK_IMAGE] = R_EQUAL,
    [CK_KEYRING] = R_TRUST_ROOT,
    [CK_MAX_SKEW] = R_AT_MOST,
    [CK_MODE] = R_MODE,
    [CK_NETWORK] = R_NETWORK,
    [CK_ON_REFUSE] = R_ON_REFUSE,
    [CK_OTLP_ENDPOINT] = R_EQUAL,
    [CK_POLICY] = R_NOT_IN_POLICY,
    [CK_PULL] = R_EQUAL,
    [CK_REQUIRE_USER_PRESENCE] = R_CANNOT_DISABLE,
    [CK_SOURCE] = R_EQUAL,
    [CK_SSH_KEY] = R_EQUAL,
    [CK_SSH_KNOWN_HOSTS] = R_EQUAL,
    [CK_STATE_URL] = R_EQUAL,
    [CK_TAG_ALLOWED_SIGNERS] = R_EQUAL,
    [CK_TAG_KEYRING] = R_EQUAL,
    [CK_TAGS] = R_SUBSET,
    [CK_TIMEOUT] = R_AT_MOST,
    [CK_VOLUMES] = R_SUBSET,
    [CK_WORKDIR] = R_EQUAL,
};

#define TRUST_ROOTS (CONFIG_BIT(CK_ALLOWED_SIGNERS) | CONFIG_BIT(CK_KEYRING))

/* Whether c names trust roots: signers, keyrings, or an SSH forge key (a signer of its own). */
static int names_trust_roots(const struct config *c)
{
	return (c->set & TRUST_ROOTS) ||
	       ((c->set & CONFIG_BIT(CK_FORGE_KEYS)) && forge_keys_grant(&c->forge_keys));
}

static int check_signers_parse(const char *text, const char *what);

/* The policy's ignore_settings: a list of names (ignored_settings.h), not a setting. */
static int parse_ignore_settings(struct config *out, const cJSON *item, int *seen)
{
	const cJSON *it;
	int r;

	if (*seen)
		return ml_fail(ML_CONFIG, "key '%s' appears twice in policy",
		               POLICY_IGNORE_SETTINGS);
	*seen = 1;
	if (!cJSON_IsArray(item))
		return ml_fail(ML_CONFIG, "key '%s' must be a list of setting names",
		               POLICY_IGNORE_SETTINGS);
	cJSON_ArrayForEach(it, item)
	{
		if (!cJSON_IsString(it))
			return ml_fail(ML_CONFIG, "key '%s' must be a list of setting names",
			               POLICY_IGNORE_SETTINGS);
		if ((r = ignored_settings_add(&out->ignore_settings, it->valuestring,
		                              "the policy's " POLICY_IGNORE_SETTINGS)) != 0)
			return r;
	}
	return 0;
}

int policy_parse(struct config *out, const char *json, size_t len)
{
	cJSON *root = NULL;
	const cJSON *item;
	int r = ML_CONFIG, k, ignore_seen = 0, shared_seen = 0;

	if ((root = json_parse(json, len, POLICY_MAX)) == NULL || !cJSON_IsObject(root)) {
		r = ml_fail(ML_CONFIG, "policy is not a JSON object");
		goto out;
	}
	cJSON_ArrayForEach(item, root)
	{
		if (strcmp(item->string, POLICY_IGNORE_SETTINGS) == 0) {
			if ((r = parse_ignore_settings(out, item, &ignore_seen)) != 0)
				goto out;
			continue;
		}
		if (strcmp(item->string, POLICY_REQUIRE_SHARED_STATE) == 0) {
			if (shared_seen++) {
				r = ml_fail(ML_CONFIG, "key '%s' appears twice in policy",
				            item->string);
				goto out;
			}
			if (!cJSON_IsBool(item)) {
				r = ml_fail(ML_CONFIG, "key '%s' must be true or false",
				            item->string);
				goto out;
			}
			out->require_shared_state = cJSON_IsTrue(item);
			continue;
		}
		k = config_key_from_name(item->string);
		if (k < 0) {
			r = ml_fail(ML_CONFIG, "unknown key '%s' in policy", item->string);
			goto out;
		}
		if (rules[k] == R_NOT_IN_POLICY) {
			r = ml_fail(ML_CONFIG, "key '%s' cannot appear in a policy", item->string);
			goto out;
		}
		if (out->set & CONFIG_BIT(k)) {
			r = ml_fail(ML_CONFIG, "key '%s' appears twice in policy", item->string);
			goto out;
		}
		if ((r = config_set_json(out, (enum config_key)k, item)) != 0)
			goto out;
	}
	/* the ceiling's signers are compared line by line later: they must parse now */
	if ((out->set & CONFIG_BIT(CK_ALLOWED_SIGNERS)) &&
	    (r = check_signers_parse(out->allowed_signers, "the policy's")) != 0)
		goto out;
	r = 0;
out:
	cJSON_Delete(root);
	return r;
}

int policy_load_file(struct config *out, const char *path, int *found)
{
	struct buf b;
	int r = ML_CONFIG;

	*found = 0;
	buf_init(&b, POLICY_MAX);
	if (buf_read_file(&b, path) < 0) {
		if (errno == ENOENT) {
			r = 0;
			goto out;
		}
		r = ml_fail(ML_CONFIG, "cannot read policy '%s': %s", path,
		            errno == EFBIG ? "file too large" : strerror(errno));
		goto out;
	}
	*found = 1;
	if ((r = policy_parse(out, buf_cstr(&b), b.len)) != 0) {
		ml_fail_override(ML_CONFIG, "invalid policy '%s': %s", path, ml_error_message());
		goto out;
	}
	r = 0;
out:
	buf_release(&b);
	return r;
}

/* ---- allowed_signers lines ---- */

#define SIGNERS_LINE_MAX 8192

struct signer_line {
	char principals[SIGNERS_LINE_MAX];
	char rest[SIGNERS_LINE_MAX]; /* options, key type and blob, single-spaced */
};

static int is_key_type(const char *tok, size_t len)
{
	static const char *const prefixes[] = {"ssh-",      "ecdsa-sha2-", "sk-ssh-",
	                                       "sk-ecdsa-", "rsa-sha2-",   NULL};
	size_t i;

	for (i = 0; prefixes[i] != NULL; i++)
		if (len > strlen(prefixes[i]) &&
		    strncmp(tok, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

/* Length of the whitespace-delimited token at s (double quotes group). */
static size_t token_len(const char *s, size_t avail)
{
	size_t i = 0;
	int quoted = 0;

	for (; i < avail; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (!quoted && (s[i] == ' ' || s[i] == '\t'))
			break;
	}
	return i;
}

/*
 * Splits one allowed_signers line into its principals and the normalised
 * rest up to the key blob (the comment is dropped). 1 for a key line, 0 for
 * a blank or comment line, -1 when unparsable.
 */
static int parse_signer_line(const char *line, size_t len, struct signer_line *out)
{
	size_t off = 0, n, rest_len = 0;
	int field = 0, after_type = 0;

	while (off < len && (line[off] == ' ' || line[off] == '\t'))
		off++;
	if (off == len || line[off] == '#')
		return 0;
	if (len >= SIGNERS_LINE_MAX)
		return -1;
	while (off < len) {
		n = token_len(line + off, len - off);
		if (field == 0) {
			memcpy(out->principals, line + off, n);
			out->principals[n] = '\0';
		} else {
			if (rest_len > 0)
				out->rest[rest_len++] = ' ';
			memcpy(out->rest + rest_len, line + off, n);
			rest_len += n;
			out->rest[rest_len] = '\0';
			if (after_type)
				return 1; /* the blob; anything after it is a comment */
			if (is_key_type(line + off, n))
				after_type = 1;
			else if (field > 1)
				return -1; /* at most one options field */
		}
		field++;
		off += n;
		while (off < len && (line[off] == ' ' || line[off] == '\t'))
			off++;
	}
	return -1;
}

/* Whether every comma-separated principal of sub is one of sup's. */
static int principals_subset(const char *sub, const char *sup)
{
	const char *p = sub;

	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
		const char *q = sup;
		int found = 0;

		for (;;) {
			const char *qend = strchr(q, ',');
			size_t m = qend != NULL ? (size_t)(qend - q) : strlen(q);

			if (m == n && strncmp(p, q, n) == 0)
				found = 1;
			if (qend == NULL || found)
				break;
			q = qend + 1;
		}
		if (!found)
			return 0;
		if (end == NULL)
			return 1;
		p = end + 1;
	}
}

typedef int (*line_fn)(void *ctx, size_t lineno, const struct signer_line *l);

static int for_each_signer(const char *text, const char *what, line_fn fn, void *ctx)
{
	struct signer_line *l = malloc(sizeof(*l));
	const char *p = text;
	size_t lineno = 0;
	int r = ML_CONFIG, got;

	if (l == NULL)
		return ml_fail(ML_IO, "out of memory");
	while (*p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);

		lineno++;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		got = parse_signer_line(p, len, l);
		if (got < 0) {
			r = ml_fail(ML_CONFIG, "cannot parse line %zu of %s allowed_signers",
			            lineno, what);
			goto out;
		}
		if (got == 1 && (r = fn(ctx, lineno, l)) != 0)
			goto out;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	r = 0;
out:
	free(l);
	return r;
}

static int accept_line(void *ctx, size_t lineno, const struct signer_line *l)
{
	return 0;
}

static int check_signers_parse(const char *text, const char *what)
{
	return for_each_signer(text, what, accept_line, NULL);
}

struct signer_search {
	const struct signer_line *want;
	int found;
};

static int match_line(void *ctx, size_t lineno, const struct signer_line *l)
{
	struct signer_search *s = ctx;

	if (strcmp(l->rest, s->want->rest) == 0 &&
	    principals_subset(s->want->principals, l->principals))
		s->found = 1;
	return 0;
}

static int check_line_in_ceiling(void *ctx, size_t lineno, const struct signer_line *l)
{
	const char *ceiling = ctx;
	struct signer_search s = {l, 0};
	int r;

	if ((r = for_each_signer(ceiling, "the policy's", match_line, &s)) != 0)
		return r;
	if (!s.found)
		return ml_fail(ML_POLICY_WIDENED,
		               "setting 'allowed_signers' widens the policy: line %zu ('%s') is "
		               "not among the policy's signers",
		               lineno, l->principals);
	return 0;
}

static void trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r')) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' ||
	                    (*s)[*len - 1] == '\n' || (*s)[*len - 1] == '\r'))
		(*len)--;
}

static int keyring_in(const struct strlist *ceiling, const char *v, size_t len)
{
	size_t i;

	trim(&v, &len);
	for (i = 0; i < ceiling->n; i++) {
		const char *c = ceiling->v[i];
		size_t clen = ceiling->len[i];

		trim(&c, &clen);
		if (clen == len && memcmp(c, v, len) == 0)
			return 1;
	}
	return 0;
}

/*
 * When the ceiling names trust roots (an SSH forge key counts), the settings
 * may only repeat a subset of them: allowed_signers lines (same options, key
 * type and blob, a subset of the principals) and whole keyrings byte for
 * byte.
 */
static int trust_roots_narrow(const struct config *ceiling, const struct config *req)
{
	size_t i;
	int r;

	if (!names_trust_roots(ceiling))
		return 0;
	if (req->set & CONFIG_BIT(CK_ALLOWED_SIGNERS)) {
		if (!(ceiling->set & CONFIG_BIT(CK_ALLOWED_SIGNERS)))
			return ml_fail(
			    ML_POLICY_WIDENED,
			    "setting 'allowed_signers' widens the policy: the policy has no "
			    "SSH signers");
		if ((r = for_each_signer(req->allowed_signers, "the setting's",
		                         check_line_in_ceiling, ceiling->allowed_signers)) != 0)
			return r;
	}
	if (req->set & CONFIG_BIT(CK_KEYRING)) {
		for (i = 0; i < req->keyring.n; i++)
			if (!keyring_in(&ceiling->keyring, req->keyring.v[i], req->keyring.len[i]))
				return ml_fail(
				    ML_POLICY_WIDENED,
				    "setting 'keyring' widens the policy: keyring %zu is not "
				    "one of the policy's keyrings",
				    i + 1);
	}
	return 0;
}

/*
 * Revocations and shortened expirations are restrictions, not grants: every
 * keyring of the ceiling that the effective keyrings leave out, and every
 * restriction the ceiling itself carries, still applies to the keys that
 * remain (trust_roots.c loads them as inputs that can only restrict).
 */
static int keep_keyring_restrictions(const struct config *ceiling, struct config *req)
{
	size_t i;

	for (i = 0; i < ceiling->keyring_restrictions.n; i++)
		if (strlist_push_from(&req->keyring_restrictions, &ceiling->keyring_restrictions,
		                      i) < 0)
			return ml_fail(ML_IO, "out of memory");
	for (i = 0; i < ceiling->keyring.n; i++)
		if (!keyring_in(&req->keyring, ceiling->keyring.v[i], ceiling->keyring.len[i]) &&
		    strlist_push_from(&req->keyring_restrictions, &ceiling->keyring, i) < 0)
			return ml_fail(ML_IO, "out of memory");
	return 0;
}

static int widened(enum config_key k, const char *why)
{
	return ml_fail(ML_POLICY_WIDENED, "setting '%s' widens the policy: %s", config_key_name(k),
	               why);
}

static int check_rule(const struct config *ceiling, const struct config *req, enum config_key k)
{
	const struct strlist *have, *allowed;
	size_t i;

	switch (rules[k]) {
	case R_EQUAL:
		if (setting_value_equal(ceiling, req, k))
			return 0;
		if ((setting_of(k)->flags & SETTING_SECRET) || setting_string(ceiling, k) == NULL ||
		    strlen(setting_string(ceiling, k)) > 200)
			return widened(k, "the policy pins another value");
		return ml_fail(ML_POLICY_WIDENED,
		               "setting '%s' widens the policy: the policy pins it to '%s'",
		               config_key_name(k), setting_string(ceiling, k));
	case R_SUBSET:
	case R_SAME_SET:
		have = setting_list(req, k);
		allowed = setting_list(ceiling, k);
		for (i = 0; i < have->n; i++)
			if (!strlist_contains(allowed, have->v[i]))
				return ml_fail(ML_POLICY_WIDENED,
				               "setting '%s' widens the policy: '%s' is not in the "
				               "policy's list",
				               config_key_name(k), have->v[i]);
		if (rules[k] == R_SAME_SET) {
			for (i = 0; i < allowed->n; i++)
				if (!strlist_contains(have, allowed->v[i]))
					return ml_fail(
					    ML_POLICY_WIDENED,
					    "setting '%s' widens the policy: it drops '%s'",
					    config_key_name(k), allowed->v[i]);
		}
		return 0;
	case R_AT_MOST:
		if (setting_number(req, k) > setting_number(ceiling, k))
			return widened(k, "it is longer than the policy allows");
		return 0;
	case R_CANNOT_ENABLE:
		if (setting_number(req, k) && !setting_number(ceiling, k))
			return widened(k, "the policy turns it off");
		return 0;
	case R_CANNOT_DISABLE:
		if (!setting_number(req, k) && setting_number(ceiling, k))
			return widened(k, "the policy turns it on");
		return 0;
	case R_MODE:
		if (req->mode == CONFIG_MODE_TIP && ceiling->mode == CONFIG_MODE_CHAIN)
			return widened(k, "the policy requires 'chain'");
		return 0;
	case R_NETWORK:
		if (strcmp(req->network, "none") == 0 ||
		    strcmp(req->network, ceiling->network) == 0)
			return 0;
		return ml_fail(ML_POLICY_WIDENED,
		               "setting 'network' widens the policy: the policy pins it to '%s' "
		               "(only 'none' narrows it)",
		               ceiling->network);
	case R_ON_REFUSE:
		if (req->on_refuse == CONFIG_ON_REFUSE_SKIP &&
		    ceiling->on_refuse == CONFIG_ON_REFUSE_FAIL)
			return widened(k, "the policy says 'fail'");
		return 0;
	case R_ANCHOR:
	case R_TRUST_ROOT:
	case R_NOT_IN_POLICY:
		return 0;
	}
	return widened(k, "no rule");
}

/*
 * The anchor rule: a setting's own anchor only narrows. When req chose
 * another anchor, it carries the outermost policy's anchor and whether that
 * policy requires chain mode: the run then starts the chain there (the
 * setting's anchor becomes one more floor), or requires the target to
 * descend from it (see fetch_verify.c). A policy in chain mode without an anchor
 * keeps its chain down to the root.
 */
static int carry_policy_anchor(const struct config *ceiling, struct config *req)
{
	const char *anchor = (ceiling->set & CONFIG_BIT(CK_ANCHOR)) ? ceiling->anchor : NULL;
	int chain = (ceiling->set & CONFIG_BIT(CK_MODE)) && ceiling->mode == CONFIG_MODE_CHAIN;

	if (ceiling->policy_anchor != NULL || ceiling->policy_chain) {
		/* an outer policy's, carried by the ceiling: it stays the outermost */
		anchor = ceiling->policy_anchor;
		chain = ceiling->policy_chain;
	} else if (!(req->set & CONFIG_BIT(CK_ANCHOR)) ||
	           (anchor != NULL ? strcmp(anchor, req->anchor) == 0 : !chain)) {
		return 0; /* req keeps the ceiling's anchor, or there is nothing to keep */
	}
	free(req->policy_anchor);
	req->policy_anchor = NULL;
	if (anchor != NULL && (req->policy_anchor = strdup(anchor)) == NULL)
		return ml_fail(ML_IO, "out of memory");
	req->policy_chain = chain;
	return 0;
}

int policy_apply(const struct config *ceiling, struct config *req)
{
	int k, r;

	if ((r = trust_roots_narrow(ceiling, req)) != 0)
		return r;
	/* forge_keys: a restriction and a grant at once, so only the policy's own list */
	if ((ceiling->set & TRUST_ROOTS) && !(ceiling->set & CONFIG_BIT(CK_FORGE_KEYS)) &&
	    (req->set & CONFIG_BIT(CK_FORGE_KEYS)) && req->forge_keys.n > 0)
		return widened(CK_FORGE_KEYS, "the policy's trust roots name no forge keys");
	for (k = 0; k < CK_COUNT; k++) {
		uint64_t bit = CONFIG_BIT(k);

		if (!(ceiling->set & bit) || !(req->set & bit))
			continue;
		if ((r = check_rule(ceiling, req, (enum config_key)k)) != 0)
			return r;
	}
	if ((r = carry_policy_anchor(ceiling, req)) != 0)
		return r;
	req->require_shared_state |= ceiling->require_shared_state;
	/* the trust roots travel together: naming one drops the ceiling's other */
	for (k = 0; k < CK_COUNT; k++) {
		uint64_t bit = CONFIG_BIT(k);

		if (!(ceiling->set & bit) || (req->set & bit))
			continue;
		if ((bit & TRUST_ROOTS) && (req->set & TRUST_ROOTS))
			continue;
		if ((r = setting_copy(req, ceiling, (enum config_key)k)) != 0)
			return r;
	}
	return keep_keyring_restrictions(ceiling, req);
}

const char *policy_baked_path(void)
{
	if (access(POLICY_BAKED_PATH, F_OK) == 0)
		return POLICY_BAKED_PATH;
	return getenv("MAINLINE_POLICY_FILE");
}

int policy_effective_config(struct config *out, char **envp, const char *baked_path)
{
	struct config baked, layer;
	int found = 0, r;

	config_init(&baked);
	config_init(&layer);
	if (baked_path != NULL && (r = policy_load_file(&baked, baked_path, &found)) != 0) {
		/* the settings still name the sinks of the failed run's record (its message stays) */
		(void)config_from_env(out, envp);
		goto out;
	}
	/* the settings to ignore are known before the first PLUGIN_* variable is read */
	strlist_move(&out->ignore_settings, &baked.ignore_settings);
	if ((r = config_from_env(out, envp)) != 0)
		goto out;
	/* what the baked policy pins, for builds that may carry parameters (gate.c) */
	out->has_baked = found;
	out->baked = baked.set;
	if (out->set & CONFIG_BIT(CK_POLICY)) {
		if ((r = policy_parse(&layer, out->policy, strlen(out->policy))) != 0) {
			ml_fail_override(ML_CONFIG, "invalid setting 'policy': %s",
			                 ml_error_message());
			goto out;
		}
		if (layer.ignore_settings.n > 0) {
			r = ml_fail(
			    ML_CONFIG,
			    "setting 'policy' has key '%s', which only the baked policy can "
			    "give (the settings are read before it)",
			    POLICY_IGNORE_SETTINGS);
			goto out;
		}
		if ((r = policy_apply(&baked, &layer)) != 0)
			goto out;
		if ((r = policy_apply(&layer, out)) != 0)
			goto out;
	} else if ((r = policy_apply(&baked, out)) != 0) {
		goto out;
	}
	if ((r = config_finish(out)) != 0)
		goto out;
	r = 0;
out:
	config_release(&baked);
	config_release(&layer);
	return r;
}
