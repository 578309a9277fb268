/* The growing buffer with a mandatory maximum. */
#include "unit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/buf.h"

static void test_buf_maximum(void **state)
{
	struct buf b;

	buf_init(&b, 4);
	assert_int_equal(buf_append(&b, "abcd", 4), 0);
	assert_int_equal(buf_append(&b, "e", 1), -1);
	assert_string_equal(buf_cstr(&b), "abcd");
	buf_release(&b);
}

static void test_reserve(void **state)
{
	struct buf b;
	const uint8_t *before;
	size_t i;

	buf_init(&b, 100);
	assert_int_equal(buf_append(&b, "ab", 2), 0);
	assert_int_equal(buf_reserve(&b, 60), 0);
	before = b.data;
	for (i = 0; i < 60; i++)
		assert_int_equal(buf_append(&b, "x", 1), 0);
	assert_ptr_equal(b.data, before); /* the room was there: no reallocation */
	assert_int_equal(b.len, 62);
	/* room past the maximum is not made, and appends past it still fail */
	assert_int_equal(buf_reserve(&b, 1000), 0);
	assert_true(b.cap <= 101);
	assert_int_equal(buf_append(&b, "0123456789012345678901234567890123456789", 38), 0);
	assert_int_equal(buf_append(&b, "y", 1), -1);
	assert_int_equal(b.len, 100);
	assert_int_equal(b.data[100], '\0');
	buf_release(&b);
}

static void test_printf_detach_and_file(void **state)
{
	char path[] = "/tmp/mainline-test-buf-XXXXXX";
	struct buf b;
	size_t len;
	char *s;
	int fd;

	buf_init(&b, 16);
	assert_int_equal(buf_printf(&b, "%s-%d", "ab", 12), 0);
	assert_string_equal(buf_cstr(&b), "ab-12");
	assert_int_equal(buf_printf(&b, "%s", "0123456789abcdef"), -1);
	assert_string_equal(buf_cstr(&b), "ab-12"); /* a refused append leaves the content */
	s = buf_detach(&b, &len);
	assert_string_equal(s, "ab-12");
	assert_int_equal(len, 5);
	assert_int_equal(b.len, 0);
	free(s);
	buf_release(&b);

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789", 10), 10);
	close(fd);
	buf_init(&b, 10);
	assert_int_equal(buf_read_file(&b, path), 0);
	assert_string_equal(buf_cstr(&b), "0123456789");
	buf_release(&b);
	buf_init(&b, 9);
	assert_int_equal(buf_read_file(&b, path), -1);
	assert_int_equal(errno, EFBIG);
	buf_release(&b);
	/* an empty file reads as the empty string, and detaches as one */
	assert_int_equal(truncate(path, 0), 0);
	buf_init(&b, 10);
	assert_int_equal(buf_read_file(&b, path), 0);
	assert_int_equal(b.len, 0);
	assert_non_null(b.data);
	assert_int_equal(b.data[0], '\0');
	buf_release(&b);
	buf_init(&b, 10);
	s = buf_detach(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	unlink(path);
}

static void test_wire_encodings(void **state)
{
	static const uint8_t want[] = {0, 0, 1, 2, 0, 0, 0, 2, 'h', 'i'};
	struct buf b;

	buf_init(&b, sizeof(want));
	assert_int_equal(buf_append_u32(&b, 0x102), 0);
	assert_int_equal(buf_append_string(&b, "hi", 2), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));
	assert_int_equal(buf_append_string(&b, "", 0), -1); /* the maximum holds */
	assert_int_equal(b.len, sizeof(want));
	buf_release(&b);
	buf_init(&b, 5);
	assert_int_equal(buf_append_string(&b, "hi", 2), -1); /* no length without its bytes */
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buf_maximum),
	    cmocka_unit_test(test_reserve),
	    cmocka_unit_test(test_printf_detach_and_file),
	    cmocka_unit_test(test_wire_encodings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
