/*
 * libarchive, loaded on first use (dynlib.h): a wrapper for each function mainline calls,
 * with libarchive's own name and prototype.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <string.h>

#include "common/dynlib.h"

_Static_assert(sizeof(ML_SONAME_LIBARCHIVE) > 1, "the Makefile found no soname of libarchive");

#define LIBARCHIVE_FUNCTIONS(F, V, H)                                                              \
	F(mode_t, archive_entry_filetype, (struct archive_entry * entry), (entry))                 \
	V(archive_entry_free, (struct archive_entry * entry), (entry))                             \
	F(struct archive_entry *, archive_entry_new, (void), ())                                   \
	V(archive_entry_set_filetype, (struct archive_entry * entry, unsigned int type),           \
	  (entry, type))                                                                           \
	V(archive_entry_set_gid, (struct archive_entry * entry, la_int64_t gid), (entry, gid))     \
	V(archive_entry_set_gname, (struct archive_entry * entry, const char *text),               \
	  (entry, text))                                                                           \
	V(archive_entry_set_mtime, (struct archive_entry * entry, time_t sec, long nsec),          \
	  (entry, sec, nsec))                                                                      \
	V(archive_entry_set_pathname, (struct archive_entry * entry, const char *text),            \
	  (entry, text))                                                                           \
	V(archive_entry_set_perm, (struct archive_entry * entry, mode_t perm), (entry, perm))      \
	V(archive_entry_set_size, (struct archive_entry * entry, la_int64_t size), (entry, size))  \
	V(archive_entry_set_symlink, (struct archive_entry * entry, const char *text),             \
	  (entry, text))                                                                           \
	V(archive_entry_set_uid, (struct archive_entry * entry, la_int64_t uid), (entry, uid))     \
	V(archive_entry_set_uname, (struct archive_entry * entry, const char *text),               \
	  (entry, text))                                                                           \
	F(const char *, archive_error_string, (struct archive * a), (a))                           \
	F(const char *, archive_version_string, (void), ())                                        \
	F(int, archive_write_close, (struct archive * a), (a))                                     \
	F(la_ssize_t, archive_write_data, (struct archive * a, const void *buf, size_t len),       \
	  (a, buf, len))                                                                           \
	F(int, archive_write_free, (struct archive * a), (a))                                      \
	F(int, archive_write_header, (struct archive * a, struct archive_entry * entry),           \
	  (a, entry))                                                                              \
	F(struct archive *, archive_write_new, (void), ())                                         \
	F(int, archive_write_open2,                                                                \
	  (struct archive * a, void *ctx, archive_open_callback *on_open,                          \
	   archive_write_callback *on_write, archive_close_callback *on_close,                     \
	   archive_free_callback *on_free),                                                        \
	  (a, ctx, on_open, on_write, on_close, on_free))                                          \
	F(int, archive_write_set_bytes_in_last_block,                                              \
	  (struct archive * a, int bytes_in_last_block), (a, bytes_in_last_block))                 \
	F(int, archive_write_set_format_pax_restricted, (struct archive * a), (a))

enum { LIBARCHIVE_FUNCTIONS(DYNLIB_INDEX, DYNLIB_INDEX_V, DYNLIB_INDEX_H) DYNLIB_SYM_COUNT };
static const char *const names[] = {
    LIBARCHIVE_FUNCTIONS(DYNLIB_NAME, DYNLIB_NAME_V, DYNLIB_NAME_H)};
DYNLIB_TABLE(table, DYNLIB_SYM_COUNT);
LIBARCHIVE_FUNCTIONS(DYNLIB_TYPE, DYNLIB_TYPE_V, DYNLIB_NONE)

/* "libarchive 3.6.2": the number only */
static void version(char *out, size_t len)
{
	const char *v = archive_version_string();

	snprintf(out, len, "%s", strncmp(v, "libarchive ", 11) == 0 ? v + 11 : v);
}

struct dynlib dynlib_libarchive =
    DYNLIB_INIT("libarchive", ML_SONAME_LIBARCHIVE, names, table, version);
#define lib dynlib_libarchive

LIBARCHIVE_FUNCTIONS(DYNLIB_WRAP, DYNLIB_WRAP_V, DYNLIB_NONE)
