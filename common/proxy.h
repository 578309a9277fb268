/*
 * The proxy of mainline's own HTTP(S) connections: one decision for every
 * client, libcurl's (common/http.c: the audit webhook, OTLP, the Drone API,
 * a tcp:// engine) and libgit2's fetch (verify/source.c), so that both read
 * the same variables the same way. libcurl alone would ignore an upper-case
 * HTTP_PROXY and libgit2 alone ALL_PROXY, and their no_proxy rules differ.
 *
 * The variables are those runner-go passes to every step, each in both
 * cases: http_proxy, https_proxy, all_proxy, no_proxy. The lower-case name
 * is read first, the upper-case one when it is unset or empty (as libcurl
 * and libgit2 do; runner-go sets both to one value). A URL's proxy is
 * <scheme>_proxy, else all_proxy, unless no_proxy matches its host. See
 * docs/engine.md ("Proxies") for the no_proxy rules.
 */
#ifndef MAINLINE_PROXY_H
#define MAINLINE_PROXY_H

#include <stddef.h>

#define PROXY_URL_MAX 2048

struct proxy_var {
	const char *name;  /* the variable the value came from, for messages */
	const char *value; /* NULL when neither case is set (or both are empty) */
};

struct proxy_env {
	struct proxy_var http, https, all, no;
};

/*
 * Reads the variables from envp ("NAME=value" strings, NULL-terminated), or
 * from the process environment when envp is NULL. The values are borrowed.
 */
void proxy_env_read(struct proxy_env *out, char **envp);

/*
 * The proxy for a connection to url: 0 with out holding the proxy's URL
 * ("http://" put before a value without a scheme, ":1080", libcurl's
 * default, after a host without a port), or out empty for a direct
 * connection (url is not http or https, no variable names a proxy for its
 * scheme, or no_proxy matches its host). ML_CONFIG when the variable is not
 * a proxy URL (http, https, socks4, socks4a, socks5 or socks5h, with a host)
 * or url cannot be parsed; the message names the variable, and shows a
 * value only without its credentials.
 */
int proxy_for_url(const struct proxy_env *env, const char *url, char *out, size_t len);

/*
 * Whether the no_proxy list holds an entry for host (lower case, without
 * brackets) and port: "*"; an IP address or CIDR block ("10.0.0.0/8",
 * "fd00::/8") for an address host; a domain name, which also covers its
 * subdomains, a leading "." or "*." and a trailing "." not counting; an
 * optional ":port" (on an IPv6 address: "[::1]:8080") that must then be the
 * port. Entries are separated by commas or white space; case does not
 * matter.
 */
int proxy_no_proxy_matches(const char *list, const char *host, int port);

#endif
