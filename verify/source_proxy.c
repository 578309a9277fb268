#include "verify/source_proxy.h"

#include <errno.h>
#include <git2.h>
#include <git2/sys/stream.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"
#include "common/url.h"

struct plain_stream {
	git_stream parent;
	int fd;
};

/* Where every plain connection goes: the proxy (set once, in the fetch child). */
static char proxy_host[256];
static char proxy_port[8];

static void net_error(const char *what, const char *why)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s %s port %s: %s", what, proxy_host, proxy_port, why);
	git_error_set_str(GIT_ERROR_NET, msg);
}

static int stream_connect(git_stream *stream)
{
	struct plain_stream *st = (struct plain_stream *)stream;
	struct addrinfo hints, *info = NULL, *p;
	int rc, fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_UNSPEC;
	if ((rc = getaddrinfo(proxy_host, proxy_port, &hints, &info)) != 0) {
		net_error("cannot resolve the proxy", gai_strerror(rc));
		return -1;
	}
	for (p = info; p != NULL; p = p->ai_next) {
		if ((fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC, p->ai_protocol)) < 0)
			continue;
		if (connect(fd, p->ai_addr, p->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(info);
	if (fd < 0) {
		net_error("cannot connect to the proxy", strerror(errno));
		return -1;
	}
	st->fd = fd;
	return 0;
}

static ssize_t stream_write(git_stream *stream, const char *data, size_t len, int flags)
{
	struct plain_stream *st = (struct plain_stream *)stream;
	ssize_t n;

	while ((n = send(st->fd, data, len, flags | MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n < 0)
		net_error("cannot send to the proxy", strerror(errno));
	return n;
}

static ssize_t stream_read(git_stream *stream, void *data, size_t len)
{
	struct plain_stream *st = (struct plain_stream *)stream;
	ssize_t n;

	while ((n = recv(st->fd, data, len, 0)) < 0 && errno == EINTR)
		;
	if (n < 0)
		net_error("cannot read from the proxy", strerror(errno));
	return n;
}

static int stream_close(git_stream *stream)
{
	struct plain_stream *st = (struct plain_stream *)stream;
	int r = st->fd >= 0 ? close(st->fd) : 0;

	st->fd = -1;
	return r < 0 ? -1 : 0;
}

static void stream_free(git_stream *stream)
{
	struct plain_stream *st = (struct plain_stream *)stream;

	if (st->fd >= 0)
		close(st->fd);
	free(st);
}

/* The host and port libgit2 asks for are the server's: the connection goes to the proxy. */
static int stream_init(git_stream **out, const char *host, const char *port)
{
	struct plain_stream *st;

	(void)host;
	(void)port;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		git_error_set_oom();
		return -1;
	}
	st->parent.version = GIT_STREAM_VERSION;
	st->parent.connect = stream_connect;
	st->parent.write = stream_write;
	st->parent.read = stream_read;
	st->parent.close = stream_close;
	st->parent.free = stream_free;
	st->fd = -1;
	*out = &st->parent;
	return 0;
}

int source_proxy_register(const char *proxy_url)
{
	static git_stream_registration reg = {GIT_STREAM_VERSION, stream_init, NULL};
	int port;

	if (strncasecmp(proxy_url, "http://", 7) != 0 ||
	    url_http_endpoint(proxy_url, proxy_host, sizeof(proxy_host), &port) < 0)
		return ml_fail(ML_FETCH_FAILED,
		               "cannot fetch an http:// source through the proxy '%s': it must be "
		               "an http:// proxy",
		               proxy_url);
	snprintf(proxy_port, sizeof(proxy_port), "%d", port);
	if (git_stream_register(GIT_STREAM_STANDARD, &reg) < 0)
		return ml_fail(ML_FETCH_FAILED, "cannot give libgit2 the proxy's connection");
	return 0;
}
