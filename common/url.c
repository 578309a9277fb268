/* URLs through libcurl's URL API: see url.h. */
#include "common/url.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/dynlib.h"

/* Any scheme (git, ssh, ...), the path as written, spaces as libgit2 allows them. */
#define PARSE_FLAGS (CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS | CURLU_ALLOW_SPACE)

static int is_scheme_char(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '-' || c == '.';
}

/* What follows "scheme://" when s starts with a scheme (RFC 3986 syntax), else NULL. */
static const char *after_scheme(const char *s)
{
	const char *p = s;

	if (!isalpha((unsigned char)*p))
		return NULL;
	while (is_scheme_char(*p))
		p++;
	return strncmp(p, "://", 3) == 0 ? p + 3 : NULL;
}

/* A location without "scheme://" is scp-like when a ':' comes before any '/' (git's rule). */
static enum url_form local_form(const char *s)
{
	const char *colon = strchr(s, ':'), *slash = strchr(s, '/');

	return colon == NULL || (slash != NULL && slash < colon) ? URL_PATH : URL_SCP;
}

/* The first '@' of a scp-like location when it comes before any '/' (libgit2 takes it as the user's end). */
static const char *scp_at(const char *s)
{
	const char *at = strchr(s, '@'), *slash = strchr(s, '/');

	return at != NULL && (slash == NULL || at < slash) ? at : NULL;
}

/*
 * libpq's connection URIs (postgres:// and postgresql://) follow libpq's own grammar, not
 * RFC 3986: "scheme://[user[:password]@][host[:port][,host[:port]...]][/dbname][?k=v&...]",
 * where the credentials end at the first '@' before any '/' (a '?' included) and several
 * hosts may be listed. What follows the scheme, or NULL for another scheme.
 */
static const char *after_pg_scheme(const char *s)
{
	if (strncasecmp(s, "postgresql://", 13) == 0)
		return s + 13;
	if (strncasecmp(s, "postgres://", 11) == 0)
		return s + 11;
	return NULL;
}

/* The last '@' before the first '/' of a libpq URI's rest: where any credentials end. */
static const char *pg_credentials_end(const char *rest)
{
	size_t n = strcspn(rest, "/");
	const char *at = NULL, *p;

	for (p = rest; p < rest + n; p++)
		if (*p == '@')
			at = p;
	return at;
}

static int check_pg(const char *rest, struct url_info *out, const char **why)
{
	const char *at = pg_credentials_end(rest);

	if (strpbrk(rest, " \t") != NULL) {
		*why = "a space in it (write it %20)";
		return -1;
	}
	if (strchr(rest, '#') != NULL) {
		*why = "a '#' in it (write it %23)";
		return -1;
	}
	if (at != NULL && memchr(rest, '@', (size_t)(at - rest)) != NULL) {
		*why = "bad host name (an '@' in a user name or password must be written %40)";
		return -1;
	}
	if (at != NULL && memchr(rest, '?', (size_t)(at - rest)) != NULL) {
		*why = "bad user name or password (a '?' in one must be written %3F)";
		return -1;
	}
	out->has_userinfo = at != NULL;
	return 0;
}

/*
 * The redacted form of a libpq URI: the credentials (up to the last '@' before any '/', so
 * whatever libpq or a reader takes for them) become "***", hosts and database stay, every
 * parameter value becomes "***" (a password may be one).
 */
static int put_pg(struct buf *out, const char *s, const char *rest)
{
	const char *at = pg_credentials_end(rest), *p = at != NULL ? at + 1 : rest;
	size_t n;

	if (buf_append(out, s, (size_t)(rest - s)) < 0 ||
	    (at != NULL && buf_append_str(out, "***@") < 0))
		return -1;
	n = strcspn(p, "/?");
	if (buf_append(out, p, n) < 0)
		return -1;
	p += n;
	if (*p == '/') {
		n = strcspn(p, "?");
		if (buf_append(out, p, n) < 0)
			return -1;
		p += n;
	}
	if (*p != '?' || buf_append_str(out, "?") < 0)
		return *p != '?' ? 0 : -1;
	/* libpq's parameters are keywords: any other name is hidden with its value */
	for (p++;;) {
		size_t item = strcspn(p, "&"), name = strspn(p, "abcdefghijklmnopqrstuvwxyz_");

		if (item > 0 && (name > 0 && p[name] == '=' ? buf_append(out, p, name + 1) < 0 ||
		                                                  buf_append_str(out, "***") < 0
		                                            : buf_append_str(out, "***") < 0))
			return -1;
		if (p[item] == '\0')
			return 0;
		if (buf_append_str(out, "&") < 0)
			return -1;
		p += item + 1;
	}
}

/* CURLUE_LAST from parse(): libcurl cannot be loaded (dynlib_libcurl.error says why) */
#define NO_LIBCURL CURLUE_LAST

static CURLU *parse(const char *s, CURLUcode *rc)
{
	CURLU *h;

	*rc = NO_LIBCURL;
	if (dynlib_load(&dynlib_libcurl) < 0)
		return NULL;
	*rc = CURLUE_OUT_OF_MEMORY;
	if ((h = curl_url()) == NULL)
		return NULL;
	if ((*rc = curl_url_set(h, CURLUPART_URL, s, PARSE_FLAGS)) != CURLUE_OK) {
		curl_url_cleanup(h);
		return NULL;
	}
	return h;
}

/* A part of a parsed URL (owned by the caller, curl_free), or NULL when absent. */
static char *part(CURLU *h, CURLUPart what)
{
	char *v = NULL;

	if (curl_url_get(h, what, &v, 0) != CURLUE_OK) {
		curl_free(v);
		return NULL;
	}
	return v;
}

static int has_part(CURLU *h, CURLUPart what)
{
	char *v = part(h, what);

	curl_free(v);
	return v != NULL;
}

static int has_userinfo(CURLU *h)
{
	return has_part(h, CURLUPART_USER) || has_part(h, CURLUPART_PASSWORD) ||
	       has_part(h, CURLUPART_OPTIONS);
}

static const char *explain(CURLUcode rc, const char *rest)
{
	size_t authority = strcspn(rest, "/?#");
	const char *at = memchr(rest, '@', authority);

	switch (rc) {
	case CURLUE_BAD_HOSTNAME:
		if (at != NULL && memchr(at + 1, '@', authority - (size_t)(at + 1 - rest)) != NULL)
			return "bad host name (an '@' in a user name or password must be "
			       "written %40)";
		return "bad host name";
	case CURLUE_NO_HOST:
		return "no host";
	case CURLUE_BAD_PORT_NUMBER:
		return "bad port number";
	case CURLUE_BAD_SCHEME:
	case CURLUE_UNSUPPORTED_SCHEME:
		return "bad scheme";
	case CURLUE_BAD_LOGIN:
	case CURLUE_BAD_USER:
	case CURLUE_BAD_PASSWORD:
		return "bad user name or password";
	case CURLUE_OUT_OF_MEMORY:
		return "out of memory";
	case NO_LIBCURL:
		return dynlib_libcurl.error;
	default:
		return "malformed URL";
	}
}

int url_is_plain(const char *s)
{
	static const char path_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                                 "0123456789-._~/";
	const char *rest = after_scheme(s), *p;
	size_t host, port;

	if (rest == NULL || (size_t)(rest - 3 - s) >= sizeof(((struct url_info *)0)->scheme) ||
	    after_pg_scheme(s) != NULL)
		return 0;
	p = rest;
	if (strncasecmp(s, "file://", 7) != 0) {
		if ((host = strspn(rest, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		                         "0123456789-.")) == 0)
			return 0;
		p += host;
		if (*p == ':') {
			port = strspn(p + 1, "0123456789");
			if (port == 0 || port > 5 || p[1] == '0' || strtol(p + 1, NULL, 10) > 65535)
				return 0;
			p += 1 + port;
		}
		if (*p == '\0')
			return 1;
	}
	return *p == '/' && p[strspn(p, path_chars)] == '\0';
}

int url_check(const char *s, struct url_info *out, const char **why)
{
	const char *rest = after_scheme(s);
	CURLUcode rc;
	CURLU *h;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	*why = NULL;
	if (rest == NULL) {
		const char *colon = strchr(s, ':'), *at = scp_at(s);

		if ((out->form = local_form(s)) == URL_PATH)
			return 0;
		memcpy(out->scheme, "ssh", 4);
		out->has_userinfo = at != NULL;
		if (colon == s || (at != NULL && at + 1 == colon)) {
			*why = "no host";
			return -1;
		}
		return 0;
	}
	out->form = URL_FULL;
	n = (size_t)(rest - 3 - s);
	if (n >= sizeof(out->scheme)) {
		*why = "bad scheme";
		return -1;
	}
	for (i = 0; i < n; i++)
		out->scheme[i] = (char)tolower((unsigned char)s[i]);
	if (after_pg_scheme(s) != NULL)
		return check_pg(rest, out, why);
	if (url_is_plain(s))
		return 0;
	if ((h = parse(s, &rc)) == NULL) {
		*why = explain(rc, rest);
		return -1;
	}
	out->has_userinfo = has_userinfo(h);
	curl_url_cleanup(h);
	return 0;
}

/* The scheme, "://" and "***": what is left of a URL that may hold credentials and cannot be parsed. */
static int put_hidden(struct buf *out, const char *s, const char *rest)
{
	if (buf_append(out, s, (size_t)(rest - s)) < 0)
		return -1;
	return buf_append_str(out, "***");
}

/* Query items keep their names; every value, and every item without '=', becomes "***". */
static int put_query(struct buf *out, const char *q)
{
	for (;;) {
		size_t n = strcspn(q, "&");
		const char *eq = memchr(q, '=', n);

		if (n > 0 && (eq != NULL ? buf_append(out, q, (size_t)(eq + 1 - q)) < 0 ||
		                               buf_append_str(out, "***") < 0
		                         : buf_append_str(out, "***") < 0))
			return -1;
		if (q[n] == '\0')
			return 0;
		if (buf_append_str(out, "&") < 0)
			return -1;
		q += n + 1;
	}
}

static int put_parsed(struct buf *out, CURLU *h, const char *rest)
{
	char *scheme = part(h, CURLUPART_SCHEME), *host = part(h, CURLUPART_HOST);
	char *zone = part(h, CURLUPART_ZONEID), *port = part(h, CURLUPART_PORT);
	char *path = part(h, CURLUPART_PATH), *query = part(h, CURLUPART_QUERY);
	int r = -1;

	if (scheme == NULL || buf_append_str(out, scheme) < 0 || buf_append_str(out, "://") < 0)
		goto out;
	if (has_userinfo(h) && buf_append_str(out, "***@") < 0)
		goto out;
	if (host != NULL) {
		size_t n = strlen(host);

		/* an IPv6 zone goes back inside the brackets */
		if (zone != NULL && n > 0 && host[n - 1] == ']') {
			if (buf_append(out, host, n - 1) < 0 ||
			    buf_printf(out, "%%25%s]", zone) < 0)
				goto out;
		} else if (buf_append_str(out, host) < 0) {
			goto out;
		}
	}
	if (port != NULL && buf_printf(out, ":%s", port) < 0)
		goto out;
	/* libcurl reports "/" for a URL without a path: print none then */
	if (path != NULL && (strcmp(path, "/") != 0 || rest[strcspn(rest, "/?#")] == '/') &&
	    buf_append_str(out, path) < 0)
		goto out;
	if (query != NULL && (buf_append_str(out, "?") < 0 || put_query(out, query) < 0))
		goto out;
	r = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(zone);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	return r;
}

int url_redact(const char *s, struct buf *out)
{
	const char *rest = after_scheme(s), *at;
	CURLUcode rc;
	CURLU *h;
	int r;

	if (rest == NULL) {
		if (local_form(s) == URL_PATH || (at = scp_at(s)) == NULL)
			return buf_append_str(out, s);
		return buf_append_str(out, "***") < 0 ? -1 : buf_append_str(out, at);
	}
	/* without these characters there is no user, password, query or fragment */
	if (strpbrk(rest, "@?#") == NULL)
		return buf_append_str(out, s);
	if (after_pg_scheme(s) != NULL)
		return put_pg(out, s, rest);
	if ((h = parse(s, &rc)) == NULL)
		return put_hidden(out, s, rest);
	r = put_parsed(out, h, rest);
	curl_url_cleanup(h);
	return r;
}

int url_redact_text(const char *text, struct buf *out)
{
	const char *p = text, *mark;
	struct buf token;
	int r = -1;

	buf_init(&token, strlen(text) + 1);
	while ((mark = strstr(p, "://")) != NULL) {
		const char *start = mark, *end = mark + 3 + strcspn(mark + 3, " \t\r\n\"'<>`");

		while (start > p && is_scheme_char(start[-1]))
			start--;
		while (start < mark && !isalpha((unsigned char)*start))
			start++;
		buf_reset(&token);
		if (buf_append(out, p, (size_t)(start - p)) < 0 ||
		    buf_append(&token, start, (size_t)(end - start)) < 0)
			goto out;
		/* "://" without a scheme is no URL, but it may still hold a password */
		if (start == mark && strpbrk(buf_cstr(&token), "@?#") != NULL) {
			if (buf_append_str(out, "://***") < 0)
				goto out;
		} else if (url_redact(buf_cstr(&token), out) < 0) {
			goto out;
		}
		p = end;
	}
	r = buf_append_str(out, p);
out:
	buf_release(&token);
	return r;
}

int url_http_endpoint(const char *url, char *out, size_t len, int *port)
{
	const char *rest = after_scheme(url);
	CURLUcode rc;
	CURLU *h;
	char *host, *p = NULL;
	size_t n, i;
	int r = -1;

	if (rest == NULL || len == 0 ||
	    (strncasecmp(url, "https://", 8) != 0 && strncasecmp(url, "http://", 7) != 0))
		return -1;
	/* "https:///x": libcurl would take the first path segment as the host */
	if (*rest == '/' || (h = parse(url, &rc)) == NULL)
		return -1;
	if ((host = part(h, CURLUPART_HOST)) == NULL)
		goto out;
	n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		n -= 2;
	}
	if (n == 0 || n >= len)
		goto out;
	if (port != NULL) {
		if (curl_url_get(h, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) != CURLUE_OK ||
		    p == NULL || strspn(p, "0123456789") != strlen(p) || strlen(p) > 5 ||
		    (*port = (int)strtol(p, NULL, 10)) <= 0 || *port > 65535)
			goto out;
	}
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)host[i]);
	out[n] = '\0';
	r = 0;
out:
	curl_free(p);
	curl_free(host);
	curl_url_cleanup(h);
	return r;
}

int url_http_host(const char *url, char *out, size_t len)
{
	return url_http_endpoint(url, out, len, NULL);
}
