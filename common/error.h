/*
 * One error message per thread of work, set once at the point of failure
 * (libgit2 style): the first ml_fail() after ml_error_clear() wins, so the
 * message names the innermost cause. Callers only propagate the code.
 */
#ifndef MAINLINE_ERROR_H
#define MAINLINE_ERROR_H

#include "common/reason.h"

/*
 * Records a one-line message (lower case, problem first, subject quoted) if
 * none is recorded yet, and returns r so callers can write
 * `return ml_fail(ML_BAD_SIGNATURE, "...")`. Every URL quoted in the
 * message is written in its credential-free form (url.h), so no user,
 * password or query value is ever recorded; non-printable bytes are escaped.
 */
int ml_fail(enum ml_reason r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Replaces any recorded message (used to add context at a higher level). */
int ml_fail_override(enum ml_reason r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The recorded message, or "" when none. Valid until the next ml_error_clear(). */
const char *ml_error_message(void);

/* The reason recorded with the message, ML_OK when none. */
enum ml_reason ml_error_reason(void);

void ml_error_clear(void);

#endif
