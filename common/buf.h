/*
 * A growing byte buffer with a mandatory maximum size (curl's dynbuf idea).
 * The content is always NUL-terminated so text can be used directly.
 */
#ifndef MAINLINE_BUF_H
#define MAINLINE_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max; /* appends that would exceed this fail */
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);

/* 0 on success, -1 when the maximum would be exceeded or memory is short. */
int buf_append(struct buf *b, const void *data, size_t len);

/*
 * Room for up to n more bytes now (never past the maximum), so that appends
 * of that much need no reallocation. Only saves work: 0, or -1 when memory is
 * short (appends then grow the buffer, or fail, as without it).
 */
int buf_reserve(struct buf *b, size_t n);
int buf_append_str(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The binary encodings the bounded reader reads (reader.h): a big-endian
 * u32, and an SSH wire string (u32 length, then the bytes). 0 or -1 as
 * buf_append; a refused append leaves b as it was.
 */
int buf_append_u32(struct buf *b, uint32_t v);
int buf_append_string(struct buf *b, const void *data, size_t len);

/* The content as a C string (never NULL). */
const char *buf_cstr(const struct buf *b);

/* Hands the allocation to the caller (NUL-terminated); b is left empty. */
char *buf_detach(struct buf *b, size_t *out_len);

/*
 * Reads a whole file into b (bounded by b->max). Returns 0, or -1 with errno
 * set (EFBIG when the file is larger than the maximum).
 */
int buf_read_file(struct buf *b, const char *path);

#endif
