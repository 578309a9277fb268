#include "plugin/duration.h"

#include <stdio.h>

int64_t duration_parse(const char *s)
{
	int64_t total = 0;
	const int64_t max = 8760LL * 3600; /* one year bounds every use and any overflow */
	int seen = 0;

	if (s == NULL || *s == '\0')
		return -1;
	while (*s != '\0') {
		int64_t n = 0, unit;
		int digits = 0;

		while (*s >= '0' && *s <= '9') {
			n = n * 10 + (*s - '0');
			if (n > max)
				return -1;
			s++;
			digits++;
		}
		if (digits == 0)
			return -1;
		if (*s == 'h')
			unit = 3600;
		else if (*s == 'm')
			unit = 60;
		else if (*s == 's')
			unit = 1;
		else
			return -1;
		/* units in decreasing order, each at most once: "1h30m", not "30m1h" */
		if ((seen != 0 && unit >= seen))
			return -1;
		seen = (int)unit;
		s++;
		if (n > (max - total) / unit)
			return -1;
		total += n * unit;
	}
	return total;
}

int duration_format(int64_t secs, char *out, size_t len)
{
	int64_t h = secs / 3600, m = (secs % 3600) / 60, s = secs % 60;
	int n;

	if (secs == 0)
		n = snprintf(out, len, "0s");
	else
		n = snprintf(out, len, "%.0lld%s%.0lld%s%.0lld%s", (long long)h, h ? "h" : "",
		             (long long)m, m ? "m" : "", (long long)s, s ? "s" : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
