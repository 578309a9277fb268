#include "verify/verifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/pool.h"
#include "verify/commit.h"
#include "verify/source.h"
#include "verify/state.h"
#include "verify/tag.h"

#define MAX_WALK_DEFAULT 1000000u
#define COMMIT_OBJECT_MAX (16u << 20)

/* One commit of the segment and the outcome of its signature check. */
struct chain_job {
	struct commit_object commit;
	char id[41];
	int cached;               /* answered from the verified cache: not checked */
	int done;                 /* checked */
	int reason;               /* 0, or why its signature is refused */
	char *message;            /* the refusal's message (NULL when it could not be kept) */
	struct ml_signer *signer; /* where the signer goes: the target's job only */
};

/* What every check reads, and nothing else: the pool's threads share it. */
struct chain_check {
	const struct trust_roots *tr;
	const volatile sig_atomic_t *cancel; /* set: the checks not yet started are skipped */
};

/*
 * The first-parent segment from the target down (index 0), kept parsed for
 * the signature pass. With more than one worker, its commits go to a pool
 * as the walk reads them (from the second one to check on), so signatures
 * are checked while the walk goes on; their outcomes are applied oldest
 * first afterwards, as the sequential pass checks them.
 */
struct segment {
	struct chain_job **jobs;
	size_t count;
	size_t cap;
	size_t to_check; /* jobs not answered from the cache */
	size_t workers;
	struct pool *pool;
	struct chain_check check;
};

/*
 * Checks one commit's signature, keeping the outcome in the job (any
 * thread). Once the run is canceled the job is left unchecked: the signature
 * pass stops at it.
 */
static void check_job(void *ctx, void *job)
{
	const struct chain_check *check = ctx;
	struct chain_job *j = job;
	struct ml_signer signer;

	if (check->cancel != NULL && *check->cancel)
		return;
	ml_error_clear();
	j->reason = signature_verify_commit(check->tr, &j->commit, j->id, &signer);
	if (j->reason != 0)
		j->message = strdup(ml_error_message());
	else if (j->signer != NULL)
		*j->signer = signer;
	ml_error_clear();
	j->done = 1;
}

static void segment_release(struct segment *s)
{
	size_t i;

	pool_free(s->pool); /* first: no thread may still use a job */
	for (i = 0; i < s->count; i++) {
		commit_release(&s->jobs[i]->commit);
		free(s->jobs[i]->message);
		free(s->jobs[i]);
	}
	free(s->jobs);
}

/*
 * Hands the job to the pool, starting the pool at the second job to check.
 * The target's job (the first) stays with the walking thread, which checks
 * it as soon as the walk ends (verifier_run).
 */
static void segment_dispatch(struct segment *s, struct chain_job *j)
{
	size_t i;

	if (j->cached || s->workers < 2 || ++s->to_check < 2)
		return;
	if (s->pool == NULL) {
		if (pool_new(&s->pool, s->workers, check_job, &s->check) != 0) {
			s->workers = 1; /* no threads to be had: checked one by one */
			return;
		}
		for (i = 1; i + 1 < s->count; i++)
			if (!s->jobs[i]->cached)
				(void)pool_add(s->pool, s->jobs[i]);
	}
	(void)pool_add(s->pool, j); /* a job the pool could not take is checked afterwards */
}

static int segment_push(struct segment *s, const char *id, struct commit_object *c, int cached,
                        struct ml_signer *signer)
{
	struct chain_job *j;

	if (s->count == s->cap) {
		size_t cap = s->cap != 0 ? s->cap * 2 : 64;
		struct chain_job **jobs = realloc(s->jobs, cap * sizeof(*jobs));

		if (jobs == NULL)
			return ml_fail(ML_IO, "out of memory");
		s->jobs = jobs;
		s->cap = cap;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	j->commit = *c;
	memset(c, 0, sizeof(*c)); /* transferred */
	memcpy(j->id, id, 41);
	j->cached = cached;
	j->signer = signer;
	s->jobs[s->count++] = j;
	segment_dispatch(s, j);
	return 0;
}

size_t verifier_workers(size_t asked)
{
	size_t cpus;

	if (asked != 0)
		return asked;
	cpus = pool_cpus();
	return cpus < VERIFY_WORKERS_AUTO ? cpus : VERIFY_WORKERS_AUTO;
}

static int read_commit(struct source *src, struct buf *raw, const char *id,
                       struct commit_object *out)
{
	int r;

	buf_reset(raw);
	if ((r = source_read_object(src, id, SOURCE_OBJ_COMMIT, raw)) != 0)
		return r;
	if ((r = commit_parse(out, raw->data, raw->len, source_object_format(src))) != 0) {
		char inner[400];

		snprintf(inner, sizeof(inner), "%s", ml_error_message());
		return ml_fail_override(r, "commit '%s' is malformed: %s", id, inner);
	}
	return 0;
}

static int check_tag(struct source *src, const struct trust_roots *tr, const char *id)
{
	struct ml_signer signer;
	struct tag_object t;
	struct buf raw;
	int r;

	memset(&t, 0, sizeof(t));
	buf_init(&raw, COMMIT_OBJECT_MAX);
	if ((r = source_read_object(src, id, SOURCE_OBJ_TAG, &raw)) != 0)
		goto out;
	if ((r = tag_parse(&t, raw.data, raw.len, source_object_format(src))) != 0)
		goto out;
	/* an unsigned annotated tag adds nothing; the commit's signature decided */
	if (t.sig_kind != TAG_SIG_NONE)
		r = signature_verify_tag(tr, &t, id, &signer);
out:
	tag_release(&t);
	buf_release(&raw);
	return r;
}

static int is_full_id(const char *s)
{
	return hex_is_lower(s, 40) && s[40] == '\0';
}

static int cancel_fail(const struct verify_request *req, size_t walked, size_t checked)
{
	return ml_fail(ML_CANCELED,
	               "canceled while verifying branch '%s' (%zu commits read, %zu signatures "
	               "checked)",
	               req->branch, walked, checked);
}

/* Checked once per commit, in the walk and in the signature pass. */
static int canceled(const struct verify_request *req, size_t walked, size_t checked)
{
	if (req->cancel == NULL || !*req->cancel)
		return 0;
	return cancel_fail(req, walked, checked);
}

int verifier_run(struct source *src, struct state *st, const struct trust_roots *tr,
                 const struct verify_request *req, struct verify_result *out)
{
	const char *anchor = req->anchor, *extra = req->extra_anchor;
	const char *floor = st != NULL ? state_floor(st) : NULL;
	size_t max_walk = req->max_walk != 0 ? req->max_walk : MAX_WALK_DEFAULT;
	int chain = req->mode == VERIFY_CHAIN, anchor_done = 0, extra_done = extra == NULL;
	long target_at = -1, floor_at = -1;
	struct ml_signer target_signer;
	struct commit_object c;
	struct chain_job *target;
	struct segment seg;
	struct buf raw;
	char id[41], parent[41], target_msg[512];
	size_t walked, i;
	int r, target_r = 0;

	memset(out, 0, sizeof(*out));
	memset(&seg, 0, sizeof(seg));
	memset(&c, 0, sizeof(c));
	memset(&target_signer, 0, sizeof(target_signer));
	buf_init(&raw, COMMIT_OBJECT_MAX);
	seg.check.tr = tr;
	seg.check.cancel = req->cancel;
	seg.workers = verifier_workers(req->workers);
	if (seg.workers > POOL_MAX_THREADS) {
		r = ml_fail(ML_CONFIG, "%zu verification workers asked for (at most %d)",
		            seg.workers, POOL_MAX_THREADS);
		goto out;
	}

	if (anchor != NULL && !is_full_id(anchor)) {
		r = ml_fail(ML_CONFIG, "anchor '%s' is not a full lower-case commit id", anchor);
		goto out;
	}
	if (extra != NULL && !is_full_id(extra)) {
		r = ml_fail(ML_CONFIG, "anchor '%s' is not a full lower-case commit id", extra);
		goto out;
	}
	if ((r = source_branch_tip(src, out->tip)) != 0)
		goto out;
	if (req->target != NULL) {
		if ((r = source_resolve(src, req->target, out->commit, out->tag)) != 0)
			goto out;
	} else {
		memcpy(out->commit, out->tip, 41);
	}
	if (floor != NULL)
		memcpy(out->floor, floor, 41);

	/*
	 * One walk down the first-parent line from the tip: find the target,
	 * keep the segment below it (chain mode) until the anchor or a commit
	 * whose chain to the anchor is cached, find the extra anchor (or a
	 * commit known to descend from it) and the rollback floor.
	 */
	memcpy(id, out->tip, 41);
	for (walked = 0;; walked++) {
		int below, done, root;

		if (walked >= max_walk)
			break;
		if ((r = canceled(req, walked, 0)) != 0)
			goto out;
		if (floor != NULL && floor_at < 0 && strcmp(id, floor) == 0)
			floor_at = (long)walked;
		if (target_at < 0 && strcmp(id, out->commit) == 0)
			target_at = (long)walked;
		below = target_at >= 0;
		if (below && !anchor_done) {
			if (anchor != NULL && strcmp(id, anchor) == 0)
				anchor_done = 1;
			else if (anchor == NULL && !chain)
				anchor_done = 1;
			else if ((long)walked != target_at && st != NULL &&
			         state_cached(st, id, anchor, chain ? STATE_CHAIN : 0))
				anchor_done = 1; /* verified before: everything below is too */
		}
		if (below && !extra_done &&
		    (strcmp(id, extra) == 0 || (st != NULL && state_cached(st, id, extra, 0))))
			extra_done = 1;
		done = below && anchor_done && extra_done && (floor == NULL || floor_at >= 0);
		if (done && seg.count > 0)
			break;
		if ((r = read_commit(src, &raw, id, &c)) != 0)
			goto out;
		root = c.parent_count == 0;
		if (!root)
			memcpy(parent, c.parents[0], 41);
		if (below && (seg.count == 0 || (chain && !anchor_done))) {
			/* the target's signature is always checked (it names the signer) */
			int cached = seg.count > 0 && st != NULL &&
			             state_cached(st, id, anchor, STATE_SIGNATURE);

			if ((r = segment_push(&seg, id, &c, cached,
			                      seg.count == 0 ? &target_signer : NULL)) != 0)
				goto out;
		}
		commit_release(&c);
		if (done || root) {
			if (!done && below && anchor == NULL)
				anchor_done = 1; /* a chain without anchor ends at the root */
			break;
		}
		memcpy(id, parent, 41);
	}
	commit_release(&c);
	if (seg.pool != NULL)
		pool_close(seg.pool); /* the walk adds nothing more */

	if (target_at < 0) {
		r = ml_fail(ML_NOT_ON_BRANCH,
		            "commit '%s' is not on the first-parent line of branch '%s'",
		            out->commit, req->branch);
		memcpy(out->failed, out->commit, 41);
		goto out;
	}
	if (!anchor_done || !extra_done) {
		r = ml_fail(ML_BEFORE_ANCHOR, "commit '%s' does not descend from anchor '%s'",
		            out->commit,
		            !anchor_done ? (anchor != NULL ? anchor : "(root)") : extra);
		memcpy(out->failed, out->commit, 41);
		goto out;
	}
	if (floor != NULL && floor_at < 0) {
		r = ml_fail(ML_ROLLBACK,
		            "branch '%s' was rolled back: its tip '%s' does not contain '%s', "
		            "verified earlier",
		            req->branch, out->tip, floor);
		memcpy(out->failed, out->tip, 41);
		goto out;
	}

	if (st != NULL) {
		/* the entries the chain will need, made now, while the pool still checks */
		size_t fresh = extra != NULL;

		for (i = 0; i < (chain ? seg.count : 1); i++)
			fresh += !seg.jobs[i]->cached;
		state_reserve(st, fresh);
	}
	/*
	 * The target's signature first, on this thread: once it holds, the tree
	 * it names may be read (on_target) while the pool checks the rest. Then
	 * the outcomes oldest first, so a refusal names the first commit after
	 * the anchor that breaks the chain, whichever thread checked it. One by
	 * one (a single worker), the first refusal ends the pass.
	 */
	target = seg.jobs[0];
	check_job(&seg.check, target);
	if (req->on_target != NULL && target->done && target->reason == 0 &&
	    (target_r = req->on_target(req->on_target_ctx, target->commit.tree)) != 0) {
		snprintf(target_msg, sizeof(target_msg), "%s", ml_error_message());
		ml_error_clear();
	}
	if (seg.pool != NULL)
		pool_wait(seg.pool);
	for (i = seg.count; i-- > 0;) {
		struct chain_job *j = seg.jobs[i];

		if ((r = canceled(req, walked, out->checked)) != 0)
			goto out;
		if (j->cached) {
			out->cached++;
			continue;
		}
		if (!j->done)
			check_job(&seg.check, j);
		if (!j->done) { /* only a cancel leaves a commit unchecked; never taken as good */
			r = cancel_fail(req, walked, out->checked);
			goto out;
		}
		if (j->reason != 0) {
			r = ml_fail_override(j->reason, "%s",
			                     j->message != NULL ? j->message
			                                        : ml_reason_name(j->reason));
			memcpy(out->failed, j->id, 41);
			goto out;
		}
		out->checked++;
	}
	out->signer = target_signer;
	memcpy(out->tree, seg.jobs[0]->commit.tree, 41);

	/* reached through an annotated tag: a signed tag must verify too */
	if (out->tag[0] != '\0' && (r = check_tag(src, tr, out->tag)) != 0) {
		memcpy(out->failed, out->tag, 41);
		goto out;
	}

	if (target_r != 0) {
		r = ml_fail_override(target_r, "%s", target_msg);
		goto out;
	}

	if (st != NULL) {
		unsigned flags = STATE_SIGNATURE | (chain ? STATE_CHAIN : 0);
		size_t n = chain ? seg.count : 1;

		/* in a verified chain, every commit is itself a verified chain start */
		for (i = 0; i < n; i++)
			if ((r = state_remember(st, seg.jobs[i]->id, anchor, flags)) != 0)
				goto out;
		/* that the target descends from the extra anchor: the next walk stops here */
		if (extra != NULL &&
		    (r = state_remember(st, out->commit, extra, STATE_SIGNATURE)) != 0)
			goto out;
		/* the floor only moves forward: verifying an older pinned commit keeps it */
		if (floor == NULL || floor_at >= target_at)
			state_set_floor(st, out->commit);
	}
	r = 0;
out:
	if (r != 0)
		memset(out->tree, 0, sizeof(out->tree));
	commit_release(&c);
	segment_release(&seg);
	buf_release(&raw);
	return r;
}

int verifier_descends(struct source *src, const char *commit, const char *ancestor)
{
	struct commit_object c;
	struct buf raw;
	char id[41], tag[41];
	size_t walked;
	int r = ML_BEFORE_ANCHOR;

	if (!is_full_id(ancestor))
		return ml_fail(ML_CONFIG, "'%s' is not a full lower-case commit id", ancestor);
	if ((r = source_resolve(src, commit, id, tag)) != 0)
		return r;
	memset(&c, 0, sizeof(c));
	buf_init(&raw, COMMIT_OBJECT_MAX);
	for (walked = 0; walked < MAX_WALK_DEFAULT; walked++) {
		if (strcmp(id, ancestor) == 0) {
			r = 0;
			break;
		}
		if ((r = read_commit(src, &raw, id, &c)) != 0)
			break;
		if (c.parent_count == 0) {
			r = ml_fail(ML_BEFORE_ANCHOR, "'%s' does not descend from '%s'", commit,
			            ancestor);
			break;
		}
		memcpy(id, c.parents[0], 41);
		commit_release(&c);
		r = ML_BEFORE_ANCHOR;
	}
	commit_release(&c);
	buf_release(&raw);
	return r;
}
