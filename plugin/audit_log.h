/*
 * The audit file: append-only JSONL, one record per line, hash-chained and
 * optionally signed (docs/audit.md gives the exact format):
 *
 *   T    = the record object with a last field "prev": "<sha256 hex of the
 *          previous line's bytes without its newline>" (first line: 64 zeros),
 *          rendered compactly (no whitespace outside strings, no newline)
 *   line = T                                         without audit_key
 *   line = T minus its final '}' + ,"sig":"<base64 Ed25519(T)>"}   with audit_key
 *
 * So the signature covers exactly T, which includes "prev", and "sig" is
 * always the last field.
 */
#ifndef MAINLINE_AUDIT_LOG_H
#define MAINLINE_AUDIT_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "plugin/audit.h"

struct crypto_signing_key;

/* Longest line accepted by verify: a full record plus prev and sig. */
#define AUDIT_LOG_LINE_MAX (AUDIT_LINE_MAX + 1024)

struct audit_line {
	uint8_t prev[32]; /* the decoded "prev" */
	int has_sig;
	uint8_t sig[64];   /* the decoded "sig" when has_sig */
	size_t signed_len; /* T = line[0, signed_len) followed by one '}' */
};

/*
 * Parses one line (without its newline) of at most AUDIT_LOG_LINE_MAX bytes:
 * printable compact JSON, one object, schema AUDIT_SCHEMA, no duplicate
 * top-level keys, "prev" the last field before an optional trailing "sig".
 * Returns 0, or ML_MALFORMED_OBJECT with a message naming the problem.
 */
int audit_line_parse(const char *line, size_t len, struct audit_line *out);

/*
 * Appends rec to the file at path (created 0640 when missing; a regular
 * file). key is the Ed25519 private key (PKCS#8 PEM text, or a path to it)
 * or NULL/"" for an unsigned chain. The file is locked with flock for the
 * whole append; its end is checked as audit_log_check does (last line
 * complete, a record, linked to the line before, signed by key or unsigned
 * as the new line will be), so nothing is ever appended to a broken chain.
 * The new line is written and fsynced; a failed write or sync cuts the file
 * back to its previous length. Returns 0, ML_CONFIG (bad key, or a signed
 * chain without a key), ML_MALFORMED_OBJECT (damaged end), ML_BAD_SIGNATURE
 * (last line not signed by key) or ML_IO (the system's reason, such as "No
 * space left on device").
 */
int audit_log_append(const char *path, const struct audit_record *rec, const char *key);

/*
 * Whether a record can be appended to the file at path with key, checked
 * before a run (the file is created when missing, locked shared while it is
 * read, and closed): it is a regular file that opens for appending, its end
 * passes the checks of audit_log_append, reading only the last two lines
 * (O(1) in the length of the chain), and its file system has room for a
 * record of the maximum length (AUDIT_LOG_LINE_MAX). Returns 0, ML_CONFIG
 * (bad key) or ML_AUDIT_UNAVAILABLE with a message naming the file and, for
 * a damaged chain, the line: "audit file '<path>' line 7: hash chain broken
 * (prev does not match line 6)".
 */
int audit_log_check(const char *path, const char *key);

/*
 * Checks every line of the file at path: format, hash chain, and when pubkey
 * (Ed25519 SubjectPublicKeyInfo PEM text, or a path to it) is given, a valid
 * signature on every line. The first line's prev is the genesis value, or
 * the sha256 after (64 hex, may be NULL) for a chain exported from a later
 * record on (`mainline audit export --since`). Appends to report either
 * "line N: <problem>" or "ok: N records ..." and "head: <sha256 of the last
 * line>" (compare the head with another copy to detect removed last lines).
 * Returns 0 when intact, ML_MALFORMED_OBJECT (damaged format or chain),
 * ML_BAD_SIGNATURE (missing or invalid signature), ML_CONFIG (unusable public
 * key or after) or ML_IO (unreadable); the message is set in each failure case.
 */
int audit_log_verify_file(const char *path, const char *pubkey, const char *after,
                          struct buf *report);

/*
 * The pieces of a chain other stores share (plugin/audit_db.c keeps one in the
 * database, line for line the same format).
 */

/*
 * The line of a record (record: the JSON audit_record_json renders, len bytes,
 * no newline) after a line hashing to prev: "prev" added as its last field,
 * signed with key (NULL: unsigned), as the format above says; appended to line
 * with its newline. 0, ML_MALFORMED_OBJECT (record is no JSON object) or ML_IO.
 */
int audit_chain_line(const char *record, size_t len, const uint8_t prev[32],
                     const struct crypto_signing_key *key, struct buf *line);

/* A chain checked line by line: the checks of audit_log_verify_file. */
struct audit_chain {
	const uint8_t *pub; /* NULL: signatures not checked */
	int unsigned_only;  /* a signed line is refused (no key to continue its chain with) */
	int continued;      /* the first prev is a given hash, not the genesis value */
	uint8_t prev[32];   /* what the next line's prev must be: the last line's sha256 */
	uint8_t pub_key[32];
	size_t lineno;
};

/* Starts v with pubkey and after as audit_log_verify_file takes them. 0 or ML_CONFIG. */
int audit_chain_start(struct audit_chain *v, const char *pubkey, const char *after);

/* Checks the next line (len bytes, no newline) of v. 0 or the reason, "line N: <problem>". */
int audit_chain_next(struct audit_chain *v, const char *line, size_t len);

/* "ok: N records, hash chain intact, ..." and "head: ..." of a chain that verified, into report. */
int audit_chain_report(const struct audit_chain *v, struct buf *report);

/*
 * audit_key (PKCS#8 PEM text, or a path to it) into *out, NULL when key is
 * NULL or "", and its public half into pub. 0 or ML_CONFIG.
 */
int audit_key_load(const char *key, struct crypto_signing_key **out, uint8_t pub[32]);

#endif
