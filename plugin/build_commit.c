#include "build_commit.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "credentials.h"
#include "error.h"
#include "source.h"
#include "verifier.h"

/* The project branch releases must come from: the one literal `branches` entry, else main. */
static const char *project_branch(const struct config *c)
{
	if (c->branches.n == 1 && strpbrk(c->branches.v[0], "*?[") == NULL)
		return c->branches.v[0];
	return "main";
}

static int is_commit_id(const char *s)
{
	size_t i;

	for (i = 0; i < 40; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[40] == '\0';
}

int build_commit_check(const struct config *c)
{
	const struct drone_context *d = &c->drone;
	const char *branch = project_branch(c);
	struct source_options so;
	struct source *src = NULL;
	char tip[41], host[256];
	int r;

	if (d->commit_sha == NULL || !is_commit_id(d->commit_sha))
		return ml_fail(ML_CONFIG, "gate_commit needs DRONE_COMMIT_SHA, a full commit id");
	if (d->git_http_url == NULL)
		return ml_fail(ML_CONFIG, "gate_commit needs DRONE_GIT_HTTP_URL, the project's "
		                          "repository");
	memset(&so, 0, sizeof(so));
	so.url = d->git_http_url;
	so.branch = branch;
	so.cache_dir = c->cache;
	/* the project is fetched with Drone's own netrc only: git_* settings belong to the source */
	if (d->netrc_machine != NULL && d->netrc_password != NULL &&
	    credentials_url_host(d->git_http_url, host, sizeof(host)) == 0 &&
	    strcasecmp(host, d->netrc_machine) == 0) {
		so.username = d->netrc_username;
		so.password = d->netrc_password;
	}
	if ((r = source_open(&src, &so)) != 0 || (r = source_fetch(src)) != 0 ||
	    (r = source_branch_tip(src, tip)) != 0)
		goto out;
	if ((r = verifier_descends(src, tip, d->commit_sha)) != 0) {
		if (r == ML_BEFORE_ANCHOR)
			r = ml_fail_override(ML_NOT_ON_BRANCH,
			                     "build commit '%s' is not on the first-parent line of "
			                     "the project's branch '%s'",
			                     d->commit_sha, branch);
		goto out;
	}
	r = 0;
out:
	source_free(src);
	return r;
}
