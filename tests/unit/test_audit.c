/* The audit record: fixed key order, hostile strings, credential stripping, log lines. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_sample.h"
#include "common/encoding.h"
#include "common/json.h"
#include "plugin/audit.h"
#include "plugin/card.h"
#include "plugin/otel.h"

static char *render(const struct audit_record *rec)
{
	struct buf b;

	buf_init(&b, AUDIT_LINE_MAX);
	assert_int_equal(audit_record_json(rec, &b), 0);
	return buf_detach(&b, NULL);
}

static void test_fixed_key_order(void **state)
{
	static const char *const keys[] = {
	    "schema",         "id",        "time",          "decision",     "reason",
	    "message",        "drone",     "source",        "branch",       "commit",
	    "tree",           "anchor",    "extra_anchor",  "previous_tip", "mode",
	    "checked",        "signer",    "policy_digest", "image",        "image_digest",
	    "container_id",   "exit_code", "durations_ms",  "reaped",       "cache_recovery",
	    "rollback_state", "version"};
	struct audit_record rec;
	const cJSON *item;
	char *text;
	cJSON *root;
	size_t i = 0;

	audit_sample(&rec, 1);
	text = render(&rec);
	root = json_parse(text, strlen(text), AUDIT_LINE_MAX);
	assert_non_null(root);
	for (item = root->child; item != NULL; item = item->next, i++) {
		assert_true(i < sizeof(keys) / sizeof(keys[0]));
		assert_string_equal(item->string, keys[i]);
	}
	assert_int_equal(i, sizeof(keys) / sizeof(keys[0]));
	assert_non_null(strstr(text, "{\"schema\":\"mainline.audit/v1\","));
	assert_non_null(strstr(text, "\"time\":\"2025-11-24T16:01:00.000Z\""));
	assert_non_null(strstr(text, "\"durations_ms\":{\"gate\":150,\"fetch\":300,\"verify\":450,"
	                             "\"pull\":600,\"run\":750,\"total\":2255}"));
	assert_null(strchr(text, '\n'));
	cJSON_Delete(root);
	free(text);
}

static void test_empty_record_is_an_error_with_nulls(void **state)
{
	struct audit_record rec;
	char *text;

	assert_int_equal(audit_record_init(&rec), 0);
	assert_int_equal(strlen(rec.id), 32);
	text = render(&rec);
	assert_non_null(strstr(text, "\"decision\":\"error\",\"reason\":\"engine_error\""));
	assert_non_null(strstr(text, "\"source\":null"));
	assert_null(strstr(text, "\"time\":null"));
	assert_non_null(strstr(text, "\"total\":null"));
	assert_non_null(strstr(text, "\"signer\":null"));
	assert_non_null(strstr(text, "\"exit_code\":null"));
	assert_non_null(strstr(text, "\"checked\":null"));
	assert_non_null(strstr(text, "\"gate\":null"));
	assert_non_null(strstr(text, "\"reaped\":null"));
	free(text);
}

/* The containers of dead runs a run removed: an array, empty when there were none. */
static void test_reaped_containers(void **state)
{
	static const struct audit_reaped reaped[] = {
	    {"c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
	     "0123456789abcdef0123456789abcdef"},
	    {"d00dd00dd00dd00dd00dd00dd00dd00dd00dd00dd00dd00dd00dd00dd00dd00d", ""},
	};
	struct audit_record rec;
	char *text;

	audit_sample(&rec, 1);
	rec.reaped = reaped;
	rec.reaped_count = 0;
	text = render(&rec);
	assert_non_null(strstr(text, "\"reaped\":[],\"cache_recovery\":null,"));
	free(text);
	rec.reaped_count = 2;
	text = render(&rec);
	assert_non_null(strstr(text,
	                       "\"reaped\":[{\"container\":\"c0ffee00c0ffee00c0ffee00c0ffee00"
	                       "c0ffee00c0ffee00c0ffee00c0ffee00\",\"run\":"
	                       "\"0123456789abcdef0123456789abcdef\"},{\"container\":\"d00d"));
	assert_non_null(strstr(text, "d00d\",\"run\":null}],\"cache_recovery\":null,"));
	free(text);
}

static void test_hostile_strings_are_escaped(void **state)
{
	struct audit_record rec;
	cJSON *root;
	char *text;
	char longer[3000];

	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	audit_sample(&rec, 1);
	rec.message = "quote \" backslash \\ newline \n nul-free \x01 esc \x1b[31m";
	rec.branch = "bad utf8 \xff\xfe and overlong \xc0\xaf and surrogate \xed\xa0\x80";
	rec.mode = longer;
	text = render(&rec);
	assert_null(strchr(text, '\n'));
	assert_null(strchr(text, '\x1b'));
	assert_null(strstr(text, "\xff"));
	assert_non_null(strstr(text, "quote \\\" backslash \\\\ newline \\n"));
	assert_non_null(strstr(text, "\\u001b[31m"));
	root = json_parse(text, strlen(text), AUDIT_LINE_MAX);
	assert_non_null(root);
	assert_non_null(strstr(json_string(root, "branch"), "\xef\xbf\xbd"));
	assert_int_equal(strlen(json_string(root, "mode")), AUDIT_FIELD_MAX);
	cJSON_Delete(root);
	free(text);
}

/* URL fields, the log line and labels carry the credential-free form of url.h. */
static void test_urls_are_redacted(void **state)
{
	struct audit_label labels[AUDIT_LABEL_COUNT];
	struct audit_record rec;
	struct buf b;
	cJSON *obj;

	audit_record_init(&rec);
	rec.source = "git:" AUDIT_CANARY "@host:org/repo.git";
	rec.drone.build_link = "https://drone.example/a/b/1?token=" AUDIT_CANARY;
	rec.message = "at https://u:" AUDIT_CANARY "@host/x?q=" AUDIT_CANARY;
	obj = audit_record_object(&rec);
	assert_non_null(obj);
	assert_string_equal(json_string(obj, "source"), "***@host:org/repo.git");
	assert_string_equal(json_string(json_object(obj, "drone"), "build_link"),
	                    "https://drone.example/a/b/1?token=***");
	assert_string_equal(json_string(obj, "message"), "at https://***@host/x?q=***");
	cJSON_Delete(obj);
	buf_init(&b, 4096);
	assert_int_equal(audit_log_start_line(&rec, &b), 0);
	assert_non_null(strstr(buf_cstr(&b), " from ***@host:org/repo.git@"));
	buf_release(&b);
	assert_int_equal(audit_container_labels(&rec, labels), 2);
	assert_string_equal(labels[0].value, "***@host:org/repo.git");
	assert_string_equal(labels[1].value, "https://drone.example/a/b/1?token=***");
}

static void test_log_lines(void **state)
{
	struct audit_record rec;
	struct buf b;

	buf_init(&b, 4096);
	audit_sample(&rec, 1);
	rec.phase[AUDIT_PHASE_RUN].end_ns = rec.phase[AUDIT_PHASE_RUN].start_ns + 12345000000;
	assert_int_equal(audit_log_start_line(&rec, &b), 0);
	assert_string_equal(
	    buf_cstr(&b),
	    "running pipeline 89abcdef0123 (tree fedcba987654) from "
	    "https://***@git.example.org/example/pipelines.git?access_token=***@main, "
	    "signed by "
	    "alice@example.org (SHA256:uSDKVvdnvQe5pc6FJ4nS8VNk0eZ0OlV6GQS3L6vcNHs)");
	buf_reset(&b);
	assert_int_equal(audit_log_end_line(&rec, &b), 0);
	assert_string_equal(buf_cstr(&b), "pipeline exited 0 after 12.3 s");
	buf_reset(&b);
	rec.decision = AUDIT_REFUSE;
	rec.reason = ML_UNSIGNED;
	rec.message = "commit 'abc' has no signature\n\x1b[2J";
	assert_int_equal(audit_log_end_line(&rec, &b), 0);
	assert_string_equal(buf_cstr(&b), "refused: unsigned: commit 'abc' has no signature??[2J");
	buf_release(&b);
}

static void test_labels(void **state)
{
	struct audit_label labels[AUDIT_LABEL_COUNT];
	struct audit_record rec;

	audit_sample(&rec, 1);
	assert_int_equal(audit_container_labels(&rec, labels), 5);
	assert_string_equal(labels[0].key, "org.mainline.source");
	assert_string_equal(labels[0].value,
	                    "https://***@git.example.org/example/pipelines.git?access_token=***");
	assert_string_equal(labels[3].key, "org.mainline.build-link");
	assert_string_equal(labels[3].value, "https://***@drone.example.org/example/app/42");
	assert_string_equal(
	    labels[4].value,
	    "alice@example.org (SHA256:uSDKVvdnvQe5pc6FJ4nS8VNk0eZ0OlV6GQS3L6vcNHs)");
	assert_int_equal(audit_record_init(&rec), 0);
	rec.commit = "abc";
	assert_int_equal(audit_container_labels(&rec, labels), 1);
	assert_string_equal(labels[0].key, "org.mainline.commit");
}

/* Every rendering of a record holding canary credentials is free of them. */
static void test_no_canary_in_any_output(void **state)
{
	struct audit_label labels[AUDIT_LABEL_COUNT];
	struct audit_record rec;
	struct otel_trace t;
	struct buf b, card;
	size_t i, n;

	buf_init(&b, 1 << 20);
	buf_init(&card, 1 << 20);
	audit_sample(&rec, 1);
	rec.message = "cannot fetch 'https://x:" AUDIT_CANARY "@host/r.git': refused";
	rec.decision = AUDIT_REFUSE;
	assert_int_equal(audit_record_json(&rec, &b), 0);
	assert_int_equal(audit_log_start_line(&rec, &b), 0);
	assert_int_equal(audit_log_end_line(&rec, &b), 0);
	n = audit_container_labels(&rec, labels);
	for (i = 0; i < n; i++)
		assert_int_equal(buf_append_str(&b, labels[i].value), 0);
	assert_int_equal(otel_trace_init(&t, NULL), 0);
	assert_int_equal(otel_spans_json(&t, &rec, &b), 0);
	{
		cJSON *data = audit_record_object(&rec);

		assert_int_equal(card_encode(NULL, data, &card), 0);
		cJSON_Delete(data);
	}
	/* the card is base64: decode the part between the escape sequences */
	assert_int_equal(base64_decode((const char *)card.data + 7, card.len - 7 - 5, &b), 0);
	assert_null(strstr(buf_cstr(&b), AUDIT_CANARY));
	assert_null(strstr(buf_cstr(&b), "ci-bot"));
	assert_non_null(strstr(buf_cstr(&b), "git.example.org"));
	assert_non_null(strstr(buf_cstr(&b), "cannot fetch 'https://***@host/r.git': refused"));
	buf_release(&b);
	buf_release(&card);
}

/* Whether every string in the JSON tree is at most max bytes of valid UTF-8. */
static int strings_within(const cJSON *item, size_t max)
{
	const cJSON *c;

	if (cJSON_IsString(item) && (strlen(item->valuestring) > max ||
	                             !utf8_is_valid(item->valuestring, strlen(item->valuestring))))
		return 0;
	for (c = item->child; c != NULL; c = c->next)
		if (!strings_within(c, max))
			return 0;
	return 1;
}

/*
 * 128 KiB in every string the record takes (a cut within a multi-byte
 * character included) costs no sink its record: each shows the value cut to
 * AUDIT_FIELD_MAX bytes of whole characters, the same bytes everywhere.
 */
static void test_long_values_are_cut_for_every_sink(void **state)
{
	struct audit_label labels[AUDIT_LABEL_COUNT];
	struct audit_record rec;
	struct otel_trace t;
	struct buf b, card, decoded;
	char *big = malloc(128 * 1024 + 1), *url = malloc(128 * 1024 + 64), *json;
	cJSON *obj, *parsed;
	const char *link;
	size_t i, n;

	assert_non_null(big);
	assert_non_null(url);
	memset(big, 'a', 128 * 1024);
	big[128 * 1024] = '\0';
	memcpy(big + 1023, "\xe2\x82\xac", 3); /* a euro sign across the cut */
	snprintf(url, 128 * 1024 + 64, "https://u:%s@drone.example/%s", AUDIT_CANARY, big);
	audit_sample(&rec, 1);
	rec.message = big;
	rec.drone.repo = rec.drone.event = rec.drone.ref = rec.drone.commit = big;
	rec.drone.tag = rec.drone.deploy_to = rec.drone.step = big;
	rec.drone.build_link = url;
	rec.source = url;
	rec.branch = rec.commit = rec.tree = rec.anchor = rec.previous_tip = big;
	rec.mode = rec.policy_digest = rec.image = rec.image_digest = rec.container_id = big;

	buf_init(&b, AUDIT_LINE_MAX);
	assert_int_equal(audit_record_json(&rec, &b), 0);
	parsed = json_parse(buf_cstr(&b), b.len, AUDIT_LINE_MAX);
	assert_non_null(parsed);
	assert_true(strings_within(parsed, AUDIT_FIELD_MAX));
	/* cut before the euro sign, whose bytes would pass the limit */
	assert_int_equal(strlen(json_string(parsed, "branch")), 1023);
	link = json_string(cJSON_GetObjectItemCaseSensitive(parsed, "drone"), "build_link");
	assert_non_null(link);
	assert_int_equal(strncmp(link, "https://***@drone.example/aaa", 29), 0);
	assert_null(strstr(buf_cstr(&b), AUDIT_CANARY));

	/* the log lines: whole, the fields cut the same way */
	buf_reset(&b);
	assert_int_equal(audit_log_start_line(&rec, &b), 0);
	assert_true(b.len <= AUDIT_TEXT_LINE_MAX);
	assert_non_null(strstr(buf_cstr(&b), ") from https://***@drone.example/aaa"));
	assert_null(strstr(buf_cstr(&b), AUDIT_CANARY));
	buf_reset(&b);
	rec.decision = AUDIT_REFUSE;
	assert_int_equal(audit_log_end_line(&rec, &b), 0);
	assert_true(b.len <= AUDIT_TEXT_LINE_MAX);

	/* the labels: all five, each cut */
	n = audit_container_labels(&rec, labels);
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++) {
		assert_true(strlen(labels[i].value) <= AUDIT_FIELD_MAX);
		assert_true(utf8_is_valid(labels[i].value, strlen(labels[i].value)));
	}
	assert_int_equal(strncmp(labels[3].value, "https://***@drone.example/aaa", 29), 0);

	/* the card, the webhook's body (audit_record_json above) and the spans */
	buf_init(&card, CARD_MAX);
	obj = audit_record_object(&rec);
	assert_non_null(obj);
	assert_int_equal(card_encode(NULL, obj, &card), 0);
	cJSON_Delete(obj);
	buf_init(&decoded, CARD_MAX);
	assert_int_equal(base64_decode((const char *)card.data + 7, card.len - 7 - 5, &decoded), 0);
	json = buf_detach(&decoded, NULL);
	assert_non_null(strstr(json, "\"data\":{\"schema\":\"mainline.audit/v1\""));
	free(json);
	buf_reset(&b);
	assert_int_equal(otel_trace_init(&t, NULL), 0);
	assert_int_equal(otel_spans_json(&t, &rec, &b), 0);
	cJSON_Delete(parsed);
	parsed = json_parse(buf_cstr(&b), b.len, 4u << 20);
	assert_non_null(parsed);
	assert_true(strings_within(parsed, AUDIT_FIELD_MAX));
	cJSON_Delete(parsed);
	buf_release(&b);
	buf_release(&card);
	free(big);
	free(url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixed_key_order),
	    cmocka_unit_test(test_empty_record_is_an_error_with_nulls),
	    cmocka_unit_test(test_reaped_containers),
	    cmocka_unit_test(test_hostile_strings_are_escaped),
	    cmocka_unit_test(test_urls_are_redacted),
	    cmocka_unit_test(test_log_lines),
	    cmocka_unit_test(test_labels),
	    cmocka_unit_test(test_no_canary_in_any_output),
	    cmocka_unit_test(test_long_values_are_cut_for_every_sink),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
