/* Header lines of raw git objects: see object.h. */
#include "verify/object.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/reason.h"

int object_sha1_is(const char *type, const uint8_t *raw, size_t len, const uint8_t id[20])
{
	struct crypto_hash_ctx *h = crypto_hash_new(CRYPTO_SHA1);
	uint8_t got[20];
	char header[48];
	int n = snprintf(header, sizeof(header), "%.8s %zu", type, len), ok = 0;

	if (h != NULL && crypto_hash_update(h, header, (size_t)n + 1) == 0 &&
	    crypto_hash_update(h, raw, len) == 0 && crypto_hash_final(h, got) == 0)
		ok = memcmp(id, got, sizeof(got)) == 0;
	crypto_hash_free(h);
	return ok;
}

/* Length of the line at p (without its LF); fails on NUL, no LF, or too long. */
static int line_length(const uint8_t *p, size_t rem, size_t *out, const char *what)
{
	size_t limit = rem < OBJECT_MAX_LINE + 1 ? rem : OBJECT_MAX_LINE + 1;
	const uint8_t *nl = memchr(p, '\n', limit);
	size_t n = nl != NULL ? (size_t)(nl - p) : limit;

	/* a NUL before the line's end (or before the limit) is the error, as a byte loop finds it */
	if (memchr(p, '\0', n) != NULL)
		return ml_fail(ML_MALFORMED_OBJECT, "NUL byte in the header of %s object", what);
	if (nl != NULL) {
		*out = n;
		return 0;
	}
	if (limit == rem)
		return ml_fail(ML_MALFORMED_OBJECT, "unterminated header line in %s object", what);
	return ml_fail(ML_MALFORMED_OBJECT, "header line longer than %u bytes in %s object",
	               OBJECT_MAX_LINE, what);
}

int object_header_next(struct reader *r, struct object_header *h, const char *what)
{
	const uint8_t *p = reader_peek(r), *sp;
	size_t rem = reader_remaining(r), n, total;
	int err;

	memset(h, 0, sizeof(*h));
	if (rem == 0)
		return 0;
	if (p[0] == '\n') {
		reader_skip(r, 1);
		return 0;
	}
	if (p[0] == ' ')
		return ml_fail(ML_MALFORMED_OBJECT,
		               "continuation line without a header in %s object", what);
	if ((err = line_length(p, rem, &n, what)) != 0)
		return err;
	if ((sp = memchr(p, ' ', n)) == NULL)
		return ml_fail(ML_MALFORMED_OBJECT, "header line without a value in %s object",
		               what);
	h->key = p;
	h->key_len = (size_t)(sp - p);
	h->value = sp + 1;
	h->value_len = n - h->key_len - 1;
	total = n + 1;
	while (total < rem && p[total] == ' ') {
		if ((err = line_length(p + total, rem - total, &n, what)) != 0)
			return err;
		total += n + 1;
		h->continued = 1;
	}
	h->start = p;
	h->len = total;
	reader_skip(r, total);
	return 1;
}

const char *object_format_name(enum object_format f)
{
	return f == OBJECT_SHA256 ? "sha256" : "sha1";
}

const char *object_signature_header(enum object_format f)
{
	return f == OBJECT_SHA256 ? "gpgsig-sha256" : "gpgsig";
}

const char *object_other_signature_header(enum object_format f)
{
	return object_signature_header(f == OBJECT_SHA256 ? OBJECT_SHA1 : OBJECT_SHA256);
}

int object_header_is(const struct object_header *h, const char *key)
{
	size_t n = strlen(key);

	return h->key_len == n && memcmp(h->key, key, n) == 0;
}

int object_header_unfold(const struct object_header *h, char **out, size_t *out_len)
{
	const uint8_t *v = h->value, *end = h->start + h->len;
	size_t n = 0;
	char *s;

	*out = NULL;
	*out_len = 0;
	if ((s = malloc((size_t)(end - v) + 1)) == NULL)
		return ml_fail(ML_IO, "out of memory");
	while (v < end) {
		const uint8_t *nl = memchr(v, '\n', (size_t)(end - v));
		size_t k = nl != NULL ? (size_t)(nl - v) + 1 : (size_t)(end - v);

		memcpy(s + n, v, k);
		n += k;
		v += k;
		/* the space after each inner LF marks a continuation line */
		if (nl != NULL && v < end)
			v++;
	}
	s[n] = '\0';
	*out = s;
	*out_len = n;
	return 0;
}

int object_parse_hex(const struct object_header *h, enum object_format f,
                     char out[OBJECT_HEX_MAX + 1], const char *what)
{
	size_t n = f == OBJECT_SHA256 ? 64 : 40;

	if (h->continued || h->value_len != n || !hex_is_lower((const char *)h->value, n))
		goto bad;
	memcpy(out, h->value, n);
	out[n] = '\0';
	return 0;
bad:
	return ml_fail(ML_MALFORMED_OBJECT,
	               "bad object id in '%.*s' header of %s object (want %zu hex digits: %s)",
	               (int)h->key_len, (const char *)h->key, what, n, object_format_name(f));
}

int object_parse_ident(const struct object_header *h, char **out_ident, int64_t *out_time,
                       const char *what)
{
	const uint8_t *v = h->value;
	size_t n = h->value_len, i, tz, date, gt;
	int64_t t = 0;
	char *ident;

	*out_ident = NULL;
	*out_time = 0;
	/* from the end: ' ' [+-]HHMM, ' ' digits, '>' */
	if (h->continued || n < 10)
		goto bad;
	tz = n - 5;
	if (v[tz - 1] != ' ' || (v[tz] != '+' && v[tz] != '-'))
		goto bad;
	for (i = tz + 1; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			goto bad;
	date = tz - 1;
	while (date > 0 && v[date - 1] >= '0' && v[date - 1] <= '9')
		date--;
	if (date == tz - 1 || tz - 1 - date > 18 || date < 2 || v[date - 1] != ' ')
		goto bad;
	for (i = date; i < tz - 1; i++)
		t = t * 10 + (v[i] - '0');
	gt = date - 2;
	if (v[gt] != '>' || memchr(v, '<', gt) == NULL)
		goto bad;
	if ((ident = malloc(gt + 2)) == NULL)
		return ml_fail(ML_IO, "out of memory");
	memcpy(ident, v, gt + 1);
	ident[gt + 1] = '\0';
	*out_ident = ident;
	*out_time = t;
	return 0;
bad:
	return ml_fail(ML_MALFORMED_OBJECT, "cannot parse '%.*s' identity of %s object",
	               (int)h->key_len, (const char *)h->key, what);
}

int object_copy_without(const uint8_t *raw, size_t len, const struct object_header *cut, size_t n,
                        uint8_t **out, size_t *out_len)
{
	size_t i, pos = 0, kept = 0, total = len;
	uint8_t *p;

	*out = NULL;
	*out_len = 0;
	for (i = 0; i < n; i++) {
		if (cut[i].start == NULL)
			continue;
		if (cut[i].start < raw || (size_t)(cut[i].start - raw) > len ||
		    cut[i].len > len - (size_t)(cut[i].start - raw) || cut[i].len > total)
			return ml_fail(ML_IO, "internal error: cut outside the object");
		total -= cut[i].len;
	}
	/* len + 1: overlapping cuts (a caller's bug) cannot overrun it */
	if ((p = malloc(len + 1)) == NULL)
		return ml_fail(ML_IO, "out of memory");
	/* copy up to the nearest cut at or after pos, skip it, repeat */
	while (pos < len) {
		size_t next = len, skip = 0;

		for (i = 0; i < n; i++) {
			size_t at;

			if (cut[i].start == NULL || cut[i].len == 0)
				continue;
			at = (size_t)(cut[i].start - raw);
			if (at >= pos && at < next) {
				next = at;
				skip = cut[i].len;
			}
		}
		memcpy(p + kept, raw + pos, next - pos);
		kept += next - pos;
		pos = next + skip;
	}
	if (kept != total) {
		free(p);
		return ml_fail(ML_IO, "internal error: overlapping cuts");
	}
	p[total] = '\0';
	*out = p;
	*out_len = total;
	return 0;
}
