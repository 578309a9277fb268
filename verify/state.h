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
 *
 * A fleet of runners shares both through a database (state_share, common/pg.h):
 * the floor of (source, branch) and the verified cache keyed by (trust roots,
 * anchor, commit), next to the files, which still apply. A save then is the
 * same read-modify-write in one transaction that locks the floor's row (so
 * two runners that verify different tips at once cannot move it backwards);
 * docs/shared-state.md says why a row lock rather than a compare-and-set.
 */
#ifndef MAINLINE_STATE_H
#define MAINLINE_STATE_H

#include <stddef.h>

struct pg;

#define STATE_SIGNATURE 1u /* the commit's own signature verified */
#define STATE_CHAIN 2u     /* every first-parent commit after the anchor verified */

struct state;

/*
 * Opens (creating directories as needed) the state of source_url/branch
 * under dir, loading the floor and the cache for roots_digest (hex).
 * ML_IO on failure, ML_MALFORMED_OBJECT when the floor's file is corrupt
 * (a corrupt cache is moved aside: state_recovery).
 */
int state_open(struct state **out, const char *dir, const char *source_url, const char *branch,
               const char *roots_digest);

/*
 * The verified cache file (exposed for its tests): one line per entry,
 * "<commit> <anchor, or - for none> <flags>\n", ids in lower-case hex and
 * flags 1, 2 or 3, exactly as state_save writes it. each is called per entry;
 * returns 0, the first nonzero value of each, or ML_MALFORMED_OBJECT (any
 * other byte, a NUL, an empty or unterminated line) with *bad_line the line
 * at fault (from 1).
 */
typedef int (*state_entry_fn)(void *ctx, const char *commit, const char *anchor, unsigned flags);
int state_parse_cache(const char *text, size_t len, state_entry_fn each, void *ctx,
                      size_t *bad_line);

/*
 * What state_open repaired, or NULL: a corrupt verified cache is moved aside
 * (it only saves work) and the run verifies afresh; a corrupt floor is an
 * error instead (ML_MALFORMED_OBJECT), since moving it would allow a rollback.
 */
const char *state_recovery(const struct state *st);

/* The floor (40 hex) or NULL when none was recorded yet. */
const char *state_floor(const struct state *st);

/* Whether commit is cached with every flag in `flags`, verified after `anchor` (NULL = none). */
int state_cached(const struct state *st, const char *commit, const char *anchor, unsigned flags);

/* Records a verified commit (in memory until state_save). 0 or ML_IO. */
int state_remember(struct state *st, const char *commit, const char *anchor, unsigned flags);

/*
 * Makes room now for n more entries, so that remembering them needs no
 * allocation then: a chain's verifier calls it while its signatures are still
 * being checked, and remembers the whole chain once they hold. Only saves
 * work: a table that cannot grow now grows, or fails, in state_remember.
 */
void state_reserve(struct state *st, size_t n);

/* Raises the floor (in memory until state_save). */
void state_set_floor(struct state *st, const char *commit);

/*
 * Whether commit has ancestor on its first-parent line: 1 yes, 0 no,
 * negative when it cannot be told (the message is the callee's to clear).
 */
typedef int (*state_descends_fn)(void *ctx, const char *commit, const char *ancestor);

/*
 * Joins the shared state in db (borrowed until state_free) for the source
 * and branch of state_open: reads the shared floor and the newest entries
 * of the shared verified cache for these trust roots and the run's anchors
 * (anchor, NULL for none, and extra_anchor, may be NULL), which the cache
 * then answers from too. The floor this run verifies against becomes the
 * later of this cache's and the shared one (descends tells, on the fetched
 * objects). 0, ML_ROLLBACK (the two floors lie on no one first-parent line:
 * the branch was rewritten, or the shared floor is a commit the fetch did not
 * bring), ML_MALFORMED_OBJECT (a corrupt row) or ML_STATE_UNAVAILABLE.
 */
int state_share(struct state *st, struct pg *db, const char *source_url, const char *anchor,
                const char *extra_anchor, state_descends_fn descends, void *ctx);

/*
 * Writes floor and cache atomically, merged with what other runs saved
 * since state_open: cache entries are joined; a floor moved meanwhile is
 * kept unless ours descends from it (descends may be NULL: then it is kept
 * when we did not move ours, else ML_ROLLBACK). Shared (state_share), the
 * database is written first, in one transaction, the same way: the floor's
 * row locked and merged, the entries this run verified added. 0, ML_IO,
 * ML_MALFORMED_OBJECT (a corrupt state file or row), ML_ROLLBACK (the two
 * floors lie on no one first-parent line: the branch was rewritten in
 * between) or ML_STATE_UNAVAILABLE.
 */
int state_save(struct state *st, state_descends_fn descends, void *ctx);

/*
 * Waits for the writes state_open left running on a thread of their own (the
 * source file of a new state directory), so that the process has no thread
 * of the state's: before a fork (common/child.h). Their outcome is still
 * told by state_save.
 */
void state_wait(struct state *st);

void state_free(struct state *st);

#endif
