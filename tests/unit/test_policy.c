/* The policy ceiling: settings narrow the baked policy and never widen it. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "plugin/config.h"
#include "plugin/config_env.h"
#include "plugin/policy.h"
#include "plugin/policy_digest.h"

#define KEY_A "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define KEY_B "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define KEY_C "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICcccccccccccccccccccccccccccccccccccccccccc"
#define SIGNERS_JSON                                                                               \
	"\"alice@x,carol@x namespaces=\\\"git\\\" " KEY_A                                          \
	" alice laptop\\n# comment\\nbob@x " KEY_B "\\n\""
#define ARMOR(x)                                                                                   \
	"-----BEGIN PGP PUBLIC KEY BLOCK-----\\n" x "\\n-----END PGP PUBLIC KEY BLOCK-----\\n"
#define ARMOR_ENV(x)                                                                               \
	"-----BEGIN PGP PUBLIC KEY BLOCK-----\n" x "\n-----END PGP PUBLIC KEY BLOCK-----\n"
#define FPR1 "968479A1AFF927E37D1A566BB5690EEEBB952194"
#define FPR2 "5DE3E0509C47EA3CF04A42D34AEE18F83AFDEB23"
#define GL_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICcTw/pcAWfRnzpNMmDv7uIVaLRlQZkhBe5K5m4bAEFz"
#define GL_FORGE_JSON "{\"key\":\"" GL_KEY "\",\"identity\":\"GitLab <noreply@gitlab.com>\"}"
#define SHA_A "1111111111111111111111111111111111111111"
#define SHA_B "2222222222222222222222222222222222222222"

struct case_ {
	const char *policy; /* JSON object body, without braces */
	const char *setting;
	int want;
	const char *message_part; /* for refusals */
};

static const struct case_ cases[] = {
    /* source, branch, commit: pinned */
    {"\"source\":\"https://git.example.org/ci.git\"",
     "PLUGIN_SOURCE=https://git.example.org/ci.git", 0, NULL},
    {"\"source\":\"https://git.example.org/ci.git\"", "PLUGIN_SOURCE=https://git.example.org/ci",
     ML_POLICY_WIDENED,
     "setting 'source' widens the policy: the policy pins it to "
     "'https://git.example.org/ci.git'"},
    {"\"source\":\"https://git.example.org/ci.git\"",
     "PLUGIN_SOURCE=https://git.example.org/ci.git/", ML_POLICY_WIDENED, "'source'"},
    {"\"branch\":\"main\"", "PLUGIN_BRANCH=main", 0, NULL},
    {"\"branch\":\"main\"", "PLUGIN_BRANCH=dev", ML_POLICY_WIDENED, "'branch'"},
    {"\"commit\":\"" SHA_A "\"", "PLUGIN_COMMIT=" SHA_A, 0, NULL},
    {"\"commit\":\"" SHA_A "\"", "PLUGIN_COMMIT=" SHA_B, ML_POLICY_WIDENED, "'commit'"},
    /* allowed_signers: a subset of lines, principals may shrink, options may not */
    {"\"allowed_signers\":" SIGNERS_JSON, "PLUGIN_ALLOWED_SIGNERS=bob@x " KEY_B " any comment", 0,
     NULL},
    {"\"allowed_signers\":" SIGNERS_JSON,
     "PLUGIN_ALLOWED_SIGNERS=alice@x namespaces=\"git\" " KEY_A, 0, NULL},
    {"\"allowed_signers\":" SIGNERS_JSON, "PLUGIN_ALLOWED_SIGNERS=mallory@x " KEY_C,
     ML_POLICY_WIDENED, "line 1 ('mallory@x') is not among the policy's signers"},
    {"\"allowed_signers\":" SIGNERS_JSON, "PLUGIN_ALLOWED_SIGNERS=alice@x " KEY_A,
     ML_POLICY_WIDENED, "'allowed_signers'"},
    {"\"allowed_signers\":" SIGNERS_JSON, "PLUGIN_ALLOWED_SIGNERS=eve@x,bob@x " KEY_B,
     ML_POLICY_WIDENED, "'allowed_signers'"},
    {"\"allowed_signers\":" SIGNERS_JSON, "PLUGIN_ALLOWED_SIGNERS=bob@x " KEY_A, ML_POLICY_WIDENED,
     "'allowed_signers'"},
    {"\"allowed_signers\":" SIGNERS_JSON, "PLUGIN_ALLOWED_SIGNERS=bob@x nokey", ML_CONFIG,
     "cannot parse line 1"},
    /* keyring: whole keyrings, byte for byte */
    {"\"keyring\":[\"" ARMOR("one") "\",\"" ARMOR("two") "\"]", "PLUGIN_KEYRING=" ARMOR_ENV("two"),
     0, NULL},
    {"\"keyring\":[\"" ARMOR("one") "\"]", "PLUGIN_KEYRING=" ARMOR_ENV("three"), ML_POLICY_WIDENED,
     "setting 'keyring' widens the policy: keyring 1"},
    {"\"keyring\":[\"" ARMOR("one") "\"]", "PLUGIN_ALLOWED_SIGNERS=bob@x " KEY_B, ML_POLICY_WIDENED,
     "the policy has no SSH signers"},
    /* forge_keys: the same set */
    {"\"keyring\":[\"" ARMOR("one") "\"],\"forge_keys\":[\"" FPR1 "\",\"" FPR2 "\"]",
     "PLUGIN_FORGE_KEYS=" FPR2 "," FPR1, 0, NULL},
    {"\"keyring\":[\"" ARMOR("one") "\"],\"forge_keys\":[\"" FPR1 "\",\"" FPR2 "\"]",
     "PLUGIN_FORGE_KEYS=" FPR1, ML_POLICY_WIDENED, "it drops '" FPR2 "'"},
    {"\"keyring\":[\"" ARMOR("one") "\"]", "PLUGIN_FORGE_KEYS=" FPR1, ML_POLICY_WIDENED,
     "'forge_keys'"},
    /* ... compared in their canonical form, whichever form each side was written in */
    {"\"keyring\":[\"" ARMOR("one") "\"],\"forge_keys\":[{\"key\":\"" FPR1 "\"}]",
     "PLUGIN_FORGE_KEYS=" FPR1, 0, NULL},
    {"\"keyring\":[\"" ARMOR("one") "\"],\"forge_keys\":[" GL_FORGE_JSON "]",
     "PLUGIN_FORGE_KEYS=[{\"identity\":\"GitLab <noreply@gitlab.com>\",\"key\":\"" GL_KEY
     " gitlab\"}]",
     0, NULL},
    {"\"keyring\":[\"" ARMOR("one") "\"],\"forge_keys\":[" GL_FORGE_JSON "]",
     "PLUGIN_FORGE_KEYS={\"key\":\"" GL_KEY "\",\"identity\":\"GitLab <git@gitlab.example>\"}",
     ML_POLICY_WIDENED, "is not in the policy's list"},
    /* an SSH forge key is a trust root of its own: the policy pins the roots */
    {"\"forge_keys\":[" GL_FORGE_JSON "]", "PLUGIN_ALLOWED_SIGNERS=bob@x " KEY_B, ML_POLICY_WIDENED,
     "the policy has no SSH signers"},
    {"\"forge_keys\":[" GL_FORGE_JSON "]", "PLUGIN_KEYRING=" ARMOR_ENV("three"), ML_POLICY_WIDENED,
     "setting 'keyring' widens the policy: keyring 1"},
    {"\"forge_keys\":[\"" FPR1 "\"]", "PLUGIN_KEYRING=" ARMOR_ENV("three"), 0, NULL},
    /* mode, anchor */
    {"\"mode\":\"tip\"", "PLUGIN_MODE=chain", 0, NULL},
    {"\"mode\":\"chain\"", "PLUGIN_MODE=tip", ML_POLICY_WIDENED, "requires 'chain'"},
    {"\"anchor\":\"" SHA_A "\"", "PLUGIN_ANCHOR=" SHA_B, 0, NULL},
    /* booleans that may only tighten */
    {"\"require_user_presence\":true", "PLUGIN_REQUIRE_USER_PRESENCE=true", 0, NULL},
    {"\"require_user_presence\":true", "PLUGIN_REQUIRE_USER_PRESENCE=false", ML_POLICY_WIDENED,
     "'require_user_presence' widens the policy: the policy turns it on"},
    {"\"docker_socket\":true", "PLUGIN_DOCKER_SOCKET=false", 0, NULL},
    {"\"docker_socket\":false", "PLUGIN_DOCKER_SOCKET=true", ML_POLICY_WIDENED,
     "the policy turns it off"},
    {"\"gate_commit\":false", "PLUGIN_GATE_COMMIT=true", 0, NULL},
    {"\"gate_commit\":true", "PLUGIN_GATE_COMMIT=false", ML_POLICY_WIDENED, "'gate_commit'"},
    {"\"dry_run\":false", "PLUGIN_DRY_RUN=true", 0, NULL},
    {"\"dry_run\":true", "PLUGIN_DRY_RUN=false", ML_POLICY_WIDENED, "'dry_run'"},
    /* durations: at most the ceiling */
    {"\"max_skew\":\"5m\"", "PLUGIN_MAX_SKEW=1m", 0, NULL},
    {"\"max_skew\":\"5m\"", "PLUGIN_MAX_SKEW=5m1s", ML_POLICY_WIDENED, "'max_skew'"},
    {"\"fetch_timeout\":\"5m\"", "PLUGIN_FETCH_TIMEOUT=90s", 0, NULL},
    {"\"fetch_timeout\":\"5m\"", "PLUGIN_FETCH_TIMEOUT=10m", ML_POLICY_WIDENED, "'fetch_timeout'"},
    {"\"timeout\":\"1h\"", "PLUGIN_TIMEOUT=30m", 0, NULL},
    {"\"timeout\":\"1h\"", "PLUGIN_TIMEOUT=1h30m", ML_POLICY_WIDENED,
     "'timeout' widens the policy: it is longer"},
    /* the run */
    {"\"image\":\"golang:1.22\"", "PLUGIN_IMAGE=golang:1.22", 0, NULL},
    {"\"image\":\"golang:1.22\"", "PLUGIN_IMAGE=evil:latest", ML_POLICY_WIDENED, "'image'"},
    {"\"command\":[\"go\",\"run\",\"./ci\"]", "PLUGIN_COMMAND=go,run,./ci", 0, NULL},
    {"\"command\":[\"go\",\"run\",\"./ci\"]", "PLUGIN_COMMAND=sh,-c,id", ML_POLICY_WIDENED,
     "'command'"},
    {"\"workdir\":\"/src\"", "PLUGIN_WORKDIR=/src", 0, NULL},
    {"\"workdir\":\"/src\"", "PLUGIN_WORKDIR=/", ML_POLICY_WIDENED, "'workdir'"},
    {"\"env\":[\"GOFLAGS\",\"CI\"]", "PLUGIN_ENV=CI", 0, NULL},
    {"\"env\":[\"GOFLAGS\"]", "PLUGIN_ENV=GOFLAGS,AWS_SECRET", ML_POLICY_WIDENED,
     "'AWS_SECRET' is not in the policy's list"},
    {"\"init\":true", "PLUGIN_INIT=true", 0, NULL},
    {"\"init\":true", "PLUGIN_INIT=false", ML_POLICY_WIDENED, "'init'"},
    /* the network: pinned, and none narrows it */
    {"\"network\":\"corp\"", "PLUGIN_NETWORK=corp", 0, NULL},
    {"\"network\":\"corp\"", "PLUGIN_NETWORK=none", 0, NULL},
    {"\"network\":\"none\"", "PLUGIN_NETWORK=none", 0, NULL},
    {"\"network\":\"corp\"", "PLUGIN_NETWORK=host", ML_POLICY_WIDENED,
     "setting 'network' widens the policy: the policy pins it to 'corp' (only 'none' narrows "
     "it)"},
    {"\"network\":\"none\"", "PLUGIN_NETWORK=drone-abc", ML_POLICY_WIDENED, "'network'"},
    {"\"pull\":\"always\"", "PLUGIN_PULL=always", 0, NULL},
    {"\"pull\":\"always\"", "PLUGIN_PULL=never", ML_POLICY_WIDENED, "'pull'"},
    {"\"volumes\":[\"gocache:/root/.cache\"]", "PLUGIN_VOLUMES=gocache:/root/.cache", 0, NULL},
    {"\"volumes\":[\"gocache:/root/.cache\"]", "PLUGIN_VOLUMES=root:/root", ML_POLICY_WIDENED,
     "'volumes'"},
    {"\"docker_config\":\"{}\\n\"", "PLUGIN_DOCKER_CONFIG={}\n", 0, NULL},
    {"\"docker_config\":\"{}\\n\"", "PLUGIN_DOCKER_CONFIG={\"auths\":{}}", ML_POLICY_WIDENED,
     "'docker_config'"},
    /* the gate */
    {"\"events\":[\"tag\",\"promote\"]", "PLUGIN_EVENTS=tag", 0, NULL},
    {"\"events\":[\"tag\",\"promote\"]", "PLUGIN_EVENTS=tag,push", ML_POLICY_WIDENED,
     "setting 'events' widens the policy: 'push' is not in the policy's list"},
    {"\"branches\":[\"main\",\"release/*\"]", "PLUGIN_BRANCHES=release/*", 0, NULL},
    {"\"branches\":[\"main\"]", "PLUGIN_BRANCHES=*", ML_POLICY_WIDENED, "'branches'"},
    {"\"tags\":[\"v*\"]", "PLUGIN_TAGS=v*", 0, NULL},
    {"\"tags\":[\"v1.*\"]", "PLUGIN_TAGS=v*", ML_POLICY_WIDENED, "'tags'"},
    {"\"on_refuse\":\"skip\"", "PLUGIN_ON_REFUSE=fail", 0, NULL},
    {"\"on_refuse\":\"fail\"", "PLUGIN_ON_REFUSE=skip", ML_POLICY_WIDENED, "says 'fail'"},
    /* pinned sinks and transport */
    {"\"cache\":\"/cache\"", "PLUGIN_CACHE=/cache", 0, NULL},
    {"\"cache\":\"/cache\"", "PLUGIN_CACHE=/tmp", ML_POLICY_WIDENED, "'cache'"},
    {"\"card_schema\":\"https://cards.example.org/card.json\"",
     "PLUGIN_CARD_SCHEMA=https://cards.example.org/card.json", 0, NULL},
    {"\"card_schema\":\"https://cards.example.org/card.json\"",
     "PLUGIN_CARD_SCHEMA=https://evil.example.org/card.json", ML_POLICY_WIDENED, "'card_schema'"},
    {"\"audit_file\":\"/a.jsonl\"", "PLUGIN_AUDIT_FILE=/a.jsonl", 0, NULL},
    {"\"audit_file\":\"/a.jsonl\"", "PLUGIN_AUDIT_FILE=/dev/null", ML_POLICY_WIDENED,
     "'audit_file'"},
    {"\"audit_webhook\":\"https://h/\"", "PLUGIN_AUDIT_WEBHOOK=https://h/", 0, NULL},
    {"\"audit_webhook\":\"https://h/\"", "PLUGIN_AUDIT_WEBHOOK=https://e/", ML_POLICY_WIDENED,
     "'audit_webhook'"},
    {"\"audit_secret\":\"s3cret-A\"", "PLUGIN_AUDIT_SECRET=s3cret-A", 0, NULL},
    {"\"audit_secret\":\"s3cret-A\"", "PLUGIN_AUDIT_SECRET=s3cret-B", ML_POLICY_WIDENED,
     "the policy pins another value"},
    {"\"audit_key\":\"-----BEGIN PRIVATE KEY-----\\nA\\n\"",
     "PLUGIN_AUDIT_KEY=-----BEGIN PRIVATE KEY-----\nA\n", 0, NULL},
    {"\"audit_key\":\"-----BEGIN PRIVATE KEY-----\\nA\\n\"",
     "PLUGIN_AUDIT_KEY=-----BEGIN PRIVATE KEY-----\nB\n", ML_POLICY_WIDENED, "another value"},
    {"\"tag_allowed_signers\":\"rel@x " KEY_A "\\n\"",
     "PLUGIN_TAG_ALLOWED_SIGNERS=rel@x " KEY_A "\n", 0, NULL},
    {"\"tag_allowed_signers\":\"rel@x " KEY_A "\\n\"",
     "PLUGIN_TAG_ALLOWED_SIGNERS=rel@x " KEY_B "\n", ML_POLICY_WIDENED, "'tag_allowed_signers'"},
    {"\"tag_keyring\":[\"" ARMOR("one") "\"]", "PLUGIN_TAG_KEYRING=" ARMOR_ENV("one"), 0, NULL},
    {"\"tag_keyring\":[\"" ARMOR("one") "\"]", "PLUGIN_TAG_KEYRING=" ARMOR_ENV("two"),
     ML_POLICY_WIDENED, "'tag_keyring'"},
    {"\"otlp_endpoint\":\"http://o:4318\"", "PLUGIN_OTLP_ENDPOINT=http://o:4318", 0, NULL},
    {"\"otlp_endpoint\":\"http://o:4318\"", "PLUGIN_OTLP_ENDPOINT=http://e:4318", ML_POLICY_WIDENED,
     "'otlp_endpoint'"},
    {"\"drone_token\":\"tok-A\"", "PLUGIN_DRONE_TOKEN=tok-A", 0, NULL},
    {"\"drone_token\":\"tok-A\"", "PLUGIN_DRONE_TOKEN=tok-B", ML_POLICY_WIDENED, "another value"},
    {"\"git_username\":\"robot\"", "PLUGIN_GIT_USERNAME=robot", 0, NULL},
    {"\"git_username\":\"robot\"", "PLUGIN_GIT_USERNAME=other", ML_POLICY_WIDENED,
     "'git_username'"},
    {"\"git_password\":\"pw-A\"", "PLUGIN_GIT_PASSWORD=pw-A", 0, NULL},
    {"\"git_password\":\"pw-A\"", "PLUGIN_GIT_PASSWORD=pw-B", ML_POLICY_WIDENED, "another value"},
    {"\"ssh_key\":\"-----BEGIN OPENSSH PRIVATE KEY-----\\nA\\n\"",
     "PLUGIN_SSH_KEY=-----BEGIN OPENSSH PRIVATE KEY-----\nA\n", 0, NULL},
    {"\"ssh_key\":\"-----BEGIN OPENSSH PRIVATE KEY-----\\nA\\n\"",
     "PLUGIN_SSH_KEY=-----BEGIN OPENSSH PRIVATE KEY-----\nB\n", ML_POLICY_WIDENED, "another value"},
    {"\"ssh_known_hosts\":\"git.example.org ssh-ed25519 AAAA\"",
     "PLUGIN_SSH_KNOWN_HOSTS=git.example.org ssh-ed25519 AAAA", 0, NULL},
    {"\"ssh_known_hosts\":\"git.example.org ssh-ed25519 AAAA\"",
     "PLUGIN_SSH_KNOWN_HOSTS=evil ssh-ed25519 BBBB", ML_POLICY_WIDENED, "'ssh_known_hosts'"},
    {"\"state_url\":\"postgres://ci:pw-A@db.example/ci\"",
     "PLUGIN_STATE_URL=postgres://ci:pw-A@db.example/ci", 0, NULL},
    {"\"state_url\":\"postgres://ci:pw-A@db.example/ci\"",
     "PLUGIN_STATE_URL=postgres://ci:pw-B@evil.example/ci", ML_POLICY_WIDENED, "another value"},
    {"\"ca_cert\":\"/etc/ca.pem\"", "PLUGIN_CA_CERT=/etc/ca.pem", 0, NULL},
    {"\"ca_cert\":\"/etc/ca.pem\"", "PLUGIN_CA_CERT=/tmp/ca.pem", ML_POLICY_WIDENED, "'ca_cert'"},
    {"\"cert_pin\":\"sha256//AAAA\"", "PLUGIN_CERT_PIN=sha256//AAAA", 0, NULL},
    {"\"cert_pin\":\"sha256//AAAA\"", "PLUGIN_CERT_PIN=sha256//BBBB", ML_POLICY_WIDENED,
     "'cert_pin'"},
};

static int apply_case(const struct case_ *tc, struct config *req)
{
	char json[4096];
	char *envp[] = {(char *)tc->setting, NULL};
	struct config ceiling;
	int r;

	snprintf(json, sizeof(json), "{%s}", tc->policy);
	config_init(&ceiling);
	config_init(req);
	ml_error_clear();
	if ((r = policy_parse(&ceiling, json, strlen(json))) != 0)
		fail_msg("policy %s does not parse: %s", json, ml_error_message());
	if ((r = config_from_env(req, envp)) == 0)
		r = policy_apply(&ceiling, req);
	config_release(&ceiling);
	return r;
}

static void test_narrowing_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config req;
		int r = apply_case(&cases[i], &req);

		if (r != cases[i].want)
			fail_msg("case %zu (%s / %s): got %s (%s), want %s", i, cases[i].policy,
			         cases[i].setting, ml_reason_name(r), ml_error_message(),
			         ml_reason_name(cases[i].want));
		if (r != 0 && strstr(ml_error_message(), cases[i].message_part) == NULL)
			fail_msg("case %zu: message '%s' lacks '%s'", i, ml_error_message(),
			         cases[i].message_part);
		/* no refusal message ever repeats a secret value */
		if (r != 0 && (strstr(ml_error_message(), "s3cret") != NULL ||
		               strstr(ml_error_message(), "tok-") != NULL ||
		               strstr(ml_error_message(), "pw-") != NULL))
			fail_msg("case %zu: message '%s' leaks a secret", i, ml_error_message());
		config_release(&req);
	}
}

static void test_every_key_has_both_cases(void **state)
{
	int k;

	for (k = 0; k < CK_COUNT; k++) {
		char needle[64];
		int accepted = 0, refused = 0;
		size_t i;

		if (k == CK_POLICY || k == CK_ANCHOR)
			continue;
		snprintf(needle, sizeof(needle), "\"%s\"", config_key_name(k));
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			if (strncmp(cases[i].policy, needle, strlen(needle)) != 0 &&
			    !(k == CK_FORGE_KEYS && strstr(cases[i].setting, "FORGE") != NULL))
				continue;
			if (cases[i].want == 0)
				accepted++;
			else
				refused++;
		}
		if (accepted == 0 || refused == 0)
			fail_msg("key '%s' lacks an accepted or a refused case",
			         config_key_name(k));
	}
}

static void test_unset_settings_come_from_the_ceiling(void **state)
{
	const char *json = "{\"source\":\"/srv/ci\",\"timeout\":\"20m\",\"events\":[\"tag\"],"
	                   "\"allowed_signers\":\"bob@x " KEY_B
	                   "\",\"keyring\":[\"" ARMOR("one") "\"],"
	                                                     "\"anchor\":\"" SHA_A "\"}";
	char *envp[] = {"PLUGIN_KEYRING=" ARMOR_ENV("one"), "PLUGIN_ANCHOR=" SHA_B, NULL};
	struct config ceiling, req;

	config_init(&ceiling);
	config_init(&req);
	assert_int_equal(policy_parse(&ceiling, json, strlen(json)), 0);
	assert_int_equal(config_from_env(&req, envp), 0);
	assert_int_equal(policy_apply(&ceiling, &req), 0);
	assert_string_equal(req.source, "/srv/ci");
	assert_int_equal(req.timeout, 1200);
	assert_int_equal(req.events.n, 1);
	/* naming one trust root drops the ceiling's other one */
	assert_null(req.allowed_signers);
	assert_int_equal(req.keyring.n, 1);
	/* a different anchor is kept, and the ceiling's is carried: it stays a floor */
	assert_string_equal(req.anchor, SHA_B);
	assert_string_equal(req.policy_anchor, SHA_A);
	config_release(&ceiling);
	config_release(&req);
}

static void test_bad_policies(void **state)
{
	static const struct {
		const char *json;
		const char *message_part;
	} bad[] = {
	    {"{\"sources\":\"x\"}", "unknown key 'sources' in policy"},
	    {"{\"policy\":\"{}\"}", "cannot appear in a policy"},
	    {"{\"source\":\"a\",\"source\":\"b\"}", "appears twice"},
	    {"{\"events\":\"push\"}", "must be a list"},
	    {"{\"events\":[\"push\",null]}", "list of strings"},
	    {"{\"dry_run\":\"true\"}", "must be true or false"},
	    {"{\"source\":1}", "must be a string"},
	    {"{\"source\":\"\"}", "is empty"},
	    {"{\"timeout\":\"forever\"}", "invalid duration"},
	    {"{\"allowed_signers\":\"alice@x ssh7ed25519 AAAA\\n\"}",
	     "cannot parse line 1 of the policy's"},
	    {"[]", "not a JSON object"},
	    {"{} {}", "not a JSON object"},
	    {"{\"source\":\"a\"", "not a JSON object"},
	    {"", "not a JSON object"},
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config c;

		config_init(&c);
		ml_error_clear();
		assert_int_equal(policy_parse(&c, bad[i].json, strlen(bad[i].json)), ML_CONFIG);
		if (strstr(ml_error_message(), bad[i].message_part) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].json, ml_error_message(),
			         bad[i].message_part);
		config_release(&c);
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_effective_config_layers(void **state)
{
	char dir[] = "/tmp/mainline-policy-XXXXXX";
	char path[64], missing[64];
	char *ok_env[] = {"PLUGIN_DRY_RUN=true", "PLUGIN_POLICY={\"events\":[\"tag\"]}",
	                  "PLUGIN_EVENTS=tag", NULL};
	char *wide_layer[] = {"PLUGIN_DRY_RUN=true", "PLUGIN_POLICY={\"events\":[\"push\"]}", NULL};
	char *wide_setting[] = {"PLUGIN_DRY_RUN=true", "PLUGIN_POLICY={\"events\":[\"tag\"]}",
	                        "PLUGIN_EVENTS=promote", NULL};
	char *no_roots[] = {"PLUGIN_DRY_RUN=true", "PLUGIN_SOURCE=/srv/ci", NULL};
	struct config c;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/policy.json", dir);
	snprintf(missing, sizeof(missing), "%s/none.json", dir);
	write_file(path, "{\"source\":\"/srv/ci\",\"allowed_signers\":\"bob@x " KEY_B "\","
	                 "\"events\":[\"tag\",\"promote\"]}\n");

	config_init(&c);
	assert_int_equal(policy_effective_config(&c, ok_env, path), 0);
	assert_string_equal(c.source, "/srv/ci");
	assert_int_equal(c.events.n, 1);
	assert_string_equal(c.events.v[0], "tag");
	config_release(&c);

	config_init(&c);
	ml_error_clear();
	assert_int_equal(policy_effective_config(&c, wide_layer, path), ML_POLICY_WIDENED);
	assert_non_null(strstr(ml_error_message(), "'push'"));
	config_release(&c);

	config_init(&c);
	ml_error_clear();
	assert_int_equal(policy_effective_config(&c, wide_setting, path), ML_POLICY_WIDENED);
	config_release(&c);

	/* no baked policy: the settings alone must be complete */
	config_init(&c);
	ml_error_clear();
	assert_int_equal(policy_effective_config(&c, no_roots, missing), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "trust root"));
	config_release(&c);

	/* an unparsable baked policy fails closed */
	write_file(path, "{\"source\":");
	config_init(&c);
	ml_error_clear();
	assert_int_equal(policy_effective_config(&c, ok_env, path), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "invalid policy"));
	config_release(&c);

	unlink(path);
	rmdir(dir);
}

/* Settings meant for other plugins: the baked policy names them, ignoring grants nothing. */
/* require_shared_state: a policy key, not a setting, that only narrows. */
static void test_require_shared_state(void **state)
{
	char dir[] = "/tmp/mainline-policy-XXXXXX";
	char path[64], digest_with[65], digest_without[65];
	char *plain[] = {"PLUGIN_DRY_RUN=true", NULL};
	char *undo[] = {"PLUGIN_DRY_RUN=true", "PLUGIN_POLICY={\"require_shared_state\":false}",
	                NULL};
	char *as_setting[] = {"PLUGIN_DRY_RUN=true", "PLUGIN_REQUIRE_SHARED_STATE=false", NULL};
	static const struct {
		const char *policy;
		const char *message_part;
	} bad[] = {
	    {"{\"require_shared_state\":\"true\"}", "must be true or false"},
	    {"{\"require_shared_state\":true,\"require_shared_state\":false}", "appears twice"},
	};
	struct config c;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		config_init(&c);
		ml_error_clear();
		assert_int_equal(policy_parse(&c, bad[i].policy, strlen(bad[i].policy)), ML_CONFIG);
		assert_non_null(strstr(ml_error_message(), bad[i].message_part));
		config_release(&c);
	}
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/policy.json", dir);
	write_file(path, "{\"source\":\"/srv/ci\",\"allowed_signers\":\"bob@x " KEY_B "\"}\n");
	config_init(&c);
	assert_int_equal(policy_effective_config(&c, plain, path), 0);
	assert_int_equal(c.require_shared_state, 0);
	assert_int_equal(policy_digest(&c, digest_without), 0);
	config_release(&c);
	write_file(path, "{\"source\":\"/srv/ci\",\"allowed_signers\":\"bob@x " KEY_B
	                 "\",\"require_shared_state\":true}\n");
	config_init(&c);
	assert_int_equal(policy_effective_config(&c, plain, path), 0);
	assert_int_equal(c.require_shared_state, 1);
	/* the digest names the policy that decided: it differs */
	assert_int_equal(policy_digest(&c, digest_with), 0);
	assert_string_not_equal(digest_with, digest_without);
	config_release(&c);
	/* a policy setting cannot turn the baked one's off */
	config_init(&c);
	assert_int_equal(policy_effective_config(&c, undo, path), 0);
	assert_int_equal(c.require_shared_state, 1);
	config_release(&c);
	/* and it is no setting */
	config_init(&c);
	ml_error_clear();
	assert_int_equal(policy_effective_config(&c, as_setting, path), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "REQUIRE_SHARED_STATE"));
	config_release(&c);
	unlink(path);
	rmdir(dir);
}

static void test_baked_ignore_settings(void **state)
{
	char dir[] = "/tmp/mainline-policy-XXXXXX";
	char path[64];
	char *injected[] = {"PLUGIN_DRY_RUN=true", "PLUGIN_REGISTRY_MIRROR=https://mirror.example",
	                    "PLUGIN_CUSTOM-DNS=10.0.0.53", "PLUGIN_EVENTS=tag", NULL};
	char *unknown[] = {"PLUGIN_DRY_RUN=true", "PLUGIN_SOURCE_URL=/srv/other", NULL};
	char *in_layer[] = {"PLUGIN_DRY_RUN=true",
	                    "PLUGIN_POLICY={\"ignore_settings\":[\"source_url\"]}",
	                    "PLUGIN_SOURCE_URL=/srv/other", NULL};
	static const struct {
		const char *policy;
		const char *message_part;
	} bad[] = {
	    {"{\"ignore_settings\":[\"source\"]}", "names 'source', one of mainline's settings"},
	    {"{\"ignore_settings\":[\"Allowed-Signers\"]}", "names 'allowed-signers', one of"},
	    {"{\"ignore_settings\":\"foo\"}", "must be a list of setting names"},
	    {"{\"ignore_settings\":[1]}", "must be a list of setting names"},
	    {"{\"ignore_settings\":[\"a b\"]}", "invalid setting 'a b'"},
	    {"{\"ignore_settings\":[\"\"]}", "a setting of no characters"},
	    {"{\"ignore_settings\":[\"a\"],\"ignore_settings\":[\"b\"]}", "appears twice"},
	};
	struct config c;
	size_t i;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/policy.json", dir);
	write_file(path, "{\"source\":\"/srv/ci\",\"allowed_signers\":\"bob@x " KEY_B "\","
	                 "\"ignore_settings\":[\"registry_mirror\",\"custom-dns\"]}\n");
	config_init(&c);
	ml_error_clear();
	assert_int_equal(policy_effective_config(&c, injected, path), 0);
	assert_string_equal(c.source, "/srv/ci");
	assert_string_equal(c.events.v[0], "tag");
	config_release(&c);

	/* any other unknown setting is still an error */
	config_init(&c);
	ml_error_clear();
	assert_int_equal(policy_effective_config(&c, unknown, path), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "unknown setting 'SOURCE_URL'"));
	config_release(&c);

	/* the policy setting is read after the settings: it cannot name any */
	config_init(&c);
	ml_error_clear();
	assert_int_equal(policy_effective_config(&c, in_layer, path), ML_CONFIG);
	config_release(&c);
	in_layer[2] = NULL;
	config_init(&c);
	ml_error_clear();
	assert_int_equal(policy_effective_config(&c, in_layer, path), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "only the baked policy can give"));
	config_release(&c);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		config_init(&c);
		ml_error_clear();
		assert_int_equal(policy_parse(&c, bad[i].policy, strlen(bad[i].policy)), ML_CONFIG);
		if (strstr(ml_error_message(), bad[i].message_part) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].policy, ml_error_message(),
			         bad[i].message_part);
		config_release(&c);
	}
	unlink(path);
	rmdir(dir);
}

static void test_canonical_json_and_digest(void **state)
{
	const char *a = "{\"timeout\":\"90m\",\"source\":\"/srv/ci\",\"drone_token\":\"tok-XYZ\","
	                "\"allowed_signers\":\"bob@x " KEY_B "\",\"events\":[\"tag\"]}";
	const char *b = "{\"events\":[\"tag\"],\"allowed_signers\":\"bob@x " KEY_B "\","
	                "\"source\":\"/srv/ci\",\"timeout\":\"1h30m\"}";
	const char *c2 = "{\"events\":[\"tag\"],\"allowed_signers\":\"bob@x " KEY_B "\","
	                 "\"source\":\"/srv/ci2\",\"timeout\":\"1h30m\"}";
	struct config ca, cb, cc;
	char da[65], db[65], dc[65];
	struct buf out;

	config_init(&ca);
	config_init(&cb);
	config_init(&cc);
	assert_int_equal(policy_parse(&ca, a, strlen(a)), 0);
	assert_int_equal(policy_parse(&cb, b, strlen(b)), 0);
	assert_int_equal(policy_parse(&cc, c2, strlen(c2)), 0);
	buf_init(&out, 1 << 16);
	assert_int_equal(policy_canonical_json(&ca, &out), 0);
	assert_null(strstr(buf_cstr(&out), "tok-XYZ"));
	assert_null(strstr(buf_cstr(&out), "drone_token"));
	assert_string_equal(buf_cstr(&out),
	                    "{\"allowed_signers\":\"sha256:"
	                    "29ccb45a8f41044a9817d7798f323edeea0cacfec87c05038cfdc85e3edf3739\","
	                    "\"events\":[\"tag\"],\"source\":\"/srv/ci\",\"timeout\":\"1h30m\"}");
	buf_release(&out);
	assert_int_equal(policy_digest(&ca, da), 0);
	assert_int_equal(policy_digest(&cb, db), 0);
	assert_int_equal(policy_digest(&cc, dc), 0);
	assert_int_equal(strlen(da), 64);
	assert_string_equal(da, db); /* order and secrets do not matter */
	assert_string_not_equal(da, dc);
	config_release(&ca);
	config_release(&cb);
	config_release(&cc);
}

/* A setting's anchor only narrows: the run keeps the outermost policy's anchor and its mode. */
static void test_anchor_only_narrows(void **state)
{
	static const struct {
		const char *outer, *inner, *env; /* policies (NULL: none) and PLUGIN_ANCHOR */
		const char *policy_anchor;       /* what the effective configuration carries */
		int policy_chain;
	} anchors[] = {
	    {"{\"mode\":\"chain\",\"anchor\":\"" SHA_A "\"}", NULL, SHA_B, SHA_A, 1},
	    {"{\"anchor\":\"" SHA_A "\"}", NULL, SHA_B, SHA_A, 0},
	    {"{\"mode\":\"tip\",\"anchor\":\"" SHA_A "\"}", NULL, SHA_B, SHA_A, 0},
	    /* a chain to the root stays one */
	    {"{\"mode\":\"chain\"}", NULL, SHA_B, NULL, 1},
	    {"{\"mode\":\"tip\"}", NULL, SHA_B, NULL, 0},
	    {"{\"mode\":\"chain\",\"anchor\":\"" SHA_A "\"}", NULL, SHA_A, NULL, 0},
	    {"{\"mode\":\"chain\",\"anchor\":\"" SHA_A "\"}", NULL, NULL, NULL, 0},
	    /* two layers: the outer (baked) policy's anchor survives both moves */
	    {"{\"mode\":\"chain\",\"anchor\":\"" SHA_A "\"}", "{\"anchor\":\"" SHA_B "\"}",
	     "3333333333333333333333333333333333333333", SHA_A, 1},
	    {"{\"mode\":\"chain\",\"anchor\":\"" SHA_A "\"}", "{\"anchor\":\"" SHA_B "\"}", NULL,
	     SHA_A, 1},
	    {"{\"mode\":\"chain\"}", "{\"anchor\":\"" SHA_B "\"}", NULL, NULL, 1},
	    {"{\"anchor\":\"" SHA_A "\"}", "{\"mode\":\"chain\"}", SHA_B, SHA_A, 1},
	};
	size_t i;

	for (i = 0; i < sizeof(anchors) / sizeof(anchors[0]); i++) {
		char env[80];
		char *envp[] = {env, NULL};
		struct config outer, inner, req;

		snprintf(env, sizeof(env), "PLUGIN_ANCHOR=%s",
		         anchors[i].env != NULL ? anchors[i].env : "");
		config_init(&outer);
		config_init(&inner);
		config_init(&req);
		assert_int_equal(policy_parse(&outer, anchors[i].outer, strlen(anchors[i].outer)),
		                 0);
		assert_int_equal(config_from_env(&req, anchors[i].env != NULL ? envp : envp + 1),
		                 0);
		if (anchors[i].inner != NULL) {
			assert_int_equal(
			    policy_parse(&inner, anchors[i].inner, strlen(anchors[i].inner)), 0);
			assert_int_equal(policy_apply(&outer, &inner), 0);
			assert_int_equal(policy_apply(&inner, &req), 0);
		} else {
			assert_int_equal(policy_apply(&outer, &req), 0);
		}
		if (anchors[i].policy_anchor == NULL && req.policy_anchor != NULL)
			fail_msg("case %zu: policy_anchor '%s', wanted none", i, req.policy_anchor);
		if (anchors[i].policy_anchor != NULL &&
		    (req.policy_anchor == NULL ||
		     strcmp(req.policy_anchor, anchors[i].policy_anchor)))
			fail_msg("case %zu: policy_anchor '%s', wanted '%s'", i,
			         req.policy_anchor != NULL ? req.policy_anchor : "(none)",
			         anchors[i].policy_anchor);
		if (req.policy_chain != anchors[i].policy_chain)
			fail_msg("case %zu: policy_chain %d", i, req.policy_chain);
		config_release(&outer);
		config_release(&inner);
		config_release(&req);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_narrowing_table),
	    cmocka_unit_test(test_every_key_has_both_cases),
	    cmocka_unit_test(test_unset_settings_come_from_the_ceiling),
	    cmocka_unit_test(test_anchor_only_narrows),
	    cmocka_unit_test(test_bad_policies),
	    cmocka_unit_test(test_effective_config_layers),
	    cmocka_unit_test(test_baked_ignore_settings),
	    cmocka_unit_test(test_require_shared_state),
	    cmocka_unit_test(test_canonical_json_and_digest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
