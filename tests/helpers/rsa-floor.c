/*
 * rsa-floor KEYRING PASSES < `git cat-file --batch` output of signed commits
 * The floor of OpenPGP RSA chain verification, for bench/verify-pgp.sh: the
 * commits' signatures are parsed, hashed and matched to their keys first
 * (untimed); then only the RSA verifications run, PASSES times, on one
 * thread, with OpenSSL directly and nothing rebuilt between signatures (one
 * EVP_PKEY and one initialised EVP_PKEY_CTX per key and hash, as `openssl
 * speed` does). Prints the signature count and the minimum and median time
 * of one pass. Exit 0 when every signature verified, 1 when one did not, 2
 * on usage or input errors.
 */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "verify/commit.h"
#include "verify/pgp_keyring.h"
#include "verify/pgp_sigcheck.h"

#define INPUT_MAX (256u << 20)
#define MAX_CTX 16
#define MAX_PASSES 1000

struct floor_sig {
	size_t ctx; /* index into the contexts */
	uint8_t digest[CRYPTO_MAX_DIGEST];
	size_t digest_len;
	uint8_t *sig; /* left-padded to the modulus size */
	size_t sig_len;
};

struct floor_ctx {
	const struct pgp_kr_entry *key;
	enum crypto_hash hash;
	EVP_PKEY_CTX *pctx;
};

/* The key's context for the OpenPGP hash algorithm hash_id ("SHA-256" is an OpenSSL name too). */
static EVP_PKEY_CTX *context_for(const struct pgp_key *k, uint8_t hash_id)
{
	EVP_MD *md = EVP_MD_fetch(NULL, pgp_hash_name(hash_id), NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *kctx = NULL, *pctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *n = BN_bin2bn(k->rsa_n, (int)k->rsa_n_len, NULL);
	BIGNUM *e = BN_bin2bn(k->rsa_e, (int)k->rsa_e_len, NULL);

	if (md != NULL && bld != NULL && n != NULL && e != NULL &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) == 1 &&
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) == 1 &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
	    (kctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(kctx) == 1 &&
	    EVP_PKEY_fromdata(kctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) == 1 &&
	    (pctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) != NULL &&
	    (EVP_PKEY_verify_init(pctx) != 1 ||
	     EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_signature_md(pctx, md) != 1)) {
		EVP_PKEY_CTX_free(pctx);
		pctx = NULL;
	}
	EVP_PKEY_free(pkey); /* pctx holds its own reference */
	EVP_MD_free(md);
	EVP_PKEY_CTX_free(kctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pctx;
}

/* The signature of one commit object, hashed and matched to its key and context. */
static int prepare(const struct pgp_keyring *kr, const uint8_t *raw, size_t len,
                   struct floor_ctx *ctxs, size_t *nctx, struct floor_sig *out)
{
	struct pgp_signed_data what = {0};
	const struct pgp_kr_entry *key;
	struct commit_object c;
	struct reader r, body;
	struct pgp_sig s;
	struct buf bin;
	enum crypto_hash h;
	size_t used, iter = 0, i, mod;
	uint8_t tag;
	int ret = -1;

	buf_init(&bin, 1u << 20);
	if (commit_parse(&c, raw, len, OBJECT_SHA1) != 0 || c.signature == NULL ||
	    pgp_dearmor(c.signature, c.signature_len, "SIGNATURE", &bin, &used) != 0)
		goto out;
	reader_init(&r, bin.data, bin.len);
	if (pgp_packet_next(&r, &tag, &body) != 0 || pgp_sig_parse(&s, body.data, body.len) != 0)
		goto out;
	what.data = c.payload;
	what.data_len = c.payload_len;
	what.text = s.type == PGP_SIG_TEXT;
	key = pgp_keyring_next(
	    kr, s.has_issuer_fpr ? s.issuer_fpr + PGP_FPR_LEN - PGP_KEYID_LEN : s.issuer, &iter);
	if (key == NULL || (key->key.algo != PGP_PK_RSA && key->key.algo != PGP_PK_RSA_SIGN) ||
	    pgp_sig_digest(&s, &what, &h, out->digest) < 0)
		goto out;
	for (i = 0; i < *nctx; i++)
		if (ctxs[i].key == key && ctxs[i].hash == h)
			break;
	if (i == *nctx) {
		if (i == MAX_CTX || (ctxs[i].pctx = context_for(&key->key, s.hash_algo)) == NULL)
			goto out;
		ctxs[i].key = key;
		ctxs[i].hash = h;
		(*nctx)++;
	}
	out->ctx = i;
	out->digest_len = crypto_hash_len(h);
	for (mod = key->key.rsa_n_len; mod > 0 && key->key.rsa_n[key->key.rsa_n_len - mod] == 0;)
		mod--;
	if (s.mpi_len[0] > mod || (out->sig = calloc(1, mod)) == NULL)
		goto out;
	memcpy(out->sig + (mod - s.mpi_len[0]), s.mpi[0], s.mpi_len[0]);
	out->sig_len = mod;
	ret = 0;
out:
	commit_release(&c);
	buf_release(&bin);
	return ret;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	static struct floor_ctx ctxs[MAX_CTX];
	static double times[MAX_PASSES];
	struct pgp_keyring *kr = NULL;
	struct floor_sig *sigs = NULL;
	struct buf in, keys;
	size_t nctx = 0, nsig = 0, cap = 0, pos = 0, i;
	char *end = "";
	int passes = 0, p, ret = 2;

	if (argc == 3)
		passes = (int)strtol(argv[2], &end, 10);
	if (argc != 3 || *end != '\0' || passes < 1 || passes > MAX_PASSES) {
		fprintf(stderr, "usage: rsa-floor KEYRING PASSES < git-cat-file-batch-output\n");
		return 2;
	}
	buf_init(&in, INPUT_MAX);
	buf_init(&keys, 16u << 20);
	if (buf_read_file(&keys, argv[1]) < 0 || buf_read_file(&in, "/dev/stdin") < 0 ||
	    pgp_keyring_new(&kr) != 0 || pgp_keyring_add(kr, keys.data, keys.len, argv[1]) != 0 ||
	    pgp_keyring_finish(kr) != 0) {
		fprintf(stderr, "rsa-floor: cannot read the keyring or the input\n");
		goto out;
	}
	/* "<id> commit <size>\n<bytes>\n" per object */
	while (pos < in.len) {
		const char *hdr = (const char *)in.data + pos,
		           *nl = memchr(hdr, '\n', in.len - pos);
		char type[16];
		size_t size;

		if (nl == NULL || sscanf(hdr, "%*40s %15s %zu", type, &size) != 2 ||
		    strcmp(type, "commit") != 0 || size > in.len - (size_t)(nl + 1 - hdr) - pos) {
			fprintf(stderr, "rsa-floor: unexpected input at byte %zu\n", pos);
			goto out;
		}
		pos += (size_t)(nl + 1 - hdr);
		if (nsig == cap) {
			struct floor_sig *more;

			cap = cap != 0 ? 2 * cap : 1024;
			if ((more = realloc(sigs, cap * sizeof(*sigs))) == NULL)
				goto out;
			sigs = more;
		}
		memset(&sigs[nsig], 0, sizeof(sigs[nsig]));
		if (prepare(kr, in.data + pos, size, ctxs, &nctx, &sigs[nsig]) != 0) {
			fprintf(stderr,
			        "rsa-floor: object at byte %zu has no RSA signature by the "
			        "keyring\n",
			        pos);
			goto out;
		}
		nsig++;
		pos += size + 1;
	}
	for (p = 0; p < passes; p++) {
		double start = now_ms();

		for (i = 0; i < nsig; i++) {
			const struct floor_sig *s = &sigs[i];

			if (EVP_PKEY_verify(ctxs[s->ctx].pctx, s->sig, s->sig_len, s->digest,
			                    s->digest_len) != 1) {
				fprintf(stderr, "rsa-floor: signature %zu does not verify\n", i);
				ret = 1;
				goto out;
			}
		}
		times[p] = now_ms() - start;
	}
	qsort(times, (size_t)passes, sizeof(times[0]), by_value);
	printf("%zu RSA signatures (%zu key and hash pairs), one thread: min %.1f ms, median %.1f "
	       "ms per pass of %d\n",
	       nsig, nctx, times[0], times[passes / 2], passes);
	ret = 0;
out:
	for (i = 0; i < nsig; i++)
		free(sigs[i].sig);
	free(sigs);
	for (i = 0; i < nctx; i++)
		EVP_PKEY_CTX_free(ctxs[i].pctx);
	pgp_keyring_free(kr);
	buf_release(&in);
	buf_release(&keys);
	return ret;
}
