/* Strict base64 and hex. */
#include "unit.h"
#include <string.h>

#include "common/encoding.h"

static int decode(const char *in, struct buf *out)
{
	buf_reset(out);
	return base64_decode(in, strlen(in), out);
}

static void test_base64_valid(void **state)
{
	struct buf b;

	buf_init(&b, 1024);
	assert_int_equal(decode("aGVsbG8=", &b), 0);
	assert_string_equal(buf_cstr(&b), "hello");
	assert_int_equal(decode("aGVs\nbG8h\r\n", &b), 0);
	assert_string_equal(buf_cstr(&b), "hello!");
	assert_int_equal(decode("aGk=", &b), 0);
	assert_string_equal(buf_cstr(&b), "hi");
	assert_int_equal(decode("aA==", &b), 0);
	assert_string_equal(buf_cstr(&b), "h");
	buf_release(&b);
}

static void test_base64_refused(void **state)
{
	static const char *const bad[] = {
	    "aGVsbG8",    /* missing padding */
	    "aGVsbG8==",  /* too much padding */
	    "aGV sbG8=",  /* space */
	    "aGVsbG8=aA", /* data after padding */
	    "aGVsbG9=",   /* non-zero padding bits */
	    "aB==",       /* non-zero padding bits */
	    "a===",       /* padding too early */
	    "aGVs*G8=",   /* outside the alphabet */
	};
	struct buf b;
	size_t i;

	buf_init(&b, 1024);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(decode(bad[i], &b), -1);
	buf_release(&b);
}

static void test_base64_roundtrip(void **state)
{
	uint8_t data[256];
	struct buf enc, dec;
	size_t n;

	for (n = 0; n < sizeof(data); n++)
		data[n] = (uint8_t)(n * 7 + 3);
	for (n = 0; n < 10; n++) {
		buf_init(&enc, 4096);
		buf_init(&dec, 4096);
		assert_int_equal(base64_encode(data, n * 25, &enc), 0);
		assert_int_equal(base64_decode((const char *)enc.data, enc.len, &dec), 0);
		assert_int_equal(dec.len, n * 25);
		if (n > 0)
			assert_memory_equal(dec.data, data, n * 25);
		buf_release(&enc);
		buf_release(&dec);
	}
}

/* Long input, line breaks every k characters (groups of four split anywhere), damage anywhere. */
static void test_base64_long_input(void **state)
{
	uint8_t data[700];
	struct buf enc, wrapped, dec;
	size_t n, k, i;

	for (n = 0; n < sizeof(data); n++)
		data[n] = (uint8_t)(n * 13 + 5);
	buf_init(&enc, 4096);
	buf_init(&wrapped, 8192);
	buf_init(&dec, 4096);
	for (n = sizeof(data) - 2; n <= sizeof(data); n++) {
		buf_reset(&enc);
		assert_int_equal(base64_encode(data, n, &enc), 0);
		for (k = 1; k <= 9; k++) {
			buf_reset(&wrapped);
			for (i = 0; i < enc.len; i++) {
				assert_int_equal(buf_append(&wrapped, enc.data + i, 1), 0);
				if (i % k == k - 1)
					assert_int_equal(buf_append(&wrapped, k % 2 ? "\n" : "\r\n",
					                            k % 2 ? 1 : 2),
					                 0);
			}
			buf_reset(&dec);
			assert_int_equal(
			    base64_decode((const char *)wrapped.data, wrapped.len, &dec), 0);
			assert_int_equal(dec.len, n);
			assert_memory_equal(dec.data, data, n);
		}
		/* one character outside the alphabet, or a '=' before the last group, anywhere */
		for (i = 0; i + 4 < enc.len; i += 7) {
			uint8_t keep = enc.data[i];

			enc.data[i] = (uint8_t)(i % 2 ? '*' : '=');
			buf_reset(&dec);
			assert_int_equal(base64_decode((const char *)enc.data, enc.len, &dec), -1);
			enc.data[i] = keep;
		}
	}
	buf_release(&enc);
	buf_release(&wrapped);
	buf_release(&dec);
}

static void test_hex(void **state)
{
	const uint8_t in[] = {0x00, 0xab, 0xff};
	uint8_t out[3];
	char s[7];

	hex_encode(in, 3, s);
	assert_string_equal(s, "00abff");
	assert_int_equal(hex_decode("00ABff", out, 3), 0);
	assert_memory_equal(out, in, 3);
	assert_int_equal(hex_decode("00ag00", out, 3), -1);
}

static void test_hex_checks(void **state)
{
	assert_true(hex_is_lower("0123456789abcdef", 16));
	assert_false(hex_is_lower("0123456789abcdeF", 16));
	assert_false(hex_is_lower("abc", 4)); /* the NUL is no digit: nothing read past it */
	assert_true(hex_is_lower("abcx", 3));
	assert_true(hex_is_lower("", 0));
	assert_true(hex_is_digits("0123456789abcdefABCDEF", 22));
	assert_false(hex_is_digits("12g4", 4));
	assert_false(hex_is_digits("12 4", 4));
	assert_false(hex_is_digits("ab", 3));
}

/* Every byte value, against the definition: 0-9 and a-f, and for hex_decode also A-F. */
static void test_hex_every_byte(void **state)
{
	uint8_t out;
	char pair[2];
	int c;

	(void)state;
	for (c = 0; c < 256; c++) {
		int lower = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
		int upper = c >= 'A' && c <= 'F';
		int value = c <= '9' ? c - '0' : lower ? c - 'a' + 10 : c - 'A' + 10;

		pair[0] = (char)c;
		pair[1] = '7';
		assert_int_equal(hex_is_lower(pair, 1), lower);
		assert_int_equal(hex_is_digits(pair, 1), lower || upper);
		assert_int_equal(hex_decode(pair, &out, 1), lower || upper ? 0 : -1);
		if (lower || upper)
			assert_int_equal(out, value << 4 | 7);
		pair[0] = '7';
		pair[1] = (char)c;
		assert_int_equal(hex_decode(pair, &out, 1), lower || upper ? 0 : -1);
		if (lower || upper)
			assert_int_equal(out, 7 << 4 | value);
	}
}

static void test_utf8(void **state)
{
	static const struct {
		const char *s;
		int valid;
	} cases[] = {
	    {"", 1},
	    {"plain ascii", 1},
	    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91", 1}, /* 2, 3 and 4 bytes */
	    {"\xf4\x8f\xbf\xbf", 1},                          /* U+10FFFF */
	    {"\xff", 0},
	    {"\x80", 0},             /* a continuation byte alone */
	    {"\xc0\xaf", 0},         /* overlong '/' */
	    {"\xe0\x80\xaf", 0},     /* overlong, three bytes */
	    {"\xed\xa0\x80", 0},     /* a surrogate */
	    {"\xf4\x90\x80\x80", 0}, /* past U+10FFFF */
	    {"\xe2\x82", 0},         /* cut short */
	    {"\xc3(", 0},            /* a continuation missing */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(utf8_is_valid(cases[i].s, strlen(cases[i].s)), cases[i].valid);
	assert_int_equal(utf8_char_len((const unsigned char *)"\xe2\x82\xac", 3), 3);
	assert_int_equal(utf8_char_len((const unsigned char *)"\xe2\x82\xac", 2), 0);
	assert_true(utf8_is_valid("a\0b", 3)); /* a NUL is ASCII: callers refuse it themselves */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64_valid),
	    cmocka_unit_test(test_base64_refused),
	    cmocka_unit_test(test_base64_roundtrip),
	    cmocka_unit_test(test_base64_long_input),
	    cmocka_unit_test(test_hex),
	    cmocka_unit_test(test_hex_checks),
	    cmocka_unit_test(test_hex_every_byte),
	    cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
