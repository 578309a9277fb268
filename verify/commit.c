/* The strict commit object parser: see commit.h. */
#include "commit.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "object.h"
#include "reader.h"
#include "reason.h"

enum commit_state {
	WANT_TREE,
	WANT_PARENT_OR_AUTHOR,
	WANT_COMMITTER,
	IN_EXTRA,
};

static int add_parent(struct commit_object *c, const struct object_header *h)
{
	char(*p)[41];

	if (c->parent_count >= COMMIT_MAX_PARENTS)
		return ml_fail(ML_MALFORMED_OBJECT, "more than %d parents in commit object",
		               COMMIT_MAX_PARENTS);
	p = realloc(c->parents, (c->parent_count + 1) * sizeof(*c->parents));
	if (p == NULL)
		return ml_fail(ML_IO, "out of memory");
	c->parents = p;
	return object_parse_hex(h, c->parents[c->parent_count++], "commit");
}

static int is_core_header(const struct object_header *h)
{
	return object_header_is(h, "tree") || object_header_is(h, "parent") ||
	       object_header_is(h, "author") || object_header_is(h, "committer");
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

int commit_parse(struct commit_object *out, const uint8_t *raw, size_t len)
{
	enum commit_state state = WANT_TREE;
	struct commit_object c;
	struct object_header h, sig;
	struct reader r;
	int err = ML_MALFORMED_OBJECT, got, encodings = 0;
	size_t body;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	memset(&sig, 0, sizeof(sig));
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
			if ((err = object_parse_hex(&h, c.tree, "commit")) != 0)
				goto out;
			state = WANT_PARENT_OR_AUTHOR;
		} else if (state == WANT_PARENT_OR_AUTHOR && object_header_is(&h, "parent")) {
			if ((err = add_parent(&c, &h)) != 0)
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
		} else if (object_header_is(&h, "gpgsig") ||
		           object_header_is(&h, "gpgsig-sha256")) {
			if (sig.key != NULL) {
				err = ml_fail(ML_MALFORMED_OBJECT,
				              "more than one signature header in commit object");
				goto out;
			}
			sig = h;
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
	body = r.off;
	if (sig.key != NULL) {
		c.sig_kind =
		    object_header_is(&sig, "gpgsig") ? COMMIT_SIG_GPGSIG : COMMIT_SIG_GPGSIG_SHA256;
		if ((err = object_header_unfold(&sig, &c.signature, &c.signature_len)) != 0)
			goto out;
		if ((err = object_copy_without(raw, len, (size_t)(sig.start - raw), sig.len,
		                               &c.payload, &c.payload_len)) != 0)
			goto out;
		body -= sig.len;
	} else if ((err = object_copy_without(raw, len, 0, 0, &c.payload, &c.payload_len)) != 0)
		goto out;
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
