#include "plugin/audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/url.h"
#include "common/version.h"

static const char *const phase_names[AUDIT_PHASE_COUNT] = {
    [AUDIT_PHASE_GATE] = "gate", [AUDIT_PHASE_FETCH] = "fetch", [AUDIT_PHASE_VERIFY] = "verify",
    [AUDIT_PHASE_PULL] = "pull", [AUDIT_PHASE_RUN] = "run",
};

const char *audit_phase_name(enum audit_phase p)
{
	return (unsigned)p < AUDIT_PHASE_COUNT ? phase_names[p] : "unknown";
}

const char *audit_decision_name(enum audit_decision d)
{
	switch (d) {
	case AUDIT_ALLOW:
		return "allow";
	case AUDIT_REFUSE:
		return "refuse";
	default:
		return "error";
	}
}

int audit_record_init(struct audit_record *rec)
{
	uint8_t id[16];

	memset(rec, 0, sizeof(*rec));
	rec->decision = AUDIT_ERROR;
	rec->reason = ML_ENGINE_ERROR;
	rec->checked = -1;
	rec->exit_code = -1;
	rec->total.start_ns = clock_realtime_ns();
	if (crypto_random(id, sizeof(id)) < 0)
		return ml_fail(ML_IO, "cannot draw random bytes for the audit record id");
	hex_encode(id, sizeof(id), rec->id);
	return 0;
}

/*
 * A copy of s that is valid UTF-8 (invalid bytes become U+FFFD), with every
 * URL in it in its credential-free form (error messages may quote a URL with
 * its token), at most AUDIT_FIELD_MAX bytes cut at a character boundary.
 * cJSON escapes the quotes and control characters; it does not check the
 * encoding.
 */
static char *clean_text(const char *s)
{
	struct buf redacted, b;
	const unsigned char *p;
	size_t n, i = 0;
	char *out = NULL;

	buf_init(&redacted, 4 * strlen(s) + 64);
	buf_init(&b, AUDIT_FIELD_MAX);
	if (url_redact_text(s, &redacted) < 0)
		goto out;
	p = redacted.data != NULL ? redacted.data : (const unsigned char *)"";
	n = redacted.len;
	while (i < n) {
		size_t len = utf8_char_len(p + i, n - i);
		int r = len > 0 ? buf_append(&b, p + i, len) : buf_append(&b, "\xef\xbf\xbd", 3);

		if (r < 0)
			break;
		i += len > 0 ? len : 1;
	}
	out = buf_detach(&b, NULL);
out:
	buf_release(&redacted);
	buf_release(&b);
	return out;
}

static int add_text(cJSON *obj, const char *key, const char *s)
{
	cJSON *item;
	char *clean;

	if (s == NULL || *s == '\0')
		return cJSON_AddNullToObject(obj, key) != NULL ? 0 : -1;
	if ((clean = clean_text(s)) == NULL)
		return -1;
	item = cJSON_AddStringToObject(obj, key, clean);
	free(clean);
	return item != NULL ? 0 : -1;
}

/* clean_text of a URL field: the credential-free form of the whole value first (url.h). */
static char *clean_url(const char *url)
{
	struct buf b;
	char *out;

	buf_init(&b, 4 * strlen(url) + 64);
	out = url_redact(url, &b) < 0 ? NULL : clean_text(buf_cstr(&b));
	buf_release(&b);
	return out;
}

static int add_url(cJSON *obj, const char *key, const char *url)
{
	cJSON *item;
	char *clean;

	if (url == NULL || *url == '\0')
		return cJSON_AddNullToObject(obj, key) != NULL ? 0 : -1;
	if ((clean = clean_url(url)) == NULL)
		return -1;
	item = cJSON_AddStringToObject(obj, key, clean);
	free(clean);
	return item != NULL ? 0 : -1;
}

static int add_int(cJSON *obj, const char *key, int64_t v, int known)
{
	if (!known)
		return cJSON_AddNullToObject(obj, key) != NULL ? 0 : -1;
	return cJSON_AddNumberToObject(obj, key, (double)v) != NULL ? 0 : -1;
}

static int format_time(int64_t ns, char *out, size_t len)
{
	time_t secs = (time_t)(ns / 1000000000);
	struct tm tm;
	char day[32];

	if (ns <= 0 || gmtime_r(&secs, &tm) == NULL ||
	    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return -1;
	snprintf(out, len, "%s.%03dZ", day, (int)((ns / 1000000) % 1000));
	return 0;
}

static int64_t span_ms(const struct audit_span *s)
{
	if (s->start_ns <= 0 || s->end_ns < s->start_ns)
		return -1;
	return (s->end_ns - s->start_ns) / 1000000;
}

static const char *signer_format_name(enum signer_format f)
{
	switch (f) {
	case SIGNER_SSH:
		return "ssh";
	case SIGNER_OPENPGP:
		return "openpgp";
	default:
		return NULL;
	}
}

static int add_signer(cJSON *obj, const struct ml_signer *s)
{
	cJSON *o;

	if (signer_format_name(s->format) == NULL)
		return cJSON_AddNullToObject(obj, "signer") != NULL ? 0 : -1;
	if ((o = cJSON_AddObjectToObject(obj, "signer")) == NULL)
		return -1;
	if (add_text(o, "format", signer_format_name(s->format)) < 0 ||
	    add_text(o, "principal", s->principal) < 0 || add_text(o, "key", s->key) < 0 ||
	    add_text(o, "algorithm", s->algorithm) < 0 ||
	    add_int(o, "signed_at", s->signed_at, s->signed_at > 0) < 0)
		return -1;
	return 0;
}

static int add_drone(cJSON *obj, const struct audit_drone *d)
{
	cJSON *o;

	if ((o = cJSON_AddObjectToObject(obj, "drone")) == NULL)
		return -1;
	if (add_text(o, "repo", d->repo) < 0 ||
	    add_int(o, "build_number", d->build_number, d->build_number > 0) < 0 ||
	    add_url(o, "build_link", d->build_link) < 0 || add_text(o, "event", d->event) < 0 ||
	    add_text(o, "ref", d->ref) < 0 || add_text(o, "commit", d->commit) < 0 ||
	    add_text(o, "tag", d->tag) < 0 || add_text(o, "deploy_to", d->deploy_to) < 0 ||
	    add_text(o, "step", d->step) < 0)
		return -1;
	return 0;
}

static int add_durations(cJSON *obj, const struct audit_record *rec)
{
	cJSON *o;
	int64_t ms;
	int i;

	if ((o = cJSON_AddObjectToObject(obj, "durations_ms")) == NULL)
		return -1;
	for (i = 0; i < AUDIT_PHASE_COUNT; i++) {
		ms = span_ms(&rec->phase[i]);
		if (add_int(o, phase_names[i], ms, ms >= 0) < 0)
			return -1;
	}
	ms = span_ms(&rec->total);
	return add_int(o, "total", ms, ms >= 0);
}

static int add_reaped(cJSON *obj, const struct audit_record *rec)
{
	cJSON *arr, *o;
	size_t i;

	if (rec->reaped == NULL)
		return cJSON_AddNullToObject(obj, "reaped") != NULL ? 0 : -1;
	if ((arr = cJSON_AddArrayToObject(obj, "reaped")) == NULL)
		return -1;
	for (i = 0; i < rec->reaped_count; i++) {
		if ((o = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(arr, o))
			return -1;
		if (add_text(o, "container", rec->reaped[i].container) < 0 ||
		    add_text(o, "run", rec->reaped[i].run) < 0)
			return -1;
	}
	return 0;
}

cJSON *audit_record_object(const struct audit_record *rec)
{
	cJSON *obj = cJSON_CreateObject();
	char when[64];
	int time_known = format_time(rec->total.start_ns, when, sizeof(when)) == 0;

	if (obj == NULL)
		return NULL;
	if (add_text(obj, "schema", AUDIT_SCHEMA) < 0 || add_text(obj, "id", rec->id) < 0 ||
	    add_text(obj, "time", time_known ? when : NULL) < 0 ||
	    add_text(obj, "decision", audit_decision_name(rec->decision)) < 0 ||
	    add_text(obj, "reason", ml_reason_name(rec->reason)) < 0 ||
	    add_text(obj, "message", rec->message) < 0 || add_drone(obj, &rec->drone) < 0 ||
	    add_url(obj, "source", rec->source) < 0 || add_text(obj, "branch", rec->branch) < 0 ||
	    add_text(obj, "commit", rec->commit) < 0 || add_text(obj, "tree", rec->tree) < 0 ||
	    add_text(obj, "anchor", rec->anchor) < 0 ||
	    add_text(obj, "extra_anchor", rec->extra_anchor) < 0 ||
	    add_text(obj, "previous_tip", rec->previous_tip) < 0 ||
	    add_text(obj, "mode", rec->mode) < 0 ||
	    add_int(obj, "checked", rec->checked, rec->checked >= 0) < 0 ||
	    add_signer(obj, &rec->signer) < 0 ||
	    add_text(obj, "policy_digest", rec->policy_digest) < 0 ||
	    add_text(obj, "image", rec->image) < 0 ||
	    add_text(obj, "image_digest", rec->image_digest) < 0 ||
	    add_text(obj, "container_id", rec->container_id) < 0 ||
	    add_int(obj, "exit_code", rec->exit_code, rec->exit_code >= 0) < 0 ||
	    add_durations(obj, rec) < 0 || add_reaped(obj, rec) < 0 ||
	    add_text(obj, "cache_recovery", rec->cache_recovery) < 0 ||
	    add_text(obj, "rollback_state", rec->rollback_state) < 0 ||
	    add_text(obj, "version", MAINLINE_VERSION) < 0) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

int audit_record_json(const struct audit_record *rec, struct buf *out)
{
	cJSON *obj = audit_record_object(rec);
	char *text = NULL;
	int r = ML_IO;

	if (obj == NULL || (text = cJSON_PrintUnformatted(obj)) == NULL) {
		r = ml_fail(ML_IO, "out of memory while rendering the audit record");
		goto out;
	}
	if (strlen(text) > AUDIT_LINE_MAX || buf_append_str(out, text) < 0) {
		r = ml_fail(ML_IO, "audit record is larger than %u bytes", AUDIT_LINE_MAX);
		goto out;
	}
	r = 0;
out:
	cJSON_free(text);
	cJSON_Delete(obj);
	return r;
}

/*
 * Appends s, a string clean_text made (or "?" when NULL), with control
 * characters replaced, for a terminal: at most max bytes, whole characters.
 */
static int append_printable(struct buf *out, const char *s, size_t max)
{
	size_t i, len, n;

	if (s == NULL || *s == '\0')
		s = "?";
	n = strlen(s);
	for (i = 0; i < n; i += len) {
		unsigned char c = (unsigned char)s[i];
		char ch = c < 0x20 || c == 0x7f ? '?' : (char)c;

		len = utf8_char_len((const unsigned char *)s + i, n - i);
		if (len == 0 || i + len > max)
			break;
		if (len == 1 ? buf_append(out, &ch, 1) < 0 : buf_append(out, s + i, len) < 0)
			return -1;
	}
	return 0;
}

/* One field of a log line: s as the record shows it, then made printable. */
static int append_field(struct buf *out, const char *s, int url, size_t max)
{
	char *clean = NULL;
	int r;

	if (s != NULL && *s != '\0' && (clean = url ? clean_url(s) : clean_text(s)) == NULL)
		return -1;
	r = append_printable(out, clean, max);
	free(clean);
	return r;
}

int audit_log_start_line(const struct audit_record *rec, struct buf *out)
{
	if (buf_append_str(out, "running pipeline ") < 0 ||
	    append_field(out, rec->commit, 0, 12) < 0 || buf_append_str(out, " (tree ") < 0 ||
	    append_field(out, rec->tree, 0, 12) < 0 || buf_append_str(out, ") from ") < 0 ||
	    append_field(out, rec->source, 1, AUDIT_FIELD_MAX) < 0 ||
	    buf_append_str(out, "@") < 0 || append_field(out, rec->branch, 0, AUDIT_FIELD_MAX) < 0)
		return ml_fail(ML_IO, "cannot format the audit log line");
	if (rec->signer.format == SIGNER_NONE) {
		if (buf_append_str(out, ", unsigned") < 0)
			return ml_fail(ML_IO, "cannot format the audit log line");
	} else if (buf_append_str(out, ", signed by ") < 0 ||
	           append_field(out, rec->signer.principal, 0, AUDIT_FIELD_MAX) < 0 ||
	           buf_append_str(out, " (") < 0 ||
	           append_field(out, rec->signer.key, 0, AUDIT_FIELD_MAX) < 0 ||
	           buf_append_str(out, ")") < 0) {
		return ml_fail(ML_IO, "cannot format the audit log line");
	}
	return 0;
}

int audit_log_end_line(const struct audit_record *rec, struct buf *out)
{
	int64_t ms = span_ms(&rec->phase[AUDIT_PHASE_RUN]);
	int r;

	if (rec->decision == AUDIT_ALLOW && rec->exit_code >= 0) {
		if (ms < 0)
			r = buf_printf(out, "pipeline exited %d", rec->exit_code);
		else
			r = buf_printf(out, "pipeline exited %d after %" PRId64 ".%" PRId64 " s",
			               rec->exit_code, ms / 1000, (ms % 1000) / 100);
	} else if (rec->decision == AUDIT_ALLOW) {
		r = buf_append_str(out, "allowed: ok");
	} else {
		r = buf_printf(out, "%s: %s: ", rec->decision == AUDIT_REFUSE ? "refused" : "error",
		               ml_reason_name(rec->reason));
		if (r == 0)
			r = append_field(out, rec->message, 0, AUDIT_FIELD_MAX);
	}
	return r < 0 ? ml_fail(ML_IO, "cannot format the audit log line") : 0;
}

/* Sets the label when value is known: as the record shows it, printable, cut like a field. */
static size_t set_label(struct audit_label *l, const char *key, const char *value, int url)
{
	struct buf b;

	if (value == NULL || *value == '\0')
		return 0;
	buf_init(&b, sizeof(l->value) - 1);
	if (append_field(&b, value, url, sizeof(l->value) - 1) < 0) {
		buf_release(&b);
		return 0;
	}
	l->key = key;
	snprintf(l->value, sizeof(l->value), "%s", buf_cstr(&b));
	buf_release(&b);
	return 1;
}

size_t audit_container_labels(const struct audit_record *rec,
                              struct audit_label out[AUDIT_LABEL_COUNT])
{
	struct buf signer;
	size_t n = 0;

	n += set_label(&out[n], "org.mainline.source", rec->source, 1);
	n += set_label(&out[n], "org.mainline.commit", rec->commit, 0);
	n += set_label(&out[n], "org.mainline.tree", rec->tree, 0);
	n += set_label(&out[n], "org.mainline.build-link", rec->drone.build_link, 1);
	buf_init(&signer, 2 * AUDIT_FIELD_MAX + 8);
	if (rec->signer.format != SIGNER_NONE &&
	    (append_field(&signer, rec->signer.principal, 0, AUDIT_FIELD_MAX) < 0 ||
	     buf_append_str(&signer, " (") < 0 ||
	     append_field(&signer, rec->signer.key, 0, AUDIT_FIELD_MAX) < 0 ||
	     buf_append_str(&signer, ")") < 0))
		buf_reset(&signer);
	n += set_label(&out[n], "org.mainline.signer", buf_cstr(&signer), 0);
	buf_release(&signer);
	return n;
}
