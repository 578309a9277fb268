/* Base64 (RFC 4648, strict) and lower-case hex. */
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

#endif
