/*
 * Demultiplexer for the Docker attach/logs stream of a container without a
 * TTY: frames of an 8-byte header (stream type, three zero bytes, u32
 * big-endian length) followed by that many payload bytes. The parser is
 * incremental (any chunk boundary) and holds no payload: bytes are handed to
 * the sink as they arrive, so memory stays constant whatever the log size.
 */
#ifndef MAINLINE_STREAM_H
#define MAINLINE_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define STREAM_STDOUT 1
#define STREAM_STDERR 2

/* Receives payload bytes of one stream (STREAM_STDOUT or STREAM_STDERR). 0 or a reason code. */
typedef int (*stream_sink_fn)(void *ctx, int stream, const uint8_t *data, size_t len);

struct stream_demux {
	stream_sink_fn sink;
	void *ctx;
	uint8_t header[8];
	size_t header_len;  /* bytes of the current header seen so far */
	int stream;         /* stream of the current frame */
	uint32_t remaining; /* payload bytes still due in the current frame */
	int failed;
};

void stream_demux_init(struct stream_demux *d, stream_sink_fn sink, void *ctx);

/*
 * Feeds the next len bytes of the stream. Stream type 0 (stdin echo) is
 * delivered as stdout; any other type, or non-zero padding bytes, fail with
 * ML_ENGINE_ERROR. A sink error is returned as is. Once failed, every
 * further call fails.
 */
int stream_demux_feed(struct stream_demux *d, const uint8_t *data, size_t len);

/* Checks the stream ended on a frame boundary. 0 or ML_ENGINE_ERROR. */
int stream_demux_finish(const struct stream_demux *d);

#endif
