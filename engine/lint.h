/*
 * lint: the checks of a rule base that need its compiled patterns, and the
 * rule tester (`kbdiag kb lint`, `kbdiag kb test`).
 *
 * kb_load() has checked the schema and every reference; match_compile() that
 * every pattern compiles. lint_check() adds what needs both:
 *   - every pattern is JIT-compiled where PCRE2 has a JIT;
 *   - no pattern matches the empty string;
 *   - every pattern tried on log lines has a literal the prefilter can use
 *     (match.h), so that no pattern runs on every line;
 *   - when a pattern of one article matches an example or the message of
 *     another (the same text explained twice, or a generic text inside a
 *     specific one), overlaps.xml declares an overlap naming both;
 *   - every peer greeting pattern (tables/peers.xml) compiles;
 *   - every cause of the catalog is used by some article;
 *   - every fix of fixes.xml (lint_fixes()): each example, as written with
 *     LF line ends and again with CR LF, gives its outcome through the
 *     editor (fix.h) and its <after> byte for byte; the result needs no
 *     second edit; the probe of the fix's in-place evidence reads the
 *     in-place value from <after> and not from <before>; an order fix's
 *     evidence values exist; every fix but a replacement has an example of
 *     an edit.
 *
 * lint_test() runs every example and counter-example, per article, and the
 * peer greeting examples.
 *
 * Problems go to on_problem as "file:line: message"; nothing is printed.
 * Ownership: the caller frees the report array with free().
 */
#ifndef KBDIAG_LINT_H
#define KBDIAG_LINT_H

#include <stddef.h>

#include "kb.h"
#include "match.h"

typedef void (*lint_problem_fn)(void *arg, const char *msg);

/* Returns the number of problems found. */
size_t lint_check(const struct kb *kb, struct matcher *m, lint_problem_fn on_problem,
    void *arg);

/*
 * Catastrophic backtracking (backtrack.h), for every symptom pattern and
 * every peer greeting pattern: a shape that backtracks exponentially
 * (nested quantifiers, overlapping alternatives repeated without bound) is
 * a problem, and so is a pattern that needs more than
 * BACKTRACK_STEPS_PER_BYTE of PCRE2's steps a byte on a line crafted from
 * its examples; the message names the article and symptom (or the peer),
 * the line, the steps and the time. `kb lint` runs it after lint_check();
 * it is apart because it times a thousand lines or so per pattern. When
 * stats is not NULL it gets the lines run and the slowest pattern's
 * microseconds per crafted line.
 */
struct lint_backtrack_stats {
	size_t		patterns;	/* measured */
	size_t		lines;		/* crafted lines run */
	double		usec;		/* all of them, wall clock */
};
size_t lint_backtracking(const struct kb *kb, lint_problem_fn on_problem, void *arg,
    struct lint_backtrack_stats *stats);

/* The fixes' checks alone (part of lint_check()). Returns the problems. */
size_t lint_fixes(const struct kb *kb, lint_problem_fn on_problem, void *arg);

/* What kb test found for one article. */
struct lint_article {
	const struct kb_article	*article;
	size_t	examples;	/* examples of its symptoms */
	size_t	matched;	/* ... that their own pattern matched */
	size_t	counters;	/* counter-examples */
	size_t	unexpected;	/* counter-examples matched, plus other articles'
				   examples its patterns match without a declared
				   overlap */
	size_t	patterns;	/* symptoms */
	size_t	unexercised;	/* symptoms whose pattern no example matched */
};

struct lint_totals {
	size_t	examples, counters, peer_examples, failures;
};

/*
 * Run the tests. *out gets one entry per article, in kb order (free()). Every
 * failure is passed to on_problem. Returns the number of failures.
 */
size_t lint_test(const struct kb *kb, struct matcher *m, lint_problem_fn on_problem,
    void *arg, struct lint_article **out, struct lint_totals *totals);

#endif
