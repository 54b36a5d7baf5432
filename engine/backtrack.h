/*
 * backtrack: does a regular expression of the rule base backtrack
 * catastrophically? Two checks for `kbdiag kb lint`:
 *
 *   - backtrack_shape() reads the pattern's text for the shapes that make a
 *     backtracking matcher exponential: a group repeated without bound that
 *     holds a quantifier without bound, (a+)+ ("nested quantifiers"), and a
 *     group repeated without bound whose alternatives can begin with the
 *     same byte, (a|ab)* ("overlapping alternatives"). An atomic group
 *     (?>...), a lookaround or a possessive quantifier (a++) gives nothing
 *     back, so what is inside one is safe.
 *
 *   - backtrack_measure() runs the pattern (PCRE2's interpreter, the
 *     options given) on lines crafted from its examples: each example cut
 *     where its bytes change class (letters, digits, blanks, the rest), a
 *     byte from there repeated BACKTRACK_PUMP times, then the rest of the
 *     example, nothing, or a byte no pattern expects (\x01). Each run may
 *     take BACKTRACK_STEPS_PER_BYTE of PCRE2's match steps (its match limit)
 *     per byte of the line; a linear pattern needs a few. A pattern that
 *     needs more is super-linear on that line (the first such line is
 *     reported): the report gives the line, the steps on it and on a line
 *     with four times the repeat, and the time the longer one takes. Steps, not time, decide, so the verdict is the
 *     same on a loaded machine.
 *
 * Nothing is allocated for the caller; errors are returned in the report.
 */
#ifndef KBDIAG_BACKTRACK_H
#define KBDIAG_BACKTRACK_H

#include <stddef.h>

#include "util/err.h"

#define BACKTRACK_PUMP			1000	/* bytes repeated in a crafted line */
#define BACKTRACK_STEPS_PER_BYTE	32	/* PCRE2 match steps allowed a byte */

/*
 * 1 when the pattern has one of the shapes above, with why (naming the shape
 * and its offset in the pattern); 0 when none is found (or the text is not
 * understood, which the measure still covers).
 */
int backtrack_shape(const char *pattern, char why[ERR_LEN]);

struct backtrack_report {
	size_t		lines;		/* crafted lines run */
	int		superlinear;	/* 1: a line needed more than its allowance */
	char		line[160];	/* the worst line, described */
	unsigned long	steps;		/* PCRE2 steps on it (>= the allowance when
					   superlinear; capped at BACKTRACK_STEPS_CAP) */
	unsigned long	steps4;		/* on the line with four times the repeat */
	size_t		bytes, bytes4;	/* the two lines' lengths */
	double		usec4;		/* time of the longer run, microseconds */
};

#define BACKTRACK_STEPS_CAP	(1UL << 22)	/* steps measured at most */

/*
 * Measure pattern (compiled as the matcher does: without UTF, caseless when
 * asked) on lines crafted from the n examples. Returns 0 with *r filled, or
 * -1 with err when the pattern does not compile.
 */
int backtrack_measure(const char *pattern, int caseless, const char *const *examples,
    size_t n, struct backtrack_report *r, char err[ERR_LEN]);

#endif
