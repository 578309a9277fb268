/*
 * OpenPGP parsing and verification: armor, packet framing, subpackets and the
 * refusal reasons, over a real Ed25519 key and signature made with gpg
 * (public data) and signatures built here from their parts.
 */
#include "unit.h"

#include "common/encoding.h"
#include "common/error.h"
#include "pgp_certs.h"
#include "verify/pgp.h"
#include "verify/pgp_keyring.h"
#include "verify/pgp_packet.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char KEY_ASC[] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
                              "\n"
                              "mDMEawWCwRYJKwYBBAHaRw8BAQdAibTxDLeZdF2f78KLvH/WCaJoKFYN793MUNua\n"
                              "/dpnb8K0HFVuaXQgVGVzdCA8dW5pdEBleGFtcGxlLm9yZz6IkAQTFggAOBYhBHnU\n"
                              "IN5+FPpF31nIc6xNbW2q2Xu3BQJrBYLBAhsDBQsJCAcCBhUKCQgLAgQWAgMBAh4B\n"
                              "AheAAAoJEKxNbW2q2Xu3kv8BAPYJmAXk5PqX0FzuD164V8Sq8L1BL3XrUZ5afZ9R\n"
                              "TBB2AQD4Kvkclwbt01H3nJC1tc+PjzqIaS5QHGJaQuPFDjQUBg==\n"
                              "=VsRK\n"
                              "-----END PGP PUBLIC KEY BLOCK-----\n";

#define SIG_BODY                                                                                   \
	"iHUEABYIAB0WIQR51CDefhT6Rd9ZyHOsTW1tqtl7twUCawWCwQAKCRCsTW1tqtl7\n"                       \
	"t6sLAP0cYc7iU+JgffZOBts1louva5Vo+kPkvDHpElCbTmFk9AD/dEEbNuQsvy27\n"                       \
	"2macD+YCeOwLOAlDIzxXpBkQN/1z6Qs=\n"
#define SIG_BEGIN "-----BEGIN PGP SIGNATURE-----\n"
#define SIG_END "-----END PGP SIGNATURE-----\n"

static const char SIG_ASC[] = SIG_BEGIN "\n" SIG_BODY "=NzMG\n" SIG_END;
static const char PAYLOAD[] = "tree 4b825dc642cb6eb9a060e54bf8d69288fbef4904\n\nunit\n";
static const char FPR[] = "79D420DE7E14FA45DF59C873AC4D6D6DAAD97BB7";
#define KEYID_HEX "ac4d6d6daad97bb7"
#define FPR_HEX "79d420de7e14fa45df59c873ac4d6d6daad97bb7"
#define CREATED 1795523265
#define CREATED_HEX "6b0582c1"

static struct pgp_keyring *kr;

static int setup(void **state)
{
	assert_int_equal(pgp_keyring_new(&kr), 0);
	assert_int_equal(pgp_keyring_add(kr, (const uint8_t *)KEY_ASC, strlen(KEY_ASC), "unit"), 0);
	assert_int_equal(pgp_keyring_finish(kr), 0);
	return 0;
}

static int teardown(void **state)
{
	pgp_keyring_free(kr);
	kr = NULL;
	return 0;
}

static int verify_at(const char *armored, size_t len, const char *payload, int64_t now,
                     struct ml_signer *signer)
{
	struct pgp_verify_opts opts = {.now = now, .committer_time = CREATED + 10, .max_skew = 300};
	struct ml_signer unused;

	ml_error_clear();
	return pgp_verify_detached(kr, armored, len, (const uint8_t *)payload, strlen(payload),
	                           &opts, signer != NULL ? signer : &unused);
}

static int verify(const char *armored)
{
	return verify_at(armored, strlen(armored), PAYLOAD, CREATED + 100, NULL);
}

/* Armors binary bytes as a signature (no checksum line). */
static char *armor(const uint8_t *bin, size_t len)
{
	struct buf b;

	buf_init(&b, 1 << 16);
	assert_int_equal(buf_append_str(&b, SIG_BEGIN "\n"), 0);
	assert_int_equal(base64_encode(bin, len, &b), 0);
	assert_int_equal(buf_append_str(&b, "\n" SIG_END), 0);
	return buf_detach(&b, NULL);
}

static int verify_binary(const uint8_t *bin, size_t len)
{
	char *text = armor(bin, len);
	int r = verify(text);

	free(text);
	return r;
}

static void unhex(struct buf *b, const char *hex)
{
	size_t n = strlen(hex) / 2;
	uint8_t tmp[512];

	assert_true(n <= sizeof(tmp));
	assert_int_equal(hex_decode(hex, tmp, n), 0);
	assert_int_equal(buf_append(b, tmp, n), 0);
}

static void put_u16(struct buf *b, size_t v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	assert_int_equal(buf_append(b, x, 2), 0);
}

struct sig_case {
	const char *name;
	uint8_t version, type, algo, hash;
	const char *hashed, *unhashed; /* subpackets, hex */
	int want;
};

#define CT "0502" CREATED_HEX
#define ISSUER "0910" KEYID_HEX
#define ISSUER_FPR "162104" FPR_HEX

static const struct sig_case sig_cases[] = {
    {"well formed, wrong value", 4, 0, 22, 8, ISSUER_FPR CT, ISSUER, ML_BAD_SIGNATURE},
    {"key ID only", 4, 0, 22, 8, CT, ISSUER, ML_BAD_SIGNATURE},
    {"no issuer", 4, 0, 22, 8, CT, "", ML_UNKNOWN_KEY},
    {"unknown key", 4, 0, 22, 8, CT, "09100102030405060708", ML_UNKNOWN_KEY},
    {"unknown fingerprint", 4, 0, 22, 8, CT "1621040102030405060708090a0b0c" KEYID_HEX, "",
     ML_UNKNOWN_KEY},
    {"issuer key ID and fingerprint differ", 4, 0, 22, 8, ISSUER_FPR CT, "09100102030405060708",
     ML_MALFORMED_OBJECT},
    {"SHA-1", 4, 0, 22, 2, ISSUER_FPR CT, "", ML_WEAK_ALGORITHM},
    {"MD5", 4, 0, 22, 1, ISSUER_FPR CT, "", ML_WEAK_ALGORITHM},
    {"RIPEMD-160", 4, 0, 22, 3, ISSUER_FPR CT, "", ML_WEAK_ALGORITHM},
    {"unknown hash", 4, 0, 22, 99, ISSUER_FPR CT, "", ML_UNSUPPORTED},
    {"SHA-512 accepted up to the crypto", 4, 0, 22, 10, ISSUER_FPR CT, "", ML_BAD_SIGNATURE},
    {"unknown critical hashed subpacket", 4, 0, 22, 8, ISSUER_FPR CT "02e500", "", ML_UNSUPPORTED},
    {"unknown critical unhashed subpacket", 4, 0, 22, 8, ISSUER_FPR CT, "02e500", ML_UNSUPPORTED},
    {"critical notation", 4, 0, 22, 8, ISSUER_FPR CT "0b9400000000000100016162", "",
     ML_UNSUPPORTED},
    {"unknown non-critical subpacket ignored", 4, 0, 22, 8, ISSUER_FPR CT "026500", "",
     ML_BAD_SIGNATURE},
    {"critical known subpacket", 4, 0, 22, 8, ISSUER_FPR "0582" CREATED_HEX, "", ML_BAD_SIGNATURE},
    {"no creation time", 4, 0, 22, 8, ISSUER_FPR, "", ML_MALFORMED_OBJECT},
    {"creation time only unhashed", 4, 0, 22, 8, ISSUER_FPR, CT, ML_MALFORMED_OBJECT},
    {"two creation times", 4, 0, 22, 8, ISSUER_FPR CT CT, "", ML_MALFORMED_OBJECT},
    {"short creation time", 4, 0, 22, 8,
     ISSUER_FPR "0402"
                "0582c1",
     "", ML_MALFORMED_OBJECT},
    {"long issuer", 4, 0, 22, 8, CT "0a10" KEYID_HEX "00", "", ML_MALFORMED_OBJECT},
    {"zero subpacket length", 4, 0, 22, 8, ISSUER_FPR CT "00", "", ML_MALFORMED_OBJECT},
    {"subpacket past its area", 4, 0, 22, 8, ISSUER_FPR CT "0502", "", ML_MALFORMED_OBJECT},
    {"five-octet subpacket length past its area", 4, 0, 22, 8, CT "ff00000010", "",
     ML_MALFORMED_OBJECT},
    {"v3 signature", 3, 0, 22, 8, ISSUER_FPR CT, "", ML_UNSUPPORTED},
    {"v5 signature", 5, 0, 22, 8, ISSUER_FPR CT, "", ML_UNSUPPORTED},
    {"certification, not a document signature", 4, 0x13, 22, 8, ISSUER_FPR CT, "", ML_UNSUPPORTED},
    {"unknown public key algorithm", 4, 0, 99, 8, ISSUER_FPR CT, "", ML_UNSUPPORTED},
    {"algorithm differs from the key's", 4, 0, 1, 8, ISSUER_FPR CT, "", ML_BAD_SIGNATURE},
};

/* A signature packet from its parts, with a made-up value. */
static void build_sig(struct buf *pkt, const struct sig_case *c)
{
	struct buf body, sub;

	buf_init(&body, 1 << 12);
	buf_init(&sub, 1 << 12);
	assert_int_equal(buf_append(&body, &c->version, 1), 0);
	assert_int_equal(buf_append(&body, &c->type, 1), 0);
	assert_int_equal(buf_append(&body, &c->algo, 1), 0);
	assert_int_equal(buf_append(&body, &c->hash, 1), 0);
	unhex(&sub, c->hashed);
	put_u16(&body, sub.len);
	assert_int_equal(buf_append(&body, sub.data, sub.len), 0);
	buf_reset(&sub);
	unhex(&sub, c->unhashed);
	put_u16(&body, sub.len);
	assert_int_equal(buf_append(&body, sub.data, sub.len), 0);
	/* left 16 bits, then MPIs r and s (RSA takes one: the second is trailing data) */
	unhex(&body, c->algo == 1 ? "abcd000801" : "abcd00080100080a");
	assert_true(body.len < 192);
	unhex(pkt, "c2");
	{
		uint8_t l = (uint8_t)body.len;

		assert_int_equal(buf_append(pkt, &l, 1), 0);
	}
	assert_int_equal(buf_append(pkt, body.data, body.len), 0);
	buf_release(&body);
	buf_release(&sub);
}

static void test_signature_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(sig_cases) / sizeof(sig_cases[0]); i++) {
		struct buf pkt;
		int got;

		buf_init(&pkt, 1 << 12);
		build_sig(&pkt, &sig_cases[i]);
		got = verify_binary(pkt.data, pkt.len);
		if (got != sig_cases[i].want)
			fail_msg("%s: got %s, want %s (%s)", sig_cases[i].name, ml_reason_name(got),
			         ml_reason_name(sig_cases[i].want), ml_error_message());
		buf_release(&pkt);
	}
}

static void test_good_signature(void **state)
{
	struct ml_signer s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(verify_at(SIG_ASC, strlen(SIG_ASC), PAYLOAD, CREATED + 100, &s), 0);
	assert_int_equal(s.format, SIGNER_OPENPGP);
	assert_string_equal(s.principal, "Unit Test <unit@example.org>");
	assert_string_equal(s.key, FPR);
	assert_string_equal(s.algorithm, "Ed25519/SHA-256");
	assert_int_equal(s.signed_at, CREATED);
	assert_int_equal(pgp_keyring_count(kr), 1);
}

static void test_forged_twins(void **state)
{
	struct ml_signer s;
	char edited[sizeof(PAYLOAD)];

	memcpy(edited, PAYLOAD, sizeof(PAYLOAD));
	edited[sizeof(PAYLOAD) - 3] ^= 1;
	s.format = SIGNER_NONE;
	assert_int_equal(verify_at(SIG_ASC, strlen(SIG_ASC), edited, CREATED + 100, &s),
	                 ML_BAD_SIGNATURE);
	assert_int_equal(s.format, SIGNER_NONE);
	assert_int_equal(verify_at(SIG_ASC, strlen(SIG_ASC), "", CREATED + 100, NULL),
	                 ML_BAD_SIGNATURE);
	assert_int_equal(verify_at(SIG_ASC, strlen(SIG_ASC), PAYLOAD, CREATED - 1000, NULL),
	                 ML_BAD_TIME);
}

struct armor_case {
	const char *name;
	const char *text;
	int want;
};

static const struct armor_case armor_cases[] = {
    {"reference", SIG_BEGIN "\n" SIG_BODY "=NzMG\n" SIG_END, 0},
    {"no checksum", SIG_BEGIN "\n" SIG_BODY SIG_END, 0},
    {"headers", SIG_BEGIN "Version: x\nComment: y: z\n\n" SIG_BODY SIG_END, 0},
    {"leading blank lines, trailing newlines", "\n\n" SIG_BEGIN "\n" SIG_BODY SIG_END "\n\n", 0},
    {"bad checksum", SIG_BEGIN "\n" SIG_BODY "=NzMH\n" SIG_END, ML_MALFORMED_OBJECT},
    {"short checksum", SIG_BEGIN "\n" SIG_BODY "=NzM\n" SIG_END, ML_MALFORMED_OBJECT},
    {"missing end", SIG_BEGIN "\n" SIG_BODY "=NzMG\n", ML_MALFORMED_OBJECT},
    {"text after checksum", SIG_BEGIN "\n" SIG_BODY "=NzMG\nAAAA\n" SIG_END, ML_MALFORMED_OBJECT},
    {"junk after end", SIG_BEGIN "\n" SIG_BODY SIG_END "x\n", ML_MALFORMED_OBJECT},
    {"second armor block", SIG_BEGIN "\n" SIG_BODY SIG_END SIG_BEGIN "\n" SIG_BODY SIG_END,
     ML_MALFORMED_OBJECT},
    {"junk before begin", "x\n" SIG_BEGIN "\n" SIG_BODY SIG_END, ML_MALFORMED_OBJECT},
    {"no blank line after begin", SIG_BEGIN SIG_BODY SIG_END, ML_MALFORMED_OBJECT},
    {"header without colon", SIG_BEGIN "Version\n\n" SIG_BODY SIG_END, ML_MALFORMED_OBJECT},
    {"wrong end type", SIG_BEGIN "\n" SIG_BODY "-----END PGP MESSAGE-----\n", ML_MALFORMED_OBJECT},
    {"wrong block type", "-----BEGIN PGP MESSAGE-----\n\n" SIG_BODY "-----END PGP MESSAGE-----\n",
     ML_MALFORMED_OBJECT},
    {"bad base64 character", SIG_BEGIN "\n*" SIG_BODY SIG_END, ML_MALFORMED_OBJECT},
    {"empty body", SIG_BEGIN "\n" SIG_END, ML_MALFORMED_OBJECT},
    {"empty input", "", ML_MALFORMED_OBJECT},
};

static void test_armor_table(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(armor_cases) / sizeof(armor_cases[0]); i++) {
		int got = verify(armor_cases[i].text);

		if (got != armor_cases[i].want)
			fail_msg("%s: got %s, want %s (%s)", armor_cases[i].name,
			         ml_reason_name(got), ml_reason_name(armor_cases[i].want),
			         ml_error_message());
	}
}

static void test_crlf_armor(void **state)
{
	struct buf b;
	size_t i;

	buf_init(&b, 4096);
	for (i = 0; SIG_ASC[i] != '\0'; i++) {
		if (SIG_ASC[i] == '\n')
			assert_int_equal(buf_append(&b, "\r", 1), 0);
		assert_int_equal(buf_append(&b, &SIG_ASC[i], 1), 0);
	}
	assert_int_equal(verify(buf_cstr(&b)), 0);
	buf_release(&b);
}

static void test_crc24(void **state)
{
	assert_int_equal(pgp_crc24(NULL, 0), 0xB704CE);
	assert_int_equal(pgp_crc24((const uint8_t *)"a", 1), 0xF25713);
	/* the CRC-24/OpenPGP check value */
	assert_int_equal(pgp_crc24((const uint8_t *)"123456789", 9), 0x21CF02);
}

/* RFC 4880 6.1's bit-by-bit reference code. */
static uint32_t crc24_reference(const uint8_t *data, size_t len)
{
	uint32_t crc = 0xB704CEu;
	size_t i;
	int bit;

	for (i = 0; i < len; i++) {
		crc ^= (uint32_t)data[i] << 16;
		for (bit = 0; bit < 8; bit++) {
			crc <<= 1;
			if (crc & 0x1000000u)
				crc ^= 0x1864CFBu;
		}
	}
	return crc & 0xFFFFFFu;
}

static void test_crc24_matches_the_reference(void **state)
{
	uint8_t data[1100];
	uint32_t x = 12345;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(data); i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (uint8_t)(x >> 16);
	}
	/* every length up to 80 (the four-byte steps and each tail), then longer ones */
	for (len = 0; len <= 80; len++)
		assert_int_equal(pgp_crc24(data, len), crc24_reference(data, len));
	for (len = 81; len <= sizeof(data); len += 37)
		assert_int_equal(pgp_crc24(data + 3, len - 3), crc24_reference(data + 3, len - 3));
	memset(data, 0xFF, sizeof(data));
	assert_int_equal(pgp_crc24(data, sizeof(data)), crc24_reference(data, sizeof(data)));
}

/* The binary of an armored fixture. */
static void binary(const char *armored, const char *type, struct buf *out)
{
	size_t used;

	buf_init(out, 1 << 16);
	assert_int_equal(pgp_dearmor(armored, strlen(armored), type, out, &used), 0);
}

static void test_framing(void **state)
{
	struct buf sig;
	uint8_t tmp[512];

	binary(SIG_ASC, "SIGNATURE", &sig);
	assert_true(sig.len + 8 < sizeof(tmp));
	/* a trailing byte, then the same signature twice */
	memcpy(tmp, sig.data, sig.len);
	tmp[sig.len] = 0;
	assert_int_equal(verify_binary(tmp, sig.len + 1), ML_MALFORMED_OBJECT);
	memcpy(tmp + sig.len, sig.data, sig.len);
	assert_int_equal(verify_binary(tmp, 2 * sig.len), ML_MALFORMED_OBJECT);
	/* the same body under an old-format header with a 2-octet length */
	tmp[0] = 0x89;
	tmp[1] = 0;
	tmp[2] = (uint8_t)(sig.len - 2);
	memcpy(tmp + 3, sig.data + 2, sig.len - 2);
	assert_int_equal(verify_binary(tmp, sig.len + 1), 0);
	/* a new-format header */
	tmp[0] = 0xc2;
	tmp[1] = (uint8_t)(sig.len - 2);
	memcpy(tmp + 2, sig.data + 2, sig.len - 2);
	assert_int_equal(verify_binary(tmp, sig.len), 0);
	/* partial body length, indeterminate length, wrong tag, no packet bit */
	tmp[1] = 0xe1;
	assert_int_equal(verify_binary(tmp, sig.len), ML_MALFORMED_OBJECT);
	tmp[1] = (uint8_t)(sig.len - 2);
	tmp[0] = 0x8b;
	assert_int_equal(verify_binary(tmp, sig.len), ML_MALFORMED_OBJECT);
	tmp[0] = 0xc6;
	assert_int_equal(verify_binary(tmp, sig.len), ML_MALFORMED_OBJECT);
	tmp[0] = 0x42;
	assert_int_equal(verify_binary(tmp, sig.len), ML_MALFORMED_OBJECT);
	/* length one more than the data */
	tmp[0] = 0xc2;
	tmp[1] = (uint8_t)(sig.len - 1);
	assert_int_equal(verify_binary(tmp, sig.len), ML_MALFORMED_OBJECT);
	buf_release(&sig);
}

static void test_truncation_everywhere(void **state)
{
	struct buf sig, key;
	struct reader r, body;
	struct pgp_keyring *k2;
	struct pgp_sig s;
	struct pgp_key pk;
	uint8_t tag, tmp[512];
	size_t n;

	binary(SIG_ASC, "SIGNATURE", &sig);
	binary(KEY_ASC, "PUBLIC KEY BLOCK", &key);
	for (n = 0; n < sig.len; n++)
		if (verify_binary(sig.data, n) != ML_MALFORMED_OBJECT)
			fail_msg("signature truncated to %zu bytes not refused", n);
	reader_init(&r, sig.data, sig.len);
	assert_int_equal(pgp_packet_next(&r, &tag, &body), 0);
	for (n = 0; n < body.len; n++)
		assert_int_not_equal(pgp_sig_parse(&s, body.data, n), 0);
	assert_int_equal(pgp_sig_parse(&s, body.data, body.len), 0);
	memcpy(tmp, body.data, body.len);
	tmp[body.len] = 0;
	assert_int_equal(pgp_sig_parse(&s, tmp, body.len + 1), ML_MALFORMED_OBJECT);

	reader_init(&r, key.data, key.len);
	assert_int_equal(pgp_packet_next(&r, &tag, &body), 0);
	assert_int_equal(tag, PGP_TAG_PUBLIC_KEY);
	for (n = 0; n < body.len; n++)
		assert_int_not_equal(pgp_key_parse(&pk, body.data, n), 0);
	assert_int_equal(pgp_key_parse(&pk, body.data, body.len), 0);
	memcpy(tmp, body.data, body.len);
	tmp[body.len] = 0;
	assert_int_equal(pgp_key_parse(&pk, tmp, body.len + 1), ML_MALFORMED_OBJECT);

	for (n = 0; n < key.len; n++) {
		assert_int_equal(pgp_keyring_new(&k2), 0);
		if (pgp_keyring_add(k2, key.data, n, "truncated") == 0 &&
		    pgp_keyring_finish(k2) != ML_CONFIG)
			fail_msg("keyring truncated to %zu bytes not refused", n);
		assert_int_equal(pgp_keyring_count(k2), 0);
		pgp_keyring_free(k2);
	}
	assert_int_equal(pgp_keyring_new(&k2), 0);
	assert_int_equal(pgp_keyring_add(k2, key.data, key.len, "binary"), 0);
	assert_int_equal(pgp_keyring_count(k2), 0);
	assert_int_equal(pgp_keyring_finish(k2), 0);
	assert_int_equal(pgp_keyring_count(k2), 1);
	pgp_keyring_free(k2);
	buf_release(&sig);
	buf_release(&key);
}

static void test_keyring_errors(void **state)
{
	struct pgp_keyring *k2;
	struct buf key;
	uint8_t tmp[512];

	binary(KEY_ASC, "PUBLIC KEY BLOCK", &key);
	assert_int_equal(pgp_keyring_new(&k2), 0);
	/* the self-signature broken: no usable key, known once the keyring is finished */
	memcpy(tmp, key.data, key.len);
	tmp[key.len - 5] ^= 1;
	ml_error_clear();
	assert_int_equal(pgp_keyring_add(k2, tmp, key.len, "bad-self-sig"), 0);
	assert_int_equal(pgp_keyring_finish(k2), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "no usable OpenPGP key in 'bad-self-sig'"));
	pgp_keyring_free(k2);
	assert_int_equal(pgp_keyring_new(&k2), 0);
	/* a signature armor is not a key */
	ml_error_clear();
	assert_int_equal(pgp_keyring_add(k2, (const uint8_t *)SIG_ASC, strlen(SIG_ASC), "sig"),
	                 ML_CONFIG);
	/* trailing garbage after the armor */
	memcpy(tmp, KEY_ASC, strlen(KEY_ASC));
	memcpy(tmp + strlen(KEY_ASC), "junk\n", 5);
	ml_error_clear();
	assert_int_equal(pgp_keyring_add(k2, tmp, strlen(KEY_ASC) + 5, "junk"), ML_CONFIG);
	assert_int_equal(pgp_keyring_count(k2), 0);
	/* the same key twice is one certificate */
	assert_int_equal(pgp_keyring_add(k2, key.data, key.len, "a"), 0);
	assert_int_equal(pgp_keyring_add(k2, (const uint8_t *)KEY_ASC, strlen(KEY_ASC), "b"), 0);
	assert_int_equal(pgp_keyring_finish(k2), 0);
	assert_int_equal(pgp_keyring_count(k2), 1);
	/* an unfinished keyring verifies nothing */
	assert_int_equal(pgp_keyring_add(k2, key.data, key.len, "c"), 0);
	{
		struct pgp_verify_opts opts = {.now = CREATED + 100,
		                               .committer_time = CREATED + 10};
		struct ml_signer signer;

		assert_int_equal(pgp_verify_detached(k2, SIG_ASC, strlen(SIG_ASC),
		                                     (const uint8_t *)PAYLOAD, strlen(PAYLOAD),
		                                     &opts, &signer),
		                 ML_CONFIG);
	}
	pgp_keyring_free(k2);
	buf_release(&key);
}

/* ---- certificates merged from several inputs ---- */

struct input {
	const char *text; /* armored */
	int restricts;
	const char *name;
};

#define GRANT(x)                                                                                   \
	{                                                                                          \
		CERT_##x, 0, #x                                                                    \
	}
#define RESTRICT(x)                                                                                \
	{                                                                                          \
		CERT_##x, 1, #x                                                                    \
	}
#define INPUTS_MAX 4

struct merge_case {
	const char *name;
	struct input in[INPUTS_MAX];
	const char *sig;
	int want;
};

static int add_input(struct pgp_keyring *k, const void *data, size_t len, int restricts,
                     const char *name)
{
	return restricts ? pgp_keyring_add_restrictions(k, data, len, name)
	                 : pgp_keyring_add(k, data, len, name);
}

static int verify_cert(const struct pgp_keyring *k, const char *sig, struct ml_signer *signer)
{
	struct pgp_verify_opts opts = {
	    .now = CERT_T0 + 3000, .committer_time = CERT_T0 + 2000, .max_skew = 300};
	struct ml_signer unused;

	ml_error_clear();
	return pgp_verify_detached(k, sig, strlen(sig), (const uint8_t *)CERT_PAYLOAD,
	                           strlen(CERT_PAYLOAD), &opts, signer != NULL ? signer : &unused);
}

static const struct merge_case merge_cases[] = {
    {"the key as generated", {GRANT(A0)}, CERT_SIG_P, 0},
    {"a subkey of a later export is unknown to the old one",
     {GRANT(A0)},
     CERT_SIG_S,
     ML_UNKNOWN_KEY},
    {"old export, then the new one with a subkey", {GRANT(A0), GRANT(A1)}, CERT_SIG_S, 0},
    {"new export, then the old one", {GRANT(A1), GRANT(A0)}, CERT_SIG_S, 0},
    {"the same key twice", {GRANT(A0), GRANT(A0)}, CERT_SIG_P, 0},
    {"a restriction cannot add a subkey", {GRANT(A0), RESTRICT(A1)}, CERT_SIG_S, ML_UNKNOWN_KEY},
    {"a restriction alone grants no key",
     {{KEY_ASC, 0, "unit"}, RESTRICT(A1)},
     CERT_SIG_P,
     ML_UNKNOWN_KEY},
    {"signed before the expiration", {GRANT(A2)}, CERT_SIG_P, 0},
    {"a later self-signature shortens the expiration",
     {GRANT(A0), GRANT(A2)},
     CERT_SIG_LATE,
     ML_KEY_EXPIRED},
    {"... whatever the order", {GRANT(A2), GRANT(A0)}, CERT_SIG_LATE, ML_KEY_EXPIRED},
    {"a restriction shortens the expiration",
     {GRANT(A0), RESTRICT(A2)},
     CERT_SIG_LATE,
     ML_KEY_EXPIRED},
    {"a SHA-1 self-signature still shortens",
     {GRANT(A0), GRANT(A2SHA1)},
     CERT_SIG_LATE,
     ML_KEY_EXPIRED},
    {"... also as a restriction", {GRANT(A0), RESTRICT(A2SHA1)}, CERT_SIG_LATE, ML_KEY_EXPIRED},
    {"a newer self-signature lengthens it again", {GRANT(A2), GRANT(A4)}, CERT_SIG_LATE, 0},
    {"a restriction cannot lengthen it", {GRANT(A2), RESTRICT(A4)}, CERT_SIG_LATE, ML_KEY_EXPIRED},
    {"a SHA-1 self-signature cannot lengthen it",
     {GRANT(A2), GRANT(A4SHA1)},
     CERT_SIG_LATE,
     ML_KEY_EXPIRED},
    {"revocation after the key", {GRANT(A0), GRANT(REV)}, CERT_SIG_P, ML_KEY_REVOKED},
    {"revocation before the key", {GRANT(REV), GRANT(A0)}, CERT_SIG_P, ML_KEY_REVOKED},
    {"revocation as a restriction", {GRANT(A0), RESTRICT(REV)}, CERT_SIG_P, ML_KEY_REVOKED},
    {"a SHA-1 revocation revokes", {GRANT(A0), GRANT(REV_SHA1)}, CERT_SIG_P, ML_KEY_REVOKED},
    {"a revoked key's subkey cannot sign", {GRANT(A1), GRANT(REV)}, CERT_SIG_S, ML_KEY_REVOKED},
    {"revoked subkey", {GRANT(A1), GRANT(A3)}, CERT_SIG_S, ML_KEY_REVOKED},
    {"revoked subkey given first", {GRANT(A3), GRANT(A1)}, CERT_SIG_S, ML_KEY_REVOKED},
    {"revoked subkey: the primary still signs", {GRANT(A1), GRANT(A3)}, CERT_SIG_P, 0},
    {"subkey revocation as a restriction", {GRANT(A1), RESTRICT(A3)}, CERT_SIG_S, ML_KEY_REVOKED},
};

static void test_merge_table(void **state)
{
	size_t i, j;
	int r;

	for (i = 0; i < sizeof(merge_cases) / sizeof(merge_cases[0]); i++) {
		const struct merge_case *c = &merge_cases[i];
		struct pgp_keyring *k;

		assert_int_equal(pgp_keyring_new(&k), 0);
		for (j = 0; j < INPUTS_MAX && c->in[j].text != NULL; j++)
			assert_int_equal(add_input(k, c->in[j].text, strlen(c->in[j].text),
			                           c->in[j].restricts, c->in[j].name),
			                 0);
		assert_int_equal(pgp_keyring_finish(k), 0);
		if ((r = verify_cert(k, c->sig, NULL)) != c->want)
			fail_msg("%s: got %s, want %s (%s)", c->name, ml_reason_name(r),
			         ml_reason_name(c->want), ml_error_message());
		assert_null(pgp_keyring_warning(k, 0));
		pgp_keyring_free(k);
	}
}

/* Several armored texts as one input. */
static int verify_joined(const char *a, const char *b, const char *sig)
{
	struct pgp_keyring *k;
	struct buf joined;
	int r;

	buf_init(&joined, 1 << 16);
	assert_int_equal(buf_append_str(&joined, a), 0);
	assert_int_equal(buf_append_str(&joined, b), 0);
	assert_int_equal(pgp_keyring_new(&k), 0);
	assert_int_equal(pgp_keyring_add(k, joined.data, joined.len, "joined"), 0);
	assert_int_equal(pgp_keyring_finish(k), 0);
	r = verify_cert(k, sig, NULL);
	pgp_keyring_free(k);
	buf_release(&joined);
	return r;
}

static void test_merge_one_input(void **state)
{
	assert_int_equal(verify_joined(CERT_A0, CERT_A1, CERT_SIG_S), 0);
	assert_int_equal(verify_joined(CERT_A1, CERT_A0, CERT_SIG_S), 0);
	assert_int_equal(verify_joined(CERT_A0, CERT_REV, CERT_SIG_P), ML_KEY_REVOKED);
	assert_int_equal(verify_joined(CERT_REV, CERT_A0, CERT_SIG_P), ML_KEY_REVOKED);
	assert_int_equal(verify_joined(CERT_A0, CERT_A2, CERT_SIG_LATE), ML_KEY_EXPIRED);
	assert_int_equal(verify_joined(CERT_A1, CERT_A3, CERT_SIG_S), ML_KEY_REVOKED);
	assert_int_equal(verify_joined(CERT_A0, KEY_ASC, CERT_SIG_P), 0);
}

/* Offsets of the packets of a binary keyring: start, body, end. */
struct packet_at {
	size_t start, body, end;
	uint8_t tag, sig_type;
};

static size_t packets_of(const struct buf *bin, struct packet_at *out, size_t max)
{
	struct reader r, body;
	size_t n = 0;
	uint8_t tag;

	reader_init(&r, bin->data, bin->len);
	while (reader_remaining(&r) > 0) {
		assert_true(n < max);
		out[n].start = r.off;
		assert_int_equal(pgp_packet_next(&r, &tag, &body), 0);
		out[n].body = (size_t)(body.data - bin->data);
		out[n].end = r.off;
		out[n].tag = tag;
		out[n].sig_type = tag == PGP_TAG_SIGNATURE ? body.data[1] : 0;
		n++;
	}
	return n;
}

/* A keyring of the certificate a0 (granting) and bytes, finished. */
static struct pgp_keyring *a0_with(const char *base, const void *bytes, size_t len,
                                   const char *name, int *finished)
{
	struct pgp_keyring *k;

	assert_int_equal(pgp_keyring_new(&k), 0);
	assert_int_equal(pgp_keyring_add(k, (const uint8_t *)base, strlen(base), "base"), 0);
	ml_error_clear();
	assert_int_equal(pgp_keyring_add(k, bytes, len, name), 0);
	*finished = pgp_keyring_finish(k);
	return k;
}

/* The revocation's subpacket of type 29 (reason): its type byte. */
static size_t reason_type_at(const struct buf *rev)
{
	size_t off = 2 + 6; /* packet header, then version .. hashed length */

	while (off + 1 < rev->len) {
		if (rev->data[off + 1] == 29)
			return off + 1;
		off += 1 + rev->data[off];
	}
	fail_msg("no reason subpacket");
	return 0;
}

static void test_unevaluable_revocations(void **state)
{
	struct pgp_keyring *k;
	struct buf rev, joined;
	uint8_t tmp[256];
	int finished;

	binary(CERT_REV, "PUBLIC KEY BLOCK", &rev);
	assert_true(rev.len < sizeof(tmp) && rev.data[0] == 0x88 && rev.data[2] == 4);
	/* an unsupported hash: the key is treated as revoked, and the message says why */
	memcpy(tmp, rev.data, rev.len);
	tmp[2 + 3] = PGP_HASH_RIPEMD160;
	k = a0_with(CERT_A0, tmp, rev.len, "rev-ripemd", &finished);
	assert_int_equal(finished, 0);
	assert_int_equal(verify_cert(k, CERT_SIG_P, NULL), ML_KEY_REVOKED);
	assert_non_null(strstr(ml_error_message(), "cannot evaluate"));
	assert_non_null(strstr(ml_error_message(), "RIPEMD-160"));
	assert_non_null(strstr(ml_error_message(), "rev-ripemd"));
	pgp_keyring_free(k);
	/* an unknown critical subpacket */
	memcpy(tmp, rev.data, rev.len);
	tmp[reason_type_at(&rev)] = 0x80 | 101;
	k = a0_with(CERT_A0, tmp, rev.len, "rev-critical", &finished);
	assert_int_equal(finished, 0);
	assert_int_equal(verify_cert(k, CERT_SIG_P, NULL), ML_KEY_REVOKED);
	assert_non_null(strstr(ml_error_message(), "unknown critical subpacket"));
	pgp_keyring_free(k);
	/* an unsupported version: on its own it matches nothing, after the key it revokes */
	memcpy(tmp, rev.data, rev.len);
	tmp[2] = 5;
	k = a0_with(CERT_A0, tmp, rev.len, "rev-v5", &finished);
	assert_int_equal(finished, ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "'rev-v5' cannot be read"));
	pgp_keyring_free(k);
	binary(CERT_A0, "PUBLIC KEY BLOCK", &joined);
	assert_int_equal(buf_append(&joined, tmp, rev.len), 0);
	assert_int_equal(pgp_keyring_new(&k), 0);
	assert_int_equal(pgp_keyring_add(k, joined.data, joined.len, "a0+rev-v5"), 0);
	assert_int_equal(pgp_keyring_finish(k), 0);
	assert_int_equal(verify_cert(k, CERT_SIG_P, NULL), ML_KEY_REVOKED);
	assert_non_null(strstr(ml_error_message(), "signature version 5"));
	pgp_keyring_free(k);
	buf_release(&joined);
	buf_release(&rev);
}

static void test_bad_revocations(void **state)
{
	struct packet_at pk[8];
	struct pgp_keyring *k;
	struct buf rev, a3;
	const char *w;
	uint8_t tmp[2048];
	size_t n, i;
	int finished;

	/* a revocation whose signature does not verify is ignored with a warning naming it */
	binary(CERT_REV, "PUBLIC KEY BLOCK", &rev);
	memcpy(tmp, rev.data, rev.len);
	tmp[rev.len - 3] ^= 0x01;
	k = a0_with(CERT_A0, tmp, rev.len, "rev-bad", &finished);
	assert_int_equal(finished, 0);
	assert_non_null(w = pgp_keyring_warning(k, 0));
	assert_non_null(strstr(w, "'rev-bad'"));
	assert_non_null(strstr(w, "does not verify"));
	assert_non_null(strstr(w, CERT_FPR));
	assert_null(pgp_keyring_warning(k, 1));
	assert_int_equal(verify_cert(k, CERT_SIG_P, NULL), 0); /* and the key still works */
	pgp_keyring_free(k);

	/* the same for a subkey revocation */
	binary(CERT_A3, "PUBLIC KEY BLOCK", &a3);
	n = packets_of(&a3, pk, 8);
	assert_true(a3.len < sizeof(tmp));
	for (i = 0; i < n && pk[i].sig_type != PGP_SIG_SUBKEY_REVOCATION; i++)
		;
	assert_true(i < n);
	memcpy(tmp, a3.data, a3.len);
	tmp[pk[i].end - 3] ^= 0x01;
	k = a0_with(CERT_A1, tmp, a3.len, "a3-bad", &finished);
	assert_int_equal(finished, 0);
	assert_non_null(w = pgp_keyring_warning(k, 0));
	assert_non_null(strstr(w, "subkey '" CERT_SUB_FPR "'"));
	assert_non_null(strstr(w, "'a3-bad'"));
	assert_int_equal(verify_cert(k, CERT_SIG_S, NULL), 0);
	pgp_keyring_free(k);

	/* a subkey revocation moved before its subkey still revokes it */
	{
		size_t at = 0, j;

		for (j = 0; j < n; j++) {
			if (j == i)
				continue;
			if (pk[j].tag == PGP_TAG_PUBLIC_SUBKEY) {
				memcpy(tmp + at, a3.data + pk[i].start, pk[i].end - pk[i].start);
				at += pk[i].end - pk[i].start;
			}
			memcpy(tmp + at, a3.data + pk[j].start, pk[j].end - pk[j].start);
			at += pk[j].end - pk[j].start;
		}
		assert_int_equal(at, a3.len);
		k = a0_with(CERT_A1, tmp, at, "a3-moved", &finished);
		assert_int_equal(finished, 0);
		assert_int_equal(verify_cert(k, CERT_SIG_S, NULL), ML_KEY_REVOKED);
		assert_null(pgp_keyring_warning(k, 0));
		pgp_keyring_free(k);
	}
	buf_release(&a3);
	buf_release(&rev);
}

static void test_unmatched_revocation(void **state)
{
	struct pgp_keyring *k;
	int finished;

	k = a0_with(KEY_ASC, CERT_REV, strlen(CERT_REV), "other-rev.asc", &finished);
	assert_int_equal(finished, ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "'other-rev.asc'"));
	assert_non_null(strstr(ml_error_message(), "matches no key"));
	assert_int_equal(pgp_keyring_count(k), 0);
	pgp_keyring_free(k);
	/* a restriction input's revocation must match a key too */
	assert_int_equal(pgp_keyring_new(&k), 0);
	assert_int_equal(pgp_keyring_add(k, (const uint8_t *)KEY_ASC, strlen(KEY_ASC), "unit"), 0);
	assert_int_equal(pgp_keyring_add_restrictions(k, (const uint8_t *)CERT_REV,
	                                              strlen(CERT_REV), "policy-rev"),
	                 0);
	ml_error_clear();
	assert_int_equal(pgp_keyring_finish(k), ML_CONFIG);
	assert_non_null(strstr(ml_error_message(), "'policy-rev'"));
	pgp_keyring_free(k);
	/* ... but matching a key only the restriction inputs hold is enough */
	assert_int_equal(pgp_keyring_new(&k), 0);
	assert_int_equal(pgp_keyring_add(k, (const uint8_t *)KEY_ASC, strlen(KEY_ASC), "unit"), 0);
	assert_int_equal(
	    pgp_keyring_add_restrictions(k, (const uint8_t *)CERT_A0, strlen(CERT_A0), "policy-a0"),
	    0);
	assert_int_equal(pgp_keyring_add_restrictions(k, (const uint8_t *)CERT_REV,
	                                              strlen(CERT_REV), "policy-rev"),
	                 0);
	assert_int_equal(pgp_keyring_finish(k), 0);
	assert_int_equal(pgp_keyring_count(k), 1);
	pgp_keyring_free(k);
}

static void test_owner(void **state)
{
	struct pgp_keyring *k;
	struct ml_signer signer;
	char out[41], lower[41];
	size_t i;

	assert_int_equal(pgp_keyring_new(&k), 0);
	assert_int_equal(pgp_keyring_add(k, (const uint8_t *)CERT_A1, strlen(CERT_A1), "a1"), 0);
	assert_int_equal(pgp_keyring_add(k, (const uint8_t *)KEY_ASC, strlen(KEY_ASC), "unit"), 0);
	assert_int_equal(pgp_keyring_owner(k, CERT_SUB_FPR, out), 0); /* not finished */
	assert_int_equal(pgp_keyring_finish(k), 0);
	assert_int_equal(pgp_keyring_count(k), 2);
	assert_int_equal(pgp_keyring_owner(k, CERT_SUB_FPR, out), 1);
	assert_string_equal(out, CERT_FPR);
	for (i = 0; i < 40; i++)
		lower[i] = (char)tolower((unsigned char)CERT_SUB_FPR[i]);
	lower[40] = '\0';
	assert_int_equal(pgp_keyring_owner(k, lower, out), 1);
	assert_int_equal(pgp_keyring_owner(k, FPR, out), 1);
	assert_string_equal(out, FPR);
	assert_int_equal(pgp_keyring_owner(k, "0000000000000000000000000000000000000000", out), 0);
	assert_int_equal(pgp_keyring_owner(k, "not a fingerprint", out), 0);
	/* a subkey signature reports the primary key */
	assert_int_equal(verify_cert(k, CERT_SIG_S, &signer), 0);
	assert_string_equal(signer.key, CERT_FPR);
	assert_string_equal(signer.principal, "Unit Merge <merge@example.org>");
	pgp_keyring_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_signature),
	    cmocka_unit_test(test_forged_twins),
	    cmocka_unit_test(test_signature_table),
	    cmocka_unit_test(test_armor_table),
	    cmocka_unit_test(test_crlf_armor),
	    cmocka_unit_test(test_crc24),
	    cmocka_unit_test(test_crc24_matches_the_reference),
	    cmocka_unit_test(test_framing),
	    cmocka_unit_test(test_truncation_everywhere),
	    cmocka_unit_test(test_keyring_errors),
	    cmocka_unit_test(test_merge_table),
	    cmocka_unit_test(test_merge_one_input),
	    cmocka_unit_test(test_unevaluable_revocations),
	    cmocka_unit_test(test_bad_revocations),
	    cmocka_unit_test(test_unmatched_revocation),
	    cmocka_unit_test(test_owner),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
