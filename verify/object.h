/*
 * Header lines of raw git objects (commits and annotated tags), shared by the
 * strict commit and tag parsers. A header is "key SP value LF" followed by
 * zero or more continuation lines "SP text LF"; the header block ends at the
 * first empty line, or at the end of an object that has no message.
 */
#ifndef MAINLINE_OBJECT_H
#define MAINLINE_OBJECT_H

#include <stddef.h>
#include <stdint.h>

#include "common/reader.h"

/* Longest physical header line accepted (signature lines are 64-76 bytes). */
#define OBJECT_MAX_LINE (64u * 1024)
/* Largest commit or tag object accepted. */
#define OBJECT_MAX_SIZE (16u * 1024 * 1024)
/* Hex digits of the longest object id (SHA-256). */
#define OBJECT_HEX_MAX 64

/*
 * The repository's object format. It decides the length of object ids and
 * which signature header is the object's own (git's gpg_sig_headers[]):
 * "gpgsig" in a SHA-1 repository, "gpgsig-sha256" in a SHA-256 one. The
 * other one signs the object's form in the other format (the hash function
 * transition's interoperability); git leaves it out of the payload and never
 * checks it.
 */
enum object_format {
	OBJECT_SHA1,
	OBJECT_SHA256,
};

/* "sha1" or "sha256". */
const char *object_format_name(enum object_format f);

/* The signature header of format f: "gpgsig" or "gpgsig-sha256". */
const char *object_signature_header(enum object_format f);

/* The other format's signature header. */
const char *object_other_signature_header(enum object_format f);

/*
 * Whether raw (len bytes, without the "<type> <len>\0" header) is the object
 * of that type ("commit", "tree", "blob", "tag") whose SHA-1 id is id, as git
 * computes it.
 */
int object_sha1_is(const char *type, const uint8_t *raw, size_t len, const uint8_t id[20]);

struct object_header {
	const uint8_t *key; /* not NUL-terminated */
	size_t key_len;
	const uint8_t *value; /* first line's value, without the LF */
	size_t value_len;
	const uint8_t *start; /* the whole header: first line and continuations */
	size_t len;           /* including the final LF */
	int continued;        /* has continuation lines */
};

/*
 * Reads the next header from r. Returns 1 with *h filled, 0 at the end of the
 * header block (the empty separator line is consumed; the end of the input
 * also ends it), or ML_MALFORMED_OBJECT (message recorded, `what` names the
 * object kind) for a NUL, an unterminated or too long line, a continuation
 * line with no header before it, or a line without a space.
 */
int object_header_next(struct reader *r, struct object_header *h, const char *what);

/* Whether the header's key is exactly `key`. */
int object_header_is(const struct object_header *h, const char *key);

/*
 * The header's value with continuation lines joined by LF after removing
 * their single leading space, ending with LF: what git hands to gpg or
 * ssh-keygen. *out is allocated and NUL-terminated. 0 or ML_IO.
 */
int object_header_unfold(const struct object_header *h, char **out, size_t *out_len);

/*
 * An object id of format f (40 or 64 lower-case hex digits) into out,
 * NUL-terminated. 0 or ML_MALFORMED_OBJECT (message names `what`).
 */
int object_parse_hex(const struct object_header *h, enum object_format f,
                     char out[OBJECT_HEX_MAX + 1], const char *what);

/*
 * An identity line value "Name <email> SECONDS TZ". *out_ident is allocated
 * ("Name <email>"), *out_time the seconds. 0, ML_MALFORMED_OBJECT or ML_IO.
 */
int object_parse_ident(const struct object_header *h, char **out_ident, int64_t *out_time,
                       const char *what);

/*
 * Copies raw[0..len) without the headers cut[0..n) (each read from raw,
 * none overlapping, in any order; an entry whose start is NULL cuts nothing)
 * into a new NUL-terminated allocation. 0 or ML_IO.
 */
int object_copy_without(const uint8_t *raw, size_t len, const struct object_header *cut, size_t n,
                        uint8_t **out, size_t *out_len);

#endif
