#include "docker/container.h"

#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/json.h"

static int add_strings(cJSON *obj, const char *key, const char *const *list)
{
	cJSON *arr;

	if ((arr = cJSON_AddArrayToObject(obj, key)) == NULL)
		return -1;
	for (; list != NULL && *list != NULL; list++) {
		cJSON *s = cJSON_CreateString(*list);

		if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
			cJSON_Delete(s);
			return -1;
		}
	}
	return 0;
}

/*
 * One Mounts entry from "src:/dst[:ro|:rw]": a host path (from '/') is a
 * bind, a name a volume. NULL with ML_CONFIG for another form.
 */
static cJSON *mount_of(const char *b)
{
	const char *colon = strchr(b, ':'), *dst, *opt;
	char src[4096], target[4096];
	size_t n;
	int ro = 0;
	cJSON *m;

	if (colon == NULL || colon == b || colon[1] != '/' || (size_t)(colon - b) >= sizeof(src))
		goto bad;
	snprintf(src, sizeof(src), "%.*s", (int)(colon - b), b);
	dst = colon + 1;
	n = strlen(dst);
	if ((opt = strchr(dst, ':')) != NULL) {
		if (strcmp(opt, ":ro") != 0 && strcmp(opt, ":rw") != 0)
			goto bad;
		ro = strcmp(opt, ":ro") == 0;
		n = (size_t)(opt - dst);
	}
	if (n >= sizeof(target))
		goto bad;
	snprintf(target, sizeof(target), "%.*s", (int)n, dst);
	if ((m = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(m, "Type", src[0] == '/' ? "bind" : "volume") == NULL ||
	    cJSON_AddStringToObject(m, "Source", src) == NULL ||
	    cJSON_AddStringToObject(m, "Target", target) == NULL ||
	    (ro && cJSON_AddTrueToObject(m, "ReadOnly") == NULL)) {
		cJSON_Delete(m);
		ml_fail(ML_IO, "out of memory");
		return NULL;
	}
	return m;
bad:
	ml_fail(ML_CONFIG, "invalid bind '%s': expected source:/path[:ro|:rw]", b);
	return NULL;
}

static int add_mounts(cJSON *host, const struct container_spec *spec)
{
	const char *const *p;
	cJSON *mounts, *m;
	struct buf sock;
	int r = ML_IO;

	buf_init(&sock, 8192);
	if ((mounts = cJSON_AddArrayToObject(host, "Mounts")) == NULL)
		goto oom;
	for (p = spec->binds; p != NULL && *p != NULL; p++) {
		if ((m = mount_of(*p)) == NULL) {
			r = ml_error_reason() != ML_OK ? (int)ml_error_reason() : ML_CONFIG;
			goto out;
		}
		if (!cJSON_AddItemToArray(mounts, m)) {
			cJSON_Delete(m);
			goto oom;
		}
	}
	if (spec->docker_socket != NULL) {
		if (spec->docker_socket[0] != '/' || strchr(spec->docker_socket, ':') != NULL) {
			r = ml_fail(ML_CONFIG, "invalid docker socket path '%s'",
			            spec->docker_socket);
			goto out;
		}
		if (buf_printf(&sock, "%s:%s", spec->docker_socket, ENGINE_SOCKET_PATH) < 0)
			goto oom;
		if ((m = mount_of(buf_cstr(&sock))) == NULL) {
			r = ml_error_reason() != ML_OK ? (int)ml_error_reason() : ML_CONFIG;
			goto out;
		}
		if (!cJSON_AddItemToArray(mounts, m)) {
			cJSON_Delete(m);
			goto oom;
		}
	}
	r = 0;
	goto out;
oom:
	r = ml_fail(ML_IO, "out of memory");
out:
	buf_release(&sock);
	return r;
}

int container_network_is_mode(const char *network)
{
	return strcmp(network, "none") == 0 || strcmp(network, "host") == 0 ||
	       strcmp(network, "bridge") == 0 || strcmp(network, "default") == 0 ||
	       strncmp(network, "container:", 10) == 0;
}

/* The endpoint settings of one network: the aliases, on a user-defined network only. */
static cJSON *endpoint_of(const char *network, const char *const *aliases)
{
	cJSON *ep = cJSON_CreateObject();

	if (ep != NULL && aliases != NULL && aliases[0] != NULL &&
	    !container_network_is_mode(network) && add_strings(ep, "Aliases", aliases) < 0) {
		cJSON_Delete(ep);
		return NULL;
	}
	return ep;
}

static int add_network(cJSON *root, cJSON *host, const struct container_spec *spec)
{
	const char *net = spec->networks != NULL ? spec->networks[0] : NULL;
	cJSON *nc, *eps, *ep;

	if (net == NULL)
		return 0;
	if (*net == '\0')
		return ml_fail(ML_CONFIG, "empty network name");
	if (cJSON_AddStringToObject(host, "NetworkMode", net) == NULL)
		return ml_fail(ML_IO, "out of memory");
	if (strcmp(net, "none") == 0 || strcmp(net, "host") == 0 ||
	    strncmp(net, "container:", 10) == 0)
		return 0;
	if ((nc = cJSON_AddObjectToObject(root, "NetworkingConfig")) == NULL ||
	    (eps = cJSON_AddObjectToObject(nc, "EndpointsConfig")) == NULL ||
	    (ep = endpoint_of(net, spec->aliases)) == NULL)
		return ml_fail(ML_IO, "out of memory");
	if (!cJSON_AddItemToObject(eps, net, ep)) {
		cJSON_Delete(ep);
		return ml_fail(ML_IO, "out of memory");
	}
	return 0;
}

char *container_create_body(const struct container_spec *spec)
{
	cJSON *root = NULL, *labels, *host;
	const char *const *p;
	char *text = NULL;

	if (spec->image == NULL || *spec->image == '\0') {
		ml_fail(ML_CONFIG, "no image to run");
		goto out;
	}
	if (spec->workdir != NULL && spec->workdir[0] != '/') {
		ml_fail(ML_CONFIG, "working directory '%s' is not absolute", spec->workdir);
		goto out;
	}
	for (p = spec->env; p != NULL && *p != NULL; p++) {
		if (strchr(*p, '=') == NULL || **p == '=') {
			ml_fail(ML_CONFIG, "invalid environment entry '%s': expected NAME=value",
			        *p);
			goto out;
		}
	}
	if ((root = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(root, "Image", spec->image) == NULL ||
	    (spec->argv != NULL && spec->argv[0] != NULL &&
	     add_strings(root, "Cmd", spec->argv) < 0) ||
	    add_strings(root, "Env", spec->env) < 0 ||
	    (spec->workdir != NULL &&
	     cJSON_AddStringToObject(root, "WorkingDir", spec->workdir) == NULL) ||
	    cJSON_AddFalseToObject(root, "AttachStdin") == NULL ||
	    cJSON_AddTrueToObject(root, "AttachStdout") == NULL ||
	    cJSON_AddTrueToObject(root, "AttachStderr") == NULL ||
	    cJSON_AddFalseToObject(root, "Tty") == NULL ||
	    cJSON_AddFalseToObject(root, "OpenStdin") == NULL ||
	    cJSON_AddFalseToObject(root, "StdinOnce") == NULL ||
	    (labels = cJSON_AddObjectToObject(root, "Labels")) == NULL ||
	    (host = cJSON_AddObjectToObject(root, "HostConfig")) == NULL ||
	    cJSON_AddBoolToObject(host, "Init", !spec->no_init) == NULL)
		goto oom;
	for (p = spec->labels; p != NULL && *p != NULL; p++) {
		const char *eq = strchr(*p, '=');
		char key[256];

		if (eq == NULL || eq == *p || (size_t)(eq - *p) >= sizeof(key)) {
			ml_fail(ML_CONFIG, "invalid label '%s': expected key=value", *p);
			goto out;
		}
		snprintf(key, sizeof(key), "%.*s", (int)(eq - *p), *p);
		if (cJSON_AddStringToObject(labels, key, eq + 1) == NULL)
			goto oom;
	}
	if (add_mounts(host, spec) != 0 || add_network(root, host, spec) != 0)
		goto out;
	if ((text = cJSON_PrintUnformatted(root)) == NULL)
		goto oom;
	goto out;
oom:
	ml_fail(ML_IO, "out of memory");
out:
	cJSON_Delete(root);
	return text;
}

int container_init_missing(const char *msg)
{
	return strstr(msg, "docker-init") != NULL || strstr(msg, "catatonit") != NULL ||
	       strstr(msg, "container-init binary") != NULL;
}

/* The failure of create or start when the engine lacks an init binary, with the way out. */
static int init_missing(const struct http_response *res, const char *what)
{
	char msg[512];

	engine_error_message(res, msg, sizeof(msg));
	if (!container_init_missing(msg))
		return 0;
	/* the advice first: the engine's own message is long and may be cut */
	return ml_fail(
	    ML_ENGINE_ERROR,
	    "%s: the engine has no init binary for the pipeline's init process; install "
	    "docker-init (dockerd) or catatonit (Podman) on the engine's host, point the "
	    "engine at one (dockerd --init-path, containers.conf init_path), or set "
	    "init: false (%s)",
	    what, msg);
}

int container_parse_created(const char *json, size_t len, char *id)
{
	cJSON *root;
	const char *s;
	int r = ML_ENGINE_ERROR;

	root = json_parse(json, len, ENGINE_JSON_MAX);
	s = root != NULL ? json_string(root, "Id") : NULL;
	if (s == NULL || strlen(s) != CONTAINER_ID_LEN || !hex_is_lower(s, CONTAINER_ID_LEN)) {
		r = ml_fail(ML_ENGINE_ERROR,
		            "cannot parse the engine's answer to container create");
		goto out;
	}
	memcpy(id, s, CONTAINER_ID_LEN + 1);
	r = 0;
out:
	cJSON_Delete(root);
	return r;
}

int container_parse_wait(const char *json, size_t len, int *exit_code)
{
	const cJSON *err;
	const char *msg;
	cJSON *root;
	int64_t code;
	int r = ML_ENGINE_ERROR;

	root = json_parse(json, len, ENGINE_JSON_MAX);
	if (root == NULL || !cJSON_IsObject(root) || json_int64(root, "StatusCode", &code) < 0 ||
	    code < 0 || code > 255 * 256) {
		r = ml_fail(ML_ENGINE_ERROR, "cannot parse the engine's answer to container wait");
		goto out;
	}
	if ((err = json_object(root, "Error")) != NULL &&
	    (msg = json_string(err, "Message")) != NULL && *msg != '\0') {
		r = ml_fail(ML_ENGINE_ERROR, "cannot wait for the container: %s", msg);
		goto out;
	}
	*exit_code = (int)code;
	r = 0;
out:
	cJSON_Delete(root);
	return r;
}

int container_create(struct engine *e, const struct container_spec *spec, const char *name,
                     char *id)
{
	static const char *const headers[] = {"Content-Type: application/json", NULL};
	struct http_request req = {.method = "POST", .headers = headers, .timeout_ms = 120000};
	struct http_response res;
	struct buf path;
	char *body = NULL;
	int r = ML_ENGINE_ERROR;

	http_response_init(&res, ENGINE_JSON_MAX);
	buf_init(&path, 4096);
	/* HostConfig.Mounts came with API 1.25; the legacy Binds would create missing host paths */
	if (((spec->binds != NULL && spec->binds[0] != NULL) || spec->docker_socket != NULL) &&
	    engine_version_number(e->version) < engine_version_number("1.25")) {
		r = ml_fail(ML_ENGINE_ERROR,
		            "the docker engine at '%s' speaks API %s, which has no mounts "
		            "(HostConfig.Mounts came with 1.25, Docker 1.13)",
		            e->host, e->version);
		goto out;
	}
	if ((body = container_create_body(spec)) == NULL) {
		r = ml_error_reason() != ML_OK ? (int)ml_error_reason() : ML_CONFIG;
		goto out;
	}
	if (buf_append_str(&path, "/containers/create") < 0 ||
	    (name != NULL &&
	     (buf_append_str(&path, "?name=") < 0 || http_query_escape(name, &path) < 0))) {
		r = ml_fail(ML_CONFIG, "container name '%s' is too long", name);
		goto out;
	}
	req.body = body;
	req.body_len = strlen(body);
	if ((r = engine_request(e, &req, buf_cstr(&path), &res)) != 0)
		goto out;
	if (res.status != 201) {
		char what[400], msg[512];

		snprintf(what, sizeof(what), "cannot create container from image '%s'",
		         spec->image);
		engine_error_message(&res, msg, sizeof(msg));
		/* a missing network is 404 too, and a missing bind source 400 */
		if ((r = init_missing(&res, what)) == 0)
			r = engine_fail(res.status == 404 && strstr(msg, "network") == NULL
			                    ? ML_IMAGE_ERROR
			                    : ML_ENGINE_ERROR,
			                &res, "%s", what);
		goto out;
	}
	r = container_parse_created((const char *)res.body.data, res.body.len, id);
out:
	cJSON_free(body);
	buf_release(&path);
	http_response_release(&res);
	return r;
}

/* One short request about a container; ok_status lists accepted answers (0-terminated). */
static int simple_call(struct engine *e, const char *method, const char *path, const char *id,
                       long timeout_ms, const long *ok_status, const char *what)
{
	struct http_request req = {.method = method, .timeout_ms = timeout_ms};
	struct http_response res;
	int r = ML_ENGINE_ERROR;

	http_response_init(&res, ENGINE_JSON_MAX);
	if ((r = engine_request(e, &req, path, &res)) != 0)
		goto out;
	for (; *ok_status != 0; ok_status++) {
		if (res.status == *ok_status) {
			r = 0;
			goto out;
		}
	}
	r = engine_fail(ML_ENGINE_ERROR, &res, "cannot %s container '%.12s'", what, id);
out:
	http_response_release(&res);
	return r;
}

static int upload_canceled(void *ctx)
{
	volatile sig_atomic_t *cancel = ctx;

	return cancel != NULL && *cancel;
}

int container_upload(struct engine *e, const char *id, const char *path, http_upload_fn upload,
                     void *upload_ctx, volatile sig_atomic_t *cancel)
{
	static const char *const headers[] = {"Content-Type: application/x-tar", NULL};
	struct http_request req = {.method = "PUT", .headers = headers};
	struct http_response res;
	struct buf url;
	int r = ML_ENGINE_ERROR;

	http_response_init(&res, ENGINE_JSON_MAX);
	buf_init(&url, 8192);
	if (buf_printf(&url, "/containers/%s/archive?path=", id) < 0 ||
	    http_query_escape(path, &url) < 0) {
		r = ml_fail(ML_CONFIG, "working directory '%s' is too long", path);
		goto out;
	}
	req.upload = upload;
	req.upload_ctx = upload_ctx;
	req.should_abort = upload_canceled;
	req.abort_ctx = (void *)cancel;
	if ((r = engine_request(e, &req, buf_cstr(&url), &res)) != 0)
		goto out;
	if (res.status != 200) {
		r = engine_fail(ML_ENGINE_ERROR, &res,
		                "cannot upload the tree to '%s' in container '%.12s'", path, id);
		goto out;
	}
	r = 0;
out:
	buf_release(&url);
	http_response_release(&res);
	return r;
}

int container_connect(struct engine *e, const char *id, const char *network,
                      const char *const *aliases)
{
	static const char *const headers[] = {"Content-Type: application/json", NULL};
	struct http_request req = {.method = "POST", .headers = headers, .timeout_ms = 60000};
	struct http_response res;
	cJSON *root = NULL, *ep;
	struct buf path;
	char *body = NULL;
	int r = ML_ENGINE_ERROR;

	http_response_init(&res, ENGINE_JSON_MAX);
	buf_init(&path, 4096);
	if (buf_append_str(&path, "/networks/") < 0 || http_query_escape(network, &path) < 0 ||
	    buf_append_str(&path, "/connect") < 0) {
		r = ml_fail(ML_CONFIG, "network name '%.200s' is too long", network);
		goto out;
	}
	if ((root = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(root, "Container", id) == NULL ||
	    (ep = endpoint_of(network, aliases)) == NULL ||
	    !cJSON_AddItemToObject(root, "EndpointConfig", ep) ||
	    (body = cJSON_PrintUnformatted(root)) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	req.body = body;
	req.body_len = strlen(body);
	if ((r = engine_request(e, &req, buf_cstr(&path), &res)) != 0)
		goto out;
	if (res.status != 200) {
		r = engine_fail(ML_ENGINE_ERROR, &res,
		                "cannot connect container '%.12s' to network '%s'", id, network);
		goto out;
	}
	r = 0;
out:
	cJSON_free(body);
	cJSON_Delete(root);
	buf_release(&path);
	http_response_release(&res);
	return r;
}

int container_start(struct engine *e, const char *id)
{
	struct http_request req = {.method = "POST", .timeout_ms = 60000};
	struct http_response res;
	char path[128], what[128];
	int r;

	http_response_init(&res, ENGINE_JSON_MAX);
	snprintf(path, sizeof(path), "/containers/%.64s/start", id);
	if ((r = engine_request(e, &req, path, &res)) != 0)
		goto out;
	if (res.status == 204 || res.status == 304)
		goto out;
	snprintf(what, sizeof(what), "cannot start container '%.12s'", id);
	if ((r = init_missing(&res, what)) == 0)
		r = engine_fail(ML_ENGINE_ERROR, &res, "%s", what);
out:
	http_response_release(&res);
	return r;
}

int container_kill(struct engine *e, const char *id, const char *signal)
{
	static const long ok[] = {204, 404, 409, 0};
	char path[160];

	snprintf(path, sizeof(path), "/containers/%.64s/kill?signal=%.16s", id, signal);
	return simple_call(e, "POST", path, id, 30000, ok, "signal");
}

int container_stop(struct engine *e, const char *id, int seconds)
{
	static const long ok[] = {204, 304, 404, 0};
	char path[160];

	snprintf(path, sizeof(path), "/containers/%.64s/stop?t=%d", id, seconds);
	return simple_call(e, "POST", path, id, (seconds + 30) * 1000L, ok, "stop");
}

int container_remove(struct engine *e, const char *id)
{
	static const long ok[] = {204, 404, 0};
	char path[160];

	snprintf(path, sizeof(path), "/containers/%.64s?force=1&v=1", id);
	return simple_call(e, "DELETE", path, id, 60000, ok, "remove");
}

static int status_known(void *ctx, long status)
{
	long *out = ctx;

	*out = status;
	return 1; /* the archive itself is not wanted */
}

int container_path_exists(struct engine *e, const char *id, const char *path)
{
	struct http_request req = {.method = "GET", .timeout_ms = 30000};
	struct http_response res;
	struct buf url;
	long status = 0;
	int r = ML_ENGINE_ERROR;

	http_response_init(&res, ENGINE_JSON_MAX);
	buf_init(&url, 8192);
	if (buf_printf(&url, "/containers/%.64s/archive?path=", id) < 0 ||
	    http_query_escape(path, &url) < 0) {
		r = ml_fail(ML_CONFIG, "path '%s' is too long", path);
		goto out;
	}
	req.on_headers = status_known;
	req.headers_ctx = &status;
	r = engine_request(e, &req, buf_cstr(&url), &res);
	if (status == 200 || status == 404) {
		/* the abort after the status is ours, not a failure */
		if (r != 0)
			ml_error_clear();
		r = status == 200;
		goto out;
	}
	if (status != 0) {
		ml_error_clear();
		r = ml_fail(ML_ENGINE_ERROR, "cannot look for '%s' in container '%.12s': HTTP %ld",
		            path, id, status);
	}
out:
	buf_release(&url);
	http_response_release(&res);
	return r;
}
