/*
 * The strict tag parser: where git finds a tag's signature (a block in the
 * message, the gpgsig header of the other format), every refusal.
 */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/reason.h"
#include "verify/tag.h"

struct refusal {
	const char *name;
	const char *raw;
	const char *message; /* substring of the recorded message */
};

#define TAG_HEAD                                                                                   \
	"object 1111111111111111111111111111111111111111\n"                                        \
	"type commit\n"                                                                            \
	"tag v1.0\n"                                                                               \
	"tagger Alice Maintainer <alice@example.org> 1700000000 +0000\n"
#define PGP_BLOCK                                                                                  \
	"-----BEGIN PGP SIGNATURE-----\n"                                                          \
	"\n"                                                                                       \
	"iQEzBAABCAAdFiEE\n"                                                                       \
	"-----END PGP SIGNATURE-----\n"

static int parse_tag_in(struct tag_object *t, const char *s, enum object_format f)
{
	ml_error_clear();
	return tag_parse(t, (const uint8_t *)s, strlen(s), f);
}

static int parse_tag(struct tag_object *t, const char *s)
{
	return parse_tag_in(t, s, OBJECT_SHA1);
}

static void test_tag_signature_in_message(void **state)
{
	struct tag_object t;

	assert_int_equal(parse_tag(&t, TAG_HEAD "\nRelease 1.0\n" PGP_BLOCK), 0);
	assert_string_equal(t.object, "1111111111111111111111111111111111111111");
	assert_string_equal(t.type, "commit");
	assert_string_equal(t.name, "v1.0");
	assert_string_equal(t.tagger, "Alice Maintainer <alice@example.org>");
	assert_int_equal(t.tagger_time, 1700000000);
	assert_int_equal(t.sig_kind, TAG_SIG_MESSAGE);
	assert_string_equal(t.signature, PGP_BLOCK);
	assert_int_equal(t.payload_len, strlen(TAG_HEAD "\nRelease 1.0\n"));
	assert_memory_equal(t.payload, TAG_HEAD "\nRelease 1.0\n", t.payload_len);
	assert_string_equal(t.message, "Release 1.0\n");
	tag_release(&t);
}

static void test_tag_last_block_wins(void **state)
{
	/* like git: the last signature marker starts the signature */
	const char *ssh = "-----BEGIN SSH SIGNATURE-----\nU1NI\n-----END SSH SIGNATURE-----\n";
	char raw[512];
	struct tag_object t;

	snprintf(raw, sizeof(raw), "%s\nquoted:\n%s%s", TAG_HEAD, PGP_BLOCK, ssh);
	assert_int_equal(parse_tag(&t, raw), 0);
	assert_string_equal(t.signature, ssh);
	assert_int_equal(t.payload_len, strlen(raw) - strlen(ssh));
	tag_release(&t);
}

static void test_tag_signature_header(void **state)
{
	/* a header holds the other format's signature: never the tag's own */
	struct tag_object t;

	assert_int_equal(parse_tag(&t, TAG_HEAD "gpgsig-sha256 a\n b\n"
	                                        "\nmsg\n"),
	                 0);
	assert_int_equal(t.sig_kind, TAG_SIG_NONE);
	assert_null(t.signature);
	assert_string_equal(t.other_signature, "gpgsig-sha256");
	assert_string_equal((const char *)t.payload, TAG_HEAD "\nmsg\n");
	assert_string_equal(t.message, "msg\n");
	tag_release(&t);
	assert_int_equal(parse_tag(&t, TAG_HEAD "\nunsigned\n"), 0);
	assert_int_equal(t.sig_kind, TAG_SIG_NONE);
	assert_null(t.signature);
	assert_null(t.other_signature);
	tag_release(&t);
}

static void test_tag_dual_signature(void **state)
{
	/* git's dual-signed tag: own signature in the message, the other one a header */
	struct tag_object t;

	assert_int_equal(parse_tag(&t, TAG_HEAD "gpgsig-sha256 a\n b\n"
	                                        "\nRelease\n" PGP_BLOCK),
	                 0);
	assert_int_equal(t.sig_kind, TAG_SIG_MESSAGE);
	assert_string_equal(t.signature, PGP_BLOCK);
	assert_string_equal(t.other_signature, "gpgsig-sha256");
	assert_string_equal((const char *)t.payload, TAG_HEAD "\nRelease\n");
	assert_string_equal(t.message, "Release\n");
	tag_release(&t);
	assert_int_equal(
	    parse_tag_in(&t,
	                 "object 11111111111111111111111111111111111111111111111111111111"
	                 "11111111\ntype commit\ntag v1\n"
	                 "tagger A <a@x> 1 +0000\ngpgsig a\n b\n\nRelease\n" PGP_BLOCK,
	                 OBJECT_SHA256),
	    0);
	assert_string_equal(t.object,
	                    "1111111111111111111111111111111111111111111111111111111111111111");
	assert_string_equal(t.signature, PGP_BLOCK);
	assert_string_equal(t.other_signature, "gpgsig");
	tag_release(&t);
}

static void test_tag_markers_as_git(void **state)
{
	/* git's markers, matched as line prefixes: x509 and PGP MESSAGE blocks sign too */
	const char *x509 = "-----BEGIN SIGNED MESSAGE-----\nMIIB\n-----END SIGNED MESSAGE-----\n";
	const char *msg = "-----BEGIN PGP MESSAGE-----\nowGb\n-----END PGP MESSAGE-----\n";
	const char *odd = "-----BEGIN PGP SIGNATURE----- x\nabc\n-----END PGP SIGNATURE-----\n";
	const char *blocks[] = {x509, msg, odd};
	char raw[512];
	struct tag_object t;
	size_t i;

	for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		snprintf(raw, sizeof(raw), "%s\nmsg\n%s", TAG_HEAD, blocks[i]);
		assert_int_equal(parse_tag(&t, raw), 0);
		assert_int_equal(t.sig_kind, TAG_SIG_MESSAGE);
		assert_string_equal(t.signature, blocks[i]);
		assert_string_equal(t.message, "msg\n");
		tag_release(&t);
	}
}

static const struct refusal tag_refusals[] = {
    {"empty", "", "missing object"},
    {"type first", "type commit\n", "unexpected 'type'"},
    {"bad object hex", "object 11\ntype commit\ntag v\ntagger A <a> 1 +0000\n\n", "bad object id"},
    {"unknown type",
     "object 1111111111111111111111111111111111111111\ntype commits\ntag v\n"
     "tagger A <a> 1 +0000\n\n",
     "unknown object type"},
    {"missing tagger",
     "object 1111111111111111111111111111111111111111\ntype commit\ntag v\n\nmsg\n",
     "missing tagger"},
    {"empty tag name",
     "object 1111111111111111111111111111111111111111\ntype commit\ntag \n"
     "tagger A <a> 1 +0000\n\n",
     "bad tag name"},
    {"control character in name",
     "object 1111111111111111111111111111111111111111\ntype commit\ntag v\x1b[1m\n"
     "tagger A <a> 1 +0000\n\n",
     "bad tag name"},
    {"duplicate tagger", TAG_HEAD "tagger X\n\n", "duplicate 'tagger'"},
    {"tagger time",
     "object 1111111111111111111111111111111111111111\ntype commit\ntag v\n"
     "tagger A <a> x +0000\n\n",
     "cannot parse 'tagger'"},
    {"own-format header (sha1)", TAG_HEAD "gpgsig a\n\nmsg\n" PGP_BLOCK,
     "'gpgsig' header in tag object: in a SHA-1 repository"},
    {"two other-format headers", TAG_HEAD "gpgsig-sha256 a\ngpgsig-sha256 b\n\n",
     "more than one 'gpgsig-sha256' header"},
    {"unknown gpgsig-like header", TAG_HEAD "gpgsig-sha512 a\n\n",
     "unknown signature header 'gpgsig-sha512'"},
    {"signature marker in the header", TAG_HEAD "-----BEGIN PGP SIGNATURE----- x\n\nmsg\n",
     "signature marker in the header"},
    {"text after signature block", TAG_HEAD "\nmsg\n" PGP_BLOCK "trailing\n",
     "does not end the tag"},
    {"unterminated signature block", TAG_HEAD "\nmsg\n-----BEGIN PGP SIGNATURE-----\nabc\n",
     "does not end the tag"},
    {"mismatched end marker",
     TAG_HEAD "\nmsg\n-----BEGIN PGP SIGNATURE-----\nabc\n-----END SSH SIGNATURE-----\n",
     "does not end the tag"},
    {"continuation without header", " x\n" TAG_HEAD "\n", "continuation line without"},
};

static void test_tag_own_header_sha256(void **state)
{
	struct tag_object t;

	assert_int_equal(
	    parse_tag_in(&t,
	                 "object 11111111111111111111111111111111111111111111111111111111"
	                 "11111111\ntype commit\ntag v1\n"
	                 "tagger A <a@x> 1 +0000\ngpgsig-sha256 a\n\nmsg\n",
	                 OBJECT_SHA256),
	    ML_MALFORMED_OBJECT);
	assert_non_null(strstr(ml_error_message(), "in a SHA-256 repository"));
	assert_int_equal(parse_tag_in(&t, TAG_HEAD "\nmsg\n", OBJECT_SHA256), ML_MALFORMED_OBJECT);
	assert_non_null(strstr(ml_error_message(), "bad object id in 'object'"));
}

static void test_tag_refusals(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(tag_refusals) / sizeof(tag_refusals[0]); i++) {
		const struct refusal *t = &tag_refusals[i];
		struct tag_object tag;
		int r = parse_tag(&tag, t->raw);

		if (r != ML_MALFORMED_OBJECT || strstr(ml_error_message(), t->message) == NULL)
			fail_msg("%s: got %d '%s', wanted '%s'", t->name, r, ml_error_message(),
			         t->message);
		assert_null(tag.payload);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tag_signature_in_message),
	    cmocka_unit_test(test_tag_last_block_wins),
	    cmocka_unit_test(test_tag_signature_header),
	    cmocka_unit_test(test_tag_dual_signature),
	    cmocka_unit_test(test_tag_markers_as_git),
	    cmocka_unit_test(test_tag_own_header_sha256),
	    cmocka_unit_test(test_tag_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
