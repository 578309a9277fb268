/*
 * URLs and messages that may quote them (settings, Drone context, error
 * texts): nothing may crash, and the redacted form must hold no user,
 * password, query value or fragment, and have nothing left to hide. Every
 * URL that url_check() accepts without libcurl (url_is_plain) is given to
 * libcurl's parser too, with url.c's flags: it must accept it and find no
 * user, password or login options in it, as url_check() then reports.
 */
#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/dynlib.h"
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

static void check_plain(const char *s)
{
	static const CURLUPart hidden[] = {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_OPTIONS};
	struct url_info info;
	const char *why;
	char *v = NULL;
	size_t i;
	CURLU *h;

	if (!url_is_plain(s))
		return;
	if (url_check(s, &info, &why) < 0 || info.form != URL_FULL || info.has_userinfo)
		abort();
	if (dynlib_need(&dynlib_libcurl) != 0 || (h = curl_url()) == NULL)
		abort();
	if (curl_url_set(h, CURLUPART_URL, s,
	                 CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS | CURLU_ALLOW_SPACE) !=
	    CURLUE_OK)
		abort();
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		if (curl_url_get(h, hidden[i], &v, 0) == CURLUE_OK)
			abort();
		curl_free(v);
		v = NULL;
	}
	curl_url_cleanup(h);
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
	check_plain(s);
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
