#include "docker/tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/dynlib.h"
#include "common/error.h"

#define TAR_CHUNK (64u * 1024)

int tar_path_ok(const char *path)
{
	const char *p = path, *end;
	size_t n;

	if (path == NULL || *path == '\0' || *path == '/')
		return 0;
	for (;;) {
		end = strchr(p, '/');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (end == NULL)
			return 1;
		p = end + 1;
	}
}

struct writer {
	int fd;
	struct archive *a;
	int64_t mtime;
	int io_failed;
	uint8_t chunk[TAR_CHUNK]; /* content read through tree_entry.read */
};

static la_ssize_t on_archive_write(struct archive *a, void *ctx, const void *data, size_t len)
{
	struct writer *w = ctx;
	const uint8_t *p = data;
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = send(w->fd, p + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(w->fd, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->io_failed = 1;
			return -1;
		}
		off += (size_t)n;
	}
	return (la_ssize_t)len;
}

static int archive_failed(struct writer *w, const char *path)
{
	if (w->io_failed)
		return ml_fail(ML_IO, "cannot send the tree archive: upload stopped at '%s'", path);
	return ml_fail(ML_IO, "cannot archive '%s': %s", path, archive_error_string(w->a));
}

static int emit_entry(void *ctx, const struct tree_entry *e)
{
	struct writer *w = ctx;
	struct archive_entry *ae = NULL;
	char target[TAR_SYMLINK_MAX + 1];
	const uint8_t *data = e->data;
	size_t off, n;
	int r = ML_MALFORMED_OBJECT;

	if (!tar_path_ok(e->path)) {
		r = ml_fail(ML_MALFORMED_OBJECT, "refusing to archive path '%s'",
		            e->path != NULL ? e->path : "");
		goto out;
	}
	if ((ae = archive_entry_new()) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	archive_entry_set_pathname(ae, e->path);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	archive_entry_set_uname(ae, "root");
	archive_entry_set_gname(ae, "root");
	archive_entry_set_mtime(ae, (time_t)w->mtime, 0);
	switch (e->mode) {
	case TREE_MODE_DIR:
		archive_entry_set_filetype(ae, AE_IFDIR);
		archive_entry_set_perm(ae, 0755);
		break;
	case TREE_MODE_FILE:
	case TREE_MODE_EXEC:
		if (e->size > 0 && e->data == NULL && e->read == NULL) {
			r = ml_fail(ML_MALFORMED_OBJECT, "file '%s' has no content", e->path);
			goto out;
		}
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, e->mode == TREE_MODE_EXEC ? 0755 : 0644);
		archive_entry_set_size(ae, (la_int64_t)e->size);
		break;
	case TREE_MODE_SYMLINK:
		if (e->data == NULL || e->size == 0 || e->size > TAR_SYMLINK_MAX ||
		    memchr(e->data, '\0', e->size) != NULL) {
			r = ml_fail(ML_MALFORMED_OBJECT, "invalid symlink target of '%s'", e->path);
			goto out;
		}
		memcpy(target, e->data, e->size);
		target[e->size] = '\0';
		archive_entry_set_filetype(ae, AE_IFLNK);
		archive_entry_set_perm(ae, 0777);
		archive_entry_set_symlink(ae, target);
		break;
	default:
		r = ml_fail(ML_MALFORMED_OBJECT, "unsupported mode %o of '%s'", e->mode, e->path);
		goto out;
	}
	if (archive_write_header(w->a, ae) != ARCHIVE_OK) {
		r = archive_failed(w, e->path);
		goto out;
	}
	if (archive_entry_filetype(ae) == AE_IFREG) {
		for (off = 0; off < e->size; off += n) {
			const uint8_t *chunk = data + off;

			n = e->size - off < TAR_CHUNK ? e->size - off : TAR_CHUNK;
			if (data == NULL) {
				/* the header promised size bytes: a file that shrank is an error */
				long got = e->read(e->read_ctx, w->chunk, n);

				if (got <= 0) {
					r = ml_fail(ML_IO, "'%s' %s while being uploaded", e->path,
					            got == 0 ? "shrank" : "could not be read");
					goto out;
				}
				n = (size_t)got;
				chunk = w->chunk;
			}
			if (archive_write_data(w->a, chunk, n) != (la_ssize_t)n) {
				r = archive_failed(w, e->path);
				goto out;
			}
		}
	}
	r = 0;
out:
	archive_entry_free(ae);
	return r;
}

static int write_tree(int fd, tree_walk_fn walk, void *walk_ctx, int64_t mtime, int *io_failed)
{
	struct writer w = {.fd = fd, .mtime = mtime != 0 ? mtime : TAR_DEFAULT_MTIME};
	int r = ML_IO;

	*io_failed = 0;
	if (dynlib_need(&dynlib_libarchive) != 0)
		return ML_LIBRARY_UNAVAILABLE;
	if ((w.a = archive_write_new()) == NULL)
		return ml_fail(ML_IO, "out of memory");
	if (archive_write_set_format_pax_restricted(w.a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(w.a, 1) != ARCHIVE_OK ||
	    archive_write_open2(w.a, &w, NULL, on_archive_write, NULL, NULL) != ARCHIVE_OK) {
		r = ml_fail(ML_IO, "cannot start the tree archive: %s", archive_error_string(w.a));
		goto out;
	}
	if ((r = walk(walk_ctx, emit_entry, &w)) != 0) {
		if (ml_error_reason() == ML_OK)
			ml_fail(r, "cannot walk the tree to upload");
		goto out;
	}
	if (archive_write_close(w.a) != ARCHIVE_OK) {
		r = archive_failed(&w, "end of archive");
		goto out;
	}
	r = 0;
out:
	archive_write_free(w.a);
	*io_failed = w.io_failed;
	return r;
}

int tar_write_tree(int fd, tree_walk_fn walk, void *walk_ctx, int64_t mtime)
{
	int io_failed;

	return write_tree(fd, walk, walk_ctx, mtime, &io_failed);
}

struct tar_stream {
	int fds[2]; /* [0] read by the upload, [1] written by the producer */
	tree_walk_fn walk;
	void *walk_ctx;
	int64_t mtime;
	pthread_t thread;
	int joined;
	int result;
	int reader_gone; /* the producer failed only because nobody read any more */
	enum ml_reason reason;
	char message[512];
};

static void *produce(void *arg)
{
	struct tar_stream *t = arg;

	t->result = write_tree(t->fds[1], t->walk, t->walk_ctx, t->mtime, &t->reader_gone);
	if (t->result != 0) {
		t->reason = ml_error_reason();
		snprintf(t->message, sizeof(t->message), "%s", ml_error_message());
	}
	close(t->fds[1]);
	t->fds[1] = -1;
	return NULL;
}

int tar_stream_start(struct tar_stream **out, tree_walk_fn walk, void *walk_ctx, int64_t mtime)
{
	struct tar_stream *t;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	t->walk = walk;
	t->walk_ctx = walk_ctx;
	t->mtime = mtime;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, t->fds) < 0) {
		free(t);
		return ml_fail(ML_IO, "cannot create the archive channel: %s", strerror(errno));
	}
	if (pthread_create(&t->thread, NULL, produce, t) != 0) {
		close(t->fds[0]);
		close(t->fds[1]);
		free(t);
		return ml_fail(ML_IO, "cannot start the archive producer");
	}
	*out = t;
	return 0;
}

static void join_producer(struct tar_stream *t)
{
	if (t->joined)
		return;
	/* a producer blocked on a full channel gets EPIPE once the reader closes */
	shutdown(t->fds[0], SHUT_RDWR);
	pthread_join(t->thread, NULL);
	t->joined = 1;
}

long tar_stream_read(void *ctx, uint8_t *dst, size_t cap)
{
	struct tar_stream *t = ctx;
	ssize_t n;

	if (t->joined)
		return t->result == 0 ? 0 : -1;
	do
		n = recv(t->fds[0], dst, cap, 0);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		return (long)n;
	join_producer(t);
	return n == 0 && t->result == 0 ? 0 : -1;
}

int tar_stream_finish(struct tar_stream *t)
{
	int r;

	if (t == NULL)
		return 0;
	join_producer(t);
	close(t->fds[0]);
	r = t->reader_gone ? 0 : t->result;
	if (r != 0)
		ml_fail_override(t->reason != ML_OK ? t->reason : (enum ml_reason)r, "%s",
		                 t->message);
	free(t);
	return r;
}
