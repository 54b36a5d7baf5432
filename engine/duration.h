/*
 * duration: a span of time on the command line (kbdiag verify --for).
 *
 * A whole number with an optional unit: "90" and "90s" are seconds, "500ms"
 * milliseconds, "10m" minutes, "2h" hours; or several such parts in
 * decreasing units, "1h30m", "2m30s". At most DURATION_MAX_MS; 0 is refused.
 */
#ifndef KBDIAG_DURATION_H
#define KBDIAG_DURATION_H

#include "err.h"

#define DURATION_MAX_MS	(24ULL * 3600 * 1000)	/* a day */

/* 0 with *ms, or -1 with err ("'10x' is not a duration ..."). */
int duration_parse(const char *s, unsigned long long *ms, char err[ERR_LEN]);

#endif
