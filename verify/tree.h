/*
 * One entry of a verified tree, as handed to a tree walk callback (used to
 * stream the tree into a container straight from the object database).
 */
#ifndef MAINLINE_TREE_H
#define MAINLINE_TREE_H

#include <stddef.h>

#define TREE_MODE_DIR 0040000u
#define TREE_MODE_FILE 0100644u
#define TREE_MODE_EXEC 0100755u
#define TREE_MODE_SYMLINK 0120000u

struct tree_entry {
	const char *path; /* relative, '/'-separated, no "." or ".." components */
	unsigned mode;    /* one of TREE_MODE_* */
	const void *data; /* file content or symlink target; NULL for directories */
	size_t size;
};

/* Returns 0 to continue; any other value stops the walk and is returned by it. */
typedef int (*tree_entry_fn)(void *ctx, const struct tree_entry *e);

#endif
