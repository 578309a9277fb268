/*
 * A misbehaving Docker engine on a unix socket, for error-path tests:
 *   fake-engine SOCKET MODE
 * MODE: junk (not HTTP), truncated (headers cut), shortbody (answers cut
 * before their Content-Length), badjson (invalid JSON
 * answers), badstream (a bad frame header on attach), badwait (malformed
 * wait answer), hugejson (an oversize answer), oldapi (API 1.12),
 * podman-noinit (Podman without catatonit: create fails).
 * Each connection is served by a child process; runs until killed.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *mode;

static void send_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	ssize_t n;

	while (len > 0 && (n = send(fd, p, len, MSG_NOSIGNAL)) > 0) {
		p += n;
		len -= (size_t)n;
	}
}

/* A string literal, without its NUL. */
#define SEND_LITERAL(fd, s) send_all(fd, s, sizeof(s) - 1)

static void reply(int fd, int status, const char *type, const char *body, size_t len)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
	                 "HTTP/1.1 %d X\r\nApi-Version: 1.41\r\nContent-Type: %s\r\n"
	                 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	                 status, type, len);

	send_all(fd, head, (size_t)n);
	send_all(fd, body, len);
}

static void reply_json(int fd, int status, const char *body)
{
	reply(fd, status, "application/json", body, strlen(body));
}

/* Reads the request head (and a Content-Length body); returns the request line. */
static int read_request(int fd, char *req, size_t cap)
{
	size_t len = 0;
	ssize_t n;
	char *end, *cl;
	long body;

	while (len + 1 < cap && (n = recv(fd, req + len, cap - 1 - len, 0)) > 0) {
		len += (size_t)n;
		req[len] = '\0';
		if ((end = strstr(req, "\r\n\r\n")) == NULL)
			continue;
		cl = strcasestr(req, "\r\nContent-Length:");
		body = cl != NULL && cl < end ? strtol(cl + 17, NULL, 10) : 0;
		while ((long)(len - (size_t)(end + 4 - req)) < body &&
		       (n = recv(fd, req + len, cap - 1 - len, 0)) > 0) {
			len += (size_t)n;
			req[len] = '\0';
		}
		return 0;
	}
	return -1;
}

static void serve(int fd)
{
	static const char id[] = "{\"Id\":\"0123456789abcdef0123456789abcdef0123456789abcdef"
	                         "0123456789abcdef\",\"Warnings\":[]}";
	static char req[1 << 16];
	const char *path;

	if (read_request(fd, req, sizeof(req)) < 0)
		return;
	path = strchr(req, ' ');
	path = path != NULL ? path + 1 : "";
	if (strcmp(mode, "junk") == 0) {
		SEND_LITERAL(fd, "\x01\x02garbage\xff\xfe not http at all\r\n\r\n");
		return;
	}
	if (strcmp(mode, "truncated") == 0) {
		SEND_LITERAL(fd, "HTTP/1.1 200 OK\r\nContent-Le");
		return;
	}
	if (strncmp(path, "/_ping", 6) == 0) {
		if (strcmp(mode, "oldapi") == 0)
			SEND_LITERAL(fd, "HTTP/1.1 200 OK\r\nApi-Version: 1.12\r\n"
			                 "Content-Length: 2\r\n\r\nOK");
		else
			reply(fd, 200, "text/plain", "OK", 2);
		return;
	}
	if (strcmp(mode, "shortbody") == 0) {
		SEND_LITERAL(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		                 "Content-Length: 100\r\n\r\n{\"Id\":\"sha");
		return;
	}
	if (strcmp(mode, "badjson") == 0) {
		reply_json(fd, 200, "{\"Id\": \"sha256:00\", \"RepoDigests\": [tru");
		return;
	}
	if (strcmp(mode, "hugejson") == 0) {
		size_t n = 5u << 20;
		char *big = malloc(n);

		if (big == NULL)
			return;
		memset(big, ' ', n);
		big[0] = '[';
		big[n - 1] = ']';
		reply(fd, 200, "application/json", big, n);
		free(big);
		return;
	}
	if (strstr(path, "/images/") != NULL) {
		reply_json(fd, 200, "{\"Id\":\"sha256:0123456789abcdef\",\"RepoDigests\":[]}");
	} else if (strstr(path, "/containers/create") != NULL &&
	           strcmp(mode, "podman-noinit") == 0) {
		/* Podman 4.3's compat API (pkg/api/handlers/compat/containers_create.go) */
		reply_json(
		    fd, 500,
		    "{\"cause\":\"no such file or directory\",\"message\":\"container "
		    "create: container-init binary not found on the host: stat "
		    "/usr/libexec/podman/catatonit: no such file or directory\",\"response\":"
		    "500}");
	} else if (strstr(path, "/containers/create") != NULL) {
		reply_json(fd, 201, id);
	} else if (strstr(path, "/attach") != NULL) {
		SEND_LITERAL(fd, "HTTP/1.1 200 OK\r\n"
		                 "Content-Type: application/vnd.docker.raw-stream\r\n\r\n");
		if (strcmp(mode, "dies") == 0)
			sleep(3);
		if (strcmp(mode, "badstream") == 0)
			SEND_LITERAL(fd,
			             "\x01\x00\x00\x00\x00\x00\x00\x03ok\n\x07\xff\x00\x00junk");
	} else if (strstr(path, "/wait") != NULL && strcmp(mode, "dies") == 0) {
		SEND_LITERAL(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		                 "Transfer-Encoding: chunked\r\n\r\n");
		sleep(1);
		kill(getppid(), SIGKILL);
	} else if (strstr(path, "/wait") != NULL) {
		sleep(1);
		if (strcmp(mode, "badwait") == 0)
			reply_json(fd, 200, "{\"StatusCode\":\"zero\"}");
		else
			reply_json(fd, 200, "{\"StatusCode\":0,\"Error\":null}");
	} else {
		reply(fd, 204, "text/plain", "", 0);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int lfd, fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "usage: fake-engine SOCKET MODE\n");
		return 2;
	}
	mode = argv[2];
	signal(SIGCHLD, SIG_IGN);
	memcpy(addr.sun_path, argv[1], strlen(argv[1]) + 1);
	unlink(argv[1]);
	if ((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 16) < 0) {
		perror("fake-engine");
		return 2;
	}
	for (;;) {
		if ((fd = accept(lfd, NULL, NULL)) < 0)
			continue;
		if (fork() == 0) {
			close(lfd);
			serve(fd);
			shutdown(fd, SHUT_WR);
			close(fd);
			_exit(0);
		}
		close(fd);
	}
}
