/*
 * OpenPGP verification of git signatures (RFC 4880, v4 keys and signatures):
 * the check of a detached signature over a commit or tag payload against a
 * keyring of trusted certificates (pgp_keyring.h). See docs/openpgp.md for
 * the policy.
 */
#ifndef MAINLINE_PGP_H
#define MAINLINE_PGP_H

#include "verify/signer.h"

#include <stddef.h>
#include <stdint.h>

struct pgp_keyring; /* pgp_keyring.h */

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
