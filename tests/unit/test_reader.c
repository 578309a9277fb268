/* Bounded reader: every getter checks length first and consumes nothing on failure. */
#include "unit.h"

#include "common/reader.h"

static void test_integers(void **state)
{
	const uint8_t in[] = {1, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 4};
	struct reader r;
	uint8_t a;
	uint16_t b;
	uint32_t c;
	uint64_t d;

	reader_init(&r, in, sizeof(in));
	assert_int_equal(reader_get_u8(&r, &a), 0);
	assert_int_equal(reader_get_u16(&r, &b), 0);
	assert_int_equal(reader_get_u32(&r, &c), 0);
	assert_int_equal(reader_get_u64(&r, &d), 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 2);
	assert_int_equal(c, 3);
	assert_int_equal(d, 4);
	assert_int_equal(reader_expect_end(&r), 0);
	assert_int_equal(reader_get_u8(&r, &a), -1);
}

static void test_short_input_consumes_nothing(void **state)
{
	const uint8_t in[] = {0, 0, 0, 9, 'a', 'b'};
	const uint8_t *p;
	struct reader r;
	uint32_t v;
	size_t n;

	reader_init(&r, in, sizeof(in));
	assert_int_equal(reader_get_string(&r, &p, &n), -1);
	assert_int_equal(r.off, 0);
	reader_init(&r, in, 3);
	assert_int_equal(reader_get_u32(&r, &v), -1);
	assert_int_equal(r.off, 0);
	assert_int_equal(reader_skip(&r, 4), -1);
	assert_int_equal(reader_expect_end(&r), -1);
}

static void test_huge_length_does_not_wrap(void **state)
{
	const uint8_t in[] = {0xff, 0xff, 0xff, 0xff, 'x'};
	const uint8_t *p;
	struct reader r;
	size_t n;

	reader_init(&r, in, sizeof(in));
	assert_int_equal(reader_get_string(&r, &p, &n), -1);
	assert_int_equal(reader_skip(&r, SIZE_MAX), -1);
	assert_int_equal(r.off, 0);
}

static void test_strings_and_subs(void **state)
{
	const uint8_t in[] = {0, 0, 0, 3, 'g', 'i', 't', 0, 0, 0, 2, 7, 8};
	struct reader r, sub;
	uint8_t a, b;

	reader_init(&r, in, sizeof(in));
	assert_int_equal(reader_expect_cstring(&r, "gix"), -1);
	assert_int_equal(r.off, 0);
	assert_int_equal(reader_expect_cstring(&r, "gi"), -1);
	assert_int_equal(reader_expect_cstring(&r, "git"), 0);
	assert_int_equal(reader_get_sub(&r, &sub), 0);
	assert_int_equal(reader_get_u8(&sub, &a), 0);
	assert_int_equal(reader_get_u8(&sub, &b), 0);
	assert_int_equal(a * 10 + b, 78);
	assert_int_equal(reader_expect_end(&sub), 0);
	assert_int_equal(reader_expect_end(&r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_integers),
	    cmocka_unit_test(test_short_input_consumes_nothing),
	    cmocka_unit_test(test_huge_length_does_not_wrap),
	    cmocka_unit_test(test_strings_and_subs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
