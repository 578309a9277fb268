/* Audit file lines (the parser `audit verify` uses) and the webhook HMAC header. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_sample.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/error.h"
#include "plugin/audit_log.h"

#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"
#define SIG88                                                                                      \
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="

static int parse(const char *line)
{
	struct audit_line out;

	ml_error_clear();
	return audit_line_parse(line, strlen(line), &out);
}

static void test_line_table(void **state)
{
	static const struct {
		const char *line;
		int want;
	} cases[] = {
	    {"{\"schema\":\"mainline.audit/v1\",\"prev\":\"" ZEROS "\"}", 0},
	    {"{\"schema\":\"mainline.audit/v1\",\"prev\":\"" ZEROS "\",\"sig\":\"" SIG88 "\"}", 0},
	    {"", ML_MALFORMED_OBJECT},
	    {"{}", ML_MALFORMED_OBJECT},
	    {"[]", ML_MALFORMED_OBJECT},
	    {"{\"schema\":\"mainline.audit/v1\",\"prev\":\"" ZEROS "\"} ", ML_MALFORMED_OBJECT},
	    {"{\"schema\":\"mainline.audit/v1\",\"prev\":\"" ZEROS "\"}{}", ML_MALFORMED_OBJECT},
	    {"{\"schema\":\"mainline.audit/v1\",\"prev\":\"" ZEROS "\"}\r", ML_MALFORMED_OBJECT},
	    {"{\"schema\":\"mainline.audit/v2\",\"prev\":\"" ZEROS "\"}", ML_MALFORMED_OBJECT},
	    {"{\"prev\":\"" ZEROS "\"}", ML_MALFORMED_OBJECT},
	    {"{\"schema\":\"mainline.audit/v1\",\"prev\":\"" ZEROS "0\"}", ML_MALFORMED_OBJECT},
	    {"{\"schema\":\"mainline.audit/v1\",\"prev\":\"ABCDEF" ZEROS "\"}",
	     ML_MALFORMED_OBJECT},
	    {"{\"schema\":\"mainline.audit/v1\",\"prev\":0}", ML_MALFORMED_OBJECT},
	    {"{\"prev\":\"" ZEROS "\",\"schema\":\"mainline.audit/v1\"}", ML_MALFORMED_OBJECT},
	    {"{\"schema\":\"mainline.audit/v1\",\"schema\":\"x\",\"prev\":\"" ZEROS "\"}",
	     ML_MALFORMED_OBJECT},
	    {"{\"schema\":\"mainline.audit/v1\",\"sig\":\"" SIG88 "\",\"prev\":\"" ZEROS "\"}",
	     ML_MALFORMED_OBJECT},
	    {"{\"schema\":\"mainline.audit/v1\",\"prev\":\"" ZEROS "\",\"sig\":\"" SIG88
	     "\",\"x\":1}",
	     ML_MALFORMED_OBJECT},
	    {"{\"schema\":\"mainline.audit/v1\",\"prev\":\"" ZEROS "\",\"sig\":\"short\"}",
	     ML_MALFORMED_OBJECT},
	    {"{\"schema\":\"mainline.audit/v1\",\"prev\":\"" ZEROS "\",\"sig\":\"" SIG88 "\"}}",
	     ML_MALFORMED_OBJECT},
	    {"{\"schema\":\"mainline.audit/v1\",\"prev\":\"" ZEROS "\",\"sig\":\"!" SIG88 "\"}",
	     ML_MALFORMED_OBJECT},
	    {"{\"schema\":\"mainline.audit/v1\",\"prev\":\"" ZEROS "\",\"sig\": \"" SIG88 "\"}",
	     ML_MALFORMED_OBJECT},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (parse(cases[i].line) != cases[i].want)
			fail_msg("case %zu: '%s' gave '%s'", i, cases[i].line, ml_error_message());
	}
}

static void test_line_parts(void **state)
{
	const char *line =
	    "{\"schema\":\"mainline.audit/v1\",\"prev\":\"" ZEROS "\",\"sig\":\"" SIG88 "\"}";
	struct audit_line out;

	assert_int_equal(audit_line_parse(line, strlen(line), &out), 0);
	assert_true(out.has_sig);
	/* T is everything before ,"sig" plus the closing brace */
	assert_int_equal(out.signed_len, strlen(line) - strlen(",\"sig\":\"" SIG88 "\"}"));
	assert_int_equal(line[out.signed_len - 1], '"');
	assert_int_equal(out.prev[0], 0);
}

static void test_nul_and_oversize(void **state)
{
	const char nul[] = "{\"schema\":\"mainline.audit/v1\",\"prev\":\"" ZEROS "\"}\0";
	struct audit_line out;
	char *big = malloc(AUDIT_LOG_LINE_MAX + 2);

	assert_int_equal(audit_line_parse(nul, sizeof(nul) - 1, &out), ML_MALFORMED_OBJECT);
	assert_non_null(big);
	memset(big, ' ', AUDIT_LOG_LINE_MAX + 1);
	assert_int_equal(audit_line_parse(big, AUDIT_LOG_LINE_MAX + 1, &out), ML_MALFORMED_OBJECT);
	free(big);
}

static void test_append_then_verify(void **state)
{
	char dir[] = "/tmp/mainline-unit.XXXXXX", path[256];
	struct audit_record rec;
	struct buf report;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
	buf_init(&report, 4096);
	audit_sample(&rec, 1);
	assert_int_equal(audit_log_append(path, &rec, NULL), 0);
	audit_sample(&rec, 2);
	assert_int_equal(audit_log_append(path, &rec, NULL), 0);
	assert_int_equal(audit_log_verify_file(path, NULL, NULL, &report), 0);
	assert_non_null(strstr(buf_cstr(&report), "ok: 2 records"));
	/* an empty line is not a record */
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("\n", f);
	fclose(f);
	buf_reset(&report);
	ml_error_clear();
	assert_int_equal(audit_log_verify_file(path, NULL, NULL, &report), ML_MALFORMED_OBJECT);
	assert_string_equal(buf_cstr(&report), "line 3: not a JSON object\n");
	ml_error_clear();
	assert_int_equal(audit_log_append(path, &rec, "not a key"), ML_CONFIG);
	buf_release(&report);
	unlink(path);
	rmdir(dir);
}

/* Test keys, no secret: audit_key takes PEM text. */
#define KEY_A                                                                                      \
	"-----BEGIN PRIVATE KEY-----\n"                                                            \
	"MC4CAQAwBQYDK2VwBCIEIJe9Lb5xl2/Ov6f68Rwwb/VlcKZP4vpjmdi5+DFmViHr\n"                       \
	"-----END PRIVATE KEY-----\n"
#define KEY_B                                                                                      \
	"-----BEGIN PRIVATE KEY-----\n"                                                            \
	"MC4CAQAwBQYDK2VwBCIEIE4UnhhT/g6AcW1XVE1apenKCkISut6/m+tIZo996yBb\n"                       \
	"-----END PRIVATE KEY-----\n"

struct check_dir {
	char dir[32];
	char path[128];
};

/* A fresh directory and the path of an audit file in it holding n records (signed with key). */
static void chain(struct check_dir *d, int n, const char *key)
{
	struct audit_record rec;
	int i;

	memset(d, 0, sizeof(*d));
	snprintf(d->dir, sizeof(d->dir), "/tmp/mainline-unit.XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->path, sizeof(d->path), "%s/audit.jsonl", d->dir);
	for (i = 1; i <= n; i++) {
		audit_sample(&rec, i);
		assert_int_equal(audit_log_append(d->path, &rec, key), 0);
	}
}

static void cleanup(struct check_dir *d)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
	assert_int_equal(system(cmd), 0);
}

static void add_bytes(const char *path, const char *bytes)
{
	FILE *f = fopen(path, "a");

	assert_non_null(f);
	fputs(bytes, f);
	fclose(f);
}

static char *read_all(const char *path)
{
	struct buf b;

	buf_init(&b, 1u << 24);
	assert_int_equal(buf_read_file(&b, path), 0);
	return buf_detach(&b, NULL);
}

static void write_all(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* check and append refuse with reason r and a message holding want; the file stays as it was. */
static void refused(const struct check_dir *d, const char *key, int r, const char *want)
{
	struct audit_record rec;
	char *before = read_all(d->path), *after;

	ml_error_clear();
	assert_int_equal(audit_log_check(d->path, key), r);
	if (strstr(ml_error_message(), want) == NULL)
		fail_msg("check: '%s' lacks '%s'", ml_error_message(), want);
	audit_sample(&rec, 9);
	ml_error_clear();
	assert_int_not_equal(audit_log_append(d->path, &rec, key), 0);
	if (strstr(ml_error_message(), want) == NULL)
		fail_msg("append: '%s' lacks '%s'", ml_error_message(), want);
	after = read_all(d->path);
	assert_string_equal(after, before);
	free(before);
	free(after);
}

static void test_check_accepts_an_intact_end(void **state)
{
	struct check_dir d;
	struct audit_record rec;
	struct buf report;

	chain(&d, 0, NULL);
	assert_int_equal(audit_log_check(d.path, NULL), 0); /* created, empty */
	assert_int_equal(access(d.path, F_OK), 0);
	cleanup(&d);

	chain(&d, 3, NULL);
	assert_int_equal(audit_log_check(d.path, NULL), 0);
	cleanup(&d);

	chain(&d, 1, KEY_A);
	assert_int_equal(audit_log_check(d.path, KEY_A), 0);
	cleanup(&d);

	chain(&d, 3, KEY_A);
	assert_int_equal(audit_log_check(d.path, KEY_A), 0);
	audit_sample(&rec, 4);
	assert_int_equal(audit_log_append(d.path, &rec, KEY_A), 0);
	buf_init(&report, 4096);
	assert_int_equal(audit_log_verify_file(d.path, NULL, NULL, &report), 0);
	buf_release(&report);
	cleanup(&d);
}

static void test_check_refuses_a_damaged_end(void **state)
{
	struct check_dir d;
	char *text, *p;

	chain(&d, 3, NULL);
	add_bytes(d.path, "{\"schema\":\"mainline.audit/v1\"");
	refused(&d, NULL, ML_AUDIT_UNAVAILABLE, "line 4: incomplete (no newline");
	cleanup(&d);

	chain(&d, 3, NULL);
	add_bytes(d.path, "garbage\n");
	refused(&d, NULL, ML_AUDIT_UNAVAILABLE, "line 4: not a JSON object");
	cleanup(&d);

	chain(&d, 3, NULL);
	add_bytes(d.path, "\n");
	refused(&d, NULL, ML_AUDIT_UNAVAILABLE, "line 4: not a JSON object");
	cleanup(&d);

	/* the line before the last edited: the last one no longer links to it */
	chain(&d, 3, NULL);
	text = read_all(d.path);
	p = strstr(strchr(text, '\n') + 1, "alice@example.org");
	assert_non_null(p);
	p[0] = 'm';
	write_all(d.path, text);
	free(text);
	refused(&d, NULL, ML_AUDIT_UNAVAILABLE,
	        "line 3: hash chain broken (prev does not match line 2)");
	cleanup(&d);

	/* the last line edited: in an unsigned chain nothing shows it, in a signed one its signature */
	chain(&d, 3, KEY_A);
	text = read_all(d.path);
	p = strrchr(text, '\n');
	*p = '\0';
	p = strstr(strrchr(text, '\n') + 1, "alice@example.org");
	assert_non_null(p);
	p[0] = 'm';
	write_all(d.path, text);
	add_bytes(d.path, "\n");
	free(text);
	refused(&d, KEY_A, ML_AUDIT_UNAVAILABLE, "line 3: bad signature");
	cleanup(&d);

	/* the last line removed from the middle of a chain (line 2 deleted) */
	chain(&d, 3, NULL);
	text = read_all(d.path);
	p = strchr(text, '\n') + 1;
	memmove(p, strchr(p, '\n') + 1, strlen(strchr(p, '\n') + 1) + 1);
	write_all(d.path, text);
	free(text);
	refused(&d, NULL, ML_AUDIT_UNAVAILABLE, "audit file '");
	refused(&d, NULL, ML_AUDIT_UNAVAILABLE,
	        "/audit.jsonl' line 2: hash chain broken (prev does not match line 1)");
	cleanup(&d);

	/* a single line that does not start the chain */
	chain(&d, 2, NULL);
	text = read_all(d.path);
	write_all(d.path, strchr(text, '\n') + 1);
	free(text);
	refused(&d, NULL, ML_AUDIT_UNAVAILABLE,
	        "line 1: hash chain broken (prev is not the genesis value)");
	cleanup(&d);
}

static void test_check_keeps_the_signing_mode(void **state)
{
	struct check_dir d;

	chain(&d, 2, NULL);
	refused(&d, KEY_A, ML_AUDIT_UNAVAILABLE, "line 2: signature missing");
	cleanup(&d);

	chain(&d, 2, KEY_A);
	refused(&d, KEY_B, ML_AUDIT_UNAVAILABLE, "line 2: bad signature");
	refused(&d, NULL, ML_AUDIT_UNAVAILABLE, "line 2: signed, but audit_key is not given");
	refused(&d, "", ML_AUDIT_UNAVAILABLE, "withheld");
	ml_error_clear();
	assert_int_equal(audit_log_check(d.path, "not a key"), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "audit_key is not an Ed25519 private key"));
	cleanup(&d);
}

static void test_check_refuses_what_is_no_file(void **state)
{
	struct check_dir d;
	char path[160];

	chain(&d, 0, NULL);
	ml_error_clear();
	assert_int_equal(audit_log_check(d.dir, NULL), ML_AUDIT_UNAVAILABLE);
	assert_non_null(strstr(ml_error_message(), "cannot open audit file"));
	assert_non_null(strstr(ml_error_message(), "Is a directory"));
	snprintf(path, sizeof(path), "%s/missing/audit.jsonl", d.dir);
	ml_error_clear();
	assert_int_equal(audit_log_check(path, NULL), ML_AUDIT_UNAVAILABLE);
	assert_non_null(strstr(ml_error_message(), "No such file or directory"));
	snprintf(path, sizeof(path), "%s/fifo", d.dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	ml_error_clear();
	assert_int_equal(audit_log_check(path, NULL), ML_AUDIT_UNAVAILABLE);
	assert_non_null(strstr(ml_error_message(), "is not a regular file"));
	cleanup(&d);
}

/*
 * Only the last line and its link are read: a long line before it is read by
 * growing the window, and damage further up is left to audit_log_verify_file.
 */
/* Another store renders the same line from the record's JSON; a chain cut after line 1 verifies --after it. */
static void test_chain_line_and_after(void **state)
{
	struct crypto_signing_key *sk = NULL;
	struct audit_record rec;
	struct check_dir d;
	struct buf json, line, report;
	uint8_t pub[32], genesis[32] = {0}, md[32];
	char *file, *second, after[65], path[160];

	memset(&d, 0, sizeof(d));
	snprintf(d.dir, sizeof(d.dir), "/tmp/mainline-unit.XXXXXX");
	assert_non_null(mkdtemp(d.dir));
	snprintf(d.path, sizeof(d.path), "%s/audit.jsonl", d.dir);
	buf_init(&json, AUDIT_LINE_MAX);
	buf_init(&line, AUDIT_LOG_LINE_MAX + 1);
	buf_init(&report, 4096);
	audit_sample(&rec, 1);
	assert_int_equal(audit_log_append(d.path, &rec, KEY_A), 0);
	assert_int_equal(audit_record_json(&rec, &json), 0);
	assert_int_equal(audit_key_load(KEY_A, &sk, pub), 0);
	assert_int_equal(audit_chain_line((const char *)json.data, json.len, genesis, sk, &line),
	                 0);
	file = read_all(d.path);
	assert_string_equal(buf_cstr(&line), file);
	/* not an object: refused */
	ml_error_clear();
	assert_int_equal(audit_chain_line("[1]", 3, genesis, NULL, &line), ML_MALFORMED_OBJECT);

	/* the second line alone verifies after the first one's hash, and only so */
	audit_sample(&rec, 2);
	assert_int_equal(audit_log_append(d.path, &rec, KEY_A), 0);
	free(file);
	file = read_all(d.path);
	second = strchr(file, '\n') + 1;
	assert_int_equal(crypto_digest(CRYPTO_SHA256, file, (size_t)(second - 1 - file), md), 0);
	hex_encode(md, sizeof(md), after);
	snprintf(path, sizeof(path), "%s/export.jsonl", d.dir);
	write_all(path, second);
	assert_int_equal(audit_log_verify_file(path, NULL, after, &report), 0);
	assert_non_null(strstr(buf_cstr(&report), "ok: 1 records"));
	buf_reset(&report);
	ml_error_clear();
	assert_int_equal(audit_log_verify_file(path, NULL, NULL, &report), ML_MALFORMED_OBJECT);
	assert_non_null(strstr(buf_cstr(&report), "prev is not the genesis value"));
	buf_reset(&report);
	ml_error_clear();
	assert_int_equal(audit_log_verify_file(path, NULL, ZEROS, &report), ML_MALFORMED_OBJECT);
	assert_non_null(strstr(buf_cstr(&report), "prev is not the hash given with --after"));
	buf_reset(&report);
	ml_error_clear();
	assert_int_equal(audit_log_verify_file(path, NULL, "abc", &report), ML_CONFIG);
	crypto_signing_key_free(sk);
	free(file);
	buf_release(&json);
	buf_release(&line);
	buf_release(&report);
	cleanup(&d);
}

static void test_check_reads_only_the_end(void **state)
{
	struct check_dir d;
	char *text, *first, hex[65], *garbage;
	uint8_t hash[32];
	struct buf report, big;
	size_t n = 100 * 1024;

	chain(&d, 1, NULL);
	first = read_all(d.path); /* one line that chains from the genesis value */
	garbage = malloc(n + 2);
	assert_non_null(garbage);
	memset(garbage, 'x', n);
	garbage[n] = '\0';
	assert_int_equal(crypto_digest(CRYPTO_SHA256, garbage, n, hash), 0);
	hex_encode(hash, 32, hex);
	buf_init(&big, 1u << 24);
	assert_int_equal(buf_printf(&big, "%s\n", garbage), 0);
	text = strstr(first, "\"prev\":\"") + 8;
	memcpy(text, hex, 64);
	assert_int_equal(buf_append_str(&big, first), 0);
	write_all(d.path, buf_cstr(&big));
	assert_int_equal(audit_log_check(d.path, NULL), 0);
	buf_init(&report, 4096);
	ml_error_clear();
	assert_int_equal(audit_log_verify_file(d.path, NULL, NULL, &report), ML_MALFORMED_OBJECT);
	assert_string_equal(buf_cstr(&report), "line 1: not a JSON object\n");
	buf_release(&report);

	/* a last line longer than any record, then one longer than two */
	buf_reset(&big);
	memset(garbage, 'y', n);
	assert_int_equal(buf_printf(&big, "%s%s%s\n", garbage, garbage, garbage), 0);
	write_all(d.path, buf_cstr(&big));
	refused(&d, NULL, ML_AUDIT_UNAVAILABLE, "line 1: line is longer than 263168 bytes");
	buf_reset(&big);
	assert_int_equal(buf_printf(&big, "{}\n%s%s%s%s%s%s\n", garbage, garbage, garbage, garbage,
	                            garbage, garbage),
	                 0);
	write_all(d.path, buf_cstr(&big));
	refused(&d, NULL, ML_AUDIT_UNAVAILABLE, "line 2: longer than 263168 bytes");
	buf_release(&big);
	free(garbage);
	free(first);
	cleanup(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_line_table),
	    cmocka_unit_test(test_line_parts),
	    cmocka_unit_test(test_nul_and_oversize),
	    cmocka_unit_test(test_append_then_verify),
	    cmocka_unit_test(test_check_accepts_an_intact_end),
	    cmocka_unit_test(test_check_refuses_a_damaged_end),
	    cmocka_unit_test(test_check_keeps_the_signing_mode),
	    cmocka_unit_test(test_check_refuses_what_is_no_file),
	    cmocka_unit_test(test_check_reads_only_the_end),
	    cmocka_unit_test(test_chain_line_and_after),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
