#include "plugin/webhook.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/http.h"
#include "common/version.h"
#include "plugin/spool.h"

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

static int post_record(void *wh, const char *record, size_t len)
{
	return webhook_post(wh, record, len);
}

int webhook_send(const struct webhook *wh, const struct audit_record *rec,
                 struct spool_stats *stats)
{
	struct spool_stats st = {0, 0};
	struct buf body;
	int r = ML_IO;

	buf_init(&body, AUDIT_LINE_MAX);
	if (wh->url == NULL || *wh->url == '\0') {
		r = ml_fail(ML_CONFIG, "audit webhook has no URL");
		goto out;
	}
	if ((r = audit_record_json(rec, &body)) != 0)
		goto out;
	/* no spool before the cache exists: a run refused before its first fetch */
	if (wh->spool == NULL || *wh->spool == '\0' || !spool_dir_exists(wh->spool)) {
		if ((r = webhook_post(wh, (const char *)body.data, body.len)) == 0)
			st.delivered++;
		goto out;
	}
	r = spool_send(wh->spool, "audit webhook", (const char *)body.data, body.len, rec->id,
	               post_record, (void *)wh, &st);
out:
	if (stats != NULL)
		*stats = st;
	buf_release(&body);
	return r;
}
