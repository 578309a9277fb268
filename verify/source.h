/*
 * The trusted repository's local cache: fetch with libgit2 into a bare
 * repository, resolve names, read raw objects and walk trees. This is the
 * only module that uses libgit2 (with source_proxy.c and source_seed.c).
 * Nothing here decides trust: callers parse the objects it returns
 * (commit.h, tag.h) and verify their signatures.
 *
 * Layout of the cache directory: one subdirectory per source URL, named
 * after the SHA-256 of the URL, holding the bare repository (git/), the URL
 * (url), a lock file (lock), the record of the tree last read whole (whole,
 * whole_record.h) and damaged repositories moved aside
 * (git.corrupt-<UTC time>, the newest SOURCE_KEEP_DAMAGED kept). Fetched
 * refs live under refs/mainline/ only.
 *
 * The lock covers what changes the cache: the fetch, and the verification
 * that reads the refs it moved. A run that verified releases it
 * (source_unlock) and goes on reading objects by id only (the tree upload).
 * That needs no lock because of one invariant: objects are never deleted or
 * rewritten in place. A fetch only adds them (libgit2 writes a new pack under
 * a temporary name and renames it in; it has no gc, repack or prune of
 * objects, and fetch's prune removes stale refs/mainline/tags/ refs, never
 * objects), and nothing in mainline removes or repacks an object database.
 * Should a damaged cache ever be set aside by renaming it (under the lock),
 * an unlocked reader of the old directory still gets the exact bytes it
 * asked for or an error: every object is read by its id with the hash
 * verified (strict hash verification), so no other content can slip in.
 */
#ifndef MAINLINE_SOURCE_H
#define MAINLINE_SOURCE_H

#include <signal.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/tree.h"
#include "verify/object.h"

#define SOURCE_DEFAULT_CACHE "/var/cache/mainline"
#define SOURCE_DEFAULT_BRANCH "main"
#define SOURCE_DEFAULT_LOCK_TIMEOUT 600  /* seconds */
#define SOURCE_DEFAULT_FETCH_TIMEOUT 600 /* seconds */
/* Damaged caches moved aside (git.corrupt-<time>) that are kept, the newest ones. */
#define SOURCE_KEEP_DAMAGED 2

struct source_options {
	const char *url;          /* local path, file://, git://, https://, ssh://, scp-like */
	const char *branch;       /* NULL: "main" */
	const char *cache_dir;    /* NULL: SOURCE_DEFAULT_CACHE */
	unsigned lock_timeout;    /* seconds to wait for the cache lock; 0: default */
	int offline;              /* never fetch, use the cache as it is */
	const char *ca_file;      /* https: PEM bundle replacing the system CAs */
	const char *cert_pin;     /* https: SHA-256 of the server certificate (DER), hex */
	const char *username;     /* https: basic auth user (default "x-access-token") */
	const char *password;     /* https: password or token */
	const char *ssh_key;      /* ssh: private key file (no passphrase) */
	const char *ssh_host_key; /* ssh: required pin, "SHA256:<b64>" or a known_hosts line */
	unsigned fetch_timeout;   /* seconds one fetch may take; 0: default */
	/* set (non-zero) by a signal handler: waiting and fetching stop (ML_CANCELED); may be NULL */
	const volatile sig_atomic_t *cancel;
};

struct source;

/*
 * Opens (creating on first use) the cache for opts->url and takes its lock,
 * waiting at most lock_timeout seconds. libgit2 and the repository are
 * started when first needed (the fetch, a reference that is not a plain
 * file, an object not in the whole-cache record), so a warm re-check uses
 * neither. Returns 0 with *out set, ML_CONFIG (bad option), ML_IO (cache
 * unusable, lock timeout), ML_FETCH_FAILED (offline without a cache),
 * ML_CANCELED. Free with source_free.
 */
int source_open(struct source **out, const struct source_options *opts);

/*
 * Fetches the branch into refs/mainline/heads/<branch> and the tags into
 * refs/mainline/tags/ (forced: rollback is judged by the verifier, not here).
 * No-op when offline. The fetch runs in a child process that is killed after
 * fetch_timeout seconds (ML_FETCH_FAILED, "timed out") or on cancel
 * (ML_CANCELED). A cache found damaged before the fetch, or when the fetch
 * fails on reading it, is moved aside and fetched afresh (source_recovery).
 * 0, ML_FETCH_FAILED (URL without credentials, and libgit2's message),
 * ML_UNSUPPORTED (a local SHA-256 repository), ML_CANCELED or ML_IO.
 */
int source_fetch(struct source *src);

/*
 * Whether the failure of the last read (a refusal of the verifier, say) may
 * be the cache's fault rather than the server's: an object could not be read
 * (missing, or its pack damaged) from a cache that this run did not create,
 * and the source is not offline. Objects that were read but do not parse
 * never count: those are the server's.
 */
int source_suspect(const struct source *src);

/*
 * Moves the cache aside as damaged (why: what was found) and fetches afresh
 * with the credentials of creds (username, password, ssh_key, ssh_host_key:
 * a key file may not outlive the first fetch), for a failure
 * source_suspect() saw; the caller verifies again. 0 or the reasons of
 * source_fetch.
 */
int source_refetch(struct source *src, const char *why, const struct source_options *creds);

/*
 * NULL, or one line saying which damaged cache this run moved aside, why,
 * and where it is kept (for the log and the audit record).
 */
const char *source_recovery(const struct source *src);

/* The fetched tip of the branch (40 hex + NUL). 0 or ML_FETCH_FAILED when absent. */
int source_branch_tip(struct source *src, char out_hex[41]);

/*
 * Resolves spec: 40 hex digits (a commit in the cache), refs/heads/<branch>,
 * refs/tags/<name>, or a bare name matching exactly one of the branch and a
 * tag. out_commit gets the commit id; out_tag the annotated tag object's id
 * when spec named one (verify that tag's signature), else "". 0, ML_CONFIG
 * (unknown, ambiguous or abbreviated), ML_MALFORMED_OBJECT (not a commit).
 */
int source_resolve(struct source *src, const char *spec, char out_commit[41], char out_tag[41]);

enum source_object_type {
	SOURCE_OBJ_COMMIT,
	SOURCE_OBJ_TREE,
	SOURCE_OBJ_BLOB,
	SOURCE_OBJ_TAG,
};

/*
 * Appends the raw bytes of object hex (no "type len\0" prefix) to out, whose
 * maximum bounds the size. The hash of the content is verified. 0, ML_CONFIG
 * (bad id), ML_MALFORMED_OBJECT (missing, wrong type, hash mismatch), ML_IO.
 */
int source_read_object(struct source *src, const char *hex, enum source_object_type type,
                       struct buf *out);

/*
 * Depth-first walk of tree hex, in tree order: directories before their
 * contents, files (with content), symlinks (target as data). Submodule
 * entries are skipped (their content is not part of the signed tree).
 * Refuses (ML_MALFORMED_OBJECT) entries named ".", "..", ".git" (any case),
 * unknown modes, paths over 4096 bytes, nesting over 256 levels, files over
 * SOURCE_MAX_FILE. Returns 0, the callback's non-zero value, or an error.
 */
#define SOURCE_MAX_FILE (512u * 1024 * 1024)
int source_tree_walk(struct source *src, const char *tree_hex, tree_entry_fn fn, void *ctx);

/*
 * Reads every object of tree hex as source_tree_walk does, refusing what it
 * refuses, with the same outcome and message: the first failure in the
 * walk's order. The blobs are read on threads (2 to POOL_MAX_THREADS; fewer:
 * one by one), each with a repository of its own; the walk itself stays on
 * the caller's. For the check that the verified tree can be read whole.
 */
int source_tree_read(struct source *src, const char *tree_hex, size_t threads);

/*
 * The object format of the cache, which the commit and tag parsers need:
 * SHA-1. libgit2 1.5 reads SHA-1 repositories only. A SHA-256 source never
 * gets here: a local one fails source_fetch with ML_UNSUPPORTED (libgit2
 * refuses extensions.objectformat), a remote one with ML_FETCH_FAILED
 * (libgit2 cannot parse its 64-digit reference list).
 */
enum object_format source_object_format(const struct source *src);

/* The bare repository's directory (for messages and the audit record). */
const char *source_git_dir(const struct source *src);

/*
 * Releases the cache lock and keeps the repository open for reading objects
 * by id (source_read_object, source_tree_walk): see the invariant above. No
 * fetch and no ref lookup after it. Idempotent; NULL is a no-op.
 */
void source_unlock(struct source *src);

/*
 * Whether the tree of commit_hex was read whole from this cache (source_mark_whole)
 * and the repository's files have not changed since (docs/fetching.md): then
 * reading it again would read the same bytes. 1 or 0.
 */
int source_tree_is_whole(struct source *src, const char *commit_hex, const char *tree_hex);

/*
 * Records that every object of tree_hex, the tree of commit_hex, was just
 * read: the next run of an unchanged cache reads neither (the commit comes
 * from the record, checked against its id) nor checks the packs before its
 * fetch. Best effort: a record that cannot be written only costs that work.
 */
void source_mark_whole(struct source *src, const char *commit_hex, const char *tree_hex);

/* Releases the repository and the cache lock; idempotent. */
void source_close(struct source *src);

/* source_close then frees; NULL is a no-op. */
void source_free(struct source *src);

#endif
