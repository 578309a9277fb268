/* Local sources seeded with their packs: see source_seed.h. */
#include "verify/source_seed.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/pool.h"
#include "common/url.h"

#define SEED_CHUNK (256u * 1024)
#define MAX_PATH_LEN 4096

int source_local_path(const char *url, char *out, size_t len)
{
	struct url_info info;
	const char *why, *p = url;

	if (url_check(url, &info, &why) < 0)
		return -1;
	if (info.form == URL_FULL) {
		if (strncmp(url, "file:///", 8) != 0 || strpbrk(url, "%?#") != NULL)
			return -1;
		p = url + 7;
	} else if (info.form != URL_PATH) {
		return -1;
	}
	return (size_t)snprintf(out, len, "%s", p) < len ? 0 : -1;
}

/* When a copy gives up: on cancel, or past the deadline (a clock_monotonic_ms() time; 0: none). */
struct seed_stop {
	const volatile sig_atomic_t *cancel;
	int64_t deadline_ms;
};

static int stopped(const struct seed_stop *stop)
{
	return stop != NULL &&
	       ((stop->cancel != NULL && *stop->cancel) ||
	        (stop->deadline_ms != 0 && clock_monotonic_ms() >= stop->deadline_ms));
}

/*
 * Copies from_dir/name to to_dir/tmp (created 0444), hashing all but its
 * last 20 bytes into digest; head gets its first 8 bytes, tail its last 40.
 * 0, or -1 with the copy removed.
 */
static int copy_hashed(int from_dir, const char *name, int to_dir, const char *tmp,
                       const struct seed_stop *stop, uint8_t digest[20], uint8_t head[8],
                       uint8_t tail[40])
{
	struct crypto_hash_ctx *h = crypto_hash_new(CRYPTO_SHA1);
	uint8_t *chunk = malloc(SEED_CHUNK);
	int in = -1, out = -1, r = -1;
	off_t done = 0, limit;
	struct stat st;

	if (h == NULL || chunk == NULL ||
	    (in = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    fstat(in, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 48 ||
	    (out = openat(to_dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	                  0444)) < 0)
		goto out;
	limit = st.st_size - 20;
	while (done < st.st_size) {
		off_t want = st.st_size - done;
		ssize_t n = read(in, chunk, want < (off_t)SEED_CHUNK ? (size_t)want : SEED_CHUNK);

		if (n <= 0 || write(out, chunk, (size_t)n) != n || stopped(stop))
			goto out;
		if (done < limit &&
		    crypto_hash_update(h, chunk,
		                       limit - done < n ? (size_t)(limit - done) : (size_t)n) < 0)
			goto out;
		done += n;
	}
	if (crypto_hash_final(h, digest) < 0 || pread(in, head, 8, 0) != 8 ||
	    pread(in, tail, 40, st.st_size - 40) != 40)
		goto out;
	r = 0;
out:
	free(chunk);
	crypto_hash_free(h);
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0)
		r = -1;
	if (r != 0 && out >= 0)
		(void)unlinkat(to_dir, tmp, 0);
	return r;
}

/* The temporary names of pack hex's copies. */
static void seed_names(const char *hex, char tmp_pack[64], char tmp_idx[64])
{
	snprintf(tmp_pack, 64, SEED_PREFIX "%s.pack", hex);
	snprintf(tmp_idx, 64, SEED_PREFIX "%s.idx", hex);
}

/*
 * Copies pack-<hex>.pack and its index from from_dir into to_dir under their
 * temporary names, unless to_dir has that index already. A pack whose
 * content does not hash to its trailer and its name, or whose index does not
 * hash to its own trailer or names another pack, is not copied. 0 when both
 * copies are there and checked, else -1 with nothing left.
 */
static int copy_pack(int from_dir, int to_dir, const char *hex, const struct seed_stop *stop)
{
	static const uint8_t idx_magic[8] = {0xff, 't', 'O', 'c', 0, 0, 0, 2};
	char pack[64], idx[64], tmp_pack[64], tmp_idx[64];
	uint8_t name[20], digest[20], head[8], pack_tail[40], idx_tail[40];
	struct stat st;

	snprintf(pack, sizeof(pack), "pack-%s.pack", hex);
	snprintf(idx, sizeof(idx), "pack-%s.idx", hex);
	seed_names(hex, tmp_pack, tmp_idx);
	if (fstatat(to_dir, idx, &st, AT_SYMLINK_NOFOLLOW) == 0 || hex_decode(hex, name, 20) < 0)
		return -1;
	if (copy_hashed(from_dir, pack, to_dir, tmp_pack, stop, digest, head, pack_tail) < 0)
		return -1;
	/* "PACK", version 2 or 3; the trailer is the SHA-1 of the rest, and the name */
	if (memcmp(head, "PACK\0\0\0", 7) != 0 || (head[7] != 2 && head[7] != 3) ||
	    memcmp(digest, pack_tail + 20, 20) != 0 || memcmp(name, digest, 20) != 0 ||
	    copy_hashed(from_dir, idx, to_dir, tmp_idx, stop, digest, head, idx_tail) < 0)
		goto fail;
	/* index version 2; its trailer the SHA-1 of the rest, after the pack's checksum */
	if (memcmp(head, idx_magic, 8) != 0 || memcmp(digest, idx_tail + 20, 20) != 0 ||
	    memcmp(idx_tail, name, 20) != 0)
		goto fail;
	return 0;
fail:
	(void)unlinkat(to_dir, tmp_pack, 0);
	(void)unlinkat(to_dir, tmp_idx, 0);
	return -1;
}

/*
 * Puts the checked copies of pack hex (copy_pack) in place, or (keep 0)
 * removes them.
 */
static void install_pack(int to_dir, const char *hex, int keep)
{
	char pack[64], idx[64], tmp_pack[64], tmp_idx[64];

	snprintf(pack, sizeof(pack), "pack-%s.pack", hex);
	snprintf(idx, sizeof(idx), "pack-%s.idx", hex);
	seed_names(hex, tmp_pack, tmp_idx);
	/* the pack first: an index names a pack that is there (as libgit2's indexer does) */
	if (keep && renameat(to_dir, tmp_pack, to_dir, pack) == 0) {
		if (renameat(to_dir, tmp_idx, to_dir, idx) == 0)
			return;
		(void)unlinkat(to_dir, pack, 0);
	}
	(void)unlinkat(to_dir, tmp_pack, 0);
	(void)unlinkat(to_dir, tmp_idx, 0);
}

static int is_pack_name(const char *name)
{
	return strncmp(name, "pack-", 5) == 0 && hex_is_lower(name + 5, 40) &&
	       strcmp(name + 45, ".pack") == 0;
}

/* Whether the cache holds a pack already (then libgit2 sends only what is new). */
static int has_pack_index(const char *git_dir)
{
	char dir[MAX_PATH_LEN + 16];
	struct dirent *e;
	int found = 0;
	size_t n;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/objects/pack", git_dir);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!found && (e = readdir(d)) != NULL)
		found = (n = strlen(e->d_name)) > 4 && strcmp(e->d_name + n - 4, ".idx") == 0;
	closedir(d);
	return found;
}

/*
 * The objects/pack directory libgit2 reads in the local source at path (in
 * dir), unless the source borrows objects (alternates) or libgit2 cannot
 * open it. 0 or -1.
 */
static int source_pack_dir(const char *path, char *dir, size_t len)
{
	git_repository *repo = NULL;
	struct stat st;
	int r = -1;

	if (git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		goto out;
	snprintf(dir, len, "%sobjects/info/alternates", git_repository_commondir(repo));
	if (lstat(dir, &st) == 0 || errno != ENOENT)
		goto out;
	if ((size_t)snprintf(dir, len, "%sobjects/pack", git_repository_commondir(repo)) < len)
		r = 0;
out:
	git_repository_free(repo);
	git_error_clear();
	return r;
}

/* Calls fn(ctx, hex) for each pack-<hex>.pack in the directory from (which it closes). */
static void each_pack(int from, void (*fn)(void *ctx, int from, const char *hex), void *ctx)
{
	struct dirent *e;
	char hex[41];
	DIR *d;

	if ((d = fdopendir(from)) == NULL) {
		close(from);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (!is_pack_name(e->d_name))
			continue;
		memcpy(hex, e->d_name + 5, 40);
		hex[40] = '\0';
		fn(ctx, dirfd(d), hex);
	}
	closedir(d);
}

static void seed_now(void *ctx, int from, const char *hex)
{
	int to = *(int *)ctx;

	if (copy_pack(from, to, hex, NULL) == 0)
		install_pack(to, hex, 1);
}

void source_seed_local(const char *url, const char *git_dir)
{
	char path[MAX_PATH_LEN], dir[MAX_PATH_LEN + 64];
	int from, to;

	if (source_local_path(url, path, sizeof(path)) < 0 || has_pack_index(git_dir) ||
	    source_pack_dir(path, dir, sizeof(dir)) < 0 ||
	    (from = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	snprintf(dir, sizeof(dir), "%s/objects/pack", git_dir);
	if ((to = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		close(from);
		return;
	}
	each_pack(from, seed_now, &to);
	close(to);
}

/* ---- a seed on a thread of its own, while the caller starts libgit2 ---- */

struct source_seed {
	pthread_t thread;
	char path[MAX_PATH_LEN]; /* the source */
	struct stat from_st;     /* its objects/pack, found by the layout (source_seed_begin) */
	int from, to;            /* that directory and the cache's, open */
	struct seed_stop stop;
	char (*copied)[41]; /* the packs copied and checked, under their temporary names */
	size_t count, cap;
};

static void seed_later(void *ctx, int from, const char *hex)
{
	struct source_seed *s = ctx;
	char(*more)[41];

	if (s->count == s->cap) {
		if ((more = realloc(s->copied, (s->cap * 2 + 4) * sizeof(*more))) == NULL)
			return;
		s->copied = more;
		s->cap = s->cap * 2 + 4;
	}
	if (copy_pack(from, s->to, hex, &s->stop) == 0)
		memcpy(s->copied[s->count++], hex, 41);
}

static void *seed_thread(void *arg)
{
	struct source_seed *s = arg;

	each_pack(s->from, seed_later, s);
	s->from = -1; /* closed by each_pack */
	return NULL;
}

/* dir/name, made 0777 (less the umask) as libgit2 makes a repository's directories. 0 or -1. */
static int make_subdir(char *dir, size_t len, const char *name)
{
	size_t n = strlen(dir);

	if (n + strlen(name) + 2 > len)
		return -1;
	snprintf(dir + n, len - n, "/%s", name);
	return mkdir(dir, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

struct source_seed *source_seed_begin(const char *url, const char *git_dir,
                                      const volatile sig_atomic_t *cancel, int64_t deadline_ms)
{
	char dir[MAX_PATH_LEN + 64];
	struct source_seed *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->from = s->to = -1;
	s->stop.cancel = cancel;
	s->stop.deadline_ms = deadline_ms;
	/* a bare repository's objects, else a work tree's .git/objects; anything else waits */
	if (source_local_path(url, s->path, sizeof(s->path)) < 0 ||
	    (size_t)snprintf(dir, sizeof(dir), "%s/objects/pack", s->path) >= sizeof(dir) ||
	    ((s->from = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 &&
	     ((size_t)snprintf(dir, sizeof(dir), "%s/.git/objects/pack", s->path) >= sizeof(dir) ||
	      (s->from = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)) ||
	    fstat(s->from, &s->from_st) < 0)
		goto fail;
	snprintf(dir, sizeof(dir), "%s", git_dir);
	if ((mkdir(dir, 0777) < 0 && errno != EEXIST) ||
	    make_subdir(dir, sizeof(dir), "objects") < 0 ||
	    make_subdir(dir, sizeof(dir), "pack") < 0 ||
	    (s->to = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		goto fail;
	if (pool_thread_start(&s->thread, seed_thread, s) == 0)
		return s;
fail:
	if (s->from >= 0)
		close(s->from);
	if (s->to >= 0)
		close(s->to);
	free(s);
	return NULL;
}

int source_seed_end(struct source_seed *s, int keep)
{
	char dir[MAX_PATH_LEN + 64];
	struct stat st;
	size_t i;

	if (s == NULL)
		return 0;
	pthread_join(s->thread, NULL);
	/* what libgit2 reads as the source's objects must be the directory copied from */
	keep = keep && source_pack_dir(s->path, dir, sizeof(dir)) == 0 && stat(dir, &st) == 0 &&
	       st.st_dev == s->from_st.st_dev && st.st_ino == s->from_st.st_ino;
	for (i = 0; i < s->count; i++)
		install_pack(s->to, s->copied[i], keep);
	close(s->to);
	free(s->copied);
	free(s);
	return keep;
}
