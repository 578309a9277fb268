/*
 * OpenPGP wire format (RFC 4880): ASCII armor, packet framing, and the
 * parsing of v4 public-key and signature packets. Internal to the OpenPGP
 * verifier; nothing here does cryptography beyond the key fingerprint.
 *
 * Parsed structures point into the bytes they were parsed from; those bytes
 * must outlive them.
 */
#ifndef MAINLINE_PGP_PACKET_H
#define MAINLINE_PGP_PACKET_H

#include "common/buf.h"
#include "common/crypto.h"
#include "common/reader.h"

#include <stddef.h>
#include <stdint.h>

#define PGP_TAG_SIGNATURE 2
#define PGP_TAG_PUBLIC_KEY 6
#define PGP_TAG_MARKER 10
#define PGP_TAG_TRUST 12
#define PGP_TAG_USER_ID 13
#define PGP_TAG_PUBLIC_SUBKEY 14
#define PGP_TAG_USER_ATTRIBUTE 17

#define PGP_PK_RSA 1
#define PGP_PK_RSA_ENCRYPT 2
#define PGP_PK_RSA_SIGN 3
#define PGP_PK_ELGAMAL 16
#define PGP_PK_DSA 17
#define PGP_PK_ECDH 18
#define PGP_PK_ECDSA 19
#define PGP_PK_EDDSA 22

#define PGP_HASH_MD5 1
#define PGP_HASH_SHA1 2
#define PGP_HASH_RIPEMD160 3
#define PGP_HASH_SHA256 8
#define PGP_HASH_SHA384 9
#define PGP_HASH_SHA512 10
#define PGP_HASH_SHA224 11

#define PGP_SIG_BINARY 0x00
#define PGP_SIG_TEXT 0x01
#define PGP_SIG_CERT_GENERIC 0x10
#define PGP_SIG_CERT_POSITIVE 0x13
#define PGP_SIG_SUBKEY_BINDING 0x18
#define PGP_SIG_PRIMARY_BINDING 0x19
#define PGP_SIG_DIRECT_KEY 0x1f
#define PGP_SIG_KEY_REVOCATION 0x20
#define PGP_SIG_SUBKEY_REVOCATION 0x28

#define PGP_KEY_FLAG_SIGN 0x02

#define PGP_FPR_LEN 20
#define PGP_KEYID_LEN 8

/* A v4 public key or subkey packet. */
struct pgp_key {
	uint8_t algo;
	uint32_t created;
	const uint8_t *body; /* the whole packet body, hashed by signatures */
	size_t body_len;
	uint8_t fpr[PGP_FPR_LEN];
	uint8_t keyid[PGP_KEYID_LEN];
	int can_verify; /* RSA, ECDSA or EdDSA on a supported curve */
	unsigned bits;  /* RSA modulus or curve size */
	const uint8_t *rsa_n, *rsa_e;
	size_t rsa_n_len, rsa_e_len;
	enum crypto_curve curve;
	const uint8_t *ec_point; /* uncompressed SEC1 point */
	size_t ec_point_len;
	const uint8_t *ed25519; /* 32 bytes, without the 0x40 prefix */
};

/* A v4 signature packet; only the fields mainline uses are kept. */
struct pgp_sig {
	uint8_t version;
	uint8_t type;
	uint8_t pk_algo;
	uint8_t hash_algo;
	const uint8_t *hashed; /* version byte through the hashed subpackets */
	size_t hashed_len;
	uint8_t left16[2];
	int has_created; /* hashed only */
	uint32_t created;
	uint32_t expires;     /* signature expiration, seconds after creation; 0: never */
	int has_key_expires;  /* hashed only */
	uint32_t key_expires; /* seconds after key creation; 0: never */
	int has_key_flags;    /* hashed only */
	uint8_t key_flags;
	int primary_uid;      /* hashed only */
	int unknown_critical; /* a critical subpacket mainline does not understand */
	int has_issuer;       /* issuer key ID, hashed or not: a hint only */
	uint8_t issuer[PGP_KEYID_LEN];
	int has_issuer_fpr; /* issuer fingerprint, hashed or not: a hint only */
	uint8_t issuer_fpr_version;
	uint8_t issuer_fpr[PGP_FPR_LEN];
	const uint8_t *embedded; /* embedded signature (a back-signature) */
	size_t embedded_len;
	int n_mpi;
	const uint8_t *mpi[2]; /* without leading zero bytes */
	size_t mpi_len[2];
};

/* Writes len bytes as upper-case hex and a NUL into out (fingerprints, key IDs in messages). */
void pgp_hex(const uint8_t *data, size_t len, char *out);

/* Whether the len bytes at s are all white space (what may follow an armor block). */
int pgp_only_space(const char *s, size_t len);

/*
 * Decodes one ASCII-armored block of the given type ("SIGNATURE", "PUBLIC
 * KEY BLOCK") starting at in, after optional blank lines. Appends the binary
 * content to out and sets *consumed to the offset just after the end line.
 * Checks the CRC-24 line when present. ML_MALFORMED_OBJECT on any deviation.
 */
int pgp_dearmor(const char *in, size_t len, const char *type, struct buf *out, size_t *consumed);

/* CRC-24 of RFC 4880 section 6.1. */
uint32_t pgp_crc24(const uint8_t *data, size_t len);

/*
 * Reads one packet header and body. Old and new formats; indeterminate and
 * partial body lengths are refused. 0 or ML_MALFORMED_OBJECT.
 */
int pgp_packet_next(struct reader *r, uint8_t *tag, struct reader *body);

/*
 * Parses a public key or subkey packet body. ML_UNSUPPORTED (no message) for
 * versions other than 4 and unknown algorithms or curves, ML_MALFORMED_OBJECT
 * for broken or trailing data. DSA, ElGamal and ECDH parse with can_verify 0.
 */
int pgp_key_parse(struct pgp_key *out, const uint8_t *body, size_t len);

/*
 * Parses a signature packet body. ML_UNSUPPORTED (no message) for versions
 * other than 4, ML_MALFORMED_OBJECT for broken subpackets or trailing data.
 */
int pgp_sig_parse(struct pgp_sig *out, const uint8_t *body, size_t len);

/*
 * The version and signature type of a signature packet body of any version
 * (v3 keeps the type in another place than v4 to v6), for signatures that
 * pgp_sig_parse() does not read. 0, or -1 when the body is too short.
 */
int pgp_sig_peek(const uint8_t *body, size_t len, uint8_t *version, uint8_t *type);

/* The crypto.h hash for an OpenPGP hash algorithm; -1 when not supported. */
int pgp_hash_from_id(uint8_t id, enum crypto_hash *out);

/* "SHA-256", ... or "unknown". */
const char *pgp_hash_name(uint8_t id);

#endif
