#include "plugin/fetch_verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/pool.h"
#include "plugin/credentials.h"
#include "plugin/trust_roots.h"
#include "verify/source.h"
#include "verify/state.h"

int fetch_verify_roots(struct fetch_verify *out, const struct config *c)
{
	int r;

	memset(out, 0, sizeof(*out));
	if ((r = trust_roots_load(&out->tr, out->roots_digest, c)) != 0)
		return r;
	out->have_roots = 1;
	return 0;
}

int fetch_verify_fetch(struct fetch_verify *fv, const struct config *c, int offline,
                       const volatile sig_atomic_t *cancel)
{
	struct source_options so;
	struct credentials cr;
	int r;

	memset(&so, 0, sizeof(so));
	so.url = c->source;
	so.branch = c->branch;
	so.cache_dir = c->cache;
	so.offline = offline;
	so.fetch_timeout = (unsigned)c->fetch_timeout;
	so.cancel = cancel;
	so.ca_file = c->ca_cert;
	so.cert_pin = c->cert_pin;
	/* the ssh key file exists only while the fetch runs */
	r = credentials_prepare(&cr, c, &so);
	if (r == 0)
		r = source_open(&fv->src, &so);
	if (r == 0 && !offline)
		r = source_fetch(fv->src);
	credentials_release(&cr);
	return r;
}

/*
 * MAINLINE_VERIFY_WORKERS: how many threads check a chain's signatures (1
 * checks them one by one); unset or empty, one per CPU (verifier.h).
 */
static int workers_from_env(size_t *out)
{
	const char *v = getenv(VERIFY_WORKERS_ENV);
	char *end;
	unsigned long n;

	*out = 0;
	if (v == NULL || v[0] == '\0')
		return 0;
	n = strtoul(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || n < 1 || n > POOL_MAX_THREADS)
		return ml_fail(ML_CONFIG, "%s='%.32s' is not a number of threads from 1 to %d",
		               VERIFY_WORKERS_ENV, v, POOL_MAX_THREADS);
	*out = (size_t)n;
	return 0;
}

/* state_descends_fn over the cache: first-parent descent as the verifier sees it. */
static int descends_in_cache(void *src, const char *commit, const char *ancestor)
{
	int r = verifier_descends(src, commit, ancestor);

	ml_error_clear();
	return r == 0 ? 1 : r == ML_BEFORE_ANCHOR ? 0 : -1;
}

void fetch_verify_request(const struct config *c, struct verify_request *out)
{
	memset(out, 0, sizeof(*out));
	out->branch = c->branch;
	out->target = c->commit;
	out->mode = c->mode == CONFIG_MODE_CHAIN ? VERIFY_CHAIN : VERIFY_TIP;
	if (c->policy_chain) {
		/* the policy's chain starts at its anchor whatever the setting says */
		out->mode = VERIFY_CHAIN;
		out->anchor = c->policy_anchor;
		out->extra_anchor = c->anchor;
	} else {
		/* the policy's anchor (a floor only) stays a floor */
		out->anchor = c->anchor;
		out->extra_anchor = c->policy_anchor;
	}
}

/*
 * Every object of the target's tree, read as the run will read it, unless
 * that tree was read whole from this cache as it is now (source_tree_is_whole).
 */
static int read_tree(void *ctx, const char *tree)
{
	struct fetch_verify *fv = ctx;
	int r;

	if (source_tree_is_whole(fv->src, fv->res.commit, tree))
		return 0;
	if ((r = source_tree_read(fv->src, tree, fv->tree_threads)) == 0)
		source_mark_whole(fv->src, fv->res.commit, tree);
	return r;
}

/*
 * The decision, with every object of the target's tree read as the run will
 * read it: a damaged cache shows now, while it is locked and can still be
 * fetched afresh. The tree is read once the target's signature holds, while
 * a chain's other signatures are still being checked (verifier.h); a tree
 * read whole before from a cache unchanged since is not read again.
 */
static int verify_once(struct fetch_verify *fv, const struct verify_request *req)
{
	struct verify_request with_tree = *req;

	with_tree.on_target = read_tree;
	with_tree.on_target_ctx = fv;
	return verifier_run(fv->src, fv->st, &fv->tr, &with_tree, &fv->res);
}

/*
 * A cache this run did not create could not give an object: move it aside,
 * fetch afresh (with the credentials again) and let the caller verify anew.
 * A failure in the fresh cache is the server's, and stands.
 */
static int refetch(struct fetch_verify *fv, const struct config *c)
{
	struct source_options so;
	struct credentials cr;
	char why[600];
	int r;

	snprintf(why, sizeof(why), "%s", ml_error_message());
	ml_error_clear();
	state_wait(fv->st); /* the fetch's child needs a process without other threads */
	memset(&so, 0, sizeof(so));
	if ((r = credentials_prepare(&cr, c, &so)) == 0)
		r = source_refetch(fv->src, why, &so);
	credentials_release(&cr);
	return r;
}

int fetch_verify_verify(struct fetch_verify *fv, const struct config *c, struct pg *db,
                        const volatile sig_atomic_t *cancel)
{
	struct verify_request req;
	size_t workers;
	int r;

	if ((r = workers_from_env(&workers)) != 0)
		return r;
	/* the tree is read on as many threads as the signatures are checked */
	fv->tree_threads = verifier_workers(workers);
	if ((r = state_open(&fv->st, c->cache, c->source, c->branch, fv->roots_digest)) != 0)
		return r;
	fetch_verify_request(c, &req);
	req.cancel = cancel;
	req.workers = workers;
	if (db != NULL && (r = state_share(fv->st, db, c->source, req.anchor, req.extra_anchor,
	                                   descends_in_cache, fv->src)) != 0)
		return r;
	r = verify_once(fv, &req);
	if (r != 0 && r != ML_CANCELED && source_suspect(fv->src) && (r = refetch(fv, c)) == 0)
		r = verify_once(fv, &req);
	if (r == 0)
		r = state_save(fv->st, descends_in_cache, fv->src);
	return r;
}

int fetch_verify_run(struct fetch_verify *out, const struct config *c, struct pg *db, int offline,
                     const volatile sig_atomic_t *cancel)
{
	int r;

	if ((r = fetch_verify_roots(out, c)) == 0 &&
	    (r = fetch_verify_fetch(out, c, offline, cancel)) == 0)
		r = fetch_verify_verify(out, c, db, cancel);
	return r;
}

const char *fetch_verify_recovery(struct fetch_verify *fv)
{
	const char *git = fv->src != NULL ? source_recovery(fv->src) : NULL;
	const char *state = fv->st != NULL ? state_recovery(fv->st) : NULL;
	struct buf both;

	if (git == NULL || state == NULL)
		return git != NULL ? git : state;
	if (fv->recovery == NULL) {
		buf_init(&both, 4096);
		if (buf_printf(&both, "%s; %s", git, state) < 0) {
			buf_release(&both);
			return git; /* out of memory: the first one still says a repair happened */
		}
		fv->recovery = (char *)both.data;
	}
	return fv->recovery;
}

void fetch_verify_release(struct fetch_verify *fv)
{
	free(fv->recovery);
	state_free(fv->st);
	source_free(fv->src);
	if (fv->have_roots)
		trust_roots_release(&fv->tr);
	memset(fv, 0, sizeof(*fv));
}
