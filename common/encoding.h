/* Base64 (RFC 4648, strict), lower-case hex and well-formed UTF-8. */
#ifndef MAINLINE_ENCODING_H
#define MAINLINE_ENCODING_H

#include "common/buf.h"

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes base64, appending to out. Line breaks (CR, LF) are skipped; any
 * other character outside the alphabet, misplaced or missing padding, and
 * non-zero padding bits are refused. 0 or -1.
 */
int base64_decode(const char *in, size_t len, struct buf *out);

/* Whether the len bytes at s are all base64 digits or '=' (no line breaks). */
int base64_is_text(const char *s, size_t len);

/* Appends the padded base64 encoding of data to out (no line breaks). 0 or -1. */
int base64_encode(const void *data, size_t len, struct buf *out);

/* Writes 2*len lower-case hex digits and a NUL into out. */
void hex_encode(const uint8_t *data, size_t len, char *out);

/*
 * Whether the n characters at s are hex digits: lower case only, or either
 * case. Stops at the first other character (a NUL among them), so a shorter
 * string is refused without reading past its end.
 */
int hex_is_lower(const char *s, size_t n);
int hex_is_digits(const char *s, size_t n);

/* Decodes exactly 2*len hex digits (either case) into out. 0 or -1. */
int hex_decode(const char *in, uint8_t *out, size_t len);

/*
 * Length of the well-formed UTF-8 character at s (n > 0 bytes available):
 * 1 to 4, or 0 when the bytes there are not one (a stray continuation byte,
 * an overlong form, a surrogate, a value past U+10FFFF, a cut sequence).
 */
size_t utf8_char_len(const unsigned char *s, size_t n);

/* Whether the n bytes at s are well-formed UTF-8 (utf8_char_len throughout). */
int utf8_is_valid(const char *s, size_t n);

#endif
