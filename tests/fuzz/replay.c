/*
 * Standalone driver for the libFuzzer targets: feeds every file named on the
 * command line (directories are walked one level) to LLVMFuzzerTestOneInput,
 * so the committed corpora replay as regression tests without clang.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	struct buf b;

	buf_init(&b, 16u << 20);
	if (buf_read_file(&b, path) < 0) {
		fprintf(stderr, "cannot read corpus file '%s'\n", path);
		buf_release(&b);
		return -1;
	}
	LLVMFuzzerTestOneInput(b.data, b.len);
	buf_release(&b);
	return 0;
}

int main(int argc, char **argv)
{
	int i, count = 0, failed = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		struct dirent *de;
		DIR *dir;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "cannot stat '%s'\n", argv[i]);
			return 2;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed |= run_file(argv[i]) < 0;
			count++;
			continue;
		}
		if ((dir = opendir(argv[i])) == NULL)
			return 2;
		while ((de = readdir(dir)) != NULL) {
			char path[4096];

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			failed |= run_file(path) < 0;
			count++;
		}
		closedir(dir);
	}
	printf("replayed %d inputs\n", count);
	return failed ? 2 : 0;
}
