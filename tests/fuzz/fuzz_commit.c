/*
 * Fuzz target for the strict commit and tag parsers, in both object formats:
 * any input either parses into a consistent object (payload plus signature
 * never larger than the input, message inside the payload, the other
 * format's header only ever left out) or is refused with a reason code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "verify/commit.h"
#include "verify/tag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_commit(const uint8_t *data, size_t size, enum object_format f)
{
	struct commit_object c;

	ml_error_clear();
	if (commit_parse(&c, data, size, f) != 0)
		return;
	if (c.payload_len > size ||
	    c.message + c.message_len != (const char *)c.payload + c.payload_len)
		abort();
	if (c.sig_kind != COMMIT_SIG_NONE &&
	    (c.signature_len == 0 || c.signature[c.signature_len - 1] != '\n'))
		abort();
	/* nothing is cut when there is no signature header at all */
	if (c.sig_kind == COMMIT_SIG_NONE && c.other_signature == NULL &&
	    (c.payload_len != size || memcmp(c.payload, data, size) != 0))
		abort();
	commit_release(&c);
}

static void check_tag(const uint8_t *data, size_t size, enum object_format f)
{
	struct tag_object t;

	ml_error_clear();
	if (tag_parse(&t, data, size, f) != 0)
		return;
	if (t.payload_len + t.signature_len > size ||
	    t.message + t.message_len != (const char *)t.payload + t.payload_len)
		abort();
	if (t.sig_kind == TAG_SIG_MESSAGE && t.other_signature == NULL &&
	    t.payload_len + t.signature_len != size)
		abort();
	if (t.sig_kind == TAG_SIG_MESSAGE &&
	    memcmp(t.signature, data + size - t.signature_len, t.signature_len) != 0)
		abort();
	tag_release(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_commit(data, size, OBJECT_SHA1);
	check_commit(data, size, OBJECT_SHA256);
	check_tag(data, size, OBJECT_SHA1);
	check_tag(data, size, OBJECT_SHA256);
	ml_error_clear();
	return 0;
}
