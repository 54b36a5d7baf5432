/*
 * clock: the one clock of every deadline and every measured duration,
 * CLOCK_MONOTONIC (never the wall clock, which an operator or NTP may set
 * back). Test doubles with a clock of their own (the fake transports) keep
 * it behind their own interface; everything else reads this one.
 */
#ifndef KBDIAG_CLOCK_H
#define KBDIAG_CLOCK_H

/* Milliseconds on CLOCK_MONOTONIC. */
long long clock_ms(void);

/* Seconds on CLOCK_MONOTONIC, to the nanosecond the clock gives: for
 * measuring how long something took (differences only). */
double clock_s(void);

#endif
