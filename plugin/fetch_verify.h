/*
 * Fetch and verify from a finished configuration: the part `mainline verify`
 * and plugin mode share. Holds what the later steps need (the source for the
 * tree upload, the result for the audit record).
 */
#ifndef MAINLINE_FETCH_VERIFY_H
#define MAINLINE_FETCH_VERIFY_H

#include <stdint.h>

#include "plugin/config.h"
#include "verify/signature.h"
#include "verify/verifier.h"

struct source;
struct state;

struct check {
	struct source *src;
	struct state *st;
	struct trust_roots tr;
	int have_roots;
	char roots_digest[65];
	struct verify_result res;
	int64_t fetch_start_ns, fetch_end_ns, verify_start_ns, verify_end_ns;
};

/*
 * Fetches c->source into c->cache (unless offline) and verifies per c.
 * 0 when allowed; the refusal or error reason otherwise (message recorded).
 * Release with check_release in any case.
 */
int check_run(struct check *out, const struct config *c, int offline);

void check_release(struct check *chk);

#endif
