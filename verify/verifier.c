#include "verify/verifier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"
#include "verify/commit.h"
#include "verify/source.h"
#include "verify/state.h"
#include "verify/tag.h"

#define MAX_WALK_DEFAULT 1000000u
#define COMMIT_OBJECT_MAX (16u << 20)

/* The first-parent segment from the target down, kept parsed for the signature pass. */
struct segment {
	struct commit_object *commits;
	char (*ids)[41];
	size_t count;
	size_t cap;
};

static void segment_release(struct segment *s)
{
	size_t i;

	for (i = 0; i < s->count; i++)
		commit_release(&s->commits[i]);
	free(s->commits);
	free(s->ids);
}

static int segment_push(struct segment *s, const char *id, struct commit_object *c)
{
	if (s->count == s->cap) {
		size_t cap = s->cap != 0 ? s->cap * 2 : 64;
		struct commit_object *commits = realloc(s->commits, cap * sizeof(*commits));
		char(*ids)[41];

		if (commits == NULL)
			return ml_fail(ML_IO, "out of memory");
		s->commits = commits;
		if ((ids = realloc(s->ids, cap * sizeof(*ids))) == NULL)
			return ml_fail(ML_IO, "out of memory");
		s->ids = ids;
		s->cap = cap;
	}
	s->commits[s->count] = *c;
	memcpy(s->ids[s->count], id, 41);
	s->count++;
	memset(c, 0, sizeof(*c)); /* transferred */
	return 0;
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

/* Checked once per commit, in the walk and in the signature pass. */
static int canceled(const struct verify_request *req, size_t walked, size_t checked)
{
	if (req->cancel == NULL || !*req->cancel)
		return 0;
	return ml_fail(ML_CANCELED,
	               "canceled while verifying branch '%s' (%zu commits read, %zu signatures "
	               "checked)",
	               req->branch, walked, checked);
}

int verifier_run(struct source *src, struct state *st, const struct trust_roots *tr,
                 const struct verify_request *req, struct verify_result *out)
{
	const char *anchor = req->anchor, *extra = req->extra_anchor;
	const char *floor = st != NULL ? state_floor(st) : NULL;
	size_t max_walk = req->max_walk != 0 ? req->max_walk : MAX_WALK_DEFAULT;
	int chain = req->mode == VERIFY_CHAIN, anchor_done = 0, extra_done = extra == NULL;
	long target_at = -1, floor_at = -1;
	struct commit_object c;
	struct segment seg;
	struct buf raw;
	char id[41], parent[41];
	size_t walked, i;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&seg, 0, sizeof(seg));
	memset(&c, 0, sizeof(c));
	buf_init(&raw, COMMIT_OBJECT_MAX);

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
			if ((r = segment_push(&seg, id, &c)) != 0)
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

	/*
	 * Oldest first, so a refusal names the first commit after the anchor that
	 * breaks the chain. The target's signature is always checked (it names the
	 * signer); the others unless cached.
	 */
	for (i = seg.count; i-- > 0;) {
		struct ml_signer signer;

		if ((r = canceled(req, walked, out->checked)) != 0)
			goto out;
		if (i > 0 && st != NULL && state_cached(st, seg.ids[i], anchor, STATE_SIGNATURE)) {
			out->cached++;
			continue;
		}
		if ((r = signature_verify_commit(tr, &seg.commits[i], seg.ids[i], &signer)) != 0) {
			memcpy(out->failed, seg.ids[i], 41);
			goto out;
		}
		out->checked++;
		if (i == 0)
			out->signer = signer;
	}
	memcpy(out->tree, seg.commits[0].tree, 41);

	/* reached through an annotated tag: a signed tag must verify too */
	if (out->tag[0] != '\0' && (r = check_tag(src, tr, out->tag)) != 0) {
		memcpy(out->failed, out->tag, 41);
		goto out;
	}

	if (st != NULL) {
		unsigned flags = STATE_SIGNATURE | (chain ? STATE_CHAIN : 0);
		size_t n = chain ? seg.count : 1;

		/* in a verified chain, every commit is itself a verified chain start */
		for (i = 0; i < n; i++)
			if ((r = state_remember(st, seg.ids[i], anchor, flags)) != 0)
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
