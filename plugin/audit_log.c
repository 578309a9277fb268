#include "plugin/audit_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
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

/* The sha256 of the file's last line (zeros for an empty file). */
static int last_line_hash(int fd, const char *path, uint8_t hash[32])
{
	size_t window, start;
	uint8_t *tail = NULL;
	struct stat st;
	ssize_t n;
	int r = ML_IO;

	if (fstat(fd, &st) < 0) {
		r = ml_fail(ML_IO, "cannot stat audit log '%s': %s", path, strerror(errno));
		goto out;
	}
	if (st.st_size == 0) {
		memset(hash, 0, 32);
		r = 0;
		goto out;
	}
	window = (uint64_t)st.st_size < AUDIT_LOG_LINE_MAX + 2 ? (size_t)st.st_size
	                                                       : AUDIT_LOG_LINE_MAX + 2;
	if ((tail = malloc(window)) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	n = pread(fd, tail, window, st.st_size - (off_t)window);
	if (n < 0 || (size_t)n != window) {
		r = ml_fail(ML_IO, "cannot read audit log '%s': %s", path,
		            n < 0 ? strerror(errno) : "short read");
		goto out;
	}
	if (tail[window - 1] != '\n') {
		r = ml_fail(ML_MALFORMED_OBJECT,
		            "cannot append to audit log '%s': its last line is incomplete", path);
		goto out;
	}
	for (start = window - 1; start > 0 && tail[start - 1] != '\n'; start--)
		;
	if (start == 0 && window < (uint64_t)st.st_size) {
		r = ml_fail(ML_MALFORMED_OBJECT,
		            "cannot append to audit log '%s': its last line is too long", path);
		goto out;
	}
	if (crypto_digest(CRYPTO_SHA256, tail + start, window - 1 - start, hash) < 0) {
		r = ml_fail(ML_IO, "cannot hash the last line of audit log '%s'", path);
		goto out;
	}
	r = 0;
out:
	free(tail);
	return r;
}

/* Renders the line (with newline) for rec after a line hashing to prev. */
static int render_line(const struct audit_record *rec, const uint8_t prev[32],
                       const struct crypto_signing_key *key, struct buf *line)
{
	cJSON *obj = audit_record_object(rec);
	char prev_hex[65], *text = NULL;
	uint8_t sig[64];
	size_t len;
	int r = ML_IO;

	hex_encode(prev, 32, prev_hex);
	if (obj == NULL || cJSON_AddStringToObject(obj, "prev", prev_hex) == NULL ||
	    (text = cJSON_PrintUnformatted(obj)) == NULL) {
		r = ml_fail(ML_IO, "out of memory while rendering the audit record");
		goto out;
	}
	len = strlen(text);
	if (key == NULL) {
		if (buf_append(line, text, len) < 0 || buf_append(line, "\n", 1) < 0)
			goto too_long;
	} else {
		if (crypto_sign_ed25519(key, text, len, sig) < 0) {
			r = ml_fail(ML_IO, "cannot sign the audit record");
			goto out;
		}
		if (buf_append(line, text, len - 1) < 0 || buf_append_str(line, SIG_PREFIX) < 0 ||
		    base64_encode(sig, sizeof(sig), line) < 0 || buf_append(line, "\"}\n", 3) < 0)
			goto too_long;
	}
	r = 0;
	goto out;
too_long:
	r = ml_fail(ML_IO, "audit record is larger than %u bytes", AUDIT_LOG_LINE_MAX);
out:
	cJSON_free(text);
	cJSON_Delete(obj);
	return r;
}

int audit_log_append(const char *path, const struct audit_record *rec, const char *key)
{
	struct crypto_signing_key *sk = NULL;
	struct buf pem, line;
	uint8_t prev[32];
	struct stat st;
	ssize_t n;
	int fd = -1, r = ML_IO;

	buf_init(&pem, PEM_MAX);
	buf_init(&line, AUDIT_LOG_LINE_MAX + 1);
	if (key != NULL && *key != '\0') {
		if (load_pem(key, &pem) < 0 ||
		    (sk = crypto_signing_key_from_pem((const char *)pem.data, pem.len)) == NULL) {
			r = ml_fail(ML_CONFIG,
			            "audit_key is not an Ed25519 private key in PEM form");
			goto out;
		}
	}
	fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0) {
		r = ml_fail(ML_IO, "cannot open audit log '%s': %s", path, strerror(errno));
		goto out;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			r = ml_fail(ML_IO, "cannot lock audit log '%s': %s", path, strerror(errno));
			goto out;
		}
	}
	if ((r = last_line_hash(fd, path, prev)) != 0 ||
	    (r = render_line(rec, prev, sk, &line)) != 0)
		goto out;
	if (fstat(fd, &st) < 0) {
		r = ml_fail(ML_IO, "cannot stat audit log '%s': %s", path, strerror(errno));
		goto out;
	}
	n = write(fd, line.data, line.len);
	if (n < 0 || (size_t)n != line.len) {
		r = ml_fail(ML_IO, "cannot write audit log '%s': %s", path,
		            n < 0 ? strerror(errno) : "short write");
		/* never leave half a line behind: the next append would refuse */
		if (n > 0 && ftruncate(fd, st.st_size) < 0)
			r = ml_fail_override(ML_IO, "audit log '%s' has a partial last line", path);
		goto out;
	}
	if (fsync(fd) < 0) {
		r = ml_fail(ML_IO, "cannot sync audit log '%s': %s", path, strerror(errno));
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd); /* releases the lock */
	crypto_signing_key_free(sk);
	buf_release(&pem);
	buf_release(&line);
	return r;
}

struct verifier {
	struct buf *report;
	const uint8_t *pub; /* NULL: signatures not checked */
	uint8_t prev[32];
	size_t lineno;
};

static int verify_line(struct verifier *v, const char *line, size_t len)
{
	struct audit_line parsed;
	struct buf t;
	int r;

	v->lineno++;
	ml_error_clear();
	if (audit_line_parse(line, len, &parsed) != 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s", ml_error_message());
		return ml_fail_override(ML_MALFORMED_OBJECT, "line %zu: %s", v->lineno, why);
	}
	if (memcmp(parsed.prev, v->prev, sizeof(v->prev)) != 0) {
		if (v->lineno == 1)
			return ml_fail(ML_MALFORMED_OBJECT,
			               "line 1: hash chain broken (prev is not the genesis value)");
		return ml_fail(ML_MALFORMED_OBJECT,
		               "line %zu: hash chain broken (prev does not match line %zu)",
		               v->lineno, v->lineno - 1);
	}
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

int audit_log_verify_file(const char *path, const char *pubkey, struct buf *report)
{
	struct verifier v = {.report = report};
	uint8_t pub[32], chunk[65536];
	struct buf pem, line;
	char head[65];
	ssize_t n;
	size_t i, start;
	int fd = -1, r = ML_IO;

	buf_init(&pem, PEM_MAX);
	buf_init(&line, AUDIT_LOG_LINE_MAX + 1);
	if (pubkey != NULL && *pubkey != '\0') {
		if (load_pem(pubkey, &pem) < 0 ||
		    crypto_ed25519_public_from_pem((const char *)pem.data, pem.len, pub) < 0) {
			r = ml_fail(ML_CONFIG, "'%s' is not an Ed25519 public key in PEM form",
			            strstr(pubkey, "-----BEGIN ") != NULL ? "public key" : pubkey);
			goto report;
		}
		v.pub = pub;
	}
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
			if ((r = verify_line(&v, (const char *)line.data, line.len)) != 0)
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
	hex_encode(v.prev, sizeof(v.prev), head);
	if (buf_printf(report, "ok: %zu records, hash chain intact, %s\nhead: %s\n", v.lineno,
	               v.pub != NULL ? "every signature valid" : "signatures not checked",
	               head) < 0) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	r = 0;
	goto out;
too_long:
	r = ml_fail(ML_MALFORMED_OBJECT, "line %zu: longer than %u bytes", v.lineno + 1,
	            AUDIT_LOG_LINE_MAX);
report:
	(void)buf_printf(report, "%s\n", ml_error_message());
out:
	if (fd >= 0)
		close(fd);
	buf_release(&pem);
	buf_release(&line);
	return r;
}
