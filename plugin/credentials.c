#include "plugin/credentials.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/error.h"
#include "common/url.h"

static int write_key(struct credentials *cr, const char *key)
{
	const char *tmp = getenv("TMPDIR");
	size_t n = strlen(key);
	int fd = -1, r = ML_IO;

	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	if ((size_t)snprintf(cr->dir, sizeof(cr->dir), "%s/mainline-key.XXXXXX", tmp) >=
	    sizeof(cr->dir)) {
		cr->dir[0] = '\0';
		return ml_fail(ML_IO, "temporary directory '%s' has too long a name", tmp);
	}
	if (mkdtemp(cr->dir) == NULL) { /* mode 0700 */
		r = ml_fail(ML_IO, "cannot make a private directory for the ssh key: %s",
		            strerror(errno));
		cr->dir[0] = '\0';
		return r;
	}
	snprintf(cr->key_path, sizeof(cr->key_path), "%s/key", cr->dir);
	if ((fd = open(cr->key_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) <
	    0) {
		r = ml_fail(ML_IO, "cannot write the ssh key file: %s", strerror(errno));
		cr->key_path[0] = '\0';
		return r;
	}
	/* a secret often loses its final newline; the key parser wants it */
	if (write(fd, key, n) != (ssize_t)n ||
	    (n > 0 && key[n - 1] != '\n' && write(fd, "\n", 1) != 1)) {
		r = ml_fail(ML_IO, "cannot write the ssh key file: %s", strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		r = ml_fail(ML_IO, "cannot write the ssh key file: %s", strerror(errno));
		goto out;
	}
	fd = -1;
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	return r;
}

int credentials_prepare(struct credentials *cr, const struct config *c, struct source_options *so)
{
	const struct drone_context *d = &c->drone;
	char host[256];
	int r;

	memset(cr, 0, sizeof(*cr));
	so->username = c->git_username;
	so->password = c->git_password;
	so->ssh_host_key = c->ssh_known_hosts;
	if (c->git_password != NULL)
		cr->origin = "settings";
	if (c->ssh_key != NULL) {
		if ((r = write_key(cr, c->ssh_key)) != 0)
			return r;
		so->ssh_key = cr->key_path;
		cr->origin = "settings";
	}
	/* Drone's own clone credentials, for the host they were issued for only */
	if (c->git_password == NULL && c->git_username == NULL && d->netrc_machine != NULL &&
	    d->netrc_password != NULL && c->source != NULL &&
	    url_http_host(c->source, host, sizeof(host)) == 0 &&
	    strcasecmp(host, d->netrc_machine) == 0) {
		so->username = d->netrc_username;
		so->password = d->netrc_password;
		cr->origin = "netrc";
	}
	return 0;
}

void credentials_release(struct credentials *cr)
{
	if (cr->key_path[0] != '\0') {
		(void)unlink(cr->key_path);
		cr->key_path[0] = '\0';
	}
	if (cr->dir[0] != '\0') {
		(void)rmdir(cr->dir);
		cr->dir[0] = '\0';
	}
}
