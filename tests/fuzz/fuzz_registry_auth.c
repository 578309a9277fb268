/*
 * Registry credentials: a docker config.json (which helper it names, and
 * its auths entries when it names none; no helper is ever run here) and a
 * credential helper's answer. The first byte selects the reader. Nothing may
 * crash; a helper named is a valid name, an answer taken has a secret.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "docker/credhelper.h"
#include "docker/registry_auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = {"docker.io", "localhost:5000", "gcr.io"};
	const char *text = (const char *)data + 1;
	struct credhelper_answer ans;
	char helper[160];
	size_t len = size - 1, i;
	struct buf out;

	if (size < 1)
		return 0;
	ml_error_clear();
	switch (data[0] % 3) {
	case 0:
		buf_init(&out, 1 << 20);
		for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
			int r = registry_helper_for(text, len, hosts[i], helper, sizeof(helper));

			if (r == 0 && !credhelper_name_valid(helper))
				__builtin_trap();
			if (r == 1)
				(void)registry_auth_header(text, len, hosts[i], NULL, &out);
			buf_reset(&out);
		}
		buf_release(&out);
		break;
	default:
		credhelper_answer_init(&ans);
		if (credhelper_parse("fuzz", data[0] % 3 == 1 ? 0 : 1, text, len, text, len,
		                     &ans) == 0 &&
		    ans.secret.len == 0)
			__builtin_trap();
		credhelper_answer_release(&ans);
		break;
	}
	return 0;
}
