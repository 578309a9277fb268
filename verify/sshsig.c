#include "verify/sshsig.h"

#include "common/buf.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/reader.h"
#include "verify/allowed_signers.h"
#include "verify/sshkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARMOR_BEGIN "-----BEGIN SSH SIGNATURE-----"
#define ARMOR_END "-----END SSH SIGNATURE-----"
#define SSHSIG_MAGIC "SSHSIG"
#define SSHSIG_MAGIC_LEN 6
#define SSHSIG_VERSION 1
#define MAX_NAMESPACE 64
#define SK_USER_PRESENT 0x01
#define SK_MESSAGE_LEN (32 + 1 + 4 + 32)
/* magic, then namespace, reserved, hash algorithm and digest as SSH strings */
#define SIGNED_DATA_MAX (SSHSIG_MAGIC_LEN + 4 + MAX_NAMESPACE + 4 + 4 + 6 + 4 + CRYPTO_MAX_DIGEST)

struct sshsig {
	struct buf blob; /* the decoded armor; everything below points into it */
	const uint8_t *pubkey;
	size_t pubkey_len;
	const uint8_t *ns;
	size_t ns_len;
	const uint8_t *hash_alg;
	size_t hash_alg_len;
	const uint8_t *sig_alg;
	size_t sig_alg_len;
	const uint8_t *sig_blob;
	size_t sig_blob_len;
	int has_sk_fields;
	uint8_t sk_flags;
	uint32_t sk_counter;
	struct sshkey key;
};

static int bytes_equal(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	return len == n && memcmp(p, s, n) == 0;
}

static int has_nul(const uint8_t *p, size_t len)
{
	return len > 0 && memchr(p, '\0', len) != NULL;
}

static int is_base64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

/*
 * Strips the armor and decodes the body into out; 0 or -1. Body lines may
 * have any width, as ssh-keygen reads them: it writes 70 columns, GitLab
 * (Go's encoding/pem) 64, and the whole armor is bounded by the caller.
 */
static int dearmor(const char *in, size_t len, struct buf *out)
{
	size_t begin_len = strlen(ARMOR_BEGIN), end_len = strlen(ARMOR_END);
	size_t pos, body_start, line_len, after, i;
	const char *nl;

	if (len < begin_len + 1 || memcmp(in, ARMOR_BEGIN, begin_len) != 0 || in[begin_len] != '\n')
		return -1;
	body_start = pos = begin_len + 1;
	for (;;) {
		nl = memchr(in + pos, '\n', len - pos);
		line_len = nl != NULL ? (size_t)(nl - (in + pos)) : len - pos;
		if (line_len == end_len && memcmp(in + pos, ARMOR_END, end_len) == 0) {
			after = pos + end_len;
			if (after == len || (after + 1 == len && in[after] == '\n'))
				break;
			return -1;
		}
		if (nl == NULL || line_len == 0)
			return -1;
		for (i = 0; i < line_len; i++)
			if (!is_base64_char(in[pos + i]))
				return -1;
		pos += line_len + 1;
	}
	if (pos == body_start || base64_decode(in + body_start, pos - body_start, out) < 0)
		return -1;
	return 0;
}

/* Parses the decoded blob into sig; 0 or -1 with *what naming the failing part. */
static int parse_blob(struct sshsig *sig, const char **what)
{
	struct reader r, inner;
	const uint8_t *magic, *reserved;
	size_t reserved_len;
	uint32_t version;

	reader_init(&r, sig->blob.data, sig->blob.len);
	*what = "magic";
	if (reader_get_bytes(&r, SSHSIG_MAGIC_LEN, &magic) < 0 ||
	    memcmp(magic, SSHSIG_MAGIC, SSHSIG_MAGIC_LEN) != 0)
		return -1;
	*what = "version";
	if (reader_get_u32(&r, &version) < 0 || version != SSHSIG_VERSION)
		return -1;
	*what = "public key";
	if (reader_get_string(&r, &sig->pubkey, &sig->pubkey_len) < 0 ||
	    sshkey_parse(&sig->key, sig->pubkey, sig->pubkey_len) < 0)
		return -1;
	*what = "namespace";
	if (reader_get_string(&r, &sig->ns, &sig->ns_len) < 0 || sig->ns_len == 0 ||
	    has_nul(sig->ns, sig->ns_len))
		return -1;
	*what = "reserved field";
	if (reader_get_string(&r, &reserved, &reserved_len) < 0 || reserved_len != 0)
		return -1;
	*what = "hash algorithm";
	if (reader_get_string(&r, &sig->hash_alg, &sig->hash_alg_len) < 0 ||
	    has_nul(sig->hash_alg, sig->hash_alg_len))
		return -1;
	*what = "signature";
	if (reader_get_sub(&r, &inner) < 0 ||
	    reader_get_string(&inner, &sig->sig_alg, &sig->sig_alg_len) < 0 ||
	    reader_get_string(&inner, &sig->sig_blob, &sig->sig_blob_len) < 0)
		return -1;
	if (sig->sig_alg_len > 3 && memcmp(sig->sig_alg, "sk-", 3) == 0) {
		if (reader_get_u8(&inner, &sig->sk_flags) < 0 ||
		    reader_get_u32(&inner, &sig->sk_counter) < 0)
			return -1;
		sig->has_sk_fields = 1;
	}
	if (reader_expect_end(&inner) < 0)
		return -1;
	*what = "end of signature";
	return reader_expect_end(&r);
}

static int parse_into(struct sshsig *sig, const char *armored, size_t len)
{
	const char *what = "armor";

	memset(sig, 0, sizeof(*sig));
	buf_init(&sig->blob, SSHSIG_MAX_BLOB);
	if (len > SSHSIG_MAX_ARMORED)
		return ml_fail(ML_BAD_SIGNATURE, "cannot parse SSH signature: larger than %u bytes",
		               SSHSIG_MAX_ARMORED);
	if (dearmor(armored, len, &sig->blob) < 0)
		return ml_fail(ML_BAD_SIGNATURE,
		               "cannot parse SSH signature: bad armor or base64 encoding");
	if (parse_blob(sig, &what) < 0)
		return ml_fail(ML_BAD_SIGNATURE, "cannot parse SSH signature: bad %s", what);
	return 0;
}

int sshsig_parse(struct sshsig **out, const char *armored, size_t len)
{
	struct sshsig *sig;
	int r;

	*out = NULL;
	if ((sig = calloc(1, sizeof(*sig))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	if ((r = parse_into(sig, armored, len)) != 0) {
		sshsig_free(sig);
		return r;
	}
	*out = sig;
	return 0;
}

void sshsig_free(struct sshsig *sig)
{
	if (sig == NULL)
		return;
	buf_release(&sig->blob);
	free(sig);
}

const uint8_t *sshsig_public_key(const struct sshsig *sig, size_t *out_len)
{
	*out_len = sig->pubkey_len;
	return sig->pubkey;
}

/*
 * The algorithm policy, before any key lookup or crypto: hash of the
 * message, then key type, key size, and a signature algorithm that fits the
 * key (sshkey.h).
 */
static int check_algorithms(const struct sshsig *sig, enum crypto_hash *msg_hash,
                            enum crypto_hash *rsa_hash)
{
	if (bytes_equal(sig->hash_alg, sig->hash_alg_len, "sha256"))
		*msg_hash = CRYPTO_SHA256;
	else if (bytes_equal(sig->hash_alg, sig->hash_alg_len, "sha512"))
		*msg_hash = CRYPTO_SHA512;
	else
		return ml_fail(ML_UNSUPPORTED, "unsupported SSH signature hash algorithm '%.*s'",
		               (int)sig->hash_alg_len, (const char *)sig->hash_alg);
	return sshkey_check_signature_algorithm(&sig->key, sig->sig_alg, sig->sig_alg_len,
	                                        rsa_hash);
}

static int verify_ecdsa_blob(const struct sshkey *key, const struct sshsig *sig,
                             const uint8_t *digest, size_t digest_len)
{
	const uint8_t *r, *s;
	size_t r_len, s_len;
	struct reader rd;

	reader_init(&rd, sig->sig_blob, sig->sig_blob_len);
	if (sshkey_get_positive_mpint(&rd, key->type->scalar_len, &r, &r_len) < 0 ||
	    sshkey_get_positive_mpint(&rd, key->type->scalar_len, &s, &s_len) < 0 ||
	    reader_expect_end(&rd) < 0)
		return ml_fail(ML_BAD_SIGNATURE, "cannot parse SSH signature: bad ECDSA signature");
	return crypto_verify_ecdsa(key->type->curve, key->point, key->point_len, digest, digest_len,
	                           r, r_len, s, s_len) == 1
	           ? 0
	           : ML_BAD_SIGNATURE;
}

/* The FIDO message: SHA256(application) || flags || counter || SHA256(signed data). */
static int sk_message(const struct sshsig *sig, const uint8_t *tbs, size_t tbs_len, struct buf *out)
{
	uint8_t h[32];

	if (crypto_digest(CRYPTO_SHA256, sig->key.application, sig->key.application_len, h) < 0 ||
	    buf_append(out, h, sizeof(h)) < 0 || buf_append(out, &sig->sk_flags, 1) < 0 ||
	    buf_append_u32(out, sig->sk_counter) < 0 ||
	    crypto_digest(CRYPTO_SHA256, tbs, tbs_len, h) < 0 || buf_append(out, h, sizeof(h)) < 0)
		return -1;
	return 0;
}

/* The cryptographic check of the signature over the SSHSIG signed data. */
static int verify_crypto(const struct sshsig *sig, enum crypto_hash rsa_hash, const uint8_t *tbs,
                         size_t tbs_len)
{
	const struct sshkey *key = &sig->key;
	uint8_t digest[CRYPTO_MAX_DIGEST];
	struct buf sk_msg;
	size_t dlen;
	int r = ML_BAD_SIGNATURE;

	buf_init(&sk_msg, SK_MESSAGE_LEN);
	switch (key->kind) {
	case SSHKEY_ED25519:
		if (sig->sig_blob_len != 64)
			goto malformed;
		r = crypto_verify_ed25519(key->point, tbs, tbs_len, sig->sig_blob) == 1
		        ? 0
		        : ML_BAD_SIGNATURE;
		break;
	case SSHKEY_ECDSA:
		dlen = crypto_hash_len(key->type->hash);
		if (crypto_digest(key->type->hash, tbs, tbs_len, digest) < 0)
			goto no_digest;
		r = verify_ecdsa_blob(key, sig, digest, dlen);
		break;
	case SSHKEY_RSA:
		if (sig->sig_blob_len == 0 || sig->sig_blob_len > key->rsa_n_len)
			goto malformed;
		if (crypto_digest(rsa_hash, tbs, tbs_len, digest) < 0)
			goto no_digest;
		r = crypto_verify_rsa(key->rsa_n, key->rsa_n_len, key->rsa_e, key->rsa_e_len,
		                      rsa_hash, digest, crypto_hash_len(rsa_hash), sig->sig_blob,
		                      sig->sig_blob_len) == 1
		        ? 0
		        : ML_BAD_SIGNATURE;
		break;
	case SSHKEY_SK_ED25519:
		if (sig->sig_blob_len != 64 || !sig->has_sk_fields)
			goto malformed;
		if (sk_message(sig, tbs, tbs_len, &sk_msg) < 0)
			goto no_digest;
		r = crypto_verify_ed25519(key->point, sk_msg.data, sk_msg.len, sig->sig_blob) == 1
		        ? 0
		        : ML_BAD_SIGNATURE;
		break;
	case SSHKEY_SK_ECDSA:
		if (!sig->has_sk_fields)
			goto malformed;
		if (sk_message(sig, tbs, tbs_len, &sk_msg) < 0 ||
		    crypto_digest(CRYPTO_SHA256, sk_msg.data, sk_msg.len, digest) < 0)
			goto no_digest;
		r = verify_ecdsa_blob(key, sig, digest, 32);
		break;
	default:
		goto malformed;
	}
	goto out;
malformed:
	r = ml_fail(ML_BAD_SIGNATURE, "cannot parse SSH signature: bad %.*s signature blob",
	            (int)key->name_len, (const char *)key->name);
	goto out;
no_digest:
	r = ml_fail(ML_IO, "cannot compute digest");
out:
	buf_release(&sk_msg);
	return r;
}

int sshsig_verify(const struct allowed_signers *as, const struct sshsig_policy *policy,
                  const struct sshsig *sig, const char *ns, const uint8_t *payload,
                  size_t payload_len, int64_t when, struct ml_signer *out)
{
	uint8_t msg_digest[CRYPTO_MAX_DIGEST];
	struct buf tbs;
	enum crypto_hash msg_hash = CRYPTO_SHA512, rsa_hash = CRYPTO_SHA512;
	const char *principal = NULL, *hash_name;
	char fingerprint[128];
	size_t ns_len = strlen(ns), principal_len;
	int r;

	if (ns_len == 0 || ns_len > MAX_NAMESPACE)
		return ml_fail(ML_CONFIG, "invalid SSH signature namespace '%s'", ns);
	if (sig->ns_len != ns_len || memcmp(sig->ns, ns, ns_len) != 0)
		return ml_fail(ML_WRONG_NAMESPACE, "SSH signature namespace '%.*s' is not '%s'",
		               (int)sig->ns_len, (const char *)sig->ns, ns);
	if ((r = check_algorithms(sig, &msg_hash, &rsa_hash)) != 0)
		return r;
	if (policy != NULL && when > policy->now && when - policy->now > policy->max_skew)
		return ml_fail(
		    ML_BAD_TIME,
		    "dated %lld, %lld s ahead of this machine's clock (max_skew %lld s); "
		    "SSH keys are judged at that date, which must not lie in the future",
		    (long long)when, (long long)(when - policy->now), (long long)policy->max_skew);
	if ((r = allowed_signers_lookup(as, sig->pubkey, sig->pubkey_len, ns, when, &principal)) !=
	    0)
		return r;
	if (sshkey_fingerprint(sig->pubkey, sig->pubkey_len, fingerprint) != 0)
		return ml_fail(ML_IO, "cannot compute key fingerprint");

	hash_name = msg_hash == CRYPTO_SHA256 ? "sha256" : "sha512";
	if (crypto_digest(msg_hash, payload, payload_len, msg_digest) < 0)
		return ml_fail(ML_IO, "cannot compute digest");
	/* the signed data: magic, namespace, reserved, hash algorithm, H(message) */
	buf_init(&tbs, SIGNED_DATA_MAX);
	if (buf_append(&tbs, SSHSIG_MAGIC, SSHSIG_MAGIC_LEN) < 0 ||
	    buf_append_string(&tbs, ns, ns_len) < 0 || buf_append_string(&tbs, "", 0) < 0 ||
	    buf_append_string(&tbs, hash_name, strlen(hash_name)) < 0 ||
	    buf_append_string(&tbs, msg_digest, crypto_hash_len(msg_hash)) < 0)
		r = ml_fail(ML_IO, "out of memory");
	else
		r = verify_crypto(sig, rsa_hash, tbs.data, tbs.len);
	buf_release(&tbs);
	if (r != 0)
		return ml_fail(r, "SSH signature by key '%s' does not verify", fingerprint);
	if (sig->has_sk_fields && policy != NULL && policy->require_user_presence &&
	    (sig->sk_flags & SK_USER_PRESENT) == 0)
		return ml_fail(ML_BAD_SIGNATURE,
		               "SSH signature by key '%s' lacks user presence (FIDO flags 0x%02x)",
		               fingerprint, sig->sk_flags);

	principal_len = strlen(principal);
	if (principal_len >= sizeof(out->principal) || sig->sig_alg_len >= sizeof(out->algorithm))
		return ml_fail(ML_BAD_SIGNATURE, "SSH signer name too long");
	memset(out, 0, sizeof(*out));
	out->format = SIGNER_SSH;
	memcpy(out->principal, principal, principal_len + 1);
	memcpy(out->key, fingerprint, strlen(fingerprint) + 1);
	memcpy(out->algorithm, sig->sig_alg, sig->sig_alg_len);
	out->signed_at = 0;
	return 0;
}

int sshsig_verify_git(const struct allowed_signers *as, const struct sshsig_policy *policy,
                      const char *armored, size_t armored_len, const uint8_t *payload,
                      size_t payload_len, int64_t when, struct ml_signer *out)
{
	struct sshsig sig;
	int r;

	if ((r = parse_into(&sig, armored, armored_len)) == 0)
		r = sshsig_verify(as, policy, &sig, "git", payload, payload_len, when, out);
	buf_release(&sig.blob);
	return r;
}
