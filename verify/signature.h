/*
 * Trust roots and the signature check of one git object: dispatches on the
 * signature's armor (SSH or OpenPGP), applies the forge-key restriction, and
 * fills the signer on success only.
 */
#ifndef MAINLINE_SIGNATURE_H
#define MAINLINE_SIGNATURE_H

#include <stddef.h>
#include <stdint.h>

#include "verify/commit.h"
#include "verify/signer.h"
#include "verify/sshsig.h"
#include "verify/tag.h"

struct allowed_signers;
struct pgp_keyring;

#define FORGE_IDENTITY_MAX 255

/*
 * A forge's signing key (the key a forge signs web-interface and merge
 * commits with): its signatures count only on objects whose committer (a
 * tag's tagger) is the forge's identity, and that identity counts only
 * with the forge's signature.
 */
struct forge_key {
	enum signer_format format;
	/* as struct ml_signer's key: "SHA256:..." or the OpenPGP primary fingerprint */
	char key[128];
	char identity[FORGE_IDENTITY_MAX + 1]; /* "Name <email>" */
};

struct trust_roots {
	struct allowed_signers *ssh; /* may be NULL */
	struct pgp_keyring *pgp;     /* may be NULL */
	struct forge_key *forge_keys;
	size_t forge_count;
	struct sshsig_policy ssh_policy;
	int64_t max_skew; /* seconds a signature time may lie ahead */
	int64_t now;
};

void trust_roots_init(struct trust_roots *tr);
void trust_roots_release(struct trust_roots *tr);

/*
 * Adds a forge key: for SIGNER_OPENPGP a primary fingerprint (40 hex, any
 * case), for SIGNER_SSH a "SHA256:" fingerprint; identity is the committer
 * it signs as. The key itself must be among the trust roots (keyring,
 * allowed signers) to verify anything. 0, ML_CONFIG or ML_IO.
 */
int trust_roots_add_forge_key(struct trust_roots *tr, enum signer_format format, const char *key,
                              const char *identity);

/*
 * Verifies the signature of a parsed commit whose id is `id` (for messages).
 * 0 with *out filled, or the refusal's reason code.
 */
int signature_verify_commit(const struct trust_roots *tr, const struct commit_object *c,
                            const char *id, struct ml_signer *out);

/* The same for an annotated tag (the tagger stands in for the committer). */
int signature_verify_tag(const struct trust_roots *tr, const struct tag_object *t, const char *id,
                         struct ml_signer *out);

#endif
