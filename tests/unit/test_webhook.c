/* The webhook's HMAC signature over the record it sends. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"

#include "plugin/webhook.h"

static void test_webhook_signature(void **state)
{
	/* RFC 4231 test case 2 */
	const char *body = "what do ya want for nothing?";
	char sig[WEBHOOK_SIGNATURE_LEN];

	assert_int_equal(webhook_signature("Jefe", body, strlen(body), sig), 0);
	assert_string_equal(
	    sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	assert_int_equal(
	    webhook_signature("Jefe", "what do ya want for nothing!", strlen(body), sig), 0);
	assert_string_not_equal(
	    sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_spool_check(void **state)
{
	char dir[] = "/tmp/mainline-unit.XXXXXX", spool[128], path[160];
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(spool, sizeof(spool), "%s/cache/" WEBHOOK_SPOOL_NAME, dir);
	assert_int_equal(webhook_spool_check(spool), 0); /* no cache yet: the fetch makes it */
	snprintf(path, sizeof(path), "%s/cache", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(webhook_spool_check(spool), 0);
	snprintf(path, sizeof(path), "%s.lock", spool);
	assert_int_equal(access(path, F_OK), 0);
	f = fopen(spool, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(webhook_spool_check(spool), 0);
	assert_int_equal(unlink(spool), 0);
	assert_int_equal(mkdir(spool, 0700), 0);
	ml_error_clear();
	assert_int_equal(webhook_spool_check(spool), ML_IO);
	assert_non_null(strstr(ml_error_message(), "is not a regular file"));
	assert_int_equal(rmdir(spool), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0); /* the lock file's place taken */
	ml_error_clear();
	assert_int_equal(webhook_spool_check(spool), ML_IO);
	assert_non_null(strstr(ml_error_message(), "cannot open spool lock"));
	assert_non_null(strstr(ml_error_message(), "Is a directory"));
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_webhook_signature),
	    cmocka_unit_test(test_spool_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
