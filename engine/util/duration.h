/*
 * duration: a length of time on a command line, with its unit: "500ms",
 * "5s", "2m", "1h" (also "1.5s", "250 ms"). A bare number is in the unit
 * the option has always taken (bare_ms milliseconds per unit: 1 for an
 * option in milliseconds, 1000 for one in seconds), so that old command
 * lines keep their meaning.
 *
 * Shared by kbdiag and smtpgw, so that both read durations the same way
 * (docs/kbdiag.1, docs/smtpgw.1).
 */
#ifndef KBDIAG_DURATION_H
#define KBDIAG_DURATION_H

#include "err.h"

/*
 * Parse s into *ms: 0, or -1 with err ("'5x' is not a duration (such as
 * 500ms, 5s or 2m)", "'0s' is not from 1ms to 10m"). The result must be
 * from min_ms to max_ms; a fraction of a millisecond is refused.
 */
int duration_parse(const char *s, unsigned long bare_ms, unsigned long long min_ms,
    unsigned long long max_ms, unsigned long long *ms, char err[ERR_LEN]);

/* "500ms", "5s", "2m", "1h": the shortest exact form of ms (buf of 32). */
const char *duration_format(unsigned long long ms, char buf[32]);

#endif
