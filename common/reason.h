/*
 * Stable reason codes: this list, with the names common/error.c gives them
 * ("bad_signature"), is the one place they are defined (README.md points
 * here). Every library function that can refuse or fail returns one of
 * these; 0 is success. The strings are part of the contract: append new
 * codes at the end, never rename one.
 */
#ifndef MAINLINE_REASON_H
#define MAINLINE_REASON_H

enum ml_reason {
	ML_OK = 0,
	ML_EVENT_NOT_ALLOWED,
	ML_PULL_REQUEST,
	ML_BRANCH_NOT_ALLOWED,
	ML_UNSIGNED,
	ML_BAD_SIGNATURE,
	ML_UNKNOWN_KEY,
	ML_KEY_EXPIRED,
	ML_KEY_REVOKED,
	ML_WRONG_NAMESPACE,
	ML_WEAK_ALGORITHM,
	ML_MALFORMED_OBJECT,
	ML_NOT_ON_BRANCH,
	ML_ROLLBACK,
	ML_BEFORE_ANCHOR,
	ML_FETCH_FAILED,
	ML_POLICY_WIDENED,
	ML_ENGINE_ERROR,
	ML_TIMEOUT,
	ML_CANCELED,
	/* added after the first release's list */
	ML_TAG_NOT_ALLOWED, /* tag name does not match the allowed patterns */
	ML_UNSUPPORTED,     /* a well-formed input uses a feature mainline does not accept */
	ML_BAD_TIME,        /* signature time in the future or far after the commit */
	ML_WRONG_IDENTITY,  /* forge key used outside its committer identity */
	ML_CONFIG,          /* bad setting, option or policy file (exit 2) */
	ML_IO,              /* local I/O or resource failure (exit 2) */
	ML_PIPELINE_FAILED, /* the pipeline ran and exited non-zero */
	ML_IMAGE_ERROR,     /* image missing, pull refused or failed */
	ML_SOURCE_REPO,     /* Drone API says the build came from another repository */
	ML_BUILD_PARAMETER, /* a build parameter names a setting or a variable mainline uses */
	/* an audit sink cannot take the record: found before anything runs (exit 2) */
	ML_AUDIT_UNAVAILABLE,
	/* the shared state (state_url) cannot be reached or fails: nothing runs (exit 2) */
	ML_STATE_UNAVAILABLE,
	/* the policy requires a shared state (require_shared_state) and none is set */
	ML_NO_SHARED_STATE,
	/* a library mainline loads on first use (libgit2, libcurl, ...) cannot be loaded (exit 2) */
	ML_LIBRARY_UNAVAILABLE,
	ML_REASON_COUNT
};

/* The stable identifier of a reason ("ok", "bad_signature", ...). */
const char *ml_reason_name(enum ml_reason r);

/* Whether a reason is a refusal (exit 1) rather than an error (exit 2). */
int ml_reason_is_refusal(enum ml_reason r);

#endif
