/* Container operations: the create body and the engine's answers to create and wait. */
#include "unit.h"

#include <stdio.h>
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

/* The n-th Mounts entry's fields, as one string "Type Source Target ro|rw". */
static void mount_text(const cJSON *host, int n, char *out, size_t len)
{
	const cJSON *m = cJSON_GetArrayItem(json_array(host, "Mounts"), n);

	snprintf(out, len, "%s %s %s %s", json_string(m, "Type"), json_string(m, "Source"),
	         json_string(m, "Target"),
	         cJSON_IsTrue(cJSON_GetObjectItem(m, "ReadOnly")) ? "ro" : "rw");
}

static void test_create_body(void **state)
{
	static const char *const argv[] = {"sh", "-c", "echo hi", NULL};
	static const char *const env[] = {"A=1", NULL};
	static const char *const labels[] = {"mainline.commit=abc", "x=y=z", NULL};
	static const char *const binds[] = {"cache:/cache", "/host:/h:ro", "/w:/drone:rw", NULL};
	static const char *const networks[] = {"drone-abc", "extra", NULL};
	static const char *const aliases[] = {"release-pipeline", NULL};
	struct container_spec spec = {.image = "img:1",
	                              .argv = argv,
	                              .env = env,
	                              .workdir = "/src",
	                              .labels = labels,
	                              .binds = binds,
	                              .docker_socket = "/run/user/1000/docker.sock",
	                              .networks = networks,
	                              .aliases = aliases};
	const cJSON *host, *l, *ep;
	char text[256];
	cJSON *j;
	char *body;

	body = container_create_body(&spec);
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
	/* no legacy Binds: they make the engine create a missing host path */
	assert_null(cJSON_GetObjectItem(host, "Binds"));
	assert_int_equal(cJSON_GetArraySize(json_array(host, "Mounts")), 4);
	mount_text(host, 0, text, sizeof(text));
	assert_string_equal(text, "volume cache /cache rw");
	mount_text(host, 1, text, sizeof(text));
	assert_string_equal(text, "bind /host /h ro");
	mount_text(host, 2, text, sizeof(text));
	assert_string_equal(text, "bind /w /drone rw");
	mount_text(host, 3, text, sizeof(text));
	assert_string_equal(text, "bind /run/user/1000/docker.sock /var/run/docker.sock rw");
	/* one network at create, with the aliases */
	assert_string_equal(json_string(host, "NetworkMode"), "drone-abc");
	ep = json_object(json_object(json_object(j, "NetworkingConfig"), "EndpointsConfig"),
	                 "drone-abc");
	assert_non_null(ep);
	assert_string_equal(cJSON_GetArrayItem(json_array(ep, "Aliases"), 0)->valuestring,
	                    "release-pipeline");
	assert_int_equal(
	    cJSON_GetArraySize(json_object(json_object(j, "NetworkingConfig"), "EndpointsConfig")),
	    1);
	cJSON_Delete(j);
	cJSON_free(body);

	/* init off; network none: no endpoint; the engine's default: nothing said */
	static const char *const none[] = {"none", NULL};
	static const char *const bridge[] = {"bridge", NULL};
	spec.no_init = 1;
	spec.networks = none;
	spec.docker_socket = NULL;
	body = container_create_body(&spec);
	j = json_parse(body, strlen(body), 65536);
	host = json_object(j, "HostConfig");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(host, "Init")));
	assert_string_equal(json_string(host, "NetworkMode"), "none");
	assert_null(cJSON_GetObjectItem(j, "NetworkingConfig"));
	assert_int_equal(cJSON_GetArraySize(json_array(host, "Mounts")), 3);
	cJSON_Delete(j);
	cJSON_free(body);
	spec.networks = bridge; /* the engine refuses aliases on its own networks */
	body = container_create_body(&spec);
	j = json_parse(body, strlen(body), 65536);
	ep = json_object(json_object(json_object(j, "NetworkingConfig"), "EndpointsConfig"),
	                 "bridge");
	assert_non_null(ep);
	assert_null(cJSON_GetObjectItem(ep, "Aliases"));
	cJSON_Delete(j);
	cJSON_free(body);
	spec.networks = NULL;
	body = container_create_body(&spec);
	j = json_parse(body, strlen(body), 65536);
	assert_null(cJSON_GetObjectItem(json_object(j, "HostConfig"), "NetworkMode"));
	cJSON_Delete(j);
	cJSON_free(body);

	/* refused specs */
	spec.docker_socket = "relative.sock";
	assert_null(container_create_body(&spec));
	spec.docker_socket = NULL;
	spec.workdir = "relative";
	assert_null(container_create_body(&spec));
	spec.workdir = "/src";
	static const char *const bad_labels[] = {"novalue", NULL};
	spec.labels = bad_labels;
	assert_null(container_create_body(&spec));
	spec.labels = labels;
	static const char *const bad_env[] = {"=x", NULL};
	spec.env = bad_env;
	assert_null(container_create_body(&spec));
	spec.env = env;
	static const char *const bad_binds[][2] = {{"nocolon", NULL},
	                                           {":/x", NULL},
	                                           {"v:relative", NULL},
	                                           {"v:/x:z", NULL},
	                                           {"v:/x:ro:rw", NULL}};
	for (size_t i = 0; i < sizeof(bad_binds) / sizeof(bad_binds[0]); i++) {
		spec.binds = bad_binds[i];
		ml_error_clear();
		assert_null(container_create_body(&spec));
		assert_int_equal(ml_error_reason(), ML_CONFIG);
	}
}

static void test_init_missing(void **state)
{
	static const char *const missing[] = {
	    /* dockerd 20.10, at start */
	    "exec: \"docker-init\": executable file not found in $PATH",
	    /* dockerd with an --init-path that is not there */
	    "failed to create shim task: OCI runtime create failed: runc create failed: unable to "
	    "start container process: error during container init: error mounting "
	    "\"/nonexistent\" to rootfs at \"/sbin/docker-init\": no such file or directory",
	    /* Podman 4.3, at create */
	    "container create: container-init binary not found on the host: stat "
	    "/usr/libexec/podman/catatonit: no such file or directory",
	    /* Podman 5 */
	    "container create: lookup init binary: exec: \"catatonit\": executable file not found "
	    "in $PATH",
	};
	static const char *const other[] = {
	    "No such image: x:1",
	    "invalid mount config for type \"bind\": bind source path does not exist: /x",
	    "network drone-abc not found",
	    "",
	};
	size_t i;

	for (i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
		assert_true(container_init_missing(missing[i]));
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		assert_false(container_init_missing(other[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wait_and_create_answers),
	    cmocka_unit_test(test_create_body),
	    cmocka_unit_test(test_init_missing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
