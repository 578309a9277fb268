/* The brief exclusive lock files: exclusive, never through a symlink, failures named. */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/error.h"
#include "common/lock.h"

static void test_lock_is_exclusive(void **state)
{
	char dir[] = "/tmp/mainline-lock.XXXXXX", path[64], link_path[64];
	int fd, other;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/lock", dir);
	fd = lock_exclusive(path, "state");
	assert_true(fd >= 0);
	/* another open file description cannot take it meanwhile */
	other = open(path, O_RDWR | O_CLOEXEC);
	assert_true(other >= 0);
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	close(fd);
	assert_int_equal(flock(other, LOCK_EX | LOCK_NB), 0);
	close(other);

	snprintf(link_path, sizeof(link_path), "%s/link", dir);
	assert_int_equal(symlink(path, link_path), 0);
	ml_error_clear();
	assert_int_equal(lock_exclusive(link_path, "spool"), -1);
	assert_int_equal(ml_error_reason(), ML_IO);
	assert_non_null(strstr(ml_error_message(), "cannot open spool lock '"));
	unlink(link_path);
	unlink(path);
	rmdir(dir);
	ml_error_clear();
	assert_int_equal(lock_exclusive(path, "state"), -1);
	assert_non_null(strstr(ml_error_message(), "No such file or directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lock_is_exclusive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
