/* Absolute paths compared by their components, as a container's mounts are. */
#ifndef MAINLINE_PATH_H
#define MAINLINE_PATH_H

#include <stddef.h>

/*
 * Whether p is absolute and clean: no empty, "." or ".." component, no
 * trailing '/' (except "/" itself), and no ':' or ',' (which would split a
 * bind). NULL is not.
 */
int path_is_clean_absolute(const char *p);

/* Whether absolute paths a and b are equal or one lies inside the other (trailing '/' ignored). */
int path_overlaps(const char *a, const char *b);

/* The length of p without its trailing '/' characters. */
size_t path_trimmed_len(const char *p);

#endif
