#include "common/path.h"

#include <string.h>

size_t path_trimmed_len(const char *p)
{
	size_t n = strlen(p);

	while (n > 0 && p[n - 1] == '/')
		n--;
	return n;
}

int path_overlaps(const char *a, const char *b)
{
	size_t la = path_trimmed_len(a), lb = path_trimmed_len(b);

	if (la > lb) {
		const char *t = a;
		size_t tl = la;

		a = b;
		la = lb;
		b = t;
		lb = tl;
	}
	/* a is the shorter: equal, or a parent of b ("/" is everyone's parent) */
	return strncmp(a, b, la) == 0 && (lb == la || b[la] == '/');
}

int path_is_clean_absolute(const char *p)
{
	const char *c;

	if (p == NULL || p[0] != '/')
		return 0;
	if (strcmp(p, "/") == 0)
		return 1;
	if (strpbrk(p, ":,") != NULL)
		return 0;
	for (c = p; *c != '\0';) {
		const char *end;
		size_t n;

		c++; /* the '/' */
		end = strchr(c, '/');
		n = end != NULL ? (size_t)(end - c) : strlen(c);
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		c += n;
	}
	return 1;
}
