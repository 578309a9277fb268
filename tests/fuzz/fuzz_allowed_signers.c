/*
 * allowed_signers parser, then lookups of a fixed key for two namespaces and
 * times, and the pattern matcher with the input as the pattern list.
 */
#include "common/error.h"
#include "verify/allowed_signers.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t key[] = {0,   0,   0, 11, 's', 's', 'h', '-', 'e', 'd', '2', '5', '5',
	                              '1', '9', 0, 0,  0,   32,  1,   1,   1,   1,   1,   1,   1,
	                              1,   1,   1, 1,  1,   1,   1,   1,   1,   1,   1,   1,   1,
	                              1,   1,   1, 1,  1,   1,   1,   1,   1,   1,   1,   1};
	struct allowed_signers *as = NULL;
	const char *principal;
	char *list;

	ml_error_clear();
	if (allowed_signers_parse(&as, (const char *)data, size, "fuzz") == 0) {
		allowed_signers_lookup(as, key, sizeof(key), "git", 1700000000, &principal);
		allowed_signers_lookup(as, key, sizeof(key), "file", 0, &principal);
	}
	allowed_signers_free(as);
	if (size < 4096 && (list = strndup((const char *)data, size)) != NULL) {
		allowed_signers_match_list("git", list);
		allowed_signers_match_list("alice@example.org", list);
		free(list);
	}
	ml_error_clear();
	return 0;
}
