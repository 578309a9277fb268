/*
 * The two clocks, chosen by what a time is for: wall-clock time for what is
 * recorded (the audit record's spans, in Unix nanoseconds), monotonic time
 * for what is measured or waited on (durations, timeouts), which no clock
 * adjustment can move.
 */
#ifndef MAINLINE_CLOCK_H
#define MAINLINE_CLOCK_H

#include <stdint.h>

/* Wall-clock time in Unix nanoseconds; 0 when the clock cannot be read. */
int64_t clock_realtime_ns(void);

/* Monotonic time in milliseconds (from an arbitrary start). */
int64_t clock_monotonic_ms(void);

#endif
