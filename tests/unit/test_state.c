/*
 * The rollback state saved by runs that overlap: each save is a
 * read-modify-write, so verified caches add up and the floor only moves
 * forward along the first-parent line.
 */
#include "unit.h"

#include <dirent.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/reason.h"
#include "verify/state.h"

#define A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define C "cccccccccccccccccccccccccccccccccccccccc"
#define ROOTS "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A first-parent line A <- B <- C, and D on a rewritten line beside it. */
#define D "dddddddddddddddddddddddddddddddddddddddd"

static int line_rank(const char *id)
{
	return strcmp(id, A) == 0 ? 1 : strcmp(id, B) == 0 ? 2 : strcmp(id, C) == 0 ? 3 : 0;
}

static int on_line(void *ctx, const char *commit, const char *ancestor)
{
	int c = line_rank(commit), a = line_rank(ancestor);

	(*(int *)ctx)++;
	return c != 0 && a != 0 && c >= a;
}

static char dir[64];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/mainline-state.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static struct state *open_state(void)
{
	struct state *st = NULL;

	assert_int_equal(state_open(&st, dir, "https://example.org/p.git", "main", ROOTS), 0);
	return st;
}

/* Two runs opened the state before either saved: both caches survive. */
static void test_caches_of_overlapping_runs_add_up(void **state)
{
	struct state *one = open_state(), *two = open_state(), *after;
	int calls = 0;

	assert_int_equal(state_remember(one, A, NULL, STATE_SIGNATURE), 0);
	assert_int_equal(state_remember(two, B, NULL, STATE_SIGNATURE | STATE_CHAIN), 0);
	assert_int_equal(state_save(one, on_line, &calls), 0);
	assert_int_equal(state_save(two, on_line, &calls), 0);
	after = open_state();
	assert_true(state_cached(after, A, NULL, STATE_SIGNATURE));
	assert_true(state_cached(after, B, NULL, STATE_SIGNATURE | STATE_CHAIN));
	assert_false(state_cached(after, C, NULL, STATE_SIGNATURE));
	state_free(one);
	state_free(two);
	state_free(after);
}

static const char *saved_floor(void)
{
	static char floor[41];
	struct state *st = open_state();

	snprintf(floor, sizeof(floor), "%s", state_floor(st) != NULL ? state_floor(st) : "");
	state_free(st);
	return floor;
}

/* An older verification saved last does not pull the floor back. */
static void test_floor_only_moves_forward(void **state)
{
	struct state *older = open_state(), *newer = open_state();
	int calls = 0;

	state_set_floor(newer, C);
	state_set_floor(older, B);
	assert_int_equal(state_save(newer, on_line, &calls), 0);
	assert_int_equal(state_save(older, on_line, &calls), 0);
	assert_string_equal(saved_floor(), C);
	state_free(older);
	state_free(newer);
}

/* The newer verification saved last moves the floor on past the older one's. */
static void test_newer_floor_saved_last_wins(void **state)
{
	struct state *older = open_state(), *newer = open_state();
	int calls = 0;

	state_set_floor(older, B);
	state_set_floor(newer, C);
	assert_int_equal(state_save(older, on_line, &calls), 0);
	assert_string_equal(saved_floor(), B);
	assert_int_equal(state_save(newer, on_line, &calls), 0);
	assert_string_equal(saved_floor(), C);
	state_free(older);
	state_free(newer);
}

/* A run that left the floor where it found it keeps another run's move. */
static void test_unmoved_floor_keeps_the_other_runs(void **state)
{
	struct state *mover, *reader;
	int calls = 0;

	mover = open_state();
	state_set_floor(mover, A);
	assert_int_equal(state_save(mover, on_line, &calls), 0);
	state_free(mover);

	mover = open_state();
	reader = open_state();
	state_set_floor(mover, B);
	assert_int_equal(state_remember(reader, C, NULL, STATE_SIGNATURE), 0);
	assert_int_equal(state_save(mover, on_line, &calls), 0);
	calls = 0;
	assert_int_equal(state_save(reader, on_line, &calls), 0);
	assert_int_equal(calls, 0); /* no ancestry needed: the reader did not move it */
	assert_string_equal(saved_floor(), B);
	state_free(mover);
	state_free(reader);
}

/* Floors on two lines: the branch was rewritten between the two verifications. */
static void test_diverged_floors_are_a_rollback(void **state)
{
	struct state *one = open_state(), *two = open_state();
	int calls = 0;

	state_set_floor(one, B);
	state_set_floor(two, D);
	assert_int_equal(state_save(one, on_line, &calls), 0);
	assert_int_equal(state_save(two, on_line, &calls), ML_ROLLBACK);
	assert_string_equal(saved_floor(), B);
	state_free(one);
	state_free(two);

	/* without a way to tell, a moved floor is not overwritten either */
	one = open_state();
	two = open_state();
	state_set_floor(one, C);
	state_set_floor(two, A);
	assert_int_equal(state_save(one, NULL, NULL), 0);
	assert_int_equal(state_save(two, NULL, NULL), ML_ROLLBACK);
	assert_string_equal(saved_floor(), C);
	state_free(one);
	state_free(two);
}

static int count_entry(void *ctx, const char *commit, const char *anchor, unsigned flags)
{
	(void)commit;
	(void)anchor;
	*(unsigned *)ctx += flags;
	return 0;
}

static int parse(const char *text, size_t len, unsigned *sum, size_t *bad_line)
{
	*sum = 0;
	return state_parse_cache(text, len, count_entry, sum, bad_line);
}

static void test_cache_file_is_read_exactly_as_written(void **state)
{
	static const char good[] = A " - 1\n" B " " A " 3\n";
	static const struct {
		const char *text;
		size_t len, line;
	} bad[] = {
	    {A " - 1\n\n" B " - 1\n", sizeof(A " - 1\n\n" B " - 1\n") - 1, 2}, /* empty line */
	    {A " - 1\n" B " - 2", sizeof(A " - 1\n" B " - 2") - 1, 2},         /* unterminated */
	    {A " - 1\0\n", sizeof(A " - 1\0\n") - 1, 1},                       /* NUL */
	    {A " - +1\n", sizeof(A " - +1\n") - 1, 1},
	    {A " - 4\n", sizeof(A " - 4\n") - 1, 1},
	    {A " - 0\n", sizeof(A " - 0\n") - 1, 1},
	    {A " x 1\n", sizeof(A " x 1\n") - 1, 1},
	    {A "  1\n", sizeof(A "  1\n") - 1, 1},
	    {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA - 1\n", 45, 1},
	    {A " " B "b 1\n", sizeof(A " " B "b 1\n") - 1, 1},
	    {A " " B "\t1\n", sizeof(A " " B "\t1\n") - 1, 1},
	};
	unsigned sum;
	size_t i, line;

	assert_int_equal(parse(good, sizeof(good) - 1, &sum, &line), 0);
	assert_int_equal(sum, 4);
	assert_int_equal(parse("", 0, &sum, &line), 0);
	assert_int_equal(sum, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		line = 99;
		assert_int_equal(parse(bad[i].text, bad[i].len, &sum, &line), ML_MALFORMED_OBJECT);
		assert_int_equal(line, bad[i].line);
	}
}

/* The source file names a new state directory, written whether the run saves or not. */
static void test_source_file_names_the_state(void **state)
{
	char pattern[128], text[256];
	struct state *st;
	glob_t g;
	FILE *f;
	size_t n;
	int saved, calls = 0;

	for (saved = 0; saved <= 1; saved++) {
		st = open_state();
		if (saved) {
			assert_int_equal(state_remember(st, A, NULL, STATE_SIGNATURE), 0);
			assert_int_equal(state_save(st, on_line, &calls), 0);
		}
		state_free(st);
		snprintf(pattern, sizeof(pattern), "%s/state/*/source", dir);
		assert_int_equal(glob(pattern, 0, NULL, &g), 0);
		assert_int_equal(g.gl_pathc, 1);
		assert_non_null(f = fopen(g.gl_pathv[0], "r"));
		n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		fclose(f);
		assert_string_equal(text, "https://example.org/p.git\nmain\n");
		globfree(&g);
		/* no temporary file is left beside it */
		snprintf(pattern, sizeof(pattern), "%s/state/*/*.tmp.*", dir);
		assert_int_equal(glob(pattern, 0, NULL, &g), GLOB_NOMATCH);
		globfree(&g);
		snprintf(text, sizeof(text), "rm -rf '%s'/*", dir);
		assert_int_equal(system(text), 0);
	}
}

/* The threads of this process (its entries in /proc/self/task). */
static int threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* After state_wait no thread of the state's runs (a fork may follow), and save still works. */
static void test_wait_leaves_no_thread(void **state)
{
	struct state *st = open_state();
	int calls = 0;

	state_wait(st);
	assert_int_equal(threads(), 1);
	state_wait(st);
	assert_int_equal(state_remember(st, A, NULL, STATE_SIGNATURE), 0);
	assert_int_equal(state_save(st, on_line, &calls), 0);
	state_free(st);
}

/* A chain's worth of entries, room made for them first or not: all of them are kept. */
static void test_many_entries_with_room_made_first(void **state)
{
	enum { N = 3000 };
	char id[41], cmd[128];
	int reserved, calls = 0;
	size_t i;

	for (reserved = 0; reserved <= 1; reserved++) {
		struct state *st = open_state();

		if (reserved)
			state_reserve(st, N);
		for (i = 0; i < N; i++) {
			snprintf(id, sizeof(id), "%08zx%032zx", i * 2654435761u % 0xffffffffu, i);
			assert_int_equal(state_remember(st, id, A, STATE_SIGNATURE | STATE_CHAIN),
			                 0);
		}
		assert_int_equal(state_save(st, on_line, &calls), 0);
		state_free(st);
		st = open_state();
		for (i = 0; i < N; i++) {
			snprintf(id, sizeof(id), "%08zx%032zx", i * 2654435761u % 0xffffffffu, i);
			assert_true(state_cached(st, id, A, STATE_SIGNATURE | STATE_CHAIN));
		}
		assert_false(state_cached(st, B, A, STATE_SIGNATURE));
		state_free(st);
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'/*", dir);
		assert_int_equal(system(cmd), 0);
	}
}

/*
 * A corrupt verified cache (here: lines after an empty one, which are not
 * skipped) is moved aside and the run starts with an empty cache; a corrupt
 * floor is an error, never moved aside.
 */
static void test_corrupt_cache_file_is_moved_aside(void **state)
{
	struct state *st = NULL;
	char cmd[320];

	st = open_state();
	assert_int_equal(state_remember(st, A, NULL, STATE_SIGNATURE), 0);
	state_set_floor(st, A);
	assert_int_equal(state_save(st, NULL, NULL), 0);
	state_free(st);
	st = NULL;
	snprintf(cmd, sizeof(cmd),
	         "for f in %s/state/*/verified-*; do printf '\\ngarbage\\n' >>\"$f\"; done", dir);
	assert_int_equal(system(cmd), 0);
	st = open_state();
	assert_non_null(state_recovery(st));
	assert_non_null(strstr(state_recovery(st), "was corrupt at line 2: moved aside to '"));
	assert_int_equal(state_cached(st, A, NULL, STATE_SIGNATURE), 0);
	assert_string_equal(state_floor(st), A);
	state_free(st);
	snprintf(cmd, sizeof(cmd), "test -f %s/state/*/verified-*.corrupt", dir);
	assert_int_equal(system(cmd), 0);

	/* the floor's file */
	snprintf(cmd, sizeof(cmd), "for f in %s/state/*/floor; do echo x >>\"$f\"; done", dir);
	assert_int_equal(system(cmd), 0);
	st = NULL;
	ml_error_clear();
	assert_int_equal(state_open(&st, dir, "https://example.org/p.git", "main", ROOTS),
	                 ML_MALFORMED_OBJECT);
	assert_non_null(strstr(ml_error_message(), "is corrupt"));
	assert_null(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_caches_of_overlapping_runs_add_up, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_floor_only_moves_forward, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_newer_floor_saved_last_wins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unmoved_floor_keeps_the_other_runs, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_diverged_floors_are_a_rollback, setup, teardown),
	    cmocka_unit_test(test_cache_file_is_read_exactly_as_written),
	    cmocka_unit_test_setup_teardown(test_source_file_names_the_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wait_leaves_no_thread, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_entries_with_room_made_first, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_corrupt_cache_file_is_moved_aside, setup,
	                                    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
