/*
 * A bounded list of owned strings, each with its byte length (a binary
 * OpenPGP keyring may hold NUL bytes) and, for values read from files, the
 * file it came from. At most STRLIST_MAX items; every *_free and *_release
 * of an empty or released list is a no-op.
 */
#ifndef MAINLINE_STRLIST_H
#define MAINLINE_STRLIST_H

#include <stddef.h>

#define STRLIST_MAX 256 /* items in one list */

struct strlist {
	char **v;    /* NULL-terminated when n > 0 */
	size_t *len; /* byte length of each item */
	size_t n;
	char **origin; /* per item, the file it was read from or NULL; NULL when none was */
};

/* Appends a copy (at most STRLIST_MAX items). 0 or -1. */
int strlist_push(struct strlist *l, const char *s);
int strlist_push_n(struct strlist *l, const void *s, size_t len);

/* Appends a copy of item i of src, with its origin. 0 or -1. */
int strlist_push_from(struct strlist *l, const struct strlist *src, size_t i);

/* Records the file item i was read from (copied). 0 or -1. */
int strlist_set_origin(struct strlist *l, size_t i, const char *origin);

/* The file item i was read from, or NULL when it was given as contents. */
const char *strlist_origin(const struct strlist *l, size_t i);

/* Whether the list contains s (exact string comparison). */
int strlist_contains(const struct strlist *l, const char *s);

/* Whether a and b hold the same items (bytes and lengths) in the same order. */
int strlist_equal(const struct strlist *a, const struct strlist *b);

/* Moves src's items into dst (released first); src is left empty. */
void strlist_move(struct strlist *dst, struct strlist *src);

void strlist_release(struct strlist *l);

#endif
