/* mainline entry point: chooses the mode and maps results onto exit codes. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/dynlib.h"
#include "common/error.h"
#include "common/pg.h"
#include "common/pg_schema.h"
#include "common/version.h"
#include "plugin/audit_db.h"
#include "plugin/audit_log.h"
#include "plugin/plugin.h"
#include "plugin/trust_roots.h"
#include "plugin/verify_cmd.h"

extern char **environ;

static void usage(FILE *f)
{
	fputs("usage: mainline                      plugin mode (PLUGIN_* / DRONE_*)\n"
	      "       mainline plugin\n"
	      "       mainline verify [options]     gate, fetch and verify only (--help)\n"
	      "       mainline audit verify FILE [--pubkey PEM] [--after HASH]\n"
	      "       mainline audit verify --state-url URL [--pubkey PEM]\n"
	      "       mainline audit export --state-url URL [--since TIME]\n"
	      "       mainline state migrate --state-url URL\n"
	      "       mainline --version | --help\n",
	      f);
}

/* The exit code of a reason: 0, 1 for a refusal (a tampered chain), 2 for any other error. */
static int exit_code(int r)
{
	if (r == 0)
		return 0;
	return ml_reason_is_refusal(r) ? 1 : 2;
}

/* Prints the report (stdout when r is 0, else stderr), or the message when there is none. */
static void print_report(const struct buf *report, int r)
{
	fputs(buf_cstr(report), r == 0 ? stdout : stderr);
	if (r != 0 && report->len == 0)
		fprintf(stderr, "mainline: %s (%s)\n", ml_error_message(), ml_reason_name(r));
}

/*
 * The options of the audit and state commands: FILE, --pubkey PEM, --after
 * HASH, --state-url URL, --since TIME, each where the command takes it (a
 * bit of `allowed`). 0, or 2 after printing what is wrong.
 */
#define OPT_FILE 1u
#define OPT_PUBKEY 2u
#define OPT_AFTER 4u
#define OPT_STATE_URL 8u
#define OPT_SINCE 16u

struct cmd_opts {
	const char *file, *pubkey, *after, *state_url, *since;
};

/* The value of option name at argv[*i] when the command takes it (bit in allowed), else NULL. */
static const char *option_value(const char *name, unsigned bit, unsigned allowed, int argc,
                                char **argv, int *i)
{
	if (!(allowed & bit) || strcmp(argv[*i], name) != 0 || *i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int parse_cmd(const char *cmd, unsigned allowed, int argc, char **argv, struct cmd_opts *o)
{
	const char *v;
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < argc; i++) {
		if ((v = option_value("--pubkey", OPT_PUBKEY, allowed, argc, argv, &i)) != NULL)
			o->pubkey = v;
		else if ((v = option_value("--after", OPT_AFTER, allowed, argc, argv, &i)) != NULL)
			o->after = v;
		else if ((v = option_value("--state-url", OPT_STATE_URL, allowed, argc, argv,
		                           &i)) != NULL)
			o->state_url = v;
		else if ((v = option_value("--since", OPT_SINCE, allowed, argc, argv, &i)) != NULL)
			o->since = v;
		else if ((allowed & OPT_FILE) && argv[i][0] != '-' && o->file == NULL)
			o->file = argv[i];
		else {
			fprintf(stderr, "mainline %s: unexpected argument '%s'\n", cmd, argv[i]);
			return 2;
		}
	}
	return 0;
}

/*
 * `mainline audit verify FILE [--pubkey PEM] [--after HASH]` or `--state-url
 * URL [--pubkey PEM]`: 0 intact, 1 tampered, 2 unreadable.
 */
static int audit_verify_main(int argc, char **argv)
{
	struct cmd_opts o;
	struct buf report;
	struct pg *db = NULL;
	int r;

	if (parse_cmd("audit verify", OPT_FILE | OPT_PUBKEY | OPT_AFTER | OPT_STATE_URL, argc, argv,
	              &o) != 0)
		return 2;
	if ((o.file == NULL) == (o.state_url == NULL) || (o.state_url != NULL && o.after != NULL)) {
		usage(stderr);
		return 2;
	}
	buf_init(&report, 1u << 20);
	ml_error_clear();
	if (o.file != NULL)
		r = audit_log_verify_file(o.file, o.pubkey, o.after, &report);
	else if ((r = pg_connect(&db, o.state_url)) == 0)
		r = audit_db_verify(db, o.pubkey, &report);
	print_report(&report, r);
	pg_close(db);
	buf_release(&report);
	return exit_code(r);
}

static int print_line(void *ctx, const char *line, size_t len)
{
	(void)ctx;
	return fwrite(line, 1, len, stdout) == len && putchar('\n') != EOF
	           ? 0
	           : ml_fail(ML_IO, "cannot write the export: %s", strerror(errno));
}

/*
 * `mainline audit export --state-url URL [--since TIME]`: the chain's lines
 * on stdout (JSONL that `audit verify FILE` takes), a summary on stderr.
 */
static int audit_export_main(int argc, char **argv)
{
	struct cmd_opts o;
	struct pg *db = NULL;
	char since[32], after[65];
	size_t count = 0;
	int r;

	if (parse_cmd("audit export", OPT_STATE_URL | OPT_SINCE, argc, argv, &o) != 0)
		return 2;
	if (o.state_url == NULL) {
		usage(stderr);
		return 2;
	}
	ml_error_clear();
	if ((o.since == NULL || (r = audit_db_since(o.since, since, sizeof(since))) == 0) &&
	    (r = pg_connect(&db, o.state_url)) == 0)
		r = audit_db_export(db, o.since != NULL ? since : NULL, print_line, NULL, after,
		                    &count);
	if (fflush(stdout) != 0 && r == 0)
		r = ml_fail(ML_IO, "cannot write the export: %s", strerror(errno));
	if (r != 0)
		fprintf(stderr, "mainline: %s (%s)\n", ml_error_message(), ml_reason_name(r));
	else if (count > 0 && strspn(after, "0") != 64)
		fprintf(stderr,
		        "mainline: %zu records exported; the first continues the chain after %s "
		        "(mainline audit verify FILE --after %s)\n",
		        count, after, after);
	else
		fprintf(stderr, "mainline: %zu records exported\n", count);
	pg_close(db);
	return exit_code(r);
}

/* `mainline state migrate --state-url URL`: the shared state's tables, made or brought up to date. */
static int state_migrate_main(int argc, char **argv)
{
	enum pg_schema_outcome outcome;
	struct cmd_opts o;
	struct pg *db = NULL;
	int r, from = 0;

	if (parse_cmd("state migrate", OPT_STATE_URL, argc, argv, &o) != 0)
		return 2;
	if (o.state_url == NULL) {
		usage(stderr);
		return 2;
	}
	ml_error_clear();
	if ((r = pg_connect(&db, o.state_url)) == 0 &&
	    (r = pg_schema_ensure(db, &outcome, &from)) == 0) {
		if (outcome == PG_SCHEMA_MIGRATED)
			printf("shared state '%s': tables %s version %d\n", pg_shown(db),
			       from == 0 ? "created at" : "migrated to", PG_SCHEMA_VERSION);
		else
			printf("shared state '%s': tables already at version %d\n", pg_shown(db),
			       PG_SCHEMA_VERSION);
	} else {
		fprintf(stderr, "mainline: %s (%s)\n", ml_error_message(), ml_reason_name(r));
	}
	pg_close(db);
	return exit_code(r);
}

/*
 * The version, then each library mainline loads on first use, loaded now, with its version
 * and soname ("uses libcurl 7.88.1 (libcurl.so.4)"): the image's build runs this, so a
 * library or symbol missing there stops the build (docs/image.md).
 */
static int print_version(void)
{
	struct dynlib *const libs[] = {&dynlib_libgit2, &dynlib_libcurl, &dynlib_libarchive,
	                               &dynlib_libpq};
	char version[64];
	size_t i;
	int r;

	printf("mainline %s\n", MAINLINE_VERSION);
	for (i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		if ((r = dynlib_need(libs[i])) != 0) {
			fflush(stdout);
			fprintf(stderr, "mainline: %s (%s)\n", ml_error_message(),
			        ml_reason_name(r));
			return exit_code(r);
		}
		libs[i]->version(version, sizeof(version));
		printf("uses %s %s (%s)\n", libs[i]->name, version, libs[i]->soname);
	}
	return 0;
}

/* Warnings of the library (an ignored revocation) go to the log, never to --json's stdout. */
static void print_warning(const char *message)
{
	fprintf(stderr, "mainline: warning: %s\n", message);
}

int main(int argc, char **argv)
{
	trust_roots_set_warning_handler(print_warning);
	if (argc == 1 || (argc == 2 && strcmp(argv[1], "plugin") == 0))
		return plugin_main(environ);
	if (strcmp(argv[1], "--version") == 0)
		return print_version();
	if (strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "verify") == 0)
		return verify_cmd_main(argc - 1, argv + 1);
	if (argc >= 3 && strcmp(argv[1], "audit") == 0 && strcmp(argv[2], "verify") == 0)
		return audit_verify_main(argc - 3, argv + 3);
	if (argc >= 3 && strcmp(argv[1], "audit") == 0 && strcmp(argv[2], "export") == 0)
		return audit_export_main(argc - 3, argv + 3);
	if (argc >= 3 && strcmp(argv[1], "state") == 0 && strcmp(argv[2], "migrate") == 0)
		return state_migrate_main(argc - 3, argv + 3);
	usage(stderr);
	return 2;
}
