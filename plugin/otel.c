#include "plugin/otel.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/http.h"
#include "common/version.h"

#define SPAN_KIND_INTERNAL 1
#define STATUS_OK 1
#define STATUS_ERROR 2

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/* Exactly n lower-case hex digits into out (n/2 bytes). */
static int lower_hex(const char *s, size_t n, uint8_t *out)
{
	if (!hex_is_lower(s, n))
		return -1;
	return hex_decode(s, out, n / 2);
}

int otel_traceparent_parse(const char *s, uint8_t trace_id[16], uint8_t parent_id[8],
                           uint8_t *flags)
{
	uint8_t tid[16], pid[8], fl;

	if (s == NULL || strlen(s) != OTEL_TRACEPARENT_LEN || s[0] != '0' || s[1] != '0' ||
	    s[2] != '-' || s[35] != '-' || s[52] != '-')
		return -1;
	if (lower_hex(s + 3, 32, tid) < 0 || lower_hex(s + 36, 16, pid) < 0 ||
	    lower_hex(s + 53, 2, &fl) < 0 || all_zero(tid, sizeof(tid)) ||
	    all_zero(pid, sizeof(pid)))
		return -1;
	memcpy(trace_id, tid, sizeof(tid));
	memcpy(parent_id, pid, sizeof(pid));
	*flags = fl;
	return 0;
}

/* A random id that is not all zeros (zeros mean "invalid" in W3C). */
static int random_id(uint8_t *out, size_t n)
{
	do {
		if (crypto_random(out, n) < 0)
			return ml_fail(ML_IO, "cannot draw random bytes for a trace id");
	} while (all_zero(out, n));
	return 0;
}

int otel_trace_init(struct otel_trace *t, const char *traceparent)
{
	int i;

	memset(t, 0, sizeof(*t));
	if (otel_traceparent_parse(traceparent, t->trace_id, t->parent_id, &t->flags) < 0) {
		memset(t->parent_id, 0, sizeof(t->parent_id));
		t->flags = 0x01;
		if (random_id(t->trace_id, sizeof(t->trace_id)) != 0)
			return ML_IO;
	}
	if (random_id(t->run_span, sizeof(t->run_span)) != 0)
		return ML_IO;
	for (i = 0; i < AUDIT_PHASE_COUNT; i++)
		if (random_id(t->phase_span[i], sizeof(t->phase_span[i])) != 0)
			return ML_IO;
	return 0;
}

void otel_traceparent_for_child(const struct otel_trace *t, char out[OTEL_TRACEPARENT_LEN + 1])
{
	char tid[33], sid[17], fl[3];

	hex_encode(t->trace_id, sizeof(t->trace_id), tid);
	hex_encode(t->run_span, sizeof(t->run_span), sid);
	hex_encode(&t->flags, 1, fl);
	snprintf(out, OTEL_TRACEPARENT_LEN + 1, "00-%s-%s-%s", tid, sid, fl);
}

static int add_hex(cJSON *obj, const char *key, const uint8_t *id, size_t n)
{
	char hex[33];

	hex_encode(id, n, hex);
	return cJSON_AddStringToObject(obj, key, hex) != NULL ? 0 : -1;
}

static int add_nanos(cJSON *obj, const char *key, int64_t ns)
{
	char s[24];

	snprintf(s, sizeof(s), "%" PRId64, ns);
	return cJSON_AddStringToObject(obj, key, s) != NULL ? 0 : -1;
}

static int add_attr(cJSON *attrs, const char *key, const char *type, const char *value)
{
	cJSON *a, *v;

	if (value == NULL || *value == '\0')
		return 0;
	if ((a = cJSON_CreateObject()) == NULL)
		return -1;
	cJSON_AddItemToArray(attrs, a);
	if (cJSON_AddStringToObject(a, "key", key) == NULL ||
	    (v = cJSON_AddObjectToObject(a, "value")) == NULL ||
	    cJSON_AddStringToObject(v, type, value) == NULL)
		return -1;
	return 0;
}

/* The attributes every span carries, taken from the rendered record. */
static int add_record_attrs(cJSON *attrs, const cJSON *record)
{
	const cJSON *exit_code = cJSON_GetObjectItemCaseSensitive(record, "exit_code");
	char code[24];

	if (add_attr(attrs, "mainline.commit", "stringValue",
	             cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(record, "commit"))) <
	        0 ||
	    add_attr(attrs, "mainline.decision", "stringValue",
	             cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(record, "decision"))) <
	        0 ||
	    add_attr(attrs, "mainline.reason", "stringValue",
	             cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(record, "reason"))) < 0)
		return -1;
	if (cJSON_IsNumber(exit_code)) {
		snprintf(code, sizeof(code), "%d", exit_code->valueint);
		if (add_attr(attrs, "mainline.exit_code", "intValue", code) < 0)
			return -1;
	}
	return 0;
}

static cJSON *make_span(const struct otel_trace *t, const uint8_t span_id[8], const uint8_t *parent,
                        const char *name, const struct audit_span *s, const cJSON *record)
{
	cJSON *span = cJSON_CreateObject(), *attrs;

	if (span == NULL)
		return NULL;
	if (add_hex(span, "traceId", t->trace_id, 16) < 0 ||
	    add_hex(span, "spanId", span_id, 8) < 0 ||
	    (parent != NULL && add_hex(span, "parentSpanId", parent, 8) < 0) ||
	    cJSON_AddStringToObject(span, "name", name) == NULL ||
	    cJSON_AddNumberToObject(span, "kind", SPAN_KIND_INTERNAL) == NULL ||
	    add_nanos(span, "startTimeUnixNano", s->start_ns) < 0 ||
	    add_nanos(span, "endTimeUnixNano", s->end_ns > s->start_ns ? s->end_ns : s->start_ns) <
	        0 ||
	    (attrs = cJSON_AddArrayToObject(span, "attributes")) == NULL ||
	    add_record_attrs(attrs, record) < 0) {
		cJSON_Delete(span);
		return NULL;
	}
	return span;
}

static cJSON *build_request(const struct otel_trace *t, const struct audit_record *rec)
{
	cJSON *req = cJSON_CreateObject(), *record = audit_record_object(rec);
	cJSON *rs, *resource, *attrs, *ss, *scope, *spans, *span, *status, *list;
	const struct audit_span *total = &rec->total;
	int ok = req != NULL && record != NULL, i;

	ok = ok && (list = cJSON_AddArrayToObject(req, "resourceSpans")) != NULL &&
	     (rs = cJSON_CreateObject()) != NULL && cJSON_AddItemToArray(list, rs) &&
	     (resource = cJSON_AddObjectToObject(rs, "resource")) != NULL &&
	     (attrs = cJSON_AddArrayToObject(resource, "attributes")) != NULL &&
	     add_attr(attrs, "service.name", "stringValue", "mainline") == 0 &&
	     add_attr(attrs, "service.version", "stringValue", MAINLINE_VERSION) == 0 &&
	     (list = cJSON_AddArrayToObject(rs, "scopeSpans")) != NULL &&
	     (ss = cJSON_CreateObject()) != NULL && cJSON_AddItemToArray(list, ss) &&
	     (scope = cJSON_AddObjectToObject(ss, "scope")) != NULL &&
	     cJSON_AddStringToObject(scope, "name", "mainline") != NULL &&
	     cJSON_AddStringToObject(scope, "version", MAINLINE_VERSION) != NULL &&
	     (spans = cJSON_AddArrayToObject(ss, "spans")) != NULL &&
	     (span = make_span(t, t->run_span, all_zero(t->parent_id, 8) ? NULL : t->parent_id,
	                       "mainline run", total, record)) != NULL &&
	     cJSON_AddItemToArray(spans, span) &&
	     (status = cJSON_AddObjectToObject(span, "status")) != NULL &&
	     cJSON_AddNumberToObject(status, "code",
	                             rec->decision == AUDIT_ALLOW && rec->exit_code <= 0
	                                 ? STATUS_OK
	                                 : STATUS_ERROR) != NULL;
	for (i = 0; ok && i < AUDIT_PHASE_COUNT; i++) {
		if (rec->phase[i].start_ns <= 0)
			continue;
		ok = (span = make_span(t, t->phase_span[i], t->run_span, audit_phase_name(i),
		                       &rec->phase[i], record)) != NULL &&
		     cJSON_AddItemToArray(spans, span);
	}
	cJSON_Delete(record);
	if (!ok) {
		cJSON_Delete(req);
		return NULL;
	}
	return req;
}

int otel_spans_json(const struct otel_trace *t, const struct audit_record *rec, struct buf *out)
{
	cJSON *req = build_request(t, rec);
	char *text = NULL;
	int r = ML_IO;

	if (req == NULL || (text = cJSON_PrintUnformatted(req)) == NULL) {
		r = ml_fail(ML_IO, "out of memory while rendering trace spans");
		goto out;
	}
	if (buf_append_str(out, text) < 0) {
		r = ml_fail(ML_IO, "trace spans are too large");
		goto out;
	}
	r = 0;
out:
	cJSON_free(text);
	cJSON_Delete(req);
	return r;
}

int otel_export(const char *endpoint, const struct otel_trace *t, const struct audit_record *rec)
{
	static const char *const headers[] = {"Content-Type: application/json",
	                                      "User-Agent: mainline/" MAINLINE_VERSION, NULL};
	const char *suffix = "/v1/traces";
	struct http_response res;
	struct buf url, body;
	size_t n = strlen(endpoint);
	int r = ML_IO;

	buf_init(&url, 8192);
	buf_init(&body, 4u << 20);
	http_response_init(&res, 64 * 1024);
	while (n > 0 && endpoint[n - 1] == '/')
		n--;
	if (buf_append(&url, endpoint, n) < 0 ||
	    ((n < strlen(suffix) ||
	      strncmp(endpoint + n - strlen(suffix), suffix, strlen(suffix)) != 0) &&
	     buf_append_str(&url, suffix) < 0)) {
		r = ml_fail(ML_IO, "otlp endpoint is too long");
		goto out;
	}
	if ((r = otel_spans_json(t, rec, &body)) != 0)
		goto out;
	{
		struct http_request req = {
		    .method = "POST",
		    .url = buf_cstr(&url),
		    .headers = headers,
		    .body = body.data,
		    .body_len = body.len,
		    .connect_timeout_ms = 2000,
		    .timeout_ms = 5000,
		    .what = "otlp endpoint",
		};

		if ((r = http_request(&req, &res, ML_IO)) != 0)
			goto out;
	}
	if (res.status < 200 || res.status > 299) {
		r = ml_fail(ML_IO, "otlp endpoint '%s' answered HTTP %ld", buf_cstr(&url),
		            res.status);
		goto out;
	}
	r = 0;
out:
	http_response_release(&res);
	buf_release(&url);
	buf_release(&body);
	return r;
}
