/*
 * The Drone API answer check (untrusted JSON from the network): nothing may
 * crash or read past its input, and only a well-formed answer about this very
 * build from this repository may be accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "drone_api.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *env[] = {
	    "DRONE_REPO=acme/app",
	    "DRONE_BUILD_NUMBER=42",
	    "DRONE_BUILD_EVENT=tag",
	    "DRONE_COMMIT_REF=refs/tags/v1",
	    "DRONE_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567",
	    NULL,
	};
	struct config c;
	char *body;

	/* the answer is checked as a NUL-free copy, as it arrives from libcurl */
	if ((body = malloc(size + 1)) == NULL)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	config_init(&c);
	ml_error_clear();
	if (config_from_env(&c, env) == 0 && drone_api_check_answer(&c, body, size) == 0) {
		/* accepted: it must at least have named the repository somewhere */
		if (memmem(data, size, "acme/app", 8) == NULL &&
		    memmem(data, size, "\"source_repo\"", 13) == NULL)
			abort();
	}
	config_release(&c);
	ml_error_clear();
	free(body);
	return 0;
}
