#include "plugin/plugin.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/error.h"
#include "common/pg.h"
#include "common/pg_schema.h"
#include "plugin/audit.h"
#include "plugin/audit_db.h"
#include "plugin/audit_log.h"
#include "plugin/card.h"
#include "plugin/config.h"
#include "plugin/config_describe.h"
#include "plugin/config_env.h"
#include "plugin/fetch_verify.h"
#include "plugin/gate.h"
#include "plugin/gate_commit.h"
#include "plugin/otel.h"
#include "plugin/pipeline.h"
#include "plugin/policy.h"
#include "plugin/policy_digest.h"
#include "plugin/rollback_state.h"
#include "plugin/spool.h"
#include "plugin/webhook.h"
#include "plugin/workspace.h"
#include "verify/source.h"

#define EXIT_SKIP 78

static volatile sig_atomic_t canceled;

static void on_signal(int sig)
{
	(void)sig;
	canceled = 1;
}

/*
 * Everything one run needs, released in one place. The record borrows its
 * strings from the rest; each phase fills in what it learns, once.
 */
struct plugin_run {
	struct config cfg;
	struct audit_record rec;
	struct otel_trace trace;
	struct fetch_verify fv;
	struct pipeline_result ran;
	int audit_file_failed; /* the audit file failed its check: no record goes there */
	struct pg *db;         /* the shared state (state_url) while the run uses it */
	int state_failed;      /* the shared state failed: its record goes to the spool untried */
	char policy_digest[65];
	char message[512];
	char spool[4200]; /* the webhook's spool in the cache; "" while the cache is unknown */
	char state_spool[4200]; /* the shared state's, likewise */
};

static void span_begin(struct plugin_run *p, enum audit_phase ph)
{
	p->rec.phase[ph].start_ns = clock_realtime_ns();
}

static void span_end(struct plugin_run *p, enum audit_phase ph)
{
	p->rec.phase[ph].end_ns = clock_realtime_ns();
}

/* The build and the configuration, as far as they were read. */
static void record_configuration(struct plugin_run *p)
{
	const struct drone_context *d = &p->cfg.drone;
	struct verify_request req;

	p->rec.drone.repo = d->repo;
	p->rec.drone.build_number =
	    d->build_number != NULL ? strtoll(d->build_number, NULL, 10) : 0;
	p->rec.drone.build_link = d->build_link;
	p->rec.drone.event = d->build_event;
	p->rec.drone.ref = d->commit_ref;
	p->rec.drone.commit = d->commit_sha;
	p->rec.drone.tag = d->tag;
	p->rec.drone.deploy_to = d->deploy_to;
	p->rec.drone.step = d->step_name;
	p->rec.source = p->cfg.source;
	p->rec.branch = p->cfg.branch;
	/* what the verification is asked for, a policy's chain included */
	fetch_verify_request(&p->cfg, &req);
	p->rec.anchor = req.anchor;
	p->rec.extra_anchor = req.extra_anchor;
	p->rec.mode = req.mode == VERIFY_CHAIN ? "chain" : "tip";
	p->rec.image = p->cfg.image;
	p->rec.policy_digest = p->policy_digest[0] != '\0' ? p->policy_digest : NULL;
}

/* What the verification found, as far as it got (a refused commit is named too). */
static void record_verification(struct plugin_run *p)
{
	const struct verify_result *res = &p->fv.res;

	if (res->commit[0] != '\0')
		p->rec.commit = res->commit;
	if (res->tree[0] != '\0')
		p->rec.tree = res->tree;
	if (res->floor[0] != '\0')
		p->rec.previous_tip = res->floor;
	p->rec.checked = (int64_t)res->checked;
	p->rec.signer = res->signer;
	p->rec.cache_recovery = fetch_verify_recovery(&p->fv);
}

/*
 * Configure: the settings, the baked policy and the `policy` setting as
 * ceilings, the build context, the run's paths. The record has no phase of
 * its own for this: reading the configuration counts toward the gate's span,
 * which opens here (and closes here too when the configuration fails).
 */
static int phase_configure(struct plugin_run *p, char **envp)
{
	int r;

	span_begin(p, AUDIT_PHASE_GATE);
	r = policy_effective_config(&p->cfg, envp, policy_baked_path());
	if (r == 0)
		r = policy_digest(&p->cfg, p->policy_digest);
	if (r == 0)
		r = workspace_check_config(&p->cfg);
	if (r == 0)
		r = pipeline_check_config(&p->cfg);
	record_configuration(p);
	if (p->cfg.cache != NULL) {
		snprintf(p->spool, sizeof(p->spool), "%s/" WEBHOOK_SPOOL_NAME, p->cfg.cache);
		snprintf(p->state_spool, sizeof(p->state_spool), "%s/" AUDIT_DB_SPOOL_NAME,
		         p->cfg.cache);
	}
	if (r != 0)
		span_end(p, AUDIT_PHASE_GATE);
	return r;
}

/*
 * The audit sinks that can be checked before anything runs (docs/audit.md):
 * the audit file, then the spools of the webhook and the shared state. A
 * sink that fails refuses the run (audit_unavailable, or config_error for a
 * bad audit_key) before the gate asks anyone anything; the record goes to
 * the sinks that work.
 */
static int phase_check_sinks(struct plugin_run *p)
{
	int r = 0;

	if (p->cfg.audit_file != NULL &&
	    (r = audit_log_check(p->cfg.audit_file, p->cfg.audit_key)) != 0)
		p->audit_file_failed = 1;
	if (r == 0 && p->cfg.audit_webhook != NULL && spool_check(p->spool, "audit webhook") != 0)
		r = ml_fail_override(ML_AUDIT_UNAVAILABLE, "%s", ml_error_message());
	if (r == 0 && p->cfg.state_url != NULL && spool_check(p->state_spool, "shared state") != 0)
		r = ml_fail_override(ML_AUDIT_UNAVAILABLE, "%s", ml_error_message());
	if (r != 0)
		span_end(p, AUDIT_PHASE_GATE);
	return r;
}

/*
 * Where the rollback floor lives (rollback_state.h), once the gate let the
 * build through: a policy's require_shared_state refuses a run without
 * state_url, a floor that goes with the build is warned of; then the shared
 * state, before the fetch: connected, its tables current (made or migrated
 * when the role may), the end of its audit chain intact. A shared state that
 * fails is an error (state_unavailable): nothing runs, and the record waits
 * in the spool. Its time counts toward no phase's span, only the total.
 */
static int phase_check_state(struct plugin_run *p)
{
	enum rollback_state kept;
	char why[600];
	int r;

	if ((r = rollback_state_required(&p->cfg)) != 0)
		return r;
	kept = rollback_state_find(&p->cfg, why, sizeof(why));
	p->rec.rollback_state = rollback_state_name(kept);
	if (kept == ROLLBACK_STATE_EPHEMERAL)
		fprintf(
		    stderr,
		    "mainline: warning: the rollback floor does not outlive this build: %s; a "
		    "force-push back to an older signed commit would pass the next build (mount "
		    "a host volume at the cache, or set state_url)\n",
		    why);
	if (p->cfg.state_url == NULL)
		return 0;
	if ((r = pg_connect(&p->db, p->cfg.state_url)) != 0 ||
	    (r = pg_schema_ensure(p->db, NULL, NULL)) != 0 ||
	    (r = audit_db_check(p->db, p->cfg.audit_key)) != 0)
		p->state_failed = r != ML_CONFIG;
	return r;
}

/*
 * Gate: whether this build may run pipeline code at all (gate.h), from the
 * build context and, with drone_token, the Drone API; then the build's own
 * commit (gate_commit.h). Closes the gate's span.
 */
static int phase_gate(struct plugin_run *p)
{
	struct gate_result gate;
	int r;

	r = gate_check(&p->cfg, &gate);
	if (r == 0 && gate.reason != ML_OK)
		r = gate.reason;
	if (r != 0)
		ml_fail(r, "%s", gate.message[0] != '\0' ? gate.message : ml_reason_name(r));
	if (r == 0)
		r = gate_commit_check(&p->cfg, &canceled);
	span_end(p, AUDIT_PHASE_GATE);
	return r;
}

/* Fetch and verify the trusted source (fetch_verify.h), each step in its own span. */
static int phase_fetch_verify(struct plugin_run *p)
{
	int r;

	r = fetch_verify_roots(&p->fv, &p->cfg);
	if (r == 0) {
		span_begin(p, AUDIT_PHASE_FETCH);
		r = fetch_verify_fetch(&p->fv, &p->cfg, 0, &canceled);
		span_end(p, AUDIT_PHASE_FETCH);
	}
	if (r == 0) {
		span_begin(p, AUDIT_PHASE_VERIFY);
		r = fetch_verify_verify(&p->fv, &p->cfg, p->db, &canceled);
		span_end(p, AUDIT_PHASE_VERIFY);
		if (r == ML_STATE_UNAVAILABLE)
			p->state_failed = 1;
	}
	record_verification(p);
	if (p->rec.cache_recovery != NULL)
		fprintf(stderr, "mainline: warning: %s\n", p->rec.cache_recovery);
	/* the next build on this cache may fetch now: the run reads the tree by id (source.h) */
	source_unlock(p->fv.src);
	return r;
}

/*
 * Run the verified pipeline (pipeline.h), which stamps the run and pull
 * spans and records what ran. The cache lock is not held meanwhile: git
 * objects are immutable and read by id.
 */
static int phase_run(struct plugin_run *p, char **envp)
{
	/* no connection idles through a pipeline: the record's append opens its own */
	pg_close(p->db);
	p->db = NULL;
	return pipeline_run(&p->cfg, envp, p->fv.src, p->fv.res.tree, &p->trace, &canceled, &p->rec,
	                    &p->ran);
}

/* spool_deliver_fn of the shared state: the run's connection, opened again after a pipeline. */
static int deliver_to_state(void *ctx, const char *record, size_t len)
{
	struct plugin_run *p = ctx;
	int r;

	if (p->state_failed)
		return ML_STATE_UNAVAILABLE;
	if (p->db == NULL && (r = pg_connect(&p->db, p->cfg.state_url)) != 0) {
		p->state_failed = 1;
		return r;
	}
	if ((r = audit_db_append(p->db, record, len, p->cfg.audit_key, NULL)) != 0)
		p->state_failed = 1;
	return r;
}

/*
 * The record to the shared state's audit chain, behind the records spooled
 * before (spool.h). A record that waits in the spool fails the step: the
 * database is the fleet's audit trail. 0 when the chain has it.
 */
static int write_state_audit(struct plugin_run *p)
{
	struct spool_stats st = {0, 0};
	struct buf record;
	char why[600];
	int r;

	buf_init(&record, AUDIT_LINE_MAX);
	why[0] = '\0';
	ml_error_clear();
	if ((r = audit_record_json(&p->rec, &record)) != 0)
		goto lost;
	/* no cache known (the configuration failed): no spool either */
	if (p->state_spool[0] == '\0') {
		if ((r = deliver_to_state(p, (const char *)record.data, record.len)) != 0)
			goto lost;
		goto out;
	}
	/* the spool lives in the cache, which a run refused before its fetch has not made yet */
	if (!spool_dir_exists(p->state_spool) && mkdir(p->cfg.cache, 0700) < 0 && errno != EEXIST) {
		r = ml_fail(ML_IO, "cannot create the cache '%s' for the shared state's spool: %s",
		            p->cfg.cache, strerror(errno));
		goto lost;
	}
	if ((r = spool_send(p->state_spool, "shared state", (const char *)record.data, record.len,
	                    p->rec.id, deliver_to_state, p, &st)) != 0)
		goto lost;
	snprintf(why, sizeof(why), "%s", ml_error_message());
	ml_error_clear();
	if (st.spooled > 0) {
		fprintf(stderr,
		        "mainline: audit record kept in the spool '%s' for the shared state (%zu "
		        "waiting), to be delivered by a later run: %s\n",
		        p->state_spool, st.spooled,
		        why[0] != '\0' ? why : "the shared state failed before");
		r = ML_STATE_UNAVAILABLE;
	} else if (st.delivered > 1) {
		fprintf(stderr,
		        "mainline: %zu spooled audit records delivered to the shared state\n",
		        st.delivered - 1);
	}
	goto out;
lost:
	fprintf(stderr, "mainline: audit record lost for the shared state: %s\n",
	        ml_error_message());
	ml_error_clear();
out:
	pg_close(p->db);
	p->db = NULL;
	buf_release(&record);
	return r;
}

/* Every sink gets the record; a sink that fails is reported and fails the step. */
static int write_audit(struct plugin_run *p)
{
	const char *card_path = p->cfg.drone.card_path;
	struct buf line;
	int failed = 0;

	buf_init(&line, AUDIT_TEXT_LINE_MAX);
	if (audit_log_end_line(&p->rec, &line) == 0)
		fprintf(stderr, "%s\n", buf_cstr(&line));
	buf_release(&line);
	ml_error_clear();
	if (card_path != NULL && card_write_record(card_path, p->cfg.card_schema, &p->rec) != 0) {
		fprintf(stderr, "mainline: warning: cannot write the Drone card: %s\n",
		        ml_error_message());
		ml_error_clear();
	}
	if (p->audit_file_failed) {
		fprintf(stderr,
		        "mainline: audit record not written to the audit file: it failed its "
		        "check before the run\n");
		failed = 1;
	} else if (p->cfg.audit_file != NULL &&
	           audit_log_append(p->cfg.audit_file, &p->rec, p->cfg.audit_key) != 0) {
		fprintf(stderr, "mainline: audit record not written: %s\n", ml_error_message());
		ml_error_clear();
		failed = 1;
	}
	if (p->cfg.audit_webhook != NULL) {
		struct webhook wh = {
		    .url = p->cfg.audit_webhook,
		    .secret = p->cfg.audit_secret,
		    .spool = p->spool[0] != '\0' ? p->spool : NULL,
		};

		if (webhook_send(&wh, &p->rec, NULL) != 0) {
			fprintf(stderr, "mainline: audit record lost for the webhook: %s\n",
			        ml_error_message());
			ml_error_clear();
			failed = 1;
		}
	}
	ml_error_clear(); /* a spooled webhook record may have left its message */
	if (p->cfg.state_url != NULL && write_state_audit(p) != 0)
		failed = 1;
	if (p->cfg.otlp_endpoint != NULL &&
	    otel_export(p->cfg.otlp_endpoint, &p->trace, &p->rec) != 0) {
		fprintf(stderr, "mainline: warning: cannot export traces: %s\n",
		        ml_error_message());
		ml_error_clear();
	}
	return failed;
}

/* A dry run shows what a real run would use, secrets redacted. */
static void print_dry_run(const struct plugin_run *p)
{
	struct buf described;

	buf_init(&described, 1u << 20);
	if (config_describe(&p->cfg, &described) == 0)
		fprintf(stderr, "mainline: effective configuration:\n%s", buf_cstr(&described));
	buf_release(&described);
	fprintf(stderr, "mainline: dry run: commit %s verified, pipeline not started\n",
	        p->fv.res.commit);
}

/*
 * Audit: the outcome r of the phases into the record, which then goes to
 * every sink (a refusal or error is told by the audit end line). Returns the
 * process exit code.
 */
static int phase_audit(struct plugin_run *p, int r)
{
	int code;

	snprintf(p->message, sizeof(p->message), "%s", r == 0 ? "" : ml_error_message());
	p->rec.reason = (enum ml_reason)r;
	p->rec.message = p->message[0] != '\0' ? p->message : NULL;
	if (r == 0 && p->rec.exit_code > 0)
		p->rec.reason = ML_PIPELINE_FAILED;
	p->rec.decision = r == 0                    ? AUDIT_ALLOW
	                  : ml_reason_is_refusal(r) ? AUDIT_REFUSE
	                                            : AUDIT_ERROR;
	if (r == 0 && p->cfg.dry_run)
		print_dry_run(p);

	if (r == 0)
		code = p->rec.exit_code > 0 ? p->rec.exit_code : 0;
	else if (ml_reason_is_refusal(r))
		/* on_refuse may itself be the build parameter refused: it cannot skip that */
		code = p->cfg.on_refuse == CONFIG_ON_REFUSE_SKIP && r != ML_BUILD_PARAMETER
		           ? EXIT_SKIP
		           : 1;
	else
		code = 2;
	p->rec.total.end_ns = clock_realtime_ns();
	if (write_audit(p) != 0 && code == 0)
		code = 2;
	return code;
}

int plugin_main(char **envp)
{
	struct plugin_run *p;
	struct sigaction sa;
	int r, code;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		fprintf(stderr, "mainline: out of memory\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	ml_error_clear();
	audit_record_init(&p->rec); /* the run's start */
	otel_trace_init(&p->trace, config_env_lookup(envp, "TRACEPARENT"));
	config_init(&p->cfg);

	r = phase_configure(p, envp);
	if (r == 0)
		r = phase_check_sinks(p);
	if (r == 0)
		r = phase_gate(p);
	if (r == 0)
		r = phase_check_state(p);
	if (r == 0)
		r = phase_fetch_verify(p);
	if (r == 0 && !p->cfg.dry_run)
		r = phase_run(p, envp);
	code = phase_audit(p, r);

	fetch_verify_release(&p->fv);
	pg_close(p->db);
	config_release(&p->cfg);
	free(p);
	return code;
}
