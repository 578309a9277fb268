/*
 * The whole-cache record of a source's cache (<dir>/whole, source.h).
 *
 * After a verification has read the target's whole tree from the cache,
 * <dir>/whole records that tree, the target commit (its raw object) and a
 * stamp of the repository's files: the name, inode, size, mode and the
 * modification and change times of each. A later run whose cache has the
 * same stamp finds the same bytes there, so it need not read that tree
 * again, nor check the packs before fetching, and it reads the commit from
 * the record (checked against its id) without opening the object database.
 * Any write to the repository (a fetch that brought something, a truncated
 * or overwritten pack, a rewritten reference, a restored copy) changes a
 * change time or an inode, and the full work is done again.
 *
 * The record is mainline's own file in the cache, but it is parsed as
 * untrusted bytes (tests/fuzz/fuzz_whole_record.c): exactly, or not at all.
 */
#ifndef MAINLINE_WHOLE_RECORD_H
#define MAINLINE_WHOLE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define WHOLE_COMMIT_MAX (1u << 20) /* bytes of the recorded commit object */

struct whole_record {
	char stamp[65];  /* of the repository's files when the tree was read whole */
	char tree[41];   /* the tree read whole */
	char commit[41]; /* the commit naming it */
	struct buf raw;  /* that commit object, without its "commit <len>\0" header */
};

/*
 * Parses a record's bytes exactly: its line, 64 and 40 and 40 lower-case
 * hex digits, the length of the commit object that follows, which must hash
 * to the commit's id. 0 with out filled (buf_release(&out->raw)), or -1.
 */
int whole_record_parse(const uint8_t *data, size_t len, struct whole_record *out);

/* <dir>/whole when it parses and git_dir still has its stamp; NULL otherwise. */
struct whole_record *whole_record_load(const char *dir, const char *git_dir);

/* Writes <dir>/whole for commit (its raw object) and tree, with git_dir's stamp now. 0 or -1. */
int whole_record_save(const char *dir, const char *git_dir, const char *commit_hex,
                      const char *tree_hex, const uint8_t *raw, size_t len);

/* Removes <dir>/whole, if there is one. */
void whole_record_remove(const char *dir);

void whole_record_free(struct whole_record *w);

#endif
