#include "plugin/strlist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int strlist_push_n(struct strlist *l, const void *s, size_t len)
{
	size_t *lens;
	char **v;
	char *copy;

	if (l->n >= STRLIST_MAX || len == SIZE_MAX)
		return -1;
	if ((copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, s, len);
	copy[len] = '\0';
	if ((v = realloc(l->v, (l->n + 2) * sizeof(*v))) == NULL) {
		free(copy);
		return -1;
	}
	l->v = v;
	if ((lens = realloc(l->len, (l->n + 1) * sizeof(*lens))) == NULL) {
		free(copy);
		return -1;
	}
	l->len = lens;
	l->len[l->n] = len;
	l->v[l->n++] = copy;
	l->v[l->n] = NULL;
	return 0;
}

int strlist_push(struct strlist *l, const char *s)
{
	return strlist_push_n(l, s, strlen(s));
}

int strlist_set_origin(struct strlist *l, size_t i, const char *origin)
{
	if (l->origin == NULL && (l->origin = calloc(STRLIST_MAX, sizeof(*l->origin))) == NULL)
		return -1;
	free(l->origin[i]);
	return (l->origin[i] = strdup(origin)) == NULL ? -1 : 0;
}

const char *strlist_origin(const struct strlist *l, size_t i)
{
	return l->origin != NULL && i < l->n ? l->origin[i] : NULL;
}

int strlist_push_from(struct strlist *l, const struct strlist *src, size_t i)
{
	const char *origin = strlist_origin(src, i);

	if (strlist_push_n(l, src->v[i], src->len[i]) < 0)
		return -1;
	return origin != NULL ? strlist_set_origin(l, l->n - 1, origin) : 0;
}

int strlist_contains(const struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 1;
	return 0;
}

int strlist_equal(const struct strlist *a, const struct strlist *b)
{
	size_t i;

	if (a->n != b->n)
		return 0;
	for (i = 0; i < a->n; i++)
		if (a->len[i] != b->len[i] || memcmp(a->v[i], b->v[i], a->len[i]) != 0)
			return 0;
	return 1;
}

void strlist_move(struct strlist *dst, struct strlist *src)
{
	strlist_release(dst);
	*dst = *src;
	src->v = NULL;
	src->len = NULL;
	src->origin = NULL;
	src->n = 0;
}

void strlist_release(struct strlist *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		free(l->v[i]);
		if (l->origin != NULL)
			free(l->origin[i]);
	}
	free(l->v);
	free(l->len);
	free(l->origin);
	l->v = NULL;
	l->len = NULL;
	l->origin = NULL;
	l->n = 0;
}
