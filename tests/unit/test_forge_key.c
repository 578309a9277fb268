/* Forge keys: the item syntax, its canonical form, the setting and the trust roots it makes. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "plugin/config.h"
#include "plugin/config_env.h"
#include "plugin/config_set.h"
#include "plugin/forge_key.h"
#include "plugin/trust_roots.h"
#include "verify/allowed_signers.h"
#include "verify/signature.h"

#define FPR "968479A1AFF927E37D1A566BB5690EEEBB952194"
#define FPR_LOWER "968479a1aff927e37d1a566bb5690eeebb952194"
#define GL_KEY "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICcTw/pcAWfRnzpNMmDv7uIVaLRlQZkhBe5K5m4bAEFz"
#define GL_FPR "SHA256:LtWJQnYSsS+vLCkJ2Znj9OEtlRNh0E/LIpCQUhHsrVY"
#define GITLAB "GitLab <noreply@gitlab.com>"
#define GL_CANONICAL "{\"key\":\"" GL_KEY "\",\"identity\":\"" GITLAB "\"}"
#define SIGNER_LINE                                                                                \
	"alice@example.org ssh-ed25519 "                                                           \
	"AAAAC3NzaC1lZDI1NTE5AAAAIAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

struct good_case {
	const char *item;
	enum signer_format format;
	const char *identity;
	const char *canonical;
};

static void test_accepted_items(void **state)
{
	static const struct good_case cases[] = {
	    {FPR_LOWER, SIGNER_OPENPGP, "GitHub <noreply@github.com>", FPR},
	    {"{\"key\":\"" FPR_LOWER "\"}", SIGNER_OPENPGP, "GitHub <noreply@github.com>", FPR},
	    {"{\"identity\":\"GitHub <noreply@github.com>\",\"key\":\"" FPR "\"}", SIGNER_OPENPGP,
	     "GitHub <noreply@github.com>", FPR},
	    {"{\"key\":\"" FPR "\",\"identity\":\"Gitea <gitea@git.example.org>\"}", SIGNER_OPENPGP,
	     "Gitea <gitea@git.example.org>",
	     "{\"key\":\"" FPR "\",\"identity\":\"Gitea <gitea@git.example.org>\"}"},
	    {"{\"key\":\"" GL_KEY " gitlab instance\",\"identity\":\"" GITLAB "\"}", SIGNER_SSH,
	     GITLAB, GL_CANONICAL},
	    {"{ \"identity\" : \"" GITLAB "\" , \"key\" : \"" GL_KEY "\" }", SIGNER_SSH, GITLAB,
	     GL_CANONICAL},
	    {"{\"key\":\"" GL_KEY "\",\"identity\":\"Ac\\u00e9me \\\"CI\\\" <ci@acme.example>\"}",
	     SIGNER_SSH, "Ac\xc3\xa9me \"CI\" <ci@acme.example>",
	     "{\"key\":\"" GL_KEY "\",\"identity\":\"Ac\xc3\xa9me \\\"CI\\\" <ci@acme.example>\"}"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct forge_key_item it;
		struct buf b;

		buf_init(&b, 4096);
		if (forge_key_parse(&it, cases[i].item) != 0)
			fail_msg("'%s' refused: %s", cases[i].item, ml_error_message());
		assert_int_equal(it.format, cases[i].format);
		assert_string_equal(it.identity, cases[i].identity);
		assert_int_equal(forge_key_canonical(&it, &b), 0);
		assert_string_equal(buf_cstr(&b), cases[i].canonical);
		assert_true(b.len <= strlen(cases[i].item));
		assert_int_equal(it.ssh_key != NULL, cases[i].format == SIGNER_SSH);
		forge_key_item_release(&it);
		buf_release(&b);
	}
}

struct bad_case {
	const char *item;
	const char *message_part;
};

static void test_refused_items(void **state)
{
	static const struct bad_case cases[] = {
	    {"4AEE18F83AFDEB23", "neither an OpenPGP fingerprint (40 or 64 hex digits)"},
	    {GL_KEY, "neither an OpenPGP fingerprint"},
	    {"", "neither"},
	    {"[\"" FPR "\"]", "neither"},
	    {"{\"key\":\"" FPR "\"", "not a JSON object"},
	    {"{}", "has no 'key' member"},
	    {"{\"identity\":\"" GITLAB "\"}", "has no 'key' member"},
	    {"{\"key\":\"" FPR "\",\"fingerprint\":\"" FPR "\"}", "unknown member 'fingerprint'"},
	    {"{\"key\":\"" FPR "\",\"key\":\"" FPR "\"}", "repeated member 'key'"},
	    {"{\"key\":42}", "member 'key' must be a non-empty string"},
	    {"{\"key\":\"\"}", "member 'key' must be a non-empty string"},
	    {"{\"key\":\"" GL_KEY "\"}", "SSH forge key has no 'identity'"},
	    {"{\"key\":\"" FPR "\",\"identity\":null}", "member 'identity' must be"},
	    {"{\"key\":\"ssh-ed25519\",\"identity\":\"" GITLAB "\"}", "neither an OpenPGP"},
	    {"{\"key\":\"ssh-ed25519 ***\",\"identity\":\"" GITLAB "\"}", "cannot decode"},
	    {"{\"key\":\"ssh-ed25519 "
	     "AAAAC3NzaC1lZDI1NTE5\\nAAAAICcTw/pcAWfRnzpNMmDv7uIVaLRlQZkhBe5K5m4bAEFz\","
	     "\"identity\":\"" GITLAB "\"}",
	     "member 'key' holds a control character"},
	    {"{\"key\":\"ssh-rsa "
	     "AAAAC3NzaC1lZDI1NTE5AAAAICcTw/pcAWfRnzpNMmDv7uIVaLRlQZkhBe5K5m4bAEFz\","
	     "\"identity\":\"" GITLAB "\"}",
	     "SSH key type 'ssh-rsa' does not match its key"},
	    {"{\"key\":\"ssh-ed25519 "
	     "AAAAC3NzaC1lZDI1NTE5AAAAICcTw/pcAWfRnzpNMmDv7uIVaLRlQZkhBe5K5m4bAE==\","
	     "\"identity\":\"" GITLAB "\"}",
	     "cannot"},
	    {"{\"key\":\"ssh-dss "
	     "AAAAB3NzaC1kc3MAAACBAPTFWFeWgeA6BN/ik2L4FIe+73kpH4eRpYU/xHjG7yxASNTGWnXz\","
	     "\"identity\":\"" GITLAB "\"}",
	     "forge key:"},
	    {"{\"key\":\"" GL_KEY "\",\"identity\":\"GitLab\"}", "is not 'Name <email>'"},
	    {"{\"key\":\"" GL_KEY "\",\"identity\":\"<noreply@gitlab.com>\"}",
	     "is not 'Name <email>'"},
	    {"{\"key\":\"" GL_KEY "\",\"identity\":\" GitLab <noreply@gitlab.com>\"}",
	     "is not 'Name <email>'"},
	    {"{\"key\":\"" GL_KEY "\",\"identity\":\"GitLab <>\"}", "is not 'Name <email>'"},
	    {"{\"key\":\"" GL_KEY "\",\"identity\":\"GitLab<noreply@gitlab.com>\"}",
	     "is not 'Name <email>'"},
	    {"{\"key\":\"" GL_KEY "\",\"identity\":\"GitLab <noreply@gitlab.com> x\"}",
	     "is not 'Name <email>'"},
	    {"{\"key\":\"" GL_KEY "\",\"identity\":\"Git<Lab <noreply@gitlab.com>\"}",
	     "is not 'Name <email>'"},
	    {"{\"key\":\"" GL_KEY "\",\"identity\":\"GitLab <a>b@gitlab.com>\"}",
	     "is not 'Name <email>'"},
	    {"{\"key\":\"" GL_KEY "\",\"identity\":\"Git\\nLab <noreply@gitlab.com>\"}",
	     "member 'identity' holds a control character"},
	    {"{\"key\":\"" GL_KEY "\",\"identity\":\"Git\xc3\x28 <noreply@gitlab.com>\"}", "UTF-8"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct forge_key_item it;

		ml_error_clear();
		assert_int_equal(forge_key_parse(&it, cases[i].item), ML_CONFIG);
		if (strstr(ml_error_message(), cases[i].message_part) == NULL)
			fail_msg("'%s': message '%s' lacks '%s'", cases[i].item, ml_error_message(),
			         cases[i].message_part);
		assert_null(it.key);
		assert_null(it.identity);
	}
}

static int load(struct config *c, char **envp)
{
	config_init(c);
	ml_error_clear();
	return config_from_env(c, envp);
}

/* As Drone delivers the setting: comma-joined strings, a JSON list of maps, or one map. */
static void test_setting_encodings(void **state)
{
	char *list[] = {"PLUGIN_FORGE_KEYS=[\"" FPR_LOWER "\",{\"identity\":\"" GITLAB
	                "\",\"key\":\"" GL_KEY " c\"}]",
	                NULL};
	char *one[] = {"PLUGIN_FORGE_KEYS={\"key\":\"" GL_KEY "\",\"identity\":\"" GITLAB "\"}",
	               NULL};
	char *commas[] = {
	    "PLUGIN_FORGE_KEYS=" FPR_LOWER ", 5DE3E0509C47EA3CF04A42D34AEE18F83AFDEB23", NULL};
	char *bad[] = {"PLUGIN_FORGE_KEYS=[{\"key\":\"" GL_KEY "\"}]", NULL};
	char *not_objects[] = {"PLUGIN_EVENTS=[{\"push\":1}]", NULL};
	struct config c;

	assert_int_equal(load(&c, list), 0);
	assert_int_equal(c.forge_keys.n, 2);
	assert_string_equal(c.forge_keys.v[0], FPR);
	assert_string_equal(c.forge_keys.v[1], GL_CANONICAL);
	assert_true(forge_keys_grant(&c.forge_keys));
	config_release(&c);

	assert_int_equal(load(&c, one), 0);
	assert_int_equal(c.forge_keys.n, 1);
	assert_string_equal(c.forge_keys.v[0], GL_CANONICAL);
	config_release(&c);

	assert_int_equal(load(&c, commas), 0);
	assert_int_equal(c.forge_keys.n, 2);
	assert_false(forge_keys_grant(&c.forge_keys));
	config_release(&c);

	assert_int_equal(load(&c, bad), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "invalid item of setting 'forge_keys'"));
	config_release(&c);

	/* only settings whose items may be objects take them */
	assert_int_equal(load(&c, not_objects), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "list of strings"));
	config_release(&c);
}

/* An SSH forge key is a trust root on its own; an OpenPGP fingerprint is not. */
static void test_trust_root_required(void **state)
{
	char *ssh[] = {"PLUGIN_SOURCE=/srv/ci", "PLUGIN_DRY_RUN=true",
	               "PLUGIN_FORGE_KEYS=[" GL_CANONICAL "]", NULL};
	char *pgp[] = {"PLUGIN_SOURCE=/srv/ci", "PLUGIN_DRY_RUN=true", "PLUGIN_FORGE_KEYS=" FPR,
	               NULL};
	struct config c;

	assert_int_equal(load(&c, ssh), 0);
	assert_int_equal(config_finish(&c), 0);
	config_release(&c);
	assert_int_equal(load(&c, pgp), 0);
	assert_int_equal(config_finish(&c), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "an SSH forge key) is required"));
	config_release(&c);
}

static int roots(struct trust_roots *tr, char digest[65], const char *forge_json)
{
	char *envp[] = {"PLUGIN_ALLOWED_SIGNERS=" SIGNER_LINE, NULL, NULL};
	char setting[1024];
	struct config c;
	int r;

	snprintf(setting, sizeof(setting), "PLUGIN_FORGE_KEYS=%s", forge_json);
	envp[1] = setting;
	assert_int_equal(load(&c, envp), 0);
	r = trust_roots_load(tr, digest, &c);
	config_release(&c);
	return r;
}

static void test_trust_roots(void **state)
{
	struct trust_roots tr;
	char plain[65], object[65], other[65], ssh[65];

	assert_int_equal(roots(&tr, ssh, "[" GL_CANONICAL "]"), 0);
	assert_int_equal(tr.forge_count, 1);
	assert_int_equal(tr.forge_keys[0].format, SIGNER_SSH);
	assert_string_equal(tr.forge_keys[0].key, GL_FPR);
	assert_string_equal(tr.forge_keys[0].identity, GITLAB);
	/* the developer's line and the forge key */
	assert_int_equal(allowed_signers_count(tr.ssh), 2);
	trust_roots_release(&tr);

	/* GitHub's default identity, however written, keeps the digest forge keys always had */
	assert_int_equal(roots(&tr, plain, FPR), 0);
	assert_int_equal(tr.forge_keys[0].format, SIGNER_OPENPGP);
	assert_string_equal(tr.forge_keys[0].identity, FORGE_IDENTITY_GITHUB);
	trust_roots_release(&tr);
	assert_int_equal(roots(&tr, object, "{\"key\":\"" FPR_LOWER "\"}"), 0);
	trust_roots_release(&tr);
	assert_string_equal(plain, object);
	assert_int_equal(roots(&tr, other,
	                       "{\"key\":\"" FPR
	                       "\",\"identity\":\"Gitea <gitea@git.example.org>\"}"),
	                 0);
	assert_string_equal(tr.forge_keys[0].identity, "Gitea <gitea@git.example.org>");
	trust_roots_release(&tr);
	assert_string_not_equal(plain, other);
	assert_string_not_equal(plain, ssh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_accepted_items),    cmocka_unit_test(test_refused_items),
	    cmocka_unit_test(test_setting_encodings), cmocka_unit_test(test_trust_root_required),
	    cmocka_unit_test(test_trust_roots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
