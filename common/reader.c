#include "common/reader.h"

#include <string.h>

void reader_init(struct reader *r, const void *data, size_t len)
{
	r->data = data;
	r->len = data != NULL ? len : 0;
	r->off = 0;
}

size_t reader_remaining(const struct reader *r)
{
	return r->len - r->off;
}

const uint8_t *reader_peek(const struct reader *r)
{
	return r->data + r->off;
}

int reader_get_bytes(struct reader *r, size_t n, const uint8_t **out)
{
	if (n > r->len - r->off)
		return -1;
	*out = r->data + r->off;
	r->off += n;
	return 0;
}

int reader_copy(struct reader *r, void *out, size_t n)
{
	const uint8_t *p;

	if (reader_get_bytes(r, n, &p) < 0)
		return -1;
	if (n > 0)
		memcpy(out, p, n);
	return 0;
}

int reader_skip(struct reader *r, size_t n)
{
	const uint8_t *p;

	return reader_get_bytes(r, n, &p);
}

int reader_get_u8(struct reader *r, uint8_t *out)
{
	const uint8_t *p;

	if (reader_get_bytes(r, 1, &p) < 0)
		return -1;
	*out = p[0];
	return 0;
}

int reader_get_u16(struct reader *r, uint16_t *out)
{
	const uint8_t *p;

	if (reader_get_bytes(r, 2, &p) < 0)
		return -1;
	*out = (uint16_t)((uint16_t)p[0] << 8 | p[1]);
	return 0;
}

int reader_get_u32(struct reader *r, uint32_t *out)
{
	const uint8_t *p;

	if (reader_get_bytes(r, 4, &p) < 0)
		return -1;
	*out = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return 0;
}

int reader_get_u64(struct reader *r, uint64_t *out)
{
	const uint8_t *p;
	uint64_t v = 0;
	size_t i;

	if (reader_get_bytes(r, 8, &p) < 0)
		return -1;
	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	*out = v;
	return 0;
}

int reader_get_string(struct reader *r, const uint8_t **out, size_t *out_len)
{
	size_t start = r->off;
	uint32_t n;

	if (reader_get_u32(r, &n) < 0)
		return -1;
	if (reader_get_bytes(r, n, out) < 0) {
		r->off = start;
		return -1;
	}
	*out_len = n;
	return 0;
}

int reader_get_sub(struct reader *r, struct reader *out)
{
	const uint8_t *p;
	size_t n;

	if (reader_get_string(r, &p, &n) < 0)
		return -1;
	reader_init(out, p, n);
	return 0;
}

int reader_get_sub_n(struct reader *r, size_t n, struct reader *out)
{
	const uint8_t *p;

	if (reader_get_bytes(r, n, &p) < 0)
		return -1;
	reader_init(out, p, n);
	return 0;
}

int reader_expect_cstring(struct reader *r, const char *expected)
{
	size_t start = r->off, n, want = strlen(expected);
	const uint8_t *p;

	if (reader_get_string(r, &p, &n) < 0)
		return -1;
	if (n != want || memcmp(p, expected, n) != 0) {
		r->off = start;
		return -1;
	}
	return 0;
}

int reader_expect_end(const struct reader *r)
{
	return r->off == r->len ? 0 : -1;
}
