#include "plugin/workspace.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/json.h"
#include "common/path.h"
#include "docker/container.h"
#include "docker/tar.h"
#include "plugin/volume.h"

#define PROC_TEXT_MAX (1u << 20)
#define WALK_DEPTH_MAX 256
#define WALK_PATH_MAX 4096

/* The checks of one `volumes` entry that depend on the run's other paths. */
static int check_volume_place(const char *item, const char *workdir, const char *workspace)
{
	char dest[VOLUME_DEST_MAX];
	int r;

	if ((r = volume_parse(item, dest)) != 0)
		return r;
	if (workdir != NULL && path_overlaps(dest, workdir))
		return ml_fail(ML_CONFIG, "volume '%s': destination overlaps the workdir '%s'",
		               item, workdir);
	if (workspace != NULL && path_overlaps(dest, workspace))
		return ml_fail(ML_CONFIG, "volume '%s': destination overlaps the workspace '%s'",
		               item, workspace);
	if (path_overlaps(dest, ENGINE_SOCKET_PATH))
		return ml_fail(ML_CONFIG,
		               "volume '%s': destination overlaps the docker socket '%s'", item,
		               ENGINE_SOCKET_PATH);
	return 0;
}

int workspace_check_config(const struct config *c)
{
	const char *workdir = c->workdir;
	const char *ws = c->drone.workspace;
	size_t i;
	int r;

	if (ws != NULL) {
		if (!path_is_clean_absolute(ws))
			return ml_fail(
			    ML_CONFIG,
			    "workspace '%s' (DRONE_WORKSPACE) is not a clean absolute path", ws);
		if (workdir != NULL && path_overlaps(workdir, ws))
			return ml_fail(
			    ML_CONFIG,
			    "workdir '%s' overlaps the workspace '%s': the verified tree "
			    "must stay apart from the build's files",
			    workdir, ws);
	}
	for (i = 0; i < c->volumes.n; i++)
		if ((r = check_volume_place(c->volumes.v[i], workdir, ws)) != 0)
			return r;
	return 0;
}

int workspace_mount_from_inspect(const char *json, size_t len, const char *workspace, char *bind,
                                 size_t bind_len, char *dest, size_t dest_len, char *why,
                                 size_t why_len)
{
	struct self_mount *m;
	int r;

	if ((m = malloc(sizeof(*m))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	if ((r = self_mount_holding(json, len, workspace, m)) != 0) {
		if (r == 1)
			snprintf(why, why_len, "no mount of mainline's container holds '%s'",
			         workspace);
		goto out;
	}
	r = 1;
	if (m->source[0] == '\0' || strchr(m->source, ':') != NULL ||
	    strchr(m->destination, ':') != NULL) {
		snprintf(why, why_len,
		         "the workspace is on a %s mount at '%s', which cannot be shared", m->type,
		         m->destination);
		goto out;
	}
	if ((size_t)snprintf(bind, bind_len, "%s:%s%s", m->source, m->destination,
	                     m->rw ? "" : ":ro") >= bind_len ||
	    (size_t)snprintf(dest, dest_len, "%s", m->destination) >= dest_len) {
		snprintf(why, why_len, "the workspace mount's source is too long");
		goto out;
	}
	r = 0;
out:
	free(m);
	return r;
}

static int plan_upload(struct workspace *out)
{
	struct stat st;

	if (stat(out->path, &st) != 0 || !S_ISDIR(st.st_mode))
		return ml_fail(ML_CONFIG,
		               "cannot share the workspace '%s': %s, and it is no "
		               "directory here to upload",
		               out->path, out->why);
	out->mode = WORKSPACE_UPLOAD;
	return 0;
}

int workspace_plan(struct workspace *out, struct engine *e, const struct self_container *self,
                   const struct config *c)
{
	const char *workdir = c->workdir;
	char dest[4096];
	struct stat st;
	int r;

	memset(out, 0, sizeof(*out));
	if ((out->path = c->drone.workspace) == NULL)
		return 0;
	/* shared or uploaded, it is the directory mainline sees: absent here, absent for both */
	if (stat(out->path, &st) != 0)
		return ml_fail(ML_CONFIG, "cannot share the workspace '%s': %s", out->path,
		               strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return ml_fail(ML_CONFIG, "cannot share the workspace '%s': not a directory",
		               out->path);
	if (e->unix_socket == NULL) {
		snprintf(out->why, sizeof(out->why), "the engine at '%.200s' is remote", e->host);
		return plan_upload(out);
	}
	if (!self->found) {
		snprintf(out->why, sizeof(out->why), "%s", self->why);
		return plan_upload(out);
	}
	r = workspace_mount_from_inspect((const char *)self->inspect.data, self->inspect.len,
	                                 out->path, out->bind, sizeof(out->bind), dest,
	                                 sizeof(dest), out->why, sizeof(out->why));
	if (r == 1)
		return plan_upload(out);
	if (r != 0)
		return r;
	if (workdir != NULL && path_overlaps(workdir, dest))
		return ml_fail(ML_CONFIG,
		               "workdir '%s' lies on the workspace's mount '%s': the verified tree "
		               "must stay apart from the build's files",
		               workdir, dest);
	out->mode = WORKSPACE_MOUNT;
	return 0;
}

/* --- the upload: a directory walk feeding the tar stream ----------------------------------- */

struct dir_walk {
	const char *root;
	tree_entry_fn emit;
	void *emit_ctx;
	char path[WALK_PATH_MAX + 1];
};

static long read_fd(void *ctx, void *dst, size_t cap)
{
	const int *fd = ctx;
	ssize_t n;

	do {
		n = read(*fd, dst, cap);
	} while (n < 0 && errno == EINTR);
	return (long)n;
}

/*
 * Streams the file through read(2): a file another step truncates meanwhile
 * ends the upload with an error instead of faulting a mapping.
 */
static int emit_file(struct dir_walk *w, int dirfd, const char *name)
{
	struct tree_entry te = {.path = w->path};
	struct stat st;
	int fd, r = ML_IO;

	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return ml_fail(ML_IO, "cannot open '%s/%s' to upload it: %s", w->root, w->path,
		               strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = ml_fail(ML_IO, "cannot upload '%s': it changed while being read", w->path);
		goto out;
	}
	te.mode = (st.st_mode & 0111) != 0 ? TREE_MODE_EXEC : TREE_MODE_FILE;
	te.size = (size_t)st.st_size;
	te.read = read_fd;
	te.read_ctx = &fd;
	r = w->emit(w->emit_ctx, &te);
out:
	close(fd);
	return r;
}

static int walk_dir(struct dir_walk *w, int fd, size_t plen, int depth)
{
	struct dirent *de;
	DIR *dir;
	int r = 0;

	if (depth > WALK_DEPTH_MAX)
		return ml_fail(ML_IO, "workspace nests deeper than %d directories at '%s'",
		               WALK_DEPTH_MAX, w->path);
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return ml_fail(ML_IO, "cannot read directory '%s': %s", w->path, strerror(errno));
	}
	while (r == 0 && (errno = 0, de = readdir(dir)) != NULL) {
		const char *name = de->d_name;
		size_t n = strlen(name);
		struct stat st;

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		if (plen + 1 + n > WALK_PATH_MAX) {
			r = ml_fail(ML_IO, "workspace path '%s/%s' is too long", w->path, name);
			break;
		}
		w->path[plen] = '/';
		memcpy(w->path + plen + 1, name, n + 1);
		if (fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			r = ml_fail(ML_IO, "cannot stat '%s': %s", w->path, strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			struct tree_entry te = {.path = w->path, .mode = TREE_MODE_DIR};
			int sub;

			if ((r = w->emit(w->emit_ctx, &te)) != 0)
				break;
			sub = openat(dirfd(dir), name,
			             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0)
				r = ml_fail(ML_IO, "cannot open directory '%s': %s", w->path,
				            strerror(errno));
			else
				r = walk_dir(w, sub, plen + 1 + n, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			r = emit_file(w, dirfd(dir), name);
		} else if (S_ISLNK(st.st_mode)) {
			char target[TAR_SYMLINK_MAX + 1];
			ssize_t tn = readlinkat(dirfd(dir), name, target, sizeof(target));
			struct tree_entry te = {.path = w->path, .mode = TREE_MODE_SYMLINK};

			if (tn <= 0 || (size_t)tn > TAR_SYMLINK_MAX) {
				r = ml_fail(ML_IO, "cannot read symlink '%s'", w->path);
				break;
			}
			te.data = target;
			te.size = (size_t)tn;
			r = w->emit(w->emit_ctx, &te);
		}
		/* sockets, fifos and devices are not part of a workspace worth copying */
		w->path[plen] = '\0';
	}
	if (r == 0 && errno != 0)
		r = ml_fail(ML_IO, "cannot read directory '%s': %s", w->path, strerror(errno));
	closedir(dir);
	return r;
}

static int walk_workspace(void *walk_ctx, tree_entry_fn emit, void *emit_ctx)
{
	struct dir_walk *w = walk_ctx;
	size_t plen;
	char *slash;
	int fd, r;

	w->emit = emit;
	w->emit_ctx = emit_ctx;
	/* the path's own directories first, so the archive extracts at "/" */
	if ((plen = path_trimmed_len(w->root + 1)) > WALK_PATH_MAX)
		return ml_fail(ML_IO, "workspace path '%s' is too long", w->root);
	memcpy(w->path, w->root + 1, plen);
	w->path[plen] = '\0';
	for (slash = w->path;; slash++) {
		struct tree_entry te = {.path = w->path, .mode = TREE_MODE_DIR};

		slash = strchr(slash, '/');
		if (slash != NULL)
			*slash = '\0';
		r = emit(emit_ctx, &te);
		if (slash != NULL)
			*slash = '/';
		if (r != 0)
			return r;
		if (slash == NULL)
			break;
	}
	if ((fd = open(w->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return ml_fail(ML_IO, "cannot open the workspace '%s': %s", w->root,
		               strerror(errno));
	return walk_dir(w, fd, plen, 0);
}

int workspace_upload(const struct workspace *w, struct engine *e, const char *id,
                     volatile sig_atomic_t *cancel)
{
	struct dir_walk *walk;
	struct tar_stream *tar = NULL;
	int r, tr;

	if (w->mode != WORKSPACE_UPLOAD)
		return 0;
	if (strcmp(w->path, "/") == 0)
		return ml_fail(ML_CONFIG, "refusing to upload '/' as the workspace");
	if ((walk = calloc(1, sizeof(*walk))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	walk->root = w->path;
	if ((r = tar_stream_start(&tar, walk_workspace, walk, (int64_t)time(NULL))) != 0)
		goto out;
	r = container_upload(e, id, "/", tar_stream_read, tar, cancel);
	if ((tr = tar_stream_finish(tar)) != 0)
		r = tr;
out:
	free(walk);
	return r;
}
