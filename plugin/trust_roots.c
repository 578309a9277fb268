#include "plugin/trust_roots.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/error.h"
#include "plugin/forge_key.h"
#include "verify/allowed_signers.h"
#include "verify/pgp_keyring.h"
#include "verify/sshkey.h"

static trust_roots_warning_fn warning_handler;

void trust_roots_set_warning_handler(trust_roots_warning_fn fn)
{
	warning_handler = fn;
}

static int digest_part(struct crypto_hash_ctx *h, const char *label, const void *data, size_t len)
{
	char head[64];
	int n = snprintf(head, sizeof(head), "%s %zu\n", label, len);

	if (crypto_hash_update(h, head, (size_t)n) < 0 ||
	    (len > 0 && crypto_hash_update(h, data, len) < 0))
		return -1;
	return 0;
}

/* "keyring 2 (/path/to/file)", or "keyring 2" for contents given inline. */
static void origin_name(char *out, size_t n, const char *kind, const struct strlist *l, size_t i)
{
	const char *file = strlist_origin(l, i);

	if (file != NULL)
		snprintf(out, n, "%s %zu (%s)", kind, i + 1, file);
	else
		snprintf(out, n, "%s %zu", kind, i + 1);
}

/* Adds every item of l to the keyring (granting or restricting) and to the digest. */
static int add_keyrings(struct pgp_keyring *kr, struct crypto_hash_ctx *h, const struct strlist *l,
                        int grants)
{
	const char *kind = grants ? "keyring" : "policy keyring";
	char origin[4200];
	size_t i;
	int r;

	for (i = 0; i < l->n; i++) {
		origin_name(origin, sizeof(origin), kind, l, i);
		r = grants ? pgp_keyring_add(kr, (const uint8_t *)l->v[i], l->len[i], origin)
		           : pgp_keyring_add_restrictions(kr, (const uint8_t *)l->v[i], l->len[i],
		                                          origin);
		if (r != 0)
			return r;
		if (digest_part(h, grants ? "keyring" : "restriction", l->v[i], l->len[i]) < 0)
			return ml_fail(ML_IO, "cannot compute the trust roots digest");
	}
	return 0;
}

/* One OpenPGP forge key, as the primary fingerprint of the certificate that holds it. */
static int add_openpgp_forge_key(struct trust_roots *out, const struct forge_key_item *it)
{
	char owner[41];
	size_t holders = out->pgp != NULL ? pgp_keyring_owner(out->pgp, it->key, owner) : 0;

	if (holders > 1)
		return ml_fail(ML_CONFIG,
		               "forge key '%s' belongs to more than one certificate in the keyring",
		               it->key);
	return trust_roots_add_forge_key(out, SIGNER_OPENPGP, holders == 1 ? owner : it->key,
	                                 it->identity);
}

/* One SSH forge key: a signer for namespace "git", shown as its identity. */
static int add_ssh_forge_key(struct trust_roots *out, const struct forge_key_item *it)
{
	char fingerprint[128];
	int r;

	if (sshkey_fingerprint(it->ssh_key, it->ssh_key_len, fingerprint) != 0)
		return ml_fail(ML_IO, "cannot compute key fingerprint");
	if ((r = allowed_signers_add(&out->ssh, it->identity, it->ssh_key, it->ssh_key_len,
	                             "git")) != 0)
		return r;
	return trust_roots_add_forge_key(out, SIGNER_SSH, fingerprint, it->identity);
}

/*
 * A forge key in the digest: an OpenPGP key signing as GitHub as its
 * primary fingerprint alone, as before forge keys had identities, so those
 * digests stay what they were; any other as its canonical item.
 */
static int digest_forge_key(struct crypto_hash_ctx *h, const struct forge_key_item *it,
                            const struct forge_key *added)
{
	struct buf canonical;
	int r;

	if (forge_key_is_github_default(it))
		return digest_part(h, "forge", added->key, 40) < 0
		           ? ml_fail(ML_IO, "cannot compute the trust roots digest")
		           : 0;
	buf_init(&canonical, CONFIG_VALUE_MAX);
	if ((r = forge_key_canonical(it, &canonical)) == 0 &&
	    digest_part(h, "forge", canonical.data, canonical.len) < 0)
		r = ml_fail(ML_IO, "cannot compute the trust roots digest");
	buf_release(&canonical);
	return r;
}

/*
 * The forge keys. An OpenPGP one restricts the certificate holding it, so a
 * subkey fingerprint cannot slip past the restriction, which is checked
 * against the signer's primary key. An SSH one is a signer of its own.
 */
static int add_forge_keys(struct trust_roots *out, struct crypto_hash_ctx *h,
                          const struct strlist *forge)
{
	struct forge_key_item it;
	size_t i;
	int r;

	for (i = 0; i < forge->n; i++) {
		if ((r = forge_key_parse(&it, forge->v[i])) != 0)
			return r;
		r = it.format == SIGNER_SSH ? add_ssh_forge_key(out, &it)
		                            : add_openpgp_forge_key(out, &it);
		if (r == 0)
			r = digest_forge_key(h, &it, &out->forge_keys[i]);
		forge_key_item_release(&it);
		if (r != 0)
			return r;
	}
	return 0;
}

static int load(struct trust_roots *out, char digest[65], const char *allowed_signers,
                const struct strlist *keyrings, const struct strlist *restrictions,
                const struct strlist *forge, const struct config *c)
{
	struct crypto_hash_ctx *h = NULL;
	uint8_t raw[CRYPTO_MAX_DIGEST];
	char flags[96];
	size_t i;
	int r;

	trust_roots_init(out);
	out->max_skew = c->max_skew;
	out->ssh_policy.require_user_presence = c->require_user_presence;
	out->now = (int64_t)time(NULL);
	if ((h = crypto_hash_new(CRYPTO_SHA256)) == NULL) {
		r = ml_fail(ML_IO, "cannot start a digest");
		goto out;
	}
	if (allowed_signers != NULL) {
		size_t len = strlen(allowed_signers);

		if ((r = allowed_signers_parse(&out->ssh, allowed_signers, len,
		                               "allowed_signers")) != 0)
			goto out;
		if (digest_part(h, "allowed_signers", allowed_signers, len) < 0)
			goto digest_failed;
	}
	if (keyrings->n > 0) {
		if ((r = pgp_keyring_new(&out->pgp)) != 0 ||
		    (r = add_keyrings(out->pgp, h, keyrings, 1)) != 0 ||
		    (restrictions != NULL &&
		     (r = add_keyrings(out->pgp, h, restrictions, 0)) != 0) ||
		    (r = pgp_keyring_finish(out->pgp)) != 0)
			goto out;
		for (i = 0; warning_handler != NULL && pgp_keyring_warning(out->pgp, i) != NULL;
		     i++)
			warning_handler(pgp_keyring_warning(out->pgp, i));
	}
	if ((r = add_forge_keys(out, h, forge)) != 0)
		goto out;
	if (out->ssh == NULL && out->pgp == NULL) {
		r = ml_fail(ML_CONFIG, "no trust roots: give allowed signers, an OpenPGP keyring "
		                       "or an SSH forge key");
		goto out;
	}
	snprintf(flags, sizeof(flags), "up=%d skew=%lld", out->ssh_policy.require_user_presence,
	         (long long)out->max_skew);
	/* the identity of every forge key before identities were given: keeps old digests */
	if (digest_part(h, "identity", FORGE_IDENTITY_GITHUB, strlen(FORGE_IDENTITY_GITHUB)) < 0 ||
	    digest_part(h, "flags", flags, strlen(flags)) < 0 || crypto_hash_final(h, raw) < 0)
		goto digest_failed;
	hex_encode(raw, 32, digest);
	r = 0;
	goto out;
digest_failed:
	r = ml_fail(ML_IO, "cannot compute the trust roots digest");
out:
	crypto_hash_free(h);
	if (r != 0)
		trust_roots_release(out);
	return r;
}

int trust_roots_load(struct trust_roots *out, char digest[65], const struct config *c)
{
	return load(out, digest, c->allowed_signers, &c->keyring, &c->keyring_restrictions,
	            &c->forge_keys, c);
}

int trust_roots_load_from(struct trust_roots *out, char digest[65], const char *allowed_signers,
                          const struct strlist *keyrings, const struct strlist *forge,
                          const struct config *c)
{
	return load(out, digest, allowed_signers, keyrings, NULL, forge, c);
}
