/* The shared state's tables and their migrations: see pg_schema.h. */
#include "common/pg_schema.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/pg.h"

/* The advisory lock migrations take: "mainline" in ASCII, as a bigint. */
#define MIGRATION_LOCK "7881696745861246565"

/* Each step is idempotent: a migration cut short by a crash is rolled back as a whole anyway. */
static const char *const version_1[] = {
    "CREATE TABLE IF NOT EXISTS mainline.floor ("
    " source text NOT NULL,"
    " branch text NOT NULL,"
    " commit text NOT NULL CHECK (commit ~ '^[0-9a-f]{40}$'),"
    " updated_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (source, branch))",
    "CREATE TABLE IF NOT EXISTS mainline.verified ("
    " roots text NOT NULL CHECK (roots ~ '^[0-9a-f]{64}$'),"
    " anchor text NOT NULL CHECK (anchor = '-' OR anchor ~ '^[0-9a-f]{40}$'),"
    " commit text NOT NULL CHECK (commit ~ '^[0-9a-f]{40}$'),"
    " flags integer NOT NULL CHECK (flags BETWEEN 1 AND 3),"
    " verified_at timestamptz NOT NULL DEFAULT now(),"
    " PRIMARY KEY (roots, anchor, commit))",
    "CREATE INDEX IF NOT EXISTS verified_recent"
    " ON mainline.verified (roots, anchor, verified_at DESC)",
    "CREATE TABLE IF NOT EXISTS mainline.audit ("
    " seq bigint PRIMARY KEY CHECK (seq > 0),"
    " id text NOT NULL UNIQUE,"
    " line text NOT NULL,"
    " hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),"
    " record jsonb GENERATED ALWAYS AS (line::jsonb) STORED,"
    " added_at timestamptz NOT NULL DEFAULT now())",
    "CREATE INDEX IF NOT EXISTS audit_build"
    " ON mainline.audit ((record->'drone'->>'repo'), (record->'drone'->>'build_number'))",
    "CREATE INDEX IF NOT EXISTS audit_commit ON mainline.audit ((record->>'commit'))",
    "CREATE INDEX IF NOT EXISTS audit_time ON mainline.audit ((record->>'time'))",
    "CREATE TABLE IF NOT EXISTS mainline.audit_head ("
    " one boolean PRIMARY KEY DEFAULT true CHECK (one),"
    " seq bigint NOT NULL CHECK (seq >= 0),"
    " hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'))",
    "INSERT INTO mainline.audit_head (seq, hash) VALUES (0, repeat('0', 64))"
    " ON CONFLICT DO NOTHING",
    NULL,
};

/* versions[v - 1] takes the schema from version v - 1 to v. */
static const char *const *const versions[PG_SCHEMA_VERSION] = {version_1};

/* The version the tables are at into *version (0: none yet). 0 or the failure. */
static int read_version(struct pg *db, int *version)
{
	struct pg_result *res = NULL;
	const char *v;
	int r;

	*version = 0;
	r = pg_exec(db, &res, "SELECT version FROM mainline.schema_version", 0, NULL);
	if (r != 0) {
		if (strcmp(pg_sqlstate(db), PG_UNDEFINED_TABLE) == 0 ||
		    strcmp(pg_sqlstate(db), PG_INVALID_SCHEMA_NAME) == 0) {
			ml_error_clear();
			return 0;
		}
		return r;
	}
	if (pg_rows(res) == 1 && (v = pg_value(res, 0, 0)) != NULL) {
		char *end;
		long n = strtol(v, &end, 10);

		if (end == v || *end != '\0' || n < 0 || n > INT_MAX) {
			pg_result_free(res);
			return ml_fail(ML_STATE_UNAVAILABLE,
			               "the version of the shared state '%s' is corrupt",
			               pg_shown(db));
		}
		*version = (int)n;
	}
	pg_result_free(res);
	return 0;
}

/* Migrates under the lock; a failure's SQLSTATE is kept in state (the ROLLBACK after it has none). */
static int migrate(struct pg *db, int *from, char state[6])
{
	static const char *const start[] = {
	    "BEGIN",
	    "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")",
	    "CREATE SCHEMA IF NOT EXISTS mainline",
	    "CREATE TABLE IF NOT EXISTS mainline.schema_version ("
	    " one boolean PRIMARY KEY DEFAULT true CHECK (one),"
	    " version integer NOT NULL,"
	    " migrated_at timestamptz NOT NULL DEFAULT now())",
	    NULL,
	};
	char version[16];
	const char *param = version;
	size_t i;
	int v, r;

	for (i = 0; start[i] != NULL; i++)
		if ((r = pg_exec(db, NULL, start[i], 0, NULL)) != 0)
			goto out;
	/* under the lock: what an earlier runner did is seen now */
	if ((r = read_version(db, &v)) != 0)
		goto out;
	*from = v;
	for (; v < PG_SCHEMA_VERSION; v++)
		for (i = 0; versions[v][i] != NULL; i++)
			if ((r = pg_exec(db, NULL, versions[v][i], 0, NULL)) != 0)
				goto out;
	snprintf(version, sizeof(version), "%d", PG_SCHEMA_VERSION);
	if ((r = pg_exec(db, NULL,
	                 "INSERT INTO mainline.schema_version (version) VALUES ($1::integer)"
	                 " ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version,"
	                 " migrated_at = now() WHERE mainline.schema_version.version < "
	                 "EXCLUDED.version",
	                 1, &param)) != 0 ||
	    (r = pg_exec(db, NULL, "COMMIT", 0, NULL)) != 0)
		goto out;
	r = 0;
out:
	if (r != 0) {
		snprintf(state, 6, "%s", pg_sqlstate(db));
		(void)pg_exec(db, NULL, "ROLLBACK", 0, NULL);
	}
	return r;
}

int pg_schema_ensure(struct pg *db, enum pg_schema_outcome *outcome, int *from)
{
	char why[600], state[6] = "";
	int v, r;

	if (outcome != NULL)
		*outcome = PG_SCHEMA_CURRENT;
	if ((r = read_version(db, &v)) != 0)
		return r;
	if (from != NULL)
		*from = v;
	if (v > PG_SCHEMA_VERSION)
		return ml_fail(ML_STATE_UNAVAILABLE,
		               "the tables of the shared state '%s' are at version %d, which is "
		               "newer than this mainline knows (%d): upgrade mainline",
		               pg_shown(db), v, PG_SCHEMA_VERSION);
	if (v == PG_SCHEMA_VERSION)
		return 0;
	if ((r = migrate(db, &v, state)) != 0) {
		snprintf(why, sizeof(why), "%s", ml_error_message());
		if (strcmp(state, PG_INSUFFICIENT_PRIVILEGE) == 0)
			return ml_fail_override(
			    ML_STATE_UNAVAILABLE,
			    "the shared state's tables are at version %d, this mainline needs %d, "
			    "and its role may not create them: %s; run `mainline state migrate "
			    "--state-url URL` as their owner",
			    v, PG_SCHEMA_VERSION, why);
		return ml_fail_override(ML_STATE_UNAVAILABLE,
		                        "cannot create the shared state's tables: %s", why);
	}
	/* another runner may have migrated while this one waited for the lock */
	if (from != NULL)
		*from = v;
	if (outcome != NULL && v < PG_SCHEMA_VERSION)
		*outcome = PG_SCHEMA_MIGRATED;
	return 0;
}
