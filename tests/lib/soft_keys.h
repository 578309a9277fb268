/*
 * Software signing keys for tests only: they make the signatures a FIDO
 * token or ssh-keygen would (sk-* and plain SSH signatures) from raw private
 * values, without hardware. mainline itself only verifies, and signs
 * nothing but its audit records (common/crypto.h).
 */
#ifndef MAINLINE_TESTS_SOFT_KEYS_H
#define MAINLINE_TESTS_SOFT_KEYS_H

#include <stddef.h>
#include <stdint.h>

/* The Ed25519 public key of a 32-byte seed. 0 or -1. */
int soft_ed25519_public(const uint8_t seed[32], uint8_t pub[32]);

/* Signs msg with the Ed25519 key of seed; sig receives 64 bytes. 0 or -1. */
int soft_ed25519_sign(const uint8_t seed[32], const void *msg, size_t msg_len, uint8_t sig[64]);

/*
 * ECDSA P-256 over a 32-byte digest with the private scalar priv. Writes
 * r and s (32 bytes each, big-endian, left-padded) and the public key as an
 * uncompressed point (65 bytes). 0 or -1.
 */
int soft_ecdsa_p256_sign(const uint8_t priv[32], const uint8_t digest[32], uint8_t r[32],
                         uint8_t s[32], uint8_t pub[65]);

#endif
