#include "verify/pgp.h"

#include "common/error.h"
#include "verify/pgp_keyring.h"
#include "verify/pgp_sigcheck.h"

#include <stdio.h>
#include <string.h>

#define SIG_ARMOR_MAX (64u << 10)
#define RSA_MIN_BITS 2048

/* Hash policy, checked before any cryptography. */
static int check_hash(uint8_t id)
{
	enum crypto_hash h;

	switch (id) {
	case PGP_HASH_MD5:
	case PGP_HASH_SHA1:
	case PGP_HASH_RIPEMD160:
		return ml_fail(ML_WEAK_ALGORITHM, "weak signature hash algorithm '%s' refused",
		               pgp_hash_name(id));
	default:
		if (pgp_hash_from_id(id, &h) < 0)
			return ml_fail(ML_UNSUPPORTED, "unsupported signature hash algorithm %u",
			               (unsigned)id);
		return 0;
	}
}

/* Key algorithm policy, checked before any cryptography. */
static int check_key(const struct pgp_kr_entry *e, const char *keyid)
{
	if (e->key.algo == PGP_PK_DSA)
		return ml_fail(ML_WEAK_ALGORITHM, "DSA key '%s' refused", keyid);
	if (!e->key.can_verify)
		return ml_fail(ML_UNSUPPORTED, "key '%s' cannot make signatures (algorithm %u)",
		               keyid, (unsigned)e->key.algo);
	if ((e->key.algo == PGP_PK_RSA || e->key.algo == PGP_PK_RSA_SIGN) &&
	    e->key.bits < RSA_MIN_BITS)
		return ml_fail(ML_WEAK_ALGORITHM, "RSA key '%s' of %u bits refused (minimum %u)",
		               keyid, e->key.bits, RSA_MIN_BITS);
	return 0;
}

static void describe_algorithm(const struct pgp_key *k, uint8_t hash, char *out, size_t n)
{
	const char *h = pgp_hash_name(hash);

	switch (k->algo) {
	case PGP_PK_ECDSA:
		snprintf(out, n, "ECDSA-P%u/%s", k->bits, h);
		break;
	case PGP_PK_EDDSA:
		snprintf(out, n, "Ed25519/%s", h);
		break;
	default:
		snprintf(out, n, "RSA-%u/%s", k->bits, h);
		break;
	}
}

/* Reads the armored signature into s; bin keeps the bytes s points into. */
static int read_signature(const char *armored, size_t len, struct buf *bin, struct pgp_sig *s)
{
	struct reader r, body;
	size_t used;
	uint8_t tag;
	int ret;

	if (len > SIG_ARMOR_MAX)
		return ml_fail(ML_MALFORMED_OBJECT, "OpenPGP signature too large");
	if ((ret = pgp_dearmor(armored, len, "SIGNATURE", bin, &used)) != 0)
		return ret;
	if (!pgp_only_space(armored + used, len - used))
		return ml_fail(ML_MALFORMED_OBJECT, "trailing data after OpenPGP signature armor");
	reader_init(&r, bin->data, bin->len);
	if ((ret = pgp_packet_next(&r, &tag, &body)) != 0)
		return ret;
	if (tag != PGP_TAG_SIGNATURE)
		return ml_fail(ML_MALFORMED_OBJECT, "OpenPGP packet (tag %u) is not a signature",
		               (unsigned)tag);
	if (reader_expect_end(&r) < 0)
		return ml_fail(ML_MALFORMED_OBJECT, "more than one packet in OpenPGP signature");
	if ((ret = pgp_sig_parse(s, body.data, body.len)) == ML_UNSUPPORTED) {
		if (body.len > 0 && body.data[0] != 4)
			return ml_fail(ret, "unsupported OpenPGP signature version %u",
			               (unsigned)body.data[0]);
		return ml_fail(ret, "unsupported OpenPGP signature algorithm");
	}
	return ret;
}

/* Structure and algorithm checks that need no key. */
static int check_signature(const struct pgp_sig *s)
{
	int ret;

	if (s->type != PGP_SIG_BINARY && s->type != PGP_SIG_TEXT)
		return ml_fail(ML_UNSUPPORTED,
		               "OpenPGP signature of type 0x%02x is not a "
		               "document signature",
		               (unsigned)s->type);
	if ((ret = check_hash(s->hash_algo)) != 0)
		return ret;
	if (s->unknown_critical)
		return ml_fail(ML_UNSUPPORTED, "unknown critical subpacket in OpenPGP signature");
	if (!s->has_created)
		return ml_fail(ML_MALFORMED_OBJECT,
		               "OpenPGP signature has no hashed creation time");
	if (s->has_issuer && s->has_issuer_fpr &&
	    memcmp(s->issuer, s->issuer_fpr + PGP_FPR_LEN - PGP_KEYID_LEN, PGP_KEYID_LEN) != 0)
		return ml_fail(ML_MALFORMED_OBJECT,
		               "issuer key ID and issuer fingerprint of OpenPGP signature differ");
	if (!s->has_issuer && !s->has_issuer_fpr)
		return ml_fail(ML_UNKNOWN_KEY, "OpenPGP signature names no issuer");
	return 0;
}

/*
 * The trusted key whose signature s is; policy refusals come before crypto.
 * Copies of a key are merged into one certificate, so a key ID names one
 * entry per certificate holding it; a signing key bound into two
 * certificates would make the signer ambiguous and is refused.
 */
static int find_signer(const struct pgp_keyring *kr, const struct pgp_sig *s,
                       const struct pgp_signed_data *what, const struct pgp_kr_entry **out)
{
	const uint8_t *keyid =
	    s->has_issuer_fpr ? s->issuer_fpr + PGP_FPR_LEN - PGP_KEYID_LEN : s->issuer;
	const struct pgp_kr_entry *e, *found = NULL;
	char hex[2 * PGP_FPR_LEN + 1];
	size_t iter = 0;
	int ret = 0;

	pgp_hex(keyid, PGP_KEYID_LEN, hex);
	while ((e = pgp_keyring_next(kr, keyid, &iter)) != NULL) {
		int policy;

		if (s->has_issuer_fpr && memcmp(e->key.fpr, s->issuer_fpr, PGP_FPR_LEN) != 0)
			continue;
		if ((policy = check_key(e, hex)) != 0) {
			ret = ret ? ret : policy;
			continue;
		}
		if (pgp_sig_check(&e->key, s, what) != 1) {
			if (ret == 0)
				ret = ml_fail(ML_BAD_SIGNATURE, "bad OpenPGP signature by key '%s'",
				              hex);
			continue;
		}
		if (found != NULL && found->primary != e->primary)
			return ml_fail(
			    ML_UNKNOWN_KEY,
			    "OpenPGP key '%s' belongs to more than one certificate in the "
			    "keyring",
			    hex);
		found = e;
	}
	if (found != NULL) {
		if (ret != 0)
			ml_error_clear(); /* a refused candidate's message is not the outcome */
		*out = found;
		return 0;
	}
	if (ret == 0)
		ret = ml_fail(ML_UNKNOWN_KEY, "no trusted OpenPGP key '%s'", hex);
	return ret;
}

/* The refusal for a revoked key or subkey, naming where the revocation came from. */
static int revoked(const struct pgp_kr_entry *e, const char *hex)
{
	const char *what = e->is_subkey ? "subkey" : "key";

	if (e->revoked == PGP_REVOKED_UNEVALUATED)
		return ml_fail(ML_KEY_REVOKED,
		               "OpenPGP %s '%s' is treated as revoked: its revocation in '%s' has "
		               "%s, which mainline cannot evaluate",
		               what, hex, e->revoked_in, e->revoked_why);
	return ml_fail(ML_KEY_REVOKED, "OpenPGP %s '%s' is revoked (revocation in '%s')", what, hex,
	               e->revoked_in);
}

static int expired_at(const struct pgp_kr_entry *e, uint32_t t)
{
	return e->expires != 0 && (uint64_t)t >= (uint64_t)e->key.created + e->expires;
}

/* Validity of the signing key at the signature's creation time, and the time policy. */
static int check_validity(const struct pgp_keyring *kr, const struct pgp_kr_entry *e,
                          const struct pgp_sig *s, const struct pgp_verify_opts *opts)
{
	const struct pgp_kr_entry *primary = pgp_keyring_primary(kr, e);
	char hex[2 * PGP_FPR_LEN + 1], primary_hex[2 * PGP_FPR_LEN + 1];
	int64_t created = s->created;

	pgp_hex(e->key.fpr, PGP_FPR_LEN, hex);
	pgp_hex(primary->key.fpr, PGP_FPR_LEN, primary_hex);
	if (primary->revoked)
		return revoked(primary, primary_hex);
	if (e->revoked)
		return revoked(e, hex);
	if (!e->may_sign)
		return ml_fail(ML_UNKNOWN_KEY, "OpenPGP key '%s' is not certified for signing",
		               hex);
	if (s->created < e->key.created)
		return ml_fail(ML_BAD_TIME, "OpenPGP signature predates its key '%s'", hex);
	if (expired_at(e, s->created) || expired_at(primary, s->created))
		return ml_fail(ML_KEY_EXPIRED, "OpenPGP key '%s' had expired when it signed", hex);
	if (created > opts->now + opts->max_skew)
		return ml_fail(ML_BAD_TIME, "OpenPGP signature is dated in the future");
	if (created > opts->committer_time + opts->max_skew)
		return ml_fail(ML_BAD_TIME, "OpenPGP signature is dated after the committer time");
	if (s->expires != 0 && created + s->expires <= opts->now)
		return ml_fail(ML_BAD_TIME, "OpenPGP signature has expired");
	return 0;
}

int pgp_verify_detached(const struct pgp_keyring *kr, const char *armored, size_t len,
                        const uint8_t *payload, size_t payload_len,
                        const struct pgp_verify_opts *opts, struct ml_signer *out)
{
	struct pgp_signed_data what = {0};
	const struct pgp_kr_entry *signer = NULL, *primary;
	struct pgp_sig s;
	struct buf bin;
	int ret;

	buf_init(&bin, SIG_ARMOR_MAX);
	if (!pgp_keyring_is_finished(kr)) {
		ret = ml_fail(ML_CONFIG, "OpenPGP keyring used before it was finished");
		goto out;
	}
	if ((ret = read_signature(armored, len, &bin, &s)) != 0 || (ret = check_signature(&s)) != 0)
		goto out;
	what.data = payload != NULL ? payload : (const uint8_t *)"";
	what.data_len = payload_len;
	what.text = s.type == PGP_SIG_TEXT;
	if ((ret = find_signer(kr, &s, &what, &signer)) != 0 ||
	    (ret = check_validity(kr, signer, &s, opts)) != 0)
		goto out;
	primary = pgp_keyring_primary(kr, signer);
	memset(out, 0, sizeof(*out));
	out->format = SIGNER_OPENPGP;
	snprintf(out->principal, sizeof(out->principal), "%s",
	         primary->uid != NULL ? primary->uid : "");
	pgp_hex(primary->key.fpr, PGP_FPR_LEN, out->key);
	describe_algorithm(&signer->key, s.hash_algo, out->algorithm, sizeof(out->algorithm));
	out->signed_at = s.created;
	ret = 0;
out:
	buf_release(&bin);
	return ret;
}
