/*
 * Connection to a Docker engine over its HTTP API: where it is (DOCKER_HOST,
 * DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, like the docker CLI, or explicit
 * options), which API version both sides speak, and the request helper every
 * other docker/ module goes through.
 */
#ifndef MAINLINE_ENGINE_H
#define MAINLINE_ENGINE_H

#include <stddef.h>

#include "common/http.h"

#define ENGINE_API_OURS "1.43" /* newest API version mainline speaks */
#define ENGINE_API_MIN "1.24"  /* oldest accepted engine API */
/* The engine's socket where dockerd listens by default, and where a pipeline given docker_socket finds it. */
#define ENGINE_SOCKET_PATH "/var/run/docker.sock"
#define ENGINE_JSON_MAX (4u << 20) /* largest engine JSON answer read */

struct engine_options {
	const char *host;        /* "unix:///path" or "tcp://host:port"; NULL: $DOCKER_HOST */
	int tls_verify;          /* -1: $DOCKER_TLS_VERIFY non-empty; 0: off; 1: on */
	const char *cert_path;   /* dir with ca.pem, cert.pem, key.pem; NULL: $DOCKER_CERT_PATH */
	long connect_timeout_ms; /* 0: 10 s */
};

struct engine {
	char host[512];     /* as configured, for messages */
	char *unix_socket;  /* NULL for TCP */
	char base_url[600]; /* "http://docker" or "https://host:port" */
	char version[32];   /* negotiated API version, "1.41" */
	struct http_tls tls;
	int use_tls;
	char *ca_file, *cert_file, *key_file;
	long connect_timeout_ms;
};

/*
 * Resolves the engine address and negotiates the API version with GET
 * /_ping: min(engine's API-Version, ENGINE_API_OURS), refused below
 * ENGINE_API_MIN. An unreachable engine is ML_ENGINE_ERROR naming the host.
 * opt may be NULL (environment only). On success *out must be freed with
 * engine_free().
 */
int engine_open(struct engine **out, const struct engine_options *opt);
void engine_free(struct engine *e);

/*
 * Sends one request to "/v<version><path>" (path starts with '/' and carries
 * the query). The caller fills method, body or upload, callbacks and
 * timeouts in req; url, socket, TLS and peer name are filled here. Returns
 * 0 when any HTTP answer arrived (check res->status) or a reason code.
 */
int engine_request(struct engine *e, struct http_request *req, const char *path,
                   struct http_response *res);

/*
 * Copies the "message" of an engine error body into out (a generic
 * "HTTP <status>" text when the body is not the engine's JSON error).
 */
void engine_error_message(const struct http_response *res, char *out, size_t out_len);

/*
 * Records `<what>: <engine message>` as reason r for a failed answer and
 * returns r, e.g. engine_fail(ML_ENGINE_ERROR, res, "cannot start container
 * '%s'", id).
 */
int engine_fail(int r, const struct http_response *res, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses "1.41" into a comparable number (1041); -1 when malformed. */
int engine_version_number(const char *v);

/*
 * Splits a DOCKER_HOST value. unix: *socket_out gets the path; tcp:
 * host_port gets "host:port" (default port 2375, or 2376 with TLS).
 * 0 or ML_CONFIG.
 */
int engine_parse_host(const char *host, int tls, char *socket_out, size_t socket_len,
                      char *host_port, size_t host_port_len);

#endif
