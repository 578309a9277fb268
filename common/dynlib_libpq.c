/*
 * libpq, loaded on first use (dynlib.h): a wrapper for each function mainline calls, with
 * libpq's own name and prototype.
 */
#include <libpq-fe.h>
#include <stdio.h>

#include "common/dynlib.h"

_Static_assert(sizeof(ML_SONAME_LIBPQ) > 1, "the Makefile found no soname of libpq");

#define LIBPQ_FUNCTIONS(F, V, H)                                                                   \
	F(int, PQcancel, (PGcancel * cancel, char *errbuf, int errbufsize),                        \
	  (cancel, errbuf, errbufsize))                                                            \
	V(PQclear, (PGresult * res), (res))                                                        \
	F(char *, PQcmdTuples, (PGresult * res), (res))                                            \
	F(PGconn *, PQconnectdbParams,                                                             \
	  (const char *const *keywords, const char *const *values, int expand_dbname),             \
	  (keywords, values, expand_dbname))                                                       \
	V(PQconninfoFree, (PQconninfoOption * connOptions), (connOptions))                         \
	F(PQconninfoOption *, PQconninfoParse, (const char *conninfo, char **errmsg),              \
	  (conninfo, errmsg))                                                                      \
	F(int, PQconsumeInput, (PGconn * conn), (conn))                                            \
	F(char *, PQerrorMessage, (const PGconn *conn), (conn))                                    \
	V(PQfinish, (PGconn * conn), (conn))                                                       \
	V(PQfreeCancel, (PGcancel * cancel), (cancel))                                             \
	V(PQfreemem, (void *ptr), (ptr))                                                           \
	F(PGcancel *, PQgetCancel, (PGconn * conn), (conn))                                        \
	F(PGresult *, PQgetResult, (PGconn * conn), (conn))                                        \
	F(int, PQgetisnull, (const PGresult *res, int tup_num, int field_num),                     \
	  (res, tup_num, field_num))                                                               \
	F(char *, PQgetvalue, (const PGresult *res, int tup_num, int field_num),                   \
	  (res, tup_num, field_num))                                                               \
	F(int, PQisBusy, (PGconn * conn), (conn))                                                  \
	F(int, PQlibVersion, (void), ())                                                           \
	F(int, PQnfields, (const PGresult *res), (res))                                            \
	F(int, PQntuples, (const PGresult *res), (res))                                            \
	F(char *, PQpass, (const PGconn *conn), (conn))                                            \
	F(char *, PQresultErrorField, (const PGresult *res, int fieldcode), (res, fieldcode))      \
	F(char *, PQresultErrorMessage, (const PGresult *res), (res))                              \
	F(ExecStatusType, PQresultStatus, (const PGresult *res), (res))                            \
	F(int, PQsendQueryParams,                                                                  \
	  (PGconn * conn, const char *command, int nParams, const Oid *paramTypes,                 \
	   const char *const *paramValues, const int *paramLengths, const int *paramFormats,       \
	   int resultFormat),                                                                      \
	  (conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats,            \
	   resultFormat))                                                                          \
	F(PQnoticeProcessor, PQsetNoticeProcessor,                                                 \
	  (PGconn * conn, PQnoticeProcessor proc, void *arg), (conn, proc, arg))                   \
	F(int, PQsocket, (const PGconn *conn), (conn))                                             \
	F(ConnStatusType, PQstatus, (const PGconn *conn), (conn))

enum { LIBPQ_FUNCTIONS(DYNLIB_INDEX, DYNLIB_INDEX_V, DYNLIB_INDEX_H) DYNLIB_SYM_COUNT };
static const char *const names[] = {LIBPQ_FUNCTIONS(DYNLIB_NAME, DYNLIB_NAME_V, DYNLIB_NAME_H)};
DYNLIB_TABLE(table, DYNLIB_SYM_COUNT);
LIBPQ_FUNCTIONS(DYNLIB_TYPE, DYNLIB_TYPE_V, DYNLIB_NONE)

/* 150005: 15.5 (since PostgreSQL 10, major * 10000 + minor) */
static void version(char *out, size_t len)
{
	int v = PQlibVersion();

	snprintf(out, len, "%d.%d", v / 10000, v % 10000);
}

struct dynlib dynlib_libpq = DYNLIB_INIT("libpq", ML_SONAME_LIBPQ, names, table, version);
#define lib dynlib_libpq

LIBPQ_FUNCTIONS(DYNLIB_WRAP, DYNLIB_WRAP_V, DYNLIB_NONE)
