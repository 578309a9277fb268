#include "plugin/audit_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/json.h"

#define SIG_PREFIX ",\"sig\":\""
#define SIG_B64_LEN 88 /* base64 of 64 bytes */
#define SIG_SUFFIX_LEN (sizeof(SIG_PREFIX) - 1 + SIG_B64_LEN + 2)
#define PEM_MAX (64 * 1024)

/* PEM text as given, or the content of the file it names. 0 or -1. */
static int load_pem(const char *arg, struct buf *out)
{
	if (strstr(arg, "-----BEGIN ") != NULL)
		return buf_append_str(out, arg);
	return buf_read_file(out, arg);
}

/* Exactly n lower-case hex digits. */
static int is_lower_hex(const char *s, size_t n)
{
	return hex_is_lower(s, n) && s[n] == '\0';
}

int audit_line_parse(const char *line, size_t len, struct audit_line *out)
{
	const cJSON *item, *other;
	struct buf t, sig;
	cJSON *root = NULL;
	const char *prev, *schema;
	size_t i;
	int r = ML_MALFORMED_OBJECT;

	buf_init(&t, AUDIT_LOG_LINE_MAX);
	buf_init(&sig, 64);
	memset(out, 0, sizeof(*out));
	if (len > AUDIT_LOG_LINE_MAX) {
		r = ml_fail(ML_MALFORMED_OBJECT, "line is longer than %u bytes",
		            AUDIT_LOG_LINE_MAX);
		goto out;
	}
	/* compact JSON has no raw control bytes; this also keeps NUL out */
	for (i = 0; i < len; i++) {
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f) {
			r = ml_fail(ML_MALFORMED_OBJECT, "control character at byte %zu", i + 1);
			goto out;
		}
	}
	out->signed_len = len > 0 ? len - 1 : 0;
	if (len > SIG_SUFFIX_LEN && memcmp(line + len - 2, "\"}", 2) == 0 &&
	    memcmp(line + len - SIG_SUFFIX_LEN, SIG_PREFIX, sizeof(SIG_PREFIX) - 1) == 0) {
		if (base64_decode(line + len - 2 - SIG_B64_LEN, SIG_B64_LEN, &sig) < 0 ||
		    sig.len != sizeof(out->sig)) {
			r = ml_fail(ML_MALFORMED_OBJECT,
			            "\"sig\" is not a base64 Ed25519 signature");
			goto out;
		}
		memcpy(out->sig, sig.data, sizeof(out->sig));
		out->has_sig = 1;
		out->signed_len = len - SIG_SUFFIX_LEN;
	}
	if (len == 0 || line[len - 1] != '}' || buf_append(&t, line, out->signed_len) < 0 ||
	    buf_append(&t, "}", 1) < 0 ||
	    (root = json_parse((const char *)t.data, t.len, AUDIT_LOG_LINE_MAX)) == NULL ||
	    !cJSON_IsObject(root)) {
		r = ml_fail(ML_MALFORMED_OBJECT, "not a JSON object");
		goto out;
	}
	for (item = root->child; item != NULL; item = item->next) {
		for (other = item->next; other != NULL; other = other->next) {
			if (strcmp(item->string, other->string) == 0) {
				r = ml_fail(ML_MALFORMED_OBJECT, "duplicate field '%.64s'",
				            item->string);
				goto out;
			}
		}
		if (strcmp(item->string, "sig") == 0) {
			r = ml_fail(ML_MALFORMED_OBJECT, "\"sig\" is not the last field");
			goto out;
		}
		if (item->next == NULL && strcmp(item->string, "prev") != 0) {
			r = ml_fail(ML_MALFORMED_OBJECT, "\"prev\" is not the last signed field");
			goto out;
		}
	}
	if ((schema = json_string(root, "schema")) == NULL || strcmp(schema, AUDIT_SCHEMA) != 0) {
		r = ml_fail(ML_MALFORMED_OBJECT, "schema is not '%s'", AUDIT_SCHEMA);
		goto out;
	}
	if ((prev = json_string(root, "prev")) == NULL || strlen(prev) != 64 ||
	    !is_lower_hex(prev, 64) || hex_decode(prev, out->prev, sizeof(out->prev)) < 0) {
		r = ml_fail(ML_MALFORMED_OBJECT, "\"prev\" is not a lower-case sha256 hex digest");
		goto out;
	}
	r = 0;
out:
	cJSON_Delete(root);
	buf_release(&t);
	buf_release(&sig);
	return r;
}

int audit_chain_line(const char *record, size_t len, const uint8_t prev[32],
                     const struct crypto_signing_key *key, struct buf *line)
{
	struct buf t;
	char prev_hex[65];
	uint8_t sig[64];
	int r = ML_IO;

	/* T is the record with "prev" added as its last field, as cJSON would print it */
	buf_init(&t, AUDIT_LOG_LINE_MAX);
	hex_encode(prev, 32, prev_hex);
	if (len < 2 || record[0] != '{' || record[len - 1] != '}') {
		r = ml_fail(ML_MALFORMED_OBJECT, "an audit record is not a JSON object");
		goto out;
	}
	if (buf_append(&t, record, len - 1) < 0 ||
	    buf_printf(&t, ",\"prev\":\"%s\"}", prev_hex) < 0)
		goto too_long;
	if (key == NULL) {
		if (buf_append(line, t.data, t.len) < 0 || buf_append(line, "\n", 1) < 0)
			goto too_long;
	} else {
		if (crypto_sign_ed25519(key, t.data, t.len, sig) < 0) {
			r = ml_fail(ML_IO, "cannot sign the audit record");
			goto out;
		}
		if (buf_append(line, t.data, t.len - 1) < 0 ||
		    buf_append_str(line, SIG_PREFIX) < 0 ||
		    base64_encode(sig, sizeof(sig), line) < 0 || buf_append(line, "\"}\n", 3) < 0)
			goto too_long;
	}
	r = 0;
	goto out;
too_long:
	r = ml_fail(ML_IO, "audit record is larger than %u bytes", AUDIT_LOG_LINE_MAX);
out:
	buf_release(&t);
	return r;
}

/* Renders the line (with newline) for rec after a line hashing to prev. */
static int render_line(const struct audit_record *rec, const uint8_t prev[32],
                       const struct crypto_signing_key *key, struct buf *line)
{
	struct buf record;
	int r;

	buf_init(&record, AUDIT_LINE_MAX);
	if ((r = audit_record_json(rec, &record)) == 0)
		r = audit_chain_line((const char *)record.data, record.len, prev, key, line);
	buf_release(&record);
	return r;
}

int audit_chain_next(struct audit_chain *v, const char *line, size_t len)
{
	struct audit_line parsed;
	struct buf t;
	int r;

	v->lineno++;
	ml_error_clear();
	if (audit_line_parse(line, len, &parsed) != 0)
		return ml_fail_override(ML_MALFORMED_OBJECT, "line %zu: %s", v->lineno,
		                        ml_error_message());
	if (memcmp(parsed.prev, v->prev, sizeof(v->prev)) != 0) {
		if (v->lineno == 1)
			return ml_fail(
			    ML_MALFORMED_OBJECT, "line 1: hash chain broken (prev is not %s)",
			    v->continued ? "the hash given with --after" : "the genesis value");
		return ml_fail(ML_MALFORMED_OBJECT,
		               "line %zu: hash chain broken (prev does not match line %zu)",
		               v->lineno, v->lineno - 1);
	}
	if (v->unsigned_only && parsed.has_sig)
		return ml_fail(ML_CONFIG,
		               "line %zu: signed, but audit_key is not given (a from_secret value "
		               "that Drone withheld arrives empty)",
		               v->lineno);
	if (v->pub != NULL) {
		if (!parsed.has_sig)
			return ml_fail(ML_BAD_SIGNATURE, "line %zu: signature missing", v->lineno);
		buf_init(&t, AUDIT_LOG_LINE_MAX);
		r = buf_append(&t, line, parsed.signed_len) == 0 && buf_append(&t, "}", 1) == 0 &&
		    crypto_verify_ed25519(v->pub, t.data, t.len, parsed.sig) == 1;
		buf_release(&t);
		if (!r)
			return ml_fail(ML_BAD_SIGNATURE, "line %zu: bad signature", v->lineno);
	}
	if (crypto_digest(CRYPTO_SHA256, line, len, v->prev) < 0)
		return ml_fail(ML_IO, "cannot hash line %zu", v->lineno);
	return 0;
}

/* The number of newlines in the file, for the line numbers of a message: O(n), failures only. */
static size_t count_newlines(int fd)
{
	uint8_t chunk[65536];
	size_t count = 0;
	off_t off = 0;
	ssize_t n, i;

	while ((n = pread(fd, chunk, sizeof(chunk), off)) > 0) {
		for (i = 0; i < n; i++)
			count += chunk[i] == '\n';
		off += n;
	}
	return count;
}

/* The end of a file: its last line and, unless that is the first, the line before. */
struct tail {
	uint8_t *data; /* the file's last len bytes */
	size_t len;
	size_t last, last_len; /* offset in data and length, newline excluded */
	size_t prev, prev_len;
	int has_prev;
};

#define TAIL_FIRST (16u * 1024)
/* Two lines of the longest kind with their newlines, and the newline before them. */
#define TAIL_MAX (2u * (AUDIT_LOG_LINE_MAX + 1) + 1)

/* The newline before data[end], searching back to data[0]; -1 when there is none. */
static long newline_before(const uint8_t *data, size_t end)
{
	while (end > 0)
		if (data[--end] == '\n')
			return (long)end;
	return -1;
}

/*
 * Reads the file's last two lines from its end (size bytes), reading more
 * only while a line is longer than what was read: a few KiB for a chain of
 * any length. 0, or ML_MALFORMED_OBJECT (the last line incomplete, a line too
 * long) or ML_IO, the message naming path and the line.
 */
static int read_tail(int fd, const char *path, off_t size, struct tail *t)
{
	size_t want = TAIL_FIRST;
	long end_prev, end_before;
	ssize_t n;

	for (;;) {
		if ((uint64_t)size < want)
			want = (size_t)size;
		free(t->data);
		if ((t->data = malloc(want)) == NULL)
			return ml_fail(ML_IO, "out of memory");
		n = pread(fd, t->data, want, size - (off_t)want);
		if (n < 0 || (size_t)n != want)
			return ml_fail(ML_IO, "cannot read audit file '%s': %s", path,
			               n < 0 ? strerror(errno) : "short read");
		t->len = want;
		if (t->data[want - 1] != '\n')
			return ml_fail(
			    ML_MALFORMED_OBJECT,
			    "audit file '%s' line %zu: incomplete (no newline at the end of "
			    "the file)",
			    path, count_newlines(fd) + 1);
		end_prev = newline_before(t->data, want - 1);
		end_before = end_prev > 0 ? newline_before(t->data, (size_t)end_prev) : -1;
		if (end_before >= 0 || want == (uint64_t)size)
			break;
		if (want == TAIL_MAX)
			return ml_fail(
			    ML_MALFORMED_OBJECT, "audit file '%s' line %zu: longer than %u bytes",
			    path, count_newlines(fd) - (end_prev >= 0 ? 1 : 0), AUDIT_LOG_LINE_MAX);
		want = want * 4 < TAIL_MAX ? want * 4 : TAIL_MAX;
	}
	t->last = (size_t)(end_prev + 1);
	t->last_len = t->len - 1 - t->last;
	t->has_prev = end_prev >= 0;
	if (t->has_prev) {
		t->prev = (size_t)(end_before + 1);
		t->prev_len = (size_t)end_prev - t->prev;
	}
	return 0;
}

/*
 * Checks the end of the chain in fd (size bytes, locked; path names it in
 * messages): the last line is complete, a record, and links to the line
 * before it (or to the genesis value); with pub it is signed by that key,
 * without it unsigned, so the next line continues the chain as it is.
 * The lines before are not read: `mainline audit verify` checks the whole
 * chain. Fills last_hash with what the next line's prev must be.
 * 0, or ML_MALFORMED_OBJECT, ML_BAD_SIGNATURE, ML_CONFIG or ML_IO with
 * "audit file '<path>' line N: <problem>".
 */
static int check_tail(int fd, const char *path, off_t size, const uint8_t *pub,
                      uint8_t last_hash[32])
{
	struct audit_chain v = {.pub = pub, .unsigned_only = pub == NULL};
	struct tail t = {.data = NULL};
	int r;

	if (size == 0) {
		memset(last_hash, 0, 32);
		return 0;
	}
	if ((r = read_tail(fd, path, size, &t)) != 0)
		goto out;
	if (t.has_prev && crypto_digest(CRYPTO_SHA256, t.data + t.prev, t.prev_len, v.prev) < 0) {
		r = ml_fail(ML_IO, "cannot hash a line of audit file '%s'", path);
		goto out;
	}
	if ((r = audit_chain_next(&v, (const char *)t.data + t.last, t.last_len)) != 0) {
		/* again, now that a failure pays for counting the lines */
		v.lineno = count_newlines(fd) - 1;
		r = audit_chain_next(&v, (const char *)t.data + t.last, t.last_len);
		r = ml_fail_override((enum ml_reason)r, "audit file '%s' %s", path,
		                     ml_error_message());
		goto out;
	}
	memcpy(last_hash, v.prev, 32);
	r = 0;
out:
	free(t.data);
	return r;
}

int audit_key_load(const char *key, struct crypto_signing_key **out, uint8_t pub[32])
{
	struct buf pem;
	int r = 0;

	*out = NULL;
	if (key == NULL || *key == '\0')
		return 0;
	buf_init(&pem, PEM_MAX);
	if (load_pem(key, &pem) < 0 ||
	    (*out = crypto_signing_key_from_pem((const char *)pem.data, pem.len)) == NULL ||
	    crypto_signing_key_public(*out, pub) < 0) {
		crypto_signing_key_free(*out);
		*out = NULL;
		r = ml_fail(ML_CONFIG, "audit_key is not an Ed25519 private key in PEM form");
	}
	buf_release(&pem);
	return r;
}

/*
 * Opens the audit file for appending (created 0640 when missing), which must
 * be a regular file, and locks it (flock `lock`). Fills *fd and *size.
 * 0 or ML_IO.
 */
static int open_locked(const char *path, int lock, int *fd, off_t *size)
{
	struct stat st;

	*fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0640);
	if (*fd < 0)
		return ml_fail(ML_IO, "cannot open audit file '%s': %s", path, strerror(errno));
	if (fstat(*fd, &st) < 0)
		return ml_fail(ML_IO, "cannot stat audit file '%s': %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return ml_fail(ML_IO, "audit file '%s' is not a regular file", path);
	while (flock(*fd, lock) < 0)
		if (errno != EINTR)
			return ml_fail(ML_IO, "cannot lock audit file '%s': %s", path,
			               strerror(errno));
	/* the size under the lock: appends happen under it */
	if (fstat(*fd, &st) < 0)
		return ml_fail(ML_IO, "cannot stat audit file '%s': %s", path, strerror(errno));
	*size = st.st_size;
	return 0;
}

/*
 * Appends line to fd and syncs it. A write may be partial (a full disk
 * takes what fits, the next write says why): on any failure the file is cut
 * back to its length before, so no half record remains to break the chain.
 * 0 or ML_IO with the system's reason ("No space left on device").
 */
static int write_line(int fd, const char *path, const struct buf *line, off_t before)
{
	const char *what = "write";
	size_t done = 0;
	ssize_t n;
	int err = 0;

	while (done < line->len) {
		n = write(fd, line->data + done, line->len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		done += (size_t)n;
	}
	if (err == 0 && fsync(fd) < 0) {
		err = errno;
		what = "sync";
	}
	if (err == 0)
		return 0;
	if (done > 0 && ftruncate(fd, before) < 0)
		return ml_fail(ML_IO,
		               "cannot %s audit file '%s': %s; the partial record could not be cut "
		               "away: %s",
		               what, path, strerror(err), strerror(errno));
	return ml_fail(ML_IO, "cannot %s audit file '%s': %s", what, path, strerror(err));
}

int audit_log_append(const char *path, const struct audit_record *rec, const char *key)
{
	struct crypto_signing_key *sk = NULL;
	uint8_t pub[32], prev[32];
	struct buf line;
	off_t size;
	int fd = -1, r = ML_IO;

	buf_init(&line, AUDIT_LOG_LINE_MAX + 1);
	if ((r = audit_key_load(key, &sk, pub)) != 0 ||
	    (r = open_locked(path, LOCK_EX, &fd, &size)) != 0 ||
	    (r = check_tail(fd, path, size, sk != NULL ? pub : NULL, prev)) != 0 ||
	    (r = render_line(rec, prev, sk, &line)) != 0 ||
	    (r = write_line(fd, path, &line, size)) != 0)
		goto out;
	r = 0;
out:
	if (fd >= 0)
		close(fd); /* releases the lock */
	crypto_signing_key_free(sk);
	buf_release(&line);
	return r;
}

int audit_log_check(const char *path, const char *key)
{
	struct crypto_signing_key *sk = NULL;
	uint8_t pub[32], last[32];
	struct statvfs vfs;
	uint64_t room;
	off_t size;
	int fd = -1, r;

	if ((r = audit_key_load(key, &sk, pub)) != 0)
		goto out;
	if ((r = open_locked(path, LOCK_SH, &fd, &size)) != 0 ||
	    (r = check_tail(fd, path, size, sk != NULL ? pub : NULL, last)) != 0)
		goto unavailable;
	if (fstatvfs(fd, &vfs) < 0) {
		r = ml_fail(ML_IO, "cannot stat the file system of audit file '%s': %s", path,
		            strerror(errno));
		goto unavailable;
	}
	room = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	if (room < AUDIT_LOG_LINE_MAX + 1) {
		r = ml_fail(ML_IO, "audit file '%s': %s (%llu bytes free, a record takes up to %u)",
		            path, strerror(ENOSPC), (unsigned long long)room,
		            AUDIT_LOG_LINE_MAX + 1);
		goto unavailable;
	}
	r = 0;
	goto out;
unavailable:
	r = ml_fail_override(ML_AUDIT_UNAVAILABLE, "%s", ml_error_message());
out:
	if (fd >= 0)
		close(fd);
	crypto_signing_key_free(sk);
	return r;
}

int audit_chain_start(struct audit_chain *v, const char *pubkey, const char *after)
{
	struct buf pem;
	int r = 0;

	memset(v, 0, sizeof(*v));
	if (after != NULL) {
		if (strlen(after) != 64 || !is_lower_hex(after, 64) ||
		    hex_decode(after, v->prev, sizeof(v->prev)) < 0)
			return ml_fail(
			    ML_CONFIG,
			    "'%s' is not the sha256 of a record (64 lower-case hex digits)", after);
		v->continued = 1;
	}
	if (pubkey == NULL || *pubkey == '\0')
		return 0;
	buf_init(&pem, PEM_MAX);
	if (load_pem(pubkey, &pem) < 0 ||
	    crypto_ed25519_public_from_pem((const char *)pem.data, pem.len, v->pub_key) < 0)
		r = ml_fail(ML_CONFIG, "'%s' is not an Ed25519 public key in PEM form",
		            strstr(pubkey, "-----BEGIN ") != NULL ? "public key" : pubkey);
	else
		v->pub = v->pub_key;
	buf_release(&pem);
	return r;
}

int audit_chain_report(const struct audit_chain *v, struct buf *report)
{
	char head[65];

	hex_encode(v->prev, sizeof(v->prev), head);
	if (buf_printf(report, "ok: %zu records, hash chain intact, %s\nhead: %s\n", v->lineno,
	               v->pub != NULL ? "every signature valid" : "signatures not checked",
	               head) < 0)
		return ml_fail(ML_IO, "out of memory");
	return 0;
}

int audit_log_verify_file(const char *path, const char *pubkey, const char *after,
                          struct buf *report)
{
	struct audit_chain v;
	uint8_t chunk[65536];
	struct buf line;
	ssize_t n;
	size_t i, start;
	int fd = -1, r = ML_IO;

	buf_init(&line, AUDIT_LOG_LINE_MAX + 1);
	if ((r = audit_chain_start(&v, pubkey, after)) != 0)
		goto report;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		r = ml_fail(ML_IO, "cannot open audit log '%s': %s", path, strerror(errno));
		goto report;
	}
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = ml_fail(ML_IO, "cannot read audit log '%s': %s", path, strerror(errno));
			goto report;
		}
		if (n == 0)
			break;
		for (start = 0, i = 0; i < (size_t)n; i++) {
			if (chunk[i] != '\n')
				continue;
			if (buf_append(&line, chunk + start, i - start) < 0)
				goto too_long;
			if ((r = audit_chain_next(&v, (const char *)line.data, line.len)) != 0)
				goto report;
			buf_reset(&line);
			start = i + 1;
		}
		if (buf_append(&line, chunk + start, (size_t)n - start) < 0)
			goto too_long;
	}
	if (line.len > 0) {
		r = ml_fail(ML_MALFORMED_OBJECT,
		            "line %zu: incomplete (no newline at the end of the file)",
		            v.lineno + 1);
		goto report;
	}
	r = audit_chain_report(&v, report);
	goto out;
too_long:
	r = ml_fail(ML_MALFORMED_OBJECT, "line %zu: longer than %u bytes", v.lineno + 1,
	            AUDIT_LOG_LINE_MAX);
report:
	(void)buf_printf(report, "%s\n", ml_error_message());
out:
	if (fd >= 0)
		close(fd);
	buf_release(&line);
	return r;
}
