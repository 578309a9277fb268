/*
 * The verified cache file (<state>/<source>/verified), which a run reads from a
 * cache volume that other builds write to. It must never crash, and what it
 * accepts must be exactly what state_save writes: the entries rendered again
 * give back the input byte for byte.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "verify/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int render(void *ctx, const char *commit, const char *anchor, unsigned flags)
{
	return buf_printf(ctx, "%s %s %u\n", commit, anchor, flags) < 0 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf again;
	size_t bad_line;
	int r;

	buf_init(&again, size + 1);
	r = state_parse_cache((const char *)data, size, render, &again, &bad_line);
	if (r == 0 && (again.len != size || (size != 0 && memcmp(again.data, data, size) != 0)))
		abort();
	if (r != 0 && r != -1 && bad_line == 0)
		abort(); /* a refusal names its line */
	buf_release(&again);
	return 0;
}
