#include "verify/state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/lock.h"
#include "common/url.h"

#define STATE_FILE_MAX (64u << 20)
#define NO_ANCHOR "-"

struct cache_entry {
	char commit[41];
	char anchor[41]; /* NO_ANCHOR when none */
	unsigned flags;
};

struct state {
	char *dir;
	char floor[41];
	int has_floor;
	char loaded[41]; /* the floor as read from disk ("" for none): who else moved it */
	int dirty;
	char *cache_path;
	struct cache_entry *slots; /* open addressing; commit[0] == '\0' means empty */
	size_t slot_count;
	size_t used;
};

static int is_hex40(const char *s)
{
	return hex_is_lower(s, 40) && (s[40] == '\0' || s[40] == ' ' || s[40] == '\n');
}

static size_t slot_of(const struct state *st, const char *commit, const char *anchor)
{
	uint8_t h[4];
	size_t i;

	/* commit ids are uniformly distributed: their first hex digits make a fine hash */
	(void)hex_decode(commit, h, 4);
	i = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
	i ^= (size_t)(unsigned char)anchor[0] * 31u + (unsigned char)anchor[1];
	return i % st->slot_count;
}

static struct cache_entry *find(const struct state *st, const char *commit, const char *anchor)
{
	size_t i;

	if (st->slot_count == 0)
		return NULL;
	for (i = slot_of(st, commit, anchor);; i = (i + 1) % st->slot_count) {
		struct cache_entry *e = &st->slots[i];

		if (e->commit[0] == '\0')
			return e;
		if (strcmp(e->commit, commit) == 0 && strcmp(e->anchor, anchor) == 0)
			return e;
	}
}

static int grow(struct state *st)
{
	struct cache_entry *old = st->slots;
	size_t old_count = st->slot_count, i;

	st->slot_count = old_count != 0 ? old_count * 2 : 1024;
	if ((st->slots = calloc(st->slot_count, sizeof(*st->slots))) == NULL) {
		st->slots = old;
		st->slot_count = old_count;
		return ml_fail(ML_IO, "out of memory");
	}
	for (i = 0; i < old_count; i++)
		if (old[i].commit[0] != '\0')
			*find(st, old[i].commit, old[i].anchor) = old[i];
	free(old);
	return 0;
}

/* Adds or extends an entry; *changed (may be NULL) tells whether anything was new. */
static int put(struct state *st, const char *commit, const char *anchor, unsigned flags,
               int *changed)
{
	struct cache_entry *e;
	int r;

	if ((st->used + 1) * 2 > st->slot_count && (r = grow(st)) != 0)
		return r;
	e = find(st, commit, anchor);
	if (e->commit[0] == '\0') {
		memcpy(e->commit, commit, 40);
		e->commit[40] = '\0';
		snprintf(e->anchor, sizeof(e->anchor), "%s", anchor);
		st->used++;
	}
	if (changed != NULL && (e->flags | flags) != e->flags)
		*changed = 1;
	e->flags |= flags;
	return 0;
}

static int mkdirs(const char *path)
{
	char tmp[4096];
	size_t i, n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -1;
		tmp[i] = path[i];
	}
	return 0;
}

static int write_atomic(const char *path, const void *data, size_t len)
{
	char tmp[4200];
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return -1;
	ok = (size_t)write(fd, data, len) == len && fsync(fd) == 0;
	if (close(fd) != 0 || !ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int load_cache(struct state *st)
{
	struct buf b;
	char *line, *next;
	size_t lineno = 0;
	int r = ML_IO;

	buf_init(&b, STATE_FILE_MAX);
	if (buf_read_file(&b, st->cache_path) < 0) {
		if (errno == ENOENT) {
			r = 0;
			goto out;
		}
		r = ml_fail(ML_IO, "cannot read verified cache '%s': %s", st->cache_path,
		            strerror(errno));
		goto out;
	}
	for (line = (char *)b.data; line != NULL && *line != '\0'; line = next) {
		char *commit, *anchor, *flags, *end;
		unsigned long f;

		lineno++;
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		commit = line;
		anchor = strchr(commit, ' ');
		flags = anchor != NULL ? strchr(anchor + 1, ' ') : NULL;
		if (anchor == NULL || flags == NULL)
			goto corrupt;
		*anchor++ = '\0';
		*flags++ = '\0';
		f = strtoul(flags, &end, 10);
		if (strlen(commit) != 40 || !is_hex40(commit) ||
		    (strcmp(anchor, NO_ANCHOR) != 0 &&
		     (strlen(anchor) != 40 || !is_hex40(anchor))) ||
		    *end != '\0' || f == 0 || f > (STATE_SIGNATURE | STATE_CHAIN))
			goto corrupt;
		if ((r = put(st, commit, anchor, (unsigned)f, NULL)) != 0)
			goto out;
	}
	r = 0;
	goto out;
corrupt:
	r = ml_fail(ML_MALFORMED_OBJECT, "verified cache '%s' is corrupt at line %zu",
	            st->cache_path, lineno);
out:
	buf_release(&b);
	return r;
}

/* The floor on disk into out (40 hex, or "" when none was saved). 0 or the reason. */
static int read_floor(const struct state *st, char out[41])
{
	char path[4200];
	struct buf b;
	int r = 0;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/floor", st->dir);
	buf_init(&b, 128);
	if (buf_read_file(&b, path) < 0) {
		if (errno != ENOENT)
			r = ml_fail(ML_IO, "cannot read rollback state '%s': %s", path,
			            strerror(errno));
	} else if (b.len != 41 || b.data[40] != '\n' || !is_hex40((const char *)b.data)) {
		r = ml_fail(ML_MALFORMED_OBJECT, "rollback state '%s' is corrupt", path);
	} else {
		memcpy(out, b.data, 40);
		out[40] = '\0';
	}
	buf_release(&b);
	return r;
}

static int load_floor(struct state *st)
{
	int r;

	if ((r = read_floor(st, st->loaded)) != 0)
		return r;
	if (st->loaded[0] != '\0') {
		memcpy(st->floor, st->loaded, sizeof(st->floor));
		st->has_floor = 1;
	}
	return 0;
}

int state_open(struct state **out, const char *dir, const char *source_url, const char *branch,
               const char *roots_digest)
{
	struct state *st = NULL;
	uint8_t digest[32];
	char key[65], path[4200];
	struct buf id;
	int r = ML_IO;

	*out = NULL;
	buf_init(&id, 4 * 8192);
	if (buf_printf(&id, "%s\n%s\n", source_url, branch) < 0 ||
	    crypto_digest(CRYPTO_SHA256, id.data, id.len, digest) < 0) {
		r = ml_fail(ML_IO, "cannot name the state of '%s'", source_url);
		goto out;
	}
	hex_encode(digest, 16, key);
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/state/%s", dir, key);
	if ((st->dir = strdup(path)) == NULL || mkdirs(st->dir) < 0) {
		r = ml_fail(ML_IO, "cannot create state directory '%s': %s", path, strerror(errno));
		goto out;
	}
	/* names the directory for people, with the URL credential-free; written once */
	snprintf(path, sizeof(path), "%s/source", st->dir);
	buf_reset(&id);
	if (url_redact(source_url, &id) < 0 || buf_printf(&id, "\n%s\n", branch) < 0) {
		r = ml_fail(ML_IO, "cannot name the state of '%s'", source_url);
		goto out;
	}
	if (access(path, F_OK) != 0 && write_atomic(path, id.data, id.len) < 0) {
		r = ml_fail(ML_IO, "cannot write '%s': %s", path, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/verified-%.32s", st->dir, roots_digest);
	if ((st->cache_path = strdup(path)) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	if ((r = load_floor(st)) != 0 || (r = load_cache(st)) != 0)
		goto out;
	*out = st;
	st = NULL; /* transferred */
	r = 0;
out:
	buf_release(&id);
	state_free(st);
	return r;
}

const char *state_floor(const struct state *st)
{
	return st->has_floor ? st->floor : NULL;
}

int state_cached(const struct state *st, const char *commit, const char *anchor, unsigned flags)
{
	const struct cache_entry *e = find(st, commit, anchor != NULL ? anchor : NO_ANCHOR);

	return e != NULL && e->commit[0] != '\0' && (e->flags & flags) == flags;
}

int state_remember(struct state *st, const char *commit, const char *anchor, unsigned flags)
{
	/* an unchanged tip changes nothing: no rewrite, no fsync on the warm path */
	return put(st, commit, anchor != NULL ? anchor : NO_ANCHOR, flags, &st->dirty);
}

void state_set_floor(struct state *st, const char *commit)
{
	if (st->has_floor && strcmp(st->floor, commit) == 0)
		return;
	memcpy(st->floor, commit, 40);
	st->floor[40] = '\0';
	st->has_floor = 1;
	st->dirty = 1;
}

/*
 * The floor another run saved since state_open (disk, 40 hex) against ours:
 * the one further along the first-parent line stays. Ours when it descends
 * from theirs, theirs when we kept the floor we read or theirs descends from
 * ours; when neither line holds the other (or that cannot be told), the
 * branch was rewritten between the two verifications: ML_ROLLBACK, as the
 * later of two runs one after the other would have been refused.
 */
static int merge_floor(struct state *st, const char *disk, state_descends_fn descends, void *ctx)
{
	if (strcmp(disk, st->loaded) == 0 || (st->has_floor && strcmp(st->floor, disk) == 0))
		return 0;
	if (!st->has_floor || strcmp(st->floor, st->loaded) == 0 ||
	    (descends != NULL && descends(ctx, disk, st->floor) == 1)) {
		memcpy(st->floor, disk, sizeof(st->floor));
		st->has_floor = 1;
		return 0;
	}
	if (descends != NULL && descends(ctx, st->floor, disk) == 1)
		return 0;
	return ml_fail(ML_ROLLBACK,
	               "the branch moved while this run verified it: '%s', verified meanwhile "
	               "by another run, and '%s' do not lie on one first-parent line",
	               disk, st->floor);
}

int state_save(struct state *st, state_descends_fn descends, void *ctx)
{
	char path[4200], disk[41];
	struct buf b;
	size_t i;
	int r = 0, lock;

	if (!st->dirty)
		return 0;
	snprintf(path, sizeof(path), "%s/lock", st->dir);
	if ((lock = lock_exclusive(path, "state")) < 0)
		return ML_IO;
	/* a read-modify-write: what other runs saved since state_open stays */
	if ((r = load_cache(st)) != 0 || (r = read_floor(st, disk)) != 0 ||
	    (disk[0] != '\0' && (r = merge_floor(st, disk, descends, ctx)) != 0)) {
		close(lock);
		return r;
	}
	buf_init(&b, STATE_FILE_MAX);
	for (i = 0; i < st->slot_count; i++) {
		const struct cache_entry *e = &st->slots[i];

		if (e->commit[0] != '\0' &&
		    buf_printf(&b, "%s %s %u\n", e->commit, e->anchor, e->flags) < 0) {
			r = ml_fail(ML_IO, "verified cache '%s' is too large", st->cache_path);
			goto out;
		}
	}
	if (write_atomic(st->cache_path, b.data != NULL ? (const void *)b.data : "", b.len) < 0) {
		r = ml_fail(ML_IO, "cannot write '%s': %s", st->cache_path, strerror(errno));
		goto out;
	}
	if (st->has_floor) {
		char line[42];

		snprintf(path, sizeof(path), "%s/floor", st->dir);
		snprintf(line, sizeof(line), "%s\n", st->floor);
		if (write_atomic(path, line, 41) < 0) {
			r = ml_fail(ML_IO, "cannot write '%s': %s", path, strerror(errno));
			goto out;
		}
		memcpy(st->loaded, st->floor, sizeof(st->loaded));
	}
	st->dirty = 0;
out:
	close(lock); /* releases the lock */
	buf_release(&b);
	return r;
}

void state_free(struct state *st)
{
	if (st == NULL)
		return;
	free(st->dir);
	free(st->cache_path);
	free(st->slots);
	free(st);
}
