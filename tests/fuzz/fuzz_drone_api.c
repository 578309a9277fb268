/*
 * The Drone API answer check (untrusted JSON from the network): nothing may
 * crash or read past its input, and only a well-formed answer about this very
 * build from this repository may be accepted.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "common/json.h"
#include "plugin/config.h"
#include "plugin/config_env.h"
#include "plugin/drone_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No accepted parameter becomes a setting, context or Docker variable, in any case. */
static void check_accepted_parameters(const char *body, size_t size)
{
	static const char *const families[] = {"plugin_", "drone_", "docker_", NULL};
	cJSON *root = json_parse(body, size, DRONE_API_BODY_MAX);
	const cJSON *p;
	size_t i;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(root, "params"))
	{
		for (i = 0; families[i] != NULL; i++)
			if (p->string != NULL &&
			    strncasecmp(p->string, families[i], strlen(families[i])) == 0)
				abort();
	}
	cJSON_Delete(root);
}

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
		check_accepted_parameters(body, size);
	}
	config_release(&c);
	ml_error_clear();
	free(body);
	return 0;
}
