/*
 * The pair of articles of the unit tests (tu_kb_mini(), testutil.c) and of
 * the fuzz tools: the rule base with only Q100709 and Q123827 left, the kb
 * of fuzz_qindex and of kbcache_seed's two-articles seeds.
 */
#ifndef KBDIAG_FUZZ_KBPAIR_H
#define KBDIAG_FUZZ_KBPAIR_H

#include <string.h>

#include "kb.h"

static void
kbpair_keep(struct kb *kb)
{
	size_t i = 0;

	while (i < kb_article_count(kb)) {
		const struct kb_article *a = kb_article_at(kb, i);

		if (strcmp(a->id, "Q100709") == 0 || strcmp(a->id, "Q123827") == 0)
			i++;
		else
			kb_drop_article(kb, a);
	}
}

#endif
