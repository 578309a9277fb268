/*
 * The high-level run of a pipeline in a container: ensure the image, create
 * the container, upload the verified tree, attach, start, stream the output,
 * wait, and remove the container on every path (success, failure, cancel,
 * timeout).
 */
#ifndef MAINLINE_RUN_H
#define MAINLINE_RUN_H

#include <signal.h>
#include <stdint.h>

#include "common/tree.h"
#include "docker/container.h"
#include "docker/engine.h"
#include "docker/image.h"

/* SIGINT to stop (SIGTERM): short, so that cancel and remove fit a runner's 10 s (run.c) */
#define RUN_DEFAULT_GRACE_MS 3000L

struct run_spec {
	struct container_spec container; /* its workdir is where the tree is uploaded */
	const char *name_prefix;         /* container name prefix, e.g. "mainline-"; NULL: none */
	tree_walk_fn tree_walk;          /* NULL: nothing uploaded */
	void *tree_ctx;
	long timeout_ms;               /* 0 = none */
	volatile sig_atomic_t *cancel; /* set by the caller's SIGTERM/SIGINT handler */
	int out_fd, err_fd;            /* where the pipeline's stdout/stderr go */
	/* additions beyond the basic contract */
	enum pull_policy pull;
	const char *docker_config; /* see struct image_options */
	const char *docker_config_json;
	long helper_timeout_ms;
	image_progress_fn progress; /* pull progress lines; may be NULL */
	void *progress_ctx;
	long grace_ms;      /* after SIGINT on cancel/timeout; 0: RUN_DEFAULT_GRACE_MS */
	int64_t tree_mtime; /* mtime of uploaded files; 0: TAR_DEFAULT_MTIME */
	/* called after create and tree upload, before start; 0 or a reason code (stops the run) */
	int (*before_start)(void *ctx, struct engine *e, const char *id);
	void *before_start_ctx;
};

struct run_result {
	int exit_code; /* the pipeline's exit status; -1 when it did not finish */
	char container_id[65];
	char image_digest[160];
	int64_t pull_ms, run_ms;
};

/*
 * Runs spec on engine e. Returns 0 when the pipeline ran to its end
 * (whatever its exit code, in out->exit_code), ML_CANCELED or ML_TIMEOUT
 * when it was stopped, ML_IMAGE_ERROR, ML_ENGINE_ERROR, ML_CONFIG or ML_IO
 * otherwise. The container is removed on every path.
 */
int engine_run(struct engine *e, const struct run_spec *spec, struct run_result *out);

#endif
