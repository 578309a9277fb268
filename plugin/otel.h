/*
 * OpenTelemetry traces of a run, exported as OTLP/HTTP JSON: one root span
 * "mainline run" and one child span per phase that ran (gate, fetch, verify,
 * pull, run). The trace continues an incoming W3C TRACEPARENT when one is
 * valid, and the pipeline container gets a TRACEPARENT whose parent is the
 * run span. Export failures are the caller's to log; they never change the
 * outcome of a run.
 */
#ifndef MAINLINE_OTEL_H
#define MAINLINE_OTEL_H

#include <stdint.h>

#include "common/buf.h"
#include "plugin/audit.h"

/* "00-" 32 hex "-" 16 hex "-" 2 hex */
#define OTEL_TRACEPARENT_LEN 55

struct otel_trace {
	uint8_t trace_id[16];
	uint8_t parent_id[8]; /* span id from TRACEPARENT; zeros: the run span is a root */
	uint8_t flags;        /* trace flags, inherited from TRACEPARENT (default sampled) */
	uint8_t run_span[8];
	uint8_t phase_span[AUDIT_PHASE_COUNT][8];
};

/*
 * Parses a W3C traceparent strictly: version "00", exactly 55 characters,
 * lower-case hex, trace id and parent id not all zeros. 0 or -1.
 */
int otel_traceparent_parse(const char *s, uint8_t trace_id[16], uint8_t parent_id[8],
                           uint8_t *flags);

/*
 * Starts a trace: continues traceparent when it parses (NULL or invalid
 * starts a new trace, as the W3C recommendation says), with random span ids.
 * 0, or ML_IO when no random bytes.
 */
int otel_trace_init(struct otel_trace *t, const char *traceparent);

/* The TRACEPARENT for the pipeline container: same trace, parent = the run span. */
void otel_traceparent_for_child(const struct otel_trace *t, char out[OTEL_TRACEPARENT_LEN + 1]);

/*
 * Appends the OTLP/JSON ExportTraceServiceRequest for rec's spans to out.
 * 0 or ML_IO.
 */
int otel_spans_json(const struct otel_trace *t, const struct audit_record *rec, struct buf *out);

/*
 * POSTs the spans to <endpoint>/v1/traces (endpoint used as is when it
 * already ends in /v1/traces), one attempt, short timeouts. 0 when a 2xx
 * answer arrived, otherwise ML_IO with the message set.
 */
int otel_export(const char *endpoint, const struct otel_trace *t, const struct audit_record *rec);

#endif
