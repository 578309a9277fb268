/* The tree as a tar stream: read back with libarchive, refused paths and entries. */
#include "unit.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "docker/tar.h"

struct fake_tree {
	const struct tree_entry *entries;
	size_t count;
};

static int walk(void *ctx, tree_entry_fn emit, void *emit_ctx)
{
	const struct fake_tree *t = ctx;
	size_t i;
	int r;

	for (i = 0; i < t->count; i++) {
		if ((r = emit(emit_ctx, &t->entries[i])) != 0)
			return r;
	}
	return 0;
}

static const struct tree_entry good[] = {
    {.path = "dir", .mode = TREE_MODE_DIR},
    {.path = "dir/file.txt", .mode = TREE_MODE_FILE, .data = "hello\n", .size = 6},
    {.path = "run.sh", .mode = TREE_MODE_EXEC, .data = "#!/bin/sh\n", .size = 10},
    {.path = "link", .mode = TREE_MODE_SYMLINK, .data = "dir/file.txt", .size = 12},
    {.path = "empty", .mode = TREE_MODE_FILE, .data = NULL, .size = 0},
};

static FILE *write_tree(const struct tree_entry *entries, size_t count, int expect)
{
	struct fake_tree t = {entries, count};
	FILE *f = tmpfile();

	assert_non_null(f);
	ml_error_clear();
	assert_int_equal(tar_write_tree(fileno(f), walk, &t, 0), expect);
	rewind(f);
	return f;
}

static void test_round_trip(void **state)
{
	FILE *f = write_tree(good, sizeof(good) / sizeof(good[0]), 0);
	struct archive_entry *ae;
	struct archive *a = archive_read_new();
	char data[16];
	size_t i = 0;

	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_FILE(a, f), ARCHIVE_OK);
	while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		assert_true(i < sizeof(good) / sizeof(good[0]));
		char want[64];

		/* directories carry the conventional trailing slash */
		snprintf(want, sizeof(want), "%s%s", good[i].path,
		         good[i].mode == TREE_MODE_DIR ? "/" : "");
		assert_string_equal(archive_entry_pathname(ae), want);
		assert_int_equal(archive_entry_uid(ae), 0);
		assert_int_equal(archive_entry_gid(ae), 0);
		assert_string_equal(archive_entry_uname(ae), "root");
		assert_int_equal(archive_entry_mtime(ae), TAR_DEFAULT_MTIME);
		switch (good[i].mode) {
		case TREE_MODE_DIR:
			assert_int_equal(archive_entry_mode(ae), AE_IFDIR | 0755);
			break;
		case TREE_MODE_FILE:
		case TREE_MODE_EXEC:
			assert_int_equal(archive_entry_mode(ae),
			                 AE_IFREG | (good[i].mode == TREE_MODE_EXEC ? 0755 : 0644));
			assert_int_equal(archive_entry_size(ae), good[i].size);
			assert_int_equal(archive_read_data(a, data, sizeof(data)), good[i].size);
			if (good[i].size > 0)
				assert_memory_equal(data, good[i].data, good[i].size);
			break;
		case TREE_MODE_SYMLINK:
			assert_int_equal(archive_entry_filetype(ae), AE_IFLNK);
			assert_string_equal(archive_entry_symlink(ae), "dir/file.txt");
			break;
		}
		i++;
	}
	assert_int_equal(i, sizeof(good) / sizeof(good[0]));
	archive_read_free(a);
	fclose(f);
}

/* Content handed out in small pieces, as a file read(2) gives it; `have` may fall short. */
struct piecewise {
	const char *text;
	size_t have, off;
};

static long read_piece(void *ctx, void *dst, size_t cap)
{
	struct piecewise *p = ctx;
	size_t n = p->have - p->off;

	if (n > 3)
		n = 3;
	if (n > cap)
		n = cap;
	memcpy(dst, p->text + p->off, n);
	p->off += n;
	return (long)n;
}

static void test_content_through_reader(void **state)
{
	struct piecewise whole = {"streamed content\n", 17, 0};
	struct piecewise shrunk = {"streamed content\n", 9, 0};
	struct tree_entry e = {.path = "f.txt",
	                       .mode = TREE_MODE_FILE,
	                       .size = 17,
	                       .read = read_piece,
	                       .read_ctx = &whole};
	struct archive_entry *ae;
	struct archive *a;
	char data[32];
	FILE *f;

	f = write_tree(&e, 1, 0);
	a = archive_read_new();
	archive_read_support_format_tar(a);
	assert_int_equal(archive_read_open_FILE(a, f), ARCHIVE_OK);
	assert_int_equal(archive_read_next_header(a, &ae), ARCHIVE_OK);
	assert_int_equal(archive_read_data(a, data, sizeof(data)), 17);
	assert_memory_equal(data, "streamed content\n", 17);
	archive_read_free(a);
	fclose(f);

	/* the file shrank after its size was taken: an error, never a short or padded file */
	e.read_ctx = &shrunk;
	f = write_tree(&e, 1, ML_IO);
	assert_non_null(strstr(ml_error_message(), "shrank"));
	fclose(f);
}

static void test_deterministic(void **state)
{
	FILE *a = write_tree(good, sizeof(good) / sizeof(good[0]), 0);
	FILE *b = write_tree(good, sizeof(good) / sizeof(good[0]), 0);
	char x[4096], y[4096];
	size_t n, m;

	do {
		n = fread(x, 1, sizeof(x), a);
		m = fread(y, 1, sizeof(y), b);
		assert_int_equal(n, m);
		assert_memory_equal(x, y, n);
	} while (n > 0);
	fclose(a);
	fclose(b);
}

static void test_refused_entries(void **state)
{
	static const struct tree_entry bad[][2] = {
	    {{.path = "ok", .mode = TREE_MODE_DIR}, {.path = "../escape", .mode = TREE_MODE_DIR}},
	    {{.path = "ok", .mode = TREE_MODE_DIR},
	     {.path = "/etc/passwd", .mode = TREE_MODE_FILE}},
	    {{.path = "ok", .mode = TREE_MODE_DIR}, {.path = "ok/../../x", .mode = TREE_MODE_FILE}},
	    {{.path = "ok", .mode = TREE_MODE_DIR}, {.path = "", .mode = TREE_MODE_FILE}},
	    {{.path = "ok", .mode = TREE_MODE_DIR}, {.path = "dev", .mode = 0020644}},
	    {{.path = "ok", .mode = TREE_MODE_DIR}, {.path = "x", .mode = 0100777}},
	    {{.path = "ok", .mode = TREE_MODE_DIR},
	     {.path = "l", .mode = TREE_MODE_SYMLINK, .data = "a\0b", .size = 3}},
	    {{.path = "ok", .mode = TREE_MODE_DIR},
	     {.path = "l", .mode = TREE_MODE_SYMLINK, .data = NULL, .size = 0}},
	    {{.path = "ok", .mode = TREE_MODE_DIR},
	     {.path = "f", .mode = TREE_MODE_FILE, .data = NULL, .size = 5}},
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		FILE *f = write_tree(bad[i], 2, ML_MALFORMED_OBJECT);

		assert_int_equal(ml_error_reason(), ML_MALFORMED_OBJECT);
		fclose(f);
	}
}

static int failing_walk(void *ctx, tree_entry_fn emit, void *emit_ctx)
{
	return ML_IO;
}

static void test_stream_reports_producer_failure(void **state)
{
	struct fake_tree t = {good, sizeof(good) / sizeof(good[0])};
	struct tar_stream *s;
	uint8_t buf[512];
	size_t total = 0;
	long n;

	assert_int_equal(tar_stream_start(&s, walk, &t, 0), 0);
	while ((n = tar_stream_read(s, buf, sizeof(buf))) > 0)
		total += (size_t)n;
	assert_int_equal(n, 0);
	assert_true(total > 0 && total % 512 == 0);
	assert_int_equal(tar_stream_finish(s), 0);

	/* a failed walk must not look like a complete (shorter) archive */
	ml_error_clear();
	assert_int_equal(tar_stream_start(&s, failing_walk, NULL, 0), 0);
	while ((n = tar_stream_read(s, buf, sizeof(buf))) > 0)
		;
	assert_int_equal(n, -1);
	assert_int_equal(tar_stream_finish(s), ML_IO);

	/* the reader giving up early stops the producer */
	assert_int_equal(tar_stream_start(&s, walk, &t, 0), 0);
	assert_true(tar_stream_read(s, buf, 10) > 0);
	(void)tar_stream_finish(s);
}

static void test_tar_paths(void **state)
{
	assert_true(tar_path_ok("a"));
	assert_true(tar_path_ok("a/b/c.txt"));
	assert_true(tar_path_ok(".github/workflows"));
	assert_true(tar_path_ok("a..b"));
	assert_false(tar_path_ok(""));
	assert_false(tar_path_ok("/etc/passwd"));
	assert_false(tar_path_ok(".."));
	assert_false(tar_path_ok("a/../b"));
	assert_false(tar_path_ok("a/.."));
	assert_false(tar_path_ok("./a"));
	assert_false(tar_path_ok("a//b"));
	assert_false(tar_path_ok("a/"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_content_through_reader),
	    cmocka_unit_test(test_refused_entries),
	    cmocka_unit_test(test_stream_reports_producer_failure),
	    cmocka_unit_test(test_tar_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
