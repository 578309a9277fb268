#include "common/proxy.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "common/url.h"

#define HOST_MAX 256
#define ENTRY_MAX 512

static const char *env_value(char **envp, const char *name)
{
	size_t n = strlen(name);

	if (envp == NULL)
		return getenv(name);
	for (; *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

static void read_var(struct proxy_var *out, char **envp, const char *lower, const char *upper)
{
	const char *v = env_value(envp, lower);

	out->name = lower;
	if (v == NULL || *v == '\0') {
		v = env_value(envp, upper);
		out->name = upper;
	}
	out->value = v != NULL && *v != '\0' ? v : NULL;
}

void proxy_env_read(struct proxy_env *out, char **envp)
{
	read_var(&out->http, envp, "http_proxy", "HTTP_PROXY");
	read_var(&out->https, envp, "https_proxy", "HTTPS_PROXY");
	read_var(&out->all, envp, "all_proxy", "ALL_PROXY");
	read_var(&out->no, envp, "no_proxy", "NO_PROXY");
}

/* An IP address (v4 or v6) in n bytes of s: 4 or 16 (the family's size) with addr filled, or 0. */
static int ip_parse(const char *s, size_t n, unsigned char addr[16])
{
	char text[INET6_ADDRSTRLEN + 1];

	if (n == 0 || n >= sizeof(text))
		return 0;
	memcpy(text, s, n);
	text[n] = '\0';
	if (inet_pton(AF_INET, text, addr) == 1)
		return 4;
	if (inet_pton(AF_INET6, text, addr) == 1)
		return 16;
	return 0;
}

/* Whether the first bits of a and b agree. */
static int prefix_equal(const unsigned char *a, const unsigned char *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole) != 0)
		return 0;
	return rest == 0 || ((a[whole] ^ b[whole]) & (0xffu << (8 - rest)) & 0xffu) == 0;
}

/* "addr/bits" against an address host. */
static int cidr_matches(const char *e, size_t n, const unsigned char *host_addr, int host_fam)
{
	const char *slash = memchr(e, '/', n);
	unsigned char net[16];
	size_t bn = n - (size_t)(slash - e) - 1;
	unsigned long bits;
	char digits[4];
	int fam;

	if (host_fam == 0 || bn == 0 || bn >= sizeof(digits) ||
	    strspn(slash + 1, "0123456789") < bn ||
	    (fam = ip_parse(e, (size_t)(slash - e), net)) != host_fam)
		return 0;
	memcpy(digits, slash + 1, bn);
	digits[bn] = '\0';
	bits = strtoul(digits, NULL, 10);
	return bits <= (unsigned long)fam * 8 && prefix_equal(net, host_addr, (unsigned)bits);
}

/* Digits of a port, 1 to 65535, in n bytes of s; -1 when they are not. */
static int parse_port(const char *s, size_t n)
{
	char digits[6];
	long v;

	if (n == 0 || n >= sizeof(digits) || strspn(s, "0123456789") < n)
		return -1;
	memcpy(digits, s, n);
	digits[n] = '\0';
	v = strtol(digits, NULL, 10);
	return v >= 1 && v <= 65535 ? (int)v : -1;
}

/*
 * Splits an entry into its name and its port (0: none): "host:port",
 * "[v6]:port", "[v6]", or a name without a port (an IPv6 address has more
 * than one ':'). 0, or -1 when malformed.
 */
static int split_port(const char *e, size_t n, const char **name, size_t *name_len, int *port)
{
	const char *colon;

	*port = 0;
	*name = e;
	*name_len = n;
	if (e[0] == '[') {
		const char *close = memchr(e, ']', n);

		if (close == NULL)
			return -1;
		*name = e + 1;
		*name_len = (size_t)(close - e) - 1;
		if (close + 1 == e + n)
			return 0;
		if (close[1] != ':')
			return -1;
		colon = close + 1;
	} else {
		colon = memchr(e, ':', n);
		if (colon == NULL || memchr(colon + 1, ':', n - (size_t)(colon - e) - 1) != NULL)
			return 0;
		*name_len = (size_t)(colon - e);
	}
	*port = parse_port(colon + 1, n - (size_t)(colon + 1 - e));
	return *port < 0 ? -1 : 0;
}

/* One entry (n bytes, no separator in it) against host and port. */
static int entry_matches(const char *e, size_t n, const char *host, int port,
                         const unsigned char *host_addr, int host_fam)
{
	unsigned char addr[16];
	const char *name;
	size_t nn, hn = strlen(host);
	int fam, want_port;

	if (n == 1 && e[0] == '*')
		return 1;
	if (memchr(e, '/', n) != NULL)
		return cidr_matches(e, n, host_addr, host_fam);
	if (split_port(e, n, &name, &nn, &want_port) < 0 || (want_port != 0 && want_port != port))
		return 0;
	if ((fam = ip_parse(name, nn, addr)) != 0)
		return fam == host_fam && memcmp(addr, host_addr, (size_t)fam) == 0;
	/* a domain: ".example.com" and "*.example.com" mean what "example.com" does */
	if (nn >= 2 && name[0] == '*' && name[1] == '.') {
		name += 2;
		nn -= 2;
	} else if (nn >= 1 && name[0] == '.') {
		name++;
		nn--;
	}
	if (nn > 0 && name[nn - 1] == '.')
		nn--;
	if (hn > 0 && host[hn - 1] == '.')
		hn--;
	if (nn == 0 || host_fam != 0)
		return 0;
	if (hn == nn)
		return strncasecmp(host, name, nn) == 0;
	return hn > nn && host[hn - nn - 1] == '.' && strncasecmp(host + hn - nn, name, nn) == 0;
}

int proxy_no_proxy_matches(const char *list, const char *host, int port)
{
	unsigned char host_addr[16];
	int host_fam = ip_parse(host, strlen(host), host_addr);
	const char *p = list;

	while (p != NULL && *p != '\0') {
		size_t n;

		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n > 0 && n <= ENTRY_MAX && entry_matches(p, n, host, port, host_addr, host_fam))
			return 1;
		p += n;
	}
	return 0;
}

/*
 * Writes libcurl's default proxy port, 1080, into a proxy URL that has none
 * (its host starts at out + off, past "scheme://"), so that libgit2, which
 * would take the scheme's, connects where libcurl does.
 */
static int add_default_port(const struct proxy_var *var, char *out, size_t len, size_t off)
{
	char *host = out + off;
	size_t end = strcspn(host, "/?#"), at, n = strlen(out);
	const char *close;

	for (at = end; at > 0 && host[at - 1] != '@'; at--)
		;
	close = host[at] == '[' ? memchr(host + at, ']', end - at) : host + at;
	if (close != NULL && memchr(close, ':', end - (size_t)(close - host)) != NULL)
		return 0;
	if (n + 5 >= len) {
		out[0] = '\0';
		return ml_fail(ML_CONFIG, "variable '%s' is too long for a proxy URL", var->name);
	}
	memmove(host + end + 5, host + end, n - off - end + 1);
	memcpy(host + end, ":1080", 5);
	return 0;
}

/*
 * The value of var as a proxy URL into out ("http://" added when it has
 * none). The message may quote it: ml_fail() hides a URL's credentials.
 */
static int proxy_url(const struct proxy_var *var, char *out, size_t len)
{
	static const char *const schemes[] = {"http://",   "https://",   "socks4://", "socks4a://",
	                                      "socks5://", "socks5h://", NULL};
	const char *v = var->value, *why = NULL, *host;
	struct url_info info;
	size_t i;

	if ((size_t)snprintf(out, len, "%s%s", strstr(v, "://") != NULL ? "" : "http://", v) >=
	    len) {
		out[0] = '\0';
		return ml_fail(ML_CONFIG, "variable '%s' is too long for a proxy URL", var->name);
	}
	for (i = 0; schemes[i] != NULL && strncasecmp(out, schemes[i], strlen(schemes[i])) != 0;
	     i++)
		;
	host = schemes[i] != NULL ? out + strlen(schemes[i]) : NULL;
	if (host == NULL || *host == '\0' || *host == '/' || *host == ':' ||
	    url_check(out, &info, &why) < 0 || info.form != URL_FULL) {
		ml_fail(ML_CONFIG,
		        "variable '%s' is not a proxy URL ('%s'%s%s): want http://, https:// or "
		        "socks5:// and a host",
		        var->name, out, why != NULL ? ": " : "", why != NULL ? why : "");
		out[0] = '\0';
		return ML_CONFIG;
	}
	return add_default_port(var, out, len, (size_t)(host - out));
}

int proxy_for_url(const struct proxy_env *env, const char *url, char *out, size_t len)
{
	const struct proxy_var *var;
	char host[HOST_MAX];
	int port;

	out[0] = '\0';
	if (strncasecmp(url, "https://", 8) == 0)
		var = &env->https;
	else if (strncasecmp(url, "http://", 7) == 0)
		var = &env->http;
	else
		return 0;
	if (var->value == NULL)
		var = &env->all;
	if (var->value == NULL)
		return 0;
	if (url_http_endpoint(url, host, sizeof(host), &port) < 0)
		return ml_fail(ML_CONFIG, "cannot tell the host of a URL to choose its proxy");
	if (env->no.value != NULL && proxy_no_proxy_matches(env->no.value, host, port))
		return 0;
	return proxy_url(var, out, len);
}
