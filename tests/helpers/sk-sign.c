/*
 * Software stand-in for a FIDO authenticator, to test sk-* SSH signatures
 * without hardware.
 *
 *   sk-sign pubkey ed25519|ecdsa SEEDHEX APPLICATION
 *       prints the allowed_signers key ("type base64")
 *   sk-sign sign ed25519|ecdsa SEEDHEX APPLICATION FLAGS COUNTER NAMESPACE MSGFILE
 *           [WRITTEN_FLAGS WRITTEN_COUNTER]
 *       prints an armored SSHSIG (hash sha512) over MSGFILE; the optional
 *       WRITTEN_* values replace the signed flags and counter in the output
 *       (forged twins).
 *
 * SEEDHEX is 64 hex digits: the Ed25519 seed or the P-256 private scalar.
 */
#include "common/buf.h"
#include "common/crypto.h"
#include "common/encoding.h"
#include "tests/lib/soft_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SK_ED25519 "sk-ssh-ed25519@openssh.com"
#define SK_ECDSA "sk-ecdsa-sha2-nistp256@openssh.com"

static int put_cstring(struct buf *b, const char *s)
{
	return buf_append_string(b, s, strlen(s));
}

static int put_mpint(struct buf *b, const uint8_t *v, size_t n)
{
	uint8_t tmp[40];

	while (n > 0 && v[0] == 0) {
		v++;
		n--;
	}
	if (n > 0 && (v[0] & 0x80) != 0) {
		tmp[0] = 0;
		memcpy(tmp + 1, v, n);
		return buf_append_string(b, tmp, n + 1);
	}
	return buf_append_string(b, v, n);
}

struct sk_key {
	int ecdsa;
	uint8_t seed[32];
	uint8_t pub[65];
	const char *application;
};

static int key_blob(const struct sk_key *k, struct buf *out)
{
	if (k->ecdsa)
		return put_cstring(out, SK_ECDSA) < 0 || put_cstring(out, "nistp256") < 0 ||
		               buf_append_string(out, k->pub, 65) < 0 ||
		               put_cstring(out, k->application) < 0
		           ? -1
		           : 0;
	return put_cstring(out, SK_ED25519) < 0 || buf_append_string(out, k->pub, 32) < 0 ||
	               put_cstring(out, k->application) < 0
	           ? -1
	           : 0;
}

static int load_key(struct sk_key *k, const char *type, const char *seedhex, const char *app)
{
	uint8_t zero[32] = {0}, r[32], s[32];

	memset(k, 0, sizeof(*k));
	k->application = app;
	if (strlen(seedhex) != 64 || hex_decode(seedhex, k->seed, 32) < 0)
		return -1;
	if (strcmp(type, "ecdsa") == 0) {
		k->ecdsa = 1;
		return soft_ecdsa_p256_sign(k->seed, zero, r, s, k->pub);
	}
	if (strcmp(type, "ed25519") != 0)
		return -1;
	return soft_ed25519_public(k->seed, k->pub);
}

static int read_all(const char *path, struct buf *b)
{
	buf_init(b, 64u << 20);
	return buf_read_file(b, path);
}

static int sign(const struct sk_key *k, uint8_t flags, uint32_t counter, const char *ns,
                const struct buf *msg, uint8_t out_flags, uint32_t out_counter, struct buf *blob)
{
	uint8_t h[64], app_hash[32], data_hash[32], digest[32], sig[64], r[32], s[32], pub[65];
	struct buf tbs, skmsg, sigblob, inner, key;
	int ret = -1;

	buf_init(&tbs, 4096);
	buf_init(&skmsg, 4096);
	buf_init(&sigblob, 4096);
	buf_init(&inner, 4096);
	buf_init(&key, 4096);
	if (crypto_digest(CRYPTO_SHA512, msg->data, msg->len, h) < 0 ||
	    buf_append(&tbs, "SSHSIG", 6) < 0 || put_cstring(&tbs, ns) < 0 ||
	    buf_append_string(&tbs, "", 0) < 0 || put_cstring(&tbs, "sha512") < 0 ||
	    buf_append_string(&tbs, h, 64) < 0)
		goto out;
	if (crypto_digest(CRYPTO_SHA256, k->application, strlen(k->application), app_hash) < 0 ||
	    crypto_digest(CRYPTO_SHA256, tbs.data, tbs.len, data_hash) < 0 ||
	    buf_append(&skmsg, app_hash, 32) < 0 || buf_append(&skmsg, &flags, 1) < 0 ||
	    buf_append_u32(&skmsg, counter) < 0 || buf_append(&skmsg, data_hash, 32) < 0)
		goto out;
	if (k->ecdsa) {
		if (crypto_digest(CRYPTO_SHA256, skmsg.data, skmsg.len, digest) < 0 ||
		    soft_ecdsa_p256_sign(k->seed, digest, r, s, pub) < 0 ||
		    put_mpint(&sigblob, r, 32) < 0 || put_mpint(&sigblob, s, 32) < 0 ||
		    put_cstring(&inner, SK_ECDSA) < 0 ||
		    buf_append_string(&inner, sigblob.data, sigblob.len) < 0)
			goto out;
	} else {
		if (soft_ed25519_sign(k->seed, skmsg.data, skmsg.len, sig) < 0 ||
		    put_cstring(&inner, SK_ED25519) < 0 || buf_append_string(&inner, sig, 64) < 0)
			goto out;
	}
	if (buf_append(&inner, &out_flags, 1) < 0 || buf_append_u32(&inner, out_counter) < 0 ||
	    key_blob(k, &key) < 0)
		goto out;
	if (buf_append(blob, "SSHSIG", 6) < 0 || buf_append_u32(blob, 1) < 0 ||
	    buf_append_string(blob, key.data, key.len) < 0 || put_cstring(blob, ns) < 0 ||
	    buf_append_string(blob, "", 0) < 0 || put_cstring(blob, "sha512") < 0 ||
	    buf_append_string(blob, inner.data, inner.len) < 0)
		goto out;
	ret = 0;
out:
	buf_release(&tbs);
	buf_release(&skmsg);
	buf_release(&sigblob);
	buf_release(&inner);
	buf_release(&key);
	return ret;
}

static void print_armored(const struct buf *blob)
{
	struct buf b64;
	size_t i;

	buf_init(&b64, 1u << 20);
	if (base64_encode(blob->data, blob->len, &b64) < 0)
		exit(2);
	printf("-----BEGIN SSH SIGNATURE-----\n");
	for (i = 0; i < b64.len; i += 70)
		printf("%.*s\n", (int)(b64.len - i < 70 ? b64.len - i : 70), (char *)b64.data + i);
	printf("-----END SSH SIGNATURE-----\n");
	buf_release(&b64);
}

int main(int argc, char **argv)
{
	struct buf out, msg;
	struct sk_key k;
	unsigned long flags, counter, out_flags, out_counter;
	int code = 2;

	buf_init(&out, 1u << 20);
	buf_init(&msg, 0);
	if (argc < 5 || load_key(&k, argv[2], argv[3], argv[4]) < 0) {
		fprintf(stderr,
		        "usage: sk-sign pubkey|sign ed25519|ecdsa SEEDHEX APPLICATION ...\n");
		return 2;
	}
	if (strcmp(argv[1], "pubkey") == 0 && argc == 5) {
		struct buf b64;

		buf_init(&b64, 1u << 20);
		if (key_blob(&k, &out) < 0 || base64_encode(out.data, out.len, &b64) < 0)
			goto out;
		printf("%s %s\n", k.ecdsa ? SK_ECDSA : SK_ED25519, buf_cstr(&b64));
		buf_release(&b64);
		code = 0;
	} else if (strcmp(argv[1], "sign") == 0 && (argc == 9 || argc == 11)) {
		flags = strtoul(argv[5], NULL, 0);
		counter = strtoul(argv[6], NULL, 0);
		out_flags = argc == 11 ? strtoul(argv[9], NULL, 0) : flags;
		out_counter = argc == 11 ? strtoul(argv[10], NULL, 0) : counter;
		if (read_all(argv[8], &msg) < 0 ||
		    sign(&k, (uint8_t)flags, (uint32_t)counter, argv[7], &msg, (uint8_t)out_flags,
		         (uint32_t)out_counter, &out) < 0)
			goto out;
		print_armored(&out);
		code = 0;
	} else {
		fprintf(stderr, "usage: sk-sign pubkey|sign ...\n");
	}
out:
	buf_release(&out);
	buf_release(&msg);
	return code;
}
