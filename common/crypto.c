#include "common/crypto.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct crypto_hash_ctx {
	EVP_MD_CTX *md;
};

struct crypto_signing_key {
	EVP_PKEY *pkey;
};

/*
 * The digests, fetched from the provider once: OpenSSL 3 fetches a legacy
 * EVP_sha256() again on every EVP_DigestInit_ex (a lookup under a lock),
 * which a chain's thousand commit ids and signature hashes would each pay.
 * Kept for the life of the process.
 */
static EVP_MD *digests[CRYPTO_SHA512 + 1];
static pthread_once_t digests_once = PTHREAD_ONCE_INIT;

static void digests_fetch(void)
{
	static const char *const names[] = {
	    [CRYPTO_SHA1] = "SHA1",     [CRYPTO_SHA224] = "SHA224", [CRYPTO_SHA256] = "SHA256",
	    [CRYPTO_SHA384] = "SHA384", [CRYPTO_SHA512] = "SHA512",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		digests[i] = EVP_MD_fetch(NULL, names[i], NULL);
}

static const EVP_MD *md_of(enum crypto_hash h)
{
	if ((unsigned)h > CRYPTO_SHA512 || pthread_once(&digests_once, digests_fetch) != 0)
		return NULL;
	return digests[h];
}

size_t crypto_hash_len(enum crypto_hash h)
{
	const EVP_MD *md = md_of(h);

	return md != NULL ? (size_t)EVP_MD_get_size(md) : 0;
}

int crypto_digest(enum crypto_hash h, const void *data, size_t len, uint8_t *out)
{
	const EVP_MD *md = md_of(h);

	if (md == NULL || EVP_Digest(data, len, out, NULL, md, NULL) != 1)
		return -1;
	return 0;
}

struct crypto_hash_ctx *crypto_hash_new(enum crypto_hash h)
{
	struct crypto_hash_ctx *ctx;
	const EVP_MD *md = md_of(h);

	if (md == NULL || (ctx = calloc(1, sizeof(*ctx))) == NULL)
		return NULL;
	if ((ctx->md = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(ctx->md, md, NULL) != 1) {
		crypto_hash_free(ctx);
		return NULL;
	}
	return ctx;
}

int crypto_hash_update(struct crypto_hash_ctx *ctx, const void *data, size_t len)
{
	return EVP_DigestUpdate(ctx->md, data, len) == 1 ? 0 : -1;
}

int crypto_hash_final(struct crypto_hash_ctx *ctx, uint8_t *out)
{
	return EVP_DigestFinal_ex(ctx->md, out, NULL) == 1 ? 0 : -1;
}

void crypto_hash_free(struct crypto_hash_ctx *ctx)
{
	if (ctx == NULL)
		return;
	EVP_MD_CTX_free(ctx->md);
	free(ctx);
}

/* Verifies a signature over tbs (a digest) with an EVP_PKEY: 1, 0 or -1. */
static int verify_pkey(EVP_PKEY *pkey, const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
                       size_t sig_len)
{
	EVP_PKEY_CTX *pctx = NULL;
	int r = -1;

	if ((pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) != NULL &&
	    EVP_PKEY_verify_init(pctx) == 1)
		r = EVP_PKEY_verify(pctx, sig, sig_len, tbs, tbs_len) == 1 ? 1 : 0;
	EVP_PKEY_CTX_free(pctx);
	return r;
}

int crypto_verify_ed25519(const uint8_t pub[32], const void *msg, size_t msg_len,
                          const uint8_t sig[64])
{
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *md = NULL;
	int r = -1;

	if ((pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32)) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(md, NULL, NULL, NULL, NULL, pkey, NULL) != 1)
		goto out;
	r = EVP_DigestVerify(md, sig, 64, msg, msg_len) == 1 ? 1 : 0;
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return r;
}

static EVP_PKEY *pkey_from_params(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;

	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static const char *curve_name(enum crypto_curve c)
{
	switch (c) {
	case CRYPTO_P256:
		return "prime256v1";
	case CRYPTO_P384:
		return "secp384r1";
	case CRYPTO_P521:
		return "secp521r1";
	}
	return NULL;
}

int crypto_verify_ecdsa(enum crypto_curve curve, const uint8_t *point, size_t point_len,
                        const uint8_t *digest, size_t digest_len, const uint8_t *r_bytes,
                        size_t r_len, const uint8_t *s_bytes, size_t s_len)
{
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY *pkey = NULL;
	ECDSA_SIG *sig = NULL;
	BIGNUM *br = NULL, *bs = NULL;
	unsigned char *der = NULL;
	const char *name = curve_name(curve);
	int der_len, r = -1;

	if (name == NULL || point_len == 0 || point[0] != 0x04)
		return -1;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, name, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, point_len) != 1 ||
	    (pkey = pkey_from_params("EC", bld)) == NULL)
		goto out;
	if ((br = BN_bin2bn(r_bytes, (int)r_len, NULL)) == NULL ||
	    (bs = BN_bin2bn(s_bytes, (int)s_len, NULL)) == NULL ||
	    (sig = ECDSA_SIG_new()) == NULL || ECDSA_SIG_set0(sig, br, bs) != 1)
		goto out;
	br = bs = NULL; /* owned by sig */
	if ((der_len = i2d_ECDSA_SIG(sig, &der)) <= 0)
		goto out;
	r = verify_pkey(pkey, digest, digest_len, der, (size_t)der_len);
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	BN_free(br);
	BN_free(bs);
	EVP_PKEY_free(pkey);
	OSSL_PARAM_BLD_free(bld);
	return r;
}

/*
 * Building an EVP_PKEY from parameters costs about as much as the RSA
 * verification itself, and a fresh EVP_PKEY_CTX a few percent more; a chain
 * checks hundreds of signatures by the same few keys, so each thread keeps
 * an initialised verification context for the last few (key, hash) pairs.
 * Per thread because an EVP_PKEY_CTX may only be used by one thread at a
 * time: no locks, and the verifications of several threads never wait for
 * each other. A thread's contexts are freed when it exits.
 */
#define RSA_CONTEXTS 8

struct rsa_context {
	uint8_t *n, *e;
	size_t n_len, e_len;
	enum crypto_hash hash;
	EVP_PKEY_CTX *pctx; /* verify-initialised: PKCS#1 v1.5 padding, the hash */
};

struct rsa_contexts {
	struct rsa_context slot[RSA_CONTEXTS];
	unsigned next;
};

static _Thread_local struct rsa_contexts *rsa_contexts;
static pthread_key_t rsa_contexts_key;
static pthread_once_t rsa_contexts_once = PTHREAD_ONCE_INIT;
static int rsa_contexts_key_ok;

static void rsa_context_clear(struct rsa_context *c)
{
	EVP_PKEY_CTX_free(c->pctx);
	free(c->n);
	free(c->e);
	memset(c, 0, sizeof(*c));
}

static void rsa_contexts_free(void *p)
{
	struct rsa_contexts *cs = p;
	size_t i;

	if (cs == NULL)
		return;
	for (i = 0; i < RSA_CONTEXTS; i++)
		rsa_context_clear(&cs->slot[i]);
	free(cs);
}

static void rsa_contexts_key_create(void)
{
	rsa_contexts_key_ok = pthread_key_create(&rsa_contexts_key, rsa_contexts_free) == 0;
}

/* This thread's contexts, NULL when they cannot be kept (then nothing is cached). */
static struct rsa_contexts *rsa_contexts_get(void)
{
	if (rsa_contexts != NULL)
		return rsa_contexts;
	if (pthread_once(&rsa_contexts_once, rsa_contexts_key_create) != 0 ||
	    !rsa_contexts_key_ok || (rsa_contexts = calloc(1, sizeof(*rsa_contexts))) == NULL)
		return NULL;
	if (pthread_setspecific(rsa_contexts_key, rsa_contexts) != 0) {
		free(rsa_contexts);
		rsa_contexts = NULL;
	}
	return rsa_contexts;
}

static EVP_PKEY_CTX *rsa_context_build(const uint8_t *n, size_t n_len, const uint8_t *e,
                                       size_t e_len, enum crypto_hash h)
{
	OSSL_PARAM_BLD *bld = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn = NULL, *be = NULL;

	if ((bn = BN_bin2bn(n, (int)n_len, NULL)) != NULL &&
	    (be = BN_bin2bn(e, (int)e_len, NULL)) != NULL && (bld = OSSL_PARAM_BLD_new()) != NULL &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) == 1 &&
	    (pkey = pkey_from_params("RSA", bld)) != NULL &&
	    (pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) != NULL &&
	    (EVP_PKEY_verify_init(pctx) != 1 ||
	     EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_signature_md(pctx, md_of(h)) != 1)) {
		EVP_PKEY_CTX_free(pctx);
		pctx = NULL;
	}
	EVP_PKEY_free(pkey); /* the context holds its own reference */
	BN_free(bn);
	BN_free(be);
	OSSL_PARAM_BLD_free(bld);
	return pctx;
}

/*
 * The verification context for (n, e) and hash h: this thread's cached one,
 * or a new one, cached when there is room (*owned set to 0), else handed to
 * the caller to free (*owned set to 1).
 */
static EVP_PKEY_CTX *rsa_context_get(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                                     enum crypto_hash h, int *owned)
{
	struct rsa_contexts *cs = rsa_contexts_get();
	struct rsa_context *c;
	EVP_PKEY_CTX *pctx;
	size_t i;

	*owned = 0;
	for (i = 0; cs != NULL && i < RSA_CONTEXTS; i++) {
		c = &cs->slot[i];
		if (c->pctx != NULL && c->hash == h && c->n_len == n_len && c->e_len == e_len &&
		    memcmp(c->n, n, n_len) == 0 && memcmp(c->e, e, e_len) == 0)
			return c->pctx;
	}
	if ((pctx = rsa_context_build(n, n_len, e, e_len, h)) == NULL)
		return NULL;
	if (cs == NULL) {
		*owned = 1;
		return pctx;
	}
	c = &cs->slot[cs->next++ % RSA_CONTEXTS];
	rsa_context_clear(c);
	if ((c->n = malloc(n_len)) == NULL || (c->e = malloc(e_len)) == NULL) {
		rsa_context_clear(c);
		*owned = 1; /* the context still works, uncached */
		return pctx;
	}
	memcpy(c->n, n, n_len);
	memcpy(c->e, e, e_len);
	c->n_len = n_len;
	c->e_len = e_len;
	c->hash = h;
	c->pctx = pctx;
	return pctx;
}

int crypto_verify_rsa(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
                      enum crypto_hash h, const uint8_t *digest, size_t digest_len,
                      const uint8_t *sig, size_t sig_len)
{
	EVP_PKEY_CTX *pctx;
	uint8_t *padded = NULL;
	size_t mod_len;
	int owned = 0, r = -1;

	while (n_len > 0 && n[0] == 0) {
		n++;
		n_len--;
	}
	mod_len = n_len;
	if (mod_len == 0 || e_len == 0 || sig_len > mod_len || digest_len != crypto_hash_len(h))
		return -1;
	if ((padded = calloc(1, mod_len)) == NULL)
		return -1;
	memcpy(padded + (mod_len - sig_len), sig, sig_len);
	if ((pctx = rsa_context_get(n, n_len, e, e_len, h, &owned)) != NULL)
		r = EVP_PKEY_verify(pctx, padded, mod_len, digest, digest_len) == 1 ? 1 : 0;
	if (owned)
		EVP_PKEY_CTX_free(pctx);
	free(padded);
	return r;
}

unsigned crypto_bignum_bits(const uint8_t *v, size_t len)
{
	unsigned bits;
	uint8_t top;

	while (len > 0 && v[0] == 0) {
		v++;
		len--;
	}
	if (len == 0)
		return 0;
	for (bits = 8, top = v[0]; (top & 0x80) == 0; top <<= 1)
		bits--;
	return (unsigned)((len - 1) * 8) + bits;
}

int crypto_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t msg_len,
                       uint8_t out[32])
{
	unsigned int n = 0;

	if (HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, out, &n) == NULL || n != 32)
		return -1;
	return 0;
}

int crypto_random(void *out, size_t len)
{
	return RAND_bytes(out, (int)len) == 1 ? 0 : -1;
}

struct crypto_signing_key *crypto_signing_key_from_pem(const char *pem, size_t len)
{
	struct crypto_signing_key *key = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *bio;

	if (len > INT32_MAX || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return NULL;
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey == NULL || EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519 ||
	    (key = calloc(1, sizeof(*key))) == NULL) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	key->pkey = pkey; /* transferred */
	return key;
}

void crypto_signing_key_free(struct crypto_signing_key *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

int crypto_sign_ed25519(const struct crypto_signing_key *key, const void *msg, size_t msg_len,
                        uint8_t sig[64])
{
	EVP_MD_CTX *md;
	size_t sig_len = 64;
	int r = -1;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestSignInit_ex(md, NULL, NULL, NULL, NULL, key->pkey, NULL) == 1 &&
	    EVP_DigestSign(md, sig, &sig_len, msg, msg_len) == 1 && sig_len == 64)
		r = 0;
	EVP_MD_CTX_free(md);
	return r;
}

int crypto_signing_key_public(const struct crypto_signing_key *key, uint8_t pub[32])
{
	size_t n = 32;

	return EVP_PKEY_get_raw_public_key(key->pkey, pub, &n) == 1 && n == 32 ? 0 : -1;
}

int crypto_ed25519_public_from_pem(const char *pem, size_t len, uint8_t pub[32])
{
	EVP_PKEY *pkey;
	size_t n = 32;
	BIO *bio;
	int r = -1;

	if (len > INT32_MAX || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return -1;
	pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (pkey != NULL && EVP_PKEY_get_id(pkey) == EVP_PKEY_ED25519 &&
	    EVP_PKEY_get_raw_public_key(pkey, pub, &n) == 1 && n == 32)
		r = 0;
	EVP_PKEY_free(pkey);
	return r;
}

/* Software signing keys from raw private values (test helpers for sk-* signatures). */
