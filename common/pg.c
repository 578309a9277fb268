/* PostgreSQL through libpq: see pg.h. */
#include "common/pg.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/dynlib.h"
#include "common/error.h"
#include "common/url.h"

/* The client waits this much longer than the server's statement_timeout before it gives up. */
#define CLIENT_GRACE_MS 5000
#define MESSAGE_MAX 400
#define SECRET_COUNT 3

struct pg {
	PGconn *conn;
	char shown[1024];
	char *secrets[SECRET_COUNT]; /* passwords cut out of every message */
	char sqlstate[6];
	int broken;
};

struct pg_result {
	PGresult *res;
};

int pg_url_check(const char *url, const char **why)
{
	PQconninfoOption *opts;
	struct url_info info;
	char *err = NULL;

	if (strncmp(url, "postgres://", 11) != 0 && strncmp(url, "postgresql://", 13) != 0) {
		*why = "not a postgres:// or postgresql:// connection URI";
		return -1;
	}
	if (url_check(url, &info, why) < 0)
		return -1;
	if (dynlib_load(&dynlib_libpq) < 0) {
		*why = dynlib_libpq.error;
		return -1;
	}
	/* libpq's own message may quote a value (a password): it is not shown */
	if ((opts = PQconninfoParse(url, &err)) == NULL) {
		PQfreemem(err);
		*why = "libpq cannot parse it (a parameter it does not know, one without '=', or a "
		       "bad %-encoding)";
		return -1;
	}
	PQconninfoFree(opts);
	return 0;
}

void pg_scrub(char *text, size_t len, const char *const *secrets, size_t n)
{
	char out[2 * MESSAGE_MAX];
	size_t i, o, k, slen;
	int hit;

	if (len == 0)
		return;
	for (i = 0, o = 0; text[i] != '\0' && o + 4 < sizeof(out);) {
		for (k = 0, hit = 0; k < n && !hit; k++) {
			if (secrets[k] == NULL || (slen = strlen(secrets[k])) == 0 ||
			    strncmp(text + i, secrets[k], slen) != 0)
				continue;
			memcpy(out + o, "***", 3);
			o += 3;
			i += slen;
			hit = 1;
		}
		if (!hit)
			out[o++] = text[i++];
	}
	out[o] = '\0';
	snprintf(text, len, "%s", out);
}

/*
 * libpq's message as one line (its lines joined by spaces, a trailing newline
 * dropped) without any password, into out.
 */
static void clean_message(const struct pg *db, const char *msg, char *out, size_t len)
{
	size_t i, o = 0;
	int space = 0;

	for (i = 0; msg != NULL && msg[i] != '\0' && o + 1 < len; i++) {
		if (msg[i] == '\n' || msg[i] == '\t' || msg[i] == '\r') {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < len)
			out[o++] = ' ';
		space = 0;
		out[o++] = msg[i];
	}
	out[o] = '\0';
	if (o == 0)
		snprintf(out, len, "no reason given");
	pg_scrub(out, len, (const char *const *)db->secrets, SECRET_COUNT);
}

static void ignore_notice(void *ctx, const char *message)
{
	(void)ctx;
	(void)message;
}

static int keep_secret(struct pg *db, size_t i, const char *s)
{
	if (s == NULL || *s == '\0' || db->secrets[i] != NULL)
		return 0;
	return (db->secrets[i] = strdup(s)) != NULL ? 0 : -1;
}

/* The password the URI itself holds (decoded, as libpq would use and might quote it). */
static int keep_uri_password(struct pg *db, const char *url)
{
	PQconninfoOption *opts = PQconninfoParse(url, NULL), *o;
	int r = 0;

	for (o = opts; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, "password") == 0)
			r = keep_secret(db, 0, o->val);
	PQconninfoFree(opts);
	return r;
}

static int fail_connect(struct pg *db)
{
	char msg[MESSAGE_MAX];

	if (db->conn != NULL)
		(void)keep_secret(db, 2, PQpass(db->conn));
	clean_message(db, db->conn != NULL ? PQerrorMessage(db->conn) : "out of memory", msg,
	              sizeof(msg));
	return ml_fail(ML_STATE_UNAVAILABLE, "cannot connect to the shared state '%s': %s",
	               db->shown, msg);
}

int pg_connect(struct pg **out, const char *url)
{
	/* the URI may set its own connect_timeout; the encoding is always UTF-8 */
	static const char *const keys[] = {"connect_timeout", "dbname", "client_encoding",
	                                   "fallback_application_name", NULL};
	char timeout[16], statement[16], idle[16];
	const char *vals[5], *params[2], *why;
	struct pg *db;
	struct buf shown;
	int r;

	*out = NULL;
	if ((db = calloc(1, sizeof(*db))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	buf_init(&shown, sizeof(db->shown) - 1);
	if (url_redact(url, &shown) < 0) {
		buf_reset(&shown);
		(void)buf_append_str(&shown, "postgres://***");
	}
	snprintf(db->shown, sizeof(db->shown), "%s", buf_cstr(&shown));
	buf_release(&shown);
	if ((r = dynlib_need(&dynlib_libpq)) != 0)
		goto fail;
	if (pg_url_check(url, &why) < 0) {
		r = ml_fail(ML_CONFIG, "shared state '%s' is not a valid connection URI: %s",
		            db->shown, why);
		goto fail;
	}
	if (keep_uri_password(db, url) < 0 || keep_secret(db, 1, getenv("PGPASSWORD")) < 0) {
		r = ml_fail(ML_IO, "out of memory");
		goto fail;
	}
	snprintf(timeout, sizeof(timeout), "%d", PG_CONNECT_TIMEOUT_S);
	vals[0] = timeout;
	vals[1] = url;
	vals[2] = "UTF8";
	vals[3] = "mainline";
	vals[4] = NULL;
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		r = fail_connect(db);
		goto fail;
	}
	(void)keep_secret(db, 2, PQpass(db->conn));
	PQsetNoticeProcessor(db->conn, ignore_notice, NULL);
	snprintf(statement, sizeof(statement), "%d", PG_STATEMENT_TIMEOUT_MS);
	snprintf(idle, sizeof(idle), "%d", PG_IDLE_IN_TRANSACTION_MS);
	params[0] = statement;
	params[1] = idle;
	if ((r = pg_exec(db, NULL,
	                 "SELECT set_config('statement_timeout', $1, false), "
	                 "set_config('idle_in_transaction_session_timeout', $2, false)",
	                 2, params)) != 0)
		goto fail;
	*out = db;
	return 0;
fail:
	pg_close(db);
	return r;
}

/* Waits until a result can be read without blocking, until deadline (monotonic ms). */
static int wait_ready(struct pg *db, int64_t deadline, char *msg, size_t len)
{
	while (PQisBusy(db->conn)) {
		struct pollfd pfd = {.fd = PQsocket(db->conn), .events = POLLIN};
		int64_t left = deadline - clock_monotonic_ms();
		int n;

		if (pfd.fd < 0) {
			clean_message(db, PQerrorMessage(db->conn), msg, len);
			return -1;
		}
		if (left <= 0) {
			PGcancel *cancel = PQgetCancel(db->conn);
			char ignored[256];

			if (cancel != NULL)
				(void)PQcancel(cancel, ignored, sizeof(ignored));
			PQfreeCancel(cancel);
			snprintf(msg, len, "no answer within %d s",
			         (PG_STATEMENT_TIMEOUT_MS + CLIENT_GRACE_MS) / 1000);
			return -1;
		}
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno != EINTR) {
			snprintf(msg, len, "cannot wait for the server: %s", strerror(errno));
			return -1;
		}
		if (n > 0 && !PQconsumeInput(db->conn)) {
			clean_message(db, PQerrorMessage(db->conn), msg, len);
			return -1;
		}
	}
	return 0;
}

int pg_exec(struct pg *db, struct pg_result **out, const char *sql, int n,
            const char *const *params)
{
	int64_t deadline = clock_monotonic_ms() + PG_STATEMENT_TIMEOUT_MS + CLIENT_GRACE_MS;
	PGresult *res, *kept = NULL;
	char msg[MESSAGE_MAX];
	const char *state;
	int failed = 0;

	if (out != NULL)
		*out = NULL;
	db->sqlstate[0] = '\0';
	msg[0] = '\0';
	if (db->broken) {
		snprintf(msg, sizeof(msg), "the connection was lost before");
		goto fail;
	}
	if (!PQsendQueryParams(db->conn, sql, n, NULL, params, NULL, NULL, 0)) {
		clean_message(db, PQerrorMessage(db->conn), msg, sizeof(msg));
		goto fail;
	}
	for (;;) {
		if (wait_ready(db, deadline, msg, sizeof(msg)) < 0)
			goto fail;
		if ((res = PQgetResult(db->conn)) == NULL)
			break;
		if (PQresultStatus(res) != PGRES_COMMAND_OK &&
		    PQresultStatus(res) != PGRES_TUPLES_OK && !failed) {
			failed = 1;
			state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			snprintf(db->sqlstate, sizeof(db->sqlstate), "%s",
			         state != NULL ? state : "");
			clean_message(db,
			              PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) != NULL
			                  ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
			                  : PQresultErrorMessage(res),
			              msg, sizeof(msg));
		}
		PQclear(kept);
		kept = res;
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		if (!failed)
			clean_message(db, PQerrorMessage(db->conn), msg, sizeof(msg));
		goto fail;
	}
	if (failed || kept == NULL) {
		if (kept == NULL)
			snprintf(msg, sizeof(msg), "no result");
		PQclear(kept);
		return ml_fail(ML_STATE_UNAVAILABLE, "shared state '%s': %s", db->shown, msg);
	}
	if (out != NULL && (*out = malloc(sizeof(**out))) != NULL) {
		(*out)->res = kept;
		return 0;
	}
	PQclear(kept);
	return out != NULL ? ml_fail(ML_IO, "out of memory") : 0;
fail:
	PQclear(kept);
	db->broken = 1;
	return ml_fail(ML_STATE_UNAVAILABLE, "shared state '%s': %s", db->shown, msg);
}

const char *pg_sqlstate(const struct pg *db)
{
	return db->sqlstate;
}

const char *pg_shown(const struct pg *db)
{
	return db->shown;
}

int pg_broken(const struct pg *db)
{
	return db->broken;
}

size_t pg_rows(const struct pg_result *res)
{
	int n = PQntuples(res->res);

	return n > 0 ? (size_t)n : 0;
}

const char *pg_value(const struct pg_result *res, size_t row, int col)
{
	if (row >= pg_rows(res) || col < 0 || col >= PQnfields(res->res) ||
	    PQgetisnull(res->res, (int)row, col))
		return NULL;
	return PQgetvalue(res->res, (int)row, col);
}

size_t pg_changed(const struct pg_result *res)
{
	return (size_t)strtoul(PQcmdTuples(res->res), NULL, 10);
}

void pg_result_free(struct pg_result *res)
{
	if (res == NULL)
		return;
	PQclear(res->res);
	free(res);
}

void pg_close(struct pg *db)
{
	size_t i;

	if (db == NULL)
		return;
	if (db->conn != NULL)
		PQfinish(db->conn); /* the server rolls back what was open */
	for (i = 0; i < SECRET_COUNT; i++) {
		if (db->secrets[i] != NULL)
			explicit_bzero(db->secrets[i], strlen(db->secrets[i]));
		free(db->secrets[i]);
	}
	free(db);
}
