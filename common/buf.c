#include "common/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void buf_release(struct buf *b)
{
	if (b == NULL)
		return;
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static int ensure(struct buf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	if (extra > b->max - b->len || extra > SIZE_MAX - b->len - 1)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap != 0 ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->data, cap);
	if (p == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	b->data[b->len] = '\0'; /* an empty buffer's first allocation is a string too */
	return 0;
}

int buf_reserve(struct buf *b, size_t n)
{
	size_t room = b->max - b->len;

	return ensure(b, n < room ? n : room);
}

int buf_append(struct buf *b, const void *data, size_t len)
{
	if (ensure(b, len) < 0)
		return -1;
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int buf_append_u32(struct buf *b, uint32_t v)
{
	const uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
	                       (uint8_t)v};

	return buf_append(b, be, sizeof(be));
}

int buf_append_string(struct buf *b, const void *data, size_t len)
{
	/* all or nothing: no length without its bytes */
	if (len > UINT32_MAX || len > SIZE_MAX - 4 || ensure(b, 4 + len) < 0 ||
	    buf_append_u32(b, (uint32_t)len) < 0)
		return -1;
	return buf_append(b, data, len);
}

int buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || ensure(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *buf_cstr(const struct buf *b)
{
	return b->data != NULL ? (const char *)b->data : "";
}

char *buf_detach(struct buf *b, size_t *out_len)
{
	char *p;

	if (b->data == NULL && ensure(b, 0) < 0)
		return NULL;
	p = (char *)b->data;
	if (out_len != NULL)
		*out_len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return p;
}

int buf_read_file(struct buf *b, const char *path)
{
	uint8_t chunk[65536];
	ssize_t n;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (buf_append(b, chunk, (size_t)n) < 0) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
	}
	saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return -1;
	}
	if (b->data == NULL && ensure(b, 0) < 0)
		return -1;
	return 0;
}
