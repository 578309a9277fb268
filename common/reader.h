/*
 * The bounded reader: the only way untrusted bytes are consumed.
 *
 * A reader is a view (pointer, length, offset) over memory it does not own.
 * Every getter checks the remaining length before consuming and consumes
 * nothing on failure. Getters return 0 on success and -1 when the input is
 * too short or otherwise does not fit; they never set an error message, the
 * parser that called them knows what it was reading and says so.
 */
#ifndef MAINLINE_READER_H
#define MAINLINE_READER_H

#include <stddef.h>
#include <stdint.h>

struct reader {
	const uint8_t *data;
	size_t len;
	size_t off;
};

void reader_init(struct reader *r, const void *data, size_t len);

size_t reader_remaining(const struct reader *r);

/* Pointer to the unread bytes (valid while the underlying memory is). */
const uint8_t *reader_peek(const struct reader *r);

int reader_get_u8(struct reader *r, uint8_t *out);
int reader_get_u16(struct reader *r, uint16_t *out); /* big-endian */
int reader_get_u32(struct reader *r, uint32_t *out); /* big-endian */
int reader_get_u64(struct reader *r, uint64_t *out); /* big-endian */

/* Consumes n bytes, pointing *out at them. */
int reader_get_bytes(struct reader *r, size_t n, const uint8_t **out);

/* Copies n bytes into out. */
int reader_copy(struct reader *r, void *out, size_t n);

int reader_skip(struct reader *r, size_t n);

/*
 * SSH wire string: u32 length then that many bytes. *out points into the
 * input; *out_len receives the length.
 */
int reader_get_string(struct reader *r, const uint8_t **out, size_t *out_len);

/* An SSH string parsed as a nested reader (PROTOCOL.sshsig sub-structures). */
int reader_get_sub(struct reader *r, struct reader *out);

/* Takes the next n bytes as a nested reader. */
int reader_get_sub_n(struct reader *r, size_t n, struct reader *out);

/*
 * SSH string that must equal the NUL-terminated expected value; consumes
 * only on a match.
 */
int reader_expect_cstring(struct reader *r, const char *expected);

/* 0 when every byte was consumed; parsers call this to refuse trailing data. */
int reader_expect_end(const struct reader *r);

#endif
