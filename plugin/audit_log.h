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
 * Appends rec to the file at path (created 0640 when missing). key is the
 * Ed25519 private key (PKCS#8 PEM text, or a path to it) or NULL/"" for an
 * unsigned chain. The file is locked with flock for the whole append; the
 * last line is read from the end (bounded), the new line goes out in one
 * write(2) and is fsynced. A file whose last line is incomplete is not
 * appended to. Returns 0, ML_CONFIG (bad key), ML_MALFORMED_OBJECT (damaged
 * tail) or ML_IO.
 */
int audit_log_append(const char *path, const struct audit_record *rec, const char *key);

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
