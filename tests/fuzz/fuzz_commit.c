/*
 * Fuzz target for the strict commit and tag parsers: any input either parses
 * into a consistent object (payload plus signature never larger than the
 * input, message inside the payload) or is refused with a reason code.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commit.h"
#include "error.h"
#include "tag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct commit_object c;
	struct tag_object t;

	ml_error_clear();
	if (commit_parse(&c, data, size) == 0) {
		if (c.payload_len > size ||
		    c.message + c.message_len != (const char *)c.payload + c.payload_len)
			abort();
		if (c.sig_kind != COMMIT_SIG_NONE &&
		    (c.signature_len == 0 || c.signature[c.signature_len - 1] != '\n'))
			abort();
		commit_release(&c);
	}
	ml_error_clear();
	if (tag_parse(&t, data, size) == 0) {
		if (t.payload_len > size ||
		    (t.sig_kind == TAG_SIG_MESSAGE && t.payload_len + t.signature_len != size))
			abort();
		tag_release(&t);
	}
	ml_error_clear();
	return 0;
}
