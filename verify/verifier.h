/*
 * The decision of `mainline verify`: is the target commit on the branch's
 * first-parent line, after the anchor, not behind the rollback floor, and
 * signed by a trusted signer (tip) — or every commit after the anchor too
 * (chain)? Starts as "refuse"; only a complete success returns 0.
 */
#ifndef MAINLINE_VERIFIER_H
#define MAINLINE_VERIFIER_H

#include <signal.h>
#include <stddef.h>

#include "verify/signature.h"
#include "verify/signer.h"

struct source;
struct state;

enum verify_mode {
	VERIFY_TIP,
	VERIFY_CHAIN,
};

struct verify_request {
	const char *branch;
	const char *target; /* commit id or ref; NULL = the branch tip */
	const char *anchor; /* full commit id or NULL: where the chain starts, a floor */
	/*
	 * NULL or a full commit id the target must descend from too. It only
	 * narrows: the chain still covers every commit after `anchor`. For a
	 * setting's own anchor under a policy's (plugin/fetch_verify.c).
	 */
	const char *extra_anchor;
	enum verify_mode mode;
	size_t max_walk; /* first-parent commits walked at most; 0 = default */
	/* set (non-zero) by a signal handler: the run stops (ML_CANCELED); may be NULL */
	const volatile sig_atomic_t *cancel;
	/*
	 * Threads that check a chain's signatures (1: one by one, after the
	 * walk; at most POOL_MAX_THREADS); 0 = one per CPU this process may use,
	 * at most VERIFY_WORKERS_AUTO. The decision is the same for any number.
	 */
	size_t workers;
	/*
	 * NULL, or work on the target's tree that must wait for the target's own
	 * signature but not for the rest of the chain (reading the tree's
	 * objects): called once, on the calling thread, as soon as that
	 * signature verified, while the chain's other signatures may still be
	 * checked on other threads. Its non-zero result (its message kept) is the
	 * run's unless the verification refuses: a refusal comes first.
	 */
	int (*on_target)(void *ctx, const char *tree);
	void *on_target_ctx;
};

#define VERIFY_WORKERS_AUTO 8

/* The threads for a workers setting (verify_request.workers): as asked, 0 as described there. */
size_t verifier_workers(size_t asked);

struct verify_result {
	char commit[41];         /* the target, once resolved */
	char tree[41];           /* its tree, once verified */
	char tag[41];            /* annotated tag the target came through ("" when none) */
	char tip[41];            /* the branch tip that was fetched */
	char floor[41];          /* the rollback floor before this run ("" when none) */
	char failed[41];         /* the commit a refusal is about ("" when none) */
	size_t checked;          /* signatures verified in this run (cache hits excluded) */
	size_t cached;           /* signatures answered from the verified cache */
	struct ml_signer signer; /* who signed the target */
};

/*
 * Runs the decision. `st` may be NULL (no rollback floor, no cache). On
 * success records the target in the cache (also as descending from the
 * extra anchor) and raises the floor (the caller saves the state). Returns 0
 * or the refusal/error reason, with a message.
 */
int verifier_run(struct source *src, struct state *st, const struct trust_roots *tr,
                 const struct verify_request *req, struct verify_result *out);

/*
 * Whether `ancestor` (a full id) is `commit` or lies on commit's first-parent
 * line. 0 when it does, ML_BEFORE_ANCHOR when not, or a read error.
 */
int verifier_descends(struct source *src, const char *commit, const char *ancestor);

#endif
