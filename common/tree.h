/*
 * A git tree handed over entry by entry: produced by the source module (from
 * the object database, never from a checkout) and consumed by the container
 * upload. Keeps libgit2 on one side and libarchive on the other.
 */
#ifndef MAINLINE_TREE_H
#define MAINLINE_TREE_H

#include <stddef.h>

#define TREE_MODE_DIR 0040000u
#define TREE_MODE_FILE 0100644u
#define TREE_MODE_EXEC 0100755u
#define TREE_MODE_SYMLINK 0120000u

/*
 * Reads the next bytes of a file's content into dst (at most cap): the count,
 * 0 at the end, -1 on error. For content that is not held in memory.
 */
typedef long (*tree_read_fn)(void *ctx, void *dst, size_t cap);

struct tree_entry {
	const char *path; /* relative, '/'-separated, no leading '/', no '..' */
	unsigned mode;    /* one of TREE_MODE_* */
	const void *data; /* file content or symlink target; NULL for directories */
	size_t size;
	tree_read_fn read; /* a regular file with data NULL: its size bytes come from here */
	void *read_ctx;
};

/* Receives one entry; a directory comes before its contents. 0 or a reason code. */
typedef int (*tree_entry_fn)(void *ctx, const struct tree_entry *e);

/* Walks a whole tree, calling emit for each entry. 0 or a reason code. */
typedef int (*tree_walk_fn)(void *walk_ctx, tree_entry_fn emit, void *emit_ctx);

#endif
