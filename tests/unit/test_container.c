/* Container operations: the create body and the engine's answers to create and wait. */
#include "unit.h"

#include <string.h>

#include "common/error.h"
#include "common/json.h"
#include "docker/container.h"

static void test_wait_and_create_answers(void **state)
{
	char id[CONTAINER_ID_LEN + 1];
	int code = -1;

	static const char exit7[] = "{\"StatusCode\":7,\"Error\":null}";
	static const char exit0[] = "{\"StatusCode\":0,\"Error\":{\"Message\":\"\"}}";

	assert_int_equal(container_parse_wait(exit7, strlen(exit7), &code), 0);
	assert_int_equal(code, 7);
	assert_int_equal(container_parse_wait(exit0, strlen(exit0), &code), 0);
	assert_int_equal(code, 0);
	static const char *const bad_wait[] = {
	    "{\"StatusCode\":\"0\"}",
	    "{\"StatusCode\":1.5}",
	    "{\"StatusCode\":-1}",
	    "{}",
	    "",
	    "{\"StatusCode\":0,\"Error\":{\"Message\":\"container died\"}}",
	    "{\"StatusCode\":1e300}"};
	for (size_t i = 0; i < sizeof(bad_wait) / sizeof(bad_wait[0]); i++)
		assert_int_equal(container_parse_wait(bad_wait[i], strlen(bad_wait[i]), &code),
		                 ML_ENGINE_ERROR);

	static const char good[] =
	    "{\"Id\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}";
	assert_int_equal(container_parse_created(good, strlen(good), id), 0);
	assert_string_equal(id, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	static const char *const bad_id[] = {
	    "{\"Id\":\"0123\"}",
	    "{\"Id\":\"../../etc/passwd/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
	    "{\"Id\":\"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\"}",
	    "{\"ID\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}"};
	for (size_t i = 0; i < sizeof(bad_id) / sizeof(bad_id[0]); i++)
		assert_int_equal(container_parse_created(bad_id[i], strlen(bad_id[i]), id),
		                 ML_ENGINE_ERROR);
}

static void test_create_body(void **state)
{
	static const char *const argv[] = {"sh", "-c", "echo hi", NULL};
	static const char *const env[] = {"A=1", NULL};
	static const char *const labels[] = {"mainline.commit=abc", "x=y=z", NULL};
	static const char *const binds[] = {"cache:/cache", "/host:/h:ro", NULL};
	struct container_spec spec = {.image = "img:1",
	                              .argv = argv,
	                              .env = env,
	                              .workdir = "/src",
	                              .labels = labels,
	                              .binds = binds,
	                              .docker_socket = 1};
	const cJSON *host, *l;
	cJSON *j;
	char *body;

	body = container_create_body(&spec, "/run/docker.sock");
	assert_non_null(body);
	j = json_parse(body, strlen(body), 65536);
	assert_non_null(j);
	assert_string_equal(json_string(j, "Image"), "img:1");
	assert_string_equal(json_string(j, "WorkingDir"), "/src");
	assert_int_equal(cJSON_GetArraySize(json_array(j, "Cmd")), 3);
	l = json_object(j, "Labels");
	assert_string_equal(json_string(l, "x"), "y=z");
	host = json_object(j, "HostConfig");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(host, "Init")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "Tty")));
	assert_int_equal(cJSON_GetArraySize(json_array(host, "Binds")), 3);
	assert_string_equal(cJSON_GetArrayItem(json_array(host, "Binds"), 2)->valuestring,
	                    "/run/docker.sock:/var/run/docker.sock");
	cJSON_Delete(j);
	cJSON_free(body);

	/* refused specs */
	assert_null(container_create_body(&spec, NULL)); /* socket over TCP */
	spec.docker_socket = 0;
	spec.workdir = "relative";
	assert_null(container_create_body(&spec, NULL));
	spec.workdir = "/src";
	static const char *const bad_labels[] = {"novalue", NULL};
	spec.labels = bad_labels;
	assert_null(container_create_body(&spec, NULL));
	spec.labels = labels;
	static const char *const bad_env[] = {"=x", NULL};
	spec.env = bad_env;
	assert_null(container_create_body(&spec, NULL));
	spec.env = env;
	static const char *const bad_binds[] = {"nocolon", NULL};
	spec.binds = bad_binds;
	assert_null(container_create_body(&spec, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wait_and_create_answers),
	    cmocka_unit_test(test_create_body),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
