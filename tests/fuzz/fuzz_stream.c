/* The attach stream demultiplexer on arbitrary bytes, fed in uneven chunks. */
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "docker/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int sink(void *ctx, int stream, const uint8_t *data, size_t len)
{
	size_t *total = ctx;

	if (stream != STREAM_STDOUT && stream != STREAM_STDERR)
		__builtin_trap();
	*total += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream_demux d;
	size_t off = 0, step, total = 0;

	ml_error_clear();
	stream_demux_init(&d, sink, &total);
	/* the first byte picks the chunk size so boundaries move around */
	step = size > 0 ? (size_t)data[0] % 13 + 1 : 1;
	while (off < size) {
		size_t n = size - off < step ? size - off : step;

		if (stream_demux_feed(&d, data + off, n) != 0)
			break;
		off += n;
	}
	(void)stream_demux_finish(&d);
	if (total > size)
		__builtin_trap();
	return 0;
}
