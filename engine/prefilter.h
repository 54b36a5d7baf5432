/*
 * prefilter: which of many literals occur in a line, ignoring ASCII case.
 *
 * The matcher gives every pattern the literals one of which each of its
 * matches must contain (pattern.h), and tries the pattern with PCRE2 only on
 * lines where the prefilter found one. Most log lines hold none, so most
 * lines cost one pass over their bytes and no PCRE2 call at all.
 *
 * The scan looks each pair of adjacent bytes up in a 64 Kibit table of the
 * literals' anchor pairs (the rarest pair of each literal, so that common
 * pairs such as "er" rarely need a closer look), and compares the literal
 * around a pair that is in the table.
 *
 * Ownership: a struct prefilter owns copies of its literals.
 */
#ifndef KBDIAG_PREFILTER_H
#define KBDIAG_PREFILTER_H

#include <stddef.h>
#include <stdint.h>

struct prefilter;

/* ids: how many ids literals may carry (0 .. ids - 1). */
struct prefilter *prefilter_new(size_t ids);
void prefilter_free(struct prefilter *pf);

/* Add a literal (at least 2 bytes, any case) for an id. */
void prefilter_add(struct prefilter *pf, const char *lit, size_t len, size_t id);

/* Words of the id bit sets that prefilter_scan() fills. */
size_t prefilter_words(const struct prefilter *pf);

/*
 * Set, in the bit set ids (prefilter_words() words), the bit of every id one
 * of whose literals occurs in s. Bits already set stay set.
 */
void prefilter_scan(struct prefilter *pf, const char *s, size_t len, uint64_t *ids);

/* How rare a byte is in gateway logs, 1 (common) to 4: for choosing anchors. */
int prefilter_rarity(unsigned char c);

#endif
