/* Images: references, registry auth, pull progress, inspect answers, pull policy. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/json.h"
#include "docker/image.h"
#include "docker/registry_auth.h"

static void test_ref_split(void **state)
{
	char repo[256], tag[256];

	assert_int_equal(image_ref_split("busybox", repo, sizeof(repo), tag, sizeof(tag)), 0);
	assert_string_equal(repo, "busybox");
	assert_string_equal(tag, "latest");
	assert_int_equal(
	    image_ref_split("localhost:5000/a/b:1.2", repo, sizeof(repo), tag, sizeof(tag)), 0);
	assert_string_equal(repo, "localhost:5000/a/b");
	assert_string_equal(tag, "1.2");
	assert_int_equal(image_ref_split("localhost:5000/a", repo, sizeof(repo), tag, sizeof(tag)),
	                 0);
	assert_string_equal(repo, "localhost:5000/a");
	assert_string_equal(tag, "latest");
	assert_int_equal(image_ref_split("x@sha256:abcd", repo, sizeof(repo), tag, sizeof(tag)), 0);
	assert_string_equal(repo, "x");
	assert_string_equal(tag, "sha256:abcd");

	static const char *const bad[] = {
	    "", "x:", "/x", ":1", "@sha256:1", "x y", "x/:1", "x\n", "a&fromSrc=evil"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(image_ref_split(bad[i], repo, sizeof(repo), tag, sizeof(tag)),
		                 ML_IMAGE_ERROR);
}

static void test_registry_host(void **state)
{
	static const char *const cases[][2] = {
	    {"busybox", "docker.io"},
	    {"library/busybox:1", "docker.io"},
	    {"user/app", "docker.io"},
	    {"docker.io/library/x", "docker.io"},
	    {"index.docker.io/x/y", "docker.io"},
	    {"ghcr.io/o/r:1", "ghcr.io"},
	    {"localhost/x", "localhost"},
	    {"localhost:5000/x:1", "localhost:5000"},
	    {"127.0.0.1:5000/x", "127.0.0.1:5000"},
	    {"localhost", "docker.io"},
	};
	char host[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		image_registry_host(cases[i][0], host, sizeof(host));
		assert_string_equal(host, cases[i][1]);
	}
}

/* Decodes an X-Registry-Auth value back into JSON. */
static cJSON *decode_auth(const struct buf *b)
{
	struct buf raw, std;
	cJSON *j;
	size_t i;

	buf_init(&std, 65536);
	buf_init(&raw, 65536);
	assert_int_equal(buf_append(&std, b->data, b->len), 0);
	for (i = 0; i < std.len; i++) {
		assert_true(std.data[i] != '+' && std.data[i] != '/');
		if (std.data[i] == '-')
			std.data[i] = '+';
		else if (std.data[i] == '_')
			std.data[i] = '/';
	}
	assert_int_equal(base64_decode((const char *)std.data, std.len, &raw), 0);
	j = json_parse((const char *)raw.data, raw.len, 65536);
	assert_non_null(j);
	buf_release(&raw);
	buf_release(&std);
	return j;
}

static void test_auth_header(void **state)
{
	/* "alice:s3cr?t>>" in base64 (exercises '+' and '/' in the output) */
	static const char config[] =
	    "{\"auths\":{"
	    "\"https://index.docker.io/v1/\":{\"auth\":\"aHViOmh1YnBhc3M=\"},"
	    "\"127.0.0.1:5000\":{\"auth\":\"YWxpY2U6czNjcj90Pj4=\"},"
	    "\"https://ghcr.io/v2/\":{\"username\":\"bob\",\"password\":\"pw\"},"
	    "\"broken.example\":{\"auth\":\"!!!\"},"
	    "\"nocolon.example\":{\"auth\":\"bm9jb2xvbg==\"},"
	    "\"token.example\":{\"identitytoken\":\"refresh-1\"},"
	    "\"empty.example\":{}}}";
	struct buf out;
	cJSON *j;

	buf_init(&out, 65536);
	assert_int_equal(registry_auth_header(config, strlen(config), "127.0.0.1:5000", NULL, &out),
	                 0);
	j = decode_auth(&out);
	assert_string_equal(json_string(j, "username"), "alice");
	assert_string_equal(json_string(j, "password"), "s3cr?t>>");
	assert_string_equal(json_string(j, "serveraddress"), "127.0.0.1:5000");
	cJSON_Delete(j);

	buf_reset(&out);
	assert_int_equal(registry_auth_header(config, strlen(config), "docker.io", NULL, &out), 0);
	j = decode_auth(&out);
	assert_string_equal(json_string(j, "username"), "hub");
	assert_string_equal(json_string(j, "serveraddress"), REGISTRY_HUB_KEY);
	cJSON_Delete(j);

	buf_reset(&out);
	assert_int_equal(registry_auth_header(config, strlen(config), "ghcr.io", NULL, &out), 0);
	j = decode_auth(&out);
	assert_string_equal(json_string(j, "username"), "bob");
	assert_string_equal(json_string(j, "password"), "pw");
	cJSON_Delete(j);

	/* an identity token goes as identitytoken, never as a password */
	buf_reset(&out);
	assert_int_equal(registry_auth_header(config, strlen(config), "token.example", NULL, &out),
	                 0);
	j = decode_auth(&out);
	assert_string_equal(json_string(j, "identitytoken"), "refresh-1");
	assert_null(json_string(j, "password"));
	assert_null(json_string(j, "username"));
	assert_string_equal(json_string(j, "serveraddress"), "token.example");
	cJSON_Delete(j);

	/* no entry, or an entry without credentials: anonymous */
	buf_reset(&out);
	assert_int_equal(registry_auth_header(config, strlen(config), "quay.io", NULL, &out), 1);
	assert_int_equal(registry_auth_header(config, strlen(config), "empty.example", NULL, &out),
	                 1);
	assert_int_equal(registry_auth_header(config, strlen(config), "127.0.0.1", NULL, &out), 1);
	assert_int_equal(out.len, 0);
	/* broken entries and broken files are errors, not anonymous pulls */
	assert_int_equal(registry_auth_header(config, strlen(config), "broken.example", NULL, &out),
	                 ML_CONFIG);
	assert_int_equal(
	    registry_auth_header(config, strlen(config), "nocolon.example", NULL, &out), ML_CONFIG);
	assert_int_equal(registry_auth_header("{\"auths\":", 9, "docker.io", NULL, &out),
	                 ML_CONFIG);
	assert_int_equal(registry_auth_header("[]", 2, "docker.io", NULL, &out), ML_CONFIG);
	assert_int_equal(registry_auth_header("{}", 2, "docker.io", NULL, &out), 1);
	buf_release(&out);
}

struct lines {
	char text[2048];
	int count;
};

static void on_line(void *ctx, const char *line)
{
	struct lines *l = ctx;
	size_t used = strlen(l->text);

	snprintf(l->text + used, sizeof(l->text) - used, "%s\n", line);
	l->count++;
}

static void test_progress_changes_only(void **state)
{
	static const char stream[] =
	    "{\"status\":\"Pulling from mainline-test/busybox\",\"id\":\"1\"}\n"
	    "{\"status\":\"Pulling fs layer\",\"progressDetail\":{},\"id\":\"abc\"}\n"
	    "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":1,\"total\":9},"
	    "\"progress\":\"[=>  ]\",\"id\":\"abc\"}\r\n"
	    "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":5,\"total\":9},\"id\":"
	    "\"abc\"}\n"
	    "\n"
	    "{\"status\":\"Download complete\",\"id\":\"abc\"}\n"
	    "{\"status\":\"Digest: sha256:00\"}\n"
	    "{\"status\":\"Status: Downloaded newer image for x:1\"}";
	struct pull_progress *p = malloc(sizeof(*p));
	struct lines l;
	size_t i;

	/* every chunking gives the same lines */
	for (i = 1; i < sizeof(stream); i += 7) {
		size_t off;

		memset(&l, 0, sizeof(l));
		pull_progress_init(p, "x:1", on_line, &l);
		for (off = 0; off < sizeof(stream) - 1; off += i) {
			size_t n = sizeof(stream) - 1 - off < i ? sizeof(stream) - 1 - off : i;

			assert_int_equal(pull_progress_feed(p, (const uint8_t *)stream + off, n),
			                 0);
		}
		assert_int_equal(pull_progress_finish(p), 0);
		assert_int_equal(l.count, 6);
		assert_string_equal(l.text,
		                    "pulling x:1: 1: Pulling from mainline-test/busybox\n"
		                    "pulling x:1: abc: Pulling fs layer\n"
		                    "pulling x:1: abc: Downloading\n"
		                    "pulling x:1: abc: Download complete\n"
		                    "pulling x:1: Digest: sha256:00\n"
		                    "pulling x:1: Status: Downloaded newer image for x:1\n");
	}
	free(p);
}

static void test_progress_errors(void **state)
{
	static const char *const bad[] = {
	    "{\"status\":\"Downloading\"}\n{\"errorDetail\":{\"message\":\"unauthorized: bad "
	    "creds\"},\"error\":\"unauthorized: bad creds\"}\n",
	    "{\"error\":\"manifest unknown\"}\n",
	    "{\"errorDetail\":{}}\n",
	    "not json\n",
	    "[1,2]\n",
	    "{\"status\":\"x\"}{\"status\":\"y\"}\n",
	    "{\"status\":\"truncated", /* no newline: checked at finish */
	};
	struct pull_progress *p = malloc(sizeof(*p));
	size_t i;
	int r;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ml_error_clear();
		pull_progress_init(p, "x:1", NULL, NULL);
		r = pull_progress_feed(p, (const uint8_t *)bad[i], strlen(bad[i]));
		if (r == 0)
			r = pull_progress_finish(p);
		assert_int_equal(r, ML_IMAGE_ERROR);
		assert_int_equal(ml_error_reason(), ML_IMAGE_ERROR);
		/* stays failed */
		assert_int_equal(pull_progress_feed(p, (const uint8_t *)"{}\n", 3), ML_IMAGE_ERROR);
	}
	ml_error_clear();
	pull_progress_init(p, "x:1", NULL, NULL);
	assert_int_equal(pull_progress_feed(p, (const uint8_t *)bad[1], strlen(bad[1])),
	                 ML_IMAGE_ERROR);
	assert_string_equal(ml_error_message(), "cannot pull image 'x:1': manifest unknown");
	free(p);
}

static void test_progress_line_limit(void **state)
{
	struct pull_progress *p = malloc(sizeof(*p));
	uint8_t chunk[4096];
	size_t fed = 0;
	int r = 0;

	memset(chunk, ' ', sizeof(chunk));
	pull_progress_init(p, "x:1", NULL, NULL);
	while (r == 0 && fed <= IMAGE_PROGRESS_LINE_MAX) {
		r = pull_progress_feed(p, chunk, sizeof(chunk));
		fed += sizeof(chunk);
	}
	assert_int_equal(r, ML_IMAGE_ERROR);
	assert_true(fed <= IMAGE_PROGRESS_LINE_MAX + sizeof(chunk));
	free(p);
}

static void test_digest_from_inspect(void **state)
{
	static const char j[] = "{\"Id\":\"sha256:1111\",\"RepoDigests\":["
	                        "\"other/x@sha256:2222\",\"localhost:5000/x@sha256:3333\","
	                        "\"busybox@sha256:4444\"]}";
	char d[160];

	assert_int_equal(
	    image_digest_from_inspect(j, strlen(j), "localhost:5000/x:1", d, sizeof(d), NULL, 0),
	    0);
	assert_string_equal(d, "sha256:3333");
	{
		char id[160];

		/* the id names the image to create from, whatever digest is recorded */
		assert_int_equal(image_digest_from_inspect(j, strlen(j), "localhost:5000/x:1", d,
		                                           sizeof(d), id, sizeof(id)),
		                 0);
		assert_string_equal(id, "sha256:1111");
	}
	assert_int_equal(image_digest_from_inspect(j, strlen(j), "docker.io/library/busybox:1", d,
	                                           sizeof(d), NULL, 0),
	                 0);
	assert_string_equal(d, "sha256:4444");
	assert_int_equal(image_digest_from_inspect(j, strlen(j), "mine:1", d, sizeof(d), NULL, 0),
	                 0);
	assert_string_equal(d, "sha256:1111");

	static const char *const bad[] = {"{}", "{\"Id\":1}",       "{\"Id\":\"\"}",
	                                  "[]", "{\"Id\":\"x y\"}", "{\"Id\":\"sha256:1\"} x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
		    image_digest_from_inspect(bad[i], strlen(bad[i]), "x:1", d, sizeof(d), NULL, 0),
		    ML_ENGINE_ERROR);
}

static void test_pull_policy(void **state)
{
	enum pull_policy p;

	assert_int_equal(pull_policy_parse("always", &p), 0);
	assert_int_equal(p, PULL_ALWAYS);
	assert_int_equal(pull_policy_parse("never", &p), 0);
	assert_int_equal(p, PULL_NEVER);
	assert_int_equal(pull_policy_parse("if-not-exists", &p), 0);
	assert_int_equal(p, PULL_IF_NOT_EXISTS);
	assert_int_equal(pull_policy_parse(NULL, &p), 0);
	assert_int_equal(p, PULL_IF_NOT_EXISTS);
	assert_int_equal(pull_policy_parse("sometimes", &p), ML_CONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ref_split),
	    cmocka_unit_test(test_registry_host),
	    cmocka_unit_test(test_auth_header),
	    cmocka_unit_test(test_progress_changes_only),
	    cmocka_unit_test(test_progress_errors),
	    cmocka_unit_test(test_progress_line_limit),
	    cmocka_unit_test(test_digest_from_inspect),
	    cmocka_unit_test(test_pull_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
