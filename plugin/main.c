/* mainline entry point: chooses the mode and maps results onto exit codes. */
#include <stdio.h>
#include <string.h>

#include "verify_cmd.h"
#include "version.h"

static void usage(FILE *f)
{
	fputs("usage: mainline                      plugin mode (PLUGIN_* / DRONE_*)\n"
	      "       mainline plugin\n"
	      "       mainline verify [options]     gate, fetch and verify only\n"
	      "       mainline audit verify FILE [--pubkey PEM]\n"
	      "       mainline --version | --help\n",
	      f);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("mainline %s\n", MAINLINE_VERSION);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "verify") == 0)
		return verify_cmd_main(argc - 1, argv + 1);
	usage(stderr);
	return 2;
}
