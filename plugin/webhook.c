#include "plugin/webhook.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/http.h"
#include "common/lock.h"
#include "common/version.h"

int webhook_signature(const char *secret, const void *body, size_t len,
                      char out[WEBHOOK_SIGNATURE_LEN])
{
	uint8_t mac[32];

	if (crypto_hmac_sha256(secret, strlen(secret), body, len, mac) < 0)
		return -1;
	memcpy(out, "sha256=", 7);
	hex_encode(mac, sizeof(mac), out + 7);
	return 0;
}

static void pause_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int post_once(const struct webhook *wh, const char *body, size_t len)
{
	char sig_header[sizeof(WEBHOOK_SIGNATURE_HEADER) + 2 + WEBHOOK_SIGNATURE_LEN];
	const char *headers[4] = {"Content-Type: application/json",
	                          "User-Agent: mainline/" MAINLINE_VERSION, NULL, NULL};
	struct http_request req = {
	    .method = "POST",
	    .url = wh->url,
	    .headers = headers,
	    .body = body,
	    .body_len = len,
	    .connect_timeout_ms = 2000,
	    .timeout_ms = wh->timeout_ms > 0 ? wh->timeout_ms : 5000,
	    .what = "audit webhook",
	};
	struct http_response res;
	int r;

	if (wh->secret != NULL && *wh->secret != '\0') {
		char sig[WEBHOOK_SIGNATURE_LEN];

		if (webhook_signature(wh->secret, body, len, sig) < 0)
			return ml_fail(ML_IO, "cannot compute the audit webhook signature");
		snprintf(sig_header, sizeof(sig_header), "%s: %s", WEBHOOK_SIGNATURE_HEADER, sig);
		headers[2] = sig_header;
	}
	http_response_init(&res, 64 * 1024);
	r = http_request(&req, &res, ML_IO);
	if (r == 0 && (res.status < 200 || res.status > 299))
		r = ml_fail(ML_IO, "audit webhook '%s' answered HTTP %ld", wh->url, res.status);
	http_response_release(&res);
	return r == 0 ? 0 : ML_IO;
}

int webhook_post(const struct webhook *wh, const char *body, size_t len)
{
	int attempts = wh->attempts > 0 ? wh->attempts : 3;
	long pause = wh->backoff_ms > 0 ? wh->backoff_ms : 500;
	int i, r = ML_IO;

	for (i = 0; i < attempts; i++) {
		if (i > 0) {
			pause_ms(pause);
			pause *= 2;
		}
		ml_error_clear();
		if ((r = post_once(wh, body, len)) == 0)
			return 0;
	}
	return r;
}

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

int webhook_spool_check(const char *spool)
{
	char lock[4096], dir[4096];
	struct stat st;
	int fd;

	if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", spool) >= sizeof(lock))
		return ml_fail(ML_IO, "spool path '%s' is too long", spool);
	if (!spool_dir(spool, dir))
		return 0;
	if (access(dir, W_OK | X_OK) < 0)
		return ml_fail(ML_IO, "cannot write the audit webhook's spool in '%s': %s", dir,
		               strerror(errno));
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0600)) < 0)
		return ml_fail(ML_IO, "cannot open spool lock '%s': %s", lock, strerror(errno));
	close(fd);
	if ((fd = open(spool, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
		if (errno == ENOENT)
			return 0;
		return ml_fail(ML_IO, "cannot read spool '%s': %s", spool, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ml_fail(ML_IO, "spool '%s' is not a regular file", spool);
	}
	close(fd);
	return 0;
}

int webhook_send(const struct webhook *wh, const struct audit_record *rec,
                 struct webhook_stats *stats)
{
	struct webhook_stats st = {0, 0};
	struct buf body, spool, rest;
	char dir[4096];
	size_t off = 0;
	int lock = -1, blocked = 0, r = ML_IO;

	buf_init(&body, AUDIT_LINE_MAX);
	buf_init(&spool, WEBHOOK_SPOOL_MAX);
	buf_init(&rest, WEBHOOK_SPOOL_MAX);
	if (wh->url == NULL || *wh->url == '\0') {
		r = ml_fail(ML_CONFIG, "audit webhook has no URL");
		goto out;
	}
	if ((r = audit_record_json(rec, &body)) != 0)
		goto out;
	/* no spool before the cache exists: a run refused before its first fetch */
	if (wh->spool == NULL || *wh->spool == '\0' || !spool_dir(wh->spool, dir)) {
		if ((r = webhook_post(wh, (const char *)body.data, body.len)) == 0)
			st.delivered++;
		goto out;
	}
	if ((lock = lock_spool(wh->spool)) < 0) {
		r = ML_IO;
		goto out;
	}
	if (buf_read_file(&spool, wh->spool) < 0 && errno != ENOENT) {
		r = ml_fail(ML_IO, "cannot read spool '%s': %s", wh->spool, strerror(errno));
		goto out;
	}
	/* spooled records first, in order; stop at the first that fails */
	while (off < spool.len) {
		const char *line = (const char *)spool.data + off;
		const char *eol = memchr(line, '\n', spool.len - off);
		size_t len = eol != NULL ? (size_t)(eol - line) : spool.len - off;

		if (len > 0 && webhook_post(wh, line, len) != 0) {
			blocked = 1;
			break;
		}
		st.delivered += len > 0;
		off += len + (eol != NULL);
		/* keep the spool current so a crash re-sends as little as possible */
		if ((r = rewrite_spool(wh->spool, spool.data + off, spool.len - off)) != 0)
			goto out;
	}
	if (off < spool.len && buf_append(&rest, spool.data + off, spool.len - off) < 0) {
		r = ml_fail(ML_IO, "spool '%s' is too large", wh->spool);
		goto out;
	}
	if (!blocked && webhook_post(wh, (const char *)body.data, body.len) == 0) {
		st.delivered++;
	} else if (buf_append(&rest, body.data, body.len) < 0 || buf_append(&rest, "\n", 1) < 0) {
		r = ml_fail(ML_IO, "spool '%s' is full: audit record %s is lost", wh->spool,
		            rec->id);
		goto out;
	}
	if (rest.len != spool.len - off || blocked) {
		if ((r = rewrite_spool(wh->spool, rest.data, rest.len)) != 0)
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
	buf_release(&body);
	buf_release(&spool);
	buf_release(&rest);
	return r;
}
