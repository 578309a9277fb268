#include "common/encoding.h"

#include <string.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#define B64_PAD 64   /* '=' */
#define B64_BREAK 65 /* CR or LF, skipped */

/* The value of each byte: its digit (0-63), B64_PAD, B64_BREAK, or -1 outside the alphabet. */
static const int8_t base64_values[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 65, -1, -1, 65, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, -1, -1, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, 64, -1, -1, -1, 0,  1,  2,  3,  4,  5,  6,
    7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, -1,
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48,
    49, 50, 51, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

int base64_decode(const char *in, size_t len, struct buf *out)
{
	uint8_t bytes[192]; /* decoded bytes not yet appended to out */
	uint32_t acc = 0;
	size_t i, pad = 0, held = 0;
	int n = 0;

	for (i = 0; i < len; i++) {
		int v;

		/* a whole group of four digits at once, as the loop below would take it */
		if (n == 0 && len - i >= 4) {
			uint8_t a = (uint8_t)base64_values[(unsigned char)in[i]],
			        b = (uint8_t)base64_values[(unsigned char)in[i + 1]],
			        c = (uint8_t)base64_values[(unsigned char)in[i + 2]],
			        d = (uint8_t)base64_values[(unsigned char)in[i + 3]];

			if ((a | b | c | d) < 64) {
				bytes[held] = (uint8_t)(a << 2 | b >> 4);
				bytes[held + 1] = (uint8_t)(b << 4 | c >> 2);
				bytes[held + 2] = (uint8_t)(c << 6 | d);
				held += 3;
				i += 3;
				if (held == sizeof(bytes)) {
					if (buf_append(out, bytes, held) < 0)
						return -1;
					held = 0;
				}
				continue;
			}
		}
		v = base64_values[(unsigned char)in[i]];
		if (v == B64_BREAK)
			continue;
		if (v == B64_PAD) {
			if (n < 2 || ++pad > 2)
				return -1;
			n++;
			acc <<= 6;
		} else {
			if (pad > 0 || v < 0)
				return -1;
			acc = acc << 6 | (uint32_t)v;
			n++;
		}
		if (n == 4) {
			/* the padding bits of the last group must be zero */
			if ((pad == 1 && (acc & 0xFF) != 0) || (pad == 2 && (acc & 0xFFFF) != 0))
				return -1;
			bytes[held] = (uint8_t)(acc >> 16);
			bytes[held + 1] = (uint8_t)(acc >> 8);
			bytes[held + 2] = (uint8_t)acc;
			held += 3 - pad;
			n = 0;
			acc = 0;
			if (pad > 0)
				break;
			if (held == sizeof(bytes)) {
				if (buf_append(out, bytes, held) < 0)
					return -1;
				held = 0;
			}
		}
	}
	if (n != 0)
		return -1;
	/* nothing but line breaks may follow the padding */
	for (i++; i < len; i++)
		if (base64_values[(unsigned char)in[i]] != B64_BREAK)
			return -1;
	return buf_append(out, bytes, held);
}

int base64_is_text(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int v = base64_values[(unsigned char)s[i]];

		if (v < 0 || v > B64_PAD)
			return 0;
	}
	return 1;
}

int base64_encode(const void *data, size_t len, struct buf *out)
{
	const uint8_t *p = data;
	char q[4];
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		q[0] = alphabet[p[i] >> 2];
		q[1] = alphabet[(p[i] & 3) << 4 | p[i + 1] >> 4];
		q[2] = alphabet[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		q[3] = alphabet[p[i + 2] & 63];
		if (buf_append(out, q, 4) < 0)
			return -1;
	}
	if (len - i == 1) {
		q[0] = alphabet[p[i] >> 2];
		q[1] = alphabet[(p[i] & 3) << 4];
		q[2] = q[3] = '=';
		return buf_append(out, q, 4);
	}
	if (len - i == 2) {
		q[0] = alphabet[p[i] >> 2];
		q[1] = alphabet[(p[i] & 3) << 4 | p[i + 1] >> 4];
		q[2] = alphabet[(p[i + 1] & 15) << 2];
		q[3] = '=';
		return buf_append(out, q, 4);
	}
	return 0;
}

void hex_encode(const uint8_t *data, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
}

/*
 * Each byte's hex digit value plus one (0: no digit), and whether it is a
 * lower-case digit: one lookup a byte where a chain's walk checks and decodes
 * thousands of object ids, instead of comparisons whose outcome the digits'
 * mix of numbers and letters keeps changing.
 */
#define HEX_LOWER_DIGITS                                                                           \
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,    \
	['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,         \
	['f'] = 16
static const uint8_t hex_lower_plus1[256] = {HEX_LOWER_DIGITS};
static const uint8_t hex_any_plus1[256] = {
    HEX_LOWER_DIGITS, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16};

static int nibble(char c)
{
	return (int)hex_any_plus1[(unsigned char)c] - 1;
}

int hex_is_lower(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (hex_lower_plus1[(unsigned char)s[i]] == 0)
			return 0;
	return 1;
}

int hex_is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (nibble(s[i]) < 0)
			return 0;
	return 1;
}

int hex_decode(const char *in, uint8_t *out, size_t len)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if ((hi = nibble(in[2 * i])) < 0 || (lo = nibble(in[2 * i + 1])) < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

size_t utf8_char_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

int utf8_is_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;

	while (i < n) {
		if ((len = utf8_char_len(p + i, n - i)) == 0)
			return 0;
		i += len;
	}
	return 1;
}
