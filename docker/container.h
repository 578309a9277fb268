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
	/*
	 * "src:/dst[:ro|:rw]": a host path (from '/') is a bind, anything else
	 * a named volume; made as HostConfig.Mounts, so that a missing host path
	 * is an error instead of a directory the engine creates
	 */
	const char *const *binds;
	const char *
	    docker_socket; /* host path of the engine's socket, bound at ENGINE_SOCKET_PATH; NULL: none */
	int no_init;       /* 1: no init process (HostConfig.Init false) */
	/*
	 * The networks: the first one at create (HostConfig.NetworkMode, and its
	 * endpoint), the others connected after it (container_connect; dockerd
	 * 20.10 takes one endpoint at create). "none", "host", "bridge",
	 * "default" and "container:<id>" stand alone. NULL or empty: the
	 * engine's default.
	 */
	const char *const *networks;
	const char *const *aliases; /* the container's DNS names on each user-defined network */
};

/*
 * Builds the JSON body of POST /containers/create for spec (Cmd, Env,
 * WorkingDir, Labels, HostConfig.Mounts, Init, NetworkMode and the first
 * network's endpoint, attach flags). Returns a string to free with
 * cJSON_free, or NULL with ML_CONFIG recorded.
 */
char *container_create_body(const struct container_spec *spec);

/* Whether a network name is one of the engine's own modes ("none", "host", "container:…", …). */
int container_network_is_mode(const char *network);

/*
 * Whether an engine's error message says it has no init binary for
 * HostConfig.Init: dockerd at start (exec: "docker-init": executable file
 * not found, or the --init-path it was given missing), Podman at create
 * (container-init binary not found, lookup init binary: … "catatonit").
 */
int container_init_missing(const char *engine_message);

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

/* Connects container id to a network with the aliases (may be NULL). 0 or a reason code. */
int container_connect(struct engine *e, const char *id, const char *network,
                      const char *const *aliases);

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
