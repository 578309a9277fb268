/*
 * The audit webhook: each record is POSTed as JSON with a GitHub-style HMAC
 * header. Records that cannot be delivered go to a spool file (spool.h) and
 * are sent first, in order, by the next run, so none is lost.
 */
#ifndef MAINLINE_WEBHOOK_H
#define MAINLINE_WEBHOOK_H

#include <stddef.h>

#include "plugin/audit.h"
#include "plugin/spool.h"

#define WEBHOOK_SIGNATURE_HEADER "X-Mainline-Signature"
/* "sha256=" + 64 hex digits + NUL */
#define WEBHOOK_SIGNATURE_LEN 72
/* The spool's file name inside the cache directory (at most SPOOL_MAX bytes). */
#define WEBHOOK_SPOOL_NAME "audit-spool.jsonl"

struct webhook {
	const char *url;
	const char *secret; /* audit_secret; NULL or "" sends no signature header */
	const char *spool;  /* spool file (<cache>/audit-spool.jsonl); NULL: no spooling */
	int attempts;       /* per record; 0 means 3 */
	long backoff_ms;    /* first pause between attempts, doubled each time; 0 means 500 */
	long timeout_ms;    /* per attempt; 0 means 5000 */
};

/* "sha256=<hex HMAC-SHA256(secret, body)>" into out. 0 or -1. */
int webhook_signature(const char *secret, const void *body, size_t len,
                      char out[WEBHOOK_SIGNATURE_LEN]);

/*
 * POSTs one body with retries and backoff. 0 when a 2xx answer arrived,
 * otherwise ML_IO (message names the last failure).
 */
int webhook_post(const struct webhook *wh, const char *body, size_t len);

/*
 * Delivers the spooled records and then rec through the spool (spool.h);
 * what cannot be delivered is appended to it. Without a spool, or while the
 * spool's directory (the cache) does not exist yet, rec is only posted.
 * Returns 0 when rec was delivered or spooled, ML_IO when it is lost (no
 * spool, or the spool cannot be written), ML_CONFIG without a URL.
 * stats may be NULL.
 */
int webhook_send(const struct webhook *wh, const struct audit_record *rec,
                 struct spool_stats *stats);

#endif
