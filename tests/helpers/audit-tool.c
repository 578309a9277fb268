/*
 * Drives the audit sinks with sample records for tests/t/60-audit.t:
 *   audit-tool append FILE [--key PEM] [--count N]   N sample records (default 1)
 *   audit-tool verify FILE [--pubkey PEM]           exit 0 intact, 1 tampered, 2 error
 *   audit-tool check FILE [--key PEM]               the check before a run (audit_log_check)
 *   audit-tool webhook URL SECRET SPOOL [N]         sample record number N (default 1)
 *   audit-tool card [SCHEMA_URL]                    card to $DRONE_CARD_PATH
 *   audit-tool otlp URL                             spans; prints the child TRACEPARENT
 *   audit-tool render                               JSON record, log lines and labels
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "plugin/audit.h"
#include "plugin/audit_log.h"
#include "plugin/card.h"
#include "plugin/otel.h"
#include "plugin/webhook.h"
#include "tests/unit/audit_sample.h"

static int fail(int r)
{
	fprintf(stderr, "audit-tool: %s (%s)\n", ml_error_message(), ml_reason_name(r));
	return ml_reason_is_refusal(r) ? 1 : 2;
}

static const char *option(int argc, char **argv, const char *name)
{
	int i;

	for (i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

static int cmd_append(int argc, char **argv)
{
	const char *count = option(argc, argv, "--count");
	struct audit_record rec;
	int i, n = count != NULL ? (int)strtol(count, NULL, 10) : 1, r;

	for (i = 1; i <= n; i++) {
		audit_sample(&rec, i);
		if ((r = audit_log_append(argv[2], &rec, option(argc, argv, "--key"))) != 0)
			return fail(r);
	}
	return 0;
}

static int cmd_verify(int argc, char **argv)
{
	struct buf report;
	int r;

	buf_init(&report, 1 << 20);
	r = audit_log_verify_file(argv[2], option(argc, argv, "--pubkey"), NULL, &report);
	fputs(buf_cstr(&report), stdout);
	buf_release(&report);
	if (r != 0)
		return ml_reason_is_refusal(r) ? 1 : 2;
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	int r = audit_log_check(argv[2], option(argc, argv, "--key"));

	return r != 0 ? fail(r) : 0;
}

static int cmd_webhook(int argc, char **argv)
{
	struct webhook wh = {.url = argv[2],
	                     .secret = argv[3],
	                     .spool = argv[4],
	                     .backoff_ms = 100,
	                     .timeout_ms = 2000};
	struct spool_stats st;
	struct audit_record rec;
	int r;

	if (argc < 5)
		return 2;
	audit_sample(&rec, argc > 5 ? (int)strtol(argv[5], NULL, 10) : 1);
	r = webhook_send(&wh, &rec, &st);
	printf("delivered %zu spooled %zu\n", st.delivered, st.spooled);
	return r != 0 ? fail(r) : 0;
}

static int cmd_card(int argc, char **argv)
{
	struct audit_record rec;
	int r;

	audit_sample(&rec, 1);
	r = card_write_record(getenv("DRONE_CARD_PATH"), argc > 2 ? argv[2] : NULL, &rec);
	return r != 0 ? fail(r) : 0;
}

static int cmd_otlp(int argc, char **argv)
{
	char child[OTEL_TRACEPARENT_LEN + 1];
	struct audit_record rec;
	struct otel_trace t;
	int r;

	if (argc < 3)
		return 2;
	audit_sample(&rec, 1);
	if ((r = otel_trace_init(&t, getenv("TRACEPARENT"))) != 0)
		return fail(r);
	otel_traceparent_for_child(&t, child);
	printf("%s\n", child);
	if ((r = otel_export(argv[2], &t, &rec)) != 0)
		return fail(r);
	return 0;
}

static int cmd_render(void)
{
	struct audit_label labels[AUDIT_LABEL_COUNT];
	struct audit_record rec;
	struct buf b;
	size_t i, n;

	buf_init(&b, 1 << 20);
	audit_sample(&rec, 1);
	if (audit_record_json(&rec, &b) != 0 || buf_append_str(&b, "\n") < 0 ||
	    audit_log_start_line(&rec, &b) != 0 || buf_append_str(&b, "\n") < 0 ||
	    audit_log_end_line(&rec, &b) != 0 || buf_append_str(&b, "\n") < 0)
		return fail(ML_IO);
	n = audit_container_labels(&rec, labels);
	for (i = 0; i < n; i++)
		buf_printf(&b, "%s=%s\n", labels[i].key, labels[i].value);
	fputs(buf_cstr(&b), stdout);
	buf_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "append") == 0)
		return cmd_append(argc, argv);
	if (argc >= 3 && strcmp(argv[1], "verify") == 0)
		return cmd_verify(argc, argv);
	if (argc >= 3 && strcmp(argv[1], "check") == 0)
		return cmd_check(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "webhook") == 0)
		return cmd_webhook(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "card") == 0)
		return cmd_card(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "otlp") == 0)
		return cmd_otlp(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "render") == 0)
		return cmd_render();
	fputs("usage: audit-tool append|verify|webhook|card|otlp|render ...\n", stderr);
	return 2;
}
