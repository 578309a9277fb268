/*
 * A tiny HTTP/1.0 file server on 127.0.0.1 for the shell tests:
 * `json-server ROOT PORTFILE LOGFILE` listens on a free port, writes the port
 * to PORTFILE, and answers every GET with ROOT/<path> (200) or 404, one
 * request per connection. Request heads are appended to LOGFILE. Runs until
 * killed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"

static void answer(int fd, const char *root, FILE *log)
{
	char req[16384], path[4096], url[2048];
	size_t got = 0;
	struct buf body;
	struct stat st;
	char head[256];
	ssize_t n;

	while (got < sizeof(req) - 1) {
		n = read(fd, req + got, sizeof(req) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[got] = '\0';
	fputs(req, log);
	fflush(log);
	buf_init(&body, 1 << 20);
	if (sscanf(req, "GET %2047s HTTP/", url) == 1 && url[0] == '/' &&
	    strstr(url, "..") == NULL &&
	    (size_t)snprintf(path, sizeof(path), "%s%s", root, url) < sizeof(path) &&
	    stat(path, &st) == 0 && S_ISREG(st.st_mode) && buf_read_file(&body, path) == 0) {
		snprintf(head, sizeof(head),
		         "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
		         "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		         body.len);
		if (write(fd, head, strlen(head)) < 0 || write(fd, body.data, body.len) < 0)
			perror("write");
	} else {
		const char *nf = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n"
		                 "Connection: close\r\n\r\n";

		if (write(fd, nf, strlen(nf)) < 0)
			perror("write");
	}
	buf_release(&body);
}

int main(int argc, char **argv)
{
	struct sockaddr_in addr;
	socklen_t len = sizeof(addr);
	FILE *portf, *log;
	int s, one = 1;

	if (argc != 4) {
		fprintf(stderr, "usage: json-server ROOT PORTFILE LOGFILE\n");
		return 2;
	}
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 2;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s, 16) < 0 ||
	    getsockname(s, (struct sockaddr *)&addr, &len) < 0)
		return 2;
	{
		char tmp[4096];

		snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
		if ((portf = fopen(tmp, "w")) == NULL)
			return 2;
		fprintf(portf, "%u\n", (unsigned)ntohs(addr.sin_port));
		/* renamed into place so a waiting test never reads a half-written file */
		if (fclose(portf) != 0 || rename(tmp, argv[2]) < 0)
			return 2;
	}
	if ((log = fopen(argv[3], "a")) == NULL)
		return 2;
	for (;;) {
		int fd = accept(s, NULL, NULL);

		if (fd < 0)
			continue;
		answer(fd, argv[1], log);
		close(fd);
	}
}
