/* The engine connection without an engine: DOCKER_HOST forms and API versions. */
#include "unit.h"

#include <string.h>

#include "common/error.h"
#include "docker/engine.h"

static void test_version_numbers(void **state)
{
	assert_int_equal(engine_version_number("1.41"), 1041);
	assert_int_equal(engine_version_number("1.24"), 1024);
	assert_int_equal(engine_version_number("2.0"), 2000);
	assert_int_equal(engine_version_number(""), -1);
	assert_int_equal(engine_version_number("1."), -1);
	assert_int_equal(engine_version_number("1.41x"), -1);
	assert_int_equal(engine_version_number(".41"), -1);
	assert_int_equal(engine_version_number("1.4444"), -1);
	assert_true(engine_version_number(ENGINE_API_OURS) > engine_version_number(ENGINE_API_MIN));
}

static void test_parse_host(void **state)
{
	char sock[128], hp[128];

	assert_int_equal(
	    engine_parse_host("unix:///var/run/docker.sock", 0, sock, sizeof(sock), hp, sizeof(hp)),
	    0);
	assert_string_equal(sock, "/var/run/docker.sock");
	assert_int_equal(
	    engine_parse_host("tcp://127.0.0.1:2376", 1, sock, sizeof(sock), hp, sizeof(hp)), 0);
	assert_string_equal(hp, "127.0.0.1:2376");
	assert_string_equal(sock, "");
	assert_int_equal(
	    engine_parse_host("tcp://docker.local", 0, sock, sizeof(sock), hp, sizeof(hp)), 0);
	assert_string_equal(hp, "docker.local:2375");
	assert_int_equal(
	    engine_parse_host("tcp://docker.local", 1, sock, sizeof(sock), hp, sizeof(hp)), 0);
	assert_string_equal(hp, "docker.local:2376");
	assert_int_equal(
	    engine_parse_host("tcp://[::1]:2375", 0, sock, sizeof(sock), hp, sizeof(hp)), 0);
	assert_string_equal(hp, "[::1]:2375");
	assert_int_equal(engine_parse_host("tcp://[::1]", 0, sock, sizeof(sock), hp, sizeof(hp)),
	                 0);
	assert_string_equal(hp, "[::1]:2375");

	static const char *const bad[] = {"unix://",          "unix://relative",     "tcp://",
	                                  "tcp://a b:1",      "tcp://h:1/path",      "ssh://host",
	                                  "http://host:2375", "/var/run/docker.sock"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(engine_parse_host(bad[i], 0, sock, sizeof(sock), hp, sizeof(hp)),
		                 ML_CONFIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_version_numbers),
	    cmocka_unit_test(test_parse_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
