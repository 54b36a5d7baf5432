#include "rank.h"

#include <stdlib.h>

#include "xmem.h"

static int
rank_cmp(const void *x, const void *y)
{
	const struct diag_cause *a = x, *b = y;

	return a->confidence < b->confidence ? 1 : a->confidence > b->confidence ? -1 : 0;
}

void
rank_causes(struct diag_incident *inc)
{
	const struct kb_article *a = inc->kb_article;
	double total = 0;
	size_t i;

	if (a == NULL || a->ncauses == 0)
		return;
	for (i = 0; i < a->ncauses; i++)
		total += a->causes[i].prior;
	inc->causes = xcalloc(a->ncauses, sizeof(*inc->causes));
	inc->ncauses = a->ncauses;
	for (i = 0; i < a->ncauses; i++) {
		struct diag_cause *c = &inc->causes[i];

		c->id = xstrdup(a->causes[i].cause->id);
		c->title = xstrdup(a->causes[i].cause->title);
		c->confidence = a->causes[i].prior / total;
	}
	/* Insertion sort, because it is stable: equals keep the KB's order. */
	for (i = 1; i < inc->ncauses; i++) {
		struct diag_cause t = inc->causes[i];
		size_t j = i;

		while (j > 0 && rank_cmp(&inc->causes[j - 1], &t) > 0) {
			inc->causes[j] = inc->causes[j - 1];
			j--;
		}
		inc->causes[j] = t;
	}
}

const char *
rank_basis(const struct diag_incident *inc)
{
	size_t i;

	for (i = 0; i < inc->ncauses; i++)
		if (inc->causes[i].nevidence)
			return "evidence";
	return "prior";
}
