#include "common/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/error.h"

int lock_exclusive(const char *path, const char *what)
{
	int fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		ml_fail(ML_IO, "cannot open %s lock '%s': %s", what, path, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			ml_fail(ML_IO, "cannot lock %s '%s': %s", what, path, strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}
