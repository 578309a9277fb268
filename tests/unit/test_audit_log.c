/* Audit file lines (the parser `audit verify` uses) and the webhook HMAC header. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_sample.h"
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
	assert_int_equal(audit_log_verify_file(path, NULL, &report), 0);
	assert_non_null(strstr(buf_cstr(&report), "ok: 2 records"));
	/* an empty line is not a record */
	f = fopen(path, "a");
	assert_non_null(f);
	fputs("\n", f);
	fclose(f);
	buf_reset(&report);
	ml_error_clear();
	assert_int_equal(audit_log_verify_file(path, NULL, &report), ML_MALFORMED_OBJECT);
	assert_string_equal(buf_cstr(&report), "line 3: not a JSON object\n");
	ml_error_clear();
	assert_int_equal(audit_log_append(path, &rec, "not a key"), ML_CONFIG);
	buf_release(&report);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_line_table),
	    cmocka_unit_test(test_line_parts),
	    cmocka_unit_test(test_nul_and_oversize),
	    cmocka_unit_test(test_append_then_verify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
