/*
 * The verified tree as a tar stream (pax/ustar via libarchive), produced
 * entry by entry in a thread and read by the HTTP upload in constant memory:
 * the archive never exists as a whole. Owner root, a fixed mtime, modes and
 * symlinks as in the tree; absolute paths and '..' are refused.
 */
#ifndef MAINLINE_TAR_H
#define MAINLINE_TAR_H

#include <stddef.h>
#include <stdint.h>

#include "common/tree.h"

#define TAR_DEFAULT_MTIME 315532800 /* 1980-01-01T00:00:00Z: zip-safe, deterministic */
#define TAR_SYMLINK_MAX 4096

/* Whether path is a clean relative path: no leading '/', no '', '.' or '..' component. */
int tar_path_ok(const char *path);

/*
 * Writes the whole tree as a tar archive to fd (a file, pipe or socket).
 * mtime 0 means TAR_DEFAULT_MTIME. 0 or a reason code (ML_MALFORMED_OBJECT
 * for a refused path or entry, ML_IO for write failures, or the walk's own
 * code).
 */
int tar_write_tree(int fd, tree_walk_fn walk, void *walk_ctx, int64_t mtime);

struct tar_stream;

/* Starts the producer thread. 0 or ML_IO. */
int tar_stream_start(struct tar_stream **out, tree_walk_fn walk, void *walk_ctx, int64_t mtime);

/*
 * An http_upload_fn: fills dst with the next archive bytes, 0 at the end,
 * -1 when the producer failed (the archive would be incomplete).
 */
long tar_stream_read(void *ctx, uint8_t *dst, size_t cap);

/*
 * Stops the producer if it still runs, joins it and frees the stream.
 * Returns the producer's own failure (its message recorded here, replacing
 * the upload's, since it is the cause), or 0 when it succeeded or only
 * stopped because the reader went away (the reader knows why). NULL is a
 * no-op returning 0.
 */
int tar_stream_finish(struct tar_stream *t);

#endif
