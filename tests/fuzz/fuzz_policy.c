/*
 * The policy JSON parser, the narrowing check against itself and the
 * canonical form: nothing may crash, leak or read past its input, and a
 * policy must always narrow itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "plugin/config.h"
#include "plugin/policy.h"
#include "plugin/policy_digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config ceiling, req;
	char digest[65];

	config_init(&ceiling);
	config_init(&req);
	ml_error_clear();
	if (policy_parse(&ceiling, (const char *)data, size) == 0) {
		if (policy_digest(&ceiling, digest) != 0)
			abort();
		/* an empty request takes everything from the ceiling ... */
		if (policy_apply(&ceiling, &req) != 0)
			abort();
		/* ... and the result narrows the ceiling it came from */
		if (policy_apply(&ceiling, &req) != 0)
			abort();
	}
	config_release(&ceiling);
	config_release(&req);
	ml_error_clear();
	return 0;
}
