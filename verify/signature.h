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

#define FORGE_IDENTITY_DEFAULT "GitHub <noreply@github.com>"

struct trust_roots {
	struct allowed_signers *ssh; /* may be NULL */
	struct pgp_keyring *pgp;     /* may be NULL */
	char (*forge_keys)[41];      /* OpenPGP primary fingerprints, upper-case hex */
	size_t forge_count;
	const char *forge_identity; /* committer a forge key may sign for */
	struct sshsig_policy ssh_policy;
	int64_t max_skew; /* seconds a signature time may lie ahead */
	int64_t now;
};

void trust_roots_init(struct trust_roots *tr);
void trust_roots_release(struct trust_roots *tr);

/* Adds a forge key fingerprint (40 hex, any case). 0 or ML_CONFIG. */
int trust_roots_add_forge_key(struct trust_roots *tr, const char *fingerprint);

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
