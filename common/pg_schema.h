/*
 * The tables of the shared state (docs/shared-state.md has them column by
 * column), in the database schema "mainline", and how they are created and
 * migrated: by mainline itself, under a transaction-scoped advisory lock, so
 * twenty runners that start at once against an empty database create them
 * once and the others find them made. The version lives in
 * mainline.schema_version (one row); each migration step is idempotent.
 *
 *   mainline.floor        (source, branch) -> the rollback floor (verify/state.c)
 *   mainline.verified     (roots, anchor, commit) -> flags: the verified cache
 *   mainline.audit        the audit chain, one line per record (plugin/audit_db.c)
 *   mainline.audit_head   the chain's end: the row appends lock
 *
 * A runner whose role may only read and write these tables (no DDL) works
 * as long as the schema is current: the check costs one query and takes no
 * lock. Only an outdated or missing schema makes it try to migrate, which
 * then fails with a message naming `mainline state migrate`.
 */
#ifndef MAINLINE_PG_SCHEMA_H
#define MAINLINE_PG_SCHEMA_H

struct pg;

#define PG_SCHEMA_VERSION 1

enum pg_schema_outcome {
	PG_SCHEMA_CURRENT,  /* it was at PG_SCHEMA_VERSION */
	PG_SCHEMA_MIGRATED, /* this call created or migrated it */
};

/*
 * Makes sure the tables are at PG_SCHEMA_VERSION: one query when they are,
 * else the migration (under the advisory lock). *outcome (may be NULL) says
 * which; *from (may be NULL) the version found (0: none). 0 or
 * ML_STATE_UNAVAILABLE: the database fails, the role may not migrate ("run
 * `mainline state migrate` as the tables' owner"), or the schema is newer
 * than this mainline knows.
 */
int pg_schema_ensure(struct pg *db, enum pg_schema_outcome *outcome, int *from);

#endif
