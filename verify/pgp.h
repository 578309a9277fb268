/*
 * OpenPGP verification of git signatures (RFC 4880, v4 keys and signatures):
 * a keyring of trusted transferable public keys, and the check of a detached
 * signature over a commit or tag payload. See docs/openpgp.md for the policy.
 */
#ifndef MAINLINE_PGP_H
#define MAINLINE_PGP_H

#include "signer.h"

#include <stddef.h>
#include <stdint.h>

struct pgp_keyring;

/* A new, empty keyring. 0 or ML_IO. */
int pgp_keyring_new(struct pgp_keyring **out);

/*
 * Adds every transferable public key in data (ASCII-armored blocks or binary
 * packets, as `gpg --export [-a]` writes them; several keys per input are
 * fine). Only keys with a valid self-signature are kept, and only subkeys
 * with a valid binding signature. A stand-alone key revocation certificate
 * applies to a key already in the keyring. origin names the input in
 * messages. Returns 0, or ML_CONFIG with a message when the input cannot be
 * parsed or holds no usable key; on error the keyring is left unchanged.
 */
int pgp_keyring_add(struct pgp_keyring *kr, const uint8_t *data, size_t len, const char *origin);

/* Number of usable primary keys. */
size_t pgp_keyring_count(const struct pgp_keyring *kr);

/* Frees the keyring; NULL is a no-op. */
void pgp_keyring_free(struct pgp_keyring *kr);

struct pgp_verify_opts {
	int64_t now;            /* the verifier's clock (Unix seconds) */
	int64_t committer_time; /* committer time of the signed commit or tag */
	int64_t max_skew;       /* tolerated clock difference, seconds */
};

/*
 * Verifies an ASCII-armored detached signature (exactly one v4 signature
 * packet) over payload. Returns 0 and fills *out (format SIGNER_OPENPGP,
 * principal = primary user ID, key = primary key fingerprint in upper-case
 * hex, algorithm like "RSA-4096/SHA-512", signed_at = creation time) only on
 * success; otherwise a reason code (ML_BAD_SIGNATURE, ML_UNKNOWN_KEY,
 * ML_KEY_EXPIRED, ML_KEY_REVOKED, ML_WEAK_ALGORITHM, ML_BAD_TIME,
 * ML_MALFORMED_OBJECT, ML_UNSUPPORTED) with a message, and *out untouched.
 */
int pgp_verify_detached(const struct pgp_keyring *kr, const char *armored, size_t len,
                        const uint8_t *payload, size_t payload_len,
                        const struct pgp_verify_opts *opts, struct ml_signer *out);

#endif
