/*
 * Local sources (a path, or a file:/// URL of a plain path: mirrors and
 * air-gapped runners) are fetched as any other, but into a cache without
 * packs their packs are first copied as they are, as `git clone --local
 * --no-hardlinks` does: the fetch then finds the objects it wants already
 * there and only moves the references, where libgit2's local transport
 * would build and index a new pack of the whole history (seconds, against
 * milliseconds for the copy). Later fetches are incremental as from any
 * source (libgit2 packs only what is new), so the cache does not gain a copy
 * of every pack the source's gc writes. Each copy is checked as it is
 * written: the pack's own SHA-1 trailer over its content and its name, the
 * index's trailer and the pack checksum it names. A pack that fails is left
 * out (the fetch then reads those objects from the source and fails as it
 * always did on a damaged source); every object read later is re-hashed
 * (strict hash verification), whatever index found it. A cache not made
 * yet is seeded on a thread of its own while libgit2 starts
 * (source_seed_begin, source_seed_end); any other in the fetch's child
 * (source_seed_local).
 */
#ifndef MAINLINE_SOURCE_SEED_H
#define MAINLINE_SOURCE_SEED_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* Temporary names of the copies; what a killed run leaves is stale (source.c removes it). */
#define SEED_PREFIX "pack_git2_seed_"

/* The directory of a local source: the path, or a file:/// URL without escapes. 0 or -1. */
int source_local_path(const char *url, char *out, size_t len);

/*
 * Seeds git_dir, a cache without packs, with the packs of the local source
 * url (above). A source that libgit2 cannot open, one that borrows objects
 * (alternates) or anything unexpected: nothing is copied and the fetch does
 * all the work. Best effort: nothing to report.
 */
void source_seed_local(const char *url, const char *git_dir);

/*
 * The same for a cache not made yet, on a thread of its own while the caller
 * starts libgit2 and creates the repository: creates git_dir/objects/pack
 * and copies into it, under temporary names, the checked packs of the
 * source's objects directory as its layout shows it (path/objects, else
 * path/.git/objects; anything else: NULL, nothing to seed). The copying
 * stops on cancel (may be NULL) or at deadline_ms (a clock_monotonic_ms()
 * time; 0: none). No libgit2 call; the caller must not fork before
 * source_seed_end.
 */
struct source_seed;
struct source_seed *source_seed_begin(const char *url, const char *git_dir,
                                      const volatile sig_atomic_t *cancel, int64_t deadline_ms);

/*
 * Waits for the copies of s (NULL: none), then, when keep is set (libgit2
 * started), puts them in place if libgit2 opens the source, it borrows no
 * objects, and the objects directory libgit2 reads there is the one copied
 * from; else removes them. Frees s. Whether the copies were kept (1) or 0.
 */
int source_seed_end(struct source_seed *s, int keep);

#endif
