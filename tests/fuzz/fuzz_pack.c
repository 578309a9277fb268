/*
 * The pack reader (verify/pack.h), over an index and a pack that a fetch
 * wrote from the server's bytes. Input: the index's length (4 bytes, big
 * endian), the index, the pack. Every id the index lists (the first 256) is
 * read as each type. It must never crash, and what it returns must be the
 * object of that type and id.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/buf.h"
#include "verify/object.h"
#include "verify/pack.h"

#define IDS_AT (8 + 256 * 4) /* the index's id table: after its header and fan-out */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"", "commit", "tree", "blob", "tag"};
	struct pack_set *ps;
	struct buf out;
	size_t idx_len, i;
	int type;

	if (size < 4)
		return 0;
	idx_len = (size_t)data[0] << 24 | (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3];
	if (idx_len > size - 4 || pack_set_from_memory(&ps, data + 4, idx_len, data + 4 + idx_len,
	                                               size - 4 - idx_len) < 0)
		return 0;
	buf_init(&out, 1u << 20);
	for (i = 0; i < 256 && IDS_AT + 20 * (i + 1) <= idx_len; i++) {
		const uint8_t *id = data + 4 + IDS_AT + 20 * i;

		for (type = PACK_COMMIT; type <= PACK_TAG; type++) {
			buf_reset(&out);
			if (pack_set_read(ps, id, (enum pack_type)type, &out) == 0 &&
			    !object_sha1_is(names[type], out.data, out.len, id))
				abort();
		}
	}
	buf_release(&out);
	pack_set_free(ps);
	return 0;
}
