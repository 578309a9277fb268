/*
 * A spool of audit records a sink could not take: a local file, one record
 * (its JSON) per line, in order. The next run delivers the spooled records
 * first, in order, removing each as soon as it is delivered (an atomic
 * rewrite), and stops at the first that fails; its own record then joins the
 * spool behind them, so the sink sees records in order. A lock file
 * (<spool>.lock) serialises runs, so two racing runs never deliver one
 * spooled record twice. The audit webhook (webhook.h) and the shared state's
 * audit chain (audit_db.h) each keep one in the cache.
 */
#ifndef MAINLINE_SPOOL_H
#define MAINLINE_SPOOL_H

#include <stddef.h>

/* A spool larger than this takes no more records. */
#define SPOOL_MAX (16u << 20)

/* Delivers one record (len bytes, no newline): 0 when the sink has it, else the sink's reason. */
typedef int (*spool_deliver_fn)(void *ctx, const char *record, size_t len);

struct spool_stats {
	size_t delivered; /* records delivered by this call (spooled ones included) */
	size_t spooled;   /* records left in the spool afterwards */
};

/*
 * Delivers the records spooled at path, then record (len bytes; its id names
 * it in messages) through deliver; what cannot be delivered is appended to
 * the spool (created 0600). what names the sink in messages ("audit webhook").
 * Returns 0 when record was delivered or spooled, ML_IO when it is lost (the
 * spool cannot be read or written, or is full). stats may be NULL.
 */
int spool_send(const char *path, const char *what, const char *record, size_t len, const char *id,
               spool_deliver_fn deliver, void *ctx, struct spool_stats *stats);

/*
 * Whether spool_send could keep a record in the spool at path, checked
 * before a run without taking its lock: the directory is writable (the
 * spool is replaced by a rename), the lock file (<path>.lock) opens, and an
 * existing spool is a regular file. A missing directory passes: the spool
 * lives in the cache, which the fetch creates. 0 or ML_IO naming the path
 * and what the spool is for.
 */
int spool_check(const char *path, const char *what);

/* Whether the directory of the spool at path exists. */
int spool_dir_exists(const char *path);

#endif
