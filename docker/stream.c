#include "docker/stream.h"

#include <string.h>

#include "common/error.h"
#include "common/reader.h"

void stream_demux_init(struct stream_demux *d, stream_sink_fn sink, void *ctx)
{
	memset(d, 0, sizeof(*d));
	d->sink = sink;
	d->ctx = ctx;
}

static int parse_header(struct stream_demux *d)
{
	struct reader r;
	uint8_t type, pad;
	uint32_t len;
	int i;

	reader_init(&r, d->header, sizeof(d->header));
	if (reader_get_u8(&r, &type) < 0)
		return -1;
	for (i = 0; i < 3; i++) {
		if (reader_get_u8(&r, &pad) < 0 || pad != 0)
			return -1;
	}
	if (reader_get_u32(&r, &len) < 0 || reader_expect_end(&r) < 0)
		return -1;
	switch (type) {
	case 0:
	case STREAM_STDOUT:
		d->stream = STREAM_STDOUT;
		break;
	case STREAM_STDERR:
		d->stream = STREAM_STDERR;
		break;
	default:
		return -1;
	}
	d->remaining = len;
	d->header_len = 0;
	return 0;
}

int stream_demux_feed(struct stream_demux *d, const uint8_t *data, size_t len)
{
	size_t off = 0, n, want;
	int r;

	if (d->failed)
		return ML_ENGINE_ERROR;
	while (off < len) {
		if (d->remaining == 0) {
			want = sizeof(d->header) - d->header_len;
			n = len - off < want ? len - off : want;
			memcpy(d->header + d->header_len, data + off, n);
			d->header_len += n;
			off += n;
			if (d->header_len < sizeof(d->header))
				break;
			if (parse_header(d) < 0) {
				d->failed = 1;
				return ml_fail(
				    ML_ENGINE_ERROR,
				    "invalid frame header in the container output stream");
			}
			continue;
		}
		n = len - off < d->remaining ? len - off : d->remaining;
		if ((r = d->sink(d->ctx, d->stream, data + off, n)) != 0) {
			d->failed = 1;
			return r;
		}
		d->remaining -= (uint32_t)n;
		off += n;
	}
	return 0;
}

int stream_demux_finish(const struct stream_demux *d)
{
	if (d->failed)
		return ML_ENGINE_ERROR;
	if (d->header_len != 0 || d->remaining != 0)
		return ml_fail(ML_ENGINE_ERROR, "container output stream ends inside a frame");
	return 0;
}
