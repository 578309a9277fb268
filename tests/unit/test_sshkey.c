/*
 * SSH public keys: the strict blob parser (every known type, and the defects
 * it refuses), the fingerprint ssh-keygen prints, and the algorithm policy.
 */
#include "unit.h"

#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/reason.h"
#include "verify/sshkey.h"

#include <string.h>

static void put_string(struct buf *b, const void *p, size_t n)
{
	assert_int_equal(buf_append_string(b, p, n), 0);
}

static void put_cstring(struct buf *b, const char *s)
{
	put_string(b, s, strlen(s));
}

/* An RSA key blob with the given modulus length in bytes (first byte 0xc5, never a real key). */
static void rsa_blob(struct buf *b, size_t n_len, int extra_zero)
{
	uint8_t n[1 + SSHKEY_MAX_RSA_BITS / 8 + 1];
	const uint8_t e[] = {1, 0, 1};

	assert_true(n_len < sizeof(n));
	memset(n, 0xc5, sizeof(n));
	n[0] = 0;
	buf_init(b, 8192);
	put_cstring(b, "ssh-rsa");
	put_string(b, e, sizeof(e));
	if (extra_zero) {
		/* a zero byte in front of a clear high bit: not minimally encoded */
		n[1] = 0x45;
	}
	put_string(b, n, 1 + n_len);
}

static void ed25519_blob(struct buf *b, const char *type, size_t point_len, const char *trailer)
{
	uint8_t point[40];

	memset(point, 7, sizeof(point));
	buf_init(b, 1024);
	put_cstring(b, type);
	put_string(b, point, point_len);
	if (strncmp(type, "sk-", 3) == 0)
		put_cstring(b, "ssh:");
	if (trailer != NULL)
		assert_int_equal(buf_append_str(b, trailer), 0);
}

static void test_parse_table(void **state)
{
	struct buf b;
	const char *type = NULL;

	ed25519_blob(&b, "ssh-ed25519", 32, NULL);
	assert_int_equal(sshkey_check_public_key(b.data, b.len, &type), 0);
	assert_string_equal(type, "ssh-ed25519");
	buf_release(&b);

	ed25519_blob(&b, "sk-ssh-ed25519@openssh.com", 32, NULL);
	assert_int_equal(sshkey_check_public_key(b.data, b.len, &type), 0);
	assert_string_equal(type, "sk-ssh-ed25519@openssh.com");
	buf_release(&b);

	/* forged twins: short point, trailing byte, unknown type, certificate */
	ed25519_blob(&b, "ssh-ed25519", 31, NULL);
	assert_int_equal(sshkey_check_public_key(b.data, b.len, &type), ML_BAD_SIGNATURE);
	buf_release(&b);
	ed25519_blob(&b, "ssh-ed25519", 32, "x");
	assert_int_equal(sshkey_check_public_key(b.data, b.len, &type), ML_BAD_SIGNATURE);
	buf_release(&b);
	ed25519_blob(&b, "ssh-ed448", 32, NULL);
	assert_int_equal(sshkey_check_public_key(b.data, b.len, &type), ML_UNSUPPORTED);
	buf_release(&b);
	ed25519_blob(&b, "ssh-ed25519-cert-v01@openssh.com", 32, NULL);
	assert_int_equal(sshkey_check_public_key(b.data, b.len, &type), ML_UNSUPPORTED);
	buf_release(&b);

	rsa_blob(&b, 256, 0);
	assert_int_equal(sshkey_check_public_key(b.data, b.len, &type), 0);
	assert_string_equal(type, "ssh-rsa");
	buf_release(&b);
	rsa_blob(&b, 256, 1);
	assert_int_equal(sshkey_check_public_key(b.data, b.len, &type), ML_BAD_SIGNATURE);
	buf_release(&b);
	rsa_blob(&b, SSHKEY_MAX_RSA_BITS / 8 + 1, 0);
	assert_int_equal(sshkey_check_public_key(b.data, b.len, &type), ML_BAD_SIGNATURE);
	buf_release(&b);
}

static void test_signature_algorithm_policy(void **state)
{
	static const struct {
		size_t rsa_bytes; /* 0: Ed25519 */
		const char *sig_alg;
		int want;
	} cases[] = {
	    {0, "ssh-ed25519", 0},
	    {0, "rsa-sha2-256", ML_BAD_SIGNATURE},
	    {256, "rsa-sha2-256", 0},
	    {256, "rsa-sha2-512", 0},
	    {256, "ssh-rsa", ML_WEAK_ALGORITHM},
	    {256, "ssh-ed25519", ML_BAD_SIGNATURE},
	    {128, "rsa-sha2-256", ML_WEAK_ALGORITHM},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum crypto_hash rsa_hash = CRYPTO_SHA1;
		struct sshkey key;
		struct buf b;

		if (cases[i].rsa_bytes > 0)
			rsa_blob(&b, cases[i].rsa_bytes, 0);
		else
			ed25519_blob(&b, "ssh-ed25519", 32, NULL);
		assert_int_equal(sshkey_parse(&key, b.data, b.len), 0);
		ml_error_clear();
		if (sshkey_check_signature_algorithm(&key, (const uint8_t *)cases[i].sig_alg,
		                                     strlen(cases[i].sig_alg),
		                                     &rsa_hash) != cases[i].want)
			fail_msg("case %zu (%s): %s", i, cases[i].sig_alg, ml_error_message());
		if (cases[i].want == 0 && cases[i].rsa_bytes > 0)
			assert_int_equal(rsa_hash, strcmp(cases[i].sig_alg, "rsa-sha2-512") == 0
			                               ? CRYPTO_SHA512
			                               : CRYPTO_SHA256);
		buf_release(&b);
	}
}

static void test_fingerprint_matches_ssh_keygen(void **state)
{
	/* ssh-keygen -lf on this key printed SHA256:S0FvMkrdZDaaQF/H1oaTE2YWa9IW+5vsDUuGmOdHyWo */
	const char *b64 = "AAAAC3NzaC1lZDI1NTE5AAAAILDeHKTgh/UuaIkYk03q0abX2H2UURN7GuVCD2DBTuoh";
	char fp[128];
	struct buf blob;

	buf_init(&blob, 1024);
	assert_int_equal(base64_decode(b64, strlen(b64), &blob), 0);
	assert_int_equal(sshkey_fingerprint(blob.data, blob.len, fp), 0);
	assert_string_equal(fp, "SHA256:S0FvMkrdZDaaQF/H1oaTE2YWa9IW+5vsDUuGmOdHyWo");
	buf_release(&blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_table),
	    cmocka_unit_test(test_signature_algorithm_policy),
	    cmocka_unit_test(test_fingerprint_matches_ssh_keygen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
