/*
 * pattern: reading the rule base's PCRE2 patterns as text, without PCRE2.
 *
 *   - pattern_literals(): the literals one of which every match must contain,
 *     for the matcher's literal prefilter (prefilter.h); pattern_required():
 *     all the literals each alternative's matches contain, which the matcher
 *     checks before it runs PCRE2 on a candidate line. The walk is
 *     conservative: any construct it does not fully understand (\Q, verbs,
 *     (?x), subroutine calls, escapes with arguments) makes it give up, and the
 *     pattern is then tried on every line. A wrong literal would lose matches;
 *     a missing one only costs time.
 *   - pattern_to_ere(): the pattern in the extended regular expression syntax
 *     of GNU grep -E and ripgrep, for `kbdiag kb patterns --syntax ere`. The
 *     translation matches a superset: (?: groups open, lazy and possessive
 *     quantifiers become greedy, lookarounds are dropped.
 *
 * Ownership: callers own every output.
 */
#ifndef KBDIAG_PATTERN_H
#define KBDIAG_PATTERN_H

#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

#define PATTERN_LIT_MAX		32	/* longest literal kept (bytes) */
#define PATTERN_LIT_MIN		3	/* shorter literals are not worth a prefilter */
#define PATTERN_BRANCH_MAX	16	/* top-level alternatives */

/* Lower-case literals, at most one per top-level alternative. */
struct pattern_literals {
	size_t	n;
	char	lit[PATTERN_BRANCH_MAX][PATTERN_LIT_MAX + 1];
};

/*
 * 0 and out filled when every match of the pattern contains one of the
 * literals (compared without case); -1 when no such set was found.
 */
int pattern_literals(const char *pattern, struct pattern_literals *out);

/*
 * Every literal run each top-level alternative requires (lower case, at
 * least PATTERN_LIT_MIN bytes, the first PATTERN_REQ_MAX of them): a match
 * of the pattern contains all the runs of one alternative. The literals of
 * pattern_literals() are among them, and in lits too. 0 and out filled, or
 * -1 when pattern_literals() finds none.
 */
#define PATTERN_REQ_MAX		8
struct pattern_required {
	size_t	n;				/* alternatives */
	size_t	nreq[PATTERN_BRANCH_MAX];	/* runs of each */
	char	req[PATTERN_BRANCH_MAX][PATTERN_REQ_MAX][PATTERN_LIT_MAX + 1];
	struct pattern_literals lits;		/* pattern_literals()'s */
};
int pattern_required(const char *pattern, struct pattern_required *out);

/* Append the ERE form of the pattern to out; -1 with err when it has none. */
int pattern_to_ere(const char *pattern, struct buf *out, char err[ERR_LEN]);

#endif
