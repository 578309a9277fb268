/*
 * mainline's own container on the engine it talks to, as a Drone or
 * Woodpecker step runs it: found by its full id in /proc/self/mountinfo or
 * /proc/self/cgroup, else by the host name (the runners set none, so it is
 * the id's first 12 digits), and confirmed by the engine's inspect answer.
 * The workspace is shared through its mounts (workspace.h); the pipeline
 * container names it as its owner and copies its io.drone.* labels
 * (reaper.h).
 */
#ifndef MAINLINE_SELF_H
#define MAINLINE_SELF_H

#include <stddef.h>

#include "common/buf.h"
#include "docker/engine.h"

struct self_container {
	int found;           /* 1: a container of this engine is mainline's own */
	int by_id;           /* found by its full id, not by the host name */
	int other_engine;    /* not found, but mainline's container id is known: another engine's */
	char id[65];         /* its full id, from the engine's answer */
	char started_at[64]; /* State.StartedAt: a restart gives the same id another one */
	struct buf inspect;  /* the engine's answer (Mounts, Config.Labels) when found */
	char why[256];       /* when not found: why, for the log */
};

/*
 * Looks for mainline's own container on e. 0 with out->found telling
 * whether it is there (out->why says why not), or ML_ENGINE_ERROR when the
 * engine fails to answer. Release with self_release in any case.
 */
int self_find(struct self_container *out, struct engine *e);

void self_release(struct self_container *s);

/* Pure helpers (unit tested, fuzzed). */

/*
 * The id of the container whose /etc/hostname, /etc/hosts or /etc/resolv.conf
 * a /proc/self/mountinfo text shows bind-mounted from ".../containers/<id>/"
 * (another container's mounts, seen from the host, do not count).
 */
int self_id_from_mountinfo(const char *text, char out[65]);
/* The first 64-hex container id in a /proc/self/cgroup text (docker-<id>.scope, /docker/<id>). */
int self_id_from_cgroup(const char *text, char out[65]);

#define SELF_PATH_MAX 4096
#define SELF_NETWORKS_MAX 8
#define SELF_NETWORK_NAME_MAX 256

/* One mount of mainline's container, from its inspect answer. */
struct self_mount {
	char type[16];                   /* "bind", "volume", "tmpfs", … */
	char source[SELF_PATH_MAX];      /* bind: the host path; volume: its name; else "" */
	char destination[SELF_PATH_MAX]; /* where mainline sees it */
	int rw;
};

/*
 * The mount of an inspect answer whose Destination is path or its nearest
 * parent. 0 found, 1 none holds path, ML_ENGINE_ERROR when the answer is
 * malformed (or Mounts is not an array).
 */
int self_mount_holding(const char *json, size_t len, const char *path, struct self_mount *out);

/*
 * The path on the engine's host of the file mainline sees at path (clean,
 * absolute): the Source of the bind mount holding it, with the rest of path
 * after its Destination. 0 with out filled, 1 when no bind mount holds path
 * (why says what does, or that nothing does), ML_ENGINE_ERROR malformed.
 */
int self_host_path(const char *json, size_t len, const char *path, char *out, size_t out_len,
                   char *why, size_t why_len);

/*
 * The user-defined networks mainline's container is on (the keys of
 * NetworkSettings.Networks, without the engine's "bridge", "host" and
 * "none"), in the answer's order, at most max; *count gets their number.
 * 0, or ML_ENGINE_ERROR when the answer is malformed.
 */
int self_networks(const char *json, size_t len, char names[][SELF_NETWORK_NAME_MAX], int max,
                  int *count);

/*
 * Reads a container inspect answer into out (id, started_at): 0 when it is
 * mainline's own, 1 when not (hostname, when not NULL, must equal
 * Config.Hostname: a container found by name must be this one; out->why
 * says so), ML_ENGINE_ERROR when malformed.
 */
int self_from_inspect(const char *json, size_t len, const char *hostname,
                      struct self_container *out);

#endif
