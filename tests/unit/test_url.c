/* URLs: forms, checks, the redacted form, redaction inside messages, http hosts. */
#include "unit.h"

#include <curl/curl.h>
#include <string.h>

#include "common/buf.h"
#include "common/dynlib.h"
#include "common/url.h"

static void test_redact(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    /* user and password, whatever they hold */
	    {"https://user:pw@host/org/repo.git", "https://***@host/org/repo.git"},
	    {"https://token@host", "https://***@host"},
	    {"https://u:p@Host.Example:8443/r", "https://***@Host.Example:8443/r"},
	    {"https://u%3Ax:p%40y@host/a%20b", "https://***@host/a%20b"},
	    {"https://user:p:w@host/", "https://***@host/"},
	    {"HTTPS://U:P@HOST/X", "https://***@HOST/X"},
	    {"ssh://git@host:22/r", "ssh://***@host:22/r"},
	    /* query values and fragments */
	    {"https://host/x.git?private_token=abc", "https://host/x.git?private_token=***"},
	    {"https://host/r?access_token=x#frag", "https://host/r?access_token=***"},
	    {"https://h/?a&b=2&&c=", "https://h/?***&b=***&&c=***"},
	    {"https://host?x=1", "https://host?x=***"},
	    {"https://host/r#only-a-fragment", "https://host/r"},
	    {"https://u:p@host/x.git?private_token=t#f",
	     "https://***@host/x.git?private_token=***"},
	    {"file:///srv/x?token=1", "file:///srv/x?token=***"},
	    /* IPv6 hosts and zones */
	    {"https://[::1]:8443/x", "https://[::1]:8443/x"},
	    {"https://u:p@[::1]:8443/x?y=1", "https://***@[::1]:8443/x?y=***"},
	    {"https://u@[fe80::1%25eth0]/x", "https://***@[fe80::1%25eth0]/x"},
	    /* nothing to hide: as written */
	    {"https://host/a@b", "https://host/a@b"},
	    {"git://host/r", "git://host/r"},
	    {"file:///srv/git/p.git", "file:///srv/git/p.git"},
	    {"https://Host/A/../b", "https://Host/A/../b"},
	    {"unix:///var/run/docker.sock", "unix:///var/run/docker.sock"},
	    /* scp-like: the user goes, host and path stay */
	    {"git@github.com:org/repo.git", "***@github.com:org/repo.git"},
	    {"user:secret@host:org/repo.git", "***@host:org/repo.git"},
	    {"host:org/repo.git", "host:org/repo.git"},
	    {"host:org/a@b", "host:org/a@b"},
	    /* local paths */
	    {"/srv/git/pipelines.git", "/srv/git/pipelines.git"},
	    {"ci.git", "ci.git"},
	    {"./a:b@c", "./a:b@c"},
	    /* libpq's URIs, by libpq's grammar: several hosts, no host, every parameter value */
	    {"postgres://ci:s3cret@db.example:5432/mainline?sslmode=verify-full",
	     "postgres://***@db.example:5432/mainline?sslmode=***"},
	    {"postgresql://ci:pw@db1:5432,db2:5433/ci?target_session_attrs=read-write",
	     "postgresql://***@db1:5432,db2:5433/ci?target_session_attrs=***"},
	    {"postgres:///mainline?host=/var/run/postgresql&password=pw",
	     "postgres:///mainline?host=***&password=***"},
	    {"postgres://ci@[::1]:5432/db", "postgres://***@[::1]:5432/db"},
	    {"postgres://db.example/mainline", "postgres://db.example/mainline"},
	    {"postgres://h?password=a@b", "postgres://***@b"},
	    {"postgres://u:p@ss@host/db", "postgres://***@host/db"},
	    {"postgres://h/db@x?k", "postgres://h/db@x?***"},
	    {"POSTGRES://u:p@h/d", "POSTGRES://***@h/d"},
	    /* unparsable but possibly holding a credential: only the scheme is left */
	    {"https://user:pa@ss@host/x.git?private_token=tok", "https://***"},
	    {"https://u:p@host:99999/", "https://***"},
	    {"https://u:p@ho st/", "https://***"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;

		buf_init(&b, 4096);
		assert_int_equal(url_redact(cases[i].in, &b), 0);
		if (strcmp(buf_cstr(&b), cases[i].want) != 0)
			fail_msg("url_redact('%s') = '%s', want '%s'", cases[i].in, buf_cstr(&b),
			         cases[i].want);
		/* the redacted form has nothing left to hide */
		buf_reset(&b);
		assert_int_equal(url_redact(cases[i].want, &b), 0);
		assert_string_equal(buf_cstr(&b), cases[i].want);
		buf_release(&b);
	}
}

static void test_redact_text(void **state)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"cannot fetch 'https://bob:s3cret@127.0.0.1:1/repo.git': refused",
	     "cannot fetch 'https://***@127.0.0.1:1/repo.git': refused"},
	    {"a http://a@b/x and ftp://c:d@e?f=g end",
	     "a http://***@b/x and ftp://***@e?f=*** end"},
	    {"at the end https://u:p@h", "at the end https://***@h"},
	    {"(see https://u:p@h/x).", "(see https://***@h/x)."},
	    {"quoted \"https://h/?t=1\"", "quoted \"https://h/?t=***\""},
	    {"no url for alice@example.org", "no url for alice@example.org"},
	    {"expected unix:///path or tcp://host:port",
	     "expected unix:///path or tcp://host:port"},
	    {"bare ://u:p@h here", "bare ://*** here"},
	    {"9https://u:p@h", "9https://***@h"},
	    {"cannot connect to 'postgres://ci:pw@db1,db2/ci?sslmode=require': refused",
	     "cannot connect to 'postgres://***@db1,db2/ci?sslmode=***': refused"},
	    {"https://user:pa@ss@host/x?t=1", "https://***"},
	    {"", ""},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b;

		buf_init(&b, 4096);
		assert_int_equal(url_redact_text(cases[i].in, &b), 0);
		if (strcmp(buf_cstr(&b), cases[i].want) != 0)
			fail_msg("url_redact_text('%s') = '%s', want '%s'", cases[i].in,
			         buf_cstr(&b), cases[i].want);
		buf_release(&b);
	}
}

static void test_check(void **state)
{
	static const struct {
		const char *in;
		int ok;
		enum url_form form;
		const char *scheme;
		int userinfo;
		const char *why;
	} cases[] = {
	    {"https://git.example/ci.git", 0, URL_FULL, "https", 0, NULL},
	    {"HTTPS://git.example/ci.git", 0, URL_FULL, "https", 0, NULL},
	    {"https://u:p%40x@git.example/ci.git", 0, URL_FULL, "https", 1, NULL},
	    {"ssh://git@git.example/ci.git", 0, URL_FULL, "ssh", 1, NULL},
	    {"git://git.example/ci.git", 0, URL_FULL, "git", 0, NULL},
	    {"file:///srv/ci.git", 0, URL_FULL, "file", 0, NULL},
	    {"git@git.example:ci.git", 0, URL_SCP, "ssh", 1, NULL},
	    {"git.example:ci.git", 0, URL_SCP, "ssh", 0, NULL},
	    {"/srv/ci.git", 0, URL_PATH, "", 0, NULL},
	    {"ci", 0, URL_PATH, "", 0, NULL},
	    {"https://user:pa@ss@host/x.git", -1, URL_FULL, "https", 0, "%40"},
	    {"https://host:99999/", -1, URL_FULL, "https", 0, "bad port number"},
	    {"https://", -1, URL_FULL, "https", 0, "no host"},
	    {"http://ho st/", -1, URL_FULL, "http", 0, "bad host name"},
	    {"averyveryverylongscheme://host/", -1, URL_FULL, "", 0, "bad scheme"},
	    {"postgres://ci:pw@db1:5432,db2/ci?sslmode=require", 0, URL_FULL, "postgres", 1, NULL},
	    {"postgresql:///ci", 0, URL_FULL, "postgresql", 0, NULL},
	    {"postgres://ci:p@ss@db/ci", -1, URL_FULL, "postgres", 0, "%40"},
	    {"postgres://db?x=a@b/ci", -1, URL_FULL, "postgres", 0, "%3F"},
	    {"postgres://ci:p w@db/ci", -1, URL_FULL, "postgres", 0, "%20"},
	    {"postgres://db/ci#x", -1, URL_FULL, "postgres", 0, "%23"},
	    {":ci.git", -1, URL_SCP, "ssh", 0, "no host"},
	    {"git@:ci.git", -1, URL_SCP, "ssh", 1, "no host"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct url_info info;
		const char *why = "unset";
		int r = url_check(cases[i].in, &info, &why);

		if (r != cases[i].ok)
			fail_msg("url_check('%s') = %d, want %d", cases[i].in, r, cases[i].ok);
		assert_int_equal(info.form, cases[i].form);
		assert_string_equal(info.scheme, cases[i].scheme);
		if (r == 0) {
			assert_null(why);
			assert_int_equal(info.has_userinfo, cases[i].userinfo);
		} else {
			assert_non_null(strstr(why, cases[i].why));
			/* the explanation never quotes the URL */
			assert_null(strstr(why, cases[i].in));
		}
	}
}

static void test_http_host(void **state)
{
	static const struct {
		const char *in, *want; /* want NULL: -1 */
	} cases[] = {
	    {"https://u:p@Git.Example:8443/x", "git.example"},
	    {"http://[::1]:80/", "::1"},
	    {"HTTPS://HOST", "host"},
	    {"https://github.com/acme/ci.git", "github.com"},
	    {"http://localhost:8080", "localhost"},
	    {"https://host?x=@evil", "host"},
	    {"https://host#@evil", "host"},
	    {"https://[::1/x", NULL},
	    {"ssh://git@host/x", NULL},
	    {"git@host:x", NULL},
	    {"/local/path", NULL},
	    {"file:///x", NULL},
	    {"https:///evil.example/x", NULL},
	    {"https://user:pa@ss@host/", NULL},
	    {"https://a-very-long-host-name.example/", NULL}, /* longer than the buffer */
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char host[24] = "unchanged";
		int r = url_http_host(cases[i].in, host, sizeof(host));

		if (cases[i].want == NULL) {
			if (r != -1)
				fail_msg("url_http_host('%s') = '%s', want -1", cases[i].in, host);
		} else {
			assert_int_equal(r, 0);
			assert_string_equal(host, cases[i].want);
		}
	}
}

static void test_full_buffer(void **state)
{
	struct buf b;

	buf_init(&b, 8);
	assert_int_equal(url_redact("https://u:p@host.example/x", &b), -1);
	buf_release(&b);
	buf_init(&b, 8);
	assert_int_equal(url_redact_text("text https://u:p@host.example/x", &b), -1);
	buf_release(&b);
}

/*
 * The plainest URLs url_check() accepts without libcurl: each is one (or not) as the table
 * says, and libcurl's parser, with url.c's flags, accepts each plain one with no user info.
 */
static void test_plain_agrees_with_libcurl(void **state)
{
	static const struct {
		const char *in;
		int plain;
	} cases[] = {
	    {"git://127.0.0.1:9418/ci.git", 1},
	    {"git://git.example/ci.git", 1},
	    {"https://Git.Example/org/ci.git", 1},
	    {"ssh://git.example:2222/~ci/ci.git", 1},
	    {"git+ssh://git.example/ci", 1},
	    {"git://host", 1},
	    {"git://host:65535/", 1},
	    {"git://999.1.1.1/x", 1},
	    {"git://0x7f.1/x", 1},
	    {"git://-a.b-/x", 1},
	    {"file:///srv/ci.git", 1},
	    {"FILE:///srv/ci.git", 1},
	    {"git://host:65536/x", 0},
	    {"git://host:0/x", 0},
	    {"git://host:08/x", 0},
	    {"git://host:/x", 0},
	    {"git:///x", 0},
	    {"git://h_st/x", 0},
	    {"git://u@host/x", 0},
	    {"git://host/a%20b", 0},
	    {"git://host/a b", 0},
	    {"git://host/x?y", 0},
	    {"git://host/x#y", 0},
	    {"git://host/x:y", 0},
	    {"git://[::1]/x", 0},
	    {"file://host/srv", 0},
	    {"postgres://db/ci", 0},
	    {"averyveryverylongscheme://host/", 0},
	    {"/srv/ci.git", 0},
	    {"host:ci.git", 0},
	};
	size_t i;

	assert_int_equal(dynlib_need(&dynlib_libcurl), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct url_info info;
		const char *why;
		CURLU *h;

		if (url_is_plain(cases[i].in) != cases[i].plain)
			fail_msg("url_is_plain('%s') = %d, want %d", cases[i].in, !cases[i].plain,
			         cases[i].plain);
		if (!cases[i].plain)
			continue;
		assert_int_equal(url_check(cases[i].in, &info, &why), 0);
		assert_int_equal(info.has_userinfo, 0);
		assert_non_null(h = curl_url());
		if (curl_url_set(h, CURLUPART_URL, cases[i].in,
		                 CURLU_NON_SUPPORT_SCHEME | CURLU_PATH_AS_IS | CURLU_ALLOW_SPACE) !=
		    CURLUE_OK)
			fail_msg("libcurl refuses '%s'", cases[i].in);
		curl_url_cleanup(h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_redact),      cmocka_unit_test(test_redact_text),
	    cmocka_unit_test(test_check),       cmocka_unit_test(test_http_host),
	    cmocka_unit_test(test_full_buffer), cmocka_unit_test(test_plain_agrees_with_libcurl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
