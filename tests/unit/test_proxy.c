/* The proxy of mainline's connections: the variables, their cases, no_proxy. */
#include "unit.h"

#include <stdio.h>
#include <string.h>

#include "common/error.h"
#include "common/proxy.h"

static void test_no_proxy(void **state)
{
	static const struct {
		const char *list, *host;
		int port, want;
	} cases[] = {
	    {"*", "anything.example", 443, 1},
	    {"example.com", "example.com", 443, 1},
	    {"example.com", "git.example.com", 443, 1},
	    {"example.com", "a.b.example.com", 80, 1},
	    {".example.com", "example.com", 443, 1},
	    {".example.com", "git.example.com", 443, 1},
	    {"*.example.com", "git.example.com", 443, 1},
	    {"example.com.", "git.example.com", 443, 1},
	    {"example.com", "git.example.com.", 443, 1},
	    {"EXAMPLE.com", "git.example.com", 443, 1},
	    {"example.com", "notexample.com", 443, 0},
	    {"example.com", "example.com.evil", 443, 0},
	    {"git.example.com", "example.com", 443, 0},
	    {"", "example.com", 443, 0},
	    {",,  ,", "example.com", 443, 0},
	    {".", "example.com", 443, 0},
	    {"*.", "example.com", 443, 0},
	    /* lists: commas, spaces, both */
	    {"a.test,example.com", "example.com", 443, 1},
	    {"a.test example.com", "example.com", 443, 1},
	    {" a.test , example.com ", "example.com", 443, 1},
	    {"a.test,b.test", "example.com", 443, 0},
	    /* ports */
	    {"example.com:8443", "example.com", 8443, 1},
	    {"example.com:8443", "example.com", 443, 0},
	    {"example.com:", "example.com", 443, 0},
	    {"example.com:x", "example.com", 443, 0},
	    {"example.com:99999", "example.com", 443, 0},
	    /* addresses and blocks */
	    {"127.0.0.1", "127.0.0.1", 80, 1},
	    {"127.0.0.1", "127.0.0.2", 80, 0},
	    {"127.0.0.1:8080", "127.0.0.1", 8080, 1},
	    {"127.0.0.1:8080", "127.0.0.1", 80, 0},
	    {"10.0.0.0/8", "10.20.30.40", 80, 1},
	    {"10.0.0.0/8", "11.0.0.1", 80, 0},
	    {"10.1.0.0/16", "10.1.255.1", 80, 1},
	    {"10.1.0.0/17", "10.1.128.1", 80, 0},
	    {"0.0.0.0/0", "192.0.2.1", 80, 1},
	    {"10.0.0.0/33", "10.0.0.1", 80, 0},
	    {"10.0.0.0/", "10.0.0.1", 80, 0},
	    {"10.0.0.0/8", "ten.example", 80, 0},
	    {"::1", "::1", 443, 1},
	    {"[::1]", "::1", 443, 1},
	    {"[::1]:8443", "::1", 8443, 1},
	    {"[::1]:8443", "::1", 443, 0},
	    {"[::1", "::1", 443, 0},
	    {"fd00::/8", "fd12::3", 443, 1},
	    {"fd00::/8", "fe80::1", 443, 0},
	    {"fd00::/8", "10.0.0.1", 443, 0},
	    {"10.0.0.0/8", "fd00::1", 443, 0},
	    /* an address is not a domain's subdomain */
	    {"0.1", "10.0.0.1", 80, 0},
	    {"localhost", "127.0.0.1", 80, 0},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = proxy_no_proxy_matches(cases[i].list, cases[i].host, cases[i].port);

		if (got != cases[i].want)
			fail_msg("no_proxy '%s' for %s:%d = %d, want %d", cases[i].list,
			         cases[i].host, cases[i].port, got, cases[i].want);
	}
}

static void test_cases_of_variables(void **state)
{
	char *both[] = {"http_proxy=http://lower:1", "HTTP_PROXY=http://upper:2", NULL};
	char *upper[] = {"HTTP_PROXY=http://upper:2", "HTTPS_PROXY=upper:3", "ALL_PROXY=all:4",
	                 "NO_PROXY=skip.test", NULL};
	char *empty_lower[] = {"https_proxy=", "HTTPS_PROXY=http://upper:3", NULL};
	char *none[] = {"PATH=/bin", NULL};
	struct proxy_env pe;

	proxy_env_read(&pe, both);
	assert_string_equal(pe.http.value, "http://lower:1");
	assert_string_equal(pe.http.name, "http_proxy");
	assert_null(pe.https.value);
	proxy_env_read(&pe, upper);
	assert_string_equal(pe.http.value, "http://upper:2");
	assert_string_equal(pe.http.name, "HTTP_PROXY");
	assert_string_equal(pe.https.value, "upper:3");
	assert_string_equal(pe.all.value, "all:4");
	assert_string_equal(pe.no.value, "skip.test");
	proxy_env_read(&pe, empty_lower);
	assert_string_equal(pe.https.value, "http://upper:3");
	assert_string_equal(pe.https.name, "HTTPS_PROXY");
	proxy_env_read(&pe, none);
	assert_null(pe.http.value);
	assert_null(pe.https.value);
	assert_null(pe.all.value);
	assert_null(pe.no.value);
}

static void test_for_url(void **state)
{
	char *env[] = {"HTTP_PROXY=http://web:3128", "https_proxy=secure.proxy:3129",
	               "NO_PROXY=internal.test,10.0.0.0/8,[::1]", NULL};
	char *all_only[] = {"ALL_PROXY=socks5h://socks:1080", NULL};
	static const struct {
		const char *url, *want; /* want NULL: direct */
	} cases[] = {
	    {"http://git.example/r.git", "http://web:3128"},
	    {"HTTP://git.example/r.git", "http://web:3128"},
	    {"https://git.example/r.git", "http://secure.proxy:3129"},
	    {"https://user:pw@git.example:8443/r.git", "http://secure.proxy:3129"},
	    {"https://git.internal.test/r.git", NULL},
	    {"https://10.1.2.3/hook", NULL},
	    {"http://[::1]:4318/v1/traces", NULL},
	    {"ssh://git@git.example/r.git", NULL},
	    {"git://git.example/r.git", NULL},
	    {"file:///srv/r.git", NULL},
	    {"/srv/r.git", NULL},
	    {"git@git.example:r.git", NULL},
	};
	char out[PROXY_URL_MAX];
	struct proxy_env pe;
	size_t i;

	proxy_env_read(&pe, env);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = proxy_for_url(&pe, cases[i].url, out, sizeof(out));

		if (cases[i].want == NULL) {
			if (r != 0 || out[0] != '\0')
				fail_msg("%s: %d ('%s'), want direct", cases[i].url, r, out);
		} else if (r != 0 || strcmp(out, cases[i].want) != 0) {
			fail_msg("%s: %d ('%s'), want '%s'", cases[i].url, r, out, cases[i].want);
		}
	}
	proxy_env_read(&pe, all_only);
	assert_int_equal(proxy_for_url(&pe, "https://x.example/", out, sizeof(out)), 0);
	assert_string_equal(out, "socks5h://socks:1080");
	assert_int_equal(proxy_for_url(&pe, "http://x.example/", out, sizeof(out)), 0);
	assert_string_equal(out, "socks5h://socks:1080");
}

/* A proxy without a port gets libcurl's 1080, so that libgit2 goes to the same place. */
static void test_default_port(void **state)
{
	static const struct {
		const char *value, *want;
	} cases[] = {
	    {"proxy", "http://proxy:1080"},
	    {"http://proxy", "http://proxy:1080"},
	    {"http://proxy/", "http://proxy:1080/"},
	    {"http://u:p@proxy", "http://u:p@proxy:1080"},
	    {"http://u:p@proxy:3128", "http://u:p@proxy:3128"},
	    {"http://[::1]", "http://[::1]:1080"},
	    {"http://[::1]:3128/", "http://[::1]:3128/"},
	    {"https://proxy.example", "https://proxy.example:1080"},
	};
	char kv[128], out[PROXY_URL_MAX], *env[2] = {kv, NULL};
	struct proxy_env pe;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(kv, sizeof(kv), "https_proxy=%s", cases[i].value);
		proxy_env_read(&pe, env);
		assert_int_equal(proxy_for_url(&pe, "https://git.example/", out, sizeof(out)), 0);
		assert_string_equal(out, cases[i].want);
	}
}

static void test_bad_proxy_values(void **state)
{
	static const char *const bad[] = {
	    "ftp://proxy:21", "http://", "http:///path", "http://:3128", "gopher://x", "http://a b",
	};
	char *env[3] = {NULL, NULL, NULL}, kv[128], out[PROXY_URL_MAX];
	struct proxy_env pe;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(kv, sizeof(kv), "https_proxy=%s", bad[i]);
		env[0] = kv;
		proxy_env_read(&pe, env);
		ml_error_clear();
		if (proxy_for_url(&pe, "https://git.example/", out, sizeof(out)) != ML_CONFIG)
			fail_msg("proxy '%s' accepted as '%s'", bad[i], out);
		assert_non_null(strstr(ml_error_message(), "variable 'https_proxy'"));
	}
	/* the message shows the value without its credentials */
	env[0] = "HTTPS_PROXY=ftp://bob:hunter2@proxy:21";
	proxy_env_read(&pe, env);
	ml_error_clear();
	assert_int_equal(proxy_for_url(&pe, "https://git.example/", out, sizeof(out)), ML_CONFIG);
	assert_null(strstr(ml_error_message(), "hunter2"));
	assert_non_null(strstr(ml_error_message(), "HTTPS_PROXY"));
	/* a bad value is only an error where it would be used */
	env[0] = "http_proxy=ftp://x";
	env[1] = "NO_PROXY=git.example";
	proxy_env_read(&pe, env);
	assert_int_equal(proxy_for_url(&pe, "http://git.example/", out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_proxy),         cmocka_unit_test(test_cases_of_variables),
	    cmocka_unit_test(test_for_url),          cmocka_unit_test(test_default_port),
	    cmocka_unit_test(test_bad_proxy_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
