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
 * signature on every line. Appends to report either "line N: <problem>" or
 * "ok: N records ..." and "head: <sha256 of the last line>" (compare the head
 * with another copy to detect removed last lines). Returns 0 when intact,
 * ML_MALFORMED_OBJECT (damaged format or chain), ML_BAD_SIGNATURE (missing or
 * invalid signature), ML_CONFIG (unusable public key) or ML_IO (unreadable);
 * the message is set in each failure case.
 */
int audit_log_verify_file(const char *path, const char *pubkey, struct buf *report);

#endif
