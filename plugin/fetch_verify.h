/*
 * The trusted source, fetched and verified from a finished configuration:
 * the part `mainline verify` and plugin mode share. Three steps, which
 * plugin mode times apart: the trust roots (no network I/O, so a bad root is
 * a configuration error before any), the fetch into the cache, the
 * verification (and the rollback state it moves on). Holds what later steps
 * need: the source for the tree upload, the result for the audit record.
 */
#ifndef MAINLINE_FETCH_VERIFY_H
#define MAINLINE_FETCH_VERIFY_H

#include <signal.h>

#include "plugin/config.h"
#include "verify/signature.h"
#include "verify/verifier.h"

struct pg;
struct source;
struct state;

/* The environment variable that sets the verification workers (verify_request.workers). */
#define VERIFY_WORKERS_ENV "MAINLINE_VERIFY_WORKERS"

struct fetch_verify {
	struct source *src;
	struct state *st;
	struct trust_roots tr;
	int have_roots;
	char roots_digest[65];
	struct verify_result res;
	size_t tree_threads; /* the threads that read the verified tree (source_tree_read) */
	char *recovery;      /* fetch_verify_recovery() */
};

/* Empties out, then loads the trust roots of c (trust_roots.h). 0 or the reason. */
int fetch_verify_roots(struct fetch_verify *out, const struct config *c);

/*
 * Opens c->source in the cache c->cache and, unless offline, fetches c->branch
 * with the credentials of c (credentials.h, only while the fetch runs),
 * within c->fetch_timeout. cancel (a signal handler's flag, may be NULL)
 * stops the wait for the lock and the fetch: ML_CANCELED. 0 or the reason
 * (message recorded).
 */
int fetch_verify_fetch(struct fetch_verify *fv, const struct config *c, int offline,
                       const volatile sig_atomic_t *cancel);

/*
 * The verification c asks for: branch, target, and the effective mode and
 * anchors, where a policy's chain (policy_anchor, policy_chain) starts the
 * chain at the policy's anchor and keeps the setting's as extra_anchor.
 * Strings are borrowed from c. The audit record shows the same.
 */
void fetch_verify_request(const struct config *c, struct verify_request *out);

/*
 * Verifies per c (mode, anchors, commit: fetch_verify_request) against the rollback state of this
 * source, branch and trust roots (this cache's, and the shared one in db when not NULL:
 * state_share), and saves the state on success. When an
 * object could not be read from a cache older than this run, the cache is
 * moved aside, fetched afresh and verified again (source_recovery says so).
 * cancel (may be NULL) stops the verification: ML_CANCELED. 0 when allowed;
 * the refusal or error reason otherwise (message recorded).
 */
int fetch_verify_verify(struct fetch_verify *fv, const struct config *c, struct pg *db,
                        const volatile sig_atomic_t *cancel);

/*
 * The three steps in order; db (may be NULL) is the shared state to verify
 * against. Release with fetch_verify_release in any case.
 */
int fetch_verify_run(struct fetch_verify *out, const struct config *c, struct pg *db, int offline,
                     const volatile sig_atomic_t *cancel);

/*
 * What was repaired on the way, or NULL: a damaged repository moved aside and
 * fetched afresh (source_recovery), a corrupt verified cache moved aside
 * (state_recovery), or both, in one line. Valid until fetch_verify_release.
 */
const char *fetch_verify_recovery(struct fetch_verify *fv);

void fetch_verify_release(struct fetch_verify *fv);

#endif
