/*
 * PostgreSQL through libpq: the seam to the shared state of a fleet of runners
 * (state_url), and the only file that includes libpq-fe.h. Two modules use it,
 * each for what it owns: the rollback floor and the verified cache
 * (verify/state.c) and the audit chain in the database (plugin/audit_db.c);
 * the tables both live in, and their migrations, are common/pg_schema.c's.
 * It sits in common/ because verify/ and plugin/ both need it, as http.c.
 *
 * What it guarantees to every caller:
 * - a connection URI only (postgres:// or postgresql://), checked before libpq
 *   sees it and never quoted but in its credential-free form (url.h); no
 *   libpq message recorded holds a password, whether it came from the URI,
 *   PGPASSWORD or a passfile: each is cut out of every message;
 * - a connect timeout (PG_CONNECT_TIMEOUT_S unless the URI sets
 *   connect_timeout) and a bound on every statement: the server's
 *   statement_timeout (PG_STATEMENT_TIMEOUT_MS) and, for a server that
 *   vanishes, the same bound (plus a grace) on the client's wait;
 * - UTF-8 on the wire whatever PGCLIENTENCODING says (records are hashed as
 *   bytes); notices are dropped, never printed.
 * Every failure is ML_STATE_UNAVAILABLE with one line naming the database:
 * the run fails closed.
 */
#ifndef MAINLINE_PG_H
#define MAINLINE_PG_H

#include <stddef.h>

#define PG_CONNECT_TIMEOUT_S 10
#define PG_STATEMENT_TIMEOUT_MS 10000
/* A transaction left open by a stuck client is ended by the server after this. */
#define PG_IDLE_IN_TRANSACTION_MS 60000

/* SQLSTATE codes callers tell apart (pg_sqlstate). */
#define PG_UNDEFINED_TABLE "42P01"
#define PG_INVALID_SCHEMA_NAME "3F000"
#define PG_INSUFFICIENT_PRIVILEGE "42501"

struct pg;
struct pg_result;

/*
 * Whether url is a connection URI mainline takes: postgres:// or
 * postgresql:// (lower case, as libpq wants it), by libpq's grammar
 * (url_check) and parsed by libpq itself. 0, or -1 with *why a short reason
 * that never quotes url.
 */
int pg_url_check(const char *url, const char **why);

/*
 * Connects to url (pg_url_check first) and sets the session's timeouts.
 * 0 with *out, or ML_STATE_UNAVAILABLE ("cannot connect to the shared state
 * '<url, credential-free>': <libpq's reason>"). Free with pg_close.
 */
int pg_connect(struct pg **out, const char *url);

/*
 * Runs one statement with n text parameters (a NULL one is SQL NULL). With
 * out, the result is handed over (free with pg_result_free); without, it is
 * dropped. 0 or ML_STATE_UNAVAILABLE with the server's message ("permission
 * denied for table floor"); pg_sqlstate tells its code.
 */
int pg_exec(struct pg *db, struct pg_result **out, const char *sql, int n,
            const char *const *params);

/* The SQLSTATE of the last failed pg_exec ("" when it did not get that far). */
const char *pg_sqlstate(const struct pg *db);

/* The URL as it may be shown (credential-free). */
const char *pg_shown(const struct pg *db);

/* Whether the session ended (the server closed it or could not be reached). */
int pg_broken(const struct pg *db);

size_t pg_rows(const struct pg_result *res);
/* The value at row, col as text, or NULL for SQL NULL (or out of range). */
const char *pg_value(const struct pg_result *res, size_t row, int col);
/* Rows a command changed (INSERT, UPDATE). */
size_t pg_changed(const struct pg_result *res);
void pg_result_free(struct pg_result *res);

/* Rolls back any open transaction (quietly) and disconnects. NULL is a no-op. */
void pg_close(struct pg *db);

/* Pure helper (unit tested): cuts every occurrence of each secret (may be NULL or "") out of text, in place ("***"); at most len bytes. */
void pg_scrub(char *text, size_t len, const char *const *secrets, size_t n);

#endif
