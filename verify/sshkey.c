#include "verify/sshkey.h"

#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"

#define MAX_RSA_E_BYTES 64
#define CERT_SUFFIX "-cert-v01@openssh.com"

static const struct sshkey_type key_types[] = {
    {"ssh-ed25519", SSHKEY_ED25519, CRYPTO_P256, NULL, 32, 0, CRYPTO_SHA512},
    {"ecdsa-sha2-nistp256", SSHKEY_ECDSA, CRYPTO_P256, "nistp256", 65, 32, CRYPTO_SHA256},
    {"ecdsa-sha2-nistp384", SSHKEY_ECDSA, CRYPTO_P384, "nistp384", 97, 48, CRYPTO_SHA384},
    {"ecdsa-sha2-nistp521", SSHKEY_ECDSA, CRYPTO_P521, "nistp521", 133, 66, CRYPTO_SHA512},
    {"ssh-rsa", SSHKEY_RSA, CRYPTO_P256, NULL, 0, 0, CRYPTO_SHA256},
    {"sk-ssh-ed25519@openssh.com", SSHKEY_SK_ED25519, CRYPTO_P256, NULL, 32, 0, CRYPTO_SHA256},
    {"sk-ecdsa-sha2-nistp256@openssh.com", SSHKEY_SK_ECDSA, CRYPTO_P256, "nistp256", 65, 32,
     CRYPTO_SHA256},
    {"ssh-dss", SSHKEY_DSA, CRYPTO_P256, NULL, 0, 0, CRYPTO_SHA1},
};

static int bytes_equal(const uint8_t *p, size_t len, const char *s)
{
	size_t n = strlen(s);

	return len == n && memcmp(p, s, n) == 0;
}

int sshkey_get_positive_mpint(struct reader *r, size_t max_len, const uint8_t **out,
                              size_t *out_len)
{
	struct reader save = *r;
	const uint8_t *p;
	size_t n;

	if (reader_get_string(r, &p, &n) < 0)
		return -1;
	if (n == 0 || (p[0] & 0x80) != 0)
		goto fail;
	if (p[0] == 0) {
		if (n < 2 || (p[1] & 0x80) == 0)
			goto fail;
		p++;
		n--;
	}
	if (n > max_len)
		goto fail;
	*out = p;
	*out_len = n;
	return 0;
fail:
	*r = save;
	return -1;
}

static int is_certificate_name(const uint8_t *name, size_t len)
{
	size_t n = strlen(CERT_SUFFIX);

	return len > n && memcmp(name + len - n, CERT_SUFFIX, n) == 0;
}

int sshkey_parse(struct sshkey *key, const uint8_t *blob, size_t len)
{
	struct reader r;
	const uint8_t *skip;
	size_t i, skip_len;

	memset(key, 0, sizeof(*key));
	reader_init(&r, blob, len);
	if (reader_get_string(&r, &key->name, &key->name_len) < 0 || key->name_len == 0)
		return -1;
	for (i = 0; i < sizeof(key_types) / sizeof(key_types[0]); i++)
		if (bytes_equal(key->name, key->name_len, key_types[i].name))
			key->type = &key_types[i];
	if (key->type == NULL) {
		key->kind =
		    is_certificate_name(key->name, key->name_len) ? SSHKEY_CERT : SSHKEY_UNKNOWN;
		return 0;
	}
	key->kind = key->type->kind;
	switch (key->kind) {
	case SSHKEY_ED25519:
	case SSHKEY_SK_ED25519:
		if (reader_get_string(&r, &key->point, &key->point_len) < 0 ||
		    key->point_len != key->type->point_len)
			return -1;
		break;
	case SSHKEY_ECDSA:
	case SSHKEY_SK_ECDSA:
		if (reader_expect_cstring(&r, key->type->curve_id) < 0 ||
		    reader_get_string(&r, &key->point, &key->point_len) < 0 ||
		    key->point_len != key->type->point_len || key->point[0] != 0x04)
			return -1;
		break;
	case SSHKEY_RSA:
		if (sshkey_get_positive_mpint(&r, MAX_RSA_E_BYTES, &key->rsa_e, &key->rsa_e_len) <
		        0 ||
		    sshkey_get_positive_mpint(&r, SSHKEY_MAX_RSA_BITS / 8, &key->rsa_n,
		                              &key->rsa_n_len) < 0)
			return -1;
		break;
	case SSHKEY_DSA:
		/* p, q, g, y: parsed for shape only, DSA never verifies */
		for (i = 0; i < 4; i++)
			if (reader_get_string(&r, &skip, &skip_len) < 0)
				return -1;
		break;
	default:
		return -1;
	}
	if (key->kind == SSHKEY_SK_ED25519 || key->kind == SSHKEY_SK_ECDSA) {
		if (reader_get_string(&r, &key->application, &key->application_len) < 0 ||
		    (key->application_len > 0 &&
		     memchr(key->application, '\0', key->application_len) != NULL))
			return -1;
	}
	return reader_expect_end(&r);
}

int sshkey_check_public_key(const uint8_t *blob, size_t len, const char **out_type)
{
	struct sshkey key;

	if (sshkey_parse(&key, blob, len) < 0)
		return ML_BAD_SIGNATURE;
	if (key.type == NULL)
		return ML_UNSUPPORTED;
	*out_type = key.type->name;
	return 0;
}

int sshkey_fingerprint(const uint8_t *blob, size_t len, char out[128])
{
	uint8_t digest[32];
	struct buf b;
	size_t n;
	int r = ML_IO;

	buf_init(&b, 64);
	if (crypto_digest(CRYPTO_SHA256, blob, len, digest) < 0 ||
	    base64_encode(digest, sizeof(digest), &b) < 0)
		goto out;
	n = b.len;
	while (n > 0 && b.data[n - 1] == '=')
		n--;
	snprintf(out, 128, "SHA256:%.*s", (int)n, (const char *)b.data);
	r = 0;
out:
	buf_release(&b);
	return r;
}

int sshkey_check_signature_algorithm(const struct sshkey *key, const uint8_t *sig_alg,
                                     size_t sig_alg_len, enum crypto_hash *rsa_hash)
{
	int sig_len = (int)sig_alg_len, name_len = (int)key->name_len;
	unsigned bits;

	switch (key->kind) {
	case SSHKEY_UNKNOWN:
		return ml_fail(ML_UNSUPPORTED, "unsupported SSH key type '%.*s'", name_len,
		               (const char *)key->name);
	case SSHKEY_CERT:
		return ml_fail(ML_UNSUPPORTED,
		               "SSH certificates are not supported: key type '%.*s'", name_len,
		               (const char *)key->name);
	case SSHKEY_DSA:
		return ml_fail(ML_WEAK_ALGORITHM, "weak SSH key type 'ssh-dss'");
	case SSHKEY_RSA:
		bits = crypto_bignum_bits(key->rsa_n, key->rsa_n_len);
		if (bits < SSHKEY_MIN_RSA_BITS)
			return ml_fail(ML_WEAK_ALGORITHM,
			               "weak RSA key: %u bits, at least %u required", bits,
			               SSHKEY_MIN_RSA_BITS);
		if (bytes_equal(sig_alg, sig_alg_len, "rsa-sha2-256"))
			*rsa_hash = CRYPTO_SHA256;
		else if (bytes_equal(sig_alg, sig_alg_len, "rsa-sha2-512"))
			*rsa_hash = CRYPTO_SHA512;
		else if (bytes_equal(sig_alg, sig_alg_len, "ssh-rsa"))
			return ml_fail(ML_WEAK_ALGORITHM,
			               "weak signature algorithm 'ssh-rsa' (SHA-1)");
		else
			goto mismatch;
		return 0;
	default:
		if (!bytes_equal(sig_alg, sig_alg_len, key->type->name))
			goto mismatch;
		return 0;
	}
mismatch:
	return ml_fail(ML_BAD_SIGNATURE,
	               "signature algorithm '%.*s' does not match key type '%.*s'", sig_len,
	               (const char *)sig_alg, name_len, (const char *)key->name);
}
