#include "plugin/fetch_verify.h"

#include <string.h>

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

int fetch_verify_verify(struct fetch_verify *fv, const struct config *c,
                        const volatile sig_atomic_t *cancel)
{
	struct verify_request req;
	int r;

	if ((r = state_open(&fv->st, c->cache, c->source, c->branch, fv->roots_digest)) != 0)
		return r;
	memset(&req, 0, sizeof(req));
	req.branch = c->branch;
	req.target = c->commit;
	req.mode = c->mode == CONFIG_MODE_CHAIN ? VERIFY_CHAIN : VERIFY_TIP;
	req.cancel = cancel;
	if (c->policy_chain) {
		/* the policy's chain starts at its anchor whatever the setting says */
		req.mode = VERIFY_CHAIN;
		req.anchor = c->policy_anchor;
		req.extra_anchor = c->anchor;
	} else {
		/* the policy's anchor (a floor only) stays a floor */
		req.anchor = c->anchor;
		req.extra_anchor = c->policy_anchor;
	}
	if ((r = verifier_run(fv->src, fv->st, &fv->tr, &req, &fv->res)) == 0)
		r = state_save(fv->st);
	return r;
}

int fetch_verify_run(struct fetch_verify *out, const struct config *c, int offline,
                     const volatile sig_atomic_t *cancel)
{
	int r;

	if ((r = fetch_verify_roots(out, c)) == 0 &&
	    (r = fetch_verify_fetch(out, c, offline, cancel)) == 0)
		r = fetch_verify_verify(out, c, cancel);
	return r;
}

void fetch_verify_release(struct fetch_verify *fv)
{
	state_free(fv->st);
	source_free(fv->src);
	if (fv->have_roots)
		trust_roots_release(&fv->tr);
	memset(fv, 0, sizeof(*fv));
}
