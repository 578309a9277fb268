/*
 * The keyring of trusted OpenPGP certificates: inputs are added as they come
 * (armored or binary, keys and stand-alone revocations), merged by primary
 * fingerprint and evaluated once by pgp_keyring_finish(). pgp.c verifies
 * with the entries it then holds.
 */
#ifndef MAINLINE_PGP_KEYRING_H
#define MAINLINE_PGP_KEYRING_H

#include <stddef.h>
#include <stdint.h>

#include "verify/pgp_packet.h"

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

enum pgp_revocation {
	PGP_NOT_REVOKED = 0,
	PGP_REVOKED,             /* a revocation that verifies */
	PGP_REVOKED_UNEVALUATED, /* a revocation mainline cannot check: treated as revoked */
};

/* One usable primary key or signing-algorithm subkey of a merged certificate. */
struct pgp_kr_entry {
	struct pgp_key key; /* points into the keyring's copy of an input */
	size_t primary;     /* index of the primary key's entry (itself for a primary) */
	int is_subkey;
	enum pgp_revocation revoked;
	const char *revoked_in; /* origin of the revocation that decided */
	char revoked_why[64];   /* for PGP_REVOKED_UNEVALUATED: what mainline cannot check */
	int may_sign;           /* key flags allow signing; for a subkey, back-signed too */
	uint32_t expires;       /* seconds after creation; 0: never */
	char *uid;              /* primary user ID, primaries only; NULL when it has none */
};

/*
 * Iterates over the entries whose key ID is keyid: start with *iter = 0;
 * returns NULL when there are no more.
 */
const struct pgp_kr_entry *pgp_keyring_next(const struct pgp_keyring *kr,
                                            const uint8_t keyid[PGP_KEYID_LEN], size_t *iter);

/* The entry of e's primary key (e itself for a primary). */
const struct pgp_kr_entry *pgp_keyring_primary(const struct pgp_keyring *kr,
                                               const struct pgp_kr_entry *e);

/* Whether pgp_keyring_finish() has run since the last add. */
int pgp_keyring_is_finished(const struct pgp_keyring *kr);

#endif
