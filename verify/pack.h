/*
 * Objects read straight from the pack files of a cache (objects/pack/pack-<id>.idx
 * and *.pack, version 2 index), without libgit2. A chain's first-parent walk
 * reads a thousand commits one after another, each naming the next, on the
 * critical path of the verification; libgit2's read path (its start, which
 * loads the system's CA certificates, its object cache, a new inflate stream
 * per object) cost more than the inflating. This reader keeps one inflate
 * stream and two buffers for the whole walk.
 *
 * It only ever answers with the object asked for: what it returns hashes to
 * the id that was asked for (SHA-1 of "<type> <len>\0<content>"), so a
 * damaged or hostile pack can make it fail, never lie. Whatever it cannot
 * answer (an object in no pack or loose, an index it does not know, a pack
 * whose trailer is not the checksum its index names, a delta on a base in
 * another pack, a chain deeper than PACK_MAX_DELTA_DEPTH, anything that does
 * not parse or hash) it reports as not found, and the caller reads the
 * object through libgit2, which also names the problem.
 *
 * The files are mapped read-only; the cache's invariant (source.h: objects
 * are only ever added, in new packs renamed into place) keeps them
 * unchanged while mapped. A pack added after the set was opened is not in
 * it: its objects are "not found" here and read through libgit2.
 */
#ifndef MAINLINE_PACK_H
#define MAINLINE_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define PACK_MAX_DELTA_DEPTH 1000

enum pack_type {
	PACK_COMMIT = 1,
	PACK_TREE = 2,
	PACK_BLOB = 3,
	PACK_TAG = 4,
};

struct pack_set;

/*
 * The packs of objects_dir/pack (none is an empty set). Packs whose files
 * cannot be mapped or whose headers do not parse are left out. 0, or -1
 * (memory; an unreadable directory gives an empty set).
 */
int pack_set_open(struct pack_set **out, const char *objects_dir);

/*
 * A set of one pack held in memory (tests and fuzzing): idx and pack are
 * not copied and must outlive the set. 0, or -1 when they do not parse.
 */
int pack_set_from_memory(struct pack_set **out, const uint8_t *idx, size_t idx_len,
                         const uint8_t *pack, size_t pack_len);

/*
 * Appends the content of object id (20 bytes) to out when a pack of the set
 * holds it as an object of the given type, complete and hashing to id.
 * 0, or -1 (not found in that form; out is left as it was).
 */
int pack_set_read(struct pack_set *ps, const uint8_t id[20], enum pack_type type, struct buf *out);

/* Unmaps and frees; NULL is a no-op. */
void pack_set_free(struct pack_set *ps);

#endif
