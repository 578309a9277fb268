/*
 * The strict annotated tag parser: object, type, tag, tagger headers in that
 * order, then other headers, an empty line, the message. The signature is
 * either appended to the message (an armored PGP or SSH signature block,
 * payload = everything before it, as git does for SHA-1 repositories) or held
 * in a gpgsig / gpgsig-sha256 header (payload = object minus that header).
 * Exactly one signature at most; two are refused.
 */
#ifndef MAINLINE_TAG_H
#define MAINLINE_TAG_H

#include <stddef.h>
#include <stdint.h>

/* Longest tag name accepted. */
#define TAG_MAX_NAME 255

enum tag_sig_kind {
	TAG_SIG_NONE,
	TAG_SIG_MESSAGE,       /* signature block at the end of the message */
	TAG_SIG_GPGSIG,        /* gpgsig header */
	TAG_SIG_GPGSIG_SHA256, /* gpgsig-sha256 header */
};

struct tag_object {
	char object[41]; /* the tagged object's id */
	char type[7];    /* "commit", "tree", "blob" or "tag" */
	char *name;      /* printable, no spaces or control characters */
	char *tagger;    /* "Name <email>" */
	int64_t tagger_time;
	enum tag_sig_kind sig_kind;
	char *signature; /* ends with '\n'; NULL when unsigned */
	size_t signature_len;
	uint8_t *payload; /* the signed bytes, NUL-terminated */
	size_t payload_len;
	const char *message; /* points into payload, without the signature block */
	size_t message_len;
};

/*
 * Parses a raw tag object (no "tag <len>\0" prefix) into *out (fully
 * initialised even on failure). Returns 0, ML_MALFORMED_OBJECT or ML_IO. A
 * tagger header is required (git has written one since 2005). An unsigned tag
 * parses with sig_kind TAG_SIG_NONE. Release with tag_release().
 */
int tag_parse(struct tag_object *out, const uint8_t *raw, size_t len);

/* Frees what tag_parse allocated; safe on a zeroed or released object. */
void tag_release(struct tag_object *t);

#endif
