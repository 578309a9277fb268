/*
 * The Drone context reader (DRONE_* values from the step's environment,
 * which build parameters and forge payloads reach): nothing may crash, and
 * an accepted value is one line of UTF-8 text, a commit id in lower-case hex
 * or a canonical build number, as drone_context.h promises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/encoding.h"
#include "common/error.h"
#include "plugin/drone_context.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *v)
{
	size_t i, n;

	if (v == NULL)
		return;
	n = strlen(v);
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			abort();
	if (!utf8_is_valid(v, n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct drone_context d;
	uint32_t seen = 0;
	char *entry;

	/* an environment entry is a C string holding a '=' */
	if (size > (2u << 20) || memchr(data, '=', size) == NULL ||
	    memchr(data, '\0', size) != NULL)
		return 0;
	if ((entry = malloc(size + 1)) == NULL)
		return 0;
	memcpy(entry, data, size);
	entry[size] = '\0';
	memset(&d, 0, sizeof(d));
	ml_error_clear();
	if (drone_context_read(&d, entry, &seen) == 0) {
		check_text(d.build_event);
		check_text(d.commit_ref);
		check_text(d.repo);
		check_text(d.build_link);
		check_text(d.netrc_password);
		if (d.commit_sha != NULL &&
		    !((strlen(d.commit_sha) == 40 && hex_is_lower(d.commit_sha, 40)) ||
		      (strlen(d.commit_sha) == 64 && hex_is_lower(d.commit_sha, 64))))
			abort();
		if (d.build_number != NULL &&
		    (strspn(d.build_number, "0123456789") != strlen(d.build_number) ||
		     strlen(d.build_number) > 16 ||
		     (d.build_number[0] == '0' && d.build_number[1] != '\0')))
			abort();
	}
	drone_context_release(&d);
	free(entry);
	return 0;
}
