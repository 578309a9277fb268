/*
 * What a state directory remembers between runs for one (source, branch):
 * - the rollback floor: the newest commit verified on this branch; a later
 *   branch tip must have it on its first-parent line;
 * - the verified cache: commits already verified under one set of trust
 *   roots and options (the "roots digest"), so an unchanged tip is answered
 *   without re-verifying and a chain grows incrementally.
 * Files are written atomically (temp file + rename); the caller holds the
 * source lock, so runs on one cache do not interleave.
 */
#ifndef MAINLINE_STATE_H
#define MAINLINE_STATE_H

#include <stddef.h>

#define STATE_SIGNATURE 1u /* the commit's own signature verified */
#define STATE_CHAIN 2u     /* every first-parent commit after the anchor verified */

struct state;

/*
 * Opens (creating directories as needed) the state of source_url/branch
 * under dir, loading the floor and the cache for roots_digest (hex).
 * ML_IO on failure, ML_MALFORMED_OBJECT when a state file is corrupt.
 */
int state_open(struct state **out, const char *dir, const char *source_url, const char *branch,
               const char *roots_digest);

/* The floor (40 hex) or NULL when none was recorded yet. */
const char *state_floor(const struct state *st);

/* Whether commit is cached with every flag in `flags`, verified after `anchor` (NULL = none). */
int state_cached(const struct state *st, const char *commit, const char *anchor, unsigned flags);

/* Records a verified commit (in memory until state_save). 0 or ML_IO. */
int state_remember(struct state *st, const char *commit, const char *anchor, unsigned flags);

/* Raises the floor (in memory until state_save). */
void state_set_floor(struct state *st, const char *commit);

/* Writes floor and cache atomically. 0 or ML_IO. */
int state_save(struct state *st);

void state_free(struct state *st);

#endif
