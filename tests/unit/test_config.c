/* Plugin settings: encodings, defaults, required settings, redaction. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "plugin/config.h"
#include "plugin/config_describe.h"
#include "plugin/config_env.h"
#include "plugin/config_set.h"

#define SIGNER_LINE "alice@example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyKeyKeyKeyKeyKey"

/* Parses envp into c; returns the reason. */
static int load(struct config *c, char **envp)
{
	config_init(c);
	ml_error_clear();
	return config_from_env(c, envp);
}

struct bad_case {
	const char *env;
	const char *message_part;
};

static void test_rejected_values(void **state)
{
	static const struct bad_case cases[] = {
	    {"PLUGIN_SOURCES=x", "unknown setting 'SOURCES'"},
	    {"PLUGIN_=x", "unknown setting"},
	    {"PLUGIN_source=x", "unknown setting 'source'"},
	    {"PLUGIN_DRY_RUN=yes", "invalid boolean 'yes'"},
	    {"PLUGIN_DRY_RUN=1", "invalid boolean '1'"},
	    {"PLUGIN_DRY_RUN=TRUE", "invalid boolean"},
	    {"PLUGIN_TIMEOUT=3600", "invalid duration '3600'"},
	    {"PLUGIN_TIMEOUT=30m1h", "invalid duration"},
	    {"PLUGIN_TIMEOUT=1h1h", "invalid duration"},
	    {"PLUGIN_TIMEOUT=-5m", "invalid duration"},
	    {"PLUGIN_TIMEOUT=0s", "longer than 0s"},
	    {"PLUGIN_FETCH_TIMEOUT=0s", "setting 'fetch_timeout' must be longer than 0s"},
	    {"PLUGIN_FETCH_TIMEOUT=600", "invalid duration '600' for setting 'fetch_timeout'"},
	    {"PLUGIN_TIMEOUT=99999999999h", "invalid duration"},
	    {"PLUGIN_MODE=chains", "invalid value 'chains' for setting 'mode'"},
	    {"PLUGIN_PULL=sometimes", "setting 'pull'"},
	    {"PLUGIN_ON_REFUSE=ignore", "setting 'on_refuse'"},
	    {"PLUGIN_EVENTS=push,pushh", "unknown event 'pushh'"},
	    {"PLUGIN_EVENTS=push,,tag", "empty item"},
	    {"PLUGIN_EVENTS=push,", "empty item"},
	    {"PLUGIN_EVENTS=[\"push\",1]", "list of strings"},
	    {"PLUGIN_EVENTS=[\"push\"", "not a valid JSON list"},
	    {"PLUGIN_EVENTS=[\"push\"] x", "not a valid JSON list"},
	    {"PLUGIN_ANCHOR=abc", "invalid commit id 'abc'"},
	    {"PLUGIN_FORGE_KEYS=4AEE18F83AFDEB23", "neither an OpenPGP fingerprint"},
	    {"PLUGIN_ENV=GOOD,1BAD", "invalid variable name '1BAD'"},
	    {"PLUGIN_VOLUMES=cache", "invalid volume 'cache'"},
	    {"PLUGIN_VOLUMES=ca/che:/x", "names a host path"},
	    {"PLUGIN_VOLUMES=_cache:/x", "invalid volume name"},
	    {"PLUGIN_VOLUMES=cache:/x:z", "unknown option"},
	    {"PLUGIN_WORKDIR=relative", "absolute path"},
	    {"PLUGIN_SOURCE=a\tb", "control character"},
	    {"PLUGIN_SOURCE=https://user:pa@ss@host/x.git", "'source' is not a valid URL: bad host "
	                                                    "name (an '@' in a user name or "
	                                                    "password must be written %40)"},
	    {"PLUGIN_SOURCE=https://host:99999/x.git", "'source' is not a valid URL: bad port"},
	    {"PLUGIN_SOURCE=:x.git", "'source' is not a valid URL: no host"},
	    {"PLUGIN_AUDIT_WEBHOOK=/var/log/audit", "'audit_webhook' must be an http or https URL"},
	    {"PLUGIN_AUDIT_WEBHOOK=ftp://h/x", "'audit_webhook' must be an http or https URL"},
	    {"PLUGIN_OTLP_ENDPOINT=collector:4318", "'otlp_endpoint' must be an http or https URL"},
	    {"PLUGIN_OTLP_ENDPOINT=http://u:pa@ss@h:4318", "'otlp_endpoint' is not a valid URL"},
	    {"PLUGIN_ALLOWED_SIGNERS=/nonexistent/signers", "cannot read '/nonexistent/signers'"},
	    {"PLUGIN_KEYRING=/nonexistent/a.asc", "cannot read '/nonexistent/a.asc'"},
	    {"PLUGIN_POLICY=/dev/stdin", "is not a regular file"},
	    {"PLUGIN_SSH_KEY=/tmp", "is not a regular file"},
	    {"PLUGIN_IMAGE= ", "invalid image reference ' ' in setting 'image'"},
	    {"PLUGIN_IMAGE=golang:", "invalid image reference 'golang:' in setting 'image'"},
	    {"PLUGIN_IMAGE=/golang", "invalid image reference"},
	    {"PLUGIN_COMMAND=[\"go\",\"\"]", "empty item in list setting 'command'"},
	    {"PLUGIN_COMMAND=go,,run", "empty item in list setting 'command'"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *envp[] = {(char *)cases[i].env, NULL};
		struct config c;

		assert_int_equal(load(&c, envp), ML_CONFIG);
		if (strstr(ml_error_message(), cases[i].message_part) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", cases[i].env, ml_error_message(),
			         cases[i].message_part);
		/* a URL's password is never part of the message */
		assert_null(strstr(ml_error_message(), "pa@ss"));
		config_release(&c);
	}
}

/* MAINLINE_IGNORE_SETTINGS: PLUGIN_* variables for other plugins, never mainline's own. */
static void test_ignored_settings(void **state)
{
	char *ignored[] = {"MAINLINE_IGNORE_SETTINGS= registry_mirror ,Custom-DNS",
	                   "PLUGIN_REGISTRY_MIRROR=https://mirror.example",
	                   "PLUGIN_CUSTOM-DNS=10.0.0.53",
	                   "PLUGIN_REGISTRY_MIRROR=twice",
	                   "PLUGIN_SOURCE=https://example.org/ci.git",
	                   NULL};
	char *other[] = {"MAINLINE_IGNORE_SETTINGS=registry_mirror", "PLUGIN_MIRROR=x", NULL};
	static const struct bad_case bad[] = {
	    {"MAINLINE_IGNORE_SETTINGS=source", "names 'source', one of mainline's settings"},
	    {"MAINLINE_IGNORE_SETTINGS=foo,DRY_RUN", "names 'dry_run', one of mainline's settings"},
	    {"MAINLINE_IGNORE_SETTINGS=foo,,bar", "a setting of no characters"},
	    {"MAINLINE_IGNORE_SETTINGS=foo bar", "invalid setting 'foo bar'"},
	    {"MAINLINE_IGNORE_SETTINGS=plugin.x", "invalid setting 'plugin.x'"},
	};
	struct config c;
	size_t i;

	assert_int_equal(load(&c, ignored), 0);
	assert_string_equal(c.source, "https://example.org/ci.git");
	assert_int_equal(c.ignore_settings.n, 2);
	assert_string_equal(c.ignore_settings.v[1], "custom-dns");
	config_release(&c);
	assert_int_equal(load(&c, other), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "unknown setting 'MIRROR'"));
	config_release(&c);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *envp[] = {(char *)bad[i].env, "PLUGIN_FOO=1", NULL};

		assert_int_equal(load(&c, envp), ML_CONFIG);
		if (strstr(ml_error_message(), bad[i].message_part) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", bad[i].env, ml_error_message(),
			         bad[i].message_part);
		config_release(&c);
	}
}

static void test_repeated_setting_refused(void **state)
{
	char *envp[] = {"PLUGIN_SOURCE=a", "PLUGIN_SOURCE=b", NULL};
	struct config c;

	assert_int_equal(load(&c, envp), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "appears twice"));
	config_release(&c);
}

static void test_lists_comma_and_json(void **state)
{
	char *envp[] = {"PLUGIN_EVENTS= push , tag",
	                "PLUGIN_COMMAND=[\"go\",\"run\",\"./ci, now\"]", "PLUGIN_TAGS=v*",
	                "PLUGIN_BRANCHES=[\"main\",\"release/*\"]", NULL};
	struct config c;

	assert_int_equal(load(&c, envp), 0);
	assert_int_equal(c.events.n, 2);
	assert_string_equal(c.events.v[0], "push");
	assert_string_equal(c.events.v[1], "tag");
	assert_int_equal(c.command.n, 3);
	assert_string_equal(c.command.v[2], "./ci, now");
	assert_int_equal(c.tags.n, 1);
	assert_int_equal(c.branches.n, 2);
	assert_string_equal(c.branches.v[1], "release/*");
	config_release(&c);
}

static void test_scalars(void **state)
{
	char *envp[] = {"PLUGIN_DRY_RUN=true",
	                "PLUGIN_DOCKER_SOCKET=false",
	                "PLUGIN_TIMEOUT=1h30m",
	                "PLUGIN_MAX_SKEW=90s",
	                "PLUGIN_FETCH_TIMEOUT=2m30s",
	                "PLUGIN_MODE=chain",
	                "PLUGIN_PULL=never",
	                "PLUGIN_ON_REFUSE=skip",
	                "PLUGIN_ANCHOR=ABCDEF0123456789abcdef0123456789ABCDEF01",
	                "PLUGIN_FORGE_KEYS=968479a1aff927e37d1a566bb5690eeeBB952194",
	                "HOME=/root",
	                "DRONE_UNKNOWN_THING=ignored",
	                NULL};
	struct config c;

	assert_int_equal(load(&c, envp), 0);
	assert_int_equal(c.dry_run, 1);
	assert_int_equal(c.docker_socket, 0);
	assert_true(c.set & CONFIG_BIT(CK_DOCKER_SOCKET));
	assert_int_equal(c.timeout, 5400);
	assert_int_equal(c.max_skew, 90);
	assert_int_equal(c.fetch_timeout, 150);
	assert_int_equal(c.mode, CONFIG_MODE_CHAIN);
	assert_int_equal(c.pull, PULL_NEVER);
	assert_int_equal(c.on_refuse, CONFIG_ON_REFUSE_SKIP);
	assert_string_equal(c.anchor, "abcdef0123456789abcdef0123456789abcdef01");
	assert_string_equal(c.forge_keys.v[0], "968479A1AFF927E37D1A566BB5690EEEBB952194");
	config_release(&c);
}

static void test_empty_is_unset_and_withheld_secret_named(void **state)
{
	char *envp[] = {"PLUGIN_SOURCE=https://example.org/ci.git",
	                "PLUGIN_ALLOWED_SIGNERS=", "PLUGIN_DRY_RUN=true", NULL};
	struct config c;

	assert_int_equal(load(&c, envp), 0);
	assert_false(c.set & CONFIG_BIT(CK_ALLOWED_SIGNERS));
	assert_true(c.empty & CONFIG_BIT(CK_ALLOWED_SIGNERS));
	assert_int_equal(config_finish(&c), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "setting 'allowed_signers' is empty"));
	assert_non_null(strstr(ml_error_message(), "withheld"));
	config_release(&c);
}

struct required_case {
	char *env[6];
	const char *message_part;
};

static void test_required_settings(void **state)
{
	static const struct required_case cases[] = {
	    {{"PLUGIN_ALLOWED_SIGNERS=" SIGNER_LINE, "PLUGIN_DRY_RUN=true", NULL},
	     "missing setting 'source'"},
	    {{"PLUGIN_SOURCE=", "PLUGIN_ALLOWED_SIGNERS=" SIGNER_LINE, "PLUGIN_DRY_RUN=true", NULL},
	     "setting 'source' is empty"},
	    {{"PLUGIN_SOURCE=/srv/ci", "PLUGIN_DRY_RUN=true", NULL},
	     "missing setting 'allowed_signers': a trust root"},
	    {{"PLUGIN_SOURCE=/srv/ci", "PLUGIN_KEYRING=", "PLUGIN_DRY_RUN=true", NULL},
	     "setting 'keyring' is empty"},
	    {{"PLUGIN_SOURCE=/srv/ci", "PLUGIN_ALLOWED_SIGNERS=" SIGNER_LINE, NULL},
	     "missing setting 'image'"},
	    {{"PLUGIN_SOURCE=/srv/ci", "PLUGIN_ALLOWED_SIGNERS=" SIGNER_LINE, "PLUGIN_IMAGE=golang",
	      NULL},
	     "missing setting 'command'"},
	    {{"PLUGIN_SOURCE=/srv/ci", "PLUGIN_ALLOWED_SIGNERS=" SIGNER_LINE, "PLUGIN_IMAGE=golang",
	      "PLUGIN_COMMAND=[]", NULL},
	     "setting 'command' is an empty list"},
	    {{"PLUGIN_SOURCE=/srv/ci", "PLUGIN_ALLOWED_SIGNERS=" SIGNER_LINE, "PLUGIN_IMAGE=golang",
	      "PLUGIN_COMMAND=[]", "PLUGIN_DRY_RUN=true", NULL},
	     "setting 'command' is an empty list"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config c;

		assert_int_equal(load(&c, (char **)cases[i].env), 0);
		assert_int_equal(config_finish(&c), ML_CONFIG);
		if (strstr(ml_error_message(), cases[i].message_part) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, ml_error_message(),
			         cases[i].message_part);
		config_release(&c);
	}
}

static void test_defaults(void **state)
{
	char *envp[] = {"PLUGIN_SOURCE=/srv/ci", "PLUGIN_ALLOWED_SIGNERS=" SIGNER_LINE,
	                "PLUGIN_IMAGE=golang:1.22", "PLUGIN_COMMAND=go,run,./ci", NULL};
	struct config c;

	assert_int_equal(load(&c, envp), 0);
	assert_int_equal(config_finish(&c), 0);
	assert_string_equal(c.branch, "main");
	assert_int_equal(c.mode, CONFIG_MODE_TIP);
	assert_int_equal(c.max_skew, 300);
	assert_string_equal(c.workdir, "/pipeline");
	assert_int_equal(c.docker_socket, 0);
	assert_int_equal(c.pull, PULL_IF_NOT_EXISTS);
	assert_int_equal(c.timeout, 3600);
	assert_int_equal(c.fetch_timeout, 600);
	assert_int_equal(c.on_refuse, CONFIG_ON_REFUSE_FAIL);
	assert_string_equal(c.cache, "/var/cache/mainline");
	assert_int_equal(c.events.n, 6);
	assert_true(strlist_contains(&c.events, "promote"));
	assert_false(strlist_contains(&c.events, "pull_request"));
	assert_int_equal(c.branches.n, 1);
	assert_string_equal(c.branches.v[0], "main");
	assert_int_equal(c.tags.n, 0);
	config_release(&c);
}

static void test_contents_or_path(void **state)
{
	char dir[] = "/tmp/mainline-config-XXXXXX";
	char path[64], keyring_path[64], env_path[160], env_keyring[256];
	char *armored = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc\n-----END PGP PUBLIC KEY "
	                "BLOCK-----\n";
	char env_armored[256];
	struct config c;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/signers", dir);
	snprintf(keyring_path, sizeof(keyring_path), "%s/k.gpg", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(SIGNER_LINE "\n", f);
	fclose(f);
	f = fopen(keyring_path, "wb");
	assert_non_null(f);
	fwrite("\x99\x00\x01\x02", 1, 4, f);
	fclose(f);

	snprintf(env_path, sizeof(env_path), "PLUGIN_ALLOWED_SIGNERS=%s", path);
	snprintf(env_keyring, sizeof(env_keyring), "PLUGIN_KEYRING=%s,%s", keyring_path,
	         keyring_path);
	{
		char *envp[] = {env_path, env_keyring, NULL};

		assert_int_equal(load(&c, envp), 0);
		assert_string_equal(c.allowed_signers, SIGNER_LINE "\n");
		assert_int_equal(c.keyring.n, 2);
		assert_int_equal(c.keyring.len[0], 4); /* binary, with a NUL byte */
		assert_memory_equal(c.keyring.v[1], "\x99\x00\x01\x02", 4);
		config_release(&c);
	}
	/* a one-line signer and an armored keyring are contents, not paths */
	snprintf(env_armored, sizeof(env_armored), "PLUGIN_KEYRING=%s", armored);
	{
		char *envp[] = {"PLUGIN_ALLOWED_SIGNERS=" SIGNER_LINE, env_armored,
		                "PLUGIN_DOCKER_CONFIG={\"auths\":{}}", NULL};

		assert_int_equal(load(&c, envp), 0);
		assert_string_equal(c.allowed_signers, SIGNER_LINE);
		assert_int_equal(c.keyring.n, 1);
		assert_string_equal(c.keyring.v[0], armored);
		assert_string_equal(c.docker_config, "{\"auths\":{}}");
		config_release(&c);
	}
	/* an empty file is refused, and a text setting refuses NUL bytes */
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	{
		char *envp[] = {env_path, NULL};

		assert_int_equal(load(&c, envp), ML_CONFIG);
		assert_non_null(strstr(ml_error_message(), "is empty"));
		config_release(&c);
	}
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite("a\0b", 1, 3, f);
	fclose(f);
	{
		char *envp[] = {env_path, NULL};

		assert_int_equal(load(&c, envp), ML_CONFIG);
		assert_non_null(strstr(ml_error_message(), "NUL byte"));
		config_release(&c);
	}
	unlink(path);
	unlink(keyring_path);
	rmdir(dir);
}

static void test_drone_context(void **state)
{
	char *envp[] = {"DRONE_BUILD_EVENT=push",
	                "DRONE_COMMIT_REF=refs/heads/main",
	                "DRONE_COMMIT_BRANCH=main",
	                "DRONE_PULL_REQUEST=",
	                "DRONE_REPO=octo/app",
	                "DRONE_NETRC_PASSWORD=hunter2",
	                NULL};
	struct config c;

	assert_int_equal(load(&c, envp), 0);
	assert_string_equal(c.drone.build_event, "push");
	assert_string_equal(c.drone.commit_ref, "refs/heads/main");
	assert_null(c.drone.pull_request);
	assert_string_equal(c.drone.repo, "octo/app");
	assert_string_equal(c.drone.netrc_password, "hunter2");
	config_release(&c);
}

/* A refused context value fails, naming itself, and the others are still read (the card path). */
static void test_refused_context_value_keeps_the_rest(void **state)
{
	char *envp[] = {"DRONE_COMMIT_SHA=abc", "DRONE_BUILD_NUMBER=-1",
	                "DRONE_CARD_PATH=/dev/stdout", NULL};
	struct config c;

	assert_int_equal(load(&c, envp), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "'DRONE_COMMIT_SHA' is not a commit id"));
	assert_null(c.drone.commit_sha);
	assert_null(c.drone.build_number);
	assert_string_equal(c.drone.card_path, "/dev/stdout");
	config_release(&c);
}

static void test_describe_redacts_secrets(void **state)
{
	char *envp[] = {"PLUGIN_SOURCE=https://example.org/ci.git",
	                "PLUGIN_ALLOWED_SIGNERS=" SIGNER_LINE,
	                "PLUGIN_DRY_RUN=true",
	                "PLUGIN_DRONE_TOKEN=tok-SECRET-1",
	                "PLUGIN_AUDIT_SECRET=aud-SECRET-2",
	                "PLUGIN_GIT_PASSWORD=git-SECRET-3",
	                "PLUGIN_SSH_KEY=-----BEGIN OPENSSH PRIVATE KEY-----\nssh-SECRET-4\n",
	                "PLUGIN_AUDIT_KEY=-----BEGIN PRIVATE KEY-----\nkey-SECRET-5\n",
	                "PLUGIN_GIT_USERNAME=robot",
	                "DRONE_NETRC_PASSWORD=netrc-SECRET-6",
	                NULL};
	struct config c;
	struct buf out;
	const char *s;

	assert_int_equal(load(&c, envp), 0);
	assert_int_equal(config_finish(&c), 0);
	buf_init(&out, 1 << 20);
	assert_int_equal(config_describe(&c, &out), 0);
	s = buf_cstr(&out);
	assert_null(strstr(s, "SECRET"));
	assert_non_null(strstr(s, "drone_token: (secret)\n"));
	assert_non_null(strstr(s, "git_password: (secret)\n"));
	assert_non_null(strstr(s, "git_username: robot\n"));
	assert_non_null(strstr(s, "source: https://example.org/ci.git\n"));
	assert_non_null(strstr(s, "timeout: 1h\n"));
	assert_non_null(strstr(s, "events: push,tag,promote,rollback,cron,custom\n"));
	assert_null(strstr(s, "ssh-ed25519"));
	buf_release(&out);
	config_release(&c);
}

static void test_describe_strips_url_credentials(void **state)
{
	char *envp[] = {
	    "PLUGIN_SOURCE=https://robot:tok-SECRET-7@example.org/ci.git?private_token=SECRET-9",
	    "PLUGIN_ALLOWED_SIGNERS=" SIGNER_LINE,
	    "PLUGIN_DRY_RUN=true",
	    "PLUGIN_AUDIT_WEBHOOK=https://hook:hook-SECRET-8@audit.example/in#SECRET-10",
	    "PLUGIN_OTLP_ENDPOINT=https://o.example:4318?api-key=SECRET-11",
	    "PLUGIN_COMMAND=[\"git\",\"clone\",\"https://u:SECRET-12@x/y\"]",
	    NULL};
	struct config c;
	struct buf out;
	const char *s;

	assert_int_equal(load(&c, envp), 0);
	assert_int_equal(config_finish(&c), 0);
	buf_init(&out, 1 << 20);
	assert_int_equal(config_describe(&c, &out), 0);
	s = buf_cstr(&out);
	assert_null(strstr(s, "SECRET"));
	assert_non_null(strstr(s, "source: https://***@example.org/ci.git?private_token=***\n"));
	assert_non_null(strstr(s, "audit_webhook: https://***@audit.example/in\n"));
	assert_non_null(strstr(s, "otlp_endpoint: https://o.example:4318?api-key=***\n"));
	assert_non_null(strstr(s, "command: git,clone,https://***@x/y\n"));
	buf_release(&out);
	config_release(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rejected_values),
	    cmocka_unit_test(test_repeated_setting_refused),
	    cmocka_unit_test(test_ignored_settings),
	    cmocka_unit_test(test_lists_comma_and_json),
	    cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_empty_is_unset_and_withheld_secret_named),
	    cmocka_unit_test(test_required_settings),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_contents_or_path),
	    cmocka_unit_test(test_drone_context),
	    cmocka_unit_test(test_refused_context_value_keeps_the_rest),
	    cmocka_unit_test(test_describe_redacts_secrets),
	    cmocka_unit_test(test_describe_strips_url_credentials),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
