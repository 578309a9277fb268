#include "verify/signature.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/encoding.h"
#include "common/error.h"
#include "verify/allowed_signers.h"
#include "verify/pgp.h"
#include "verify/pgp_keyring.h"

#define SSH_ARMOR "-----BEGIN SSH SIGNATURE-----"
#define PGP_ARMOR "-----BEGIN PGP SIGNATURE-----"
#define X509_ARMOR "-----BEGIN SIGNED MESSAGE-----"

void trust_roots_init(struct trust_roots *tr)
{
	memset(tr, 0, sizeof(*tr));
	tr->max_skew = 300;
}

void trust_roots_release(struct trust_roots *tr)
{
	if (tr == NULL)
		return;
	allowed_signers_free(tr->ssh);
	pgp_keyring_free(tr->pgp);
	free(tr->forge_keys);
	memset(tr, 0, sizeof(*tr));
}

int trust_roots_add_forge_key(struct trust_roots *tr, enum signer_format format, const char *key,
                              const char *identity)
{
	struct forge_key *keys, *fk;
	size_t i, n = strlen(key);

	if (format == SIGNER_OPENPGP
	        ? n != 40 || !hex_is_digits(key, 40)
	        : format != SIGNER_SSH || n >= sizeof(fk->key) || strncmp(key, "SHA256:", 7) != 0)
		return ml_fail(ML_CONFIG, "forge key '%s' is not a %s fingerprint", key,
		               format == SIGNER_OPENPGP ? "40-digit OpenPGP" : "SHA256 SSH key");
	if (strlen(identity) > FORGE_IDENTITY_MAX)
		return ml_fail(ML_CONFIG, "identity of forge key '%s' is too long", key);
	if ((keys = realloc(tr->forge_keys, (tr->forge_count + 1) * sizeof(*keys))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	tr->forge_keys = keys;
	fk = &keys[tr->forge_count++];
	memset(fk, 0, sizeof(*fk));
	fk->format = format;
	for (i = 0; i < n; i++)
		fk->key[i] =
		    format == SIGNER_OPENPGP ? (char)toupper((unsigned char)key[i]) : key[i];
	memcpy(fk->identity, identity, strlen(identity) + 1);
	return 0;
}

static int starts_with(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(s, prefix, n) == 0;
}

/*
 * The forge-key rule: a forge key signs only as its forge's identity, and
 * an object that names a forge's identity as its committer (tagger) must
 * carry that forge's signature, so neither a forge key nor a developer's
 * key can pass for the other.
 */
static int check_forge_identity(const struct trust_roots *tr, const char *what, const char *id,
                                const struct ml_signer *signer, const char *identity)
{
	const struct forge_key *signed_by = NULL, *claimed = NULL, *fk;
	const char *role = strcmp(what, "tag") == 0 ? "tagger" : "committer";
	size_t i;
	int same_identity;

	for (i = 0; i < tr->forge_count; i++) {
		fk = &tr->forge_keys[i];
		same_identity = identity != NULL && strcmp(identity, fk->identity) == 0;

		if (fk->format == signer->format && strcmp(fk->key, signer->key) == 0) {
			if (same_identity)
				return 0;
			if (signed_by == NULL)
				signed_by = fk;
		} else if (same_identity && claimed == NULL) {
			claimed = fk;
		}
	}
	if (signed_by != NULL)
		return ml_fail(ML_WRONG_IDENTITY,
		               "%s '%s' is signed by forge key %s but its %s is '%s', not '%s'",
		               what, id, signer->key, role, identity != NULL ? identity : "",
		               signed_by->identity);
	if (claimed != NULL)
		return ml_fail(ML_WRONG_IDENTITY,
		               "%s '%s' names the forge identity '%s' as its %s but is signed by "
		               "%s, not by that forge's key",
		               what, id, claimed->identity, role, signer->key);
	return 0;
}

/*
 * One signature over one payload: `what` and `id` name the object in
 * messages, `when` and `identity` are its committer (or tagger) time and
 * "Name <email>".
 */
static int verify_object(const struct trust_roots *tr, const char *what, const char *id,
                         const char *signature, size_t signature_len, const uint8_t *payload,
                         size_t payload_len, int64_t when, const char *identity,
                         struct ml_signer *out)
{
	struct ml_signer signer;
	int r;

	memset(&signer, 0, sizeof(signer));
	if (signature == NULL || signature_len == 0)
		return ml_fail(ML_UNSIGNED, "%s '%s' is not signed", what, id);

	if (starts_with(signature, signature_len, SSH_ARMOR)) {
		/* one clock and one skew for both formats */
		struct sshsig_policy policy = tr->ssh_policy;

		if (tr->ssh == NULL)
			return ml_fail(ML_UNKNOWN_KEY,
			               "%s '%s' has an SSH signature but no allowed signers "
			               "are configured",
			               what, id);
		policy.now = tr->now;
		policy.max_skew = tr->max_skew;
		r = sshsig_verify_git(tr->ssh, &policy, signature, signature_len, payload,
		                      payload_len, when, &signer);
	} else if (starts_with(signature, signature_len, PGP_ARMOR)) {
		struct pgp_verify_opts opts = {
		    .now = tr->now,
		    .committer_time = when,
		    .max_skew = tr->max_skew,
		};

		if (tr->pgp == NULL)
			return ml_fail(ML_UNKNOWN_KEY,
			               "%s '%s' has an OpenPGP signature but no keyring is "
			               "configured",
			               what, id);
		r = pgp_verify_detached(tr->pgp, signature, signature_len, payload, payload_len,
		                        &opts, &signer);
	} else if (starts_with(signature, signature_len, X509_ARMOR)) {
		return ml_fail(ML_UNSUPPORTED, "%s '%s' has an X.509 signature (not supported)",
		               what, id);
	} else {
		return ml_fail(ML_BAD_SIGNATURE, "%s '%s' has a signature of unknown format", what,
		               id);
	}
	if (r != 0) {
		char inner[400];

		snprintf(inner, sizeof(inner), "%s", ml_error_message());
		return ml_fail_override(r, "%s '%s': %s", what, id,
		                        inner[0] != '\0' ? inner : ml_reason_name(r));
	}

	if ((r = check_forge_identity(tr, what, id, &signer, identity)) != 0)
		return r;
	*out = signer;
	return 0;
}

/* The other object format's signature header does not sign the object (as in git). */
static int not_signed(const char *what, const char *id, const char *other_signature)
{
	if (other_signature != NULL)
		return ml_fail(ML_UNSIGNED,
		               "%s '%s' is not signed: its '%s' header signs the %s's form in the "
		               "other object format and is not checked",
		               what, id, other_signature, what);
	return ml_fail(ML_UNSIGNED, "%s '%s' is not signed", what, id);
}

int signature_verify_commit(const struct trust_roots *tr, const struct commit_object *c,
                            const char *id, struct ml_signer *out)
{
	if (c->sig_kind == COMMIT_SIG_NONE)
		return not_signed("commit", id, c->other_signature);
	return verify_object(tr, "commit", id, c->signature, c->signature_len, c->payload,
	                     c->payload_len, c->committer_time, c->committer, out);
}

int signature_verify_tag(const struct trust_roots *tr, const struct tag_object *t, const char *id,
                         struct ml_signer *out)
{
	if (t->sig_kind == TAG_SIG_NONE)
		return not_signed("tag", id, t->other_signature);
	return verify_object(tr, "tag", id, t->signature, t->signature_len, t->payload,
	                     t->payload_len, t->tagger_time, t->tagger, out);
}
