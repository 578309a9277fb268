#include "docker/run.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/error.h"
#include "docker/container.h"
#include "docker/stream.h"
#include "docker/tar.h"

#define RUN_READY_TIMEOUT_MS 30000L
#define RUN_DRAIN_TIMEOUT_MS 10000L
#define RUN_STOP_TERM_S 2      /* stop?t=: SIGTERM, then the engine kills */
#define RUN_STOP_EXIT_MS 1000L /* after the stop, after the SIGKILL: for the exit */

/* A long-lived request (attach or wait) running in its own thread. */
struct background {
	struct engine *e;
	pthread_mutex_t *mu;
	pthread_cond_t *cv;
	const char *method;
	char path[200];
	http_body_fn on_body; /* NULL: the body is buffered in res */
	void *body_ctx;
	struct http_response res;
	pthread_t thread;
	int started;
	int ready; /* response headers arrived: the request is established */
	long status;
	int done;
	volatile int stop;
	int result;
	enum ml_reason reason;
	char message[512];
};

static int bg_on_headers(void *ctx, long status)
{
	struct background *b = ctx;

	pthread_mutex_lock(b->mu);
	b->status = status;
	b->ready = 1;
	pthread_cond_broadcast(b->cv);
	pthread_mutex_unlock(b->mu);
	return 0;
}

static int bg_should_abort(void *ctx)
{
	struct background *b = ctx;

	return b->stop;
}

/* Success bodies go to the caller's callback, error bodies are kept for their message. */
static int bg_on_body(void *ctx, const uint8_t *data, size_t len)
{
	struct background *b = ctx;

	if (b->status == 200 && b->on_body != NULL)
		return b->on_body(b->body_ctx, data, len);
	if (buf_append(&b->res.body, data, len) < 0)
		return ml_fail(ML_ENGINE_ERROR, "answer of the docker engine is too large");
	return 0;
}

static void *bg_main(void *arg)
{
	struct background *b = arg;
	struct http_request req = {.method = b->method};
	int r;

	req.on_body = bg_on_body;
	req.body_ctx = b;
	req.on_headers = bg_on_headers;
	req.headers_ctx = b;
	req.should_abort = bg_should_abort;
	req.abort_ctx = b;
	r = engine_request(b->e, &req, b->path, &b->res);
	pthread_mutex_lock(b->mu);
	b->result = r;
	if (r != 0) {
		b->reason = ml_error_reason();
		snprintf(b->message, sizeof(b->message), "%s", ml_error_message());
	}
	b->done = 1;
	pthread_cond_broadcast(b->cv);
	pthread_mutex_unlock(b->mu);
	return NULL;
}

static int bg_start(struct background *b)
{
	if (pthread_create(&b->thread, NULL, bg_main, b) != 0)
		return ml_fail(ML_IO, "cannot start a thread for the engine request");
	b->started = 1;
	return 0;
}

static void bg_join(struct background *b)
{
	if (!b->started)
		return;
	b->stop = 1;
	pthread_join(b->thread, NULL);
	b->started = 0;
}

/* Both requests end at once, not one after the other's abort. */
static void bg_join_both(struct background *a, struct background *b)
{
	a->stop = b->stop = 1;
	bg_join(a);
	bg_join(b);
}

/* Re-records a background request's failure in this thread. */
static int bg_failure(const struct background *b)
{
	return ml_fail(b->reason != ML_OK ? b->reason : ML_ENGINE_ERROR, "%s",
	               b->message[0] != '\0' ? b->message : "engine request failed");
}

/*
 * Waits (mu held) at most wait_ms for a signal on cv. The deadline is on the
 * condition variable's clock, the wall clock; callers measure with the
 * monotonic one.
 */
static void timed_wait(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t wait_ms)
{
	int64_t at = clock_realtime_ns() + wait_ms * 1000000;
	struct timespec ts = {.tv_sec = (time_t)(at / 1000000000),
	                      .tv_nsec = (long)(at % 1000000000)};

	pthread_cond_timedwait(cv, mu, &ts);
}

struct output {
	int out_fd, err_fd;
};

static int write_all(int fd, const uint8_t *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int on_output(void *ctx, int stream, const uint8_t *data, size_t len)
{
	struct output *o = ctx;
	int fd = stream == STREAM_STDERR ? o->err_fd : o->out_fd;

	if (write_all(fd, data, len) < 0)
		return ml_fail(ML_IO, "cannot write the pipeline's %s: %s",
		               stream == STREAM_STDERR ? "stderr" : "stdout", strerror(errno));
	return 0;
}

static int on_attach_body(void *ctx, const uint8_t *data, size_t len)
{
	return stream_demux_feed(ctx, data, len);
}

struct run {
	struct engine *e;
	const struct run_spec *spec;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct background attach, wait;
	struct stream_demux demux;
	struct output output;
	char id[CONTAINER_ID_LEN + 1];
};

/* Waits until the wait request is answered or ms pass; 1 when answered. */
static int wait_exit(struct run *run, int64_t ms)
{
	int64_t end = clock_monotonic_ms() + ms;
	int done;

	pthread_mutex_lock(&run->mu);
	while (!run->wait.done && clock_monotonic_ms() < end)
		timed_wait(&run->cv, &run->mu,
		           end - clock_monotonic_ms() < 100 ? end - clock_monotonic_ms() : 100);
	done = run->wait.done;
	pthread_mutex_unlock(&run->mu);
	return done;
}

/*
 * SIGINT, the grace period, stop (SIGTERM, then the engine's SIGKILL after
 * RUN_STOP_TERM_S), a last SIGKILL: the container is down afterwards. With
 * the default grace a pipeline that ignores both signals is down about 5 s
 * after the cancel and at most about 7 s with an engine that is slow to
 * answer, inside the 10 s a runner gives the step after its SIGTERM.
 */
static void stop_container(struct run *run)
{
	long grace = run->spec->grace_ms > 0 ? run->spec->grace_ms : RUN_DEFAULT_GRACE_MS;

	(void)container_kill(run->e, run->id, "SIGINT");
	if (wait_exit(run, grace))
		return;
	(void)container_stop(run->e, run->id, RUN_STOP_TERM_S);
	if (wait_exit(run, RUN_STOP_EXIT_MS))
		return;
	(void)container_kill(run->e, run->id, "SIGKILL");
	(void)wait_exit(run, RUN_STOP_EXIT_MS);
}

/* Waits until request b (bg_start) is established: its answer's headers arrived. */
static int await_ready(struct run *run, struct background *b, const char *what)
{
	int64_t end = clock_monotonic_ms() + RUN_READY_TIMEOUT_MS;

	pthread_mutex_lock(&run->mu);
	while (!b->ready && !b->done && clock_monotonic_ms() < end)
		timed_wait(&run->cv, &run->mu, 100);
	pthread_mutex_unlock(&run->mu);
	if (b->ready && b->status != 200) {
		pthread_mutex_lock(&run->mu);
		while (!b->done && clock_monotonic_ms() < end)
			timed_wait(&run->cv, &run->mu, 100);
		pthread_mutex_unlock(&run->mu);
		bg_join(b);
		b->res.status = b->status;
		return engine_fail(ML_ENGINE_ERROR, &b->res, "cannot %s container '%.12s'", what,
		                   run->id);
	}
	if (b->ready)
		return 0;
	if (b->done) {
		bg_join(b);
		return bg_failure(b);
	}
	return ml_fail(ML_ENGINE_ERROR, "cannot %s container '%.12s': no answer from the engine",
	               what, run->id);
}

static int upload_tree(struct run *run)
{
	struct tar_stream *tar = NULL;
	int r, tr;

	if ((r = tar_stream_start(&tar, run->spec->tree_walk, run->spec->tree_ctx,
	                          run->spec->tree_mtime)) != 0)
		return r;
	r = container_upload(run->e, run->id,
	                     run->spec->container.workdir != NULL ? run->spec->container.workdir
	                                                          : "/",
	                     tar_stream_read, tar, run->spec->cancel);
	/* a tree the producer refused explains the aborted upload best */
	if ((tr = tar_stream_finish(tar)) != 0)
		return tr;
	return r;
}

static int make_name(const char *prefix, char *out, size_t len)
{
	uint8_t rnd[6];
	char hex[13];
	size_t i;

	if (prefix == NULL)
		return 1;
	if (crypto_random(rnd, sizeof(rnd)) < 0)
		return ml_fail(ML_IO, "cannot draw a random container name");
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	if ((size_t)snprintf(out, len, "%s%s", prefix, hex) >= len)
		return ml_fail(ML_CONFIG, "container name prefix '%s' is too long", prefix);
	return 0;
}

static int canceled(const struct run_spec *spec)
{
	return spec->cancel != NULL && *spec->cancel;
}

static int supervise(struct run *run, struct run_result *out)
{
	const struct run_spec *spec = run->spec;
	int64_t start = clock_monotonic_ms(),
	        deadline = spec->timeout_ms > 0 ? start + spec->timeout_ms : 0;
	int r = ML_ENGINE_ERROR, stopped = 0;

	pthread_mutex_lock(&run->mu);
	for (;;) {
		if (run->wait.done)
			break;
		if (canceled(spec)) {
			stopped = ML_CANCELED;
			break;
		}
		if (deadline != 0 && clock_monotonic_ms() >= deadline) {
			stopped = ML_TIMEOUT;
			break;
		}
		if (run->attach.done && run->attach.result != 0) {
			stopped = run->attach.result;
			break;
		}
		timed_wait(&run->cv, &run->mu, 100);
	}
	pthread_mutex_unlock(&run->mu);
	if (stopped != 0) {
		stop_container(run);
		out->run_ms = clock_monotonic_ms() - start;
		if (stopped == ML_CANCELED)
			return ml_fail(ML_CANCELED, "run of container '%.12s' canceled", run->id);
		if (stopped == ML_TIMEOUT)
			return ml_fail(ML_TIMEOUT, "container '%.12s' timed out after %ld ms",
			               run->id, spec->timeout_ms);
		bg_join(&run->attach);
		return bg_failure(&run->attach);
	}
	out->run_ms = clock_monotonic_ms() - start;
	if (run->wait.result != 0) {
		bg_join(&run->wait);
		if (run->wait.reason == ML_ENGINE_ERROR || run->wait.reason == ML_OK) {
			const char *detail = strstr(run->wait.message, "': ");

			return ml_fail(
			    ML_ENGINE_ERROR,
			    "lost the docker engine at '%s' while container '%.12s' ran: %s",
			    run->e->host, run->id, detail != NULL ? detail + 3 : run->wait.message);
		}
		return bg_failure(&run->wait);
	}
	if (run->wait.status != 200)
		return engine_fail(ML_ENGINE_ERROR, &run->wait.res,
		                   "cannot wait for container '%.12s'", run->id);
	if ((r = container_parse_wait((const char *)run->wait.res.body.data, run->wait.res.body.len,
	                              &out->exit_code)) != 0)
		return r;
	/* the output stream closes when the container's streams are drained */
	pthread_mutex_lock(&run->mu);
	start = clock_monotonic_ms();
	while (!run->attach.done && clock_monotonic_ms() - start < RUN_DRAIN_TIMEOUT_MS)
		timed_wait(&run->cv, &run->mu, 100);
	pthread_mutex_unlock(&run->mu);
	bg_join(&run->attach);
	if (run->attach.result != 0 && run->attach.result != ML_CANCELED)
		return bg_failure(&run->attach);
	if ((r = stream_demux_finish(&run->demux)) != 0)
		return r;
	return 0;
}

int engine_run(struct engine *e, const struct run_spec *spec, struct run_result *out)
{
	struct image_options io = {
	    .pull = spec->pull,
	    .docker_config = spec->docker_config,
	    .docker_config_json = spec->docker_config_json,
	    .helper_timeout_ms = spec->helper_timeout_ms,
	    .progress = spec->progress,
	    .progress_ctx = spec->progress_ctx,
	    .cancel = spec->cancel,
	};
	struct container_spec pinned;
	char image_id[160];
	struct run run;
	char name[128];
	size_t i;
	int r = ML_ENGINE_ERROR, rr, named;

	memset(out, 0, sizeof(*out));
	out->exit_code = -1;
	memset(&run, 0, sizeof(run));
	run.e = e;
	run.spec = spec;
	pthread_mutex_init(&run.mu, NULL);
	pthread_cond_init(&run.cv, NULL);
	run.output.out_fd = spec->out_fd;
	run.output.err_fd = spec->err_fd;
	stream_demux_init(&run.demux, on_output, &run.output);
	http_response_init(&run.attach.res, 64 * 1024);
	http_response_init(&run.wait.res, 64 * 1024);

	if ((r = image_ensure(e, spec->container.image, &io, out->image_digest,
	                      sizeof(out->image_digest), image_id, sizeof(image_id),
	                      &out->pull_ms)) != 0)
		goto out;
	if ((named = make_name(spec->name_prefix, name, sizeof(name))) != 0 && named != 1) {
		r = named;
		goto out;
	}
	/* create from the digest just recorded: a tag moved meanwhile cannot slip in */
	pinned = spec->container;
	pinned.image = image_id;
	if ((r = container_create(e, &pinned, named == 0 ? name : NULL, run.id)) != 0)
		goto out;
	snprintf(out->container_id, sizeof(out->container_id), "%s", run.id);
	/* the first network came with the create; the engine takes one endpoint there */
	for (i = 1;
	     pinned.networks != NULL && pinned.networks[0] != NULL && pinned.networks[i] != NULL;
	     i++)
		if ((r = container_connect(e, run.id, pinned.networks[i], pinned.aliases)) != 0)
			goto out;

	run.attach.e = run.wait.e = e;
	run.attach.mu = run.wait.mu = &run.mu;
	run.attach.cv = run.wait.cv = &run.cv;
	run.attach.method = run.wait.method = "POST";
	snprintf(run.attach.path, sizeof(run.attach.path),
	         "/containers/%s/attach?stream=1&stdout=1&stderr=1", run.id);
	run.attach.on_body = on_attach_body;
	run.attach.body_ctx = &run.demux;
	snprintf(run.wait.path, sizeof(run.wait.path), "/containers/%s/wait?condition=next-exit",
	         run.id);
	/*
	 * Both sent at once, not one after the other's answer, and before the
	 * uploads, which they overlap; both established before the start.
	 */
	if ((r = bg_start(&run.attach)) != 0 || (r = bg_start(&run.wait)) != 0)
		goto out;
	if (spec->tree_walk != NULL && (r = upload_tree(&run)) != 0)
		goto out;
	if (spec->before_start != NULL &&
	    (r = spec->before_start(spec->before_start_ctx, e, run.id)) != 0)
		goto out;
	if (canceled(spec)) {
		r = ml_fail(ML_CANCELED, "run of container '%.12s' canceled", run.id);
		goto out;
	}
	if ((r = await_ready(&run, &run.attach, "attach to")) != 0 ||
	    (r = await_ready(&run, &run.wait, "wait for")) != 0)
		goto out;
	if ((r = container_start(e, run.id)) != 0)
		goto out;
	r = supervise(&run, out);
out:
	bg_join_both(&run.wait, &run.attach);
	if (run.id[0] != '\0' && (rr = container_remove(e, run.id)) != 0 && r == 0)
		r = rr;
	http_response_release(&run.attach.res);
	http_response_release(&run.wait.res);
	pthread_cond_destroy(&run.cv);
	pthread_mutex_destroy(&run.mu);
	return r;
}
