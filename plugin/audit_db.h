/*
 * The audit chain in the shared state's database (state_url, common/pg.h):
 * the records of every runner of a fleet in one hash chain, line for line in
 * the audit file's format (audit_log.h: "prev", and "sig" with audit_key),
 * one row each in mainline.audit (common/pg_schema.h) with its position in
 * the chain (seq, from 1), the record's id and the line's sha256. The id is
 * unique: a record is in the chain once, whichever run delivers it (a record
 * a runner spooled while the database was down, say, and sent again after a
 * crash). mainline.audit_head holds the chain's end; every append locks that
 * row for its transaction, so appends of twenty runners take turns and the
 * chain never forks. Lines read back are untrusted: each goes through the
 * audit file's record parser (audit_line_parse) and chain checks.
 */
#ifndef MAINLINE_AUDIT_DB_H
#define MAINLINE_AUDIT_DB_H

#include <stddef.h>

#include "common/buf.h"

struct pg;

/* The spool of the records the database could not take, in the cache directory (spool.h). */
#define AUDIT_DB_SPOOL_NAME "state-spool.jsonl"

/*
 * Whether a record can be appended with key (audit_key as audit_log.h takes
 * it, NULL or "" for an unsigned chain), checked before a run as
 * audit_log_check checks the file: the head row and the last records agree
 * (count and hash), the last line is a record that links to the one before
 * it and is signed by key, or unsigned when there is none. 0, ML_CONFIG (a
 * bad key) or ML_AUDIT_UNAVAILABLE ("audit chain in the shared state '<url>'
 * line 7: hash chain broken (prev does not match line 6)"); a database that
 * fails is ML_STATE_UNAVAILABLE.
 */
int audit_db_check(struct pg *db, const char *key);

/*
 * Appends a record (its JSON, len bytes, as audit_record_json renders it) to
 * the chain, after the same checks as audit_db_check, in one transaction
 * under the head row's lock, unless a record with its id is in the chain
 * already. *added (may be NULL) says whether this call added it. 0,
 * ML_CONFIG, ML_MALFORMED_OBJECT (record is not one, or the chain's end is
 * damaged), ML_BAD_SIGNATURE or ML_STATE_UNAVAILABLE.
 */
int audit_db_append(struct pg *db, const char *record, size_t len, const char *key, int *added);

/*
 * Checks the whole chain as audit_log_verify_file checks a file (pubkey, may
 * be NULL: every line signed by it), and that the positions run 1..N without
 * a gap, each row's hash is its line's, and the head row names the last one
 * (so removing the last records shows too, unless the head is rewritten with
 * them). Appends "ok: N records ..." and "head: ..." to report, or the
 * problem. 0, ML_MALFORMED_OBJECT, ML_BAD_SIGNATURE, ML_CONFIG or
 * ML_STATE_UNAVAILABLE.
 */
int audit_db_verify(struct pg *db, const char *pubkey, struct buf *report);

/* Receives one exported line (len bytes, no newline). 0 to go on. */
typedef int (*audit_db_line_fn)(void *ctx, const char *line, size_t len);

/*
 * The chain's lines from the first record whose time is at or after since
 * (NULL: from the first; audit_db_since() form) to the end, in chain order,
 * each checked as audit_db_verify does before it is handed to emit. after
 * receives the hash the first exported line continues from (64 zeros from
 * the start: then `mainline audit verify FILE` takes the export as it is,
 * else with `--after <after>`), *count how many lines were exported. 0 or
 * the reason of the first line that failed (those before it were emitted).
 */
int audit_db_export(struct pg *db, const char *since, audit_db_line_fn emit, void *ctx,
                    char after[65], size_t *count);

/*
 * A --since value (2025-01-31, or 2025-01-31T12:00:00Z with optional
 * .123 milliseconds; UTC) in the form the record's "time" field compares
 * with as text (out, at least 25 bytes). 0, or ML_CONFIG.
 */
int audit_db_since(const char *in, char *out, size_t len);

#endif
