#include "verify_cmd.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "error.h"
#include "json.h"
#include "source.h"
#include "state.h"
#include "trust.h"
#include "verifier.h"

#define TRUST_FILE_MAX (16u << 20)
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
	enum verify_mode mode;
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
	      "  --forge-key FINGERPRINT  OpenPGP key valid only for forge commits (repeatable)\n"
	      "  --require-user-presence  FIDO signatures must assert user presence\n"
	      "  --mode tip|chain         check the target only, or every commit after the anchor\n"
	      "  --anchor SHA             the commit the chain starts after; rollback floor\n"
	      "  --state DIR              cache and rollback state (default ~/.cache/mainline)\n"
	      "  --offline                use the cache as it is, do not fetch\n"
	      "  --json                   print one JSON object on stdout\n",
	      f);
}

/* Relative local paths become absolute so the cache and state key on one name. */
static int normalise_source(const char *source, char *out, size_t out_len)
{
	struct stat st;

	if (strstr(source, "://") == NULL && source[0] != '/' && stat(source, &st) == 0) {
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

static int read_trust_file(const char *path, struct buf *b)
{
	buf_init(b, TRUST_FILE_MAX);
	if (buf_read_file(b, path) < 0) {
		int saved = errno;

		buf_release(b);
		errno = saved;
		return ml_fail(errno == EFBIG ? ML_CONFIG : ML_IO, "cannot read '%s': %s", path,
		               errno == EFBIG ? "larger than 16 MiB" : strerror(errno));
	}
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

static void print_result(const struct verify_opts *o, const char *source, int reason,
                         const struct verify_result *res)
{
	const char *decision = reason == 0 ? "allow" : "refuse";
	const char *message = reason == 0 ? "verified" : ml_error_message();

	if (o->json) {
		cJSON *root = cJSON_CreateObject(), *signer;
		char *text;

		cJSON_AddStringToObject(root, "decision", decision);
		cJSON_AddStringToObject(root, "reason", ml_reason_name(reason));
		cJSON_AddStringToObject(root, "message", message);
		cJSON_AddStringToObject(root, "source", source);
		cJSON_AddStringToObject(root, "branch", o->branch);
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
		return;
	}
	if (reason == 0) {
		printf("allowed: commit %s (tree %s) of %s@%s\n", res->commit, res->tree, source,
		       o->branch);
		printf("signed by %s (%s %s); %zu signature%s checked, %zu from cache\n",
		       res->signer.principal, res->signer.format == SIGNER_SSH ? "ssh" : "openpgp",
		       res->signer.key, res->checked, res->checked == 1 ? "" : "s", res->cached);
	} else {
		fprintf(stderr, "mainline: refused (%s): %s\n", ml_reason_name(reason), message);
	}
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
	    {"help", no_argument, NULL, OPT_HELP},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->branch = "main";
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

int verify_cmd_main(int argc, char **argv)
{
	struct buf signers, keyrings[MAX_KEYRINGS];
	const char *keyring_data[MAX_KEYRINGS];
	size_t keyring_lens[MAX_KEYRINGS], i, loaded = 0;
	struct trust_input in;
	struct trust_roots tr;
	struct verify_opts o;
	struct verify_result res;
	struct verify_request req;
	struct source_options so;
	struct source *src = NULL;
	struct state *st = NULL;
	char source[4096], state_dir[4096], digest[65];
	int r, have_roots = 0;

	ml_error_clear();
	memset(&res, 0, sizeof(res));
	buf_init(&signers, TRUST_FILE_MAX);
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

	memset(&in, 0, sizeof(in));
	in.max_skew = -1;
	in.require_user_presence = o.require_user_presence;
	if (o.allowed_signers != NULL) {
		if ((r = read_trust_file(o.allowed_signers, &signers)) != 0)
			goto out;
		in.allowed_signers = buf_cstr(&signers);
		in.allowed_signers_len = signers.len;
		in.allowed_signers_origin = o.allowed_signers;
	}
	for (i = 0; i < o.keyring_count; i++) {
		if ((r = read_trust_file(o.keyrings[i], &keyrings[i])) != 0)
			goto out;
		loaded++;
		keyring_data[i] = buf_cstr(&keyrings[i]);
		keyring_lens[i] = keyrings[i].len;
	}
	in.keyrings = keyring_data;
	in.keyring_lens = keyring_lens;
	in.keyring_origins = o.keyrings;
	in.keyring_count = o.keyring_count;
	in.forge_keys = o.forge_keys;
	in.forge_key_count = o.forge_key_count;
	if ((r = trust_load(&tr, digest, &in)) != 0)
		goto out;
	have_roots = 1;

	memset(&so, 0, sizeof(so));
	so.url = source;
	so.cache_dir = state_dir;
	so.branch = o.branch;
	so.offline = o.offline;
	if ((r = source_open(&src, &so)) != 0 || (!o.offline && (r = source_fetch(src)) != 0))
		goto out;
	if ((r = state_open(&st, state_dir, source, o.branch, digest)) != 0)
		goto out;

	memset(&req, 0, sizeof(req));
	req.branch = o.branch;
	req.target = o.commit;
	req.anchor = o.anchor;
	req.mode = o.mode;
	if ((r = verifier_run(src, st, &tr, &req, &res)) != 0)
		goto out;
	r = state_save(st);
out:
	print_result(&o, source[0] != '\0' ? source : o.source, r, &res);
	state_free(st);
	source_free(src);
	if (have_roots)
		trust_roots_release(&tr);
	for (i = 0; i < loaded; i++)
		buf_release(&keyrings[i]);
	buf_release(&signers);
	if (r == 0)
		return 0;
	return ml_reason_is_refusal(r) ? 1 : 2;
}
