/* Stream demultiplexer: any chunk boundary, bad headers, huge lengths. */
#include "unit.h"

#include <string.h>

#include "common/error.h"
#include "common/reason.h"
#include "docker/stream.h"

struct collect {
	char out[256], err[256];
	size_t out_len, err_len;
	int fail_after; /* sink fails once this many calls happened (0: never) */
	int calls;
};

static int sink(void *ctx, int stream, const uint8_t *data, size_t len)
{
	struct collect *c = ctx;
	char *dst = stream == STREAM_STDERR ? c->err : c->out;
	size_t *n = stream == STREAM_STDERR ? &c->err_len : &c->out_len;

	if (c->fail_after != 0 && ++c->calls >= c->fail_after)
		return ML_IO;
	assert_true(*n + len < sizeof(c->out));
	memcpy(dst + *n, data, len);
	*n += len;
	return 0;
}

static const uint8_t sample[] = {
    1, 0, 0, 0, 0, 0, 0, 6, 'h', 'e', 'l',  'l',  'o', '\n', /* stdout */
    2, 0, 0, 0, 0, 0, 0, 4, 'e', 'r', 'r',  '\n',            /* stderr */
    0, 0, 0, 0, 0, 0, 0, 0,                                  /* empty stdin frame */
    0, 0, 0, 0, 0, 0, 0, 3, 'i', 'n', '\n',                  /* stdin echo: stdout */
};

static void test_every_split(void **state)
{
	size_t a, b;

	for (a = 0; a <= sizeof(sample); a++) {
		for (b = a; b <= sizeof(sample); b++) {
			struct stream_demux d;
			struct collect c;

			memset(&c, 0, sizeof(c));
			stream_demux_init(&d, sink, &c);
			assert_int_equal(stream_demux_feed(&d, sample, a), 0);
			assert_int_equal(stream_demux_feed(&d, sample + a, b - a), 0);
			assert_int_equal(stream_demux_feed(&d, sample + b, sizeof(sample) - b), 0);
			assert_int_equal(stream_demux_finish(&d), 0);
			assert_int_equal(c.out_len, 9);
			assert_memory_equal(c.out, "hello\nin\n", 9);
			assert_int_equal(c.err_len, 4);
			assert_memory_equal(c.err, "err\n", 4);
		}
	}
}

static void test_byte_by_byte(void **state)
{
	struct stream_demux d;
	struct collect c;
	size_t i;

	memset(&c, 0, sizeof(c));
	stream_demux_init(&d, sink, &c);
	for (i = 0; i < sizeof(sample); i++)
		assert_int_equal(stream_demux_feed(&d, sample + i, 1), 0);
	assert_int_equal(stream_demux_finish(&d), 0);
	assert_int_equal(c.out_len, 9);
}

static void test_bad_headers(void **state)
{
	static const uint8_t bad[][8] = {
	    {3, 0, 0, 0, 0, 0, 0, 1},    /* unknown stream */
	    {0xff, 0, 0, 0, 0, 0, 0, 1}, /* unknown stream */
	    {1, 1, 0, 0, 0, 0, 0, 1},    /* padding not zero */
	    {1, 0, 0, 9, 0, 0, 0, 1},    /* padding not zero */
	    {'H', 'T', 'T', 'P', '/', '1', '.', '1'},
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct stream_demux d;
		struct collect c;

		memset(&c, 0, sizeof(c));
		ml_error_clear();
		stream_demux_init(&d, sink, &c);
		assert_int_equal(stream_demux_feed(&d, bad[i], 8), ML_ENGINE_ERROR);
		assert_int_equal(ml_error_reason(), ML_ENGINE_ERROR);
		/* once failed, it stays failed */
		assert_int_equal(stream_demux_feed(&d, sample, sizeof(sample)), ML_ENGINE_ERROR);
		assert_int_equal(stream_demux_finish(&d), ML_ENGINE_ERROR);
		assert_int_equal(c.out_len + c.err_len, 0);
	}
}

static void test_huge_length_streams_without_buffering(void **state)
{
	static const uint8_t head[] = {1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff};
	uint8_t chunk[100];
	struct stream_demux d;
	struct collect c;

	memset(&c, 0, sizeof(c));
	memset(chunk, 'x', sizeof(chunk));
	stream_demux_init(&d, sink, &c);
	assert_int_equal(stream_demux_feed(&d, head, sizeof(head)), 0);
	assert_int_equal(d.remaining, 0xffffffffu);
	assert_int_equal(stream_demux_feed(&d, chunk, 50), 0);
	assert_int_equal(c.out_len, 50);
	assert_int_equal(d.remaining, 0xffffffffu - 50);
	/* the stream ending inside the frame is an error */
	ml_error_clear();
	assert_int_equal(stream_demux_finish(&d), ML_ENGINE_ERROR);
}

static void test_truncated_header(void **state)
{
	struct stream_demux d;
	struct collect c;

	memset(&c, 0, sizeof(c));
	stream_demux_init(&d, sink, &c);
	assert_int_equal(stream_demux_feed(&d, sample, 5), 0);
	assert_int_equal(stream_demux_finish(&d), ML_ENGINE_ERROR);
}

static void test_sink_error_is_returned(void **state)
{
	struct stream_demux d;
	struct collect c;

	memset(&c, 0, sizeof(c));
	c.fail_after = 2;
	stream_demux_init(&d, sink, &c);
	assert_int_equal(stream_demux_feed(&d, sample, sizeof(sample)), ML_IO);
	assert_int_equal(stream_demux_feed(&d, sample, 1), ML_ENGINE_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_split),
	    cmocka_unit_test(test_byte_by_byte),
	    cmocka_unit_test(test_bad_headers),
	    cmocka_unit_test(test_huge_length_streams_without_buffering),
	    cmocka_unit_test(test_truncated_header),
	    cmocka_unit_test(test_sink_error_is_returned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
