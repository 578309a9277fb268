/* Single container operations of the Engine API and their answers. */
#ifndef MAINLINE_CONTAINER_H
#define MAINLINE_CONTAINER_H

#include <signal.h>
#include <stddef.h>

#include "common/http.h"
#include "docker/engine.h"

#define CONTAINER_ID_LEN 64

/* What a container is created from (borrowed strings, NULL-terminated lists). */
struct container_spec {
	const char *image;
	const char *const *argv;   /* NULL or empty: the image's default command */
	const char *const *env;    /* "K=V" */
	const char *workdir;       /* absolute; NULL: the image's */
	const char *const *labels; /* "k=v" */
	const char *const *binds;  /* "src:dst[:ro]" incl. named volumes "name:/path" */
	int docker_socket;         /* bind the engine's socket (unix only) */
};

/*
 * Builds the JSON body of POST /containers/create for spec (Cmd, Env,
 * WorkingDir, Labels, HostConfig.Binds, Init, attach flags). The socket bind
 * is added when spec->docker_socket (needs a unix engine socket). Returns a
 * string to free with cJSON_free, or NULL with ML_CONFIG recorded.
 */
char *container_create_body(const struct container_spec *spec, const char *engine_socket);

/* Reads {"Id": "<64 hex>"} into id (65 bytes). 0 or ML_ENGINE_ERROR. */
int container_parse_created(const char *json, size_t len, char *id);

/*
 * Reads a wait answer {"StatusCode": n, "Error": {"Message": ...}}. 0 with
 * *exit_code set, or ML_ENGINE_ERROR (malformed, or the engine's error).
 */
int container_parse_wait(const char *json, size_t len, int *exit_code);

/* Creates a container named name (may be NULL). 0 or a reason code. */
int container_create(struct engine *e, const struct container_spec *spec, const char *name,
                     char *id);

/*
 * Streams an archive (upload callback) into the container at path; a set
 * *cancel (may be NULL) stops it with ML_CANCELED.
 */
int container_upload(struct engine *e, const char *id, const char *path, http_upload_fn upload,
                     void *upload_ctx, volatile sig_atomic_t *cancel);

int container_start(struct engine *e, const char *id);

/* Sends signal (e.g. "SIGINT"); a container that is not running is not an error. */
int container_kill(struct engine *e, const char *id, const char *signal);

/* POST /stop?t=seconds; a container that is not running is not an error. */
int container_stop(struct engine *e, const char *id, int seconds);

/* DELETE ?force=1&v=1; an already removed container is not an error. */
int container_remove(struct engine *e, const char *id);

/*
 * Whether path exists in container id (created or running), asked with a
 * GET /containers/{id}/archive that is dropped as soon as its status is
 * known. 1 present, 0 absent (404), or a reason code.
 */
int container_path_exists(struct engine *e, const char *id, const char *path);

#endif
