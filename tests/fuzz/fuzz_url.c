/*
 * URLs and messages that may quote them (settings, Drone context, error
 * texts): nothing may crash, and the redacted form must hold no user,
 * password, query value or fragment, and have nothing left to hide.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every query item of a redacted URL is empty, "***" or "name=***". */
static void check_query(const char *q)
{
	for (;;) {
		size_t n = strcspn(q, "&");
		const char *eq = memchr(q, '=', n);

		if (n > 0 && !(n == 3 && memcmp(q, "***", 3) == 0) &&
		    !(eq != NULL && (size_t)(eq - q) + 4 == n && memcmp(eq, "=***", 4) == 0))
			abort();
		if (q[n] == '\0')
			return;
		q += n + 1;
	}
}

static void check_redacted(const char *in, const char *out)
{
	struct url_info info;
	const char *why, *rest, *q;
	struct buf again;

	/* idempotent: a redacted URL has nothing left to hide */
	buf_init(&again, 4 * strlen(out) + 64);
	if (url_redact(out, &again) < 0 || strcmp(buf_cstr(&again), out) != 0)
		abort();
	buf_release(&again);
	if (url_check(in, &info, &why) < 0 || info.form != URL_FULL || strpbrk(in, "@?#") == NULL)
		return;
	if ((rest = strstr(out, "://")) == NULL)
		abort();
	rest += 3;
	if (strcmp(rest, "***") == 0)
		return; /* unparsable: only the scheme is left */
	if (info.has_userinfo != (strncmp(rest, "***@", 4) == 0) || strchr(out, '#') != NULL)
		abort();
	if ((q = strchr(rest, '?')) != NULL)
		check_query(q + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out;
	char host[256];
	char *s;
	size_t i;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	buf_init(&out, 4 * size + 64);
	if (url_redact(s, &out) < 0)
		abort();
	check_redacted(s, buf_cstr(&out));
	buf_reset(&out);
	if (url_redact_text(s, &out) < 0)
		abort();
	/* text without "://" is copied unchanged */
	if (strstr(s, "://") == NULL && strcmp(buf_cstr(&out), s) != 0)
		abort();
	if (url_http_host(s, host, sizeof(host)) == 0) {
		for (i = 0; host[i] != '\0'; i++)
			if (host[i] == '@' || host[i] == '/' || (host[i] >= 'A' && host[i] <= 'Z'))
				abort();
	}
	buf_release(&out);
	free(s);
	return 0;
}
