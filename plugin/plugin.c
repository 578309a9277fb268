#include "plugin/plugin.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/error.h"
#include "docker/container.h"
#include "docker/engine.h"
#include "docker/run.h"
#include "plugin/audit.h"
#include "plugin/audit_log.h"
#include "plugin/card.h"
#include "plugin/config.h"
#include "plugin/config_describe.h"
#include "plugin/config_env.h"
#include "plugin/fetch_verify.h"
#include "plugin/gate.h"
#include "plugin/gate_commit.h"
#include "plugin/otel.h"
#include "plugin/policy.h"
#include "plugin/policy_digest.h"
#include "plugin/webhook.h"
#include "plugin/workspace.h"
#include "verify/source.h"

#define EXIT_SKIP 78
#define MAX_ENV 512

static volatile sig_atomic_t canceled;

static void on_signal(int sig)
{
	(void)sig;
	canceled = 1;
}

struct tree_source {
	struct source *src;
	const char *tree;
};

static int walk_verified_tree(void *walk_ctx, tree_entry_fn emit, void *emit_ctx)
{
	const struct tree_source *ts = walk_ctx;

	return source_tree_walk(ts->src, ts->tree, emit, emit_ctx);
}

/* Everything one run needs, released in one place. */
struct plugin_run {
	struct config cfg;
	struct audit_record rec;
	struct otel_trace trace;
	struct check chk;
	struct engine *engine;
	char policy_digest[65];
	char image_digest[160];
	char container_id[65];
	char *env[MAX_ENV + 1];
	size_t env_count;
};

static void phase_begin(struct plugin_run *p, enum audit_phase ph)
{
	p->rec.phase[ph].start_ns = clock_realtime_ns();
}

static void phase_end(struct plugin_run *p, enum audit_phase ph)
{
	p->rec.phase[ph].end_ns = clock_realtime_ns();
}

/* Takes ownership of kv ("NAME=value"). */
static int env_adopt(struct plugin_run *p, char *kv)
{
	if (kv == NULL)
		return ml_fail(ML_IO, "out of memory");
	if (p->env_count == MAX_ENV) {
		free(kv);
		return ml_fail(ML_CONFIG, "more than %d environment variables for the pipeline",
		               MAX_ENV);
	}
	p->env[p->env_count++] = kv;
	p->env[p->env_count] = NULL;
	return 0;
}

static int env_push(struct plugin_run *p, const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *kv = malloc(n);

	if (kv != NULL)
		snprintf(kv, n, "%s=%s", name, value);
	return env_adopt(p, kv);
}

static int env_push_entry(struct plugin_run *p, const char *entry)
{
	return env_adopt(p, strdup(entry));
}

static const char *env_lookup(char **envp, const char *name)
{
	size_t n = strlen(name);

	for (; *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/*
 * The pipeline sees only what it is given: the Drone build context, the
 * variables the `env` setting names, Dagger's and OpenTelemetry's own
 * variables when set, and a TRACEPARENT under mainline's run span.
 */
static int build_env(struct plugin_run *p, char **envp)
{
	const struct strlist *names = &p->cfg.env;
	char traceparent[OTEL_TRACEPARENT_LEN + 1];
	char **e;
	size_t i;
	int r;

	for (e = envp; *e != NULL; e++) {
		/* Drone's netrc credentials and card path are mainline's, not the pipeline's */
		int drone = strncmp(*e, "DRONE_", 6) == 0 && strncmp(*e, "DRONE_NETRC_", 12) != 0 &&
		            strncmp(*e, "DRONE_CARD_PATH=", 16) != 0;

		if ((drone || strncmp(*e, "OTEL_", 5) == 0) && strchr(*e, '=') != NULL &&
		    (r = env_push_entry(p, *e)) != 0)
			return r;
	}
	for (i = 0; config_env_passthrough(i) != NULL; i++) {
		const char *v = env_lookup(envp, config_env_passthrough(i));

		if (v != NULL && (r = env_push(p, config_env_passthrough(i), v)) != 0)
			return r;
	}
	for (i = 0; i < names->n; i++) {
		const char *v = env_lookup(envp, names->v[i]);

		if (v == NULL)
			return ml_fail(ML_CONFIG,
			               "variable '%s' named in env is not set (a withheld secret?)",
			               names->v[i]);
		if ((r = env_push(p, names->v[i], v)) != 0)
			return r;
	}
	otel_traceparent_for_child(&p->trace, traceparent);
	return env_push(p, "TRACEPARENT", traceparent);
}

static void fill_record(struct plugin_run *p);

struct before_start {
	const struct workspace *ws;
	const char *image;
	int docker_socket;
};

/*
 * Dagger starts its engine with the docker CLI of the pipeline's image: say
 * so before the run when the socket is given and no CLI is where Dagger
 * looks. Only a warning: a pipeline may bring its own.
 */
static void warn_without_docker_cli(struct engine *e, const char *id, const char *image)
{
	static const char *const places[] = {"/usr/bin/docker", "/usr/local/bin/docker", NULL};
	size_t i;

	for (i = 0; places[i] != NULL; i++) {
		int r = container_path_exists(e, id, places[i]);

		if (r != 0) {
			if (r != 1)
				ml_error_clear(); /* unknown is not absent: no warning */
			return;
		}
	}
	fprintf(stderr,
	        "mainline: warning: image '%s' has no docker CLI; Dagger needs it to "
	        "start its engine\n",
	        image);
}

static int before_start(void *ctx, struct engine *e, const char *id)
{
	const struct before_start *bs = ctx;
	int r;

	if ((r = workspace_upload(bs->ws, e, id, &canceled)) != 0)
		return r;
	if (bs->docker_socket)
		warn_without_docker_cli(e, id, bs->image);
	return 0;
}

static void pull_progress(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

static int execute(struct plugin_run *p, char **envp, int *exit_code)
{
	struct audit_label labels[AUDIT_LABEL_COUNT];
	char label_text[AUDIT_LABEL_COUNT][1200];
	const char *label_ptrs[AUDIT_LABEL_COUNT + 1];
	const struct strlist *command = &p->cfg.command;
	const struct strlist *volumes = &p->cfg.volumes;
	struct tree_source ts = {.src = p->chk.src, .tree = p->chk.res.tree};
	const char *binds[STRLIST_MAX + 2];
	struct before_start bs;
	struct workspace ws;
	struct engine_options eo;
	struct run_result rr;
	struct run_spec spec;
	struct buf line;
	size_t i, n;
	int r;

	if ((r = build_env(p, envp)) != 0)
		return r;
	fill_record(p); /* the start line and the labels name the verified commit */
	n = audit_container_labels(&p->rec, labels);
	for (i = 0; i < n; i++) {
		snprintf(label_text[i], sizeof(label_text[i]), "%s=%s", labels[i].key,
		         labels[i].value);
		label_ptrs[i] = label_text[i];
	}
	label_ptrs[n] = NULL;

	memset(&eo, 0, sizeof(eo));
	if ((r = engine_open(&p->engine, &eo)) != 0)
		return r;
	if ((r = workspace_plan(&ws, p->engine, &p->cfg)) != 0)
		return r;
	for (n = 0; n < volumes->n && n < STRLIST_MAX; n++)
		binds[n] = volumes->v[n];
	if (ws.mode == WORKSPACE_MOUNT) {
		binds[n++] = ws.bind;
		fprintf(stderr, "mainline: workspace '%s' shared with the pipeline (%s)\n", ws.path,
		        ws.bind);
	} else if (ws.mode == WORKSPACE_UPLOAD) {
		fprintf(stderr,
		        "mainline: workspace '%s' copied into the pipeline's container (%s); "
		        "its changes stay there\n",
		        ws.path, ws.why);
	}
	binds[n] = NULL;
	bs.ws = &ws;
	bs.image = p->cfg.image;
	bs.docker_socket = p->cfg.docker_socket;

	memset(&spec, 0, sizeof(spec));
	spec.container.image = p->cfg.image;
	spec.container.argv = (const char *const *)command->v;
	spec.container.env = (const char *const *)p->env;
	spec.container.workdir = p->cfg.workdir;
	spec.container.labels = label_ptrs;
	spec.container.binds = binds;
	spec.container.docker_socket = p->cfg.docker_socket;
	spec.name_prefix = "mainline-";
	spec.tree_walk = walk_verified_tree;
	spec.tree_ctx = &ts;
	spec.timeout_ms = (long)p->cfg.timeout * 1000L;
	spec.cancel = &canceled;
	spec.out_fd = STDOUT_FILENO;
	spec.err_fd = STDERR_FILENO;
	spec.pull = p->cfg.pull;
	spec.docker_config_json = p->cfg.docker_config;
	spec.progress = pull_progress;
	spec.before_start = before_start;
	spec.before_start_ctx = &bs;

	buf_init(&line, 4096);
	if (audit_log_start_line(&p->rec, &line) == 0)
		fprintf(stderr, "%s\n", buf_cstr(&line));
	buf_release(&line);

	memset(&rr, 0, sizeof(rr));
	rr.exit_code = -1;
	phase_begin(p, AUDIT_PHASE_RUN);
	r = engine_run(p->engine, &spec, &rr);
	phase_end(p, AUDIT_PHASE_RUN);
	/* the engine reports pull time inside the run; split it out for the record */
	if (rr.pull_ms > 0) {
		p->rec.phase[AUDIT_PHASE_PULL].start_ns = p->rec.phase[AUDIT_PHASE_RUN].start_ns;
		p->rec.phase[AUDIT_PHASE_PULL].end_ns =
		    p->rec.phase[AUDIT_PHASE_RUN].start_ns + rr.pull_ms * 1000000;
	}
	p->rec.exit_code = rr.exit_code;
	snprintf(p->image_digest, sizeof(p->image_digest), "%s", rr.image_digest);
	snprintf(p->container_id, sizeof(p->container_id), "%s", rr.container_id);
	p->rec.image_digest = p->image_digest;
	p->rec.container_id = p->container_id;
	*exit_code = rr.exit_code;
	return r;
}

static void fill_record(struct plugin_run *p)
{
	const struct drone_context *d = &p->cfg.drone;

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
	p->rec.anchor = p->cfg.anchor;
	p->rec.mode = p->cfg.mode == CONFIG_MODE_CHAIN ? "chain" : "tip";
	p->rec.image = p->cfg.image;
	p->rec.policy_digest = p->policy_digest[0] != '\0' ? p->policy_digest : NULL;
	if (p->chk.res.commit[0] != '\0')
		p->rec.commit = p->chk.res.commit;
	if (p->chk.res.tree[0] != '\0')
		p->rec.tree = p->chk.res.tree;
	if (p->chk.res.floor[0] != '\0')
		p->rec.previous_tip = p->chk.res.floor;
	p->rec.checked = (int64_t)p->chk.res.checked;
	p->rec.signer = p->chk.res.signer;
}

/* Every sink gets the record; a sink that fails is reported and fails the step. */
static int write_audit(struct plugin_run *p)
{
	const char *audit_file = p->cfg.audit_file;
	const char *webhook_url = p->cfg.audit_webhook;
	const char *otlp = p->cfg.otlp_endpoint;
	const char *card_path = p->cfg.drone.card_path;
	char spool[4200];
	struct buf line;
	int failed = 0;

	p->rec.total.end_ns = clock_realtime_ns();
	buf_init(&line, 4096);
	if (audit_log_end_line(&p->rec, &line) == 0)
		fprintf(stderr, "%s\n", buf_cstr(&line));
	buf_release(&line);
	ml_error_clear();
	if (card_path != NULL && card_write_record(card_path, NULL, &p->rec) != 0) {
		fprintf(stderr, "mainline: warning: cannot write the Drone card: %s\n",
		        ml_error_message());
		ml_error_clear();
	}
	if (audit_file != NULL && audit_log_append(audit_file, &p->rec, p->cfg.audit_key) != 0) {
		fprintf(stderr, "mainline: audit record not written: %s\n", ml_error_message());
		ml_error_clear();
		failed = 1;
	}
	if (webhook_url != NULL) {
		struct webhook wh = {
		    .url = webhook_url,
		    .secret = p->cfg.audit_secret,
		    .spool = spool,
		};

		snprintf(spool, sizeof(spool), "%s/audit-spool.jsonl", p->cfg.cache);
		if (webhook_send(&wh, &p->rec, NULL) != 0) {
			fprintf(stderr, "mainline: audit record lost for the webhook: %s\n",
			        ml_error_message());
			ml_error_clear();
			failed = 1;
		}
	}
	ml_error_clear(); /* a spooled webhook record may have left its message */
	if (otlp != NULL && otel_export(otlp, &p->trace, &p->rec) != 0) {
		fprintf(stderr, "mainline: warning: cannot export traces: %s\n",
		        ml_error_message());
		ml_error_clear();
	}
	return failed;
}

int plugin_main(char **envp)
{
	struct plugin_run *p;
	struct sigaction sa;
	int r, exit_code = -1, code;
	char message[512];

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		fprintf(stderr, "mainline: out of memory\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	ml_error_clear();
	audit_record_init(&p->rec);
	p->rec.total.start_ns = clock_realtime_ns();
	otel_trace_init(&p->trace, env_lookup(envp, "TRACEPARENT"));

	config_init(&p->cfg);
	phase_begin(p, AUDIT_PHASE_GATE);
	r = policy_effective_config(&p->cfg, envp, policy_baked_path());
	if (r == 0)
		r = policy_digest(&p->cfg, p->policy_digest);
	if (r == 0)
		r = workspace_check_config(&p->cfg);
	if (r == 0) {
		struct gate_result gate;

		r = gate_check(&p->cfg, &gate);
		if (r == 0 && gate.reason != ML_OK)
			r = gate.reason;
		if (r != 0)
			ml_fail(r, "%s",
			        gate.message[0] != '\0' ? gate.message : ml_reason_name(r));
	}
	if (r == 0)
		r = build_commit_check(&p->cfg);
	phase_end(p, AUDIT_PHASE_GATE);
	if (r == 0) {
		r = check_run(&p->chk, &p->cfg, 0);
		p->rec.phase[AUDIT_PHASE_FETCH].start_ns = p->chk.fetch_start_ns;
		p->rec.phase[AUDIT_PHASE_FETCH].end_ns = p->chk.fetch_end_ns;
		p->rec.phase[AUDIT_PHASE_VERIFY].start_ns = p->chk.verify_start_ns;
		p->rec.phase[AUDIT_PHASE_VERIFY].end_ns = p->chk.verify_end_ns;
	}
	if (r == 0 && !p->cfg.dry_run) {
		/* the cache lock is not held while the pipeline runs: objects are immutable */
		r = execute(p, envp, &exit_code);
	}

	snprintf(message, sizeof(message), "%s", r == 0 ? "" : ml_error_message());
	fill_record(p);
	p->rec.reason = (enum ml_reason)r;
	p->rec.message = message[0] != '\0' ? message : NULL;
	if (r == 0 && exit_code > 0)
		p->rec.reason = ML_PIPELINE_FAILED;
	p->rec.decision = r == 0                    ? AUDIT_ALLOW
	                  : ml_reason_is_refusal(r) ? AUDIT_REFUSE
	                                            : AUDIT_ERROR;
	/* a refusal or error is told by the audit end line */
	if (r == 0 && p->cfg.dry_run) {
		struct buf described;

		/* a dry run shows what a real run would use, secrets redacted */
		buf_init(&described, 1u << 20);
		if (config_describe(&p->cfg, &described) == 0)
			fprintf(stderr, "mainline: effective configuration:\n%s",
			        buf_cstr(&described));
		buf_release(&described);
		fprintf(stderr, "mainline: dry run: commit %s verified, pipeline not started\n",
		        p->chk.res.commit);
	}

	if (r == 0)
		code = exit_code > 0 ? exit_code : 0;
	else if (ml_reason_is_refusal(r))
		/* on_refuse may itself be the build parameter refused: it cannot skip that */
		code = p->cfg.on_refuse == CONFIG_ON_REFUSE_SKIP && r != ML_BUILD_PARAMETER
		           ? EXIT_SKIP
		           : 1;
	else
		code = 2;
	if (write_audit(p) != 0 && code == 0)
		code = 2;

	for (size_t i = 0; i < p->env_count; i++)
		free(p->env[i]);
	engine_free(p->engine);
	check_release(&p->chk);
	config_release(&p->cfg);
	free(p);
	return code;
}
