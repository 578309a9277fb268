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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64_valid),     cmocka_unit_test(test_base64_refused),
	    cmocka_unit_test(test_base64_roundtrip), cmocka_unit_test(test_hex),
	    cmocka_unit_test(test_hex_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
