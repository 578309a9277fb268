/* The strict commit object parser: see commit.h. */
#include "verify/commit.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/reader.h"
#include "common/reason.h"
#include "verify/object.h"

enum commit_state {
	WANT_TREE,
	WANT_PARENT_OR_AUTHOR,
	WANT_COMMITTER,
	IN_EXTRA,
};

static int add_parent(struct commit_object *c, const struct object_header *h,
                      enum object_format format)
{
	char(*p)[OBJECT_HEX_MAX + 1];

	if (c->parent_count >= COMMIT_MAX_PARENTS)
		return ml_fail(ML_MALFORMED_OBJECT, "more than %d parents in commit object",
		               COMMIT_MAX_PARENTS);
	p = realloc(c->parents, (c->parent_count + 1) * sizeof(*c->parents));
	if (p == NULL)
		return ml_fail(ML_IO, "out of memory");
	c->parents = p;
	return object_parse_hex(h, format, c->parents[c->parent_count++], "commit");
}

static int is_core_header(const struct object_header *h)
{
	return object_header_is(h, "tree") || object_header_is(h, "parent") ||
	       object_header_is(h, "author") || object_header_is(h, "committer");
}

/* git treats every header line starting with "gpgsig" as a signature */
static int is_signature_header(const struct object_header *h)
{
	return h->key_len >= 6 && memcmp(h->key, "gpgsig", 6) == 0;
}

/* Keeps h as the format's own or the other signature header (each at most once). */
static int take_signature(const struct object_header *h, enum object_format format,
                          struct object_header *own, struct object_header *other)
{
	struct object_header *slot;

	if (object_header_is(h, object_signature_header(format)))
		slot = own;
	else if (object_header_is(h, object_other_signature_header(format)))
		slot = other;
	else
		return ml_fail(ML_MALFORMED_OBJECT,
		               "unknown signature header '%.*s' in commit object",
		               (int)(h->key_len > 64 ? 64 : h->key_len), (const char *)h->key);
	if (slot->key != NULL)
		return ml_fail(ML_MALFORMED_OBJECT, "more than one '%.*s' header in commit object",
		               (int)h->key_len, (const char *)h->key);
	*slot = *h;
	return 0;
}

static const char *missing_header(enum commit_state s)
{
	switch (s) {
	case WANT_TREE:
		return "tree";
	case WANT_PARENT_OR_AUTHOR:
		return "author";
	default:
		return "committer";
	}
}

int commit_parse(struct commit_object *out, const uint8_t *raw, size_t len,
                 enum object_format format)
{
	enum commit_state state = WANT_TREE;
	struct commit_object c;
	struct object_header h, sigs[2]; /* the format's own, the other format's */
	struct reader r;
	int err = ML_MALFORMED_OBJECT, got, encodings = 0;
	size_t body;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	memset(sigs, 0, sizeof(sigs));
	if (len > OBJECT_MAX_SIZE) {
		err = ml_fail(ML_MALFORMED_OBJECT, "commit object larger than %u bytes",
		              OBJECT_MAX_SIZE);
		goto out;
	}
	reader_init(&r, raw, len);
	while ((got = object_header_next(&r, &h, "commit")) == 1) {
		if (state != IN_EXTRA && h.continued) {
			err = ml_fail(ML_MALFORMED_OBJECT,
			              "continuation line after '%.*s' header in commit object",
			              (int)h.key_len, (const char *)h.key);
			goto out;
		}
		if (state == WANT_TREE) {
			if (!object_header_is(&h, "tree")) {
				err = ml_fail(ML_MALFORMED_OBJECT,
				              "commit object does not start with a tree header");
				goto out;
			}
			if ((err = object_parse_hex(&h, format, c.tree, "commit")) != 0)
				goto out;
			state = WANT_PARENT_OR_AUTHOR;
		} else if (state == WANT_PARENT_OR_AUTHOR && object_header_is(&h, "parent")) {
			if ((err = add_parent(&c, &h, format)) != 0)
				goto out;
		} else if (state == WANT_PARENT_OR_AUTHOR && object_header_is(&h, "author")) {
			if ((err = object_parse_ident(&h, &c.author, &c.author_time, "commit")) !=
			    0)
				goto out;
			state = WANT_COMMITTER;
		} else if (state == WANT_COMMITTER && object_header_is(&h, "committer")) {
			if ((err = object_parse_ident(&h, &c.committer, &c.committer_time,
			                              "commit")) != 0)
				goto out;
			state = IN_EXTRA;
		} else if (state != IN_EXTRA || is_core_header(&h)) {
			err = ml_fail(ML_MALFORMED_OBJECT,
			              "unexpected '%.*s' header in commit object (wrong order, "
			              "duplicate, or missing %s)",
			              (int)h.key_len, (const char *)h.key,
			              state == IN_EXTRA ? "nothing" : missing_header(state));
			goto out;
		} else if (is_signature_header(&h)) {
			if ((err = take_signature(&h, format, &sigs[0], &sigs[1])) != 0)
				goto out;
		} else if (object_header_is(&h, "encoding") && encodings++ > 0) {
			err = ml_fail(ML_MALFORMED_OBJECT,
			              "duplicate encoding header in commit object");
			goto out;
		}
	}
	if (got != 0) {
		err = got;
		goto out;
	}
	if (state != IN_EXTRA) {
		err = ml_fail(ML_MALFORMED_OBJECT, "missing %s header in commit object",
		              missing_header(state));
		goto out;
	}
	if (sigs[0].key != NULL) {
		c.sig_kind = format == OBJECT_SHA256 ? COMMIT_SIG_GPGSIG_SHA256 : COMMIT_SIG_GPGSIG;
		if ((err = object_header_unfold(&sigs[0], &c.signature, &c.signature_len)) != 0)
			goto out;
	}
	if (sigs[1].key != NULL)
		c.other_signature = object_other_signature_header(format);
	if ((err = object_copy_without(raw, len, sigs, 2, &c.payload, &c.payload_len)) != 0)
		goto out;
	/* both signature headers lie before the message */
	body = r.off - sigs[0].len - sigs[1].len;
	c.message = (const char *)c.payload + body;
	c.message_len = c.payload_len - body;
	*out = c;
	memset(&c, 0, sizeof(c)); /* transferred */
	err = 0;
out:
	commit_release(&c);
	return err;
}

void commit_release(struct commit_object *c)
{
	if (c == NULL)
		return;
	free(c->parents);
	free(c->author);
	free(c->committer);
	free(c->signature);
	free(c->payload);
	memset(c, 0, sizeof(*c));
}
