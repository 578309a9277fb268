/*
 * SSH signature parser and verifier: a genuine signature built here from a
 * software key is accepted, and every structural defect, policy violation
 * and forged twin is refused with its reason code, in the documented order.
 */
#include "unit.h"

#include "common/buf.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/reader.h"
#include "tests/lib/soft_keys.h"
#include "verify/allowed_signers.h"
#include "verify/sshsig.h"

#include <stdio.h>
#include <string.h>

static const uint8_t seed[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const char message[] = "tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\nsigned\n";
#define WHEN 1700000000

static void put_u32(struct buf *b, uint32_t v)
{
	assert_int_equal(buf_append_u32(b, v), 0);
}

static void put_string(struct buf *b, const void *p, size_t n)
{
	assert_int_equal(buf_append_string(b, p, n), 0);
}

static void put_cstring(struct buf *b, const char *s)
{
	put_string(b, s, strlen(s));
}

/* The parts of an SSHSIG blob; the builder writes them in wire order. */
struct parts {
	const char *magic;
	uint32_t version;
	struct buf key;
	const char *ns;
	const char *reserved;
	const char *hash;
	struct buf sig; /* the signature structure (algorithm, blob[, flags, counter]) */
	const char *trailer;
};

static void ed25519_key(struct buf *key, const char *type)
{
	uint8_t pub[32];

	assert_int_equal(soft_ed25519_public(seed, pub), 0);
	buf_init(key, 4096);
	put_cstring(key, type);
	put_string(key, pub, 32);
}

/* Signed data of PROTOCOL.sshsig for message under ns/hash. */
static void signed_data(struct buf *tbs, const char *ns, const char *hash)
{
	uint8_t h[64];
	int sha512 = strcmp(hash, "sha512") == 0;

	assert_int_equal(
	    crypto_digest(sha512 ? CRYPTO_SHA512 : CRYPTO_SHA256, message, strlen(message), h), 0);
	buf_init(tbs, 4096);
	assert_int_equal(buf_append(tbs, "SSHSIG", 6), 0);
	put_cstring(tbs, ns);
	put_string(tbs, "", 0);
	put_cstring(tbs, hash);
	put_string(tbs, h, sha512 ? 64 : 32);
}

/* A genuine ssh-ed25519 signature over message, namespace ns. */
static void genuine(struct parts *p, const char *ns, const char *hash)
{
	struct buf tbs;
	uint8_t sig[64];

	memset(p, 0, sizeof(*p));
	p->magic = "SSHSIG";
	p->version = 1;
	p->ns = ns;
	p->reserved = "";
	p->hash = hash;
	p->trailer = "";
	ed25519_key(&p->key, "ssh-ed25519");
	signed_data(&tbs, ns, hash);
	assert_int_equal(soft_ed25519_sign(seed, tbs.data, tbs.len, sig), 0);
	buf_release(&tbs);
	buf_init(&p->sig, 4096);
	put_cstring(&p->sig, "ssh-ed25519");
	put_string(&p->sig, sig, 64);
}

static void release(struct parts *p)
{
	buf_release(&p->key);
	buf_release(&p->sig);
}

static void build_blob(const struct parts *p, struct buf *out)
{
	buf_init(out, 1u << 20);
	assert_int_equal(buf_append(out, p->magic, strlen(p->magic)), 0);
	put_u32(out, p->version);
	put_string(out, p->key.data, p->key.len);
	put_cstring(out, p->ns);
	put_cstring(out, p->reserved);
	put_cstring(out, p->hash);
	put_string(out, p->sig.data, p->sig.len);
	assert_int_equal(buf_append_str(out, p->trailer), 0);
}

/* The armor with body lines of `width` columns (0: one line). */
static void armor_width(const uint8_t *blob, size_t len, size_t width, struct buf *out)
{
	struct buf b64;
	size_t i;

	buf_init(&b64, 1u << 20);
	buf_init(out, 1u << 20);
	assert_int_equal(base64_encode(blob, len, &b64), 0);
	if (width == 0)
		width = b64.len;
	assert_int_equal(buf_append_str(out, "-----BEGIN SSH SIGNATURE-----\n"), 0);
	for (i = 0; i < b64.len; i += width) {
		assert_int_equal(
		    buf_append(out, b64.data + i, b64.len - i < width ? b64.len - i : width), 0);
		assert_int_equal(buf_append_str(out, "\n"), 0);
	}
	assert_int_equal(buf_append_str(out, "-----END SSH SIGNATURE-----\n"), 0);
	buf_release(&b64);
}

/* As ssh-keygen writes it: 70 columns. */
static void armor_bytes(const uint8_t *blob, size_t len, struct buf *out)
{
	armor_width(blob, len, 70, out);
}

static void armor(const struct parts *p, struct buf *out)
{
	struct buf blob;

	build_blob(p, &blob);
	armor_bytes(blob.data, blob.len, out);
	buf_release(&blob);
}

/* allowed_signers text naming key for alice, with optional options. */
static struct allowed_signers *signers_for(const struct buf *key, const char *options)
{
	struct allowed_signers *as = NULL;
	struct buf text, b64;
	struct reader r;
	const uint8_t *type;
	size_t type_len;

	reader_init(&r, key->data, key->len);
	assert_int_equal(reader_get_string(&r, &type, &type_len), 0);
	buf_init(&b64, 1u << 20);
	buf_init(&text, 1u << 20);
	assert_int_equal(base64_encode(key->data, key->len, &b64), 0);
	assert_int_equal(buf_printf(&text, "alice@example.org %s%.*s %s\n", options, (int)type_len,
	                            (const char *)type, buf_cstr(&b64)),
	                 0);
	ml_error_clear();
	assert_int_equal(allowed_signers_parse(&as, buf_cstr(&text), text.len, "signers"), 0);
	buf_release(&text);
	buf_release(&b64);
	return as;
}

static int verify_with(const struct allowed_signers *as, const struct sshsig_policy *policy,
                       const struct buf *armored, struct ml_signer *out)
{
	ml_error_clear();
	return sshsig_verify_git(as, policy, (const char *)armored->data, armored->len,
	                         (const uint8_t *)message, strlen(message), WHEN, out);
}

static int verify(const struct allowed_signers *as, const struct buf *armored,
                  struct ml_signer *out)
{
	return verify_with(as, NULL, armored, out);
}

static void test_genuine_accepted(void **state)
{
	const char *hashes[] = {"sha256", "sha512"};
	struct allowed_signers *as;
	struct ml_signer signer;
	struct parts p;
	struct buf a;
	size_t i;

	for (i = 0; i < 2; i++) {
		genuine(&p, "git", hashes[i]);
		as = signers_for(&p.key, "");
		armor(&p, &a);
		assert_int_equal(verify(as, &a, &signer), ML_OK);
		assert_int_equal(signer.format, SIGNER_SSH);
		assert_string_equal(signer.principal, "alice@example.org");
		assert_string_equal(signer.algorithm, "ssh-ed25519");
		assert_memory_equal(signer.key, "SHA256:", 7);
		assert_int_equal(strlen(signer.key), 50);
		assert_int_equal(signer.signed_at, 0);
		buf_release(&a);
		allowed_signers_free(as);
		release(&p);
	}
}

static void test_payload_twins(void **state)
{
	struct allowed_signers *as;
	struct ml_signer signer;
	struct parts p;
	struct buf a;
	char edited[sizeof(message)];

	genuine(&p, "git", "sha512");
	as = signers_for(&p.key, "");
	armor(&p, &a);
	memcpy(edited, message, sizeof(message));
	edited[0] = 'T';
	ml_error_clear();
	assert_int_equal(sshsig_verify_git(as, NULL, (const char *)a.data, a.len,
	                                   (const uint8_t *)edited, strlen(edited), WHEN, &signer),
	                 ML_BAD_SIGNATURE);
	/* appended NUL */
	assert_int_equal(sshsig_verify_git(as, NULL, (const char *)a.data, a.len,
	                                   (const uint8_t *)message, sizeof(message), WHEN,
	                                   &signer),
	                 ML_BAD_SIGNATURE);
	buf_release(&a);
	allowed_signers_free(as);
	release(&p);
}

/* Every strict prefix of the blob, armored, must be refused as unparsable. */
static void test_truncated_at_every_offset(void **state)
{
	struct allowed_signers *as;
	struct ml_signer signer;
	struct buf blob, a;
	struct parts p;
	size_t n;

	genuine(&p, "git", "sha512");
	as = signers_for(&p.key, "");
	build_blob(&p, &blob);
	for (n = 1; n < blob.len; n++) {
		armor_bytes(blob.data, n, &a);
		assert_int_equal(verify(as, &a, &signer), ML_BAD_SIGNATURE);
		assert_non_null(strstr(ml_error_message(), "cannot parse"));
		buf_release(&a);
	}
	buf_release(&blob);
	allowed_signers_free(as);
	release(&p);
}

static void test_armor_defects(void **state)
{
	static const char *const cases[] = {
	    "",
	    "-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n",
	    "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n",
	    "-----BEGIN SSH SIGNATURE-----\nU1NI\n\nU0lH\n-----END SSH SIGNATURE-----\n",
	    "-----BEGIN SSH SIGNATURE-----\nU1NI U0lH\n-----END SSH SIGNATURE-----\n",
	    "-----BEGIN SSH SIGNATURE-----\r\nU1NIU0lH\r\n-----END SSH SIGNATURE-----\r\n",
	    "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n\n",
	    "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE----- \n",
	    "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\nx",
	    "x-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n",
	    "-----BEGIN PGP SIGNATURE-----\nU1NIU0lH\n-----END PGP SIGNATURE-----\n",
	    "-----BEGIN SSH SIGNATURE-----\nU1NIU0l=\n-----END SSH SIGNATURE-----\n",
	    "-----BEGIN SSH SIGNATURE-----\nU1N=IU0lH\n-----END SSH SIGNATURE-----\n",
	    "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH!\n-----END SSH SIGNATURE-----\n",
	};
	struct sshsig *sig = NULL;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ml_error_clear();
		assert_int_equal(sshsig_parse(&sig, cases[i], strlen(cases[i])), ML_BAD_SIGNATURE);
		assert_null(sig);
		assert_non_null(strstr(ml_error_message(), "cannot parse SSH signature"));
	}
}

/* ssh-keygen reads any width: GitLab's Go encoder writes 64 columns, others one line. */
static void test_armor_any_width(void **state)
{
	static const size_t widths[] = {64, 70, 76, 1, 0};
	struct allowed_signers *as;
	struct ml_signer signer;
	struct parts p;
	struct buf blob, a;
	size_t i;

	genuine(&p, "git", "sha512");
	as = signers_for(&p.key, "");
	build_blob(&p, &blob);
	for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		armor_width(blob.data, blob.len, widths[i], &a);
		if (verify(as, &a, &signer) != ML_OK)
			fail_msg("width %zu: %s", widths[i], ml_error_message());
		buf_release(&a);
	}
	buf_release(&blob);
	allowed_signers_free(as);
	release(&p);
}

static void test_armor_final_newline_optional(void **state)
{
	struct sshsig *sig = NULL;
	struct parts p;
	struct buf a;
	size_t key_len;

	genuine(&p, "git", "sha512");
	armor(&p, &a);
	assert_int_equal(sshsig_parse(&sig, (const char *)a.data, a.len - 1), 0);
	assert_memory_equal(sshsig_public_key(sig, &key_len), p.key.data, p.key.len);
	assert_int_equal(key_len, p.key.len);
	sshsig_free(sig);
	sshsig_free(NULL);
	buf_release(&a);
	release(&p);
}

enum defect {
	BAD_MAGIC,
	BAD_VERSION,
	RESERVED_SET,
	TRAILING_BLOB,
	TRAILING_KEY,
	TRAILING_SIG,
	HUGE_KEY_LENGTH,
	HUGE_OUTER_LENGTH,
	SHORT_ED25519_KEY,
	SHORT_ED25519_SIG,
	EMPTY_NAMESPACE,
	NUL_IN_NAMESPACE,
};

static void test_structural_defects(void **state)
{
	static const enum defect defects[] = {
	    BAD_MAGIC,       BAD_VERSION,      RESERVED_SET,      TRAILING_BLOB,
	    TRAILING_KEY,    TRAILING_SIG,     HUGE_KEY_LENGTH,   SHORT_ED25519_KEY,
	    EMPTY_NAMESPACE, NUL_IN_NAMESPACE, SHORT_ED25519_SIG, HUGE_OUTER_LENGTH,
	};
	struct allowed_signers *as;
	struct ml_signer signer;
	struct parts p;
	struct buf a, blob;
	size_t i;

	for (i = 0; i < sizeof(defects) / sizeof(defects[0]); i++) {
		genuine(&p, "git", "sha512");
		as = signers_for(&p.key, "");
		switch (defects[i]) {
		case BAD_MAGIC:
			p.magic = "SSHSIH";
			break;
		case BAD_VERSION:
			p.version = 2;
			break;
		case RESERVED_SET:
			p.reserved = "x";
			break;
		case TRAILING_BLOB:
			p.trailer = "z";
			break;
		case TRAILING_KEY:
			assert_int_equal(buf_append(&p.key, "\0", 1), 0);
			break;
		case TRAILING_SIG:
			assert_int_equal(buf_append(&p.sig, "\0", 1), 0);
			break;
		case HUGE_KEY_LENGTH:
			p.key.data[0] = 0xff;
			break;
		case SHORT_ED25519_KEY:
			p.key.len--;
			p.key.data[p.key.len - 32] = 31;
			break;
		case SHORT_ED25519_SIG:
			p.sig.len--;
			p.sig.data[p.sig.len - 64] = 63;
			break;
		case EMPTY_NAMESPACE:
			p.ns = "";
			break;
		case NUL_IN_NAMESPACE:
		case HUGE_OUTER_LENGTH:
			break;
		}
		build_blob(&p, &blob);
		if (defects[i] == NUL_IN_NAMESPACE) {
			/* "git" -> "g\0t": namespace follows magic, version and the key */
			blob.data[6 + 4 + 4 + p.key.len + 4 + 1] = 0;
		}
		if (defects[i] == HUGE_OUTER_LENGTH)
			memset(blob.data + 10, 0xff, 4);
		armor_bytes(blob.data, blob.len, &a);
		assert_int_equal(verify(as, &a, &signer), ML_BAD_SIGNATURE);
		assert_non_null(strstr(ml_error_message(), "cannot parse"));
		buf_release(&a);
		buf_release(&blob);
		allowed_signers_free(as);
		release(&p);
	}
}

static void test_wrong_namespace_before_crypto_and_lookup(void **state)
{
	struct allowed_signers *as, *other;
	struct ml_signer signer;
	struct parts p;
	struct buf a, k;

	genuine(&p, "file", "sha512");
	as = signers_for(&p.key, "");
	armor(&p, &a);
	assert_int_equal(verify(as, &a, &signer), ML_WRONG_NAMESPACE);
	assert_non_null(strstr(ml_error_message(), "'file'"));
	/* an unknown key with a wrong namespace: the namespace is checked first */
	buf_init(&k, 4096);
	put_cstring(&k, "ssh-ed25519");
	put_string(&k, seed, 32);
	other = signers_for(&k, "");
	assert_int_equal(verify(other, &a, &signer), ML_WRONG_NAMESPACE);
	buf_release(&a);
	/* signer-side namespace git with allowed_signers namespaces="file" */
	release(&p);
	genuine(&p, "git", "sha512");
	allowed_signers_free(as);
	as = signers_for(&p.key, "namespaces=\"file\" ");
	armor(&p, &a);
	assert_int_equal(verify(as, &a, &signer), ML_WRONG_NAMESPACE);
	allowed_signers_free(as);
	as = signers_for(&p.key, "namespaces=\"file,g?t\" ");
	assert_int_equal(verify(as, &a, &signer), ML_OK);
	buf_release(&a);
	buf_release(&k);
	allowed_signers_free(as);
	allowed_signers_free(other);
	release(&p);
}

static void test_unknown_key_before_crypto(void **state)
{
	struct allowed_signers *other;
	struct ml_signer signer;
	struct parts p;
	struct buf a, k;

	genuine(&p, "git", "sha512");
	p.sig.data[p.sig.len - 1] ^= 1; /* broken signature, but the key decides first */
	armor(&p, &a);
	buf_init(&k, 4096);
	put_cstring(&k, "ssh-ed25519");
	put_string(&k, seed, 32);
	other = signers_for(&k, "");
	assert_int_equal(verify(other, &a, &signer), ML_UNKNOWN_KEY);
	assert_non_null(strstr(ml_error_message(), "SHA256:"));
	assert_int_equal(verify(NULL, &a, &signer), ML_UNKNOWN_KEY);
	buf_release(&a);
	buf_release(&k);
	allowed_signers_free(other);
	release(&p);
}

static void test_expired_key(void **state)
{
	struct allowed_signers *as;
	struct ml_signer signer;
	struct parts p;
	struct buf a;

	genuine(&p, "git", "sha256");
	armor(&p, &a);
	as = signers_for(&p.key, "valid-before=\"20230101\" ");
	assert_int_equal(verify(as, &a, &signer), ML_KEY_EXPIRED);
	allowed_signers_free(as);
	as = signers_for(&p.key, "valid-after=\"20240101\" ");
	assert_int_equal(verify(as, &a, &signer), ML_KEY_EXPIRED);
	allowed_signers_free(as);
	/* WHEN is 2023-11-14T22:13:20Z: both bounds inclusive */
	as = signers_for(&p.key, "valid-after=\"20231114221320Z\",valid-before=\"20231115\" ");
	assert_int_equal(verify(as, &a, &signer), ML_OK);
	allowed_signers_free(as);
	as = signers_for(&p.key, "valid-after=\"20231114\",valid-before=\"20231114221320\" ");
	assert_int_equal(verify(as, &a, &signer), ML_OK);
	allowed_signers_free(as);
	as = signers_for(&p.key, "valid-after=\"20231114221321\" ");
	assert_int_equal(verify(as, &a, &signer), ML_KEY_EXPIRED);
	allowed_signers_free(as);
	as = signers_for(&p.key, "valid-before=\"20231114221319\" ");
	assert_int_equal(verify(as, &a, &signer), ML_KEY_EXPIRED);
	allowed_signers_free(as);
	buf_release(&a);
	release(&p);
}

/* A key of the given type with a modulus of `bits` bits (never a real key). */
static void rsa_key(struct buf *key, unsigned bits)
{
	uint8_t n[1 + 4096 / 8];
	const uint8_t e[] = {1, 0, 1};

	memset(n, 0xc5, sizeof(n));
	n[0] = 0;
	buf_init(key, 8192);
	put_cstring(key, "ssh-rsa");
	put_string(key, e, sizeof(e));
	put_string(key, n, 1 + bits / 8);
}

static void test_algorithm_policy(void **state)
{
	static const struct {
		const char *key_type; /* NULL: RSA */
		unsigned rsa_bits;
		const char *sig_alg;
		const char *hash;
		int want;
	} cases[] = {
	    {"ssh-dss", 0, "ssh-dss", "sha512", ML_WEAK_ALGORITHM},
	    {NULL, 1024, "rsa-sha2-512", "sha512", ML_WEAK_ALGORITHM},
	    {NULL, 2048, "ssh-rsa", "sha512", ML_WEAK_ALGORITHM},
	    {NULL, 2048, "ssh-ed25519", "sha512", ML_BAD_SIGNATURE},
	    {NULL, 2048, "rsa-sha2-256", "sha512", ML_UNKNOWN_KEY},
	    {"ssh-ed25519", 0, "rsa-sha2-256", "sha512", ML_BAD_SIGNATURE},
	    {"ssh-ed25519", 0, "ssh-ed25519", "sha1", ML_UNSUPPORTED},
	    {"ssh-ed25519", 0, "ssh-ed25519", "sha384", ML_UNSUPPORTED},
	    {"ssh-foo", 0, "ssh-foo", "sha512", ML_UNSUPPORTED},
	    {"ssh-ed25519-cert-v01@openssh.com", 0, "ssh-ed25519", "sha512", ML_UNSUPPORTED},
	};
	struct ml_signer signer;
	struct parts p;
	struct buf a;
	size_t i;
	uint8_t zero[64] = {0};

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		genuine(&p, "git", cases[i].hash);
		buf_release(&p.key);
		buf_release(&p.sig);
		if (cases[i].key_type == NULL) {
			rsa_key(&p.key, cases[i].rsa_bits);
		} else {
			buf_init(&p.key, 4096);
			put_cstring(&p.key, cases[i].key_type);
			if (strcmp(cases[i].key_type, "ssh-dss") == 0) {
				put_string(&p.key, zero, 3);
				put_string(&p.key, zero, 3);
				put_string(&p.key, zero, 3);
				put_string(&p.key, zero, 3);
			} else {
				put_string(&p.key, zero, 32);
			}
		}
		buf_init(&p.sig, 4096);
		put_cstring(&p.sig, cases[i].sig_alg);
		put_string(&p.sig, zero, 64);
		armor(&p, &a);
		/* no allowed signers at all: policy is decided before the lookup */
		assert_int_equal(verify(NULL, &a, &signer), cases[i].want);
		buf_release(&a);
		release(&p);
	}
}

static void test_rsa_forged_signature(void **state)
{
	struct allowed_signers *as;
	struct ml_signer signer;
	struct parts p;
	struct buf a;
	uint8_t junk[256];

	genuine(&p, "git", "sha512");
	buf_release(&p.key);
	buf_release(&p.sig);
	rsa_key(&p.key, 2048);
	memset(junk, 0x42, sizeof(junk));
	buf_init(&p.sig, 4096);
	put_cstring(&p.sig, "rsa-sha2-512");
	put_string(&p.sig, junk, sizeof(junk));
	as = signers_for(&p.key, "");
	armor(&p, &a);
	assert_int_equal(verify(as, &a, &signer), ML_BAD_SIGNATURE);
	buf_release(&a);
	/* longer than the modulus */
	buf_reset(&p.sig);
	put_cstring(&p.sig, "rsa-sha2-512");
	put_string(&p.sig, junk, sizeof(junk));
	p.sig.data[p.sig.len - 257] = 1;
	assert_int_equal(buf_append(&p.sig, "x", 1), 0);
	armor(&p, &a);
	assert_int_equal(verify(as, &a, &signer), ML_BAD_SIGNATURE);
	buf_release(&a);
	allowed_signers_free(as);
	release(&p);
}

/*
 * A positive integer as a minimal SSH mpint: no leading zero bytes but the
 * one a set high bit needs (a value with a leading zero byte comes up once
 * in 128 signatures).
 */
static void put_mpint(struct buf *b, const uint8_t *v, size_t n)
{
	uint8_t padded[1 + 66] = {0};

	while (n > 1 && v[0] == 0) {
		v++;
		n--;
	}
	assert_true(n < sizeof(padded));
	memcpy(padded + 1, v, n);
	if ((v[0] & 0x80) != 0)
		put_string(b, padded, n + 1);
	else
		put_string(b, v, n);
}

/* A genuine sk-ecdsa signature, then malformed mpints and FIDO flag policy. */
static void sk_ecdsa(struct parts *p, uint8_t flags, int mpint_defect)
{
	uint8_t priv[32], pub[65], zero[32] = {0}, r[32], s[32], digest[32], h[32];
	struct buf tbs, skmsg, rs;

	memcpy(priv, seed, 32);
	assert_int_equal(soft_ecdsa_p256_sign(priv, zero, r, s, pub), 0);
	genuine(p, "git", "sha256");
	buf_release(&p->key);
	buf_release(&p->sig);
	buf_init(&p->key, 4096);
	put_cstring(&p->key, "sk-ecdsa-sha2-nistp256@openssh.com");
	put_cstring(&p->key, "nistp256");
	put_string(&p->key, pub, 65);
	put_cstring(&p->key, "ssh:");
	signed_data(&tbs, "git", "sha256");
	buf_init(&skmsg, 4096);
	assert_int_equal(crypto_digest(CRYPTO_SHA256, "ssh:", 4, h), 0);
	assert_int_equal(buf_append(&skmsg, h, 32), 0);
	assert_int_equal(buf_append(&skmsg, &flags, 1), 0);
	put_u32(&skmsg, 7);
	assert_int_equal(crypto_digest(CRYPTO_SHA256, tbs.data, tbs.len, h), 0);
	assert_int_equal(buf_append(&skmsg, h, 32), 0);
	assert_int_equal(crypto_digest(CRYPTO_SHA256, skmsg.data, skmsg.len, digest), 0);
	assert_int_equal(soft_ecdsa_p256_sign(priv, digest, r, s, pub), 0);
	buf_init(&rs, 4096);
	/* r with a superfluous leading zero (or a forced sign bit) when asked */
	if (mpint_defect == 1) {
		uint8_t padded[33] = {0};
		memcpy(padded + 1, r, 32);
		padded[1] &= 0x7f;
		put_string(&rs, padded, 33);
	} else if (mpint_defect == 2) {
		r[0] |= 0x80;
		put_string(&rs, r, 32);
	} else {
		put_mpint(&rs, r, 32);
	}
	put_mpint(&rs, s, 32);
	buf_init(&p->sig, 4096);
	put_cstring(&p->sig, "sk-ecdsa-sha2-nistp256@openssh.com");
	put_string(&p->sig, rs.data, rs.len);
	assert_int_equal(buf_append(&p->sig, &flags, 1), 0);
	put_u32(&p->sig, 7);
	buf_release(&tbs);
	buf_release(&skmsg);
	buf_release(&rs);
}

/* The committer time is the signer's claim: it may not lie ahead of the clock beyond the skew. */
static void test_time_not_in_the_future(void **state)
{
	struct sshsig_policy clock = {.now = WHEN - 300, .max_skew = 300};
	struct allowed_signers *as;
	struct ml_signer signer;
	struct parts p;
	struct buf a;

	genuine(&p, "git", "sha512");
	armor(&p, &a);
	/* a key valid from WHEN on: the date is in its window, but not yet reached */
	as = signers_for(&p.key, "valid-after=\"20231114221320Z\" ");
	assert_int_equal(verify_with(as, &clock, &a, &signer), ML_OK); /* exactly max_skew ahead */
	clock.now = WHEN - 301;
	assert_int_equal(verify_with(as, &clock, &a, &signer), ML_BAD_TIME);
	assert_non_null(strstr(ml_error_message(), "dated 1700000000, 301 s ahead"));
	/* checked before the lookup: an expired key, post-dated, is refused for its date */
	allowed_signers_free(as);
	as = signers_for(&p.key, "valid-before=\"20200101\" ");
	assert_int_equal(verify_with(as, &clock, &a, &signer), ML_BAD_TIME);
	clock.max_skew = 0;
	clock.now = WHEN;
	assert_int_equal(verify_with(as, &clock, &a, &signer), ML_KEY_EXPIRED);
	allowed_signers_free(as);
	buf_release(&a);
	release(&p);
}

static void test_fido_user_presence(void **state)
{
	const struct sshsig_policy presence = {.require_user_presence = 1, .now = WHEN};
	struct allowed_signers *as;
	struct ml_signer signer;
	struct parts p;
	struct buf a;

	sk_ecdsa(&p, 0x01, 0);
	as = signers_for(&p.key, "");
	armor(&p, &a);
	assert_int_equal(verify_with(as, &presence, &a, &signer), ML_OK);
	assert_string_equal(signer.algorithm, "sk-ecdsa-sha2-nistp256@openssh.com");
	buf_release(&a);
	/* forged flags: the signed value is 0x01, the written one 0x05 */
	p.sig.data[p.sig.len - 5] = 0x05;
	armor(&p, &a);
	assert_int_equal(verify(as, &a, &signer), ML_BAD_SIGNATURE);
	buf_release(&a);
	/* forged counter */
	p.sig.data[p.sig.len - 5] = 0x01;
	p.sig.data[p.sig.len - 1] = 8;
	armor(&p, &a);
	assert_int_equal(verify(as, &a, &signer), ML_BAD_SIGNATURE);
	buf_release(&a);
	allowed_signers_free(as);
	release(&p);

	sk_ecdsa(&p, 0x00, 0);
	as = signers_for(&p.key, "");
	armor(&p, &a);
	assert_int_equal(verify(as, &a, &signer), ML_OK);
	assert_int_equal(verify_with(as, &presence, &a, &signer), ML_BAD_SIGNATURE);
	assert_non_null(strstr(ml_error_message(), "user presence"));
	buf_release(&a);
	allowed_signers_free(as);
	release(&p);
}

static void test_mpint_encoding_strict(void **state)
{
	struct allowed_signers *as;
	struct ml_signer signer;
	struct parts p;
	struct buf a;
	int defect;

	for (defect = 1; defect <= 2; defect++) {
		sk_ecdsa(&p, 0x01, defect);
		as = signers_for(&p.key, "");
		armor(&p, &a);
		assert_int_equal(verify(as, &a, &signer), ML_BAD_SIGNATURE);
		assert_non_null(strstr(ml_error_message(), "cannot parse"));
		buf_release(&a);
		allowed_signers_free(as);
		release(&p);
	}
}

static void test_oversized_input(void **state)
{
	struct sshsig *sig = NULL;
	struct buf big;

	buf_init(&big, 2 * SSHSIG_MAX_ARMORED);
	assert_int_equal(buf_append_str(&big, "-----BEGIN SSH SIGNATURE-----\n"), 0);
	while (big.len < SSHSIG_MAX_ARMORED)
		assert_int_equal(buf_append_str(&big, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"),
		                 0);
	assert_int_equal(buf_append_str(&big, "-----END SSH SIGNATURE-----\n"), 0);
	ml_error_clear();
	assert_int_equal(sshsig_parse(&sig, (const char *)big.data, big.len), ML_BAD_SIGNATURE);
	assert_null(sig);
	buf_release(&big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_genuine_accepted),
	    cmocka_unit_test(test_payload_twins),
	    cmocka_unit_test(test_truncated_at_every_offset),
	    cmocka_unit_test(test_armor_defects),
	    cmocka_unit_test(test_armor_any_width),
	    cmocka_unit_test(test_armor_final_newline_optional),
	    cmocka_unit_test(test_structural_defects),
	    cmocka_unit_test(test_wrong_namespace_before_crypto_and_lookup),
	    cmocka_unit_test(test_unknown_key_before_crypto),
	    cmocka_unit_test(test_expired_key),
	    cmocka_unit_test(test_algorithm_policy),
	    cmocka_unit_test(test_rsa_forged_signature),
	    cmocka_unit_test(test_time_not_in_the_future),
	    cmocka_unit_test(test_fido_user_presence),
	    cmocka_unit_test(test_mpint_encoding_strict),
	    cmocka_unit_test(test_oversized_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
