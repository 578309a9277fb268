#include "verify/state.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#include "common/pg.h"
#include "common/pool.h"
#include "common/url.h"

#define STATE_FILE_MAX (64u << 20)
#define NO_ANCHOR "-"
/* The newest entries of the shared verified cache a run reads (older ones only cost work). */
#define SHARED_CACHE_ROWS "4096"

struct cache_entry {
	char commit[41];
	char anchor[41]; /* NO_ANCHOR when none */
	unsigned flags;
	unsigned shared;     /* the flags the shared state is known to hold */
	unsigned remembered; /* the flags this run verified (state_remember) */
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
	char roots[65];
	char *branch;
	/* the shared state (state_share); db is borrowed */
	char *recovery; /* state_recovery() */
	struct pg *db;
	char *shared_source;       /* the source as the database keys it: credential-free */
	char shared_loaded[41];    /* the shared floor as read ("" for none) */
	struct side_write *naming; /* the source file, being written (state_open), or NULL */
	int naming_err;            /* its write's errno once joined (state_wait), or 0 */
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

/*
 * Doubles the table until `more` entries fit beside those it holds (at most
 * half full). Zeroed with memset rather than calloc, whose fresh pages the
 * kernel would fault in one by one as the entries land. 0 or -1 (memory).
 */
static int grow(struct state *st, size_t more)
{
	struct cache_entry *old = st->slots;
	size_t old_count = st->slot_count, count = old_count != 0 ? old_count : 1024, i;

	if (more > SIZE_MAX / 2 - st->used)
		return -1;
	while ((st->used + more) * 2 > count) {
		if (count > SIZE_MAX / 2 / sizeof(*st->slots))
			return -1;
		count *= 2;
	}
	if (count == old_count)
		return 0;
	if ((st->slots = malloc(count * sizeof(*st->slots))) == NULL) {
		st->slots = old;
		return -1;
	}
	memset(st->slots, 0, count * sizeof(*st->slots));
	st->slot_count = count;
	for (i = 0; i < old_count; i++)
		if (old[i].commit[0] != '\0')
			*find(st, old[i].commit, old[i].anchor) = old[i];
	free(old);
	return 0;
}

/*
 * Adds or extends an entry and returns it in *out (may be NULL); *changed (may
 * be NULL) tells whether anything was new.
 */
static int put(struct state *st, const char *commit, const char *anchor, unsigned flags,
               int *changed, struct cache_entry **out)
{
	struct cache_entry *e;

	if ((st->used + 1) * 2 > st->slot_count && grow(st, 1) != 0)
		return ml_fail(ML_IO, "out of memory");
	e = find(st, commit, anchor);
	if (e->commit[0] == '\0') {
		size_t n = strnlen(anchor, sizeof(e->anchor) - 1);

		memcpy(e->commit, commit, 40);
		e->commit[40] = '\0';
		memcpy(e->anchor, anchor, n);
		e->anchor[n] = '\0';
		st->used++;
	}
	if (changed != NULL && (e->flags | flags) != e->flags)
		*changed = 1;
	e->flags |= flags;
	if (out != NULL)
		*out = e;
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

/*
 * path's content in tmp (path.tmp.<pid>.<n>: each write its own, as two
 * states of one process may write the same file at once), on disk (fsync):
 * 0, or -1 with errno (tmp removed).
 */
static int write_tmp(const char *path, const void *data, size_t len, char tmp[4200])
{
	static unsigned writes;
	int fd, ok, err;

	snprintf(tmp, 4200, "%s.tmp.%ld.%u", path, (long)getpid(),
	         __atomic_add_fetch(&writes, 1, __ATOMIC_RELAXED));
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return -1;
	ok = (size_t)write(fd, data, len) == len && fsync(fd) == 0;
	err = errno;
	if (close(fd) != 0 || !ok) {
		err = ok ? errno : err;
		unlink(tmp);
		errno = err;
		return -1;
	}
	return 0;
}

/* tmp renamed over path: 0, or -1 with errno (tmp removed). */
static int move_into_place(const char *tmp, const char *path)
{
	int err;

	if (rename(tmp, path) == 0)
		return 0;
	err = errno;
	unlink(tmp);
	errno = err;
	return -1;
}

/*
 * A file written on a thread of its own (write_tmp, and with rename also
 * move_into_place), so that the disk's flush, a millisecond or more, overlaps
 * what the caller does meanwhile: the state's files are written before a
 * chain's walk (the source file of a new state directory) and after its last
 * signature, when nothing else runs. Without a thread it is written at once.
 */
struct side_write {
	pthread_t thread;
	int started; /* a thread writes it: side_write_join before the result */
	int rename, r, err;
	char path[4200], tmp[4200];
	struct buf data;
};

static void *side_write_run(void *arg)
{
	struct side_write *w = arg;

	w->r = write_tmp(w->path, w->data.data != NULL ? (const void *)w->data.data : "",
	                 w->data.len, w->tmp);
	if (w->r == 0 && w->rename)
		w->r = move_into_place(w->tmp, w->path);
	w->err = w->r != 0 ? errno : 0;
	return NULL;
}

/* Starts writing (a copy of) data to path. NULL when memory is short. */
static struct side_write *side_write_start(const char *path, const void *data, size_t len,
                                           int rename)
{
	struct side_write *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	snprintf(w->path, sizeof(w->path), "%s", path);
	w->rename = rename;
	buf_init(&w->data, len);
	if (buf_append(&w->data, data, len) < 0) {
		buf_release(&w->data);
		free(w);
		return NULL;
	}
	w->started = pool_thread_start(&w->thread, side_write_run, w) == 0;
	if (!w->started)
		side_write_run(w);
	return w;
}

/*
 * Waits for the write and frees w: 0, or -1 with errno as the write left it.
 * tmp (may be NULL) gets the temporary file's name. NULL is 0.
 */
static int side_write_join(struct side_write *w, char tmp[4200])
{
	int r, err;

	if (w == NULL)
		return 0;
	if (w->started)
		pthread_join(w->thread, NULL);
	if (tmp != NULL)
		memcpy(tmp, w->tmp, sizeof(w->tmp));
	r = w->r;
	err = w->err;
	buf_release(&w->data);
	free(w);
	errno = err;
	return r;
}

int state_parse_cache(const char *text, size_t len, state_entry_fn each, void *ctx,
                      size_t *bad_line)
{
	size_t pos = 0, lineno = 0;

	while (pos < len) {
		const char *line = text + pos, *end = memchr(line, '\n', len - pos);
		char commit[41], anchor[41];
		size_t n, anchor_len;
		int r;

		lineno++;
		*bad_line = lineno;
		/* "<40 hex> <40 hex or -> <1, 2 or 3>\n": 44 or 83 bytes with the newline */
		if (end == NULL)
			return ML_MALFORMED_OBJECT;
		n = (size_t)(end - line);
		anchor_len = n == 44 ? 1 : n == 83 ? 40 : 0;
		if (anchor_len == 0 || !hex_is_lower(line, 40) || line[40] != ' ' ||
		    line[41 + anchor_len] != ' ' || line[n - 1] < '1' || line[n - 1] > '3')
			return ML_MALFORMED_OBJECT;
		memcpy(commit, line, 40);
		commit[40] = '\0';
		memcpy(anchor, line + 41, anchor_len);
		anchor[anchor_len] = '\0';
		if (anchor_len == 1 ? strcmp(anchor, NO_ANCHOR) != 0 : !hex_is_lower(anchor, 40))
			return ML_MALFORMED_OBJECT;
		if ((r = each(ctx, commit, anchor, (unsigned)(line[n - 1] - '0'))) != 0)
			return r;
		pos += n + 1;
	}
	*bad_line = 0;
	return 0;
}

static int load_entry(void *ctx, const char *commit, const char *anchor, unsigned flags)
{
	return put(ctx, commit, anchor, flags, NULL, NULL);
}

/* The cache file into st's entries; *bad_line is the corrupt line (ML_MALFORMED_OBJECT). */
static int load_cache(struct state *st, size_t *bad_line)
{
	struct buf b;
	int r = 0;

	buf_init(&b, STATE_FILE_MAX);
	if (buf_read_file(&b, st->cache_path) < 0) {
		if (errno != ENOENT)
			r = ml_fail(ML_IO, "cannot read verified cache '%s': %s", st->cache_path,
			            strerror(errno));
	} else if ((r = state_parse_cache((const char *)b.data, b.len, load_entry, st, bad_line)) ==
	           ML_MALFORMED_OBJECT) {
		r = ml_fail(ML_MALFORMED_OBJECT, "verified cache '%s' is corrupt at line %zu",
		            st->cache_path, *bad_line);
	}
	buf_release(&b);
	return r;
}

static int rename_corrupt(const char *path)
{
	char aside[4200];

	snprintf(aside, sizeof(aside), "%s.corrupt", path);
	return rename(path, aside);
}

/*
 * The cache as state_open reads it. A corrupt one only costs verifications
 * (the floor, which guards against rollback, is never moved aside): it is moved
 * aside as <file>.corrupt (the newest kept for inspection) and the run starts
 * with an empty cache; state_recovery says so.
 */
static int open_cache(struct state *st)
{
	struct buf why;
	size_t bad_line = 0;
	int r;

	if ((r = load_cache(st, &bad_line)) != ML_MALFORMED_OBJECT)
		return r;
	/* ENOENT: another run moved it aside first */
	if (rename_corrupt(st->cache_path) != 0 && errno != ENOENT)
		return ml_fail_override(ML_IO,
		                        "verified cache '%s' is corrupt at line %zu and cannot be "
		                        "moved aside: %s",
		                        st->cache_path, bad_line, strerror(errno));
	ml_error_clear();
	if (st->slots != NULL)
		memset(st->slots, 0, st->slot_count * sizeof(*st->slots));
	st->used = 0;
	buf_init(&why, 8192);
	if (buf_printf(&why,
	               "verified cache '%s' was corrupt at line %zu: moved aside to '%s.corrupt', "
	               "verifying afresh",
	               st->cache_path, bad_line, st->cache_path) < 0 ||
	    (st->recovery = strdup((const char *)why.data)) == NULL)
		r = ml_fail(ML_IO, "out of memory");
	else
		r = 0;
	buf_release(&why);
	return r;
}

const char *state_recovery(const struct state *st)
{
	return st->recovery;
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
	/* on its own thread, while the run goes on; how it went is told by state_save */
	if (access(path, F_OK) != 0 &&
	    (st->naming = side_write_start(path, id.data, id.len, 1)) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/verified-%.32s", st->dir, roots_digest);
	snprintf(st->roots, sizeof(st->roots), "%s", roots_digest);
	if ((st->cache_path = strdup(path)) == NULL || (st->branch = strdup(branch)) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	if ((r = load_floor(st)) != 0 || (r = open_cache(st)) != 0)
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
	struct cache_entry *e;
	int r;

	/* an unchanged tip changes nothing: no rewrite, no fsync on the warm path */
	if ((r = put(st, commit, anchor != NULL ? anchor : NO_ANCHOR, flags, &st->dirty, &e)) == 0)
		e->remembered |= flags;
	return r;
}

void state_reserve(struct state *st, size_t n)
{
	(void)grow(st, n); /* what does not fit now grows, or fails, in state_remember */
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
 * The floor another run saved since it was read (`other`, 40 hex; `loaded` is
 * what this run read, "" for none) against ours: the one further along the
 * first-parent line stays. Ours when it descends from theirs, theirs when we
 * kept the floor we read or theirs descends from ours; when neither line
 * holds the other (or that cannot be told), the branch was rewritten between
 * the two verifications: ML_ROLLBACK, as the later of two runs one after the
 * other would have been refused. `who` names the other run in the message.
 */
static int merge_floor(struct state *st, const char *loaded, const char *other,
                       state_descends_fn descends, void *ctx, const char *who)
{
	if (strcmp(other, loaded) == 0 || (st->has_floor && strcmp(st->floor, other) == 0))
		return 0;
	if (!st->has_floor || strcmp(st->floor, loaded) == 0 ||
	    (descends != NULL && descends(ctx, other, st->floor) == 1)) {
		memcpy(st->floor, other, sizeof(st->floor));
		st->has_floor = 1;
		return 0;
	}
	if (descends != NULL && descends(ctx, st->floor, other) == 1)
		return 0;
	return ml_fail(ML_ROLLBACK,
	               "the branch moved while this run verified it: '%s', verified meanwhile "
	               "by %s, and '%s' do not lie on one first-parent line",
	               other, who, st->floor);
}

/* The cache entries as three array literals (anchors, commits, flags) for unnest(), sorted by the database. */
static int pending_arrays(const struct state *st, struct buf *anchors, struct buf *commits,
                          struct buf *flags, size_t *count)
{
	size_t i;

	*count = 0;
	if (buf_append_str(anchors, "{") < 0 || buf_append_str(commits, "{") < 0 ||
	    buf_append_str(flags, "{") < 0)
		return -1;
	for (i = 0; i < st->slot_count; i++) {
		const struct cache_entry *e = &st->slots[i];
		const char *sep = *count > 0 ? "," : "";

		if (e->commit[0] == '\0' || (e->remembered & ~e->shared) == 0)
			continue;
		if (buf_printf(anchors, "%s%s", sep, e->anchor) < 0 ||
		    buf_printf(commits, "%s%s", sep, e->commit) < 0 ||
		    buf_printf(flags, "%s%u", sep, e->flags) < 0)
			return -1;
		(*count)++;
	}
	return buf_append_str(anchors, "}") < 0 || buf_append_str(commits, "}") < 0 ||
	               buf_append_str(flags, "}") < 0
	           ? -1
	           : 0;
}

/* Whether s is a commit id as the state keeps them (40 lower-case hex digits). */
static int is_commit_id(const char *s)
{
	return s != NULL && strlen(s) == 40 && hex_is_lower(s, 40);
}

/* The shared floor into out ("" when none), locking its row with FOR UPDATE when lock. */
static int read_shared_floor(struct state *st, int lock, char out[41])
{
	const char *params[2] = {st->shared_source, st->branch}, *v;
	struct pg_result *res = NULL;
	int r;

	out[0] = '\0';
	if ((r = pg_exec(st->db, &res,
	                 lock ? "SELECT commit FROM mainline.floor WHERE source = $1 AND branch = "
	                        "$2 FOR UPDATE"
	                      : "SELECT commit FROM mainline.floor WHERE source = $1 AND branch = "
	                        "$2",
	                 2, params)) != 0)
		return ml_fail_override(r, "cannot read the rollback floor: %s",
		                        ml_error_message());
	if (pg_rows(res) == 1) {
		v = pg_value(res, 0, 0);
		if (!is_commit_id(v)) {
			pg_result_free(res);
			return ml_fail(
			    ML_MALFORMED_OBJECT,
			    "the rollback floor of '%s' in the shared state '%s' is corrupt",
			    st->shared_source, pg_shown(st->db));
		}
		memcpy(out, v, 41);
	}
	pg_result_free(res);
	return 0;
}

/* The newest shared cache entries of the run's trust roots and anchors, joined to the table. */
static int read_shared_cache(struct state *st, const char *anchor_list)
{
	const char *params[2] = {st->roots, anchor_list};
	struct pg_result *res = NULL;
	struct cache_entry *e;
	size_t i;
	int r;

	if ((r = pg_exec(
	         st->db, &res,
	         "SELECT commit, anchor, flags FROM mainline.verified WHERE roots = $1 AND "
	         "anchor = ANY($2::text[]) ORDER BY verified_at DESC LIMIT " SHARED_CACHE_ROWS,
	         2, params)) != 0)
		return ml_fail_override(r, "cannot read the verified cache: %s",
		                        ml_error_message());
	for (i = 0; i < pg_rows(res); i++) {
		const char *commit = pg_value(res, i, 0), *anchor = pg_value(res, i, 1);
		const char *flags = pg_value(res, i, 2);
		long f = flags != NULL ? strtol(flags, NULL, 10) : 0;

		if (!is_commit_id(commit) || anchor == NULL ||
		    (strcmp(anchor, NO_ANCHOR) != 0 && !is_commit_id(anchor)) || f < 1 ||
		    f > (STATE_SIGNATURE | STATE_CHAIN)) {
			r = ml_fail(
			    ML_MALFORMED_OBJECT,
			    "the verified cache in the shared state '%s' is corrupt (row %zu)",
			    pg_shown(st->db), i + 1);
			goto out;
		}
		if ((r = put(st, commit, anchor, (unsigned)f, NULL, &e)) != 0)
			goto out;
		e->shared |= (unsigned)f;
	}
	r = 0;
out:
	pg_result_free(res);
	return r;
}

/*
 * The floor of this cache and the shared one, read at the start: the later of
 * the two, when they lie on one first-parent line, is the floor this run
 * verifies against (the earlier one is on the line below it).
 */
static int join_floor(struct state *st, const char *shared, state_descends_fn descends, void *ctx)
{
	if (shared[0] == '\0' || (st->has_floor && strcmp(st->floor, shared) == 0))
		return 0;
	if (!st->has_floor || descends(ctx, shared, st->floor) == 1) {
		state_set_floor(st, shared);
		return 0;
	}
	if (descends(ctx, st->floor, shared) == 1)
		return 0;
	return ml_fail(ML_ROLLBACK,
	               "the rollback floor of this cache, '%s', and the shared floor '%s', "
	               "verified by another runner, do not lie on one first-parent line",
	               st->floor, shared);
}

int state_share(struct state *st, struct pg *db, const char *source_url, const char *anchor,
                const char *extra_anchor, state_descends_fn descends, void *ctx)
{
	struct buf shown, anchors;
	int r;

	buf_init(&shown, 4 * 8192);
	buf_init(&anchors, 256);
	st->db = db;
	if (url_redact(source_url, &shown) < 0 ||
	    (st->shared_source = buf_detach(&shown, NULL)) == NULL ||
	    buf_printf(&anchors, "{%s", is_commit_id(anchor) ? anchor : NO_ANCHOR) < 0 ||
	    (is_commit_id(extra_anchor) && buf_printf(&anchors, ",%s", extra_anchor) < 0) ||
	    buf_append_str(&anchors, "}") < 0) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	if ((r = read_shared_floor(st, 0, st->shared_loaded)) != 0 ||
	    (r = read_shared_cache(st, buf_cstr(&anchors))) != 0)
		goto out;
	r = join_floor(st, st->shared_loaded, descends, ctx);
out:
	buf_release(&shown);
	buf_release(&anchors);
	return r;
}

/*
 * The shared half of state_save, in one transaction: the floor's row locked
 * (made when there is none yet), merged with ours as the file is (the lock is
 * held for that comparison only), then the entries this run verified that the
 * shared cache did not hold.
 */
static int save_shared(struct state *st, state_descends_fn descends, void *ctx)
{
	const char *params[4];
	struct buf anchors, commits, flags;
	char current[41];
	struct pg_result *res = NULL;
	size_t count = 0;
	int r, inserted = 0;

	buf_init(&anchors, STATE_FILE_MAX);
	buf_init(&commits, STATE_FILE_MAX);
	buf_init(&flags, STATE_FILE_MAX);
	if (pending_arrays(st, &anchors, &commits, &flags, &count) < 0) {
		r = ml_fail(ML_IO, "the verified cache is too large for the shared state");
		goto out;
	}
	if (count == 0 && (!st->has_floor || strcmp(st->floor, st->shared_loaded) == 0)) {
		r = 0;
		goto out;
	}
	if ((r = pg_exec(st->db, NULL, "BEGIN", 0, NULL)) != 0 ||
	    (r = read_shared_floor(st, 1, current)) != 0)
		goto rollback;
	if (current[0] == '\0' && st->has_floor) {
		params[0] = st->shared_source;
		params[1] = st->branch;
		params[2] = st->floor;
		if ((r = pg_exec(
		         st->db, &res,
		         "INSERT INTO mainline.floor (source, branch, commit) VALUES ($1, $2, "
		         "$3) ON CONFLICT (source, branch) DO NOTHING",
		         3, params)) != 0)
			goto rollback;
		inserted = pg_changed(res) == 1;
		pg_result_free(res);
		res = NULL;
		/* another runner made the row first: lock and merge with what it holds */
		if (!inserted && (r = read_shared_floor(st, 1, current)) != 0)
			goto rollback;
	}
	if (current[0] != '\0' &&
	    (r = merge_floor(st, st->shared_loaded, current, descends, ctx, "another runner")) != 0)
		goto rollback;
	if (!inserted && st->has_floor && strcmp(st->floor, current) != 0) {
		params[0] = st->shared_source;
		params[1] = st->branch;
		params[2] = st->floor;
		if ((r = pg_exec(
		         st->db, NULL,
		         "UPDATE mainline.floor SET commit = $3, updated_at = now() WHERE source "
		         "= $1 AND branch = $2",
		         3, params)) != 0)
			goto rollback;
	}
	if (count > 0) {
		params[0] = st->roots;
		params[1] = buf_cstr(&anchors);
		params[2] = buf_cstr(&commits);
		params[3] = buf_cstr(&flags);
		/* in one order, so that two runs inserting the same rows cannot deadlock */
		if ((r = pg_exec(
		         st->db, NULL,
		         "INSERT INTO mainline.verified (roots, anchor, commit, flags) SELECT $1, "
		         "a, c, f FROM unnest($2::text[], $3::text[], $4::integer[]) AS t(a, c, "
		         "f) ORDER BY a, c ON CONFLICT (roots, anchor, commit) DO UPDATE SET flags "
		         "= mainline.verified.flags | EXCLUDED.flags, verified_at = now()",
		         4, params)) != 0)
			goto rollback;
	}
	if ((r = pg_exec(st->db, NULL, "COMMIT", 0, NULL)) != 0)
		goto rollback;
	snprintf(st->shared_loaded, sizeof(st->shared_loaded), "%s",
	         st->has_floor ? st->floor : "");
	r = 0;
	goto out;
rollback:
	if (r != ML_ROLLBACK)
		ml_fail_override(r, "cannot save the rollback state: %s", ml_error_message());
	(void)pg_exec(st->db, NULL, "ROLLBACK", 0, NULL);
out:
	pg_result_free(res);
	buf_release(&anchors);
	buf_release(&commits);
	buf_release(&flags);
	return r;
}

/*
 * The entry's line of the verified cache, "<commit> <anchor> <flags>\n", as
 * printf's "%s %s %u\n" writes it: a chain's thousand lines are written
 * after its last signature, while nothing else runs.
 */
static int append_line(struct buf *b, const struct cache_entry *e)
{
	char line[sizeof(e->commit) + sizeof(e->anchor) + 16], digits[16];
	size_t n = strlen(e->commit), a = strlen(e->anchor), d = 0;
	unsigned v = e->flags;

	do {
		digits[d++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	memcpy(line, e->commit, n);
	line[n++] = ' ';
	memcpy(line + n, e->anchor, a);
	n += a;
	line[n++] = ' ';
	while (d > 0)
		line[n++] = digits[--d];
	line[n++] = '\n';
	return buf_append(b, line, n);
}

void state_wait(struct state *st)
{
	if (st == NULL || st->naming == NULL)
		return;
	if (side_write_join(st->naming, NULL) < 0)
		st->naming_err = errno != 0 ? errno : EIO;
	st->naming = NULL;
}

int state_save(struct state *st, state_descends_fn descends, void *ctx)
{
	char path[4200], disk[41], line[42], cache_tmp[4200], floor_tmp[4200];
	struct side_write *cache;
	struct buf b;
	size_t i, bad_line;
	int r = 0, lock, floor_r, floor_err;

	/* the source file state_open started, as state_open would have told it */
	state_wait(st);
	if (st->naming_err != 0) {
		snprintf(path, sizeof(path), "%s/source", st->dir);
		return ml_fail(ML_IO, "cannot write '%s': %s", path, strerror(st->naming_err));
	}
	/* the shared state first: a floor it refuses is not written here either */
	if (st->db != NULL && (r = save_shared(st, descends, ctx)) != 0)
		return r;
	if (!st->dirty)
		return 0;
	snprintf(path, sizeof(path), "%s/lock", st->dir);
	if ((lock = lock_exclusive(path, "state")) < 0)
		return ML_IO;
	/* a read-modify-write: what other runs saved since state_open stays */
	if ((r = load_cache(st, &bad_line)) != 0 || (r = read_floor(st, disk)) != 0 ||
	    (disk[0] != '\0' &&
	     (r = merge_floor(st, st->loaded, disk, descends, ctx, "another run")) != 0)) {
		close(lock);
		return r;
	}
	buf_init(&b, STATE_FILE_MAX);
	for (i = 0; i < st->slot_count; i++) {
		const struct cache_entry *e = &st->slots[i];

		if (e->commit[0] != '\0' && append_line(&b, e) < 0) {
			r = ml_fail(ML_IO, "verified cache '%s' is too large", st->cache_path);
			goto out;
		}
	}
	/*
	 * Both files reach the disk at once (the cache on a thread of its own), then
	 * take their places in the order they always did: the cache, then the floor.
	 */
	if ((cache = side_write_start(st->cache_path, b.data, b.len, 0)) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/floor", st->dir);
	snprintf(line, sizeof(line), "%s\n", st->floor);
	floor_r = st->has_floor ? write_tmp(path, line, 41, floor_tmp) : 0;
	floor_err = errno;
	if (side_write_join(cache, cache_tmp) < 0 ||
	    move_into_place(cache_tmp, st->cache_path) < 0) {
		r = ml_fail(ML_IO, "cannot write '%s': %s", st->cache_path, strerror(errno));
		if (st->has_floor && floor_r == 0)
			unlink(floor_tmp);
		goto out;
	}
	if (st->has_floor) {
		if (floor_r == 0 && move_into_place(floor_tmp, path) < 0) {
			floor_r = -1;
			floor_err = errno;
		}
		if (floor_r != 0) {
			r = ml_fail(ML_IO, "cannot write '%s': %s", path, strerror(floor_err));
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
	state_wait(st); /* a run that saved nothing names its state too */
	free(st->dir);
	free(st->cache_path);
	free(st->branch);
	free(st->shared_source);
	free(st->recovery);
	free(st->slots);
	free(st);
}
