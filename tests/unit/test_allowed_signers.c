/*
 * allowed_signers: ssh-keygen's syntax and semantics (patterns, negation,
 * namespaces, validity bounds), cert-authority refused at load, and every
 * malformed line refused with its origin:line.
 */
#include "unit.h"

#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"
#include "verify/allowed_signers.h"

#include <stdio.h>
#include <string.h>

#define WHEN 1700000000 /* 2023-11-14T22:13:20Z */

/* An ssh-ed25519 key blob whose 32 key bytes are all `fill`. */
static void key_blob(uint8_t fill, struct buf *out)
{
	const uint8_t head[] = {0,   0,   0,   11,  's', 's', 'h', '-', 'e', 'd',
	                        '2', '5', '5', '1', '9', 0,   0,   0,   32};
	uint8_t k[32];

	memset(k, fill, sizeof(k));
	buf_init(out, 1024);
	assert_int_equal(buf_append(out, head, sizeof(head)), 0);
	assert_int_equal(buf_append(out, k, sizeof(k)), 0);
}

/* "ssh-ed25519 <base64>" for key_blob(fill). */
static void key_text(uint8_t fill, char out[128])
{
	struct buf blob, b64;

	key_blob(fill, &blob);
	buf_init(&b64, 1024);
	assert_int_equal(base64_encode(blob.data, blob.len, &b64), 0);
	snprintf(out, 128, "ssh-ed25519 %s", buf_cstr(&b64));
	buf_release(&blob);
	buf_release(&b64);
}

/* Parses text where "KEY1"/"KEY2" stand for the keys filled with 1 and 2. */
static int parse(struct allowed_signers **as, const char *tmpl)
{
	char k1[128], k2[128];
	struct buf text;
	const char *p;
	int r;

	key_text(1, k1);
	key_text(2, k2);
	buf_init(&text, 1u << 20);
	for (p = tmpl; *p != '\0'; p++) {
		if (strncmp(p, "KEY1", 4) == 0 || strncmp(p, "KEY2", 4) == 0) {
			assert_int_equal(buf_append_str(&text, p[3] == '1' ? k1 : k2), 0);
			p += 3;
		} else {
			assert_int_equal(buf_append(&text, p, 1), 0);
		}
	}
	*as = NULL;
	ml_error_clear();
	r = allowed_signers_parse(as, buf_cstr(&text), text.len, "signers");
	buf_release(&text);
	return r;
}

static int lookup(const struct allowed_signers *as, uint8_t fill, const char *ns, int64_t when,
                  const char **principal)
{
	struct buf blob;
	int r;

	key_blob(fill, &blob);
	ml_error_clear();
	r = allowed_signers_lookup(as, blob.data, blob.len, ns, when, principal);
	buf_release(&blob);
	return r;
}

static void test_syntax_accepted(void **state)
{
	struct allowed_signers *as;
	const char *principal = NULL;

	assert_int_equal(parse(&as, "# team keys\n"
	                            "\n"
	                            "   \t\n"
	                            "alice@example.org KEY1 alice's laptop\r\n"
	                            "  \"Bob Builder,*@ci.example.org\" KEY2\n"
	                            "#carol@example.org KEY2"),
	                 0);
	assert_int_equal(allowed_signers_count(as), 2);
	assert_int_equal(lookup(as, 1, "git", WHEN, &principal), 0);
	assert_string_equal(principal, "alice@example.org");
	assert_int_equal(lookup(as, 2, "git", WHEN, &principal), 0);
	assert_string_equal(principal, "Bob Builder");
	assert_int_equal(lookup(as, 3, "git", WHEN, &principal), ML_UNKNOWN_KEY);
	assert_non_null(strstr(ml_error_message(), "SHA256:"));
	allowed_signers_free(as);
	allowed_signers_free(NULL);

	assert_int_equal(parse(&as, ""), 0);
	assert_int_equal(allowed_signers_count(as), 0);
	assert_int_equal(lookup(as, 1, "git", WHEN, &principal), ML_UNKNOWN_KEY);
	allowed_signers_free(as);
}

static void test_principal_is_first_positive_pattern(void **state)
{
	struct allowed_signers *as;
	const char *principal = NULL;

	assert_int_equal(parse(&as, "!mallory@example.org,*@example.org,bob@x KEY1\n"
	                            "j\xc3\xbcrgen@example.org KEY2\n"),
	                 0);
	assert_int_equal(lookup(as, 1, "git", WHEN, &principal), 0);
	assert_string_equal(principal, "*@example.org");
	assert_int_equal(lookup(as, 2, "git", WHEN, &principal), 0);
	assert_string_equal(principal, "j\xc3\xbcrgen@example.org");
	allowed_signers_free(as);
}

static void test_pattern_lists(void **state)
{
	static const struct {
		const char *s, *list;
		int want;
	} cases[] = {
	    {"git", "git", 1},
	    {"git", "file", 0},
	    {"git", "file,git", 1},
	    {"git", "*", 1},
	    {"git", "g?t", 1},
	    {"git", "g?", 0},
	    {"git", "gi*t", 1},
	    {"git", "*,!git", -1},
	    {"git", "!git,*", -1},
	    {"file", "*,!git", 1},
	    {"git", "!file", 0},
	    {"Git", "git", 0},
	    {"", "*", 1},
	    {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(allowed_signers_match_list(cases[i].s, cases[i].list),
		                 cases[i].want);
}

static void test_namespaces_option(void **state)
{
	struct allowed_signers *as;
	const char *principal = NULL;

	assert_int_equal(parse(&as, "a@x namespaces=\"file\" KEY1\n"
	                            "b@x NameSpaces=\"file,g?t\" KEY2\n"),
	                 0);
	assert_int_equal(lookup(as, 1, "git", WHEN, &principal), ML_WRONG_NAMESPACE);
	assert_non_null(strstr(ml_error_message(), "'git'"));
	assert_int_equal(lookup(as, 1, "file", WHEN, &principal), 0);
	assert_int_equal(lookup(as, 2, "git", WHEN, &principal), 0);
	assert_string_equal(principal, "b@x");
	allowed_signers_free(as);

	assert_int_equal(parse(&as, "a@x namespaces=\"*,!git\" KEY1\n"), 0);
	assert_int_equal(lookup(as, 1, "git", WHEN, &principal), ML_WRONG_NAMESPACE);
	assert_int_equal(lookup(as, 1, "file", WHEN, &principal), 0);
	allowed_signers_free(as);
}

static void test_validity_bounds(void **state)
{
	struct allowed_signers *as;
	const char *principal = NULL;

	assert_int_equal(parse(&as, "a@x valid-after=\"20231114221320\",valid-before=\"20231115Z\" "
	                            "KEY1\n"),
	                 0);
	assert_int_equal(lookup(as, 1, "git", WHEN, &principal), 0);
	assert_int_equal(lookup(as, 1, "git", WHEN - 1, &principal), ML_KEY_EXPIRED);
	assert_non_null(strstr(ml_error_message(), "2023-11-14T22:13:19Z"));
	assert_int_equal(lookup(as, 1, "git", 1700006400, &principal), 0);
	assert_int_equal(lookup(as, 1, "git", 1700006401, &principal), ML_KEY_EXPIRED);
	allowed_signers_free(as);

	/* the same key twice: an expired line does not hide a valid one */
	assert_int_equal(parse(&as, "old@x valid-before=\"20200101\" KEY1\n"
	                            "new@x valid-after=\"20200101\" KEY1\n"),
	                 0);
	assert_int_equal(lookup(as, 1, "git", WHEN, &principal), 0);
	assert_string_equal(principal, "new@x");
	assert_int_equal(lookup(as, 1, "git", 1500000000, &principal), 0);
	assert_string_equal(principal, "old@x");
	allowed_signers_free(as);

	/* expired beats wrong namespace when one line allows the namespace */
	assert_int_equal(parse(&as, "a@x namespaces=\"file\" KEY1\n"
	                            "a@x valid-before=\"20200101\" KEY1\n"),
	                 0);
	assert_int_equal(lookup(as, 1, "git", WHEN, &principal), ML_KEY_EXPIRED);
	allowed_signers_free(as);
}

/* An entry no file gave (a forge key): its principal as given, its namespaces kept. */
static void test_added_entry(void **state)
{
	struct allowed_signers *as = NULL;
	const char *principal = NULL;
	struct buf blob;

	key_blob(1, &blob);
	assert_int_equal(allowed_signers_add(&as, "first", blob.data, blob.len, NULL), 0);
	assert_int_equal(allowed_signers_count(as), 1); /* created when NULL */
	allowed_signers_free(as);
	assert_int_equal(parse(&as, "alice@example.org KEY2\n"), 0);
	assert_int_equal(
	    allowed_signers_add(&as, "GitLab <noreply@gitlab.com>", blob.data, blob.len, "git"), 0);
	assert_int_equal(allowed_signers_count(as), 2);
	assert_int_equal(lookup(as, 1, "git", WHEN, &principal), 0);
	assert_string_equal(principal, "GitLab <noreply@gitlab.com>");
	assert_int_equal(lookup(as, 1, "file", WHEN, &principal), ML_WRONG_NAMESPACE);
	assert_int_equal(lookup(as, 2, "file", WHEN, &principal), 0);
	ml_error_clear();
	assert_int_equal(allowed_signers_add(&as, "bad\nname", blob.data, blob.len, NULL),
	                 ML_CONFIG);
	assert_int_equal(allowed_signers_add(&as, "", blob.data, blob.len, NULL), ML_CONFIG);
	assert_int_equal(allowed_signers_add(&as, "x", blob.data, blob.len - 1, NULL), ML_CONFIG);
	assert_int_equal(allowed_signers_count(as), 2);
	allowed_signers_free(as);
	buf_release(&blob);
}

static void test_time_format(void **state)
{
	static const struct {
		const char *text;
		int64_t want; /* -1: refused */
	} cases[] = {
	    {"19700101", 0},
	    {"19700101Z", 0},
	    {"202311142213", 1699999980},
	    {"20231114221320", 1700000000},
	    {"20231114221320Z", 1700000000},
	    {"20240229", 1709164800},
	    {"20230229", -1},
	    {"20231301", -1},
	    {"20231100", -1},
	    {"20231131", -1},
	    {"2023111", -1},
	    {"2023111422", -1},
	    {"202311142460", -1},
	    {"20231114236000", -1},
	    {"2023111422132Z", -1},
	    {"20231114z", -1},
	    {"2023-11-14", -1},
	    {"", -1},
	    {"Z", -1},
	};
	int64_t t;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = allowed_signers_parse_time(cases[i].text, strlen(cases[i].text), &t);
		if (cases[i].want < 0) {
			assert_int_equal(r, -1);
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(t, cases[i].want);
		}
	}
}

static void test_malformed_lines(void **state)
{
	static const struct {
		const char *text;
		const char *where; /* "signers:N: " */
		const char *says;
	} cases[] = {
	    {"a@x cert-authority KEY1\n", "signers:1: ", "certificate authorities"},
	    {"# ok\na@x CERT-AUTHORITY,namespaces=\"git\" KEY1\n",
	     "signers:2: ", "certificate authorities"},
	    {"a@x namespaces=\"git\",cert-authority KEY1\n",
	     "signers:1: ", "certificate authorities"},
	    {"a@x\n", "signers:1: ", "missing public key"},
	    {"a@x ssh-ed25519\n", "signers:1: ", "missing public key"},
	    {"a@x ssh-ed25519 !!!!\n", "signers:1: ", "cannot decode"},
	    {"a@x ssh-ed25519 AAAA\n", "signers:1: ", "cannot parse public key"},
	    {"a@x ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEB\n",
	     "signers:1: ", "does not match"},
	    {"a@x ssh-foo AAAAB3NzaC1mb28=\n", "signers:1: ", "unsupported public key type"},
	    {"a@x ssh-ed25519-cert-v01@openssh.com "
	     "AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29t\n",
	     "signers:1: ", "unsupported public key type"},
	    {"a@x namespaces=git KEY1\n", "signers:1: ", "must be quoted"},
	    {"a@x namespaces=\"git KEY1\n", "signers:1: ", "unterminated quote"},
	    {"a@x namespaces=\"\" KEY1\n", "signers:1: ", "invalid value"},
	    {"a@x namespaces=\"git\",namespaces=\"file\" KEY1\n", "signers:1: ", "duplicate"},
	    {"a@x valid-after=\"2023\" KEY1\n", "signers:1: ", "invalid time"},
	    {"a@x valid-before=\"20230101\",valid-before=\"20240101\" KEY1\n",
	     "signers:1: ", "duplicate"},
	    {"a@x valid-after=\"20240101\",valid-before=\"20230101\" KEY1\n",
	     "signers:1: ", "not after"},
	    {"a@x no-touch-required KEY1\n",
	     "signers:1: ", "unsupported option 'no-touch-required'"},
	    {"a@x no-touch-required\n", "signers:1: ", "missing public key"},
	    {"a@x verify-required=\"x\" KEY1\n", "signers:1: ", "unsupported option"},
	    {"a@x namespaces=\"git\"KEY1\n", "signers:1: ", "missing public key after options"},
	    {"a@x namespaces=\"git\"\n", "signers:1: ", "missing public key after options"},
	    {"\"a@x KEY1\n", "signers:1: ", "unterminated quote"},
	    {"\"a b\"KEY1\n", "signers:1: ", "missing space"},
	    {"a@x,,b@x KEY1\n", "signers:1: ", "empty principal"},
	    {"a@x,! KEY1\n", "signers:1: ", "empty principal"},
	    {"!a@x,!b@x KEY1\n", "signers:1: ", "match nobody"},
	    {"\"\" KEY1\n", "signers:1: ", "empty principals"},
	    {"a\x01x KEY1\n", "signers:1: ", "invalid character"},
	    {"a\xffx KEY1\n", "signers:1: ", "not valid UTF-8"},
	    {"a\xc0\xafx KEY1\n", "signers:1: ", "not valid UTF-8"},
	    {"a\xed\xa0\x80 KEY1\n", "signers:1: ", "not valid UTF-8"},
	    {"a\xe2\x82 KEY1\n", "signers:1: ", "not valid UTF-8"},
	};
	struct allowed_signers *as;
	char where[64];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse(&as, cases[i].text), ML_CONFIG);
		assert_null(as);
		snprintf(where, sizeof(where), "%s", cases[i].where);
		if (strncmp(ml_error_message(), where, strlen(where)) != 0 ||
		    strstr(ml_error_message(), cases[i].says) == NULL)
			fail_msg("case %zu: '%s'", i, ml_error_message());
	}
}

static void test_nul_and_long_lines(void **state)
{
	const char text[] = "a@x ssh-ed25519 AAAA\0 x\n";
	struct allowed_signers *as = NULL;
	struct buf big;

	ml_error_clear();
	assert_int_equal(allowed_signers_parse(&as, text, sizeof(text) - 1, "f"), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "f:1: NUL"));
	buf_init(&big, 1u << 20);
	assert_int_equal(buf_append_str(&big, "# "), 0);
	while (big.len <= ALLOWED_SIGNERS_MAX_LINE)
		assert_int_equal(buf_append_str(&big, "xxxxxxxxxxxxxxxx"), 0);
	ml_error_clear();
	assert_int_equal(allowed_signers_parse(&as, buf_cstr(&big), big.len, "f"), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "f:1: line too long"));
	assert_null(as);
	buf_release(&big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_syntax_accepted),
	    cmocka_unit_test(test_principal_is_first_positive_pattern),
	    cmocka_unit_test(test_pattern_lists),
	    cmocka_unit_test(test_namespaces_option),
	    cmocka_unit_test(test_validity_bounds),
	    cmocka_unit_test(test_added_entry),
	    cmocka_unit_test(test_time_format),
	    cmocka_unit_test(test_malformed_lines),
	    cmocka_unit_test(test_nul_and_long_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
