#include "verify/pgp_sigcheck.h"

#include <string.h>

static int hash_key(struct crypto_hash_ctx *ctx, const struct pgp_key *k)
{
	uint8_t hdr[3] = {0x99, (uint8_t)(k->body_len >> 8), (uint8_t)k->body_len};

	if (crypto_hash_update(ctx, hdr, sizeof(hdr)) < 0 ||
	    crypto_hash_update(ctx, k->body, k->body_len) < 0)
		return -1;
	return 0;
}

/* Hashes data with every bare LF turned into CRLF (RFC 4880 text signatures). */
static int hash_text(struct crypto_hash_ctx *ctx, const uint8_t *data, size_t len)
{
	size_t start = 0, i;

	for (i = 0; i < len; i++) {
		if (data[i] != '\n' || (i > 0 && data[i - 1] == '\r'))
			continue;
		if (crypto_hash_update(ctx, data + start, i - start) < 0 ||
		    crypto_hash_update(ctx, "\r\n", 2) < 0)
			return -1;
		start = i + 1;
	}
	return crypto_hash_update(ctx, data + start, len - start);
}

static int hash_signed(struct crypto_hash_ctx *ctx, const struct pgp_sig *sig,
                       const struct pgp_signed_data *what)
{
	uint8_t trailer[6];

	if (what->primary != NULL && hash_key(ctx, what->primary) < 0)
		return -1;
	if (what->subkey != NULL && hash_key(ctx, what->subkey) < 0)
		return -1;
	if (what->uid != NULL) {
		uint8_t hdr[5] = {0xb4, (uint8_t)(what->uid_len >> 24),
		                  (uint8_t)(what->uid_len >> 16), (uint8_t)(what->uid_len >> 8),
		                  (uint8_t)what->uid_len};

		if (what->uid_len > UINT32_MAX || crypto_hash_update(ctx, hdr, sizeof(hdr)) < 0 ||
		    crypto_hash_update(ctx, what->uid, what->uid_len) < 0)
			return -1;
	}
	if (what->data != NULL) {
		if (what->text ? hash_text(ctx, what->data, what->data_len) < 0
		               : crypto_hash_update(ctx, what->data, what->data_len) < 0)
			return -1;
	}
	if (sig->hashed_len > UINT32_MAX)
		return -1;
	trailer[0] = 0x04;
	trailer[1] = 0xff;
	trailer[2] = (uint8_t)(sig->hashed_len >> 24);
	trailer[3] = (uint8_t)(sig->hashed_len >> 16);
	trailer[4] = (uint8_t)(sig->hashed_len >> 8);
	trailer[5] = (uint8_t)sig->hashed_len;
	if (crypto_hash_update(ctx, sig->hashed, sig->hashed_len) < 0 ||
	    crypto_hash_update(ctx, trailer, sizeof(trailer)) < 0)
		return -1;
	return 0;
}

static int algo_matches(uint8_t sig_algo, uint8_t key_algo)
{
	if (sig_algo == PGP_PK_RSA || sig_algo == PGP_PK_RSA_SIGN)
		return key_algo == PGP_PK_RSA || key_algo == PGP_PK_RSA_SIGN;
	return sig_algo == key_algo;
}

/* Copies an integer right-aligned into a fixed-size field. */
static int left_pad(uint8_t *out, size_t size, const uint8_t *v, size_t len)
{
	if (len > size)
		return -1;
	memset(out, 0, size - len);
	memcpy(out + (size - len), v, len);
	return 0;
}

int pgp_sig_digest(const struct pgp_sig *sig, const struct pgp_signed_data *what,
                   enum crypto_hash *h, uint8_t digest[CRYPTO_MAX_DIGEST])
{
	struct crypto_hash_ctx *ctx = NULL;
	int r = -1;

	if (pgp_hash_from_id(sig->hash_algo, h) < 0)
		return -1;
	if ((ctx = crypto_hash_new(*h)) != NULL && hash_signed(ctx, sig, what) == 0 &&
	    crypto_hash_final(ctx, digest) == 0)
		r = 0;
	crypto_hash_free(ctx);
	return r;
}

int pgp_sig_check(const struct pgp_key *signer, const struct pgp_sig *sig,
                  const struct pgp_signed_data *what)
{
	uint8_t digest[CRYPTO_MAX_DIGEST], ed_sig[64];
	enum crypto_hash h;
	size_t dlen;
	int r = -1;

	if (!signer->can_verify || !algo_matches(sig->pk_algo, signer->algo) ||
	    pgp_sig_digest(sig, what, &h, digest) < 0)
		return -1;
	dlen = crypto_hash_len(h);
	if (memcmp(digest, sig->left16, 2) != 0)
		return 0;
	switch (signer->algo) {
	case PGP_PK_RSA:
	case PGP_PK_RSA_SIGN:
		r = crypto_verify_rsa(signer->rsa_n, signer->rsa_n_len, signer->rsa_e,
		                      signer->rsa_e_len, h, digest, dlen, sig->mpi[0],
		                      sig->mpi_len[0]);
		break;
	case PGP_PK_ECDSA:
		r = crypto_verify_ecdsa(signer->curve, signer->ec_point, signer->ec_point_len,
		                        digest, dlen, sig->mpi[0], sig->mpi_len[0], sig->mpi[1],
		                        sig->mpi_len[1]);
		break;
	case PGP_PK_EDDSA:
		if (left_pad(ed_sig, 32, sig->mpi[0], sig->mpi_len[0]) < 0 ||
		    left_pad(ed_sig + 32, 32, sig->mpi[1], sig->mpi_len[1]) < 0) {
			r = 0;
			break;
		}
		r = crypto_verify_ed25519(signer->ed25519, digest, dlen, ed_sig);
		break;
	default:
		r = -1;
	}
	return r;
}
