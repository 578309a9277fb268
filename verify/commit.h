/*
 * The strict commit object parser. It reads the raw object bytes (as stored,
 * without the "commit <len>\0" prefix) the way git does, and never looks for
 * a signature outside the header block: a "gpgsig" line in the message is
 * message text (libgit2's git_commit_extract_signature must not be used).
 */
#ifndef MAINLINE_COMMIT_H
#define MAINLINE_COMMIT_H

#include <stddef.h>
#include <stdint.h>

#include "verify/object.h"

/* Most parents accepted (octopus merges beyond this are refused). */
#define COMMIT_MAX_PARENTS 256

enum commit_sig_kind {
	COMMIT_SIG_NONE,
	COMMIT_SIG_GPGSIG,
	COMMIT_SIG_GPGSIG_SHA256,
};

struct commit_object {
	char tree[OBJECT_HEX_MAX + 1];
	char (*parents)[OBJECT_HEX_MAX + 1];
	size_t parent_count;
	char *author; /* "Name <email>" */
	int64_t author_time;
	char *committer; /* "Name <email>" */
	int64_t committer_time;
	enum commit_sig_kind sig_kind; /* the format's own signature header, or none */
	char *signature; /* unfolded header value, ends with '\n'; NULL when unsigned */
	size_t signature_len;
	const char *other_signature; /* the other format's header name when present, else NULL */
	uint8_t *payload;            /* the object without both signature headers, NUL-terminated */
	size_t payload_len;
	const char *message; /* points into payload (may contain NUL bytes) */
	size_t message_len;
};

/*
 * Parses a raw commit object of a repository in object format `format` into
 * *out (fully initialised even on failure). Returns 0, ML_MALFORMED_OBJECT
 * (message names the problem) or ML_IO. An unsigned commit parses
 * successfully with sig_kind COMMIT_SIG_NONE: the caller decides that it
 * means ML_UNSIGNED. On success the caller owns *out and releases it with
 * commit_release().
 *
 * Accepted: tree, parent*, author, committer in that order (object ids of the
 * format's length), then any other headers (encoding, mergetag, unknown ones
 * kept in the payload), an empty line, the message. An object that ends right
 * after its header (no empty line, no message) is accepted as git does; the
 * last header line must still end with LF.
 *
 * Signature headers as git's parse_buffer_signed_by_header reads them: only
 * the format's own header (gpgsig for SHA-1, gpgsig-sha256 for SHA-256) signs
 * the commit. The other one signs the commit's form in the other format: it
 * is left out of the payload and never checked, so a commit whose only
 * signature header is the other one is unsigned. The payload is the object
 * without both. Stricter than git: each of the two at most once (git joins
 * repeated ones), and any other header whose name starts with "gpgsig" is
 * refused (git drops it from the payload unchecked).
 */
int commit_parse(struct commit_object *out, const uint8_t *raw, size_t len,
                 enum object_format format);

/* Frees what commit_parse allocated; safe on a zeroed or released object. */
void commit_release(struct commit_object *c);

#endif
