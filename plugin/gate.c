#include "plugin/gate.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "plugin/drone_api.h"
#include "plugin/drone_context.h"

__attribute__((format(printf, 3, 4))) static int refuse(struct gate_result *out,
                                                        enum ml_reason reason, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	vsnprintf(out->message, sizeof(out->message), fmt, ap);
	va_end(ap);
	for (p = out->message; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p == 0x7f)
			*p = '?';
	out->reason = reason;
	ml_fail(reason, "%s", out->message);
	return reason;
}

int gate_pattern_match(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, FNM_PATHNAME) == 0;
}

static int matches_any(const struct strlist *patterns, const char *s)
{
	size_t i;

	for (i = 0; i < patterns->n; i++)
		if (gate_pattern_match(patterns->v[i], s))
			return 1;
	return 0;
}

/* "'promote'", or "'promote' (Woodpecker's 'deployment')" when Woodpecker named it otherwise. */
static const char *event_name(const struct drone_context *d, char *buf, size_t n)
{
	if (d->woodpecker && d->woodpecker_event[0] != '\0' &&
	    strcmp(d->woodpecker_event, d->build_event) != 0)
		snprintf(buf, n, "'%s' (Woodpecker's '%s')", d->build_event, d->woodpecker_event);
	else
		snprintf(buf, n, "'%s'", d->build_event);
	return buf;
}

int gate_check_local(const struct config *c, struct gate_result *out)
{
	const struct drone_context *d = &c->drone;
	const char *ev = d->build_event;
	char event[96];

	out->reason = ML_EVENT_NOT_ALLOWED;
	snprintf(out->message, sizeof(out->message), "build not checked");
	if (ev == NULL)
		return refuse(out, ML_EVENT_NOT_ALLOWED, "build event is unknown (%s is not set)",
		              d->woodpecker ? "CI_PIPELINE_EVENT" : "DRONE_BUILD_EVENT");
	/* pull request origin first: it refuses whatever the event */
	if (d->commit_ref != NULL && drone_is_pull_ref(d->commit_ref))
		return refuse(out, ML_PULL_REQUEST, "build originates from pull request ref '%s'",
		              d->commit_ref);
	if (d->pull_request != NULL)
		return refuse(out, ML_PULL_REQUEST, "build originates from pull request '%s'",
		              d->pull_request);
	if (strcmp(ev, "pull_request") == 0)
		return refuse(out, ML_PULL_REQUEST, "event %s is not allowed",
		              event_name(d, event, sizeof(event)));
	if (!drone_event_is_known(ev))
		return refuse(out, ML_EVENT_NOT_ALLOWED, "unknown event %s is not allowed",
		              event_name(d, event, sizeof(event)));
	if (!strlist_contains(&c->events, ev))
		return refuse(out, ML_EVENT_NOT_ALLOWED, "event %s is not allowed",
		              event_name(d, event, sizeof(event)));

	if (strcmp(ev, "push") == 0 || strcmp(ev, "cron") == 0 || strcmp(ev, "custom") == 0) {
		if (d->commit_branch == NULL)
			return refuse(
			    out, ML_BRANCH_NOT_ALLOWED,
			    "branch of '%s' build is unknown (DRONE_COMMIT_BRANCH is not set)", ev);
		if (!matches_any(&c->branches, d->commit_branch))
			return refuse(out, ML_BRANCH_NOT_ALLOWED,
			              "branch '%s' is not allowed for event '%s'", d->commit_branch,
			              ev);
		if (d->commit_ref != NULL && strncmp(d->commit_ref, "refs/heads/", 11) == 0 &&
		    strcmp(d->commit_ref + 11, d->commit_branch) != 0)
			return refuse(out, ML_BRANCH_NOT_ALLOWED,
			              "ref '%s' does not match branch '%s'", d->commit_ref,
			              d->commit_branch);
		snprintf(out->message, sizeof(out->message), "event '%s' on branch '%s' allowed",
		         ev, d->commit_branch);
	} else if (strcmp(ev, "tag") == 0) {
		if (d->tag == NULL)
			return refuse(out, ML_TAG_NOT_ALLOWED,
			              "tag of 'tag' build is unknown (DRONE_TAG is not set)");
		if (c->tags.n > 0 && !matches_any(&c->tags, d->tag))
			return refuse(out, ML_TAG_NOT_ALLOWED, "tag '%s' is not allowed", d->tag);
		if (d->commit_ref != NULL && (strncmp(d->commit_ref, "refs/tags/", 10) != 0 ||
		                              strcmp(d->commit_ref + 10, d->tag) != 0))
			return refuse(out, ML_TAG_NOT_ALLOWED, "ref '%s' does not match tag '%s'",
			              d->commit_ref, d->tag);
		snprintf(out->message, sizeof(out->message), "event 'tag' for tag '%s' allowed",
		         d->tag);
	} else {
		/* promote and rollback: the pull request rules above are what matters */
		snprintf(out->message, sizeof(out->message), "event '%s' to '%s' allowed", ev,
		         d->deploy_to != NULL ? d->deploy_to : "");
	}
	out->reason = ML_OK;
	return ML_OK;
}

/*
 * Without the Drone API nothing tells a parameter from the step's own
 * settings, so a build that may carry parameters runs only when nothing a
 * parameter could set decides anything: every setting present is pinned by
 * the baked policy (a parameter can then only narrow it, as the step can),
 * no variable that decides the run is present, and no variable is handed to
 * the pipeline by name.
 */
static int check_parameters_without_api(const struct config *c, struct gate_result *out)
{
	const struct drone_context *d = &c->drone;
	/* Woodpecker has no API to ask, so its advice is the baked policy alone */
	const char *system = d->woodpecker ? "Woodpecker" : "Drone";
	const char *how = d->woodpecker ? "Woodpecker has no API that tells parameters from "
	                                  "settings"
	                                : "give drone_token (from a secret) so the Drone API can "
	                                  "tell parameters from settings";
	uint64_t open = c->in_env & ~CONFIG_INERT_SETTINGS & ~(c->has_baked ? c->baked : 0);
	char build[128];
	int k;

	if (!drone_may_have_parameters(d))
		return ML_OK;
	if (drone_event_takes_parameters(d->build_event))
		snprintf(build, sizeof(build), "'%s' build", d->build_event);
	else
		snprintf(build, sizeof(build), "'%s' build restarted from build %.20s",
		         d->build_event, d->build_parent);
	if (!c->has_baked)
		return refuse(out, ML_BUILD_PARAMETER,
		              "%s may carry build parameters, which %s adds to the step's "
		              "environment unmarked: %s%s bake a policy that pins every setting",
		              build, system, how, d->woodpecker ? ";" : ", or");
	for (k = 0; k < CK_COUNT; k++)
		if (open & CONFIG_BIT(k))
			return refuse(
			    out, ML_BUILD_PARAMETER,
			    "%s may carry build parameters: setting '%s' is not pinned by "
			    "the baked policy and could be one (%s%s pin it)",
			    build, config_key_name((enum config_key)k), how,
			    d->woodpecker ? ":" : ", or");
	if (c->run_var[0] != '\0')
		return refuse(out, ML_BUILD_PARAMETER,
		              "%s may carry build parameters: variable '%s' decides the run and "
		              "could be one (%s)",
		              build, c->run_var, how);
	if (c->env.n > 0)
		return refuse(out, ML_BUILD_PARAMETER,
		              "%s may carry build parameters: the variables named in setting 'env' "
		              "could be ones (%s)",
		              build, how);
	return ML_OK;
}

int gate_check(const struct config *c, struct gate_result *out)
{
	int r;

	if ((r = gate_check_local(c, out)) != ML_OK)
		return r;
	if (c->drone.woodpecker && (c->set & CONFIG_BIT(CK_DRONE_TOKEN)))
		return refuse(out, ML_CONFIG,
		              "setting 'drone_token' asks Drone's API, which Woodpecker does not "
		              "have: leave it out (builds that may carry parameters then need a "
		              "baked policy that pins every setting)");
	if (c->empty & CONFIG_BIT(CK_DRONE_TOKEN) && !(c->set & CONFIG_BIT(CK_DRONE_TOKEN)))
		return refuse(out, ML_CONFIG,
		              "setting 'drone_token' is empty (a withheld from_secret value?): "
		              "cannot ask the drone api");
	if (!(c->set & CONFIG_BIT(CK_DRONE_TOKEN)))
		return check_parameters_without_api(c, out);
	out->reason = ML_SOURCE_REPO;
	if ((r = drone_api_check_build(c)) != 0) {
		out->reason = (enum ml_reason)r;
		snprintf(out->message, sizeof(out->message), "%s", ml_error_message());
		return r;
	}
	out->reason = ML_OK;
	return ML_OK;
}
