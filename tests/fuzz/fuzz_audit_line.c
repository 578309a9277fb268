/*
 * The audit line parser that `mainline audit verify` runs on every line of a
 * file an attacker may have written. It must never crash, and an accepted
 * line must describe a signed region inside the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/error.h"
#include "plugin/audit_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_line line;

	ml_error_clear();
	if (audit_line_parse((const char *)data, size, &line) == 0 &&
	    (line.signed_len == 0 || line.signed_len >= size))
		abort();
	return 0;
}
