/* Header lines of raw git objects: see object.h. */
#include "object.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "reason.h"

/* Length of the line at p (without its LF); fails on NUL, no LF, or too long. */
static int line_length(const uint8_t *p, size_t rem, size_t *out, const char *what)
{
	size_t i, limit = rem < OBJECT_MAX_LINE + 1 ? rem : OBJECT_MAX_LINE + 1;

	for (i = 0; i < limit; i++) {
		if (p[i] == '\n') {
			*out = i;
			return 0;
		}
		if (p[i] == '\0')
			return ml_fail(ML_MALFORMED_OBJECT, "NUL byte in the header of %s object",
			               what);
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
		s[n++] = (char)*v;
		/* the space after each inner LF marks a continuation line */
		if (*v == '\n' && v + 1 < end)
			v++;
		v++;
	}
	s[n] = '\0';
	*out = s;
	*out_len = n;
	return 0;
}

static int is_lower_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

int object_parse_hex(const struct object_header *h, char out[41], const char *what)
{
	size_t i;

	if (h->continued || h->value_len != 40)
		goto bad;
	for (i = 0; i < 40; i++)
		if (!is_lower_hex(h->value[i]))
			goto bad;
	memcpy(out, h->value, 40);
	out[40] = '\0';
	return 0;
bad:
	return ml_fail(ML_MALFORMED_OBJECT, "bad object id in '%.*s' header of %s object",
	               (int)h->key_len, (const char *)h->key, what);
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

int object_copy_without(const uint8_t *raw, size_t len, size_t cut, size_t cut_len, uint8_t **out,
                        size_t *out_len)
{
	uint8_t *p;

	*out = NULL;
	*out_len = 0;
	if (cut > len || cut_len > len - cut)
		return ml_fail(ML_IO, "internal error: cut outside the object");
	if ((p = malloc(len - cut_len + 1)) == NULL)
		return ml_fail(ML_IO, "out of memory");
	memcpy(p, raw, cut);
	memcpy(p + cut, raw + cut + cut_len, len - cut - cut_len);
	p[len - cut_len] = '\0';
	*out = p;
	*out_len = len - cut_len;
	return 0;
}
