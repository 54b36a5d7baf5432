/*
 * match: every symptom pattern of the rule base, compiled once with PCRE2.
 *
 * Patterns are compiled in byte mode (never UTF: logs are not guaranteed to
 * be UTF-8), with JIT where the platform has it, and matched with a match
 * limit so that a pattern that backtracks catastrophically gives up on a line
 * instead of hanging the diagnosis; match_line() reports that.
 *
 * A literal prefilter (prefilter.h) rejects the great majority of log lines,
 * which match nothing, in one pass over their bytes: every pattern that has a
 * set of literals one of which each of its matches contains (pattern.h) is
 * tried only on lines where the prefilter found one. A pattern without such a
 * set, or whose own examples the literals would not pass, is tried on every
 * line.
 *
 * Ownership: a struct matcher refers to the kb it was compiled from (which
 * must outlive it) and owns its PCRE2 objects and its hit array.
 */
#ifndef KBDIAG_MATCH_H
#define KBDIAG_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/err.h"
#include "kb.h"

struct matcher;

struct match_hit {
	const struct kb_article	*article;
	const struct kb_symptom	*symptom;
};

/*
 * Compile every symptom pattern of every article. Fails when a pattern does
 * not compile or uses back-references or conditions on groups (which the
 * rule base does not allow: docs/kb-format.md); the message names the file, line,
 * article and symptom of the first such pattern, and says how many more
 * there are.
 */
int match_compile(const struct kb *kb, struct matcher **out, char err[ERR_LEN]);
/* The same, also passing every problem to on_problem (for `kb lint`). */
int match_compile_report(const struct kb *kb,
    void (*on_problem)(void *arg, const char *msg), void *arg,
    struct matcher **out, char err[ERR_LEN]);
void match_free(struct matcher *m);
/*
 * Another matcher of the same patterns, with the same prefilter, and state of
 * its own (PCRE2 copies of the patterns, match data, JIT stack, hits): for a
 * second thread, as one matcher is never used by two threads at once. The
 * clone JIT-compiles each pattern after the same number of runs as m does,
 * counted by the clone. The clone shares m's prefilter and required literals
 * (read only, by both threads): free it before m.
 */
struct matcher *match_clone(const struct matcher *m);

/*
 * The compiled patterns in PCRE2's serialised form (pcre2_serialize_encode),
 * in symptom order, appended to out; -1 when there are none. For the rule
 * base cache (kbcache.h).
 */
int match_codes_encode(const struct matcher *m, struct buf *out);
/*
 * A matcher for kb from what match_codes_encode() wrote for the same kb,
 * without compiling: 0, or -1 with err when PCRE2 refuses the bytes (another
 * PCRE2 version or build) or they do not fit the kb's symptoms (count, case).
 */
int match_compile_codes(const struct kb *kb, const void *data, size_t len,
    struct matcher **out, char err[ERR_LEN]);

/*
 * Do all of one article's patterns compile and follow the rules above? 0, or
 * -1 with the first problem in err (file, line, article, symptom).
 */
int match_article_compiles(const struct kb_article *a, char err[ERR_LEN]);

/*
 * Match one line (len bytes, may contain NULs) against all patterns but the
 * description symptoms (which are for query text only). A fallback symptom's
 * hit is dropped when a primary symptom also matches the line.
 * Returns the number of hits and sets *hits to an array owned by the matcher,
 * valid until the next call, in KB order. When a pattern hit its match limit
 * on this line, *gave_up is set to its symptom (else NULL) and that pattern
 * counts as not matching.
 */
size_t match_line(struct matcher *m, const char *line, size_t len,
    const struct match_hit **hits, const struct kb_symptom **gave_up);

/* Does this one symptom's pattern match? 1 yes, 0 no, -1 gave up. */
int match_symptom(struct matcher *m, const struct kb_symptom *s, const char *line,
    size_t len);
/*
 * The same for a short text that is matched once (a query): the pattern is
 * run by the interpreter, never JIT-compiled for it, as compiling would cost
 * a hundred times the match.
 */
int match_symptom_once(struct matcher *m, const struct kb_symptom *s, const char *text,
    size_t len);

/*
 * Run the rule base's own examples: every <example> must match its symptom's
 * pattern and every <counter-example> must not. Each failure is passed to
 * on_problem ("file:line: ..."). Returns the number of failures.
 */
size_t match_selftest(struct matcher *m,
    void (*on_problem)(void *arg, const char *msg), void *arg);

/*
 * Does JIT compile this symptom's pattern (patterns are JIT-compiled when
 * first run; this compiles it now)? Is JIT available at all?
 */
int match_symptom_jit(struct matcher *m, const struct kb_symptom *s);
int match_jit_available(void);

/*
 * Compile one pattern on its own (no limits beyond PCRE2's defaults) and match
 * it against s: 1 match, 0 no match, -1 with err (does not compile, or gave
 * up). For the rule base's tables (peer greetings) and its self-checks.
 */
int match_text(const char *pattern, int caseless, const char *s, size_t len,
    char err[ERR_LEN]);

/*
 * Whole buffers (issue 22). match_prefilter() is the matcher's literal
 * prefilter (prefilter.h), for prefilter_lines() over a block of lines: a
 * pattern's id is its index, id match_pattern_count() marks the error words
 * (match_looks_like_error()), the next id the delivery words, the one after
 * the delivery-failure words (mta_failure_words: match_looks_like_error()
 * when mta_failure_line() says so).
 * match_line_ids() is match_line() on a line whose ids the caller already
 * has (prefilter_words() words: what prefilter_lines() gave for this line,
 * or NULL for a line it did not report); the ids are not changed.
 * match_every_line() says whether some log pattern has no literals and so
 * must still be tried on every line, reported or not.
 */
struct prefilter *match_prefilter(const struct matcher *m);
size_t match_line_ids(struct matcher *m, const char *line, size_t len, const uint64_t *ids,
    const struct match_hit **hits, const struct kb_symptom **gave_up);
int match_every_line(const struct matcher *m);
/* How many times match_line() and match_line_ids() have run PCRE2 so far. */
unsigned long long match_line_runs(const struct matcher *m);

/* How many patterns, and how many of them the prefilter covers. */
size_t match_pattern_count(const struct matcher *m);
size_t match_prefiltered_count(const struct matcher *m);
/* Is this symptom's pattern tried only on lines with one of its literals? */
int match_symptom_prefiltered(const struct matcher *m, const struct kb_symptom *s);

/*
 * Did the last line given to match_line() hold a word that errors use
 * ("error", "fail", "refused", "timed out", ...), or was it a delivery that
 * failed by its MTA's status syntax (mta_failure_line())? With no hits, such a
 * line is an error the rule base may not know.
 */
int match_looks_like_error(const struct matcher *m);
/*
 * Did it hold a word of a delivery (mta_delivery_words: "status=sent", ...)?
 * Only such lines can tell that a message that failed was delivered later.
 */
int match_looks_like_delivery(const struct matcher *m);

#endif
