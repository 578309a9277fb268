/* The spool of audit records a sink could not take: checked before a run, delivered in order, once. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/reason.h"
#include "plugin/spool.h"

static void test_spool_check(void **state)
{
	char dir[] = "/tmp/mainline-unit.XXXXXX", spool[128], path[160];
	FILE *f;

	assert_non_null(mkdtemp(dir));
	snprintf(spool, sizeof(spool),
	         "%s/cache/"
	         "audit-spool.jsonl",
	         dir);
	assert_int_equal(spool_check(spool, "audit webhook"),
	                 0); /* no cache yet: the fetch makes it */
	snprintf(path, sizeof(path), "%s/cache", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(spool_check(spool, "audit webhook"), 0);
	snprintf(path, sizeof(path), "%s.lock", spool);
	assert_int_equal(access(path, F_OK), 0);
	f = fopen(spool, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(spool_check(spool, "audit webhook"), 0);
	assert_int_equal(unlink(spool), 0);
	assert_int_equal(mkdir(spool, 0700), 0);
	ml_error_clear();
	assert_int_equal(spool_check(spool, "audit webhook"), ML_IO);
	assert_non_null(strstr(ml_error_message(), "is not a regular file"));
	assert_int_equal(rmdir(spool), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0); /* the lock file's place taken */
	ml_error_clear();
	assert_int_equal(spool_check(spool, "audit webhook"), ML_IO);
	assert_non_null(strstr(ml_error_message(), "cannot open spool lock"));
	assert_non_null(strstr(ml_error_message(), "Is a directory"));
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* A sink that takes records until it is told to fail, and keeps what it took. */
struct sink {
	int down;
	struct buf got;
};

static int deliver(void *ctx, const char *record, size_t len)
{
	struct sink *s = ctx;

	if (s->down)
		return ml_fail(ML_IO, "sink down");
	assert_int_equal(buf_append(&s->got, record, len), 0);
	assert_int_equal(buf_append(&s->got, "|", 1), 0);
	return 0;
}

static void test_spool_send(void **state)
{
	char dir[] = "/tmp/mainline-unit.XXXXXX", spool[128];
	struct spool_stats st;
	struct sink s = {.down = 1};
	struct buf left;

	assert_non_null(mkdtemp(dir));
	snprintf(spool, sizeof(spool), "%s/spool.jsonl", dir);
	buf_init(&s.got, 4096);
	buf_init(&left, 4096);
	/* the sink down: each record waits, in order */
	assert_int_equal(spool_send(spool, "sink", "{\"n\":1}", 7, "one", deliver, &s, &st), 0);
	assert_int_equal(spool_send(spool, "sink", "{\"n\":2}", 7, "two", deliver, &s, &st), 0);
	assert_int_equal(st.delivered, 0);
	assert_int_equal(st.spooled, 2);
	assert_int_equal(buf_read_file(&left, spool), 0);
	assert_string_equal(buf_cstr(&left), "{\"n\":1}\n{\"n\":2}\n");
	/* up again: the spooled ones first, then the new one; the spool is gone */
	s.down = 0;
	assert_int_equal(spool_send(spool, "sink", "{\"n\":3}", 7, "three", deliver, &s, &st), 0);
	assert_int_equal(st.delivered, 3);
	assert_int_equal(st.spooled, 0);
	assert_string_equal(buf_cstr(&s.got), "{\"n\":1}|{\"n\":2}|{\"n\":3}|");
	assert_int_equal(access(spool, F_OK), -1);
	/* a later run sends only its own */
	buf_reset(&s.got);
	assert_int_equal(spool_send(spool, "sink", "{\"n\":4}", 7, "four", deliver, &s, &st), 0);
	assert_string_equal(buf_cstr(&s.got), "{\"n\":4}|");
	/* a spool that cannot be locked loses the record, and says which */
	snprintf(spool, sizeof(spool), "%s/missing/spool.jsonl", dir);
	ml_error_clear();
	assert_int_equal(spool_send(spool, "sink", "{\"n\":5}", 7, "five", deliver, &s, &st),
	                 ML_IO);
	assert_non_null(strstr(ml_error_message(), "cannot open spool lock"));
	buf_release(&s.got);
	buf_release(&left);
	snprintf(spool, sizeof(spool), "rm -rf '%s'", dir);
	assert_int_equal(system(spool), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spool_check),
	    cmocka_unit_test(test_spool_send),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
