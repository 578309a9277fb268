/*
 * The keyring's internal layout, shared by pgp_keyring.c (which builds it)
 * and pgp.c (which verifies with it).
 */
#ifndef MAINLINE_PGP_KEYRING_H
#define MAINLINE_PGP_KEYRING_H

#include "pgp.h"
#include "pgp_packet.h"

/* One usable primary key or signing-algorithm subkey. */
struct pgp_kr_entry {
	struct pgp_key key; /* points into body */
	uint8_t *body;      /* owned copy of the key packet body */
	size_t primary;     /* index of the primary key's entry (itself for a primary) */
	int is_subkey;
	int revoked;
	int may_sign;     /* key flags allow signing; for a subkey, back-signed too */
	uint32_t expires; /* seconds after creation; 0: never */
	char *uid;        /* primary user ID, primaries only; NULL when it has none */
};

struct pgp_keyring {
	struct pgp_kr_entry *entries;
	size_t n, cap;
	size_t *by_keyid; /* entry indexes sorted by key ID */
	size_t n_primary;
};

/*
 * Iterates over the entries whose key ID is keyid: start with *iter = 0;
 * returns NULL when there are no more.
 */
const struct pgp_kr_entry *pgp_keyring_next(const struct pgp_keyring *kr,
                                            const uint8_t keyid[PGP_KEYID_LEN], size_t *iter);

#endif
