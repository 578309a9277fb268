#include "plugin/verify_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/json.h"
#include "common/pg.h"
#include "common/pg_schema.h"
#include "common/url.h"
#include "plugin/config.h"
#include "plugin/config_set.h"
#include "plugin/fetch_verify.h"
#include "plugin/policy.h"
#include "plugin/rollback_state.h"
#include "verify/verifier.h"

#define MAX_KEYRINGS 32
#define MAX_FORGE_KEYS 32

struct verify_opts {
	const char *source;
	const char *branch;
	const char *commit;
	const char *allowed_signers;
	const char *keyrings[MAX_KEYRINGS];
	size_t keyring_count;
	const char *forge_keys[MAX_FORGE_KEYS];
	size_t forge_key_count;
	const char *anchor;
	const char *state_dir;
	const char *policy;
	const char *fetch_timeout;
	const char *state_url;
	enum verify_mode mode;
	int mode_given;
	int json;
	int offline;
	int require_user_presence;
};

static void verify_usage(FILE *f)
{
	fputs("usage: mainline verify --source URL|PATH [options]\n"
	      "  --source URL|PATH        trusted pipeline repository\n"
	      "  --branch NAME            its main branch (default main)\n"
	      "  --commit SHA|REF         commit to verify (default: the branch tip)\n"
	      "  --allowed-signers FILE   SSH trust roots (git's allowed_signers format)\n"
	      "  --keyring FILE           OpenPGP keys, armored or binary (repeatable)\n"
	      "  --forge-key KEY          a forge's signing key, valid only for its commits: an\n"
	      "                           OpenPGP fingerprint (committer GitHub), or JSON\n"
	      "                           {\"key\":\"ssh-ed25519 AAAA...\",\"identity\":\"Name "
	      "<email>\"}\n"
	      "                           (repeatable)\n"
	      "  --require-user-presence  FIDO signatures must assert user presence\n"
	      "  --mode tip|chain         check the target only, or every commit after the anchor\n"
	      "  --anchor SHA             the commit the chain starts after; rollback floor\n"
	      "  --state DIR              cache and rollback state (default ~/.cache/mainline)\n"
	      "  --state-url URL          the shared state of a fleet of runners: a\n"
	      "                           postgres:// URI (password best in PGPASSWORD)\n"
	      "  --offline                use the cache as it is, do not fetch\n"
	      "  --fetch-timeout DURATION the fetch's deadline, e.g. 90s, 10m (default 10m)\n"
	      "  --json                   print one JSON object on stdout\n",
	      f);
}

/* Relative local paths become absolute so the cache and state key on one name. */
static int normalise_source(const char *source, char *out, size_t out_len)
{
	struct url_info info;
	const char *why;
	struct stat st;

	if (url_check(source, &info, &why) == 0 && info.form == URL_PATH && source[0] != '/' &&
	    stat(source, &st) == 0) {
		char *abs = realpath(source, NULL);

		if (abs == NULL)
			return ml_fail(ML_IO, "cannot resolve source path '%s': %s", source,
			               strerror(errno));
		snprintf(out, out_len, "%s", abs);
		free(abs);
		return 0;
	}
	if (strlen(source) >= out_len)
		return ml_fail(ML_CONFIG, "source '%.64s...' is too long", source);
	snprintf(out, out_len, "%s", source);
	return 0;
}

static void default_state_dir(char *out, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		snprintf(out, len, "%s/mainline", xdg);
	else if (home != NULL && home[0] == '/')
		snprintf(out, len, "%s/.cache/mainline", home);
	else
		snprintf(out, len, "/var/cache/mainline");
}

static void print_result(const struct verify_opts *o, const char *url, const char *branch,
                         int reason, const struct verify_result *res)
{
	/* as the audit record: a refusal is a verdict, exit code 2 is none */
	const char *decision = reason == 0                    ? "allow"
	                       : ml_reason_is_refusal(reason) ? "refuse"
	                                                      : "error";
	const char *message = reason == 0 ? "verified" : ml_error_message();
	const char *source = "";
	struct buf shown;

	/* the source is printed in its credential-free form */
	buf_init(&shown, 4 * strlen(url) + 64);
	if (url_redact(url, &shown) == 0)
		source = buf_cstr(&shown);

	if (o->json) {
		cJSON *root = cJSON_CreateObject(), *signer;
		char *text;

		cJSON_AddStringToObject(root, "decision", decision);
		cJSON_AddStringToObject(root, "reason", ml_reason_name(reason));
		cJSON_AddStringToObject(root, "message", message);
		cJSON_AddStringToObject(root, "source", source);
		cJSON_AddStringToObject(root, "branch", branch);
		cJSON_AddStringToObject(root, "commit", res->commit);
		cJSON_AddStringToObject(root, "tree", res->tree);
		cJSON_AddNumberToObject(root, "checked", (double)res->checked);
		if (reason == 0) {
			signer = cJSON_AddObjectToObject(root, "signer");
			cJSON_AddStringToObject(
			    signer, "format", res->signer.format == SIGNER_SSH ? "ssh" : "openpgp");
			cJSON_AddStringToObject(signer, "principal", res->signer.principal);
			cJSON_AddStringToObject(signer, "key", res->signer.key);
		} else {
			cJSON_AddNullToObject(root, "signer");
			if (res->failed[0] != '\0')
				cJSON_AddStringToObject(root, "failed_commit", res->failed);
		}
		text = cJSON_PrintUnformatted(root);
		if (text != NULL)
			printf("%s\n", text);
		cJSON_free(text);
		cJSON_Delete(root);
		buf_release(&shown);
		return;
	}
	if (reason == 0) {
		printf("allowed: commit %s (tree %s) of %s@%s\n", res->commit, res->tree, source,
		       branch);
		printf("signed by %s (%s %s); %zu signature%s checked, %zu from cache\n",
		       res->signer.principal, res->signer.format == SIGNER_SSH ? "ssh" : "openpgp",
		       res->signer.key, res->checked, res->checked == 1 ? "" : "s", res->cached);
	} else {
		fprintf(stderr, "mainline: %s (%s): %s\n",
		        ml_reason_is_refusal(reason) ? "refused" : "error", ml_reason_name(reason),
		        message);
	}
	buf_release(&shown);
}

static int parse_args(struct verify_opts *o, int argc, char **argv)
{
	enum {
		OPT_SOURCE = 256,
		OPT_BRANCH,
		OPT_COMMIT,
		OPT_SIGNERS,
		OPT_KEYRING,
		OPT_MODE,
		OPT_ANCHOR,
		OPT_STATE,
		OPT_POLICY,
		OPT_JSON,
		OPT_OFFLINE,
		OPT_FORGE,
		OPT_UP,
		OPT_FETCH_TIMEOUT,
		OPT_STATE_URL,
		OPT_HELP
	};
	static const struct option longopts[] = {
	    {"source", required_argument, NULL, OPT_SOURCE},
	    {"branch", required_argument, NULL, OPT_BRANCH},
	    {"commit", required_argument, NULL, OPT_COMMIT},
	    {"allowed-signers", required_argument, NULL, OPT_SIGNERS},
	    {"keyring", required_argument, NULL, OPT_KEYRING},
	    {"mode", required_argument, NULL, OPT_MODE},
	    {"anchor", required_argument, NULL, OPT_ANCHOR},
	    {"state", required_argument, NULL, OPT_STATE},
	    {"policy", required_argument, NULL, OPT_POLICY},
	    {"json", no_argument, NULL, OPT_JSON},
	    {"offline", no_argument, NULL, OPT_OFFLINE},
	    {"forge-key", required_argument, NULL, OPT_FORGE},
	    {"require-user-presence", no_argument, NULL, OPT_UP},
	    {"fetch-timeout", required_argument, NULL, OPT_FETCH_TIMEOUT},
	    {"state-url", required_argument, NULL, OPT_STATE_URL},
	    {"help", no_argument, NULL, OPT_HELP},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->mode = VERIFY_TIP;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SOURCE:
			o->source = optarg;
			break;
		case OPT_BRANCH:
			o->branch = optarg;
			break;
		case OPT_COMMIT:
			o->commit = optarg;
			break;
		case OPT_SIGNERS:
			o->allowed_signers = optarg;
			break;
		case OPT_KEYRING:
			if (o->keyring_count == MAX_KEYRINGS)
				return ml_fail(ML_CONFIG, "more than %d keyrings", MAX_KEYRINGS);
			o->keyrings[o->keyring_count++] = optarg;
			break;
		case OPT_FORGE:
			if (o->forge_key_count == MAX_FORGE_KEYS)
				return ml_fail(ML_CONFIG, "more than %d forge keys",
				               MAX_FORGE_KEYS);
			o->forge_keys[o->forge_key_count++] = optarg;
			break;
		case OPT_MODE:
			o->mode_given = 1;
			if (strcmp(optarg, "tip") == 0)
				o->mode = VERIFY_TIP;
			else if (strcmp(optarg, "chain") == 0)
				o->mode = VERIFY_CHAIN;
			else
				return ml_fail(ML_CONFIG, "unknown mode '%s' (tip or chain)",
				               optarg);
			break;
		case OPT_ANCHOR:
			o->anchor = optarg;
			break;
		case OPT_STATE:
			o->state_dir = optarg;
			break;
		case OPT_POLICY:
			o->policy = optarg;
			break;
		case OPT_JSON:
			o->json = 1;
			break;
		case OPT_OFFLINE:
			o->offline = 1;
			break;
		case OPT_UP:
			o->require_user_presence = 1;
			break;
		case OPT_FETCH_TIMEOUT:
			o->fetch_timeout = optarg;
			break;
		case OPT_STATE_URL:
			o->state_url = optarg;
			break;
		case OPT_HELP:
			verify_usage(stdout);
			exit(0);
		default:
			return ml_fail(ML_CONFIG, "unknown or incomplete option '%s'",
			               argv[optind - 1]);
		}
	}
	if (optind < argc)
		return ml_fail(ML_CONFIG, "unexpected argument '%s'", argv[optind]);
	if (o->source == NULL)
		return ml_fail(ML_CONFIG, "--source is required");
	return 0;
}

/* The options become settings, so `--policy` narrows them exactly as in plugin mode. */
static int build_config(struct config *c, const struct verify_opts *o, const char *source,
                        const char *state_dir)
{
	cJSON *list = NULL;
	size_t i;
	int r;

	if ((r = config_set(c, CK_SOURCE, source)) != 0 ||
	    (r = config_set(c, CK_CACHE, state_dir)) != 0 ||
	    (r = config_set(c, CK_DRY_RUN, "true")) != 0)
		return r;
	if (o->branch != NULL && (r = config_set(c, CK_BRANCH, o->branch)) != 0)
		return r;
	if (o->commit != NULL && (r = config_set(c, CK_COMMIT, o->commit)) != 0)
		return r;
	if (o->anchor != NULL && (r = config_set(c, CK_ANCHOR, o->anchor)) != 0)
		return r;
	if (o->fetch_timeout != NULL &&
	    (r = config_set(c, CK_FETCH_TIMEOUT, o->fetch_timeout)) != 0)
		return r;
	if (o->state_url != NULL && (r = config_set(c, CK_STATE_URL, o->state_url)) != 0)
		return r;
	if (o->mode_given &&
	    (r = config_set(c, CK_MODE, o->mode == VERIFY_CHAIN ? "chain" : "tip")) != 0)
		return r;
	if (o->require_user_presence && (r = config_set(c, CK_REQUIRE_USER_PRESENCE, "true")) != 0)
		return r;
	if (o->allowed_signers != NULL &&
	    (r = config_set(c, CK_ALLOWED_SIGNERS, o->allowed_signers)) != 0)
		return r;
	if (o->keyring_count > 0) {
		if ((list = cJSON_CreateArray()) == NULL)
			return ml_fail(ML_IO, "out of memory");
		for (i = 0; i < o->keyring_count; i++)
			cJSON_AddItemToArray(list, cJSON_CreateString(o->keyrings[i]));
		r = config_set_json(c, CK_KEYRING, list);
		cJSON_Delete(list);
		if (r != 0)
			return r;
	}
	if (o->forge_key_count > 0) {
		if ((list = cJSON_CreateArray()) == NULL)
			return ml_fail(ML_IO, "out of memory");
		for (i = 0; i < o->forge_key_count; i++)
			cJSON_AddItemToArray(list, cJSON_CreateString(o->forge_keys[i]));
		r = config_set_json(c, CK_FORGE_KEYS, list);
		cJSON_Delete(list);
		if (r != 0)
			return r;
	}
	return 0;
}

int verify_cmd_main(int argc, char **argv)
{
	struct config req, ceiling;
	struct verify_opts o;
	struct fetch_verify fv;
	struct pg *db = NULL;
	char source[4096], state_dir[4096];
	int r, found = 0;

	ml_error_clear();
	memset(&fv, 0, sizeof(fv));
	config_init(&req);
	config_init(&ceiling);
	source[0] = '\0';
	if ((r = parse_args(&o, argc, argv)) != 0) {
		fprintf(stderr, "mainline verify: %s\n", ml_error_message());
		verify_usage(stderr);
		return 2;
	}
	if ((r = normalise_source(o.source, source, sizeof(source))) != 0)
		goto out;
	if (o.state_dir != NULL)
		snprintf(state_dir, sizeof(state_dir), "%s", o.state_dir);
	else
		default_state_dir(state_dir, sizeof(state_dir));
	if ((r = build_config(&req, &o, source, state_dir)) != 0)
		goto out;
	if (o.policy != NULL) {
		if ((r = policy_load_file(&ceiling, o.policy, &found)) != 0)
			goto out;
		if (!found) {
			r = ml_fail(ML_CONFIG, "policy file '%s' does not exist", o.policy);
			goto out;
		}
		if ((r = policy_apply(&ceiling, &req)) != 0)
			goto out;
	}
	if ((r = config_finish(&req)) != 0 || (r = rollback_state_required(&req)) != 0)
		goto out;
	if (req.state_url != NULL && ((r = pg_connect(&db, req.state_url)) != 0 ||
	                              (r = pg_schema_ensure(db, NULL, NULL)) != 0))
		goto out;
	r = fetch_verify_run(&fv, &req, db, o.offline, NULL);
	if (fetch_verify_recovery(&fv) != NULL)
		fprintf(stderr, "mainline: warning: %s\n", fetch_verify_recovery(&fv));
out:
	print_result(&o, req.source != NULL ? req.source : o.source,
	             req.branch != NULL ? req.branch : "main", r, &fv.res);
	fetch_verify_release(&fv);
	pg_close(db);
	config_release(&ceiling);
	config_release(&req);
	if (r == 0)
		return 0;
	return ml_reason_is_refusal(r) ? 1 : 2;
}
