#include "plugin/pipeline.h"

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
#include "plugin/audit_log.h"
#include "plugin/config_env.h"
#include "plugin/network.h"
#include "plugin/reaper.h"
#include "plugin/self.h"
#include "plugin/workspace.h"

#define MAX_ENV 512

/* The pipeline's environment: owned "NAME=value" strings, NULL-terminated. */
struct env {
	char *v[MAX_ENV + 1];
	size_t n;
};

/* Takes ownership of kv ("NAME=value"). */
static int env_adopt(struct env *env, char *kv)
{
	if (kv == NULL)
		return ml_fail(ML_IO, "out of memory");
	if (env->n == MAX_ENV) {
		free(kv);
		return ml_fail(ML_CONFIG, "more than %d environment variables for the pipeline",
		               MAX_ENV);
	}
	env->v[env->n++] = kv;
	env->v[env->n] = NULL;
	return 0;
}

static int env_push(struct env *env, const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *kv = malloc(n);

	if (kv != NULL)
		snprintf(kv, n, "%s=%s", name, value);
	return env_adopt(env, kv);
}

static int env_has(const struct env *env, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < env->n; i++)
		if (strncmp(env->v[i], name, n) == 0 && env->v[i][n] == '=')
			return 1;
	return 0;
}

static void env_release(struct env *env)
{
	size_t i;

	for (i = 0; i < env->n; i++)
		free(env->v[i]);
	env->n = 0;
}

static int build_env(struct env *env, const struct config *c, char **envp,
                     const struct otel_trace *trace)
{
	char traceparent[OTEL_TRACEPARENT_LEN + 1];
	char **e;
	size_t i;
	int r;

	for (e = envp; *e != NULL; e++) {
		/* Drone's netrc credentials and card path are mainline's, not the pipeline's */
		int drone = strncmp(*e, "DRONE_", 6) == 0 && strncmp(*e, "DRONE_NETRC_", 12) != 0 &&
		            strncmp(*e, "DRONE_CARD_PATH=", 16) != 0;
		/* Woodpecker's context (and Drone's legacy names of its own), netrc aside too */
		int ci = strncmp(*e, "CI_", 3) == 0 && strncmp(*e, "CI_NETRC_", 9) != 0;

		if ((drone || ci || strncmp(*e, "OTEL_", 5) == 0) && strchr(*e, '=') != NULL &&
		    (r = env_adopt(env, strdup(*e))) != 0)
			return r;
	}
	for (i = 0; config_env_passthrough(i) != NULL; i++) {
		const char *v = config_env_lookup(envp, config_env_passthrough(i));

		if (v != NULL && (r = env_push(env, config_env_passthrough(i), v)) != 0)
			return r;
	}
	for (i = 0; i < c->env.n; i++) {
		const char *v = config_env_lookup(envp, c->env.v[i]);

		if (v == NULL)
			return ml_fail(ML_CONFIG,
			               "variable '%s' named in env is not set (a withheld secret?)",
			               c->env.v[i]);
		/* named in env and passed anyway: once */
		if (!env_has(env, c->env.v[i]) && (r = env_push(env, c->env.v[i], v)) != 0)
			return r;
	}
	otel_traceparent_for_child(trace, traceparent);
	return env_push(env, "TRACEPARENT", traceparent);
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

struct before_start {
	const struct workspace *ws;
	const char *image;
	int docker_socket;
	volatile sig_atomic_t *cancel;
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

/* After the tree upload, before the start: the workspace, when it is copied in. */
static int before_start(void *ctx, struct engine *e, const char *id)
{
	const struct before_start *bs = ctx;
	int r;

	if ((r = workspace_upload(bs->ws, e, id, bs->cancel)) != 0)
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

/* The workspace's bind after the cache volumes, and what the log says about it. */
static void add_workspace(const struct workspace *ws, const char **binds, size_t n)
{
	if (ws->mode == WORKSPACE_MOUNT) {
		binds[n++] = ws->bind;
		fprintf(stderr, "mainline: workspace '%s' shared with the pipeline (%s)\n",
		        ws->path, ws->bind);
	} else if (ws->mode == WORKSPACE_UPLOAD) {
		fprintf(stderr,
		        "mainline: workspace '%s' copied into the pipeline's container (%s); "
		        "its changes stay there\n",
		        ws->path, ws->why);
	}
	binds[n] = NULL;
}

/*
 * The host path of the engine's socket, for the pipeline's bind: what the
 * bind mount of mainline's own container that holds the socket it talks to
 * binds (the engine resolves a bind's source on its host, not in mainline's
 * container), or that path itself when mainline runs on the engine's host.
 */
static int not_on_unix_socket(const char *host)
{
	return ml_fail(ML_CONFIG,
	               "cannot give the pipeline the docker socket: the engine at '%s' is not on a "
	               "unix socket",
	               host);
}

int pipeline_check_config(const struct config *c)
{
	const char *host = getenv("DOCKER_HOST");
	char sock[512], host_port[512];
	int r;

	if (!c->docker_socket || host == NULL || *host == '\0')
		return 0;
	if ((r = engine_parse_host(host, 0, sock, sizeof(sock), host_port, sizeof(host_port))) != 0)
		return r;
	return sock[0] == '\0' ? not_on_unix_socket(host) : 0;
}

static int socket_source(struct engine *e, const struct self_container *self, char *out, size_t len)
{
	char why[300], real[SELF_PATH_MAX];
	int r;

	if (e->unix_socket == NULL)
		return not_on_unix_socket(e->host);
	if (!self->found) {
		if (self->other_engine)
			return ml_fail(
			    ML_CONFIG,
			    "cannot give the pipeline the docker socket: mainline runs in "
			    "a container the engine at '%s' does not know, so the socket's "
			    "path on the engine's host is unknown",
			    e->host);
		if ((size_t)snprintf(out, len, "%s", e->unix_socket) >= len)
			return ml_fail(ML_CONFIG, "the docker socket's path is too long");
		return 0;
	}
	r = self_host_path((const char *)self->inspect.data, self->inspect.len, e->unix_socket, out,
	                   len, why, sizeof(why));
	/* DOCKER_HOST may name the socket through a symlink (/var/run is /run) */
	if (r == 1 && realpath(e->unix_socket, real) != NULL && strcmp(real, e->unix_socket) != 0)
		r = self_host_path((const char *)self->inspect.data, self->inspect.len, real, out,
		                   len, why, sizeof(why));
	if (r == 1)
		return ml_fail(ML_CONFIG,
		               "cannot give the pipeline the docker socket: %s, so its path on the "
		               "engine's host is unknown (mount the socket into mainline's step)",
		               why);
	return r;
}

/* Which networks the pipeline container joins, said in the log. */
static void log_networks(const struct network_plan *np)
{
	struct buf line;
	size_t i;

	buf_init(&line, 4096);
	if (np->names[0] == NULL)
		(void)buf_printf(&line, "the engine's default network");
	for (i = 0; np->names[i] != NULL; i++)
		(void)buf_printf(&line, "%snetwork '%s'", i > 0 ? ", " : "", np->names[i]);
	fprintf(stderr, "mainline: pipeline container on %s (%s)%s%s%s\n", buf_cstr(&line), np->why,
	        np->aliases[0] != NULL ? ", alias '" : "",
	        np->aliases[0] != NULL ? np->aliases[0] : "", np->aliases[0] != NULL ? "'" : "");
	buf_release(&line);
}

#define DRONE_LABELS_MAX 32
#define LABELS_MAX (AUDIT_LABEL_COUNT + 2 + DRONE_LABELS_MAX)

/*
 * The pipeline container's labels: those of its audit record, its owner
 * and run (reaper.h), and the io.drone.* labels of mainline's own container,
 * so that drone-gc reaps it with the stage's containers.
 */
static void make_labels(const struct audit_record *rec, const struct self_container *self,
                        const char *owner, char (*text)[REAPER_LABEL_LEN], const char **ptrs)
{
	struct audit_label labels[AUDIT_LABEL_COUNT];
	size_t i, n = 0, k;

	k = audit_container_labels(rec, labels);
	for (i = 0; i < k; i++)
		snprintf(text[n++], sizeof(text[0]), "%s=%s", labels[i].key, labels[i].value);
	if (owner != NULL)
		snprintf(text[n++], sizeof(text[0]), "%s=%s", REAPER_OWNER_LABEL, owner);
	snprintf(text[n++], sizeof(text[0]), "%s=%s", REAPER_RUN_LABEL, rec->id);
	n += reaper_drone_labels(self, text + n, DRONE_LABELS_MAX);
	for (i = 0; i < n; i++)
		ptrs[i] = text[i];
	ptrs[n] = NULL;
}

static int run_on(struct engine *engine, const struct config *c, const struct env *env,
                  struct tree_source *ts, const struct self_container *self, const char *owner,
                  volatile sig_atomic_t *cancel, struct audit_record *rec,
                  struct pipeline_result *out)
{
	char label_text[LABELS_MAX][REAPER_LABEL_LEN];
	const char *label_ptrs[LABELS_MAX + 1];
	const char *binds[STRLIST_MAX + 2];
	struct audit_span *run = &rec->phase[AUDIT_PHASE_RUN];
	char socket_path[SELF_PATH_MAX];
	struct network_plan np;
	struct before_start bs;
	struct workspace ws;
	struct run_result rr;
	struct run_spec spec;
	struct buf line;
	size_t n;
	int r;

	make_labels(rec, self, owner, label_text, label_ptrs);
	if ((r = workspace_plan(&ws, engine, self, c)) != 0 ||
	    (c->docker_socket &&
	     (r = socket_source(engine, self, socket_path, sizeof(socket_path))) != 0) ||
	    (r = network_plan(&np, c, self)) != 0)
		return r;
	log_networks(&np);
	for (n = 0; n < c->volumes.n && n < STRLIST_MAX; n++)
		binds[n] = c->volumes.v[n];
	add_workspace(&ws, binds, n);
	bs.ws = &ws;
	bs.image = c->image;
	bs.docker_socket = c->docker_socket;
	bs.cancel = cancel;

	memset(&spec, 0, sizeof(spec));
	spec.container.image = c->image;
	spec.container.argv = (const char *const *)c->command.v;
	spec.container.env = (const char *const *)env->v;
	spec.container.workdir = c->workdir;
	spec.container.labels = label_ptrs;
	spec.container.binds = binds;
	spec.container.docker_socket = c->docker_socket ? socket_path : NULL;
	spec.container.no_init = !c->init;
	spec.container.networks = np.names[0] != NULL ? np.names : NULL;
	spec.container.aliases = np.aliases[0] != NULL ? np.aliases : NULL;
	spec.name_prefix = "mainline-";
	spec.tree_walk = walk_verified_tree;
	spec.tree_ctx = ts;
	spec.timeout_ms = (long)c->timeout * 1000L;
	spec.cancel = cancel;
	spec.out_fd = STDOUT_FILENO;
	spec.err_fd = STDERR_FILENO;
	spec.pull = c->pull;
	spec.docker_config_json = c->docker_config;
	spec.progress = pull_progress;
	spec.before_start = before_start;
	spec.before_start_ctx = &bs;

	buf_init(&line, AUDIT_TEXT_LINE_MAX);
	if (audit_log_start_line(rec, &line) == 0)
		fprintf(stderr, "%s\n", buf_cstr(&line));
	buf_release(&line);

	memset(&rr, 0, sizeof(rr));
	rr.exit_code = -1;
	run->start_ns = clock_realtime_ns();
	r = engine_run(engine, &spec, &rr);
	run->end_ns = clock_realtime_ns();
	/* the engine reports pull time inside the run; split it out for the record */
	if (rr.pull_ms > 0) {
		rec->phase[AUDIT_PHASE_PULL].start_ns = run->start_ns;
		rec->phase[AUDIT_PHASE_PULL].end_ns = run->start_ns + rr.pull_ms * 1000000;
	}
	rec->exit_code = rr.exit_code;
	snprintf(out->image_digest, sizeof(out->image_digest), "%s", rr.image_digest);
	snprintf(out->container_id, sizeof(out->container_id), "%s", rr.container_id);
	rec->image_digest = out->image_digest;
	rec->container_id = out->container_id;
	return r;
}

/*
 * Before this run's pipeline starts: the containers of runs whose mainline
 * died are removed (reaper.h), each said in the log and in the record.
 */
static void reap(struct engine *engine, const char *owner, volatile sig_atomic_t *cancel,
                 struct audit_record *rec, struct pipeline_result *out)
{
	struct reaper_result *rr = &out->reaped;
	size_t i;

	reaper_sweep(engine, owner, cancel, rr);
	for (i = 0; i < rr->n; i++) {
		fprintf(stderr, "mainline: removed container %.12s of %s%s, left behind: %s\n",
		        rr->removed[i].container, rr->removed[i].run[0] != '\0' ? "run " : "a run",
		        rr->removed[i].run, rr->removed[i].why);
		out->reaped_rec[i].container = rr->removed[i].container;
		out->reaped_rec[i].run = rr->removed[i].run;
	}
	if (rr->warning[0] != '\0')
		fprintf(stderr, "mainline: warning: %s\n", rr->warning);
	rec->reaped = out->reaped_rec;
	rec->reaped_count = rr->n;
}

int pipeline_run(const struct config *c, char **envp, struct source *src, const char *tree,
                 const struct otel_trace *trace, volatile sig_atomic_t *cancel,
                 struct audit_record *rec, struct pipeline_result *out)
{
	struct tree_source ts = {.src = src, .tree = tree};
	struct engine *engine = NULL;
	struct self_container self;
	struct engine_options eo;
	char owner[REAPER_OWNER_MAX];
	int r, have_owner;
	struct env *env;

	if ((env = calloc(1, sizeof(*env))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	memset(&eo, 0, sizeof(eo));
	eo.tls_verify = -1; /* DOCKER_TLS_VERIFY says, as for the docker CLI */
	memset(&self, 0, sizeof(self));
	if ((r = build_env(env, c, envp, trace)) == 0 && (r = engine_open(&engine, &eo)) == 0 &&
	    (r = self_find(&self, engine)) == 0) {
		have_owner = reaper_owner(&self, owner) == 0;
		reap(engine, have_owner ? owner : NULL, cancel, rec, out);
		r = run_on(engine, c, env, &ts, &self, have_owner ? owner : NULL, cancel, rec, out);
	}
	self_release(&self);
	engine_free(engine);
	env_release(env);
	free(env);
	return r;
}
