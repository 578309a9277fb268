/*
 * The whole-cache record (<cache>/<url>/whole), which a warm run reads from
 * a cache volume that others may write to. It must never crash, and an
 * accepted record must carry hex ids and a commit object that hashes to its
 * id: the fields are rendered again and must give back the input exactly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "verify/whole_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct whole_record w;
	struct buf again;

	if (whole_record_parse(data, size, &w) != 0)
		return 0;
	buf_init(&again, size + 1);
	if (strlen(w.stamp) != 64 || strlen(w.tree) != 40 || strlen(w.commit) != 40 ||
	    buf_printf(&again, "mainline-whole 1 %s %s %s %zu\n", w.stamp, w.tree, w.commit,
	               w.raw.len) < 0 ||
	    buf_append(&again, w.raw.data, w.raw.len) < 0 || again.len != size ||
	    memcmp(again.data, data, size) != 0)
		abort();
	buf_release(&again);
	buf_release(&w.raw);
	return 0;
}
