#include "tests/lib/soft_keys.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

int soft_ed25519_public(const uint8_t seed[32], uint8_t pub[32])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	size_t n = 32;
	int ok;

	ok = pkey != NULL && EVP_PKEY_get_raw_public_key(pkey, pub, &n) == 1 && n == 32;
	EVP_PKEY_free(pkey);
	return ok ? 0 : -1;
}

int soft_ed25519_sign(const uint8_t seed[32], const void *msg, size_t msg_len, uint8_t sig[64])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = 64;
	int ok;

	ok = pkey != NULL && ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
	     EVP_DigestSign(ctx, sig, &n, msg, msg_len) == 1 && n == 64;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok ? 0 : -1;
}

int soft_ecdsa_p256_sign(const uint8_t priv[32], const uint8_t digest[32], uint8_t r[32],
                         uint8_t s[32], uint8_t pub[65])
{
	EC_GROUP *group = NULL;
	EC_POINT *point = NULL;
	BIGNUM *d = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL, *sctx = NULL;
	EVP_PKEY *pkey = NULL;
	ECDSA_SIG *sig = NULL;
	const BIGNUM *br, *bs;
	const unsigned char *p;
	unsigned char der[128];
	size_t der_len = sizeof(der);
	int ret = -1;

	if ((group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1)) == NULL ||
	    (point = EC_POINT_new(group)) == NULL || (d = BN_bin2bn(priv, 32, NULL)) == NULL ||
	    EC_POINT_mul(group, point, d, NULL, NULL, NULL) != 1 ||
	    EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, pub, 65, NULL) != 65)
		goto out;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) !=
	        1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 65) != 1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
		goto out;
	if ((sctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_sign_init(sctx) != 1 || EVP_PKEY_sign(sctx, der, &der_len, digest, 32) != 1)
		goto out;
	p = der;
	if ((sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len)) == NULL)
		goto out;
	ECDSA_SIG_get0(sig, &br, &bs);
	if (BN_bn2binpad(br, r, 32) != 32 || BN_bn2binpad(bs, s, 32) != 32)
		goto out;
	ret = 0;
out:
	ECDSA_SIG_free(sig);
	EVP_PKEY_CTX_free(sctx);
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(d);
	EC_POINT_free(point);
	EC_GROUP_free(group);
	return ret;
}
