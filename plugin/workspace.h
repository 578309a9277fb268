/*
 * What the pipeline container sees besides the verified tree: the build's
 * workspace (DRONE_WORKSPACE) at the same path, read-write, and the cache
 * volumes of the `volumes` setting. See docs/workspace.md.
 *
 * The workspace is shared by giving the pipeline the same mount mainline's
 * own container has (a named volume or a bind, found with GET
 * /containers/{id}/json); where that is impossible (mainline is not in a
 * container of this engine, the engine is remote, the workspace is not on a
 * mount) the directory is uploaded as a tar stream before the start, and
 * changes do not come back.
 */
#ifndef MAINLINE_WORKSPACE_H
#define MAINLINE_WORKSPACE_H

#include <signal.h>
#include <stddef.h>

#include "docker/engine.h"
#include "plugin/config.h"
#include "plugin/self.h"

/*
 * Checks the run's paths before anything runs: the workdir must not equal,
 * lie inside or contain the workspace (c->drone.workspace, when set); every
 * `volumes` entry must follow the volume rule (volume.h) and its destination
 * overlap neither the workdir, the workspace nor the docker socket. 0 or
 * ML_CONFIG naming the entry.
 */
int workspace_check_config(const struct config *c);

enum workspace_mode {
	WORKSPACE_NONE = 0, /* DRONE_WORKSPACE unset: nothing shared */
	WORKSPACE_MOUNT,    /* the same mount as mainline's own container: bind */
	WORKSPACE_UPLOAD,   /* the directory is copied in before the start */
};

struct workspace {
	enum workspace_mode mode;
	const char *path; /* DRONE_WORKSPACE (borrowed from the config) */
	char bind[4200];  /* WORKSPACE_MOUNT: "source:destination[:ro]" for HostConfig.Binds */
	char why[256];    /* WORKSPACE_UPLOAD: why the mount could not be shared */
};

/*
 * Decides how the workspace reaches the pipeline on engine e: the mount of
 * mainline's own container (self.h) holding c->drone.workspace, else an
 * upload. 0, ML_CONFIG (the workdir lies on the workspace's mount, or an
 * upload source that is no directory) or ML_ENGINE_ERROR.
 */
int workspace_plan(struct workspace *out, struct engine *e, const struct self_container *self,
                   const struct config *c);

/*
 * Streams directory w->path (as seen by mainline) into container id at the
 * same path: directories, regular files (mode bits 0644/0755), symlinks;
 * other file types are skipped. Files are read through read(2) as the
 * stream goes, never whole into memory (a file another step truncates
 * meanwhile ends the upload with an error).
 * 0 or a reason code.
 */
int workspace_upload(const struct workspace *w, struct engine *e, const char *id,
                     volatile sig_atomic_t *cancel);

/* Pure helpers (unit tested). */

/*
 * From a container inspect answer, the bind ("name:dest", "/host:dest", with
 * ":ro" for a read-only mount) of the mount whose Destination is the
 * workspace or its nearest parent. 0 found, 1 no such mount (or one that
 * cannot be shared, like tmpfs; why says so), ML_ENGINE_ERROR malformed.
 */
int workspace_mount_from_inspect(const char *json, size_t len, const char *workspace, char *bind,
                                 size_t bind_len, char *dest, size_t dest_len, char *why,
                                 size_t why_len);

#endif
