/*
 * The check of an audit file's end before a run (audit_log_check), on file
 * contents an attacker may have written: it reads the last two lines from
 * the end, growing its window, and must never crash or read outside them.
 * An accepted end is a complete record line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/error.h"
#include "plugin/audit_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd, r;

	if ((fd = memfd_create("audit", 0)) < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ml_error_clear();
	r = audit_log_check(path, NULL);
	/* the file system of a memfd may have no room: only a refused end is checked here */
	if (r == 0 && size > 0 && data[size - 1] != '\n')
		abort();
	if (r != 0 && r != ML_AUDIT_UNAVAILABLE)
		abort();
	close(fd);
	return 0;
}
