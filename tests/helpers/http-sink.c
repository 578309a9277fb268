/*
 * A tiny HTTP/1.1 receiver for the webhook and OTLP tests:
 *   http-sink [--port N] [--fail N] [--headers FILE] BODIES
 * listens on 127.0.0.1 (port 0: chosen by the kernel), prints "port N",
 * appends each request body and a newline to BODIES and, with --headers, the
 * request line and headers to FILE. The first --fail requests are answered
 * 500, the others 200. Runs until SIGTERM. One request per connection.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQUEST_MAX (8u << 20)

static int append_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "ab");
	int ok;

	if (f == NULL)
		return -1;
	ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Reads one request; returns the body offset and sets *body_len, or -1. */
static long read_request(int fd, char *req, size_t cap, size_t *got, size_t *body_len)
{
	char *end = NULL, *cl;
	size_t head = 0, want = 0;
	ssize_t n;

	*got = 0;
	for (;;) {
		if (end == NULL && (end = memmem(req, *got, "\r\n\r\n", 4)) != NULL) {
			head = (size_t)(end - req) + 4;
			req[head - 2] = '\0';
			for (cl = req; (cl = strchr(cl, '\n')) != NULL; cl++)
				if (strncasecmp(cl + 1, "Content-Length:", 15) == 0)
					want = strtoul(cl + 16, NULL, 10);
			req[head - 2] = '\r';
			if (want > cap - head)
				return -1;
		}
		if (end != NULL && *got >= head + want)
			break;
		if (*got == cap)
			return -1;
		n = read(fd, req + *got, cap - *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		*got += (size_t)n;
	}
	*body_len = want;
	return (long)head;
}

int main(int argc, char **argv)
{
	const char *headers = NULL, *bodies = NULL;
	struct sockaddr_in addr = {.sin_family = AF_INET};
	socklen_t alen = sizeof(addr);
	long fail = 0, port = 0;
	char *req;
	int i, s, one = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--port") == 0 && i + 1 < argc)
			port = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--fail") == 0 && i + 1 < argc)
			fail = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--headers") == 0 && i + 1 < argc)
			headers = argv[++i];
		else
			bodies = argv[i];
	}
	if (bodies == NULL || port < 0 || port > 65535) {
		fputs("usage: http-sink [--port N] [--fail N] [--headers FILE] BODIES\n", stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = htons((uint16_t)port);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s, 16) < 0 ||
	    getsockname(s, (struct sockaddr *)&addr, &alen) < 0) {
		perror("http-sink");
		return 2;
	}
	printf("port %u\n", ntohs(addr.sin_port));
	fflush(stdout);
	if ((req = malloc(REQUEST_MAX)) == NULL)
		return 2;
	for (;;) {
		static const char ok[] =
		    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		static const char bad[] = "HTTP/1.1 500 Internal Server Error\r\nContent-Length: "
		                          "0\r\nConnection: close\r\n\r\n";
		size_t got, body_len;
		long body;
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		body = read_request(c, req, REQUEST_MAX, &got, &body_len);
		if (body >= 0) {
			if (fail > 0) {
				fail--;
				(void)!write(c, bad, sizeof(bad) - 1);
			} else {
				if (headers != NULL)
					append_file(headers, req, (size_t)body);
				append_file(bodies, req + body, body_len);
				append_file(bodies, "\n", 1);
				(void)!write(c, ok, sizeof(ok) - 1);
			}
		}
		close(c);
	}
}
