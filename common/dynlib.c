/* Libraries loaded on first use, their tables read-only once filled: see dynlib.h. */
#include "common/dynlib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/error.h"

static int load_locked(struct dynlib *lib)
{
	long page = sysconf(_SC_PAGESIZE);
	const char *why;
	void *handle;
	size_t i;

	if (page <= 0 || page > DYNLIB_PAGE_MAX || (uintptr_t)lib->table % (uintptr_t)page != 0) {
		snprintf(lib->error, sizeof(lib->error),
		         "cannot load %s: page size %ld is larger than its table", lib->soname,
		         page);
		return -1;
	}
	dlerror();
	if ((handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		snprintf(lib->error, sizeof(lib->error), "cannot load %s: %s", lib->soname,
		         why != NULL ? why : "unknown error");
		return -1;
	}
	for (i = 0; i < lib->count; i++) {
		dlerror();
		if ((lib->table[i] = dlsym(handle, lib->names[i])) == NULL) {
			why = dlerror();
			snprintf(lib->error, sizeof(lib->error), "symbol '%s' missing from %s: %s",
			         lib->names[i], lib->soname, why != NULL ? why : "null address");
			goto fail;
		}
	}
	if (mprotect(lib->table, DYNLIB_PAGE_MAX, PROT_READ) < 0) {
		snprintf(lib->error, sizeof(lib->error), "cannot protect the table of %s: %s",
		         lib->soname, strerror(errno));
		goto fail;
	}
	/* never closed: the table points into the library for the life of the process */
	lib->loaded = 1;
	return 0;
fail:
	memset(lib->table, 0, lib->count * sizeof(lib->table[0]));
	dlclose(handle);
	return -1;
}

int dynlib_load(struct dynlib *lib)
{
	int r;

	pthread_mutex_lock(&lib->lock);
	r = lib->loaded ? 0 : load_locked(lib);
	pthread_mutex_unlock(&lib->lock);
	return r;
}

int dynlib_need(struct dynlib *lib)
{
	char why[sizeof(lib->error)];

	pthread_mutex_lock(&lib->lock);
	if (lib->loaded || load_locked(lib) == 0) {
		pthread_mutex_unlock(&lib->lock);
		return 0;
	}
	memcpy(why, lib->error, sizeof(why));
	pthread_mutex_unlock(&lib->lock);
	return ml_fail(ML_LIBRARY_UNAVAILABLE, "%s", why);
}

void *dynlib_slot(const struct dynlib *lib, void *const *table, size_t i)
{
	if (table[i] == NULL) {
		fprintf(stderr, "mainline: %s called before %s was loaded\n", lib->names[i],
		        lib->name);
		abort();
	}
	return table[i];
}
