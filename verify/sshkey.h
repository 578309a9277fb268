/*
 * SSH public keys in their wire format (RFC 4253, RFC 8709, PROTOCOL.u2f):
 * the key types mainline knows, the strict parser of a public key blob, the
 * fingerprint ssh-keygen prints, and the algorithm policy a signature by a
 * key must meet. allowed_signers.c and sshsig.c build on it, as OpenSSH's
 * sshsig.c builds on sshkey.c.
 *
 * Known types: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa (keys; only
 * rsa-sha2-256/512 signatures of at least 2048 bits are accepted),
 * sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com, and ssh-dss,
 * which parses but is always refused as weak. Certificates and unknown types
 * parse as SSHKEY_CERT / SSHKEY_UNKNOWN and are refused as unsupported.
 */
#ifndef MAINLINE_SSHKEY_H
#define MAINLINE_SSHKEY_H

#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/reader.h"

#define SSHKEY_MIN_RSA_BITS 2048
#define SSHKEY_MAX_RSA_BITS 16384

enum sshkey_kind {
	SSHKEY_UNKNOWN,
	SSHKEY_CERT,
	SSHKEY_DSA,
	SSHKEY_ED25519,
	SSHKEY_ECDSA,
	SSHKEY_RSA,
	SSHKEY_SK_ED25519,
	SSHKEY_SK_ECDSA,
};

/* One row of the key-type table. */
struct sshkey_type {
	const char *name;
	enum sshkey_kind kind;
	enum crypto_curve curve;
	const char *curve_id;  /* ECDSA: the curve identifier inside the key */
	size_t point_len;      /* Ed25519: 32; ECDSA: uncompressed SEC1 point */
	size_t scalar_len;     /* ECDSA: largest r or s */
	enum crypto_hash hash; /* ECDSA: the digest the curve signs */
};

/* A public key in SSH wire format, as views into the blob it was parsed from. */
struct sshkey {
	const struct sshkey_type *type; /* NULL for unknown types and certificates */
	enum sshkey_kind kind;
	const uint8_t *name; /* the type string as written */
	size_t name_len;
	const uint8_t *point; /* Ed25519 key or ECDSA point */
	size_t point_len;
	const uint8_t *rsa_e, *rsa_n; /* without the mpint sign byte */
	size_t rsa_e_len, rsa_n_len;
	const uint8_t *application; /* FIDO keys */
	size_t application_len;
};

/*
 * Parses a public key blob (exactly len bytes, no trailing data) into key,
 * whose views point into blob. An unknown type or a certificate parses with
 * key->type NULL and only its name read. 0, or -1 when malformed.
 */
int sshkey_parse(struct sshkey *key, const uint8_t *blob, size_t len);

/*
 * Checks that blob is a well-formed public key of a known type (ssh-dss
 * included). *out_type points to the type's static name. Returns 0, or
 * ML_UNSUPPORTED / ML_BAD_SIGNATURE with no message recorded (callers word
 * the error for their context).
 */
int sshkey_check_public_key(const uint8_t *blob, size_t len, const char **out_type);

/* "SHA256:" + unpadded base64 of SHA-256(blob), as ssh-keygen -l. 0 or ML_IO. */
int sshkey_fingerprint(const uint8_t *blob, size_t len, char out[128]);

/*
 * The algorithm policy for a signature by key made with signature algorithm
 * sig_alg: the key type must be supported (ML_UNSUPPORTED) and not weak
 * (ML_WEAK_ALGORITHM: ssh-dss, RSA under SSHKEY_MIN_RSA_BITS, ssh-rsa SHA-1
 * signatures), and sig_alg must fit the key (ML_BAD_SIGNATURE). For RSA,
 * *rsa_hash receives the digest the signature uses. 0 or the reason, with
 * a message.
 */
int sshkey_check_signature_algorithm(const struct sshkey *key, const uint8_t *sig_alg,
                                     size_t sig_alg_len, enum crypto_hash *rsa_hash);

/*
 * An SSH mpint that must be positive and minimally encoded (a zero byte only
 * in front of a set high bit), at most max_len bytes once that zero byte is
 * dropped from the view. Consumes nothing on failure. 0 or -1.
 */
int sshkey_get_positive_mpint(struct reader *r, size_t max_len, const uint8_t **out,
                              size_t *out_len);

#endif
