/*
 * The shared libraries mainline loads on first use: libgit2, libcurl, libarchive and libpq.
 * The binary has no NEEDED entry for them, so a process that uses none of them (a warm
 * re-check, --help) does not pay for loading and relocating them and the ~50 objects
 * behind them at start-up.
 *
 * Each library has one file (common/dynlib_<library>.c) that includes the library's own
 * header and defines, for every function mainline calls, a wrapper with the library's name
 * and prototype (so the compiler checks it against the header) that calls through a table
 * of pointers. dynlib_need() loads the exact soname the build compiled against (the Makefile
 * reads it from the library pkg-config names) with RTLD_NOW | RTLD_LOCAL, resolves every
 * symbol of the table at once and then makes the table read-only (mprotect): what -z relro
 * -z now do for the GOT, done for these pointers at load time (docs/architecture.md).
 *
 * Each seam asks for its library at its entry point (libgit2's start in verify/source.c,
 * common/http.c and common/url.c for libcurl, docker/tar.c's writer, common/pg.c); a wrapper
 * reached before that is a programming error and aborts the process with a message.
 */
#ifndef MAINLINE_DYNLIB_H
#define MAINLINE_DYNLIB_H

#include <pthread.h>
#include <stddef.h>

/* The largest page size of the platforms mainline runs on (arm64 with 64 KiB pages). */
#define DYNLIB_PAGE_MAX 65536

struct dynlib {
	const char *name;         /* "libgit2" */
	const char *soname;       /* "libgit2.so.1.5", or a path */
	const char *const *names; /* the symbols, in the table's order */
	size_t count;
	void **table;                           /* count slots in a page-aligned DYNLIB_PAGE_MAX */
	void (*version)(char *out, size_t len); /* the loaded library's version, or NULL */
	pthread_mutex_t lock;
	int loaded;
	char error[512]; /* why the last load failed */
};

/* A library's table: a page of its own, aligned, so that it alone can be made read-only. */
#define DYNLIB_TABLE(var, n)                                                                       \
	_Static_assert((n) * sizeof(void *) <= DYNLIB_PAGE_MAX, "table larger than a page");       \
	static union {                                                                             \
		void *slot[n];                                                                     \
		unsigned char page[DYNLIB_PAGE_MAX];                                               \
	} var __attribute__((aligned(DYNLIB_PAGE_MAX)))

#define DYNLIB_INIT(name_, soname_, names_, table_, version_)                                      \
	{                                                                                          \
		.name = (name_), .soname = (soname_), .names = (names_),                           \
		.count = sizeof(names_) / sizeof((names_)[0]), .table = (table_).slot,             \
		.version = (version_), .lock = PTHREAD_MUTEX_INITIALIZER                           \
	}

/*
 * The pieces of a wrapper file, from a list FUNCTIONS(F, V, H) of entries
 * F(return type, name, (parameters), (arguments)), V(name, (parameters), (arguments)) for
 * functions returning void and H(name) for the variadic ones, whose wrappers the file writes
 * by hand. The file's table is called `table` and its struct dynlib `lib`:
 *   enum { FUNCTIONS(DYNLIB_INDEX, DYNLIB_INDEX_V, DYNLIB_INDEX_H) DYNLIB_SYM_COUNT };
 *   static const char *const names[] = {FUNCTIONS(DYNLIB_NAME, DYNLIB_NAME_V, DYNLIB_NAME_H)};
 *   DYNLIB_TABLE(table, DYNLIB_SYM_COUNT);
 *   FUNCTIONS(DYNLIB_TYPE, DYNLIB_TYPE_V, DYNLIB_NONE)
 *   FUNCTIONS(DYNLIB_WRAP, DYNLIB_WRAP_V, DYNLIB_NONE)
 * and, for each H(name), a typedef of dynlib_fn_<name> and the wrapper.
 */
#define DYNLIB_INDEX(ret, name, params, args) DYNLIB_SYM_##name,
#define DYNLIB_INDEX_V(name, params, args) DYNLIB_SYM_##name,
#define DYNLIB_INDEX_H(name) DYNLIB_SYM_##name,
#define DYNLIB_NAME(ret, name, params, args) #name,
#define DYNLIB_NAME_V(name, params, args) #name,
#define DYNLIB_NAME_H(name) #name,
#define DYNLIB_NONE(name)
#define DYNLIB_TYPE(ret, name, params, args) typedef ret(*dynlib_fn_##name) params;
#define DYNLIB_TYPE_V(name, params, args) typedef void(*dynlib_fn_##name) params;
#define DYNLIB_CALL(name) ((dynlib_fn_##name)dynlib_slot(&lib, table.slot, DYNLIB_SYM_##name))
#define DYNLIB_WRAP(ret, name, params, args)                                                       \
	ret(name) params                                                                           \
	{                                                                                          \
		return DYNLIB_CALL(name) args;                                                     \
	}
#define DYNLIB_WRAP_V(name, params, args)                                                          \
	void(name) params                                                                          \
	{                                                                                          \
		DYNLIB_CALL(name) args;                                                            \
	}

/*
 * Loads lib unless it is loaded: 0, or -1 with lib->error set ("cannot load libcurl.so.4:
 * <dlerror>", "symbol 'x' missing from ..."). A failed load leaves every slot empty and is
 * tried again by the next call. Thread-safe.
 */
int dynlib_load(struct dynlib *lib);

/* dynlib_load() for a seam's entry point: 0, or ML_LIBRARY_UNAVAILABLE with the message recorded. */
int dynlib_need(struct dynlib *lib);

/* A slot of a loaded table; aborts with a message when lib is not loaded (a programming error). */
void *dynlib_slot(const struct dynlib *lib, void *const *table, size_t i);

extern struct dynlib dynlib_libgit2, dynlib_libcurl, dynlib_libarchive, dynlib_libpq;

#endif
