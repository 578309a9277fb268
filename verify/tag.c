/* The strict annotated tag parser: see tag.h. */
#include "verify/tag.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/reader.h"
#include "common/reason.h"
#include "verify/object.h"

/* git's signature markers (gpg-interface.c): a line starting with one begins a signature */
static const char *const sig_begin[] = {
    "-----BEGIN PGP SIGNATURE-----",
    "-----BEGIN PGP MESSAGE-----",
    "-----BEGIN SSH SIGNATURE-----",
    "-----BEGIN SIGNED MESSAGE-----",
};
static const char *const sig_end[] = {
    "-----END PGP SIGNATURE-----\n",
    "-----END PGP MESSAGE-----\n",
    "-----END SSH SIGNATURE-----\n",
    "-----END SIGNED MESSAGE-----\n",
};

enum tag_state {
	WANT_OBJECT,
	WANT_TYPE,
	WANT_TAG,
	WANT_TAGGER,
	IN_EXTRA,
};

static const char *const state_header[] = {"object", "type", "tag", "tagger"};

static int parse_type(struct tag_object *t, const struct object_header *h)
{
	static const char *const types[] = {"commit", "tree", "blob", "tag"};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (!h->continued && h->value_len == strlen(types[i]) &&
		    memcmp(h->value, types[i], h->value_len) == 0) {
			memcpy(t->type, types[i], h->value_len + 1);
			return 0;
		}
	}
	return ml_fail(ML_MALFORMED_OBJECT, "unknown object type '%.*s' in tag object",
	               (int)(h->value_len > 32 ? 32 : h->value_len), (const char *)h->value);
}

static int parse_name(struct tag_object *t, const struct object_header *h)
{
	size_t i;

	if (h->continued || h->value_len == 0 || h->value_len > TAG_MAX_NAME)
		goto bad;
	for (i = 0; i < h->value_len; i++)
		if (h->value[i] <= ' ' || h->value[i] == 0x7f)
			goto bad;
	if ((t->name = malloc(h->value_len + 1)) == NULL)
		return ml_fail(ML_IO, "out of memory");
	memcpy(t->name, h->value, h->value_len);
	t->name[h->value_len] = '\0';
	return 0;
bad:
	return ml_fail(ML_MALFORMED_OBJECT, "bad tag name in tag object");
}

/*
 * Offset of the last line of raw[0..len) that starts with a signature marker
 * (git's parse_signed_buffer, which looks at the whole object), or len when
 * there is none; *kind gets the marker index.
 */
static size_t find_signature_block(const uint8_t *raw, size_t len, size_t *kind)
{
	size_t off = 0, match = len, i;
	const uint8_t *nl;

	while (off < len) {
		for (i = 0; i < sizeof(sig_begin) / sizeof(sig_begin[0]); i++) {
			size_t n = strlen(sig_begin[i]);

			if (len - off >= n && memcmp(raw + off, sig_begin[i], n) == 0) {
				match = off;
				*kind = i;
			}
		}
		nl = memchr(raw + off, '\n', len - off);
		off = nl != NULL ? (size_t)(nl - raw) + 1 : len;
	}
	return match;
}

/*
 * Splits off the signature block (the message starts at body); the payload
 * also leaves out the other format's header.
 */
static int split_message_signature(struct tag_object *t, const uint8_t *raw, size_t len,
                                   size_t body, const struct object_header *other)
{
	size_t at, kind = 0, n;
	int err;

	at = find_signature_block(raw, len, &kind);
	if (at == len)
		return object_copy_without(raw, len, other, 1, &t->payload, &t->payload_len);
	if (at < body)
		return ml_fail(ML_MALFORMED_OBJECT, "signature marker in the header of tag object");
	n = strlen(sig_end[kind]);
	if (len - at < n || memcmp(raw + len - n, sig_end[kind], n) != 0 ||
	    (len - at > n && raw[len - n - 1] != '\n'))
		return ml_fail(ML_MALFORMED_OBJECT,
		               "signature block does not end the tag object message");
	if (memchr(raw + at, '\0', len - at) != NULL)
		return ml_fail(ML_MALFORMED_OBJECT, "NUL byte in the signature of tag object");
	if ((err = object_copy_without(raw, at, other, 1, &t->payload, &t->payload_len)) != 0)
		return err;
	if ((t->signature = malloc(len - at + 1)) == NULL)
		return ml_fail(ML_IO, "out of memory");
	memcpy(t->signature, raw + at, len - at);
	t->signature[len - at] = '\0';
	t->signature_len = len - at;
	t->sig_kind = TAG_SIG_MESSAGE;
	return 0;
}

/* A header starting with "gpgsig" (git's test): only the other format's, once. */
static int take_signature_header(const struct object_header *h, enum object_format format,
                                 struct object_header *other)
{
	if (object_header_is(h, object_signature_header(format)))
		return ml_fail(ML_MALFORMED_OBJECT,
		               "'%s' header in tag object: in a %s repository a tag's signature "
		               "ends its message",
		               object_signature_header(format),
		               format == OBJECT_SHA256 ? "SHA-256" : "SHA-1");
	if (!object_header_is(h, object_other_signature_header(format)))
		return ml_fail(ML_MALFORMED_OBJECT, "unknown signature header '%.*s' in tag object",
		               (int)(h->key_len > 64 ? 64 : h->key_len), (const char *)h->key);
	if (other->key != NULL)
		return ml_fail(ML_MALFORMED_OBJECT, "more than one '%s' header in tag object",
		               object_other_signature_header(format));
	*other = *h;
	return 0;
}

int tag_parse(struct tag_object *out, const uint8_t *raw, size_t len, enum object_format format)
{
	enum tag_state state = WANT_OBJECT;
	struct tag_object t;
	struct object_header h, other;
	struct reader r;
	int err = ML_MALFORMED_OBJECT, got;
	size_t body;

	memset(out, 0, sizeof(*out));
	memset(&t, 0, sizeof(t));
	memset(&other, 0, sizeof(other));
	if (len > OBJECT_MAX_SIZE) {
		err = ml_fail(ML_MALFORMED_OBJECT, "tag object larger than %u bytes",
		              OBJECT_MAX_SIZE);
		goto out;
	}
	reader_init(&r, raw, len);
	while ((got = object_header_next(&r, &h, "tag")) == 1) {
		if (state != IN_EXTRA) {
			if (!object_header_is(&h, state_header[state])) {
				err = ml_fail(ML_MALFORMED_OBJECT,
				              "unexpected '%.*s' header in tag object (wanted %s)",
				              (int)h.key_len, (const char *)h.key,
				              state_header[state]);
				goto out;
			}
			if (state == WANT_OBJECT)
				err = object_parse_hex(&h, format, t.object, "tag");
			else if (state == WANT_TYPE)
				err = parse_type(&t, &h);
			else if (state == WANT_TAG)
				err = parse_name(&t, &h);
			else
				err = object_parse_ident(&h, &t.tagger, &t.tagger_time, "tag");
			if (err != 0)
				goto out;
			state++;
		} else if (object_header_is(&h, "object") || object_header_is(&h, "type") ||
		           object_header_is(&h, "tag") || object_header_is(&h, "tagger")) {
			err = ml_fail(ML_MALFORMED_OBJECT, "duplicate '%.*s' header in tag object",
			              (int)h.key_len, (const char *)h.key);
			goto out;
		} else if (h.key_len >= 6 && memcmp(h.key, "gpgsig", 6) == 0) {
			if ((err = take_signature_header(&h, format, &other)) != 0)
				goto out;
		}
	}
	if (got != 0) {
		err = got;
		goto out;
	}
	if (state != IN_EXTRA) {
		err = ml_fail(ML_MALFORMED_OBJECT, "missing %s header in tag object",
		              state_header[state]);
		goto out;
	}
	if (other.key != NULL)
		t.other_signature = object_other_signature_header(format);
	if ((err = split_message_signature(&t, raw, len, r.off, &other)) != 0)
		goto out;
	/* the other format's header lies before the message */
	body = r.off - other.len;
	t.message = (const char *)t.payload + body;
	t.message_len = t.payload_len - body;
	*out = t;
	memset(&t, 0, sizeof(t)); /* transferred */
	err = 0;
out:
	tag_release(&t);
	return err;
}

void tag_release(struct tag_object *t)
{
	if (t == NULL)
		return;
	free(t->name);
	free(t->tagger);
	free(t->signature);
	free(t->payload);
	memset(t, 0, sizeof(*t));
}
