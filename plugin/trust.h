/*
 * Loading trust roots from their textual forms (allowed_signers text,
 * OpenPGP keyrings) and the digest that names them in the verified cache and
 * the audit record. Shared by `mainline verify` and plugin mode.
 */
#ifndef MAINLINE_TRUST_H
#define MAINLINE_TRUST_H

#include <stddef.h>

#include "signature.h"

struct trust_input {
	const char *allowed_signers; /* contents, or NULL */
	size_t allowed_signers_len;
	const char *allowed_signers_origin;
	const char *const *keyrings; /* contents */
	const size_t *keyring_lens;
	const char *const *keyring_origins;
	size_t keyring_count;
	const char *const *forge_keys;
	size_t forge_key_count;
	const char *forge_identity; /* NULL = default */
	int require_user_presence;
	long max_skew; /* seconds; < 0 = default */
};

/*
 * Builds trust roots and their digest (64 hex + NUL). At least one root is
 * required. 0, ML_CONFIG or ML_IO with a message.
 */
int trust_load(struct trust_roots *out, char digest[65], const struct trust_input *in);

#endif
