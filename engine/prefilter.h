/*
 * prefilter: which of many literals occur in a line, ignoring ASCII case.
 *
 * The matcher gives every pattern the literals one of which each of its
 * matches must contain (pattern.h), and tries the pattern with PCRE2 only on
 * lines where the prefilter found one. Most log lines hold none, so most
 * lines cost one pass over their bytes and no PCRE2 call at all.
 *
 * The scan looks each pair of adjacent bytes up in a table of all 65536
 * pairs (128 KiB), which points at the literals anchored at the pair: the
 * pair of each literal that is rarest in mail logs, so that common pairs
 * such as "er" rarely need a closer look. The literals there are compared
 * around the pair.
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

/* How rare a byte is in gateway logs, 1 (common) to 4: for choosing anchors. */
int prefilter_rarity(unsigned char c);

#endif
