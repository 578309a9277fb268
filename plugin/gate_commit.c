#include "plugin/gate_commit.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/url.h"
#include "plugin/credentials.h"
#include "plugin/trust_roots.h"
#include "verify/signature.h"
#include "verify/source.h"
#include "verify/tag.h"
#include "verify/verifier.h"

/* The project branch releases must come from: the one literal `branches` entry, else main. */
static const char *project_branch(const struct config *c)
{
	if (c->branches.n == 1 && strpbrk(c->branches.v[0], "*?[") == NULL)
		return c->branches.v[0];
	return "main";
}

static int has_tag_roots(const struct config *c)
{
	return c->tag_allowed_signers != NULL || c->tag_keyring.n > 0;
}

/*
 * The build's tag must be an annotated tag of the built commit, signed by
 * one of the tag signers.
 */
static int check_tag(struct source *src, const struct config *c)
{
	const struct drone_context *d = &c->drone;
	static const struct strlist no_forge_keys;
	struct trust_roots tr;
	struct ml_signer signer;
	struct tag_object t;
	char spec[512], commit[41], tag_id[41], digest[65];
	struct buf raw;
	int r, have_roots = 0;

	memset(&t, 0, sizeof(t));
	buf_init(&raw, 16u << 20);
	if (d->tag == NULL) {
		r = ml_fail(ML_CONFIG, "tag signers are set but DRONE_TAG is empty");
		goto out;
	}
	snprintf(spec, sizeof(spec), "refs/tags/%s", d->tag);
	if ((r = source_resolve(src, spec, commit, tag_id)) != 0)
		goto out;
	if (tag_id[0] == '\0') {
		r = ml_fail(ML_UNSIGNED,
		            "tag '%s' is a lightweight tag; a signed annotated tag is "
		            "required",
		            d->tag);
		goto out;
	}
	if (strcmp(commit, d->commit_sha) != 0) {
		r = ml_fail(ML_TAG_NOT_ALLOWED,
		            "tag '%s' points at '%s', not at the built commit '%s'", d->tag, commit,
		            d->commit_sha);
		goto out;
	}
	if ((r = trust_roots_load_from(&tr, digest, c->tag_allowed_signers, &c->tag_keyring,
	                               &no_forge_keys, c)) != 0)
		goto out;
	have_roots = 1;
	if ((r = source_read_object(src, tag_id, SOURCE_OBJ_TAG, &raw)) != 0 ||
	    (r = tag_parse(&t, raw.data, raw.len, source_object_format(src))) != 0)
		goto out;
	r = signature_verify_tag(&tr, &t, tag_id, &signer);
out:
	if (have_roots)
		trust_roots_release(&tr);
	tag_release(&t);
	buf_release(&raw);
	return r;
}

static int check_project(const struct config *c, const volatile sig_atomic_t *cancel)
{
	const struct drone_context *d = &c->drone;
	const char *branch = project_branch(c);
	struct source_options so;
	struct source *src = NULL;
	char tip[41], host[256];
	int r;

	if (d->commit_sha == NULL ||
	    !(hex_is_lower(d->commit_sha, 40) && d->commit_sha[40] == '\0'))
		return ml_fail(ML_CONFIG, "checking the build's commit needs DRONE_COMMIT_SHA, a "
		                          "full commit id");
	if (d->git_http_url == NULL)
		return ml_fail(ML_CONFIG, "checking the build's commit needs DRONE_GIT_HTTP_URL, "
		                          "the project's repository");
	memset(&so, 0, sizeof(so));
	so.url = d->git_http_url;
	so.branch = branch;
	so.cache_dir = c->cache;
	so.fetch_timeout = (unsigned)c->fetch_timeout;
	so.cancel = cancel;
	/* the project is fetched with Drone's own netrc only: git_* settings belong to the source */
	if (d->netrc_machine != NULL && d->netrc_password != NULL &&
	    url_http_host(d->git_http_url, host, sizeof(host)) == 0 &&
	    strcasecmp(host, d->netrc_machine) == 0) {
		so.username = d->netrc_username;
		so.password = d->netrc_password;
	}
	if ((r = source_open(&src, &so)) != 0 || (r = source_fetch(src)) != 0 ||
	    (r = source_branch_tip(src, tip)) != 0)
		goto out;
	if (c->gate_commit && (r = verifier_descends(src, tip, d->commit_sha)) != 0) {
		if (r == ML_BEFORE_ANCHOR)
			r = ml_fail_override(ML_NOT_ON_BRANCH,
			                     "build commit '%s' is not on the first-parent line of "
			                     "the project's branch '%s'",
			                     d->commit_sha, branch);
		goto out;
	}
	if (has_tag_roots(c) && d->build_event != NULL && strcmp(d->build_event, "tag") == 0 &&
	    (r = check_tag(src, c)) != 0)
		goto out;
	r = 0;
out:
	source_free(src);
	return r;
}

int gate_commit_check(const struct config *c, const volatile sig_atomic_t *cancel)
{
	const struct drone_context *d = &c->drone;

	if (!c->gate_commit &&
	    !(has_tag_roots(c) && d->build_event != NULL && strcmp(d->build_event, "tag") == 0))
		return 0;
	return check_project(c, cancel);
}
