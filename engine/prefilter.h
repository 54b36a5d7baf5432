/*
 * prefilter: which of many literals occur in a text, ignoring ASCII case.
 *
 * The matcher gives every pattern the literals one of which each of its
 * matches must contain (pattern.h), and tries the pattern with PCRE2 only on
 * lines where the prefilter found one. Most log lines hold none, so most
 * lines cost one pass over their bytes and no PCRE2 call at all.
 *
 * Each literal is anchored at its pair of adjacent bytes that is rarest in
 * mail logs, and the byte after that pair. The scan has two stages:
 *
 *   - a vector filter (SSSE3 on 16 bytes or AVX2 on 32 bytes at a time,
 *     chosen at run time by the CPU; the scalar loop elsewhere skips it):
 *     the anchors are put in 16 buckets, and nibble lookups (byte shuffles,
 *     as in Hyperscan's Teddy) on three bytes at each position say where an
 *     anchor of some bucket may start;
 *   - at those positions, a table of all 65536 pairs (128 KiB) that points
 *     at the literals anchored at the pair; they are compared around it.
 *
 * The vector stage only skips positions that cannot be anchors, so every
 * implementation finds the same literals (tests/unit/check_prefilter.c).
 *
 * Ownership: a struct prefilter owns copies of its literals. The first scan
 * after prefilter_add() builds the tables; after that, scans (which change
 * nothing) may run in several threads at once. The matcher's prefilter
 * (match_prefilter()) is built by match_compile().
 */
#ifndef KBDIAG_PREFILTER_H
#define KBDIAG_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

struct prefilter;

/* ids: how many ids literals may carry (0 .. ids - 1). */
struct prefilter *prefilter_new(size_t ids);
void prefilter_free(struct prefilter *pf);

#define PREFILTER_LIT_MAX	256	/* longest literal taken */

/* Add a literal (2 to PREFILTER_LIT_MAX bytes, any case) for an id. */
void prefilter_add(struct prefilter *pf, const char *lit, size_t len, size_t id);

/* Words of the id bit sets that prefilter_scan() fills. */
size_t prefilter_words(const struct prefilter *pf);

/*
 * Set, in the bit set ids (prefilter_words() words), the bit of every id one
 * of whose literals occurs in s. Bits already set stay set.
 */
void prefilter_scan(struct prefilter *pf, const char *s, size_t len, uint64_t *ids);

/*
 * Whole buffers. prefilter_each() calls on_hit for every occurrence of a
 * literal in s (the literal's number, its first byte's offset and its
 * length), in the order of their anchors (so nearly, not strictly, in the
 * order of their offsets); an occurrence is reported once, overlapping ones
 * each. A non-zero return from on_hit stops the scan and is returned; 0 when
 * the scan reached the end. prefilter_lit_ids() ORs the ids of a literal
 * into a bit set.
 */
typedef int (*prefilter_hit_fn)(void *arg, size_t lit, size_t off, size_t len);
int prefilter_each(struct prefilter *pf, const char *s, size_t len,
    prefilter_hit_fn on_hit, void *arg);
void prefilter_lit_ids(const struct prefilter *pf, size_t lit, uint64_t *ids);

/*
 * The lines of s ('\n' ends a line and is not part of it; the last line
 * needs none) that hold a literal: on_line gets the line's offset and length
 * and the ids of the literals found in it, exactly the bits prefilter_scan()
 * sets for the line alone (a literal that holds a '\n' is never found).
 * Lines without a literal are not reported. Lines come in order; a non-zero
 * return stops the scan and is returned.
 */
typedef int (*prefilter_line_fn)(void *arg, size_t off, size_t len, const uint64_t *ids);
int prefilter_lines(struct prefilter *pf, const char *s, size_t len,
    prefilter_line_fn on_line, void *arg);

/* The literals, as added (lower case): for benchmarks and tests. */
size_t prefilter_count(const struct prefilter *pf);
const char *prefilter_literal(const struct prefilter *pf, size_t lit, size_t *len);

/*
 * Which implementation scans: "avx2", "ssse3" or "scalar". prefilter_new()
 * takes the best the CPU has; prefilter_use() picks one (for tests and
 * benchmarks), -1 when the CPU or the build lacks it.
 */
const char *prefilter_impl(const struct prefilter *pf);
int prefilter_use(struct prefilter *pf, const char *impl);

/* How rare a byte is in gateway logs, 1 (common) to 4: for choosing anchors. */
int prefilter_rarity(unsigned char c);

#endif
