/*
 * The libcurl seam: with common/url.c (URLs through libcurl's URL API), the
 * only file that includes curl headers. Every HTTP exchange of mainline goes
 * through http_request(): the Docker Engine API (docker/engine.c), the Drone
 * API (plugin/drone_api.c), the audit webhook and OTLP (plugin/webhook.c,
 * plugin/otel.c).
 */
#ifndef MAINLINE_HTTP_H
#define MAINLINE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/*
 * Called with each chunk of the response body as it arrives. Return 0 to go
 * on, non-zero to abort the transfer (http_request then returns that value's
 * failure as ML_ENGINE_ERROR unless the callback recorded its own error).
 */
typedef int (*http_body_fn)(void *ctx, const uint8_t *data, size_t len);

/*
 * Called to produce the request body for streamed uploads: fill up to cap
 * bytes into dst and return how many (0 = end), or -1 to abort.
 */
typedef long (*http_upload_fn)(void *ctx, uint8_t *dst, size_t cap);

/* Returns non-zero to abort a running transfer (cancellation). */
typedef int (*http_abort_fn)(void *ctx);

/*
 * Called once when the final (non-1xx) response header block is complete,
 * before any body byte: lets a caller know a long-lived request (attach,
 * wait) is established. Return 0 to go on, non-zero to abort.
 */
typedef int (*http_headers_fn)(void *ctx, long status);

struct http_tls {
	const char *ca_file;   /* verify the server against this CA (PEM) */
	const char *cert_file; /* client certificate (PEM) */
	const char *key_file;  /* client key (PEM) */
	int insecure;          /* 1: do not verify the server (never the default) */
};

struct http_request {
	const char *method;      /* "GET", "POST", ... */
	const char *url;         /* "http://docker/v1.41/_ping" for a unix socket */
	const char *unix_socket; /* NULL for TCP */
	const struct http_tls *tls;
	const char *const *headers; /* "Name: value", NULL-terminated; may be NULL */
	const void *body;           /* request body, or NULL */
	size_t body_len;
	http_upload_fn upload; /* streamed body (chunked) instead of body */
	void *upload_ctx;
	http_body_fn on_body; /* streamed response; when NULL the body goes to response */
	void *body_ctx;
	http_abort_fn should_abort; /* polled about every 100 ms; may be NULL */
	void *abort_ctx;
	long connect_timeout_ms;    /* 0: 10 s */
	long timeout_ms;            /* whole transfer; 0: none */
	const char *what;           /* names the peer in error messages ("docker engine") */
	http_headers_fn on_headers; /* may be NULL */
	void *headers_ctx;
	int direct; /* 1: no proxy, whatever the environment's proxy variables say */
};

struct http_response {
	long status;
	struct buf body;    /* filled when on_body is NULL; bounded by body max */
	struct buf headers; /* raw response header lines */
};

/* Initialises a response whose buffered body may grow to max_body bytes. */
void http_response_init(struct http_response *res, size_t max_body);
void http_response_release(struct http_response *res);

/*
 * Performs one request. Returns 0 when an HTTP response arrived (any
 * status: check res->status), ML_CANCELED when should_abort stopped it,
 * ML_TIMEOUT on timeout, or the error kind given by `fail_reason` (for
 * example ML_ENGINE_ERROR) for connection, TLS and protocol failures, with a
 * message naming req->what and the URL.
 */
int http_request(const struct http_request *req, struct http_response *res, int fail_reason);

/* A header value from res->headers (case-insensitive name), copied into out. 0 or -1. */
int http_response_header(const struct http_response *res, const char *name, char *out,
                         size_t out_len);

/* Percent-encodes s for a URL query value, appending to out. 0 or -1. */
int http_query_escape(const char *s, struct buf *out);

#endif
