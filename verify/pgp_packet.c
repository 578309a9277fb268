#include "verify/pgp_packet.h"

#include "common/encoding.h"
#include "common/error.h"

#include <ctype.h>
#include <pthread.h>
#include <string.h>

#define ARMOR_LINE_MAX 1024
#define ARMOR_BEGIN "-----BEGIN PGP "
#define ARMOR_END "-----END PGP "
#define ARMOR_DASHES "-----"

/* crc24_table[i]: the CRC register after shifting the byte i through it (RFC 4880 6.1). */
static const uint32_t crc24_table[256] = {
    0x000000u, 0x864cfbu, 0x8ad50du, 0x0c99f6u, 0x93e6e1u, 0x15aa1au, 0x1933ecu, 0x9f7f17u,
    0xa18139u, 0x27cdc2u, 0x2b5434u, 0xad18cfu, 0x3267d8u, 0xb42b23u, 0xb8b2d5u, 0x3efe2eu,
    0xc54e89u, 0x430272u, 0x4f9b84u, 0xc9d77fu, 0x56a868u, 0xd0e493u, 0xdc7d65u, 0x5a319eu,
    0x64cfb0u, 0xe2834bu, 0xee1abdu, 0x685646u, 0xf72951u, 0x7165aau, 0x7dfc5cu, 0xfbb0a7u,
    0x0cd1e9u, 0x8a9d12u, 0x8604e4u, 0x00481fu, 0x9f3708u, 0x197bf3u, 0x15e205u, 0x93aefeu,
    0xad50d0u, 0x2b1c2bu, 0x2785ddu, 0xa1c926u, 0x3eb631u, 0xb8facau, 0xb4633cu, 0x322fc7u,
    0xc99f60u, 0x4fd39bu, 0x434a6du, 0xc50696u, 0x5a7981u, 0xdc357au, 0xd0ac8cu, 0x56e077u,
    0x681e59u, 0xee52a2u, 0xe2cb54u, 0x6487afu, 0xfbf8b8u, 0x7db443u, 0x712db5u, 0xf7614eu,
    0x19a3d2u, 0x9fef29u, 0x9376dfu, 0x153a24u, 0x8a4533u, 0x0c09c8u, 0x00903eu, 0x86dcc5u,
    0xb822ebu, 0x3e6e10u, 0x32f7e6u, 0xb4bb1du, 0x2bc40au, 0xad88f1u, 0xa11107u, 0x275dfcu,
    0xdced5bu, 0x5aa1a0u, 0x563856u, 0xd074adu, 0x4f0bbau, 0xc94741u, 0xc5deb7u, 0x43924cu,
    0x7d6c62u, 0xfb2099u, 0xf7b96fu, 0x71f594u, 0xee8a83u, 0x68c678u, 0x645f8eu, 0xe21375u,
    0x15723bu, 0x933ec0u, 0x9fa736u, 0x19ebcdu, 0x8694dau, 0x00d821u, 0x0c41d7u, 0x8a0d2cu,
    0xb4f302u, 0x32bff9u, 0x3e260fu, 0xb86af4u, 0x2715e3u, 0xa15918u, 0xadc0eeu, 0x2b8c15u,
    0xd03cb2u, 0x567049u, 0x5ae9bfu, 0xdca544u, 0x43da53u, 0xc596a8u, 0xc90f5eu, 0x4f43a5u,
    0x71bd8bu, 0xf7f170u, 0xfb6886u, 0x7d247du, 0xe25b6au, 0x641791u, 0x688e67u, 0xeec29cu,
    0x3347a4u, 0xb50b5fu, 0xb992a9u, 0x3fde52u, 0xa0a145u, 0x26edbeu, 0x2a7448u, 0xac38b3u,
    0x92c69du, 0x148a66u, 0x181390u, 0x9e5f6bu, 0x01207cu, 0x876c87u, 0x8bf571u, 0x0db98au,
    0xf6092du, 0x7045d6u, 0x7cdc20u, 0xfa90dbu, 0x65efccu, 0xe3a337u, 0xef3ac1u, 0x69763au,
    0x578814u, 0xd1c4efu, 0xdd5d19u, 0x5b11e2u, 0xc46ef5u, 0x42220eu, 0x4ebbf8u, 0xc8f703u,
    0x3f964du, 0xb9dab6u, 0xb54340u, 0x330fbbu, 0xac70acu, 0x2a3c57u, 0x26a5a1u, 0xa0e95au,
    0x9e1774u, 0x185b8fu, 0x14c279u, 0x928e82u, 0x0df195u, 0x8bbd6eu, 0x872498u, 0x016863u,
    0xfad8c4u, 0x7c943fu, 0x700dc9u, 0xf64132u, 0x693e25u, 0xef72deu, 0xe3eb28u, 0x65a7d3u,
    0x5b59fdu, 0xdd1506u, 0xd18cf0u, 0x57c00bu, 0xc8bf1cu, 0x4ef3e7u, 0x426a11u, 0xc426eau,
    0x2ae476u, 0xaca88du, 0xa0317bu, 0x267d80u, 0xb90297u, 0x3f4e6cu, 0x33d79au, 0xb59b61u,
    0x8b654fu, 0x0d29b4u, 0x01b042u, 0x87fcb9u, 0x1883aeu, 0x9ecf55u, 0x9256a3u, 0x141a58u,
    0xefaaffu, 0x69e604u, 0x657ff2u, 0xe33309u, 0x7c4c1eu, 0xfa00e5u, 0xf69913u, 0x70d5e8u,
    0x4e2bc6u, 0xc8673du, 0xc4fecbu, 0x42b230u, 0xddcd27u, 0x5b81dcu, 0x57182au, 0xd154d1u,
    0x26359fu, 0xa07964u, 0xace092u, 0x2aac69u, 0xb5d37eu, 0x339f85u, 0x3f0673u, 0xb94a88u,
    0x87b4a6u, 0x01f85du, 0x0d61abu, 0x8b2d50u, 0x145247u, 0x921ebcu, 0x9e874au, 0x18cbb1u,
    0xe37b16u, 0x6537edu, 0x69ae1bu, 0xefe2e0u, 0x709df7u, 0xf6d10cu, 0xfa48fau, 0x7c0401u,
    0x42fa2fu, 0xc4b6d4u, 0xc82f22u, 0x4e63d9u, 0xd11cceu, 0x575035u, 0x5bc9c3u, 0xdd8538u,
};

/*
 * The same CRC four bytes at a time ("slicing by 4"), the 24-bit register kept
 * in the top of a 32-bit word: crc24_slices[k][b] is the register after the
 * byte b and then k zero bytes went through it, from an empty register. An
 * armored signature has a few hundred bytes, one chain a thousand signatures.
 */
static uint32_t crc24_slices[4][256];
static pthread_once_t crc24_once = PTHREAD_ONCE_INIT;

static void crc24_slices_fill(void)
{
	size_t b, k;

	for (b = 0; b < 256; b++) {
		crc24_slices[0][b] = crc24_table[b] << 8;
		for (k = 1; k < 4; k++) {
			uint32_t prev = crc24_slices[k - 1][b];

			crc24_slices[k][b] = prev << 8 ^ crc24_table[prev >> 24] << 8;
		}
	}
}

uint32_t pgp_crc24(const uint8_t *data, size_t len)
{
	uint32_t crc = 0xB704CEu;
	size_t i = 0;

	if (len >= 16 && pthread_once(&crc24_once, crc24_slices_fill) == 0) {
		uint32_t c = crc << 8;

		for (; i + 4 <= len; i += 4) {
			c ^= (uint32_t)data[i] << 24 | (uint32_t)data[i + 1] << 16 |
			     (uint32_t)data[i + 2] << 8 | data[i + 3];
			c = crc24_slices[3][c >> 24] ^ crc24_slices[2][(c >> 16) & 0xFF] ^
			    crc24_slices[1][(c >> 8) & 0xFF] ^ crc24_slices[0][c & 0xFF];
		}
		crc = c >> 8;
	}
	for (; i < len; i++)
		crc = (crc << 8 ^ crc24_table[(crc >> 16 ^ data[i]) & 0xFF]) & 0xFFFFFFu;
	return crc;
}

/*
 * Next line of in starting at *pos: *line and *line_len exclude the line end
 * and trailing blanks. -1 at the end of input or for an over-long line.
 */
static int next_line(const char *in, size_t len, size_t *pos, const char **line, size_t *line_len)
{
	size_t start = *pos, end;
	const char *nl;

	if (start >= len)
		return -1;
	nl = memchr(in + start, '\n', len - start);
	end = nl != NULL ? (size_t)(nl - in) : len;
	if (end - start > ARMOR_LINE_MAX)
		return -1;
	*pos = nl != NULL ? end + 1 : len;
	while (end > start && (in[end - 1] == '\r' || in[end - 1] == ' ' || in[end - 1] == '\t'))
		end--;
	*line = in + start;
	*line_len = end - start;
	return 0;
}

/* Whether line is exactly prefix type "-----". */
static int is_marker(const char *line, size_t line_len, const char *prefix, const char *type)
{
	size_t p = strlen(prefix), t = strlen(type), d = strlen(ARMOR_DASHES);

	return line_len == p + t + d && memcmp(line, prefix, p) == 0 &&
	       memcmp(line + p, type, t) == 0 && memcmp(line + p + t, ARMOR_DASHES, d) == 0;
}

static int is_header_line(const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	size_t i;

	if (colon == NULL || colon == line || (size_t)(colon - line) + 1 >= len || colon[1] != ' ')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return 0;
	return 1;
}

void pgp_hex(const uint8_t *data, size_t len, char *out)
{
	size_t i;

	hex_encode(data, len, out);
	for (i = 0; out[i] != '\0'; i++)
		out[i] = (char)toupper((unsigned char)out[i]);
}

int pgp_only_space(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

int pgp_dearmor(const char *in, size_t len, const char *type, struct buf *out, size_t *consumed)
{
	struct buf text, crc_bytes;
	const char *line;
	size_t pos = 0, line_len, start_len = out->len;
	int r = ML_MALFORMED_OBJECT, have_crc = 0;

	buf_init(&text, len);
	buf_init(&crc_bytes, 3);
	/* the digits are at most the input, the binary three quarters of them */
	(void)buf_reserve(&text, len);
	(void)buf_reserve(out, len / 4 * 3 + 3);
	do {
		if (next_line(in, len, &pos, &line, &line_len) < 0) {
			ml_fail(r, "cannot find armor header 'BEGIN PGP %s'", type);
			goto out;
		}
	} while (line_len == 0);
	if (!is_marker(line, line_len, ARMOR_BEGIN, type)) {
		ml_fail(r, "unexpected text before armor header 'BEGIN PGP %s'", type);
		goto out;
	}
	for (;;) {
		if (next_line(in, len, &pos, &line, &line_len) < 0) {
			ml_fail(r, "truncated armor headers in 'PGP %s'", type);
			goto out;
		}
		if (line_len == 0)
			break;
		if (!is_header_line(line, line_len)) {
			ml_fail(r, "malformed armor header line in 'PGP %s'", type);
			goto out;
		}
	}
	for (;;) {
		if (next_line(in, len, &pos, &line, &line_len) < 0) {
			ml_fail(r, "missing armor end line 'END PGP %s'", type);
			goto out;
		}
		if (line_len > 0 && line[0] == '-')
			break;
		if (line_len > 0 && line[0] == '=') {
			if (line_len != 5 || !base64_is_text(line + 1, 4) ||
			    base64_decode(line + 1, 4, &crc_bytes) < 0 || crc_bytes.len != 3) {
				ml_fail(r, "malformed armor checksum in 'PGP %s'", type);
				goto out;
			}
			have_crc = 1;
			if (next_line(in, len, &pos, &line, &line_len) < 0)
				line_len = 0;
			break;
		}
		if (!base64_is_text(line, line_len) || buf_append(&text, line, line_len) < 0) {
			ml_fail(r, "invalid character in armored 'PGP %s'", type);
			goto out;
		}
	}
	if (!is_marker(line, line_len, ARMOR_END, type)) {
		ml_fail(r, "missing armor end line 'END PGP %s'", type);
		goto out;
	}
	if (text.len == 0 || base64_decode((const char *)text.data, text.len, out) < 0) {
		ml_fail(r, "invalid base64 in armored 'PGP %s'", type);
		goto out;
	}
	if (have_crc) {
		uint32_t want = (uint32_t)crc_bytes.data[0] << 16 |
		                (uint32_t)crc_bytes.data[1] << 8 | crc_bytes.data[2];

		if (pgp_crc24(out->data + start_len, out->len - start_len) != want) {
			ml_fail(r, "armor checksum mismatch in 'PGP %s'", type);
			goto out;
		}
	}
	*consumed = pos;
	r = 0;
out:
	if (r != 0 && out->len > start_len)
		out->len = start_len;
	buf_release(&text);
	buf_release(&crc_bytes);
	return r;
}

int pgp_packet_next(struct reader *r, uint8_t *tag, struct reader *body)
{
	struct reader save = *r;
	uint8_t hdr, o1, o2;
	uint16_t l16;
	uint32_t len = 0;

	if (reader_get_u8(r, &hdr) < 0 || (hdr & 0x80) == 0)
		goto bad;
	if (hdr & 0x40) {
		*tag = hdr & 0x3f;
		if (reader_get_u8(r, &o1) < 0)
			goto bad;
		if (o1 < 192) {
			len = o1;
		} else if (o1 < 224) {
			if (reader_get_u8(r, &o2) < 0)
				goto bad;
			len = ((uint32_t)(o1 - 192) << 8) + o2 + 192;
		} else if (o1 == 255) {
			if (reader_get_u32(r, &len) < 0)
				goto bad;
		} else {
			*r = save;
			return ml_fail(ML_MALFORMED_OBJECT,
			               "partial body length in OpenPGP packet (tag %u) refused",
			               (unsigned)*tag);
		}
	} else {
		*tag = (hdr >> 2) & 0x0f;
		switch (hdr & 3) {
		case 0:
			if (reader_get_u8(r, &o1) < 0)
				goto bad;
			len = o1;
			break;
		case 1:
			if (reader_get_u16(r, &l16) < 0)
				goto bad;
			len = l16;
			break;
		case 2:
			if (reader_get_u32(r, &len) < 0)
				goto bad;
			break;
		default:
			*r = save;
			return ml_fail(ML_MALFORMED_OBJECT,
			               "indeterminate length in OpenPGP packet (tag %u) refused",
			               (unsigned)*tag);
		}
	}
	if (*tag == 0 || reader_get_sub_n(r, len, body) < 0)
		goto bad;
	return 0;
bad:
	*r = save;
	return ml_fail(ML_MALFORMED_OBJECT, "truncated or invalid OpenPGP packet header");
}

/* An MPI: u16 bit count then the bytes; *out skips leading zero bytes. */
static int get_mpi(struct reader *r, const uint8_t **out, size_t *out_len)
{
	struct reader save = *r;
	const uint8_t *p;
	uint16_t bits;
	size_t n;

	if (reader_get_u16(r, &bits) < 0 || bits == 0 ||
	    reader_get_bytes(r, n = ((size_t)bits + 7) / 8, &p) < 0) {
		*r = save;
		return -1;
	}
	while (n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	if (n == 0) {
		*r = save;
		return -1;
	}
	*out = p;
	*out_len = n;
	return 0;
}

/* A curve OID: one length byte then the OID body. */
static int get_oid(struct reader *r, const uint8_t **oid, size_t *oid_len)
{
	struct reader save = *r;
	uint8_t n;

	if (reader_get_u8(r, &n) < 0 || n == 0 || n == 0xff || reader_get_bytes(r, n, oid) < 0) {
		*r = save;
		return -1;
	}
	*oid_len = n;
	return 0;
}

static const uint8_t OID_P256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t OID_P384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t OID_P521[] = {0x2b, 0x81, 0x04, 0x00, 0x23};
static const uint8_t OID_ED25519[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01};

static int oid_is(const uint8_t *oid, size_t len, const uint8_t *want, size_t want_len)
{
	return len == want_len && memcmp(oid, want, len) == 0;
}

/* Parses the algorithm-specific public fields; 0, -1 (malformed), ML_UNSUPPORTED. */
static int parse_key_material(struct pgp_key *k, struct reader *r)
{
	const uint8_t *p, *oid;
	size_t n, oid_len;
	int i, count;
	uint8_t kdf_len;

	switch (k->algo) {
	case PGP_PK_RSA:
	case PGP_PK_RSA_ENCRYPT:
	case PGP_PK_RSA_SIGN:
		if (get_mpi(r, &k->rsa_n, &k->rsa_n_len) < 0 ||
		    get_mpi(r, &k->rsa_e, &k->rsa_e_len) < 0)
			return -1;
		k->bits = crypto_bignum_bits(k->rsa_n, k->rsa_n_len);
		k->can_verify = k->algo != PGP_PK_RSA_ENCRYPT;
		return 0;
	case PGP_PK_DSA:
	case PGP_PK_ELGAMAL:
		count = k->algo == PGP_PK_DSA ? 4 : 3;
		for (i = 0; i < count; i++)
			if (get_mpi(r, &p, &n) < 0)
				return -1;
		return 0;
	case PGP_PK_ECDSA:
		if (get_oid(r, &oid, &oid_len) < 0 ||
		    get_mpi(r, &k->ec_point, &k->ec_point_len) < 0)
			return -1;
		if (oid_is(oid, oid_len, OID_P256, sizeof(OID_P256))) {
			k->curve = CRYPTO_P256;
			k->bits = 256;
		} else if (oid_is(oid, oid_len, OID_P384, sizeof(OID_P384))) {
			k->curve = CRYPTO_P384;
			k->bits = 384;
		} else if (oid_is(oid, oid_len, OID_P521, sizeof(OID_P521))) {
			k->curve = CRYPTO_P521;
			k->bits = 521;
		} else {
			return ML_UNSUPPORTED;
		}
		if (k->ec_point_len != 1 + 2 * (((size_t)k->bits + 7) / 8) ||
		    k->ec_point[0] != 0x04)
			return -1;
		k->can_verify = 1;
		return 0;
	case PGP_PK_EDDSA:
		if (get_oid(r, &oid, &oid_len) < 0 || get_mpi(r, &p, &n) < 0)
			return -1;
		if (!oid_is(oid, oid_len, OID_ED25519, sizeof(OID_ED25519)))
			return ML_UNSUPPORTED;
		if (n != 33 || p[0] != 0x40)
			return -1;
		k->ed25519 = p + 1;
		k->bits = 255;
		k->can_verify = 1;
		return 0;
	case PGP_PK_ECDH:
		if (get_oid(r, &oid, &oid_len) < 0 || get_mpi(r, &p, &n) < 0 ||
		    reader_get_u8(r, &kdf_len) < 0 || kdf_len < 3 || kdf_len == 0xff ||
		    reader_skip(r, kdf_len) < 0)
			return -1;
		return 0;
	default:
		return ML_UNSUPPORTED;
	}
}

int pgp_key_parse(struct pgp_key *out, const uint8_t *body, size_t len)
{
	struct pgp_key k;
	struct reader r;
	uint8_t version, hdr[3];
	struct crypto_hash_ctx *ctx = NULL;
	uint8_t digest[CRYPTO_MAX_DIGEST];
	int r_mat, ret = ML_MALFORMED_OBJECT;

	memset(&k, 0, sizeof(k));
	reader_init(&r, body, len);
	if (reader_get_u8(&r, &version) < 0)
		return ml_fail(ret, "truncated OpenPGP key packet");
	if (version != 4)
		return ML_UNSUPPORTED;
	if (reader_get_u32(&r, &k.created) < 0 || reader_get_u8(&r, &k.algo) < 0)
		return ml_fail(ret, "truncated OpenPGP key packet");
	if ((r_mat = parse_key_material(&k, &r)) == ML_UNSUPPORTED)
		return ML_UNSUPPORTED;
	if (r_mat != 0 || reader_expect_end(&r) < 0 || len > 0xffff)
		return ml_fail(ret, "malformed OpenPGP key packet (algorithm %u)",
		               (unsigned)k.algo);
	hdr[0] = 0x99;
	hdr[1] = (uint8_t)(len >> 8);
	hdr[2] = (uint8_t)len;
	if ((ctx = crypto_hash_new(CRYPTO_SHA1)) == NULL || crypto_hash_update(ctx, hdr, 3) < 0 ||
	    crypto_hash_update(ctx, body, len) < 0 || crypto_hash_final(ctx, digest) < 0) {
		crypto_hash_free(ctx);
		return ml_fail(ML_IO, "cannot compute OpenPGP key fingerprint");
	}
	crypto_hash_free(ctx);
	memcpy(k.fpr, digest, PGP_FPR_LEN);
	memcpy(k.keyid, digest + PGP_FPR_LEN - PGP_KEYID_LEN, PGP_KEYID_LEN);
	k.body = body;
	k.body_len = len;
	*out = k;
	return 0;
}

/* Subpacket types mainline either uses or can safely ignore when critical. */
static int subpacket_understood(uint8_t type)
{
	switch (type) {
	case 2:  /* signature creation time */
	case 3:  /* signature expiration time */
	case 4:  /* exportable certification */
	case 7:  /* revocable */
	case 9:  /* key expiration time */
	case 11: /* preferred symmetric algorithms */
	case 16: /* issuer key ID */
	case 21: /* preferred hash algorithms */
	case 22: /* preferred compression algorithms */
	case 23: /* key server preferences */
	case 24: /* preferred key server */
	case 25: /* primary user ID */
	case 26: /* policy URI */
	case 27: /* key flags */
	case 28: /* signer's user ID */
	case 29: /* reason for revocation */
	case 30: /* features */
	case 32: /* embedded signature */
	case 33: /* issuer fingerprint */
	case 34: /* preferred AEAD algorithms */
		return 1;
	default:
		return 0;
	}
}

static int parse_subpacket(struct pgp_sig *s, uint8_t type, struct reader *v, int hashed)
{
	size_t n = reader_remaining(v);
	const uint8_t *p = reader_peek(v);
	uint8_t flag;

	switch (type) {
	case 2:
		if (!hashed)
			return 0; /* an unhashed creation time is not trusted */
		if (s->has_created || reader_get_u32(v, &s->created) < 0)
			return -1;
		s->has_created = 1;
		break;
	case 3:
		if (!hashed)
			return 0;
		if (reader_get_u32(v, &s->expires) < 0)
			return -1;
		break;
	case 9:
		if (!hashed)
			return 0;
		if (reader_get_u32(v, &s->key_expires) < 0)
			return -1;
		s->has_key_expires = 1;
		break;
	case 16:
		if (reader_copy(v, s->issuer, PGP_KEYID_LEN) < 0)
			return -1;
		s->has_issuer = 1;
		break;
	case 25:
		if (!hashed)
			return 0;
		if (reader_get_u8(v, &flag) < 0)
			return -1;
		s->primary_uid = flag != 0;
		break;
	case 27:
		if (!hashed)
			return 0;
		if (n == 0)
			return -1;
		s->key_flags = p[0];
		s->has_key_flags = 1;
		return 0;
	case 32:
		s->embedded = p;
		s->embedded_len = n;
		return 0;
	case 33:
		if (reader_get_u8(v, &s->issuer_fpr_version) < 0)
			return -1;
		if (s->issuer_fpr_version == 4) {
			if (reader_copy(v, s->issuer_fpr, PGP_FPR_LEN) < 0)
				return -1;
			s->has_issuer_fpr = 1;
		} else {
			return 0; /* other key versions never match a v4 key */
		}
		break;
	default:
		return 0;
	}
	return reader_expect_end(v);
}

static int parse_subpackets(struct pgp_sig *s, struct reader *area, int hashed)
{
	while (reader_remaining(area) > 0) {
		struct reader v;
		uint8_t o1, o2, type;
		uint32_t len;

		if (reader_get_u8(area, &o1) < 0)
			return -1;
		if (o1 < 192) {
			len = o1;
		} else if (o1 < 255) {
			if (reader_get_u8(area, &o2) < 0)
				return -1;
			len = ((uint32_t)(o1 - 192) << 8) + o2 + 192;
		} else if (reader_get_u32(area, &len) < 0) {
			return -1;
		}
		if (len == 0 || reader_get_sub_n(area, len, &v) < 0 || reader_get_u8(&v, &type) < 0)
			return -1;
		if ((type & 0x80) && !subpacket_understood(type & 0x7f))
			s->unknown_critical = 1;
		if (parse_subpacket(s, type & 0x7f, &v, hashed) < 0)
			return -1;
	}
	return 0;
}

int pgp_sig_parse(struct pgp_sig *out, const uint8_t *body, size_t len)
{
	struct pgp_sig s;
	struct reader r, area;
	uint16_t n;
	int i;

	memset(&s, 0, sizeof(s));
	reader_init(&r, body, len);
	if (reader_get_u8(&r, &s.version) < 0)
		return ml_fail(ML_MALFORMED_OBJECT, "truncated OpenPGP signature packet");
	if (s.version != 4)
		return ML_UNSUPPORTED;
	if (reader_get_u8(&r, &s.type) < 0 || reader_get_u8(&r, &s.pk_algo) < 0 ||
	    reader_get_u8(&r, &s.hash_algo) < 0 || reader_get_u16(&r, &n) < 0 ||
	    reader_get_sub_n(&r, n, &area) < 0)
		return ml_fail(ML_MALFORMED_OBJECT, "truncated OpenPGP signature packet");
	s.hashed = body;
	s.hashed_len = r.off;
	if (parse_subpackets(&s, &area, 1) < 0)
		return ml_fail(ML_MALFORMED_OBJECT,
		               "malformed hashed subpacket in OpenPGP signature");
	if (reader_get_u16(&r, &n) < 0 || reader_get_sub_n(&r, n, &area) < 0)
		return ml_fail(ML_MALFORMED_OBJECT, "truncated OpenPGP signature packet");
	if (parse_subpackets(&s, &area, 0) < 0)
		return ml_fail(ML_MALFORMED_OBJECT,
		               "malformed unhashed subpacket in OpenPGP signature");
	if (reader_copy(&r, s.left16, 2) < 0)
		return ml_fail(ML_MALFORMED_OBJECT, "truncated OpenPGP signature packet");
	switch (s.pk_algo) {
	case PGP_PK_RSA:
	case PGP_PK_RSA_SIGN:
		s.n_mpi = 1;
		break;
	case PGP_PK_DSA:
	case PGP_PK_ECDSA:
	case PGP_PK_EDDSA:
		s.n_mpi = 2;
		break;
	default:
		return ML_UNSUPPORTED;
	}
	for (i = 0; i < s.n_mpi; i++)
		if (get_mpi(&r, &s.mpi[i], &s.mpi_len[i]) < 0)
			return ml_fail(ML_MALFORMED_OBJECT, "malformed OpenPGP signature value");
	if (reader_expect_end(&r) < 0)
		return ml_fail(ML_MALFORMED_OBJECT, "trailing data in OpenPGP signature packet");
	*out = s;
	return 0;
}

int pgp_sig_peek(const uint8_t *body, size_t len, uint8_t *version, uint8_t *type)
{
	if (len < 3)
		return -1;
	*version = body[0];
	*type = body[0] == 2 || body[0] == 3 ? body[2] : body[1];
	return 0;
}

int pgp_hash_from_id(uint8_t id, enum crypto_hash *out)
{
	switch (id) {
	case PGP_HASH_SHA1:
		*out = CRYPTO_SHA1;
		return 0;
	case PGP_HASH_SHA224:
		*out = CRYPTO_SHA224;
		return 0;
	case PGP_HASH_SHA256:
		*out = CRYPTO_SHA256;
		return 0;
	case PGP_HASH_SHA384:
		*out = CRYPTO_SHA384;
		return 0;
	case PGP_HASH_SHA512:
		*out = CRYPTO_SHA512;
		return 0;
	default:
		return -1;
	}
}

const char *pgp_hash_name(uint8_t id)
{
	switch (id) {
	case PGP_HASH_MD5:
		return "MD5";
	case PGP_HASH_SHA1:
		return "SHA-1";
	case PGP_HASH_RIPEMD160:
		return "RIPEMD-160";
	case PGP_HASH_SHA224:
		return "SHA-224";
	case PGP_HASH_SHA256:
		return "SHA-256";
	case PGP_HASH_SHA384:
		return "SHA-384";
	case PGP_HASH_SHA512:
		return "SHA-512";
	default:
		return "unknown";
	}
}
