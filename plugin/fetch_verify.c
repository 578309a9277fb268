#include "plugin/fetch_verify.h"

#include <string.h>

#include "common/clock.h"
#include "plugin/credentials.h"
#include "plugin/trust_roots.h"
#include "verify/source.h"
#include "verify/state.h"

int check_run(struct check *out, const struct config *c, int offline)
{
	struct source_options so;
	struct verify_request req;
	struct credentials cr;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&so, 0, sizeof(so));
	so.url = c->source;
	so.branch = c->branch;
	so.cache_dir = c->cache;
	so.offline = offline;
	so.ca_file = c->ca_cert;
	so.cert_pin = c->cert_pin;

	/* trust roots first: a bad root is a configuration error before any network I/O */
	if ((r = trust_load(&out->tr, out->roots_digest, c)) != 0)
		return r;
	out->have_roots = 1;

	out->fetch_start_ns = clock_realtime_ns();
	/* the ssh key file exists only while the fetch runs */
	r = credentials_prepare(&cr, c, &so);
	if (r == 0)
		r = source_open(&out->src, &so);
	if (r == 0 && !offline)
		r = source_fetch(out->src);
	credentials_release(&cr);
	out->fetch_end_ns = clock_realtime_ns();
	if (r != 0)
		return r;

	out->verify_start_ns = clock_realtime_ns();
	if ((r = state_open(&out->st, c->cache, c->source, c->branch, out->roots_digest)) != 0)
		goto out;
	memset(&req, 0, sizeof(req));
	req.branch = c->branch;
	req.target = c->commit;
	req.mode = c->mode == CONFIG_MODE_CHAIN ? VERIFY_CHAIN : VERIFY_TIP;
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
	if ((r = verifier_run(out->src, out->st, &out->tr, &req, &out->res)) == 0)
		r = state_save(out->st);
out:
	out->verify_end_ns = clock_realtime_ns();
	return r;
}

void check_release(struct check *chk)
{
	state_free(chk->st);
	source_free(chk->src);
	if (chk->have_roots)
		trust_roots_release(&chk->tr);
	memset(chk, 0, sizeof(*chk));
}
