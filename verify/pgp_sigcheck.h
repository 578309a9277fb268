/*
 * Cryptographic check of one OpenPGP v4 signature by one key (RFC 4880
 * section 5.2.4): the signed material, the hashed part of the signature and
 * its trailer are hashed, the left 16 bits compared, then the signature
 * verified through crypto.h. Policy (which hashes and key sizes are
 * acceptable, validity in time) is the caller's.
 */
#ifndef MAINLINE_PGP_SIGCHECK_H
#define MAINLINE_PGP_SIGCHECK_H

#include "verify/pgp_packet.h"

/* What a signature covers, in hashing order; absent parts are NULL. */
struct pgp_signed_data {
	const struct pgp_key *primary; /* hashed as 0x99 || u16 length || body */
	const struct pgp_key *subkey;  /* likewise, after the primary */
	const uint8_t *uid;            /* hashed as 0xB4 || u32 length || uid */
	size_t uid_len;
	const uint8_t *data; /* a document (signature types 0x00 and 0x01) */
	size_t data_len;
	int text; /* hash data with line endings canonicalized to CRLF */
};

/*
 * The digest sig signs over what, with the signature's hash (*h), into
 * digest (crypto_hash_len(*h) bytes). 0, or -1 when the hash is not
 * supported or hashing fails.
 */
int pgp_sig_digest(const struct pgp_sig *sig, const struct pgp_signed_data *what,
                   enum crypto_hash *h, uint8_t digest[CRYPTO_MAX_DIGEST]);

/*
 * 1 when sig is a valid signature by signer over what, 0 when it is not
 * (including a left-16-bits mismatch), -1 when it cannot be checked (hash
 * not supported, signature and key algorithms differ, unusable key).
 * Sets no error message.
 */
int pgp_sig_check(const struct pgp_key *signer, const struct pgp_sig *sig,
                  const struct pgp_signed_data *what);

#endif
