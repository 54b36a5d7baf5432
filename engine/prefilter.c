#define _GNU_SOURCE	/* memrchr */
#include "prefilter.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define PREFILTER_X86	1
#include <immintrin.h>
#else
#define PREFILTER_X86	0
#endif

#include "util/xmem.h"

struct prefilter_lit {
	char		*text;		/* lower case */
	size_t		 len;
	size_t		 anchor;	/* offset of the anchor pair */
	uint16_t	 key;		/* the anchor pair, folded */
	int		 third;		/* the byte after it, folded, or -1 (none) */
	int		 newline;	/* holds a '\n' (prefilter_lines() skips it) */
	size_t		*ids;		/* the ids it is a literal of (patterns share some) */
	size_t		 nids;
};

/*
 * A literal as the scan compares it, in the order of the anchors' keys: what
 * prefilter_at() reads, side by side.
 */
struct prefilter_slot {
	uint16_t		 key;		/* the anchor pair, folded */
	int16_t			 third;		/* the byte after it, folded, or -1 */
	uint32_t		 lit;		/* the literal's number */
	size_t			 anchor, len;
	const unsigned char	*text;
};

/* The implementations of the scan, best last. */
enum prefilter_impl { PF_SCALAR, PF_SSSE3, PF_AVX2 };

struct prefilter {
	size_t			 ids;
	struct prefilter_lit	*lits;	/* in the order added: a literal's number */
	size_t			 nlits, cap;
	struct prefilter_slot	*order;	/* the literals sorted by key, once built */
	int			 built;
	enum prefilter_impl	 impl;
	/*
	 * The vector filter: per bucket of anchors, a bit in each of the 16
	 * entries of six tables, indexed by the low and the high nibble of
	 * the anchor's first byte (0, 1), its second (2, 3) and the byte after
	 * it (4, 5); buckets 0 to 7 in nib[0 .. 5], 8 to 15 in nib[6 .. 11].
	 */
	uint8_t			 nib[12][16] __attribute__((aligned(16)));
	/*
	 * Per pair as a 16-bit load reads it: 0, or 1 + the index in order of
	 * the first literal anchored at it (by its folded key).
	 */
	uint16_t		 table[65536];
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
prefilter_mark(struct prefilter *pf, unsigned char a, unsigned char b, uint16_t value)
{
	unsigned char as[2] = { a, prefilter_other_case(a) };
	unsigned char bs[2] = { b, prefilter_other_case(b) };
	unsigned i, j, k;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++) {
			k = prefilter_key(as[i], bs[j]);
			pf->table[k] = value;
		}
}

/*
 * The byte pairs most frequent in mail logs, most frequent first (lower
 * case, two bytes each): counted over the development part of the real
 * corpus (tests/realeval/split.tsv: Postfix, Exim and Lightmeter's logs) and
 * as many bytes of a generated gateway log; they make up 79% of all the
 * pairs there. A literal is anchored at its pair that is rarest by this
 * list, so that the scan stops at few places in a real log.
 */
static const char prefilter_common[] =
	    "00comp: leom - c- t  soninexst.eam-0plsmer ttptemtesxaos [] papo"
	    "ngto0 :4:3rex]cte masede m.can r p2  125 2roeden f22ecssy., at1 "
	    ":2oc9:ti:0 h:1la4:lo10.1o  aal:599no190.09adetil 0]:elneg 0512ai"
	    "arfincfr deah ny50chnt0220herxix3 03tfl txge[tx/.0lir me..sp  .2"
	    "pt[r1:[22:0:ca5:sarinn/s3:ag l4421d 8:nd336:or2.so iwnm  oviay24"
	    "7: uitt=ta <s.4 27vee>7.g:unt.i-234.n  nd[hm[15v0hllp thid3- b9-"
	    "17cleppd1854 \"14(sou16ip1301ue1.15ovoko. e04pg=<07mi=15 ho4011"
	    "rtow9 06acasrcusceppiockotut 4r:iequddsikerapev 42is> 6 7 drwida"
	    "pi08ns8 cp35m.1]aweetr2857=s=24331s @t56icnk (ga293655ab@s45x kn"
	    "5.n[s=byftms:<47.s34tu30e.519]58o1y o=ap";

/* How common a pair (lower case) is: 0 the most common, PREFILTER_RARE not listed. */
#define PREFILTER_RARE	1000
static int
prefilter_pair_rank(const char *p)
{
	size_t i, n = sizeof(prefilter_common) - 1;

	for (i = 0; i + 1 < n; i += 2)
		if (prefilter_common[i] == p[0] && prefilter_common[i + 1] == p[1])
			return (int)(i / 2);
	return PREFILTER_RARE;
}

struct prefilter *
prefilter_new(size_t ids)
{
	struct prefilter *pf = xcalloc(1, sizeof(*pf));
	int c;

	pf->ids = ids;
	for (c = 0; c < 256; c++)
		pf->fold[c] = (unsigned char)(c >= 'A' && c <= 'Z' ? c + 'a' - 'A' : c);
	pf->impl = PF_SCALAR;
#if PREFILTER_X86
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		pf->impl = PF_AVX2;
	else if (__builtin_cpu_supports("ssse3"))
		pf->impl = PF_SSSE3;
#endif
	return pf;
}

void
prefilter_free(struct prefilter *pf)
{
	size_t i;

	if (pf == NULL)
		return;
	for (i = 0; i < pf->nlits; i++) {
		free(pf->lits[i].text);
		free(pf->lits[i].ids);
	}
	free(pf->lits);
	free(pf->order);
	free(pf);
}

size_t
prefilter_words(const struct prefilter *pf)
{
	return (pf->ids + 63) / 64;
}

size_t
prefilter_count(const struct prefilter *pf)
{
	return pf->nlits;
}

const char *
prefilter_literal(const struct prefilter *pf, size_t lit, size_t *len)
{
	if (lit >= pf->nlits)
		return NULL;
	*len = pf->lits[lit].len;
	return pf->lits[lit].text;
}

void
prefilter_lit_ids(const struct prefilter *pf, size_t lit, uint64_t *ids)
{
	const struct prefilter_lit *l = &pf->lits[lit];
	size_t k;

	for (k = 0; k < l->nids; k++)
		ids[l->ids[k] / 64] |= UINT64_C(1) << (l->ids[k] % 64);
}

/* How rare the pair at p is, as a score: higher is rarer. */
static int
prefilter_score(const char *p)
{
	return prefilter_pair_rank(p) * 16 + prefilter_rarity((unsigned char)p[0]) +
	    prefilter_rarity((unsigned char)p[1]);
}

static void
prefilter_entry(struct prefilter *pf, const char *text, size_t len, size_t anchor,
    size_t id)
{
	struct prefilter_lit *l;
	size_t i;

	/* A literal several patterns share is compared once for all of them. */
	for (i = 0; i < pf->nlits; i++) {
		l = &pf->lits[i];
		if (l->len == len && memcmp(l->text, text, len) == 0) {
			for (i = 0; i < l->nids; i++)
				if (l->ids[i] == id)
					return;
			l->ids = xrealloc(l->ids, (l->nids + 1) * sizeof(*l->ids));
			l->ids[l->nids++] = id;
			return;
		}
	}
	pf->lits = xgrow(pf->lits, &pf->cap, pf->nlits + 1, sizeof(*pf->lits));
	l = &pf->lits[pf->nlits++];
	l->text = xmalloc(len);
	memcpy(l->text, text, len);
	l->len = len;
	l->newline = memchr(text, '\n', len) != NULL;
	l->ids = xmalloc(sizeof(*l->ids));
	l->ids[0] = id;
	l->nids = 1;
	l->anchor = anchor;
	l->key = (uint16_t)((unsigned char)text[anchor] << 8 | (unsigned char)text[anchor + 1]);
	l->third = anchor + 2 < len ? (unsigned char)text[anchor + 2] : -1;
	pf->built = 0;
}

void
prefilter_add(struct prefilter *pf, const char *lit, size_t len, size_t id)
{
	char text[PREFILTER_LIT_MAX];
	size_t i, anchor = 0;
	int score, best = -1;

	if (len < 2 || len > sizeof(text) || id >= pf->ids || pf->nlits >= UINT16_MAX - 1)
		return;
	for (i = 0; i < len; i++)
		text[i] = (char)pf->fold[(unsigned char)lit[i]];
	/*
	 * The anchor: the pair that is rarest in mail logs, with the byte
	 * after it, so that the literal is a pair and a byte past its anchor
	 * (the vector filter looks at three bytes).
	 */
	for (i = 0; i + 1 < len && (i + 2 < len || len == 2); i++) {
		score = prefilter_score(text + i);
		if (score > best) {
			best = score;
			anchor = i;
		}
	}
	prefilter_entry(pf, text, len, anchor, id);
}

/* ---------------------------------------------------------------------- */
/* Building the tables                                                      */

static int
prefilter_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * A guess at how often a byte occurs in a mail log, in tenths of a per mille,
 * from its rarity: for weighing the buckets of the vector filter.
 */
static unsigned
prefilter_freq(unsigned c)
{
	static const unsigned by_rarity[] = { 0, 400, 150, 30, 20 };

	if (c >= 0x80 || (c < 0x20 && c != '\t'))
		return 1;
	return by_rarity[prefilter_rarity((unsigned char)c)];
}

/*
 * A bucket of the vector filter: the nibbles its anchor pairs' bytes have,
 * as bit sets (bit n: nibble n), for the first byte (lo[0], hi[0]) and the
 * second (lo[1], hi[1]), every case of a letter included.
 */
struct prefilter_bucket {
	uint16_t	lo[3], hi[3];
	int		used;
	long long	cost;		/* prefilter_bucket_cost(), once merging */
};

static void
prefilter_bucket_add(struct prefilter_bucket *b, unsigned char c, int k)
{
	unsigned char cs[2] = { c, prefilter_other_case(c) };
	int i;

	for (i = 0; i < 2; i++) {
		b->lo[k] = (uint16_t)(b->lo[k] | 1u << (cs[i] & 15));
		b->hi[k] = (uint16_t)(b->hi[k] | 1u << (cs[i] >> 4));
	}
}

/* How many bytes the nibble sets let through, weighed by prefilter_freq(). */
static unsigned long
prefilter_pass(unsigned lo, unsigned hi, const unsigned *freq)
{
	unsigned long sum = 0;
	unsigned h, l, bits;

	for (; hi; hi &= hi - 1) {
		h = (unsigned)__builtin_ctz(hi);
		for (bits = lo; bits; bits &= bits - 1) {
			l = (unsigned)__builtin_ctz(bits);
			sum += freq[h << 4 | l];
		}
	}
	return sum;
}

/* How many positions a bucket lets through, roughly (three bytes at once). */
static unsigned long
prefilter_bucket_cost(const struct prefilter_bucket *b, const unsigned *freq)
{
	return prefilter_pass(b->lo[0], b->hi[0], freq) *
	    prefilter_pass(b->lo[1], b->hi[1], freq) / 1000 *
	    prefilter_pass(b->lo[2], b->hi[2], freq);
}

#define PREFILTER_BUCKETS	16

/*
 * Put the anchor pairs in PREFILTER_BUCKETS buckets: first one per first
 * byte (so that its nibbles let that byte alone through), then merge the two
 * whose union lets the fewest more positions through, until few enough.
 */
static void
prefilter_buckets(struct prefilter *pf)
{
	struct prefilter_bucket b[256], u;
	unsigned freq[256];
	long long cost, best;
	size_t i, n = 0, x, y, bx = 0, by = 0;
	unsigned c;
	int k;

	for (c = 0; c < 256; c++)
		freq[c] = prefilter_freq(c);
	memset(b, 0, sizeof(b));
	for (i = 0; i < pf->nlits; i++) {
		c = pf->lits[i].key >> 8;	/* folded: one bucket for both cases */
		prefilter_bucket_add(&b[c], (unsigned char)c, 0);
		prefilter_bucket_add(&b[c], (unsigned char)(pf->lits[i].key & 0xff), 1);
		if (pf->lits[i].third >= 0)
			prefilter_bucket_add(&b[c], (unsigned char)pf->lits[i].third, 2);
		else
			b[c].lo[2] = b[c].hi[2] = 0xffff;	/* any byte */
		b[c].used = 1;
	}
	for (c = 0; c < 256; c++)
		if (b[c].used) {
			b[n] = b[c];
			b[n].cost = (long long)prefilter_bucket_cost(&b[n], freq);
			n++;
		}
	while (n > PREFILTER_BUCKETS) {
		best = LLONG_MAX;
		for (x = 0; x < n; x++)
			for (y = x + 1; y < n; y++) {
				for (k = 0; k < 3; k++) {
					u.lo[k] = b[x].lo[k] | b[y].lo[k];
					u.hi[k] = b[x].hi[k] | b[y].hi[k];
				}
				cost = (long long)prefilter_bucket_cost(&u, freq) -
				    b[x].cost - b[y].cost;
				if (cost < best) {
					best = cost;
					bx = x;
					by = y;
				}
			}
		for (k = 0; k < 3; k++) {
			b[bx].lo[k] |= b[by].lo[k];
			b[bx].hi[k] |= b[by].hi[k];
		}
		b[bx].cost = (long long)prefilter_bucket_cost(&b[bx], freq);
		b[by] = b[--n];
	}
	memset(pf->nib, 0, sizeof(pf->nib));
	for (x = 0; x < n; x++)
		for (k = 0; k < 3; k++)
			for (c = 0; c < 16; c++) {
				if (b[x].lo[k] >> c & 1)
					pf->nib[x / 8 * 6 + 2 * k][c] |= (uint8_t)(1u << x % 8);
				if (b[x].hi[k] >> c & 1)
					pf->nib[x / 8 * 6 + 2 * k + 1][c] |= (uint8_t)(1u << x % 8);
			}
}

/*
 * Sort the literals by their anchor pair, point the table's entries (every
 * case of each pair) at the first literal of the pair, fill the buckets.
 */
static void
prefilter_build(struct prefilter *pf)
{
	size_t j;

	uint64_t *keys = xcalloc(pf->nlits ? pf->nlits : 1, sizeof(*keys));

	/* By key, then by number: each literal's key above its number. */
	for (j = 0; j < pf->nlits; j++)
		keys[j] = (uint64_t)pf->lits[j].key << 32 | j;
	qsort(keys, pf->nlits, sizeof(*keys), prefilter_cmp);
	pf->order = xrealloc(pf->order, (pf->nlits ? pf->nlits : 1) * sizeof(*pf->order));
	for (j = 0; j < pf->nlits; j++) {
		struct prefilter_slot *o = &pf->order[j];
		const struct prefilter_lit *l = &pf->lits[keys[j] & UINT32_MAX];

		o->key = l->key;
		o->third = (int16_t)l->third;
		o->lit = (uint32_t)(keys[j] & UINT32_MAX);
		o->anchor = l->anchor;
		o->len = l->len;
		o->text = (const unsigned char *)l->text;
	}
	free(keys);
	memset(pf->table, 0, sizeof(pf->table));
	for (j = pf->nlits; j-- > 0;) {
		uint16_t key = pf->order[j].key;

		prefilter_mark(pf, (unsigned char)(key >> 8), (unsigned char)(key & 0xff),
		    (uint16_t)(j + 1));
	}
	prefilter_buckets(pf);
	pf->built = 1;
}

/* ---------------------------------------------------------------------- */
/* Scanning                                                                 */

/*
 * The pair at i (i + 1 < len): report the literals anchored at it that
 * occur around it.
 */
static inline int
prefilter_at(const struct prefilter *pf, const unsigned char *u, size_t len, size_t i,
    prefilter_hit_fn on_hit, void *arg)
{
	const unsigned char *fold = pf->fold;
	const struct prefilter_slot *o, *end = pf->order + pf->nlits;
	size_t k, start;
	uint16_t pair, key;
	int rc, third;

	memcpy(&pair, u + i, 2);	/* the table is indexed in this byte order */
	if (pf->table[pair] == 0)
		return 0;
	o = &pf->order[pf->table[pair] - 1];
	key = o->key;
	third = i + 2 < len ? fold[u[i + 2]] : -2;
	for (; o < end && o->key == key; o++) {
		if ((o->third >= 0 && o->third != third) || i < o->anchor ||
		    (start = i - o->anchor) + o->len > len)
			continue;
		for (k = 0; k < o->len && fold[u[start + k]] == o->text[k]; k++)
			;
		if (k == o->len && (rc = on_hit(arg, o->lit, start, o->len)) != 0)
			return rc;
	}
	return 0;
}

static int
prefilter_run_scalar(const struct prefilter *pf, const unsigned char *u, size_t len,
    prefilter_hit_fn on_hit, void *arg)
{
	size_t i;
	uint16_t pair;
	int rc;

	for (i = 0; i + 1 < len; i++) {
		memcpy(&pair, u + i, 2);
		if (pf->table[pair] && (rc = prefilter_at(pf, u, len, i, on_hit, arg)) != 0)
			return rc;
	}
	return 0;
}

#if PREFILTER_X86
/* The positions base + bit of bits (those below end): prefilter_at() each. */
static int
prefilter_bits(const struct prefilter *pf, const unsigned char *u, size_t len, size_t base,
    uint32_t bits, prefilter_hit_fn on_hit, void *arg)
{
	size_t i;
	int rc;

	for (; bits; bits &= bits - 1) {
		i = base + (size_t)__builtin_ctz(bits);
		if (i + 1 >= len)
			break;
		if ((rc = prefilter_at(pf, u, len, i, on_hit, arg)) != 0)
			return rc;
	}
	return 0;
}

/*
 * The vector filter on W bytes at a time: the byte at a lane passes when
 * the six nibble lookups (its own byte's two, the next byte's two, the
 * byte after's two) share a bucket, in either set of eight. The last block
 * (fewer than W + 2 bytes left) is copied into a zeroed buffer, so that no
 * load reads past the text; the zeros cannot make a position pass that a
 * real byte would not, as a literal's third anchor byte is inside it.
 */
#define PF_NIB(set, k)	(pf->nib[(set) * 6 + (k)])

__attribute__((target("ssse3")))
static inline __m128i
prefilter_set_ssse3(const struct prefilter *pf, int set, __m128i a, __m128i b, __m128i c)
{
	const __m128i low = _mm_set1_epi8(0x0f);
#define PF_LOOK(k, v, shift) _mm_shuffle_epi8( \
	_mm_load_si128((const __m128i *)PF_NIB(set, k)), \
	_mm_and_si128(shift ? _mm_srli_epi16(v, 4) : v, low))

	return _mm_and_si128(_mm_and_si128(
	    _mm_and_si128(PF_LOOK(0, a, 0), PF_LOOK(1, a, 1)),
	    _mm_and_si128(PF_LOOK(2, b, 0), PF_LOOK(3, b, 1))),
	    _mm_and_si128(PF_LOOK(4, c, 0), PF_LOOK(5, c, 1)));
#undef PF_LOOK
}

__attribute__((target("ssse3")))
static int
prefilter_run_ssse3(const struct prefilter *pf, const unsigned char *u, size_t len,
    prefilter_hit_fn on_hit, void *arg)
{
	const __m128i zero = _mm_setzero_si128();
	unsigned char tail[64];
	const unsigned char *p;
	size_t i = 0;
	uint32_t bits;
	int rc, last = 0;

	for (;;) {
		__m128i a, b, c, m0, m1;

		if (i + 18 <= len)
			p = u + i;
		else {
			if (i + 1 >= len)
				return 0;
			memset(tail, 0, sizeof(tail));
			memcpy(tail, u + i, len - i);
			p = tail;
			last = 1;
		}
		a = _mm_loadu_si128((const __m128i *)p);
		b = _mm_loadu_si128((const __m128i *)(p + 1));
		c = _mm_loadu_si128((const __m128i *)(p + 2));
		m0 = prefilter_set_ssse3(pf, 0, a, b, c);
		m1 = prefilter_set_ssse3(pf, 1, a, b, c);
		bits = (uint32_t)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(m0, zero),
		    _mm_cmpeq_epi8(m1, zero))) ^ 0xffffu;
		if (bits && (rc = prefilter_bits(pf, u, len, i, bits, on_hit, arg)) != 0)
			return rc;
		if (last)
			return 0;
		i += 16;
	}
}

__attribute__((target("avx2")))
static inline __m256i
prefilter_set_avx2(const struct prefilter *pf, int set, __m256i a, __m256i b, __m256i c)
{
	const __m256i low = _mm256_set1_epi8(0x0f);
#define PF_LOOK(k, v, shift) _mm256_shuffle_epi8( \
	_mm256_broadcastsi128_si256(_mm_load_si128((const __m128i *)PF_NIB(set, k))), \
	_mm256_and_si256(shift ? _mm256_srli_epi16(v, 4) : v, low))

	return _mm256_and_si256(_mm256_and_si256(
	    _mm256_and_si256(PF_LOOK(0, a, 0), PF_LOOK(1, a, 1)),
	    _mm256_and_si256(PF_LOOK(2, b, 0), PF_LOOK(3, b, 1))),
	    _mm256_and_si256(PF_LOOK(4, c, 0), PF_LOOK(5, c, 1)));
#undef PF_LOOK
}

__attribute__((target("avx2")))
static int
prefilter_run_avx2(const struct prefilter *pf, const unsigned char *u, size_t len,
    prefilter_hit_fn on_hit, void *arg)
{
	const __m256i zero = _mm256_setzero_si256();
	unsigned char tail[64];
	const unsigned char *p;
	size_t i = 0;
	uint32_t bits;
	int rc, last = 0;

	for (;;) {
		__m256i a, b, c, m0, m1;

		if (i + 34 <= len)
			p = u + i;
		else {
			if (i + 1 >= len)
				return 0;
			memset(tail, 0, sizeof(tail));
			memcpy(tail, u + i, len - i);
			p = tail;
			last = 1;
		}
		a = _mm256_loadu_si256((const __m256i *)p);
		b = _mm256_loadu_si256((const __m256i *)(p + 1));
		c = _mm256_loadu_si256((const __m256i *)(p + 2));
		m0 = prefilter_set_avx2(pf, 0, a, b, c);
		m1 = prefilter_set_avx2(pf, 1, a, b, c);
		bits = ~(uint32_t)_mm256_movemask_epi8(_mm256_and_si256(
		    _mm256_cmpeq_epi8(m0, zero), _mm256_cmpeq_epi8(m1, zero)));
		if (bits && (rc = prefilter_bits(pf, u, len, i, bits, on_hit, arg)) != 0)
			return rc;
		if (last)
			return 0;
		i += 32;
	}
}
#undef PF_NIB
#endif

static const char *const prefilter_impl_names[] = { "scalar", "ssse3", "avx2" };

const char *
prefilter_impl(const struct prefilter *pf)
{
	return prefilter_impl_names[pf->impl];
}

int
prefilter_use(struct prefilter *pf, const char *impl)
{
	enum prefilter_impl i;

	for (i = PF_SCALAR; i <= PF_AVX2; i++)
		if (strcmp(impl, prefilter_impl_names[i]) == 0)
			break;
	if (i > PF_AVX2)
		return -1;
#if PREFILTER_X86
	if ((i == PF_AVX2 && !__builtin_cpu_supports("avx2")) ||
	    (i == PF_SSSE3 && !__builtin_cpu_supports("ssse3")))
		return -1;
#else
	if (i != PF_SCALAR)
		return -1;
#endif
	pf->impl = i;
	return 0;
}

int
prefilter_each(struct prefilter *pf, const char *s, size_t len, prefilter_hit_fn on_hit,
    void *arg)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!pf->built)
		prefilter_build(pf);
	if (pf->nlits == 0 || len < 2)
		return 0;
	switch (pf->impl) {
#if PREFILTER_X86
	case PF_AVX2:
		return prefilter_run_avx2(pf, u, len, on_hit, arg);
	case PF_SSSE3:
		return prefilter_run_ssse3(pf, u, len, on_hit, arg);
#endif
	default:
		return prefilter_run_scalar(pf, u, len, on_hit, arg);
	}
}

struct prefilter_set {
	const struct prefilter	*pf;
	uint64_t		*ids;
};

static int
prefilter_set_ids(void *arg, size_t lit, size_t off, size_t len)
{
	struct prefilter_set *set = arg;

	(void)off;
	(void)len;
	prefilter_lit_ids(set->pf, lit, set->ids);
	return 0;
}

void
prefilter_scan(struct prefilter *pf, const char *s, size_t len, uint64_t *ids)
{
	struct prefilter_set set = { pf, ids };

	(void)prefilter_each(pf, s, len, prefilter_set_ids, &set);
}

struct prefilter_linescan {
	const struct prefilter	*pf;
	const char		*s;
	size_t			 len;
	size_t			 start, end;	/* the current line */
	int			 have;		/* ids holds its literals */
	uint64_t		*ids;
	size_t			 words;
	prefilter_line_fn	 on_line;
	void			*arg;
};

static int
prefilter_line_hit(void *arg, size_t lit, size_t off, size_t len)
{
	struct prefilter_linescan *ls = arg;
	const char *nl;
	int rc;

	(void)len;
	if (ls->pf->lits[lit].newline)
		return 0;
	if (!ls->have || off >= ls->end) {
		if (ls->have) {
			if ((rc = ls->on_line(ls->arg, ls->start, ls->end - ls->start,
			    ls->ids)) != 0)
				return rc;
			memset(ls->ids, 0, ls->words * sizeof(*ls->ids));
		}
		/* The line of off: after the last '\n' before it, and after
		 * the line just reported (whose end is a '\n' or the text's). */
		ls->start = ls->have ? ls->end + 1 : 0;
		if (off > ls->start && (nl = memrchr(ls->s + ls->start, '\n',
		    off - ls->start)) != NULL)
			ls->start = (size_t)(nl - ls->s) + 1;
		nl = memchr(ls->s + off, '\n', ls->len - off);
		ls->end = nl ? (size_t)(nl - ls->s) : ls->len;
		ls->have = 1;
	}
	prefilter_lit_ids(ls->pf, lit, ls->ids);
	return 0;
}

int
prefilter_lines(struct prefilter *pf, const char *s, size_t len, prefilter_line_fn on_line,
    void *arg)
{
	struct prefilter_linescan ls;
	int rc;

	memset(&ls, 0, sizeof(ls));
	ls.pf = pf;
	ls.s = s;
	ls.len = len;
	ls.words = prefilter_words(pf);
	ls.ids = xcalloc(ls.words ? ls.words : 1, sizeof(*ls.ids));
	ls.on_line = on_line;
	ls.arg = arg;
	rc = prefilter_each(pf, s, len, prefilter_line_hit, &ls);
	if (rc == 0 && ls.have)
		rc = on_line(arg, ls.start, ls.end - ls.start, ls.ids);
	free(ls.ids);
	return rc;
}
