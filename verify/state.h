/*
 * What a state directory remembers between runs for one (source, branch):
 * - the rollback floor: the newest commit verified on this branch; a later
 *   branch tip must have it on its first-parent line;
 * - the verified cache: commits already verified under one set of trust
 *   roots and options (the "roots digest"), so an unchanged tip is answered
 *   without re-verifying and a chain grows incrementally.
 * Files are written atomically (temp file + rename). A save is a
 * read-modify-write under the state directory's own lock (lock, held for the
 * save only): the verified caches of two runs add up, and the floor only
 * moves forward, whatever lock their callers hold.
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

/*
 * Whether commit has ancestor on its first-parent line: 1 yes, 0 no,
 * negative when it cannot be told (the message is the callee's to clear).
 */
typedef int (*state_descends_fn)(void *ctx, const char *commit, const char *ancestor);

/*
 * Writes floor and cache atomically, merged with what other runs saved
 * since state_open: cache entries are joined; a floor moved meanwhile is
 * kept unless ours descends from it (descends may be NULL: then it is kept
 * when we did not move ours, else ML_ROLLBACK). 0, ML_IO,
 * ML_MALFORMED_OBJECT (a corrupt state file) or ML_ROLLBACK (the two floors
 * lie on no one first-parent line: the branch was rewritten in between).
 */
int state_save(struct state *st, state_descends_fn descends, void *ctx);

void state_free(struct state *st);

#endif
