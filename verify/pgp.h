/*
 * OpenPGP verification of git signatures (RFC 4880, v4 keys and signatures):
 * a keyring of trusted transferable public keys, and the check of a detached
 * signature over a commit or tag payload. See docs/openpgp.md for the policy.
 */
#ifndef MAINLINE_PGP_H
#define MAINLINE_PGP_H

#include "verify/signer.h"

#include <stddef.h>
#include <stdint.h>

struct pgp_keyring;

/* A new, empty keyring. 0 or ML_IO. */
int pgp_keyring_new(struct pgp_keyring **out);

/*
 * Adds the certificates in data (ASCII-armored blocks or binary packets, as
 * `gpg --export [-a]` or `gpg --gen-revoke` write them; several keys and
 * stand-alone revocation certificates per input are fine). Nothing is
 * evaluated yet: copies of one key from any number of inputs are merged by
 * primary fingerprint in pgp_keyring_finish(), which must follow the last
 * add. origin names the input in messages and is copied. Returns 0, or
 * ML_CONFIG with a message when the input cannot be parsed or holds neither
 * a key nor a revocation; on error the keyring is left unchanged.
 */
int pgp_keyring_add(struct pgp_keyring *kr, const uint8_t *data, size_t len, const char *origin);

/*
 * The same for an input that may only restrict: its revocations, and its
 * self-signatures as far as they shorten an expiration or withdraw the
 * signing flag, apply to the certificates the other inputs grant; it never
 * makes a key, subkey or user ID usable, nor lengthens an expiration. (The
 * baked policy's keyrings that a setting left out travel this way.)
 */
int pgp_keyring_add_restrictions(struct pgp_keyring *kr, const uint8_t *data, size_t len,
                                 const char *origin);

/*
 * Evaluates the merged certificates once every input is added (a revocation
 * given before its key applies as well as one given after). A key counts
 * only with a valid self-signature from a granting input. Fails with
 * ML_CONFIG naming the input when a stand-alone revocation matches no key
 * in the keyring, or a granting input holds no usable key and no matched
 * revocation. Warnings (a revocation whose signature does not verify, which
 * is ignored) are kept for pgp_keyring_warning(). May be called again after
 * more adds. 0, ML_CONFIG or ML_IO.
 */
int pgp_keyring_finish(struct pgp_keyring *kr);

/* The i-th warning of the last pgp_keyring_finish(), or NULL after the last one. */
const char *pgp_keyring_warning(const struct pgp_keyring *kr, size_t i);

/* Number of usable primary keys (0 before pgp_keyring_finish()). */
size_t pgp_keyring_count(const struct pgp_keyring *kr);

/*
 * The certificate that holds the key whose fingerprint is fpr (40 hex
 * digits, any case) as its primary key or as a usable subkey: its primary
 * fingerprint in upper-case hex goes to out. Returns how many certificates
 * hold that key (0, 1, or more, when out names the first).
 */
size_t pgp_keyring_owner(const struct pgp_keyring *kr, const char *fpr, char out[41]);

/* Frees the keyring; NULL is a no-op. */
void pgp_keyring_free(struct pgp_keyring *kr);

struct pgp_verify_opts {
	int64_t now;            /* the verifier's clock (Unix seconds) */
	int64_t committer_time; /* committer time of the signed commit or tag */
	int64_t max_skew;       /* tolerated clock difference, seconds */
};

/*
 * Verifies an ASCII-armored detached signature (exactly one v4 signature
 * packet) over payload, with a finished keyring. Returns 0 and fills *out (format SIGNER_OPENPGP,
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
