/* The whole-cache record: see whole_record.h. */
#include "verify/whole_record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "verify/object.h"

#define WHOLE_FILE "whole"
#define WHOLE_MAGIC "mainline-whole 1"
#define STAMP_MAX_DEPTH 64
#define MAX_PATH_LEN 4096

void whole_record_free(struct whole_record *w)
{
	if (w == NULL)
		return;
	buf_release(&w->raw);
	free(w);
}

static int stamp_dir(struct crypto_hash_ctx *h, int dir_fd, const char *rel, int depth)
{
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd, r = 0;

	if (depth > STAMP_MAX_DEPTH)
		return -1;
	if ((fd = openat(dir_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while (r == 0 && (e = readdir(d)) != NULL) {
		char line[NAME_MAX + 160];
		int n;

		/* FETCH_HEAD: rewritten (empty) by every fetch, and never read */
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    (depth == 0 && strcmp(e->d_name, "FETCH_HEAD") == 0))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = -1;
			break;
		}
		n = snprintf(line, sizeof(line), "%d %s %o %llu %lld %lld.%09ld %lld.%09ld\n",
		             depth, e->d_name, (unsigned)st.st_mode, (unsigned long long)st.st_ino,
		             (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		             st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
		if (n < 0 || (size_t)n >= sizeof(line) ||
		    crypto_hash_update(h, line, (size_t)n) < 0)
			r = -1;
		else if (S_ISDIR(st.st_mode))
			r = stamp_dir(h, dirfd(d), e->d_name, depth + 1);
	}
	closedir(d);
	return r;
}

/* The stamp of the repository's files, as 64 hex digits. 0 or -1. */
static int storage_stamp(const char *git_dir, char out[65])
{
	struct crypto_hash_ctx *h = crypto_hash_new(CRYPTO_SHA256);
	uint8_t raw[32];
	int r = -1;

	if (h != NULL && stamp_dir(h, AT_FDCWD, git_dir, 0) == 0 &&
	    crypto_hash_final(h, raw) == 0) {
		hex_encode(raw, sizeof(raw), out);
		r = 0;
	}
	crypto_hash_free(h);
	return r;
}

/* Whether raw is the commit object named hex (its SHA-1, as git computes it). */
static int is_commit_object(const char *hex, const uint8_t *raw, size_t len)
{
	uint8_t want[20];

	return hex_decode(hex, want, sizeof(want)) == 0 && object_sha1_is("commit", raw, len, want);
}

int whole_record_parse(const uint8_t *data, size_t len, struct whole_record *out)
{
	const char *line = (const char *)data, *p;
	unsigned long n;
	size_t head, digits;
	const uint8_t *nl;

	memset(out, 0, sizeof(*out));
	/* "mainline-whole 1 <stamp> <tree> <commit> <len>\n" and the commit object */
	if ((nl = memchr(data, '\n', len < 256 ? len : 256)) == NULL)
		return -1;
	head = (size_t)(nl - data) + 1;
	p = line + sizeof(WHOLE_MAGIC);
	if (head < sizeof(WHOLE_MAGIC) + 64 + 1 + 40 + 1 + 40 + 2 + 1 ||
	    memcmp(line, WHOLE_MAGIC " ", sizeof(WHOLE_MAGIC)) != 0 || !hex_is_lower(p, 64) ||
	    p[64] != ' ' || !hex_is_lower(p + 65, 40) || p[105] != ' ' ||
	    !hex_is_lower(p + 106, 40) || p[146] != ' ')
		return -1;
	memcpy(out->stamp, p, 64);
	memcpy(out->tree, p + 65, 40);
	memcpy(out->commit, p + 106, 40);
	p += 147;
	/* the length in decimal, as written: digits only, no leading zero */
	for (n = 0, digits = 0; p + digits < (const char *)nl; digits++) {
		if (p[digits] < '0' || p[digits] > '9' || digits >= 8 ||
		    (digits > 0 && p[0] == '0'))
			return -1;
		n = n * 10 + (unsigned long)(p[digits] - '0');
	}
	if (digits == 0 || n > WHOLE_COMMIT_MAX || n != len - head ||
	    !is_commit_object(out->commit, data + head, n))
		return -1;
	buf_init(&out->raw, WHOLE_COMMIT_MAX);
	if (buf_append(&out->raw, data + head, n) < 0) {
		buf_release(&out->raw);
		return -1;
	}
	return 0;
}

struct whole_record *whole_record_load(const char *dir, const char *git_dir)
{
	struct whole_record *w = calloc(1, sizeof(*w));
	char path[MAX_PATH_LEN], now[65];
	struct buf b;
	int ok = 0;

	buf_init(&b, WHOLE_COMMIT_MAX + 256);
	snprintf(path, sizeof(path), "%s/" WHOLE_FILE, dir);
	if (w != NULL && buf_read_file(&b, path) == 0 &&
	    whole_record_parse(b.data, b.len, w) == 0) {
		ok = storage_stamp(git_dir, now) == 0 && strcmp(now, w->stamp) == 0;
		if (!ok)
			buf_release(&w->raw);
	}
	buf_release(&b);
	if (!ok) {
		free(w);
		return NULL;
	}
	return w;
}

int whole_record_save(const char *dir, const char *git_dir, const char *commit_hex,
                      const char *tree_hex, const uint8_t *raw, size_t len)
{
	char path[MAX_PATH_LEN], tmp[MAX_PATH_LEN + 32], stamp[65];
	struct buf b;
	int fd, ok = 0;

	buf_init(&b, WHOLE_COMMIT_MAX + 256);
	if (len > WHOLE_COMMIT_MAX || storage_stamp(git_dir, stamp) < 0 ||
	    buf_printf(&b, WHOLE_MAGIC " %s %s %s %zu\n", stamp, tree_hex, commit_hex, len) < 0 ||
	    buf_append(&b, raw, len) < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/" WHOLE_FILE, dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		goto out;
	ok = (size_t)write(fd, b.data, b.len) == b.len;
	if (close(fd) != 0 || !ok || rename(tmp, path) != 0) {
		(void)unlink(tmp);
		ok = 0;
	}
out:
	buf_release(&b);
	return ok ? 0 : -1;
}

void whole_record_remove(const char *dir)
{
	char path[MAX_PATH_LEN];

	snprintf(path, sizeof(path), "%s/" WHOLE_FILE, dir);
	(void)unlink(path);
}
