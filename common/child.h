/*
 * A function run in a child process under a deadline and a cancel flag: the
 * way to bound a blocking library call that has no timeout of its own and
 * cannot be interrupted from outside (a libgit2 fetch, docs/fetching.md).
 * The child is a fork of the caller (no exec) that dies with it; the caller
 * waits, and kills the child (SIGKILL) at the deadline or when the flag is
 * set. The caller must have no other threads running while it forks.
 */
#ifndef MAINLINE_CHILD_H
#define MAINLINE_CHILD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

struct child_limits {
	int64_t deadline_ms;                 /* a clock_monotonic_ms() time; 0: none */
	const volatile sig_atomic_t *cancel; /* set (non-zero) by a signal handler; NULL: none */
};

enum child_end {
	CHILD_EXITED,    /* it returned or exited; status is the exit code */
	CHILD_KILLED,    /* a signal from elsewhere ended it; status is the signal */
	CHILD_TIMED_OUT, /* killed at the deadline */
	CHILD_CANCELED,  /* killed because the flag was set (or died of the same signal) */
};

/*
 * Runs fn(arg, shared) in a child. shared is size bytes of zeroed memory that
 * the child writes and the caller gets: copied to out once the child has
 * ended, however it ended (what a killed child wrote last is there). fn's
 * return value, 0 to 125, is the child's exit code. Returns 0 with *end and
 * *status set, or ML_IO when the child cannot be started (message set).
 */
int child_run(int (*fn)(void *arg, void *shared), void *arg, void *out, size_t size,
              const struct child_limits *lim, enum child_end *end, int *status);

#endif
