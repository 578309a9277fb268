/*
 * URLs as mainline checks, prints, records and turns into host names: the one
 * parser of them, built on libcurl's URL API (CURLU). It is the second, small
 * libcurl user besides the HTTP client (common/http.c) and the only other file
 * that includes curl's header (common/dynlib_libcurl.c aside). The plainest URLs
 * (url_is_plain) and those without '@', '?' or '#' (url_redact) are checked and
 * printed without libcurl, which is then not loaded at all.
 *
 * A repository location has one of three forms, told apart as git does:
 *   URL_PATH  a local path: no "://", and no ':' before the first '/'
 *   URL_SCP   "[user@]host:path" (ssh): no "://", a ':' before any '/'
 *   URL_FULL  "scheme://[user[:password]@]host[:port][/path][?query][#fragment]",
 *             file:// included
 *
 * The redacted form, the only one ever printed or recorded, keeps the scheme,
 * host, port and path and hides the rest: user and password together become "***"
 * (the authority "bot:t0ken@git.example" becomes "***@git.example"), every
 * query value becomes "***"
 * (a query item without '=' as a whole), the fragment is dropped. Local paths
 * and URLs without '@', '?' or '#' are printed as they are.
 *
 * libpq's connection URIs (postgres://, postgresql://: the shared state, common/pg.h) have a
 * grammar of their own, which libcurl does not read (several hosts, "postgres:///db"): they
 * are checked and redacted by libpq's rules here, so a message never shows their password,
 * wherever it stands: "u:pw@db1:5432,db2:5432/ci?sslmode=require" after the scheme becomes
 * "***@db1:5432,db2:5432/ci?sslmode=***".
 */
#ifndef MAINLINE_URL_H
#define MAINLINE_URL_H

#include <stddef.h>

#include "common/buf.h"

enum url_form { URL_PATH, URL_SCP, URL_FULL };

struct url_info {
	enum url_form form;
	char scheme[16];  /* lower case; "ssh" for URL_SCP, "" for URL_PATH */
	int has_userinfo; /* a user, password or login options are present */
};

/*
 * Classifies s and checks that a URL_FULL location is a well-formed URL.
 * Returns 0 with *out filled, or -1 with *why set to a short, lower-case
 * explanation that never quotes s ("bad host name", ...; the loader's message
 * when a URL needs libcurl's parser and libcurl cannot be loaded).
 */
int url_check(const char *s, struct url_info *out, const char **why);

/*
 * Whether s is one of the plainest URLs, "scheme://host[:port][/path]" (file:// with a path
 * only) of letters, digits and "-._~/", which url_check() accepts, with no user info, without
 * asking libcurl: a warm re-check of such a source does not load libcurl. libcurl accepts
 * every one of them too (tests/fuzz/fuzz_url.c compares the two on every input).
 */
int url_is_plain(const char *s);

/*
 * Appends the redacted form of s to out. An URL that cannot be parsed but may
 * carry credentials (it holds '@', '?' or '#') is written as its scheme, "://" and "***".
 * 0, or -1 when out is full.
 */
int url_redact(const char *s, struct buf *out);

/*
 * Appends text with every "scheme://..." token in it redacted as url_redact
 * does (a token ends at white space, a quote, '<', '>' or '`'); the rest is
 * copied unchanged. For messages that may quote a URL. 0, or -1 when out is
 * full.
 */
int url_redact_text(const char *text, struct buf *out);

/*
 * The host of an http(s) URL, lower case, without brackets, zone, user info
 * and port ("https://u:p@Git.Example:8443/x" -> "git.example", "http://[::1]/"
 * -> "::1"). 0, or -1 for other forms and schemes, malformed URLs and hosts
 * longer than len - 1.
 */
int url_http_host(const char *url, char *out, size_t len);

/* The same host, and the port in *port (the scheme's default, 80 or 443, when absent). */
int url_http_endpoint(const char *url, char *out, size_t len, int *port);

#endif
