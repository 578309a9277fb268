/*
 * The strict annotated tag parser: object, type, tag, tagger headers in that
 * order, then other headers, an empty line, the message. As in git (tag.c,
 * gpg-interface.c parse_signature) a tag is signed by the signature block
 * that ends its message, in either object format; a signature header is the
 * other format's signature (the hash function transition), never checked.
 */
#ifndef MAINLINE_TAG_H
#define MAINLINE_TAG_H

#include <stddef.h>
#include <stdint.h>

#include "verify/object.h"

/* Longest tag name accepted. */
#define TAG_MAX_NAME 255

enum tag_sig_kind {
	TAG_SIG_NONE,
	TAG_SIG_MESSAGE, /* signature block at the end of the message */
};

struct tag_object {
	char object[OBJECT_HEX_MAX + 1]; /* the tagged object's id */
	char type[7];                    /* "commit", "tree", "blob" or "tag" */
	char *name;                      /* printable, no spaces or control characters */
	char *tagger;                    /* "Name <email>" */
	int64_t tagger_time;
	enum tag_sig_kind sig_kind;
	char *signature; /* ends with '\n'; NULL when unsigned */
	size_t signature_len;
	const char *other_signature; /* the other format's header name when present, else NULL */
	uint8_t *payload;            /* the signed bytes, NUL-terminated */
	size_t payload_len;
	const char *message; /* points into payload, without the signature block */
	size_t message_len;
};

/*
 * Parses a raw tag object (no "tag <len>\0" prefix) of a repository in
 * object format `format` into *out (fully initialised even on failure).
 * Returns 0, ML_MALFORMED_OBJECT or ML_IO. A tagger header is required (git
 * has written one since 2005). An unsigned tag parses with sig_kind
 * TAG_SIG_NONE. Release with tag_release().
 *
 * The signature is the last line of the object starting a signature block
 * (git's markers: BEGIN PGP SIGNATURE, PGP MESSAGE, SSH SIGNATURE, SIGNED
 * MESSAGE) to the end; that block must close the object with its END line.
 * The payload is everything before it without the other format's header
 * (gpgsig-sha256 in a SHA-1 repository, gpgsig in a SHA-256 one), which git
 * writes for interoperability and leaves out of the payload unchecked: a tag
 * whose only signature is that header is unsigned. Stricter than git: that
 * header at most once, and a header named for the tag's own format (git
 * never writes one: the signature belongs at the end of the message) or any
 * other header starting with "gpgsig" is refused rather than dropped.
 */
int tag_parse(struct tag_object *out, const uint8_t *raw, size_t len, enum object_format format);

/* Frees what tag_parse allocated; safe on a zeroed or released object. */
void tag_release(struct tag_object *t);

#endif
