/*
 * The proxy variables (common/proxy.h): a no_proxy list matched against a
 * few hosts, and a proxy value turned into a proxy URL. The first byte
 * selects the reader. Nothing may crash; a proxy is always a URL with a
 * scheme.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const hosts[] = {"example.com", "git.example.com", "10.1.2.3", "::1",
	                                    "fd00::1",     "localhost",       ""};
	char *text, *kv, out[PROXY_URL_MAX], *env[3] = {NULL, NULL, NULL};
	struct proxy_env pe;
	size_t i;

	if (size < 1 || memchr(data + 1, '\0', size - 1) != NULL)
		return 0;
	if ((text = malloc(size)) == NULL || (kv = malloc(size + 16)) == NULL) {
		free(text);
		return 0;
	}
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	ml_error_clear();
	if (data[0] % 2 == 0) {
		for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
			(void)proxy_no_proxy_matches(text, hosts[i],
			                             (int)(data[0] % 3) * 4000 + 443);
	} else {
		memcpy(kv, "https_proxy=", 12);
		memcpy(kv + 12, text, size);
		env[0] = kv;
		proxy_env_read(&pe, env);
		if (proxy_for_url(&pe, "https://git.example.com/r.git", out, sizeof(out)) == 0 &&
		    out[0] != '\0' && strstr(out, "://") == NULL)
			abort();
	}
	free(kv);
	free(text);
	return 0;
}
