/*
 * libgit2, loaded on first use (dynlib.h): a wrapper for each function mainline calls, with
 * libgit2's own name and prototype.
 */
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/stream.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/dynlib.h"

_Static_assert(sizeof(ML_SONAME_LIBGIT2) > 1, "the Makefile found no soname of libgit2");

#define LIBGIT2_FUNCTIONS(F, V, H)                                                                 \
	F(int, git_credential_ssh_key_new,                                                         \
	  (git_credential * *out, const char *username, const char *publickey,                     \
	   const char *privatekey, const char *passphrase),                                        \
	  (out, username, publickey, privatekey, passphrase))                                      \
	F(int, git_credential_username_new, (git_credential * *out, const char *username),         \
	  (out, username))                                                                         \
	F(int, git_credential_userpass_plaintext_new,                                              \
	  (git_credential * *out, const char *username, const char *password),                     \
	  (out, username, password))                                                               \
	V(git_error_clear, (void), ())                                                             \
	F(const git_error *, git_error_last, (void), ())                                           \
	V(git_error_set_oom, (void), ())                                                           \
	F(int, git_error_set_str, (int error_class, const char *string), (error_class, string))    \
	F(int, git_fetch_options_init, (git_fetch_options * opts, unsigned int version),           \
	  (opts, version))                                                                         \
	F(int, git_libgit2_init, (void), ())                                                       \
	H(git_libgit2_opts)                                                                        \
	F(int, git_libgit2_shutdown, (void), ())                                                   \
	F(int, git_libgit2_version, (int *major, int *minor, int *rev), (major, minor, rev))       \
	F(const char *, git_object_type2string, (git_object_t type), (type))                       \
	F(int, git_odb_add_backend, (git_odb * odb, git_odb_backend * backend, int priority),      \
	  (odb, backend, priority))                                                                \
	F(int, git_odb_backend_one_pack, (git_odb_backend * *out, const char *index_file),         \
	  (out, index_file))                                                                       \
	F(int, git_odb_foreach, (git_odb * db, git_odb_foreach_cb cb, void *payload),              \
	  (db, cb, payload))                                                                       \
	V(git_odb_free, (git_odb * db), (db))                                                      \
	F(int, git_odb_new, (git_odb * *out), (out))                                               \
	F(const void *, git_odb_object_data, (git_odb_object * object), (object))                  \
	V(git_odb_object_free, (git_odb_object * object), (object))                                \
	F(size_t, git_odb_object_size, (git_odb_object * object), (object))                        \
	F(git_object_t, git_odb_object_type, (git_odb_object * object), (object))                  \
	F(int, git_odb_read, (git_odb_object * *out, git_odb * db, const git_oid *id),             \
	  (out, db, id))                                                                           \
	F(int, git_odb_read_header,                                                                \
	  (size_t * len_out, git_object_t * type_out, git_odb * db, const git_oid *id),            \
	  (len_out, type_out, db, id))                                                             \
	F(int, git_oid_cpy, (git_oid * out, const git_oid *src), (out, src))                       \
	F(int, git_oid_fromstr, (git_oid * out, const char *str), (out, str))                      \
	F(char *, git_oid_tostr, (char *out, size_t n, const git_oid *id), (out, n, id))           \
	V(git_reference_free, (git_reference * ref), (ref))                                        \
	F(int, git_reference_is_valid_name, (const char *refname), (refname))                      \
	V(git_reference_iterator_free, (git_reference_iterator * iter), (iter))                    \
	F(int, git_reference_iterator_new, (git_reference_iterator * *out, git_repository * repo), \
	  (out, repo))                                                                             \
	F(int, git_reference_lookup,                                                               \
	  (git_reference * *out, git_repository * repo, const char *name), (out, repo, name))      \
	F(const char *, git_reference_name, (const git_reference *ref), (ref))                     \
	F(int, git_reference_next, (git_reference * *out, git_reference_iterator * iter),          \
	  (out, iter))                                                                             \
	F(const git_oid *, git_reference_target, (const git_reference *ref), (ref))                \
	F(git_reference_t, git_reference_type, (const git_reference *ref), (ref))                  \
	F(int, git_remote_create_options_init,                                                     \
	  (git_remote_create_options * opts, unsigned int version), (opts, version))               \
	F(int, git_remote_create_with_opts,                                                        \
	  (git_remote * *out, const char *url, const git_remote_create_options *opts),             \
	  (out, url, opts))                                                                        \
	F(int, git_remote_fetch,                                                                   \
	  (git_remote * remote, const git_strarray *refspecs, const git_fetch_options *opts,       \
	   const char *reflog_message),                                                            \
	  (remote, refspecs, opts, reflog_message))                                                \
	V(git_remote_free, (git_remote * remote), (remote))                                        \
	F(const char *, git_repository_commondir, (const git_repository *repo), (repo))            \
	V(git_repository_free, (git_repository * repo), (repo))                                    \
	F(int, git_repository_init, (git_repository * *out, const char *path, unsigned is_bare),   \
	  (out, path, is_bare))                                                                    \
	F(int, git_repository_odb, (git_odb * *out, git_repository * repo), (out, repo))           \
	F(int, git_repository_open_bare, (git_repository * *out, const char *bare_path),           \
	  (out, bare_path))                                                                        \
	F(int, git_repository_open_ext,                                                            \
	  (git_repository * *out, const char *path, unsigned int flags, const char *ceiling_dirs), \
	  (out, path, flags, ceiling_dirs))                                                        \
	F(int, git_stream_register, (git_stream_t type, git_stream_registration * registration),   \
	  (type, registration))                                                                    \
	V(git_tag_free, (git_tag * tag), (tag))                                                    \
	F(int, git_tag_lookup, (git_tag * *out, git_repository * repo, const git_oid *id),         \
	  (out, repo, id))                                                                         \
	F(const git_oid *, git_tag_target_id, (const git_tag *tag), (tag))                         \
	F(git_object_t, git_tag_target_type, (const git_tag *tag), (tag))                          \
	F(const git_tree_entry *, git_tree_entry_byindex, (const git_tree *tree, size_t idx),      \
	  (tree, idx))                                                                             \
	F(git_filemode_t, git_tree_entry_filemode, (const git_tree_entry *entry), (entry))         \
	F(const git_oid *, git_tree_entry_id, (const git_tree_entry *entry), (entry))              \
	F(const char *, git_tree_entry_name, (const git_tree_entry *entry), (entry))               \
	F(size_t, git_tree_entrycount, (const git_tree *tree), (tree))                             \
	V(git_tree_free, (git_tree * tree), (tree))                                                \
	F(int, git_tree_lookup, (git_tree * *out, git_repository * repo, const git_oid *id),       \
	  (out, repo, id))

enum { LIBGIT2_FUNCTIONS(DYNLIB_INDEX, DYNLIB_INDEX_V, DYNLIB_INDEX_H) DYNLIB_SYM_COUNT };
static const char *const names[] = {LIBGIT2_FUNCTIONS(DYNLIB_NAME, DYNLIB_NAME_V, DYNLIB_NAME_H)};
DYNLIB_TABLE(table, DYNLIB_SYM_COUNT);
LIBGIT2_FUNCTIONS(DYNLIB_TYPE, DYNLIB_TYPE_V, DYNLIB_NONE)
typedef int (*dynlib_fn_git_libgit2_opts)(int option, ...);

static void version(char *out, size_t len)
{
	int major = 0, minor = 0, rev = 0;

	git_libgit2_version(&major, &minor, &rev);
	snprintf(out, len, "%d.%d.%d", major, minor, rev);
}

struct dynlib dynlib_libgit2 = DYNLIB_INIT("libgit2", ML_SONAME_LIBGIT2, names, table, version);
#define lib dynlib_libgit2

LIBGIT2_FUNCTIONS(DYNLIB_WRAP, DYNLIB_WRAP_V, DYNLIB_NONE)

/*
 * The options mainline sets (verify/source.c), each forwarded with its own arguments; any
 * other option is a programming error.
 */
int(git_libgit2_opts)(int option, ...)
{
	dynlib_fn_git_libgit2_opts opts = DYNLIB_CALL(git_libgit2_opts);
	const char *path, *dir;
	va_list ap;
	int r, n;

	va_start(ap, option);
	switch (option) {
	case GIT_OPT_SET_SEARCH_PATH:
		n = va_arg(ap, int);
		path = va_arg(ap, const char *);
		r = opts(option, n, path);
		break;
	case GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION:
	case GIT_OPT_ENABLE_STRICT_OBJECT_CREATION:
		n = va_arg(ap, int);
		r = opts(option, n);
		break;
	case GIT_OPT_SET_SSL_CERT_LOCATIONS:
		path = va_arg(ap, const char *);
		dir = va_arg(ap, const char *);
		r = opts(option, path, dir);
		break;
	default:
		fprintf(stderr, "mainline: git_libgit2_opts: option %d is not forwarded\n", option);
		abort();
	}
	va_end(ap);
	return r;
}
