/* Local sources seeded with their packs: see source_seed.h. */
#include "verify/source_seed.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/encoding.h"
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

/*
 * Copies from_dir/name to to_dir/tmp (created 0444), hashing all but its
 * last 20 bytes into digest; head gets its first 8 bytes, tail its last 40.
 * 0, or -1 with the copy removed.
 */
static int copy_hashed(int from_dir, const char *name, int to_dir, const char *tmp,
                       uint8_t digest[20], uint8_t head[8], uint8_t tail[40])
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

		if (n <= 0 || write(out, chunk, (size_t)n) != n)
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

/*
 * Copies pack-<hex>.pack and its index from from_dir into to_dir, unless
 * to_dir has that index already. A pack whose content does not hash to its
 * trailer and its name, or whose index does not hash to its own trailer or
 * names another pack, is not copied. Best effort: nothing to report.
 */
static void seed_pack(int from_dir, int to_dir, const char *hex)
{
	static const uint8_t idx_magic[8] = {0xff, 't', 'O', 'c', 0, 0, 0, 2};
	char pack[64], idx[64], tmp_pack[64], tmp_idx[64];
	uint8_t name[20], digest[20], head[8], pack_tail[40], idx_tail[40];
	struct stat st;

	snprintf(pack, sizeof(pack), "pack-%s.pack", hex);
	snprintf(idx, sizeof(idx), "pack-%s.idx", hex);
	snprintf(tmp_pack, sizeof(tmp_pack), SEED_PREFIX "%s.pack", hex);
	snprintf(tmp_idx, sizeof(tmp_idx), SEED_PREFIX "%s.idx", hex);
	if (fstatat(to_dir, idx, &st, AT_SYMLINK_NOFOLLOW) == 0 || hex_decode(hex, name, 20) < 0)
		return;
	if (copy_hashed(from_dir, pack, to_dir, tmp_pack, digest, head, pack_tail) < 0)
		return;
	/* "PACK", version 2 or 3; the trailer is the SHA-1 of the rest, and the name */
	if (memcmp(head, "PACK\0\0\0", 7) != 0 || (head[7] != 2 && head[7] != 3) ||
	    memcmp(digest, pack_tail + 20, 20) != 0 || memcmp(name, digest, 20) != 0 ||
	    copy_hashed(from_dir, idx, to_dir, tmp_idx, digest, head, idx_tail) < 0)
		goto fail;
	/* index version 2; its trailer the SHA-1 of the rest, after the pack's checksum */
	if (memcmp(head, idx_magic, 8) != 0 || memcmp(digest, idx_tail + 20, 20) != 0 ||
	    memcmp(idx_tail, name, 20) != 0)
		goto fail;
	/* the pack first: an index names a pack that is there (as libgit2's indexer does) */
	if (renameat(to_dir, tmp_pack, to_dir, pack) == 0 &&
	    renameat(to_dir, tmp_idx, to_dir, idx) == 0)
		return;
	(void)unlinkat(to_dir, pack, 0);
fail:
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

void source_seed_local(const char *url, const char *git_dir)
{
	char path[MAX_PATH_LEN], dir[MAX_PATH_LEN + 64], hex[41];
	git_repository *repo = NULL;
	int from = -1, to = -1;
	struct dirent *e;
	struct stat st;
	DIR *d = NULL;

	if (source_local_path(url, path, sizeof(path)) < 0 || has_pack_index(git_dir) ||
	    git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		goto out;
	snprintf(dir, sizeof(dir), "%sobjects/info/alternates", git_repository_commondir(repo));
	if (lstat(dir, &st) == 0 || errno != ENOENT)
		goto out;
	snprintf(dir, sizeof(dir), "%sobjects/pack", git_repository_commondir(repo));
	if ((from = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto out;
	snprintf(dir, sizeof(dir), "%s/objects/pack", git_dir);
	if ((to = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 ||
	    (d = fdopendir(from)) == NULL)
		goto out;
	from = -1; /* closed with d */
	while ((e = readdir(d)) != NULL) {
		if (!is_pack_name(e->d_name))
			continue;
		memcpy(hex, e->d_name + 5, 40);
		hex[40] = '\0';
		seed_pack(dirfd(d), to, hex);
	}
out:
	if (d != NULL)
		closedir(d);
	if (from >= 0)
		close(from);
	if (to >= 0)
		close(to);
	git_repository_free(repo);
	git_error_clear();
}
