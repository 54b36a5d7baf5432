/*
 * The prefilter's oracle, shared by check_prefilter and fuzz_prefilter: the
 * ids of every literal that occurs in s, ignoring ASCII case, by brute force.
 * Bits already set in ids stay set.
 */
#ifndef KBDIAG_TESTS_PREFILTER_REF_H
#define KBDIAG_TESTS_PREFILTER_REF_H

#include <stddef.h>
#include <stdint.h>

#include "prefilter.h"

static inline unsigned char
prefilter_ref_fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 'a' - 'A') : c;
}

static inline void
prefilter_ref(const struct prefilter *pf, const char *s, size_t len, uint64_t *ids)
{
	size_t n = prefilter_count(pf), i, j, k, l;
	const char *lit;

	for (i = 0; i < n; i++) {
		lit = prefilter_literal(pf, i, &l);
		for (j = 0; j + l <= len; j++) {
			for (k = 0; k < l && prefilter_ref_fold((unsigned char)s[j + k]) ==
			    (unsigned char)lit[k]; k++)
				;
			if (k == l) {
				prefilter_lit_ids(pf, i, ids);
				break;
			}
		}
	}
}

#endif
