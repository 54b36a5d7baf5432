#include "prefilter.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "xmem.h"

struct prefilter_lit {
	char		*text;		/* lower case */
	size_t		 len;
	size_t		 anchor;	/* offset of the anchor pair */
	uint16_t	 key;		/* the anchor pair, folded */
	size_t		 id;
};

struct prefilter {
	size_t			 ids;
	struct prefilter_lit	*lits;	/* sorted by key once scanned */
	size_t			 nlits, cap;
	int			 sorted;
	uint64_t		 table[65536 / 64];
	unsigned char		 fold[256];
};

int
prefilter_rarity(unsigned char c)
{
	c = (unsigned char)tolower(c);
	if (c == '\0' || strchr("etaoinsrhl :0123456789-", c))
		return 1;
	if (c >= 'a' && c <= 'z')
		return strchr("jkqvxzwy", c) ? 4 : 2;
	return 3;
}

/* The other case of an ASCII letter, or c itself. */
static unsigned char
prefilter_other_case(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return (unsigned char)(c - 'a' + 'A');
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A' + 'a');
	return c;
}

/* The table index of a pair: its two bytes as a 16-bit load reads them. */
static unsigned
prefilter_key(unsigned char a, unsigned char b)
{
	unsigned char p[2] = { a, b };
	uint16_t k;

	memcpy(&k, p, 2);
	return k;
}

/*
 * The table is indexed by the raw bytes of a pair, so the scan needs no case
 * folding: every case variant of an anchor is marked.
 */
static void
prefilter_mark(struct prefilter *pf, unsigned char a, unsigned char b)
{
	unsigned char as[2] = { a, prefilter_other_case(a) };
	unsigned char bs[2] = { b, prefilter_other_case(b) };
	unsigned i, j, k;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			k = prefilter_key(as[i], bs[j]);
			pf->table[k >> 6] |= UINT64_C(1) << (k & 63);
		}
}

/*
 * Pairs frequent in English and in mail logs (lower case): a poor anchor
 * even when its letters are not. Measured on English text and on gateway
 * and MTA logs; a pair not listed is taken as rare as its letters say.
 */
static int
prefilter_common_pair(const char *p)
{
	static const char pairs[] =
	    "th he in er an re on at en nd ti es or te of ed is it al ar st to nt "
	    "ng se ha as ou io le ve co me de hi ri ro ic ne ea ra ce li ch ll be "
	    "ma si om ur ex am mp pl pt sm mt tp ss ge il ai lo la ec sa sp ct ng "
	    "ag ad po pa et ms ot ne us ro rc ho ca ";
	const char *q;

	for (q = pairs; *q; q += 3)
		if (q[0] == p[0] && q[1] == p[1])
			return 1;
	return 0;
}

struct prefilter *
prefilter_new(size_t ids)
{
	struct prefilter *pf = xcalloc(1, sizeof(*pf));
	int c;

	pf->ids = ids;
	for (c = 0; c < 256; c++)
		pf->fold[c] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c);
	return pf;
}

void
prefilter_free(struct prefilter *pf)
{
	size_t i;

	if (pf == NULL)
		return;
	for (i = 0; i < pf->nlits; i++)
		free(pf->lits[i].text);
	free(pf->lits);
	free(pf);
}

size_t
prefilter_words(const struct prefilter *pf)
{
	return (pf->ids + 63) / 64;
}

void
prefilter_add(struct prefilter *pf, const char *lit, size_t len, size_t id)
{
	struct prefilter_lit *l;
	size_t i;
	int score, best = -1;

	if (len < 2 || id >= pf->ids)
		return;
	pf->lits = xgrow(pf->lits, &pf->cap, pf->nlits + 1, sizeof(*pf->lits));
	l = &pf->lits[pf->nlits++];
	l->text = xmalloc(len);
	for (i = 0; i < len; i++)
		l->text[i] = (char)pf->fold[(unsigned char)lit[i]];
	l->len = len;
	l->id = id;
	for (i = 0; i + 1 < len; i++) {
		score = prefilter_rarity((unsigned char)l->text[i]) +
		    prefilter_rarity((unsigned char)l->text[i + 1]) -
		    4 * prefilter_common_pair(l->text + i);
		if (score > best) {
			best = score;
			l->anchor = i;
		}
	}
	l->key = (uint16_t)((unsigned char)l->text[l->anchor] << 8 |
	    (unsigned char)l->text[l->anchor + 1]);
	prefilter_mark(pf, (unsigned char)l->text[l->anchor],
	    (unsigned char)l->text[l->anchor + 1]);
	pf->sorted = 0;
}

static int
prefilter_cmp(const void *a, const void *b)
{
	const struct prefilter_lit *x = a, *y = b;

	return (int)x->key - (int)y->key;
}

/* The first literal with this key (the table says there is one). */
static size_t
prefilter_first(const struct prefilter *pf, uint16_t key)
{
	size_t lo = 0, hi = pf->nlits, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (pf->lits[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void
prefilter_scan(struct prefilter *pf, const char *s, size_t len, uint64_t *ids)
{
	const unsigned char *u = (const unsigned char *)s, *fold = pf->fold;
	const struct prefilter_lit *l;
	size_t i, j, k, start;
	unsigned key;

	if (!pf->sorted) {
		qsort(pf->lits, pf->nlits, sizeof(*pf->lits), prefilter_cmp);
		pf->sorted = 1;
	}
	for (i = 0; i + 1 < len; i++) {
		uint16_t pair;

		/* One 16-bit load; the table is indexed in the byte order it gives. */
		memcpy(&pair, u + i, 2);
		key = pair;
		if (!(pf->table[key >> 6] >> (key & 63) & 1))
			continue;
		key = (unsigned)fold[u[i]] << 8 | fold[u[i + 1]];
		for (j = prefilter_first(pf, (uint16_t)key); j < pf->nlits &&
		    pf->lits[j].key == key; j++) {
			l = &pf->lits[j];
			if (i < l->anchor || (start = i - l->anchor) + l->len > len)
				continue;
			for (k = 0; k < l->len && fold[u[start + k]] == (unsigned char)l->text[k];
			    k++)
				;
			if (k == l->len)
				ids[l->id / 64] |= UINT64_C(1) << (l->id % 64);
		}
	}
}
