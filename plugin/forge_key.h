/*
 * The items of the forge_keys setting: a key a forge signs its web-interface
 * and merge commits with, and the committer identity it signs as. An item is
 *
 *   - an OpenPGP fingerprint (40 or 64 hex digits): a key of the keyring
 *     that signs as FORGE_IDENTITY_GITHUB (GitHub's web-flow key), or
 *   - a JSON object {"key": K, "identity": "Name <email>"}, where K is an
 *     OpenPGP fingerprint (a key of the keyring; the identity defaults to
 *     GitHub's) or an SSH public key "type base64 [comment]" (GitLab's,
 *     Gitea's; the identity is required, and the key is itself a trust
 *     root for namespace "git").
 *
 * Its canonical form, which the setting keeps: the upper-case fingerprint
 * alone for an OpenPGP key signing as GitHub, else {"key":K,"identity":I}
 * with K the upper-case fingerprint or "type base64" without the comment.
 * See docs/verification.md ("Forge keys").
 */
#ifndef MAINLINE_FORGE_KEY_H
#define MAINLINE_FORGE_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "plugin/strlist.h"
#include "verify/signer.h"

#define FORGE_IDENTITY_GITHUB "GitHub <noreply@github.com>"

struct forge_key_item {
	enum signer_format format;
	char *key;        /* upper-case fingerprint, or "type base64" */
	uint8_t *ssh_key; /* SSH: the public key blob */
	size_t ssh_key_len;
	char *identity; /* "Name <email>" */
};

/*
 * Parses one item (NUL-terminated text) into out, which the caller
 * releases. 0, ML_CONFIG with a message saying what is wrong (the item
 * itself is not quoted), or ML_IO.
 */
int forge_key_parse(struct forge_key_item *out, const char *text);

void forge_key_item_release(struct forge_key_item *it);

/* Appends the canonical text of it to out (NUL-terminated). 0 or ML_IO. */
int forge_key_canonical(const struct forge_key_item *it, struct buf *out);

/* Whether an identity counts as GitHub's default (the item may omit it). */
int forge_key_is_github_default(const struct forge_key_item *it);

/*
 * Whether the forge_keys list grants trust on its own: one of its
 * (canonical) items is an SSH key.
 */
int forge_keys_grant(const struct strlist *items);

#endif
