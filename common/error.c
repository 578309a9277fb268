#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/url.h"

#define ML_ERROR_MAX 512

static _Thread_local char message[ML_ERROR_MAX];
static _Thread_local enum ml_reason reason;

static const char *const reason_names[ML_REASON_COUNT] = {
    [ML_OK] = "ok",
    [ML_EVENT_NOT_ALLOWED] = "event_not_allowed",
    [ML_PULL_REQUEST] = "pull_request",
    [ML_BRANCH_NOT_ALLOWED] = "branch_not_allowed",
    [ML_UNSIGNED] = "unsigned",
    [ML_BAD_SIGNATURE] = "bad_signature",
    [ML_UNKNOWN_KEY] = "unknown_key",
    [ML_KEY_EXPIRED] = "key_expired",
    [ML_KEY_REVOKED] = "key_revoked",
    [ML_WRONG_NAMESPACE] = "wrong_namespace",
    [ML_WEAK_ALGORITHM] = "weak_algorithm",
    [ML_MALFORMED_OBJECT] = "malformed_object",
    [ML_NOT_ON_BRANCH] = "not_on_branch",
    [ML_ROLLBACK] = "rollback",
    [ML_BEFORE_ANCHOR] = "before_anchor",
    [ML_FETCH_FAILED] = "fetch_failed",
    [ML_POLICY_WIDENED] = "policy_widened",
    [ML_ENGINE_ERROR] = "engine_error",
    [ML_TIMEOUT] = "timeout",
    [ML_CANCELED] = "canceled",
    [ML_TAG_NOT_ALLOWED] = "tag_not_allowed",
    [ML_UNSUPPORTED] = "unsupported",
    [ML_BAD_TIME] = "bad_time",
    [ML_WRONG_IDENTITY] = "wrong_identity",
    [ML_CONFIG] = "config_error",
    [ML_IO] = "io_error",
    [ML_PIPELINE_FAILED] = "pipeline_failed",
    [ML_IMAGE_ERROR] = "image_error",
    [ML_SOURCE_REPO] = "source_repo",
    [ML_BUILD_PARAMETER] = "build_parameter",
    [ML_AUDIT_UNAVAILABLE] = "audit_unavailable",
    [ML_STATE_UNAVAILABLE] = "state_unavailable",
    [ML_NO_SHARED_STATE] = "no_shared_state",
    [ML_LIBRARY_UNAVAILABLE] = "library_unavailable",
};

const char *ml_reason_name(enum ml_reason r)
{
	if ((unsigned)r >= ML_REASON_COUNT || reason_names[r] == NULL)
		return "internal_error";
	return reason_names[r];
}

int ml_reason_is_refusal(enum ml_reason r)
{
	switch (r) {
	case ML_OK:
	case ML_FETCH_FAILED:
	case ML_ENGINE_ERROR:
	case ML_CONFIG:
	case ML_IO:
	case ML_PIPELINE_FAILED:
	case ML_IMAGE_ERROR:
	case ML_TIMEOUT:
	case ML_CANCELED:
	case ML_AUDIT_UNAVAILABLE:
	case ML_STATE_UNAVAILABLE:
	case ML_LIBRARY_UNAVAILABLE:
	case ML_REASON_COUNT:
		return 0;
	default:
		return 1;
	}
}

static void escape_in_place(char *s)
{
	/* Messages quote untrusted names: never let control bytes reach a terminal. */
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			*s = '?';
	}
}

/*
 * Formats into a temporary first: callers add context to the recorded
 * message with ml_fail_override(r, "...: %s", ml_error_message()), so an
 * argument may point into the buffer being written. Every URL the message
 * quotes loses its credentials before the message is cut to size (a cut
 * could otherwise leave half a password that no longer looks like one).
 */
static int record(enum ml_reason r, const char *fmt, va_list ap)
{
	char first[2 * ML_ERROR_MAX], *text = first;
	struct buf clean;
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(first, sizeof(first), fmt, ap);
	if (n >= (int)sizeof(first) && (text = malloc((size_t)n + 1)) != NULL)
		vsnprintf(text, (size_t)n + 1, fmt, again);
	va_end(again);
	buf_init(&clean, 4 * (n > 0 ? (size_t)n : 0) + 64);
	if (n < 0 || text == NULL || url_redact_text(text, &clean) < 0)
		snprintf(message, sizeof(message), "out of memory while recording an error");
	else
		snprintf(message, sizeof(message), "%s", buf_cstr(&clean));
	buf_release(&clean);
	if (text != first)
		free(text);
	escape_in_place(message);
	reason = r;
	return (int)r;
}

int ml_fail(enum ml_reason r, const char *fmt, ...)
{
	va_list ap;

	if (message[0] != '\0')
		return (int)r;
	va_start(ap, fmt);
	record(r, fmt, ap);
	va_end(ap);
	return (int)r;
}

int ml_fail_override(enum ml_reason r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(r, fmt, ap);
	va_end(ap);
	return (int)r;
}

const char *ml_error_message(void)
{
	return message;
}

enum ml_reason ml_error_reason(void)
{
	return reason;
}

void ml_error_clear(void)
{
	message[0] = '\0';
	reason = ML_OK;
}
