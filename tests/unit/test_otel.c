/* W3C traceparent parsing and the OTLP/JSON span layout. */
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "audit_sample.h"
#include "common/json.h"
#include "plugin/otel.h"

static void test_traceparent_table(void **state)
{
	static const struct {
		const char *in;
		int want;
	} cases[] = {
	    {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 0},
	    {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", 0},
	    {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", -1},
	    {"00-00000000000000000000000000000000-00f067aa0ba902b7-01", -1},
	    {"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", -1},
	    {"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", -1},
	    {"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", -1},
	    {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", -1},
	    {"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", -1},
	    {"00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01", -1},
	    {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g", -1},
	    {"00-4bf92f3577b34da6a3ce929d0e0e47 6-00f067aa0ba902b7-01", -1},
	    {" 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0", -1},
	    {"", -1},
	    {NULL, -1},
	};
	uint8_t tid[16], pid[8], flags;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (otel_traceparent_parse(cases[i].in, tid, pid, &flags) != cases[i].want)
			fail_msg("case %zu: '%s'", i, cases[i].in != NULL ? cases[i].in : "(null)");
	}
	assert_int_equal(otel_traceparent_parse(cases[0].in, tid, pid, &flags), 0);
	assert_int_equal(tid[0], 0x4b);
	assert_int_equal(pid[7], 0xb7);
	assert_int_equal(flags, 1);
}

static void test_child_traceparent(void **state)
{
	const char *in = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
	char child[OTEL_TRACEPARENT_LEN + 1];
	uint8_t tid[16], pid[8], flags;
	struct otel_trace t;

	assert_int_equal(otel_trace_init(&t, in), 0);
	otel_traceparent_for_child(&t, child);
	assert_int_equal(strlen(child), OTEL_TRACEPARENT_LEN);
	assert_int_equal(strncmp(child, "00-4bf92f3577b34da6a3ce929d0e0e4736-", 36), 0);
	assert_string_equal(child + 52, "-00");
	assert_int_equal(otel_traceparent_parse(child, tid, pid, &flags), 0);
	assert_memory_equal(pid, t.run_span, 8);
	/* invalid input starts a fresh, sampled trace */
	assert_int_equal(otel_trace_init(&t, "garbage"), 0);
	otel_traceparent_for_child(&t, child);
	assert_int_equal(otel_traceparent_parse(child, tid, pid, &flags), 0);
	assert_int_equal(flags, 1);
	assert_int_not_equal(strncmp(child, "00-4bf92f3577b34da6a3ce929d0e0e4736-", 36), 0);
}

static void test_spans_layout(void **state)
{
	const cJSON *spans, *span, *attr;
	struct audit_record rec;
	struct otel_trace t;
	struct buf b;
	cJSON *root;
	int n = 0;

	buf_init(&b, 1 << 20);
	audit_sample(&rec, 1);
	rec.phase[AUDIT_PHASE_PULL].start_ns = 0; /* did not run: no span */
	assert_int_equal(otel_trace_init(&t, NULL), 0);
	assert_int_equal(otel_spans_json(&t, &rec, &b), 0);
	root = json_parse((const char *)b.data, b.len, b.len);
	assert_non_null(root);
	spans = cJSON_GetArrayItem(json_array(root, "resourceSpans"), 0);
	spans = cJSON_GetArrayItem(json_array(spans, "scopeSpans"), 0);
	spans = json_array(spans, "spans");
	assert_non_null(spans);
	cJSON_ArrayForEach(span, spans)
	{
		assert_int_equal(strlen(json_string(span, "traceId")), 32);
		assert_int_equal(strlen(json_string(span, "spanId")), 16);
		assert_non_null(json_string(span, "startTimeUnixNano"));
		assert_non_null(json_string(span, "endTimeUnixNano"));
		assert_non_null(json_array(span, "attributes"));
		if (n == 0) {
			assert_string_equal(json_string(span, "name"), "mainline run");
			assert_null(json_string(span, "parentSpanId"));
		} else {
			assert_non_null(json_string(span, "parentSpanId"));
		}
		n++;
	}
	assert_int_equal(n, 5);
	span = cJSON_GetArrayItem(spans, 1);
	assert_string_equal(json_string(span, "name"), "gate");
	assert_string_equal(json_string(span, "startTimeUnixNano"), "1764000060000000000");
	assert_string_equal(json_string(span, "endTimeUnixNano"), "1764000060150000000");
	attr = cJSON_GetArrayItem(json_array(span, "attributes"), 0);
	assert_string_equal(json_string(attr, "key"), "mainline.commit");
	cJSON_Delete(root);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_traceparent_table),
	    cmocka_unit_test(test_child_traceparent),
	    cmocka_unit_test(test_spans_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
