/*
 * The OpenSSL seam, for every part that hashes, verifies or signs (verify/
 * for signatures, docker/ for random container names, plugin/ for digests,
 * audit signing and webhook HMACs): the only production file that includes
 * OpenSSL headers. Keys come in as raw public parameters already parsed (and
 * bounds-checked) by the callers' format parsers; these functions only do
 * the arithmetic. Test-only signing lives in tests/lib/soft_keys.c.
 *
 * Verification functions return 1 for a valid signature, 0 for an invalid
 * one, and -1 when the key or signature is unusable (bad point, wrong size).
 * Callers must compare with `== 1`.
 */
#ifndef MAINLINE_CRYPTO_H
#define MAINLINE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

enum crypto_hash {
	CRYPTO_SHA1,
	CRYPTO_SHA224,
	CRYPTO_SHA256,
	CRYPTO_SHA384,
	CRYPTO_SHA512,
};

#define CRYPTO_MAX_DIGEST 64

enum crypto_curve {
	CRYPTO_P256,
	CRYPTO_P384,
	CRYPTO_P521,
};

/* Digest length in bytes. */
size_t crypto_hash_len(enum crypto_hash h);

/* One-shot digest; out must hold crypto_hash_len(h) bytes. 0 or -1. */
int crypto_digest(enum crypto_hash h, const void *data, size_t len, uint8_t *out);

struct crypto_hash_ctx;

/* Incremental hashing. new returns NULL on failure; free(NULL) is a no-op. */
struct crypto_hash_ctx *crypto_hash_new(enum crypto_hash h);
int crypto_hash_update(struct crypto_hash_ctx *ctx, const void *data, size_t len);
int crypto_hash_final(struct crypto_hash_ctx *ctx, uint8_t *out);
void crypto_hash_free(struct crypto_hash_ctx *ctx);

/* Pure Ed25519 over msg. */
int crypto_verify_ed25519(const uint8_t pub[32], const void *msg, size_t msg_len,
                          const uint8_t sig[64]);

/*
 * ECDSA over a precomputed digest. point is an uncompressed SEC1 point
 * (0x04 || X || Y); r and s are unsigned big-endian integers.
 */
int crypto_verify_ecdsa(enum crypto_curve curve, const uint8_t *point, size_t point_len,
                        const uint8_t *digest, size_t digest_len, const uint8_t *r, size_t r_len,
                        const uint8_t *s, size_t s_len);

/*
 * RSASSA-PKCS1-v1_5 over a precomputed digest of hash h. n and e are unsigned
 * big-endian; sig is left-padded to the modulus size when shorter.
 */
int crypto_verify_rsa(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                      enum crypto_hash h, const uint8_t *digest, size_t digest_len,
                      const uint8_t *sig, size_t sig_len);

/* Bit length of an unsigned big-endian integer (leading zero bytes ignored). */
unsigned crypto_bignum_bits(const uint8_t *v, size_t len);

/* HMAC-SHA256; out holds 32 bytes. 0 or -1. */
int crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                       uint8_t out[32]);

/* Cryptographically random bytes. 0 or -1. */
int crypto_random(void *out, size_t len);

struct crypto_signing_key;

/*
 * Loads an Ed25519 private key from PEM text (PKCS#8). Returns NULL when the
 * text is not such a key. The caller frees with crypto_signing_key_free.
 */
struct crypto_signing_key *crypto_signing_key_from_pem(const char *pem, size_t len);
void crypto_signing_key_free(struct crypto_signing_key *key);

/* Signs msg with Ed25519; sig receives 64 bytes. 0 or -1. */
int crypto_sign_ed25519(const struct crypto_signing_key *key, const void *msg, size_t msg_len,
                        uint8_t sig[64]);

/* The raw 32-byte public half of key. 0 or -1. */
int crypto_signing_key_public(const struct crypto_signing_key *key, uint8_t pub[32]);

/*
 * Reads an Ed25519 public key from PEM text (SubjectPublicKeyInfo) into its
 * raw 32 bytes. 0 or -1.
 */
int crypto_ed25519_public_from_pem(const char *pem, size_t len, uint8_t pub[32]);

#endif
