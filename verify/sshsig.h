/*
 * SSH signatures (OpenSSH PROTOCOL.sshsig), as git writes them for
 * gpg.format=ssh: the armored blob, its strict parser, and verification
 * against an allowed_signers file.
 *
 * Accepted keys: ssh-ed25519, ecdsa-sha2-nistp256/384/521, RSA of at least
 * 2048 bits with rsa-sha2-256/512 signatures, and the FIDO types
 * sk-ssh-ed25519@openssh.com and sk-ecdsa-sha2-nistp256@openssh.com.
 * Everything else is refused: known weak algorithms (ssh-dss, ssh-rsa SHA-1
 * signatures, short RSA) with ML_WEAK_ALGORITHM, the rest (certificates,
 * unknown types) with ML_UNSUPPORTED.
 */
#ifndef MAINLINE_SSHSIG_H
#define MAINLINE_SSHSIG_H

#include <stddef.h>
#include <stdint.h>

#include "verify/signer.h"

struct allowed_signers;

/* Caps on untrusted input: larger inputs are refused before decoding. */
#define SSHSIG_MAX_ARMORED (64u * 1024)
#define SSHSIG_MAX_BLOB (48u * 1024)

struct sshsig_policy {
	int require_user_presence; /* FIDO signatures must carry the user-presence flag */
	int64_t now;               /* the verifier's clock, Unix seconds */
	int64_t max_skew;          /* seconds `when` may lie ahead of now */
};

struct sshsig;

/*
 * Parses an armored SSH signature. The armor is strict: the exact BEGIN
 * line, non-empty base64 body lines of any width, the exact END line and at
 * most one newline after it. The decoded blob and each nested structure (public key, signature) are
 * parsed with the bounded reader and refused on trailing data.
 *
 * On success *out owns a copy of the decoded blob; free with sshsig_free.
 * Returns 0, ML_BAD_SIGNATURE (cannot be parsed) or ML_IO (out of memory).
 */
int sshsig_parse(struct sshsig **out, const char *armored, size_t len);

void sshsig_free(struct sshsig *sig);

/* The signer's public key in SSH wire format (points into sig). */
const uint8_t *sshsig_public_key(const struct sshsig *sig, size_t *out_len);

/*
 * Verifies a parsed signature over payload for namespace ns, in this order:
 * namespace (ML_WRONG_NAMESPACE), algorithm policy (ML_WEAK_ALGORITHM,
 * ML_UNSUPPORTED, ML_BAD_SIGNATURE for a signature algorithm that does not
 * fit the key), the clock (ML_BAD_TIME when `when` lies more than
 * policy->max_skew seconds after policy->now), allowed_signers lookup at time
 * `when` (ML_UNKNOWN_KEY, ML_WRONG_NAMESPACE, ML_KEY_EXPIRED), then the
 * cryptography (ML_BAD_SIGNATURE). SSH signatures carry no time, so `when`
 * (git's committer time) is the signer's claim: the clock check keeps a key
 * that is not valid yet from signing by post-dating. policy NULL (tests and
 * fuzzing only): no clock and no FIDO user presence required. Fills *out
 * only when everything succeeded.
 */
int sshsig_verify(const struct allowed_signers *as, const struct sshsig_policy *policy,
                  const struct sshsig *sig, const char *ns, const uint8_t *payload,
                  size_t payload_len, int64_t when, struct ml_signer *out);

/*
 * The full check for a git object: parse the armored signature, then
 * sshsig_verify with namespace "git". `when` is the committer time (what git
 * passes to ssh-keygen as -Overify-time). Fills *out only on success.
 */
int sshsig_verify_git(const struct allowed_signers *as, const struct sshsig_policy *policy,
                      const char *armored, size_t armored_len, const uint8_t *payload,
                      size_t payload_len, int64_t when, struct ml_signer *out);

#endif
