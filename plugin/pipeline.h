/*
 * Running the verified pipeline, plugin mode's run phase: the pipeline's
 * environment, the container labels that tie it to the audit record, the
 * workspace and the cache volumes, the verified tree (straight from the git
 * object database) as its working directory, the start line on the log,
 * then the run itself (docker/run.h) on the engine of the environment.
 */
#ifndef MAINLINE_PIPELINE_H
#define MAINLINE_PIPELINE_H

#include <signal.h>

#include "plugin/audit.h"
#include "plugin/config.h"
#include "plugin/otel.h"
#include "plugin/reaper.h"
#include "verify/source.h"

/* What ran, and what was removed first: the record borrows these. */
struct pipeline_result {
	char image_digest[160];
	char container_id[65];
	struct reaper_result reaped;
	struct audit_reaped reaped_rec[REAPER_MAX];
};

/*
 * Runs the command of c in its image with tree (of src) as the working
 * directory. The pipeline sees only what it is given: the Drone build
 * context, the variables the `env` setting names (each must be set in envp),
 * Dagger's and OpenTelemetry's own variables when set, and a TRACEPARENT
 * under trace's run span. rec must already name the verified commit (the
 * start line and the labels show it). First removes the containers of runs
 * whose mainline is gone (reaper.h; rec->reaped lists them). Stamps rec's
 * run and pull spans and
 * records the exit code (-1 when the pipeline did not finish), the image
 * digest and the container id (kept in out). A set *cancel stops the run.
 * Returns 0 when the pipeline ran to its end, whatever its exit code, or
 * the reason it did not (engine_run's, ML_CONFIG for the environment or
 * the workspace).
 */
/*
 * What of c can be refused before anything is fetched: `docker_socket` with an
 * engine ($DOCKER_HOST) that is not on a unix socket, which cannot be given to
 * the pipeline. 0 or ML_CONFIG.
 */
int pipeline_check_config(const struct config *c);

int pipeline_run(const struct config *c, char **envp, struct source *src, const char *tree,
                 const struct otel_trace *trace, volatile sig_atomic_t *cancel,
                 struct audit_record *rec, struct pipeline_result *out);

#endif
