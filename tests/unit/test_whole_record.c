/* The whole-cache record: its exact parse, and a stamp that any write to the repository changes. */
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "verify/whole_record.h"

#define TREE "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
#define STAMP "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char commit_raw[] = "tree " TREE "\n"
                                 "author A <a@example.org> 1700000000 +0000\n"
                                 "committer A <a@example.org> 1700000000 +0000\n\nm\n";

/* The id git gives the commit object: SHA-1 of "commit <len>\0" and its bytes. */
static void commit_id(char out[41])
{
	struct crypto_hash_ctx *h = crypto_hash_new(CRYPTO_SHA1);
	char header[32];
	int n = snprintf(header, sizeof(header), "commit %zu", strlen(commit_raw));
	uint8_t id[20];

	assert_non_null(h);
	assert_int_equal(crypto_hash_update(h, header, (size_t)n + 1), 0);
	assert_int_equal(crypto_hash_update(h, commit_raw, strlen(commit_raw)), 0);
	assert_int_equal(crypto_hash_final(h, id), 0);
	crypto_hash_free(h);
	hex_encode(id, sizeof(id), out);
}

/* A record's bytes: line as given (printf format over stamp, tree, id, length), then body. */
static size_t record(char *out, size_t len, const char *stamp, const char *id, size_t n,
                     const char *body)
{
	int k = snprintf(out, len, "mainline-whole 1 %s %s %s %zu\n%s", stamp, TREE, id, n, body);

	assert_true(k > 0 && (size_t)k < len);
	return (size_t)k;
}

static int parses(const char *data, size_t len)
{
	struct whole_record w;

	if (whole_record_parse((const uint8_t *)data, len, &w) != 0)
		return 0;
	buf_release(&w.raw);
	return 1;
}

static void test_parse_exact(void **state)
{
	char id[41], upper[41], data[1024], altered[sizeof(commit_raw)];
	struct whole_record w;
	size_t n = strlen(commit_raw), len, i;

	(void)state;
	commit_id(id);
	len = record(data, sizeof(data), STAMP, id, n, commit_raw);
	assert_int_equal(whole_record_parse((const uint8_t *)data, len, &w), 0);
	assert_string_equal(w.stamp, STAMP);
	assert_string_equal(w.tree, TREE);
	assert_string_equal(w.commit, id);
	assert_int_equal(w.raw.len, n);
	assert_memory_equal(w.raw.data, commit_raw, n);
	buf_release(&w.raw);

	/* forged twins: each one change away from the record above */
	assert_false(parses(data, len - 1)); /* the commit cut short */
	len = record(data, sizeof(data), STAMP, id, n + 1, commit_raw);
	assert_false(parses(data, len)); /* another length */
	memcpy(altered, commit_raw, sizeof(altered));
	altered[n - 2] = 'x';
	len = record(data, sizeof(data), STAMP, id, n, altered);
	assert_false(parses(data, len)); /* another commit under the id */
	for (i = 0; i < 40; i++)
		upper[i] = (char)(id[i] >= 'a' ? id[i] - 32 : id[i]);
	upper[40] = '\0';
	len = record(data, sizeof(data), STAMP, upper, n, commit_raw);
	assert_false(parses(data, len)); /* hex in upper case */
	len = record(data, sizeof(data), "0123", id, n, commit_raw);
	assert_false(parses(data, len)); /* a short stamp */
	len = record(data, sizeof(data), STAMP, id, n, commit_raw);
	data[0] = 'M';
	assert_false(parses(data, len)); /* another magic */
	/* the length with a leading zero, and with a NUL after its digits */
	len = (size_t)snprintf(data, sizeof(data), "mainline-whole 1 %s %s %s 0%zu\n%s", STAMP,
	                       TREE, id, n, commit_raw);
	assert_false(parses(data, len));
	len = (size_t)snprintf(data, sizeof(data), "mainline-whole 1 %s %s %s %zu#\n%s", STAMP,
	                       TREE, id, n, commit_raw);
	*strchr(data, '#') = '\0';
	assert_false(parses(data, len));
	assert_false(parses("", 0));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void test_stamp_follows_the_repository(void **state)
{
	char dir[] = "/tmp/mainline-whole.XXXXXX", git_dir[64], path[96], id[41];
	struct whole_record *w;

	(void)state;
	commit_id(id);
	assert_non_null(mkdtemp(dir));
	snprintf(git_dir, sizeof(git_dir), "%s/git", dir);
	assert_int_equal(mkdir(git_dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/HEAD", git_dir);
	write_file(path, "ref: refs/heads/main\n");

	assert_null(whole_record_load(dir, git_dir)); /* none yet */
	assert_int_equal(whole_record_save(dir, git_dir, id, TREE, (const uint8_t *)commit_raw,
	                                   strlen(commit_raw)),
	                 0);
	w = whole_record_load(dir, git_dir);
	assert_non_null(w);
	assert_string_equal(w->commit, id);
	assert_string_equal(w->tree, TREE);
	whole_record_free(w);

	/* any write to the repository: the record no longer holds */
	snprintf(path, sizeof(path), "%s/packed-refs", git_dir);
	write_file(path, "");
	assert_null(whole_record_load(dir, git_dir));
	assert_int_equal(unlink(path), 0);

	whole_record_remove(dir);
	snprintf(path, sizeof(path), "%s/whole", dir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/HEAD", git_dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(git_dir), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_exact),
	    cmocka_unit_test(test_stamp_follows_the_repository),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
