/*
 * The keyring's internal layout, shared by pgp_keyring.c (which builds it)
 * and pgp.c (which verifies with it).
 */
#ifndef MAINLINE_PGP_KEYRING_H
#define MAINLINE_PGP_KEYRING_H

#include "verify/pgp.h"
#include "verify/pgp_packet.h"

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

struct kr_input;
struct kr_block;
struct kr_comp;
struct kr_sig;

struct pgp_keyring {
	/* what pgp_keyring_add() collected, unevaluated */
	struct kr_input *inputs;
	size_t n_inputs, cap_inputs;
	struct kr_block *blocks; /* each occurrence of a primary key */
	size_t n_blocks, cap_blocks;
	struct kr_comp *comps; /* each occurrence of a user ID or subkey */
	size_t n_comps, cap_comps;
	struct kr_sig *sigs; /* the signatures mainline evaluates */
	size_t n_sigs, cap_sigs;
	/* what pgp_keyring_finish() built */
	int finished;
	struct pgp_kr_entry *entries;
	size_t n, cap;
	size_t *by_keyid; /* entry indexes sorted by key ID */
	size_t n_primary;
	char **warnings;
	size_t n_warnings;
};

/*
 * Iterates over the entries whose key ID is keyid: start with *iter = 0;
 * returns NULL when there are no more.
 */
const struct pgp_kr_entry *pgp_keyring_next(const struct pgp_keyring *kr,
                                            const uint8_t keyid[PGP_KEYID_LEN], size_t *iter);

#endif
