/*
 * libcurl, loaded on first use (dynlib.h): a wrapper for each function mainline calls, with
 * libcurl's own name and prototype. The two variadic ones forward their one argument by the
 * type curl.h gives the option or the information.
 */
/* the type-checking macros of curl.h would rename the definitions below; call sites keep them */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/dynlib.h"

_Static_assert(sizeof(ML_SONAME_LIBCURL) > 1, "the Makefile found no soname of libcurl");

#define LIBCURL_FUNCTIONS(F, V, H)                                                                 \
	V(curl_easy_cleanup, (CURL * curl), (curl))                                                \
	H(curl_easy_getinfo)                                                                       \
	F(CURL *, curl_easy_init, (void), ())                                                      \
	F(CURLcode, curl_easy_perform, (CURL * curl), (curl))                                      \
	H(curl_easy_setopt)                                                                        \
	F(const char *, curl_easy_strerror, (CURLcode code), (code))                               \
	V(curl_free, (void *p), (p))                                                               \
	F(CURLcode, curl_global_init, (long flags), (flags))                                       \
	F(struct curl_slist *, curl_slist_append, (struct curl_slist * list, const char *data),    \
	  (list, data))                                                                            \
	V(curl_slist_free_all, (struct curl_slist * list), (list))                                 \
	F(CURLU *, curl_url, (void), ())                                                           \
	V(curl_url_cleanup, (CURLU * handle), (handle))                                            \
	F(CURLUcode, curl_url_get,                                                                 \
	  (CURLU * handle, CURLUPart what, char **part, unsigned int flags),                       \
	  (handle, what, part, flags))                                                             \
	F(CURLUcode, curl_url_set,                                                                 \
	  (CURLU * handle, CURLUPart what, const char *part, unsigned int flags),                  \
	  (handle, what, part, flags))                                                             \
	F(curl_version_info_data *, curl_version_info, (CURLversion stamp), (stamp))

enum { LIBCURL_FUNCTIONS(DYNLIB_INDEX, DYNLIB_INDEX_V, DYNLIB_INDEX_H) DYNLIB_SYM_COUNT };
static const char *const names[] = {LIBCURL_FUNCTIONS(DYNLIB_NAME, DYNLIB_NAME_V, DYNLIB_NAME_H)};
DYNLIB_TABLE(table, DYNLIB_SYM_COUNT);
LIBCURL_FUNCTIONS(DYNLIB_TYPE, DYNLIB_TYPE_V, DYNLIB_NONE)
typedef CURLcode (*dynlib_fn_curl_easy_setopt)(CURL *curl, CURLoption option, ...);
typedef CURLcode (*dynlib_fn_curl_easy_getinfo)(CURL *curl, CURLINFO info, ...);

static void version(char *out, size_t len)
{
	snprintf(out, len, "%s", curl_version_info(CURLVERSION_NOW)->version);
}

struct dynlib dynlib_libcurl = DYNLIB_INIT("libcurl", ML_SONAME_LIBCURL, names, table, version);
#define lib dynlib_libcurl

LIBCURL_FUNCTIONS(DYNLIB_WRAP, DYNLIB_WRAP_V, DYNLIB_NONE)

/* An option's argument by its type's range in curl.h (CURLOPTTYPE_*). */
CURLcode(curl_easy_setopt)(CURL *curl, CURLoption option, ...)
{
	dynlib_fn_curl_easy_setopt setopt = DYNLIB_CALL(curl_easy_setopt);
	CURLcode r;
	va_list ap;

	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		r = setopt(curl, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		r = setopt(curl, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		r = setopt(curl, option, va_arg(ap, void (*)(void)));
	else if (option < CURLOPTTYPE_BLOB)
		r = setopt(curl, option, va_arg(ap, curl_off_t));
	else
		r = setopt(curl, option, va_arg(ap, struct curl_blob *));
	va_end(ap);
	return r;
}

/* Every kind of information (CURLINFO_STRING, _LONG, _OFF_T, ...) is written through a pointer. */
CURLcode(curl_easy_getinfo)(CURL *curl, CURLINFO info, ...)
{
	dynlib_fn_curl_easy_getinfo getinfo = DYNLIB_CALL(curl_easy_getinfo);
	CURLcode r;
	va_list ap;

	va_start(ap, info);
	r = getinfo(curl, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}
