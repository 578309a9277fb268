/*
 * Runs the configuration and the gate from the real environment, for the
 * shell tests: `env -i PLUGIN_...=... DRONE_...=... gate-tool [--policy-file
 * PATH] [--describe] [--digest]`. Prints "<reason>: <message>" and exits 0
 * when allowed, 1 when refused, 2 on a configuration error.
 */
#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "plugin/config.h"
#include "plugin/config_describe.h"
#include "plugin/gate.h"
#include "plugin/policy.h"
#include "plugin/policy_digest.h"

extern char **environ;

int main(int argc, char **argv)
{
	const char *policy_path = NULL;
	int describe = 0, digest = 0, i, r;
	struct gate_result res;
	struct config c;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--policy-file") == 0 && i + 1 < argc)
			policy_path = argv[++i];
		else if (strcmp(argv[i], "--describe") == 0)
			describe = 1;
		else if (strcmp(argv[i], "--digest") == 0)
			digest = 1;
		else {
			fprintf(stderr,
			        "usage: gate-tool [--policy-file PATH] [--describe] [--digest]\n");
			return 2;
		}
	}
	config_init(&c);
	if ((r = policy_effective_config(&c, environ, policy_path)) != 0) {
		printf("%s: %s\n", ml_reason_name(r), ml_error_message());
		config_release(&c);
		return ml_reason_is_refusal(r) ? 1 : 2;
	}
	if (describe) {
		struct buf out;

		buf_init(&out, 1 << 20);
		if (config_describe(&c, &out) == 0)
			fputs(buf_cstr(&out), stdout);
		buf_release(&out);
	}
	if (digest) {
		char hex[65];

		if (policy_digest(&c, hex) == 0)
			printf("digest: %s\n", hex);
	}
	r = gate_check(&c, &res);
	printf("%s: %s\n", ml_reason_name(res.reason), res.message);
	config_release(&c);
	if (r == ML_OK)
		return 0;
	return ml_reason_is_refusal(r) ? 1 : 2;
}
