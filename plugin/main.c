/* mainline entry point: chooses the mode and maps results onto exit codes. */
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/version.h"
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
	      "       mainline audit verify FILE [--pubkey PEM]\n"
	      "       mainline --version | --help\n",
	      f);
}

/* `mainline audit verify FILE [--pubkey PEM]`: 0 intact, 1 tampered, 2 unreadable. */
static int audit_verify_main(int argc, char **argv)
{
	const char *file = NULL, *pubkey = NULL;
	struct buf report;
	int i, r;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--pubkey") == 0 && i + 1 < argc) {
			pubkey = argv[++i];
		} else if (argv[i][0] != '-' && file == NULL) {
			file = argv[i];
		} else {
			fprintf(stderr, "mainline audit verify: unexpected argument '%s'\n",
			        argv[i]);
			return 2;
		}
	}
	if (file == NULL) {
		usage(stderr);
		return 2;
	}
	buf_init(&report, 1u << 20);
	ml_error_clear();
	r = audit_log_verify_file(file, pubkey, NULL, &report);
	fputs(buf_cstr(&report), r == 0 ? stdout : stderr);
	if (r != 0 && report.len == 0)
		fprintf(stderr, "mainline: %s (%s)\n", ml_error_message(), ml_reason_name(r));
	buf_release(&report);
	if (r == 0)
		return 0;
	return ml_reason_is_refusal(r) ? 1 : 2;
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
	if (strcmp(argv[1], "--version") == 0) {
		printf("mainline %s\n", MAINLINE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "verify") == 0)
		return verify_cmd_main(argc - 1, argv + 1);
	if (argc >= 3 && strcmp(argv[1], "audit") == 0 && strcmp(argv[2], "verify") == 0)
		return audit_verify_main(argc - 3, argv + 3);
	usage(stderr);
	return 2;
}
