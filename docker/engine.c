#include "docker/engine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/json.h"

int engine_version_number(const char *v)
{
	long major = 0, minor = 0;
	const char *p = v;
	int digits;

	for (digits = 0; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
		major = major * 10 + (*p - '0');
	if (digits == 0 || *p++ != '.')
		return -1;
	for (digits = 0; *p >= '0' && *p <= '9' && digits < 3; p++, digits++)
		minor = minor * 10 + (*p - '0');
	if (digits == 0 || *p != '\0')
		return -1;
	return (int)(major * 1000 + minor);
}

int engine_parse_host(const char *host, int tls, char *socket_out, size_t socket_len,
                      char *host_port, size_t host_port_len)
{
	const char *rest;
	size_t n;

	socket_out[0] = '\0';
	host_port[0] = '\0';
	if (strncmp(host, "unix://", 7) == 0) {
		rest = host + 7;
		n = strlen(rest);
		if (n == 0 || rest[0] != '/' || n >= socket_len)
			return ml_fail(ML_CONFIG, "invalid docker host '%s': expected unix:///path",
			               host);
		memcpy(socket_out, rest, n + 1);
		return 0;
	}
	if (strncmp(host, "tcp://", 6) == 0) {
		rest = host + 6;
		n = strcspn(rest, "/");
		if (n == 0 || (rest[n] == '/' && rest[n + 1] != '\0') ||
		    strspn(rest,
		           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") <
		        n)
			return ml_fail(ML_CONFIG,
			               "invalid docker host '%s': expected tcp://host:port", host);
		/* a port is present when the last ':' follows any IPv6 ']' */
		if (memchr(rest, ':', n) != NULL &&
		    (rest[0] != '[' || (memchr(rest, ']', n) != NULL &&
		                        ((const char *)memchr(rest, ']', n))[1] == ':'))) {
			if (n >= host_port_len)
				return ml_fail(ML_CONFIG, "docker host '%s' is too long", host);
			memcpy(host_port, rest, n);
			host_port[n] = '\0';
		} else if ((size_t)snprintf(host_port, host_port_len, "%.*s:%d", (int)n, rest,
		                            tls ? 2376 : 2375) >= host_port_len) {
			return ml_fail(ML_CONFIG, "docker host '%s' is too long", host);
		}
		return 0;
	}
	return ml_fail(ML_CONFIG, "unsupported docker host '%s': use unix:// or tcp://", host);
}

static char *path_join(const char *dir, const char *name)
{
	struct buf b;

	buf_init(&b, 4096);
	if (buf_printf(&b, "%s/%s", dir, name) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static int setup_tls(struct engine *e, const struct engine_options *opt)
{
	const char *dir = opt != NULL ? opt->cert_path : NULL;
	const char *home;
	char fallback[4096];

	if (dir == NULL || *dir == '\0')
		dir = getenv("DOCKER_CERT_PATH");
	if (dir == NULL || *dir == '\0') {
		home = getenv("HOME");
		if (home == NULL || *home == '\0')
			return ml_fail(ML_CONFIG, "no DOCKER_CERT_PATH and no HOME for the "
			                          "docker TLS certificates");
		if ((size_t)snprintf(fallback, sizeof(fallback), "%s/.docker", home) >=
		    sizeof(fallback))
			return ml_fail(ML_CONFIG, "HOME is too long");
		dir = fallback;
	}
	if ((e->ca_file = path_join(dir, "ca.pem")) == NULL ||
	    (e->cert_file = path_join(dir, "cert.pem")) == NULL ||
	    (e->key_file = path_join(dir, "key.pem")) == NULL)
		return ml_fail(ML_IO, "out of memory");
	if (access(e->ca_file, R_OK) != 0)
		return ml_fail(ML_CONFIG, "cannot read docker TLS CA certificate '%s'", e->ca_file);
	e->tls.ca_file = e->ca_file;
	/* like the docker CLI, the client certificate is used when present */
	if (access(e->cert_file, R_OK) == 0 && access(e->key_file, R_OK) == 0) {
		e->tls.cert_file = e->cert_file;
		e->tls.key_file = e->key_file;
	}
	e->use_tls = 1;
	return 0;
}

/*
 * The HTTP layer names the URL, which for a unix socket is a placeholder:
 * say which engine could not be reached instead.
 */
/*
 * What the socket file itself says when connecting failed: libcurl only
 * says it could not connect, which hides a missing socket or a group the
 * step's user lacks (a non-root plugin image without the socket's group).
 */
static void socket_detail(const char *path, char *detail, size_t len)
{
	struct stat st;

	if (stat(path, &st) != 0)
		snprintf(detail, len, "%s", strerror(errno));
	else if (!S_ISSOCK(st.st_mode))
		snprintf(detail, len, "not a socket");
	else if (access(path, R_OK | W_OK) != 0 && errno == EACCES)
		snprintf(detail, len,
		         "permission denied (the socket belongs to uid %u, group %u: run mainline "
		         "as root or with that group)",
		         (unsigned)st.st_uid, (unsigned)st.st_gid);
}

static void name_host(const struct engine *e)
{
	static const char prefix[] = "cannot reach docker engine at '";
	const char *inner = ml_error_message(), *p;
	char detail[300];

	if (strncmp(inner, prefix, sizeof(prefix) - 1) != 0 || (p = strstr(inner, "': ")) == NULL)
		return;
	snprintf(detail, sizeof(detail), "%s", p + 3);
	if (e->unix_socket != NULL)
		socket_detail(e->unix_socket, detail, sizeof(detail));
	ml_fail_override(ML_ENGINE_ERROR, "cannot reach docker engine at '%s': %s", e->host,
	                 detail);
}

static int negotiate(struct engine *e)
{
	struct http_request req = {.method = "GET"};
	struct http_response res;
	char url[700], value[32];
	int server, r = ML_ENGINE_ERROR;

	http_response_init(&res, 4096);
	snprintf(url, sizeof(url), "%s/_ping", e->base_url);
	req.url = url;
	req.unix_socket = e->unix_socket;
	req.tls = e->use_tls ? &e->tls : NULL;
	req.what = "docker engine";
	req.connect_timeout_ms = e->connect_timeout_ms;
	req.timeout_ms = 30000;
	if ((r = http_request(&req, &res, ML_ENGINE_ERROR)) != 0) {
		if (r == ML_ENGINE_ERROR)
			name_host(e);
		goto out;
	}
	if (res.status != 200) {
		r = engine_fail(ML_ENGINE_ERROR, &res, "docker engine at '%s' does not answer ping",
		                e->host);
		goto out;
	}
	/* an engine that does not say is old: 1.24 is what the docker CLI assumes */
	if (http_response_header(&res, "API-Version", value, sizeof(value)) < 0)
		snprintf(value, sizeof(value), "%s", ENGINE_API_MIN);
	if ((server = engine_version_number(value)) < 0) {
		r = ml_fail(ML_ENGINE_ERROR, "docker engine at '%s' sent an invalid API version",
		            e->host);
		goto out;
	}
	if (server < engine_version_number(ENGINE_API_MIN)) {
		r = ml_fail(ML_ENGINE_ERROR,
		            "docker engine API version '%s' at '%s' is older than %s", value,
		            e->host, ENGINE_API_MIN);
		goto out;
	}
	if (server > engine_version_number(ENGINE_API_OURS))
		snprintf(value, sizeof(value), "%s", ENGINE_API_OURS);
	snprintf(e->version, sizeof(e->version), "%s", value);
	r = 0;
out:
	http_response_release(&res);
	return r;
}

int engine_open(struct engine **out, const struct engine_options *opt)
{
	struct engine *e = NULL;
	const char *host = opt != NULL ? opt->host : NULL;
	const char *env;
	char socket_path[512], host_port[512];
	int tls, r = ML_ENGINE_ERROR;

	*out = NULL;
	if (host == NULL || *host == '\0')
		host = getenv("DOCKER_HOST");
	if (host == NULL || *host == '\0')
		host = "unix://" ENGINE_SOCKET_PATH;
	if (opt != NULL && opt->tls_verify >= 0)
		tls = opt->tls_verify;
	else
		tls = (env = getenv("DOCKER_TLS_VERIFY")) != NULL && *env != '\0';
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	if (strlen(host) >= sizeof(e->host)) {
		r = ml_fail(ML_CONFIG, "docker host is too long");
		goto out;
	}
	snprintf(e->host, sizeof(e->host), "%s", host);
	e->connect_timeout_ms = opt != NULL ? opt->connect_timeout_ms : 0;
	if ((r = engine_parse_host(host, tls, socket_path, sizeof(socket_path), host_port,
	                           sizeof(host_port))) != 0)
		goto out;
	if (socket_path[0] != '\0') {
		if ((e->unix_socket = strdup(socket_path)) == NULL) {
			r = ml_fail(ML_IO, "out of memory");
			goto out;
		}
		snprintf(e->base_url, sizeof(e->base_url), "http://docker");
	} else {
		if (tls && (r = setup_tls(e, opt)) != 0)
			goto out;
		snprintf(e->base_url, sizeof(e->base_url), "%s://%s", tls ? "https" : "http",
		         host_port);
	}
	if ((r = negotiate(e)) != 0)
		goto out;
	*out = e;
	e = NULL; /* transferred */
	r = 0;
out:
	engine_free(e);
	return r;
}

void engine_free(struct engine *e)
{
	if (e == NULL)
		return;
	free(e->unix_socket);
	free(e->ca_file);
	free(e->cert_file);
	free(e->key_file);
	free(e);
}

int engine_request(struct engine *e, struct http_request *req, const char *path,
                   struct http_response *res)
{
	struct buf url;
	int r = ML_ENGINE_ERROR;

	buf_init(&url, 16384);
	if (buf_printf(&url, "%s/v%s%s", e->base_url, e->version, path) < 0) {
		r = ml_fail(ML_ENGINE_ERROR, "engine request path is too long");
		goto out;
	}
	req->url = buf_cstr(&url);
	req->unix_socket = e->unix_socket;
	req->tls = e->use_tls ? &e->tls : NULL;
	req->what = "docker engine";
	if (req->connect_timeout_ms == 0)
		req->connect_timeout_ms = e->connect_timeout_ms;
	r = http_request(req, res, ML_ENGINE_ERROR);
	req->url = NULL;
	if (r == ML_ENGINE_ERROR)
		name_host(e);
out:
	buf_release(&url);
	return r;
}

static int printable(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return 0;
	}
	return 1;
}

void engine_error_message(const struct http_response *res, char *out, size_t out_len)
{
	cJSON *root;
	const char *msg;
	size_t n;

	root = json_parse((const char *)res->body.data, res->body.len, ENGINE_JSON_MAX);
	msg = root != NULL ? json_string(root, "message") : NULL;
	if (msg != NULL && *msg != '\0' && printable(msg)) {
		n = strcspn(msg, "\n");
		snprintf(out, out_len, "%.*s", (int)n, msg);
	} else {
		snprintf(out, out_len, "HTTP status %ld", res->status);
	}
	cJSON_Delete(root);
}

int engine_fail(int r, const struct http_response *res, const char *fmt, ...)
{
	char what[512], msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	engine_error_message(res, msg, sizeof(msg));
	return ml_fail(r, "%s: %s", what, msg);
}
