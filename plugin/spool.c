#include "plugin/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/lock.h"

/* Replaces the spool by data (or removes it when empty), atomically. */
static int rewrite_spool(const char *spool, const uint8_t *data, size_t len)
{
	char tmp[4096];
	ssize_t n;
	int fd, r = ML_IO;

	if (len == 0) {
		if (unlink(spool) < 0 && errno != ENOENT)
			return ml_fail(ML_IO, "cannot remove spool '%s': %s", spool,
			               strerror(errno));
		return 0;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", spool) >= sizeof(tmp))
		return ml_fail(ML_IO, "spool path '%s' is too long", spool);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return ml_fail(ML_IO, "cannot write spool '%s': %s", tmp, strerror(errno));
	n = write(fd, data, len);
	if (n < 0 || (size_t)n != len || fsync(fd) < 0) {
		r = ml_fail(ML_IO, "cannot write spool '%s': %s", tmp,
		            n < 0 ? strerror(errno) : "short write");
		close(fd);
		unlink(tmp);
		return r;
	}
	close(fd);
	if (rename(tmp, spool) < 0) {
		r = ml_fail(ML_IO, "cannot replace spool '%s': %s", spool, strerror(errno));
		unlink(tmp);
		return r;
	}
	return 0;
}

/* Holds the spool lock; -1 with the message set on failure. */
static int lock_spool(const char *spool)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s.lock", spool) >= sizeof(path)) {
		ml_fail(ML_IO, "spool path '%s' is too long", spool);
		return -1;
	}
	return lock_exclusive(path, "spool");
}

/* The directory of the spool into dir; whether it exists. */
static int spool_dir(const char *spool, char dir[4096])
{
	struct stat st;
	char *slash;

	snprintf(dir, 4096, "%s", spool);
	if ((slash = strrchr(dir, '/')) == NULL)
		snprintf(dir, 4096, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return stat(dir, &st) == 0 || errno != ENOENT;
}

int spool_dir_exists(const char *path)
{
	char dir[4096];

	return spool_dir(path, dir);
}

int spool_check(const char *path, const char *what)
{
	char lock[4096], dir[4096];
	struct stat st;
	int fd;

	if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", path) >= sizeof(lock))
		return ml_fail(ML_IO, "spool path '%s' is too long", path);
	if (!spool_dir(path, dir))
		return 0;
	if (access(dir, W_OK | X_OK) < 0)
		return ml_fail(ML_IO, "cannot write the %s's spool in '%s': %s", what, dir,
		               strerror(errno));
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600)) < 0)
		return ml_fail(ML_IO, "cannot open spool lock '%s': %s", lock, strerror(errno));
	close(fd);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
		if (errno == ENOENT)
			return 0;
		return ml_fail(ML_IO, "cannot read spool '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ml_fail(ML_IO, "spool '%s' is not a regular file", path);
	}
	close(fd);
	return 0;
}

int spool_send(const char *path, const char *what, const char *record, size_t len, const char *id,
               spool_deliver_fn deliver, void *ctx, struct spool_stats *stats)
{
	struct spool_stats st = {0, 0};
	struct buf spool, rest;
	size_t off = 0;
	int lock = -1, blocked = 0, r = ML_IO;

	buf_init(&spool, SPOOL_MAX);
	buf_init(&rest, SPOOL_MAX);
	if ((lock = lock_spool(path)) < 0) {
		r = ML_IO;
		goto out;
	}
	if (buf_read_file(&spool, path) < 0 && errno != ENOENT) {
		r = ml_fail(ML_IO, "cannot read spool '%s': %s", path, strerror(errno));
		goto out;
	}
	/* spooled records first, in order; stop at the first that fails */
	while (off < spool.len) {
		const char *line = (const char *)spool.data + off;
		const char *eol = memchr(line, '\n', spool.len - off);
		size_t n = eol != NULL ? (size_t)(eol - line) : spool.len - off;

		if (n > 0 && deliver(ctx, line, n) != 0) {
			blocked = 1;
			break;
		}
		st.delivered += n > 0;
		off += n + (eol != NULL);
		/* keep the spool current so a crash re-sends as little as possible */
		if ((r = rewrite_spool(path, spool.data + off, spool.len - off)) != 0)
			goto out;
	}
	if (off < spool.len && buf_append(&rest, spool.data + off, spool.len - off) < 0) {
		r = ml_fail(ML_IO, "spool '%s' is too large", path);
		goto out;
	}
	if (!blocked && deliver(ctx, record, len) == 0) {
		st.delivered++;
	} else if (buf_append(&rest, record, len) < 0 || buf_append(&rest, "\n", 1) < 0) {
		r = ml_fail(ML_IO, "the %s's spool '%s' is full: audit record %s is lost", what,
		            path, id);
		goto out;
	}
	if (rest.len != spool.len - off || blocked) {
		if ((r = rewrite_spool(path, rest.data, rest.len)) != 0)
			goto out;
	}
	for (off = 0; off < rest.len; off++)
		st.spooled += rest.data[off] == '\n';
	r = 0;
out:
	if (lock >= 0)
		close(lock);
	if (stats != NULL)
		*stats = st;
	buf_release(&spool);
	buf_release(&rest);
	return r;
}
