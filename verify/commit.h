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

/* Most parents accepted (octopus merges beyond this are refused). */
#define COMMIT_MAX_PARENTS 256

enum commit_sig_kind {
	COMMIT_SIG_NONE,
	COMMIT_SIG_GPGSIG,
	COMMIT_SIG_GPGSIG_SHA256,
};

struct commit_object {
	char tree[41];
	char (*parents)[41];
	size_t parent_count;
	char *author; /* "Name <email>" */
	int64_t author_time;
	char *committer; /* "Name <email>" */
	int64_t committer_time;
	enum commit_sig_kind sig_kind;
	char *signature; /* unfolded header value, ends with '\n'; NULL when unsigned */
	size_t signature_len;
	uint8_t *payload; /* the object without the signature header, NUL-terminated */
	size_t payload_len;
	const char *message; /* points into payload (may contain NUL bytes) */
	size_t message_len;
};

/*
 * Parses a raw commit object into *out (fully initialised even on failure).
 * Returns 0, ML_MALFORMED_OBJECT (message names the problem) or ML_IO.
 * An unsigned commit parses successfully with sig_kind COMMIT_SIG_NONE: the
 * caller decides that it means ML_UNSIGNED. On success the caller owns *out
 * and releases it with commit_release().
 *
 * Accepted: tree, parent*, author, committer in that order, then any other
 * headers (encoding, mergetag, unknown ones kept in the payload), at most one
 * signature header (gpgsig or gpgsig-sha256), an empty line, the message. An
 * object that ends right after its header (no empty line, no message) is
 * accepted as git does; the last header line must still end with LF.
 */
int commit_parse(struct commit_object *out, const uint8_t *raw, size_t len);

/* Frees what commit_parse allocated; safe on a zeroed or released object. */
void commit_release(struct commit_object *c);

#endif
