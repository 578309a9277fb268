/*
 * The strict commit parser: accepted shapes with their payload built by
 * hand, every refusal, and signatures that only look like headers.
 */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/reason.h"
#include "verify/commit.h"

#define TREE "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n"
#define PARENT1 "parent 1111111111111111111111111111111111111111\n"
#define PARENT2 "parent 2222222222222222222222222222222222222222\n"
#define AUTHOR "author Alice Maintainer <alice@example.org> 1700000000 +0100\n"
#define COMMITTER "committer Bob Committer <bob@example.org> 1700000100 -0230\n"
#define HEAD TREE PARENT1 AUTHOR COMMITTER
#define SIG_HDR                                                                                    \
	"gpgsig -----BEGIN SSH SIGNATURE-----\n"                                                   \
	" U1NIU0lHAAAAAQ==\n"                                                                      \
	" \n"                                                                                      \
	" -----END SSH SIGNATURE-----\n"
#define SIG_VALUE                                                                                  \
	"-----BEGIN SSH SIGNATURE-----\n"                                                          \
	"U1NIU0lHAAAAAQ==\n"                                                                       \
	"\n"                                                                                       \
	"-----END SSH SIGNATURE-----\n"
#define MSG "\nSubject line\n\nBody text.\n"

static int parse_in(struct commit_object *c, const char *s, enum object_format f)
{
	ml_error_clear();
	return commit_parse(c, (const uint8_t *)s, strlen(s), f);
}

static int parse(struct commit_object *c, const char *s)
{
	return parse_in(c, s, OBJECT_SHA1);
}

static void test_signed_commit_payload(void **state)
{
	const char *raw = HEAD SIG_HDR MSG;
	const char *want = HEAD MSG;
	struct commit_object c;

	assert_int_equal(parse(&c, raw), 0);
	assert_string_equal(c.tree, "4b825dc642cb6eb9a060e54bf8d69288fbee4904");
	assert_int_equal(c.parent_count, 1);
	assert_string_equal(c.parents[0], "1111111111111111111111111111111111111111");
	assert_string_equal(c.author, "Alice Maintainer <alice@example.org>");
	assert_int_equal(c.author_time, 1700000000);
	assert_string_equal(c.committer, "Bob Committer <bob@example.org>");
	assert_int_equal(c.committer_time, 1700000100);
	assert_int_equal(c.sig_kind, COMMIT_SIG_GPGSIG);
	assert_int_equal(c.signature_len, strlen(SIG_VALUE));
	assert_memory_equal(c.signature, SIG_VALUE, c.signature_len);
	assert_int_equal(c.payload_len, strlen(want));
	assert_memory_equal(c.payload, want, c.payload_len);
	assert_int_equal(c.message_len, strlen("Subject line\n\nBody text.\n"));
	assert_string_equal(c.message, "Subject line\n\nBody text.\n");
	commit_release(&c);
	commit_release(&c);
}

static void test_signature_between_other_headers(void **state)
{
	/* payload keeps everything around the signature byte for byte */
	const char *raw = HEAD "encoding ISO-8859-1\n"
	                       "gpgsig abc\n def\n"
	                       "x-unknown a\n more\n" MSG;
	const char *want = HEAD "encoding ISO-8859-1\n"
	                        "x-unknown a\n more\n" MSG;
	struct commit_object c;

	assert_int_equal(parse(&c, raw), 0);
	assert_int_equal(c.sig_kind, COMMIT_SIG_GPGSIG);
	assert_null(c.other_signature);
	assert_string_equal(c.signature, "abc\ndef\n");
	assert_int_equal(c.payload_len, strlen(want));
	assert_memory_equal(c.payload, want, c.payload_len);
	commit_release(&c);
}

/* ---- object formats: which signature header is the commit's own ---- */

#define TREE256 "tree 6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321\n"
#define PARENT256 "parent 1111111111111111111111111111111111111111111111111111111111111111\n"
#define HEAD256 TREE256 PARENT256 AUTHOR COMMITTER
#define SIG256_HDR "gpgsig-sha256 sig-256\n line 2\n"

static void test_other_format_header_only_is_unsigned(void **state)
{
	/* SHA-1: gpgsig-sha256 signs the SHA-256 form; git leaves it out and ignores it */
	const char *raw = HEAD "encoding UTF-8\n" SIG256_HDR "x-a b\n" MSG;
	const char *want = HEAD "encoding UTF-8\n"
	                        "x-a b\n" MSG;
	struct commit_object c;

	assert_int_equal(parse(&c, raw), 0);
	assert_int_equal(c.sig_kind, COMMIT_SIG_NONE);
	assert_null(c.signature);
	assert_string_equal(c.other_signature, "gpgsig-sha256");
	assert_int_equal(c.payload_len, strlen(want));
	assert_memory_equal(c.payload, want, c.payload_len);
	assert_string_equal(c.message, "Subject line\n\nBody text.\n");
	commit_release(&c);
	/* SHA-256: the reverse */
	assert_int_equal(parse_in(&c, HEAD256 SIG_HDR MSG, OBJECT_SHA256), 0);
	assert_int_equal(c.sig_kind, COMMIT_SIG_NONE);
	assert_null(c.signature);
	assert_string_equal(c.other_signature, "gpgsig");
	assert_int_equal(c.payload_len, strlen(HEAD256 MSG));
	assert_memory_equal(c.payload, HEAD256 MSG, c.payload_len);
	commit_release(&c);
}

static void test_both_headers_own_one_signs(void **state)
{
	struct commit_object c;

	/* SHA-1, in either order: gpgsig signs, the payload has neither */
	assert_int_equal(parse(&c, HEAD SIG_HDR SIG256_HDR MSG), 0);
	assert_int_equal(c.sig_kind, COMMIT_SIG_GPGSIG);
	assert_string_equal(c.signature, SIG_VALUE);
	assert_string_equal(c.other_signature, "gpgsig-sha256");
	assert_int_equal(c.payload_len, strlen(HEAD MSG));
	assert_memory_equal(c.payload, HEAD MSG, c.payload_len);
	commit_release(&c);
	assert_int_equal(parse(&c, HEAD SIG256_HDR "x-a b\n" SIG_HDR MSG), 0);
	assert_string_equal(c.signature, SIG_VALUE);
	assert_string_equal((const char *)c.payload, HEAD "x-a b\n" MSG);
	assert_string_equal(c.message, "Subject line\n\nBody text.\n");
	commit_release(&c);
	/* SHA-256: gpgsig-sha256 signs */
	assert_int_equal(parse_in(&c, HEAD256 SIG_HDR SIG256_HDR MSG, OBJECT_SHA256), 0);
	assert_int_equal(c.sig_kind, COMMIT_SIG_GPGSIG_SHA256);
	assert_string_equal(c.signature, "sig-256\nline 2\n");
	assert_string_equal(c.other_signature, "gpgsig");
	assert_string_equal(c.tree,
	                    "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321");
	assert_string_equal(c.parents[0],
	                    "1111111111111111111111111111111111111111111111111111111111111111");
	assert_string_equal((const char *)c.payload, HEAD256 MSG);
	commit_release(&c);
	/* header without a message: both cut, nothing else */
	assert_int_equal(parse(&c, HEAD SIG256_HDR SIG_HDR), 0);
	assert_int_equal(c.payload_len, strlen(HEAD));
	assert_int_equal(c.message_len, 0);
	commit_release(&c);
}

static void test_object_id_length_follows_format(void **state)
{
	struct commit_object c;

	assert_int_equal(parse_in(&c, HEAD256 MSG, OBJECT_SHA1), ML_MALFORMED_OBJECT);
	assert_non_null(strstr(ml_error_message(), "want 40 hex digits: sha1"));
	assert_int_equal(parse_in(&c, HEAD MSG, OBJECT_SHA256), ML_MALFORMED_OBJECT);
	assert_non_null(strstr(ml_error_message(), "want 64 hex digits: sha256"));
	assert_int_equal(parse_in(&c, TREE256 PARENT1 AUTHOR COMMITTER MSG, OBJECT_SHA256),
	                 ML_MALFORMED_OBJECT);
	assert_non_null(strstr(ml_error_message(), "bad object id in 'parent'"));
}

static void test_root_and_merge_commits(void **state)
{
	struct commit_object c;

	assert_int_equal(parse(&c, TREE AUTHOR COMMITTER MSG), 0);
	assert_int_equal(c.parent_count, 0);
	assert_int_equal(c.sig_kind, COMMIT_SIG_NONE);
	assert_null(c.signature);
	assert_int_equal(c.payload_len, strlen(TREE AUTHOR COMMITTER MSG));
	commit_release(&c);
	assert_int_equal(parse(&c, TREE PARENT1 PARENT2 AUTHOR COMMITTER MSG), 0);
	assert_int_equal(c.parent_count, 2);
	assert_string_equal(c.parents[1], "2222222222222222222222222222222222222222");
	commit_release(&c);
}

static void test_gpgsig_in_message_is_unsigned(void **state)
{
	/* the "signature moved into the message" forgery */
	const char *raw = HEAD "\nSubject\n\n" SIG_HDR;
	struct commit_object c;

	assert_int_equal(parse(&c, raw), 0);
	assert_int_equal(c.sig_kind, COMMIT_SIG_NONE);
	assert_null(c.signature);
	assert_memory_equal(c.payload, raw, strlen(raw));
	commit_release(&c);
}

static void test_gpgsig_inside_mergetag_is_not_a_header(void **state)
{
	const char *raw = HEAD "mergetag object 1111111111111111111111111111111111111111\n"
	                       " type commit\n"
	                       " gpgsig not-a-header\n" MSG;
	struct commit_object c;

	assert_int_equal(parse(&c, raw), 0);
	assert_int_equal(c.sig_kind, COMMIT_SIG_NONE);
	commit_release(&c);
}

static void test_header_without_message(void **state)
{
	/* git accepts an object that ends right after its header */
	struct commit_object c;

	assert_int_equal(parse(&c, HEAD SIG_HDR), 0);
	assert_int_equal(c.message_len, 0);
	assert_string_equal(c.message, "");
	assert_int_equal(c.payload_len, strlen(HEAD));
	commit_release(&c);
}

static void test_message_may_hold_anything(void **state)
{
	static const char raw[] = HEAD "\nnul \0 byte\n tree 1\n";
	struct commit_object c;

	ml_error_clear();
	assert_int_equal(commit_parse(&c, (const uint8_t *)raw, sizeof(raw) - 1, OBJECT_SHA1), 0);
	assert_int_equal(c.message_len, sizeof("nul \0 byte\n tree 1\n") - 1);
	commit_release(&c);
}

struct refusal {
	const char *name;
	const char *raw;
	const char *message; /* substring of the recorded message */
};

static const struct refusal commit_refusals[] = {
    {"empty object", "", "missing tree"},
    {"missing tree", PARENT1 AUTHOR COMMITTER MSG, "does not start with a tree"},
    {"duplicate tree", TREE TREE AUTHOR COMMITTER MSG, "unexpected 'tree'"},
    {"short tree hex", "tree 4b825dc6\n" AUTHOR COMMITTER MSG, "bad object id in 'tree'"},
    {"upper-case hex", "tree 4B825DC642CB6EB9A060E54BF8D69288FBEE4904\n" AUTHOR COMMITTER MSG,
     "bad object id"},
    {"sha-256 length hex",
     "tree 4b825dc642cb6eb9a060e54bf8d69288fbee49044b825dc642cb6eb9a060e54b\n" AUTHOR COMMITTER MSG,
     "bad object id"},
    {"bad parent hex",
     TREE "parent 11111111111111111111111111111111111111zz\n" AUTHOR COMMITTER MSG,
     "bad object id in 'parent'"},
    {"parent after author", TREE AUTHOR PARENT1 COMMITTER MSG, "unexpected 'parent'"},
    {"committer before author", TREE PARENT1 COMMITTER AUTHOR MSG, "unexpected 'committer'"},
    {"missing author", TREE PARENT1 COMMITTER MSG, "missing author"},
    {"missing committer", TREE PARENT1 AUTHOR MSG, "missing committer"},
    {"missing committer at end", TREE PARENT1 AUTHOR, "missing committer header"},
    {"duplicate committer", HEAD COMMITTER MSG, "unexpected 'committer'"},
    {"tree after committer", HEAD TREE MSG, "unexpected 'tree'"},
    {"unknown header before committer", TREE AUTHOR "encoding UTF-8\n" COMMITTER MSG,
     "unexpected 'encoding'"},
    {"committer time not a number",
     TREE AUTHOR "committer Bob <bob@example.org> 17000x0100 -0230\n" MSG,
     "cannot parse 'committer'"},
    {"committer without time", TREE AUTHOR "committer Bob <bob@example.org>\n" MSG,
     "cannot parse 'committer'"},
    {"committer without email", TREE AUTHOR "committer Bob 1700000100 +0000\n" MSG,
     "cannot parse 'committer'"},
    {"committer bad zone", TREE AUTHOR "committer Bob <b@x> 1700000100 +00x0\n" MSG,
     "cannot parse 'committer'"},
    {"committer time overflows",
     TREE AUTHOR "committer Bob <b@x> 99999999999999999999999 +0000\n" MSG,
     "cannot parse 'committer'"},
    {"author time missing", TREE "author Alice <a@x>  +0000\n" COMMITTER MSG,
     "cannot parse 'author'"},
    {"two gpgsig headers", HEAD SIG_HDR SIG_HDR MSG, "more than one 'gpgsig' header"},
    {"two gpgsig-sha256 headers", HEAD SIG256_HDR SIG_HDR SIG256_HDR MSG,
     "more than one 'gpgsig-sha256' header"},
    {"another gpgsig-like header", HEAD SIG_HDR "gpgsig-sha512 x\n" MSG,
     "unknown signature header 'gpgsig-sha512'"},
    {"gpgsig prefix without dash", HEAD "gpgsigx y\n" MSG, "unknown signature header 'gpgsigx'"},
    {"signature header before committer", TREE AUTHOR "gpgsig x\n" COMMITTER MSG,
     "unexpected 'gpgsig'"},
    {"continuation without header", " tree x\n" HEAD MSG, "continuation line without"},
    {"continuation after tree", TREE " more\n" AUTHOR COMMITTER MSG,
     "continuation line after 'tree'"},
    {"continuation after committer", HEAD " more\n" MSG, "continuation line after"},
    {"header line without value", HEAD "gpgsig\n" MSG, "without a value"},
    {"unterminated header", HEAD "encoding UTF-8", "unterminated header line"},
    {"duplicate encoding", HEAD "encoding a\nencoding b\n" MSG, "duplicate encoding"},
};

static void test_commit_refusals(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(commit_refusals) / sizeof(commit_refusals[0]); i++) {
		const struct refusal *t = &commit_refusals[i];
		struct commit_object c;
		int r = parse(&c, t->raw);

		if (r != ML_MALFORMED_OBJECT || strstr(ml_error_message(), t->message) == NULL)
			fail_msg("%s: got %d '%s', wanted '%s'", t->name, r, ml_error_message(),
			         t->message);
		assert_null(c.payload);
		assert_null(c.signature);
	}
}

static void test_commit_nul_in_header(void **state)
{
	static const char raw[] = TREE AUTHOR "committer Bob <b@x> 1 +0000\n"
	                                      "x-a b\0c\n" MSG;
	struct commit_object c;

	ml_error_clear();
	assert_int_equal(commit_parse(&c, (const uint8_t *)raw, sizeof(raw) - 1, OBJECT_SHA1),
	                 ML_MALFORMED_OBJECT);
	assert_non_null(strstr(ml_error_message(), "NUL byte"));
}

static void test_commit_long_header_line(void **state)
{
	size_t n = 70 * 1024, head = strlen(HEAD);
	char *raw = test_malloc(head + n + 16);
	struct commit_object c;

	memcpy(raw, HEAD "x-a ", head + 4);
	memset(raw + head + 4, 'a', n);
	memcpy(raw + head + 4 + n, "\n\nm\n", 5);
	assert_int_equal(parse(&c, raw), ML_MALFORMED_OBJECT);
	assert_non_null(strstr(ml_error_message(), "longer than"));
	test_free(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_signed_commit_payload),
	    cmocka_unit_test(test_signature_between_other_headers),
	    cmocka_unit_test(test_other_format_header_only_is_unsigned),
	    cmocka_unit_test(test_both_headers_own_one_signs),
	    cmocka_unit_test(test_object_id_length_follows_format),
	    cmocka_unit_test(test_root_and_merge_commits),
	    cmocka_unit_test(test_gpgsig_in_message_is_unsigned),
	    cmocka_unit_test(test_gpgsig_inside_mergetag_is_not_a_header),
	    cmocka_unit_test(test_header_without_message),
	    cmocka_unit_test(test_message_may_hold_anything),
	    cmocka_unit_test(test_commit_refusals),
	    cmocka_unit_test(test_commit_nul_in_header),
	    cmocka_unit_test(test_commit_long_header_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
