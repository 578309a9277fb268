/*
 * Durations as the settings write them: hours, minutes and seconds in that
 * order, each at most once ("90s", "30m", "1h30m"), at most one year.
 */
#ifndef MAINLINE_DURATION_H
#define MAINLINE_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Seconds, or -1 when s is not such a duration. */
int64_t duration_parse(const char *s);

/* Formats seconds in the shortest such form: 5400 -> "1h30m", 90 -> "1m30s", 0 -> "0s". 0 or -1. */
int duration_format(int64_t secs, char *out, size_t len);

#endif
