#define PCRE2_CODE_UNIT_WIDTH 8

#include "match.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "util/buf.h"
#include "mta.h"
#include "pattern.h"
#include "prefilter.h"
#include "util/strmap.h"
#include "util/xmem.h"

/* Generous for real log lines, small enough that a pathological pattern
 * gives up within milliseconds. */
#define MATCH_LIMIT		200000
#define MATCH_DEPTH_LIMIT	10000
#define MATCH_JIT_STACK_MAX	(1024 * 1024)

struct match_pattern {
	const struct kb_article	*article;
	const struct kb_symptom	*symptom;
	pcre2_code		*code;
	int			 in_prefilter;	/* has literals */
	int			 jit;		/* JIT compiled it; -1: not tried yet */
	unsigned		 runs;		/* before JIT (MATCH_JIT_AFTER) */
	int			 on_logs;	/* tried on log lines (not a description) */
	/* What each alternative requires (pattern_required()), or NULL. */
	struct match_req	*req;
};

/*
 * The literals each alternative of a pattern requires, as numbers of the
 * matcher's table of required literals (req_lit), which holds every such
 * literal of every pattern once. Within an alternative the rarest come first
 * and the literal the prefilter anchors it at last: a line that lacks one is
 * told so by the first search that fails.
 */
struct match_req {
	size_t		n;
	size_t		nreq[PATTERN_BRANCH_MAX];
	uint16_t	id[PATTERN_BRANCH_MAX][PATTERN_REQ_MAX];
};

/* A required literal, in lower case. */
struct match_lit {
	char		*text;
	size_t		 len;
};

struct matcher {
	struct match_pattern	*patterns;
	size_t			 npatterns;
	size_t			 nprefiltered;
	struct prefilter	*pf;		/* literals of the log patterns */
	size_t			 words;		/* of the bit sets below */
	uint64_t		*always;	/* patterns without literals */
	uint64_t		*cand;		/* this line's candidates */
	uint64_t		*scan;		/* match_line()'s prefilter_scan() */
	int			 error_word;	/* this line has one, or is a delivery
						   failure (mta_failure_line()) */
	int			 delivery_word;	/* this line has one (mta.h) */
	pcre2_match_context	*mctx;
	pcre2_jit_stack		*jit_stack;
	pcre2_match_data	*md;
	struct match_hit	*hits;
	unsigned long long	 runs;		/* PCRE2 runs by match_line_ids() */
	struct match_lit	*req_lit;	/* the required literals (match_req) */
	size_t			 nreq_lit;
	uint64_t		*req_known;	/* this line was searched for them */
	uint64_t		*req_found;	/* and holds them */
	/*
	 * A clone (match_clone()) shares its original's prefilter, always,
	 * req_lit and each pattern's req, which nothing changes once built.
	 */
	int			 shared;
};

/* Compile a pattern; JIT-compile it too when jit is given (*jit: did it). */
static pcre2_code *
match_compile_one(const char *pattern, uint32_t options, char err[ERR_LEN],
    const char *what, int *jit)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE offset;
	pcre2_code *code;
	int errcode;

	code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	    options | PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &errcode, &offset, NULL);
	if (code == NULL) {
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		err_set(err, "%s: pattern does not compile at offset %zu: %s", what,
		    (size_t)offset, (const char *)msg);
		return NULL;
	}
	/* JIT is an optimisation: without it the interpreter does the work. */
	if (jit)
		*jit = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
	return code;
}

/*
 * A symptom's pattern is JIT-compiled once it has run MATCH_JIT_AFTER times:
 * most patterns never see a candidate line in a short log, JIT costs ten
 * times what compiling does, and a `kbdiag query` runs each pattern once on
 * its text (JIT-compiling them all was half of its time). Until then PCRE2's
 * interpreter runs it, under the same limits.
 */
#define MATCH_JIT_AFTER	8

static const pcre2_code *
match_code(struct match_pattern *p)
{
	if (p->jit < 0 && ++p->runs > MATCH_JIT_AFTER)
		p->jit = pcre2_jit_compile(p->code, PCRE2_JIT_COMPLETE) == 0;
	return p->code;
}

static int match_run(struct matcher *m, const pcre2_code *code, const char *s,
    size_t len);

/*
 * Words that make an unmatched line look like an error the rule base does not
 * know: the summary lists such lines so that gaps in the rule base show.
 */
static const char *const match_error_words[] = {
	"error", "warning", "fail", "fatal", "refused", "timed out",
	"unreachable", "denied", "cannot", "unable", "reset by", "lost connection",
	"no route", "broken pipe", "abort"
};

/* A byte in lower case, ASCII letters only (as the prefilter folds). */
static inline unsigned char
match_fold(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 'a' - 'A') : c;
}

/*
 * Does s hold lit (n bytes, lower case; at least 2) in ASCII case? The first
 * two bytes are compared 16 positions at a time (SSE2), the rest only where
 * both fit: most lines asked about are a few dozen bytes.
 */
static int
match_find_lit(const char *s, size_t len, const char *lit, size_t n)
{
	unsigned char c0 = (unsigned char)lit[0], c1 = (unsigned char)lit[1];
	size_t i = 0, j, last;

	if (n > len)
		return 0;
	last = len - n;		/* the last position lit can start at */
#if defined(__SSE2__)
	{
		/* A letter's two cases differ in bit 0x20 only: or it in, compare. */
		__m128i f0 = _mm_set1_epi8((char)(c0 >= 'a' && c0 <= 'z' ? 0x20 : 0));
		__m128i f1 = _mm_set1_epi8((char)(c1 >= 'a' && c1 <= 'z' ? 0x20 : 0));
		__m128i k0 = _mm_set1_epi8((char)c0), k1 = _mm_set1_epi8((char)c1);

		/* 17 bytes readable from i: s[i + 16] is within the line. */
		for (; i + 16 < len && i <= last; i += 16) {
			__m128i a = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 1));
			unsigned bits = (unsigned)_mm_movemask_epi8(_mm_and_si128(
			    _mm_cmpeq_epi8(_mm_or_si128(a, f0), k0),
			    _mm_cmpeq_epi8(_mm_or_si128(b, f1), k1)));

			for (; bits; bits &= bits - 1) {
				size_t at = i + (size_t)__builtin_ctz(bits);

				if (at > last)
					break;
				for (j = 2; j < n; j++)
					if (match_fold((unsigned char)s[at + j]) !=
					    (unsigned char)lit[j])
						break;
				if (j == n)
					return 1;
			}
		}
	}
#endif
	for (; i <= last; i++) {
		for (j = 0; j < n; j++)
			if (match_fold((unsigned char)s[i + j]) != (unsigned char)lit[j])
				break;
		if (j == n)
			return 1;
	}
	return 0;
}

/*
 * Does the line hold every literal one of the alternatives requires? Each
 * literal is searched for at most once a line: what was found is kept in
 * req_known and req_found, cleared on the first call for the line (*have 0).
 */
static int
match_has_required(struct matcher *m, const struct match_req *req, const char *s,
    size_t len, int *have)
{
	size_t b, j, id, words = (m->nreq_lit + 63) / 64;
	uint64_t bit;

	if (!*have) {
		memset(m->req_known, 0, words * sizeof(*m->req_known));
		memset(m->req_found, 0, words * sizeof(*m->req_found));
		*have = 1;
	}
	for (b = 0; b < req->n; b++) {
		for (j = 0; j < req->nreq[b]; j++) {
			id = req->id[b][j];
			bit = UINT64_C(1) << (id % 64);
			if (!(m->req_known[id / 64] & bit)) {
				m->req_known[id / 64] |= bit;
				if (match_find_lit(s, len, m->req_lit[id].text, m->req_lit[id].len))
					m->req_found[id / 64] |= bit;
			}
			if (!(m->req_found[id / 64] & bit))
				break;
		}
		if (j == req->nreq[b])
			return 1;
	}
	return 0;
}

/* How rare a literal is in mail logs, by its bytes (prefilter_rarity()). */
static int
match_lit_rarity(const char *t)
{
	int score = 0;

	for (; *t; t++)
		score += prefilter_rarity((unsigned char)*t);
	return score;
}

/*
 * Number the literals each pattern's alternatives require (pattern_required())
 * and put them in req_lit, each once; order each alternative's rarest first
 * and its anchor (pattern_literals()) last. A pattern with more literals than
 * the numbering holds simply has no such check.
 */
static void
match_build_required(struct matcher *m)
{
	struct pattern_required *all = xcalloc(m->npatterns ? m->npatterns : 1, sizeof(*all));
	struct strmap *ids = strmap_new();
	size_t i, b, j, k, id, n = 0;
	int *ok = xcalloc(m->npatterns ? m->npatterns : 1, sizeof(*ok));

	for (i = 0; i < m->npatterns; i++) {
		struct pattern_required *r = &all[i];

		if (!m->patterns[i].in_prefilter ||
		    pattern_required(m->patterns[i].symptom->pattern, r) != 0)
			continue;
		ok[i] = 1;
		for (b = 0; b < r->n; b++)
			for (j = 0; j < r->nreq[b]; j++) {
				const char *t = r->req[b][j];

				/* Two bytes at least: match_find_lit() compares a pair. */
				if (strlen(t) < 2)
					ok[i] = 0;
				else if (!strmap_get(ids, t, strlen(t), &id))
					strmap_put(ids, t, strlen(t), n++);
			}
	}
	if (n > UINT16_MAX)		/* cannot happen with 130 patterns */
		n = UINT16_MAX;
	m->nreq_lit = n;
	m->req_lit = xcalloc(n ? n : 1, sizeof(*m->req_lit));
	m->req_known = xcalloc((n + 63) / 64 + 1, sizeof(*m->req_known));
	m->req_found = xcalloc((n + 63) / 64 + 1, sizeof(*m->req_found));
	for (i = 0; i < m->npatterns; i++) {
		struct pattern_required *r = &all[i];
		struct match_req *q;
		int have_lits;

		if (!ok[i])
			continue;
		have_lits = r->lits.n == r->n;
		q = xcalloc(1, sizeof(*q));
		q->n = r->n;
		for (b = 0; b < r->n; b++) {
			int score[PATTERN_REQ_MAX];

			q->nreq[b] = r->nreq[b];
			for (j = 0; j < r->nreq[b]; j++) {
				const char *t = r->req[b][j];
				int sc;

				(void)strmap_get(ids, t, strlen(t), &id);
				if (id >= n) {
					free(q);
					q = NULL;
					break;
				}
				if (m->req_lit[id].text == NULL) {
					m->req_lit[id].text = xstrdup(t);
					m->req_lit[id].len = strlen(t);
				}
				/* Insert by rarity (stable), the anchor (found already) last. */
				sc = have_lits && strcmp(t, r->lits.lit[b]) == 0 ? -1 :
				    match_lit_rarity(t);
				for (k = j; k > 0 && score[k - 1] < sc; k--) {
					q->id[b][k] = q->id[b][k - 1];
					score[k] = score[k - 1];
				}
				q->id[b][k] = (uint16_t)id;
				score[k] = sc;
			}
			if (q == NULL)
				break;
		}
		m->patterns[i].req = q;
	}
	strmap_free(ids);
	free(all);
	free(ok);
}

/* Does the prefilter pass every example of pattern i? */
static int
match_prefilter_passes_examples(struct matcher *m, size_t i)
{
	const struct kb_symptom *s = m->patterns[i].symptom;
	size_t j;

	for (j = 0; j < s->nexamples; j++) {
		memset(m->cand, 0, m->words * sizeof(*m->cand));
		prefilter_scan(m->pf, s->examples[j], strlen(s->examples[j]), m->cand);
		if (!(m->cand[i / 64] >> (i % 64) & 1))
			return 0;
	}
	return 1;
}

/*
 * Give each log pattern its literals; a pattern without a literal set is
 * tried on every line (always). As a safety net, a pattern whose own examples
 * the literals would not let through runs always too.
 */
static void
match_build_prefilter(struct matcher *m)
{
	struct pattern_literals lits;
	size_t i, j;

	/* Three ids after the patterns' own: error, delivery, failure words. */
	m->pf = prefilter_new(m->npatterns + 3);
	m->words = prefilter_words(m->pf);
	m->always = xcalloc(m->words, sizeof(*m->always));
	m->cand = xcalloc(m->words, sizeof(*m->cand));
	m->scan = xcalloc(m->words, sizeof(*m->scan));
	for (i = 0; i < sizeof(match_error_words) / sizeof(match_error_words[0]); i++)
		prefilter_add(m->pf, match_error_words[i], strlen(match_error_words[i]),
		    m->npatterns);
	for (i = 0; mta_delivery_words[i] != NULL; i++)
		prefilter_add(m->pf, mta_delivery_words[i], strlen(mta_delivery_words[i]),
		    m->npatterns + 1);
	for (i = 0; mta_failure_words[i] != NULL; i++)
		prefilter_add(m->pf, mta_failure_words[i], strlen(mta_failure_words[i]),
		    m->npatterns + 2);
	for (i = 0; i < m->npatterns; i++) {
		struct match_pattern *p = &m->patterns[i];

		if (!p->on_logs)
			continue;
		if (pattern_literals(p->symptom->pattern, &lits) == 0) {
			for (j = 0; j < lits.n; j++)
				prefilter_add(m->pf, lits.lit[j], strlen(lits.lit[j]), i);
			p->in_prefilter = 1;
		}
	}
	for (i = 0; i < m->npatterns; i++) {
		struct match_pattern *p = &m->patterns[i];

		if (p->in_prefilter && !match_prefilter_passes_examples(m, i))
			p->in_prefilter = 0;
		if (p->on_logs && !p->in_prefilter)
			m->always[i / 64] |= UINT64_C(1) << (i % 64);
		m->nprefiltered += p->in_prefilter;
	}
	match_build_required(m);
	/* The same safety net for the required literals. */
	for (i = 0; i < m->npatterns; i++) {
		struct match_pattern *p = &m->patterns[i];
		int have;

		for (j = 0; p->req != NULL && j < p->symptom->nexamples; j++) {
			have = 0;
			if (!p->in_prefilter || !match_has_required(m, p->req,
			    p->symptom->examples[j], strlen(p->symptom->examples[j]), &have)) {
				free(p->req);
				p->req = NULL;
			}
		}
	}
}

/*
 * Compile one symptom's pattern under the rule base's rules: NULL with err
 * when it does not compile or uses back-references (which the prefilter's
 * alternation would renumber).
 */
static pcre2_code *
match_compile_symptom(const struct kb_article *a, const struct kb_symptom *s,
    char err[ERR_LEN])
{
	char what[ERR_LEN];
	uint32_t backrefs;
	pcre2_code *code;

	snprintf(what, sizeof(what), "%.200s:%ld: %s symptom '%.100s'", s->file, s->line,
	    a->id, s->id);
	code = match_compile_one(s->pattern, s->caseless ? PCRE2_CASELESS : 0, err, what,
	    NULL);
	if (code != NULL && pcre2_pattern_info(code, PCRE2_INFO_BACKREFMAX, &backrefs) == 0 &&
	    backrefs > 0) {
		pcre2_code_free(code);
		err_set(err, "%s: back-references and conditions on groups are not "
		    "allowed in rule patterns", what);
		return NULL;
	}
	return code;
}

int
match_compile(const struct kb *kb, struct matcher **out, char err[ERR_LEN])
{
	return match_compile_report(kb, NULL, NULL, out, err);
}

/* Pass one problem on, and keep the first in err. */
static void
match_problem(void (*on_problem)(void *, const char *), void *arg, int *problems,
    char err[ERR_LEN], const char *msg)
{
	if (on_problem)
		on_problem(arg, msg);
	if ((*problems)++ == 0)
		err_set(err, "%s", msg);
}

/* What a matcher runs with besides its patterns: limits, JIT stack, prefilter. */
static void
match_setup_context(struct matcher *m)
{
	m->mctx = pcre2_match_context_create(NULL);
	m->jit_stack = pcre2_jit_stack_create(32 * 1024, MATCH_JIT_STACK_MAX, NULL);
	if (m->mctx == NULL || m->jit_stack == NULL)
		xmem_oom(MATCH_JIT_STACK_MAX);
	pcre2_set_match_limit(m->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(m->mctx, MATCH_DEPTH_LIMIT);
	pcre2_jit_stack_assign(m->mctx, NULL, m->jit_stack);
	m->md = pcre2_match_data_create(1, NULL);
	if (m->md == NULL)
		xmem_oom(0);
}

static void
match_setup(struct matcher *m)
{
	match_setup_context(m);
	match_build_prefilter(m);
}

/*
 * match_compile_report(), or with codes (ncodes of them, from
 * match_codes_decode(), in symptom order) taken instead of compiling: the
 * matcher owns them from here, used or not.
 */
static int
match_build(const struct kb *kb, void (*on_problem)(void *arg, const char *msg),
    void *arg, pcre2_code **codes, size_t ncodes, struct matcher **out, char err[ERR_LEN])
{
	struct matcher *m;
	size_t i, j, total = 0, len, k = 0;
	char msg[ERR_LEN];
	int problems = 0;

	*out = NULL;
	for (i = 0; i < kb_article_count(kb); i++)
		total += kb_article_at(kb, i)->nsymptoms;
	m = xcalloc(1, sizeof(*m));
	/* Zeroed: in_prefilter must start at 0 for every pattern. */
	m->patterns = xcalloc(total ? total : 1, sizeof(*m->patterns));
	m->hits = xcalloc(total ? total : 1, sizeof(*m->hits));
	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		for (j = 0; j < a->nsymptoms; j++) {
			const struct kb_symptom *s = &a->symptoms[j];
			struct match_pattern *p = &m->patterns[m->npatterns];

			p->article = a;
			p->symptom = s;
			if (codes != NULL) {
				p->code = k < ncodes ? codes[k] : NULL;
				if (k < ncodes)
					codes[k] = NULL;
				k++;
				if (p->code == NULL)
					err_set(msg, "%s:%ld: %s symptom '%s': no compiled "
					    "pattern", s->file, s->line, a->id, s->id);
			} else
				p->code = match_compile_symptom(a, s, msg);
			p->jit = -1;
			p->on_logs = s->role != KB_ROLE_DESCRIPTION;
			if (p->code == NULL) {
				match_problem(on_problem, arg, &problems, err, msg);
				continue;
			}
			m->npatterns++;
		}
	}
	if (codes != NULL) {
		for (i = 0; i < ncodes; i++)	/* more codes than patterns */
			pcre2_code_free(codes[i]);
		free(codes);
		if (k != ncodes && problems++ == 0)
			err_set(err, "%zu compiled patterns for %zu symptoms", ncodes, k);
	}
	if (problems) {
		if (problems > 1) {
			len = strlen(err);
			snprintf(err + len, ERR_LEN - len, " (and %d more problems)",
			    problems - 1);
		}
		match_free(m);
		return -1;
	}
	match_setup(m);
	*out = m;
	return 0;
}

struct matcher *
match_clone(const struct matcher *m)
{
	struct matcher *c = xcalloc(1, sizeof(*c));
	uint64_t none[1];
	size_t i;

	c->patterns = xcalloc(m->npatterns ? m->npatterns : 1, sizeof(*c->patterns));
	c->hits = xcalloc(m->npatterns ? m->npatterns : 1, sizeof(*c->hits));
	for (i = 0; i < m->npatterns; i++) {
		c->patterns[i] = m->patterns[i];	/* in_prefilter and req too */
		c->patterns[i].jit = -1;
		c->patterns[i].runs = 0;
		if ((c->patterns[i].code = pcre2_code_copy(m->patterns[i].code)) == NULL)
			xmem_oom(0);
		c->npatterns++;
	}
	match_setup_context(c);
	/*
	 * The prefilter is built on its first scan: built here, on this thread,
	 * so that both threads only read it from now on.
	 */
	prefilter_scan(m->pf, "", 0, none);
	c->shared = 1;
	c->pf = m->pf;
	c->words = m->words;
	c->always = m->always;
	c->nprefiltered = m->nprefiltered;
	c->cand = xcalloc(c->words, sizeof(*c->cand));
	c->scan = xcalloc(c->words, sizeof(*c->scan));
	c->req_lit = m->req_lit;
	c->nreq_lit = m->nreq_lit;
	c->req_known = xcalloc((c->nreq_lit + 63) / 64 + 1, sizeof(*c->req_known));
	c->req_found = xcalloc((c->nreq_lit + 63) / 64 + 1, sizeof(*c->req_found));
	return c;
}

int
match_compile_report(const struct kb *kb, void (*on_problem)(void *arg, const char *msg),
    void *arg, struct matcher **out, char err[ERR_LEN])
{
	return match_build(kb, on_problem, arg, NULL, 0, out, err);
}

int
match_codes_encode(const struct matcher *m, struct buf *out)
{
	const pcre2_code **codes;
	uint8_t *bytes;
	PCRE2_SIZE size;
	int32_t n;
	size_t i;

	if (m->npatterns == 0 || m->npatterns > INT32_MAX)
		return -1;
	codes = xcalloc(m->npatterns, sizeof(*codes));
	for (i = 0; i < m->npatterns; i++)
		codes[i] = m->patterns[i].code;
	n = pcre2_serialize_encode(codes, (int32_t)m->npatterns, &bytes, &size, NULL);
	free(codes);
	if (n < 0)
		return -1;
	buf_append(out, bytes, size);
	pcre2_serialize_free(bytes);
	return 0;
}

int
match_compile_codes(const struct kb *kb, const void *data, size_t len,
    struct matcher **out, char err[ERR_LEN])
{
	const struct kb_article *a;
	const struct kb_symptom *s;
	pcre2_code **codes;
	uint32_t opts;
	int32_t n;
	size_t i, j, k;

	*out = NULL;
	/* PCRE2 checks its own magic, version and build before anything else */
	if (len < 16)	/* shorter than PCRE2's own header */
		return err_set(err, "compiled patterns: cut short");
	n = pcre2_serialize_get_number_of_codes(data);
	if (n <= 0)
		return err_set(err, "compiled patterns: not PCRE2's serialised form (%d)", n);
	codes = xcalloc((size_t)n, sizeof(*codes));
	if (pcre2_serialize_decode(codes, n, data, NULL) != n) {
		free(codes);
		return err_set(err, "compiled patterns: PCRE2 cannot decode them");
	}
	/* each in its symptom's place, with its symptom's case rule */
	for (i = k = 0; i < kb_article_count(kb); i++) {
		a = kb_article_at(kb, i);
		for (j = 0; j < a->nsymptoms && k < (size_t)n; j++, k++) {
			s = &a->symptoms[j];
			if (pcre2_pattern_info(codes[k], PCRE2_INFO_ARGOPTIONS, &opts) != 0 ||
			    !(opts & PCRE2_CASELESS) != !s->caseless) {
				for (k = 0; k < (size_t)n; k++)
					pcre2_code_free(codes[k]);
				free(codes);
				return err_set(err, "compiled patterns: do not fit the rule base");
			}
		}
	}
	return match_build(kb, NULL, NULL, codes, (size_t)n, out, err);
}

int
match_article_compiles(const struct kb_article *a, char err[ERR_LEN])
{
	pcre2_code *code;
	size_t i;

	for (i = 0; i < a->nsymptoms; i++) {
		if ((code = match_compile_symptom(a, &a->symptoms[i], err)) == NULL)
			return -1;
		pcre2_code_free(code);
	}
	return 0;
}

void
match_free(struct matcher *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->npatterns; i++) {
		pcre2_code_free(m->patterns[i].code);
		if (!m->shared)
			free(m->patterns[i].req);
	}
	if (!m->shared) {
		prefilter_free(m->pf);
		for (i = 0; i < m->nreq_lit; i++)
			free(m->req_lit[i].text);
		free(m->req_lit);
		free(m->always);
	}
	free(m->req_known);
	free(m->req_found);
	free(m->cand);
	free(m->scan);
	pcre2_match_data_free(m->md);
	pcre2_jit_stack_free(m->jit_stack);
	pcre2_match_context_free(m->mctx);
	free(m->patterns);
	free(m->hits);
	free(m);
}

/* 1 match, 0 no match, -1 gave up (match or depth limit). */
static int
match_run(struct matcher *m, const pcre2_code *code, const char *s, size_t len)
{
	int rc = pcre2_match(code, (PCRE2_SPTR)s, len, 0, 0, m->md, m->mctx);

	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return -1;
}

size_t
match_line(struct matcher *m, const char *line, size_t len,
    const struct match_hit **hits, const struct kb_symptom **gave_up)
{
	memset(m->scan, 0, m->words * sizeof(*m->scan));
	prefilter_scan(m->pf, line, len, m->scan);
	return match_line_ids(m, line, len, m->scan, hits, gave_up);
}

struct prefilter *
match_prefilter(const struct matcher *m)
{
	return m->pf;
}

unsigned long long
match_line_runs(const struct matcher *m)
{
	return m->runs;
}

int
match_every_line(const struct matcher *m)
{
	size_t w;

	for (w = 0; w < m->words; w++)
		if (m->always[w])
			return 1;
	return 0;
}

size_t
match_line_ids(struct matcher *m, const char *line, size_t len, const uint64_t *ids,
    const struct match_hit **hits, const struct kb_symptom **gave_up)
{
	size_t i, w, n = 0, kept;
	int rc, primary = 0, have = 0;
	uint64_t bits;

	*gave_up = NULL;
	for (w = 0; w < m->words; w++)
		m->cand[w] = m->always[w] | (ids ? ids[w] : 0);
	m->error_word = m->cand[m->npatterns / 64] >> (m->npatterns % 64) & 1;
	m->cand[m->npatterns / 64] &= ~(UINT64_C(1) << (m->npatterns % 64));
	i = m->npatterns + 1;
	m->delivery_word = m->cand[i / 64] >> (i % 64) & 1;
	m->cand[i / 64] &= ~(UINT64_C(1) << (i % 64));
	i = m->npatterns + 2;
	if (!m->error_word && (m->cand[i / 64] >> (i % 64) & 1))
		m->error_word = mta_failure_line(line, len);
	m->cand[i / 64] &= ~(UINT64_C(1) << (i % 64));
	/* Candidates in index order, which is KB order. */
	for (w = 0; w < m->words; w++) {
		for (bits = m->cand[w]; bits; bits &= bits - 1) {
			struct match_pattern *p;

			i = w * 64 + (size_t)__builtin_ctzll(bits);
			p = &m->patterns[i];
			/* A line without all of an alternative's literals cannot match. */
			if (p->req != NULL && !match_has_required(m, p->req, line, len, &have))
				continue;
			m->runs++;
			rc = match_run(m, match_code(p), line, len);
			if (rc < 0 && *gave_up == NULL)
				*gave_up = p->symptom;
			if (rc > 0) {
				m->hits[n].article = p->article;
				m->hits[n].symptom = p->symptom;
				primary |= p->symptom->role == KB_ROLE_PRIMARY;
				n++;
			}
		}
	}
	/* A fallback (a generic text) yields to any specific article's line. */
	if (primary) {
		for (i = kept = 0; i < n; i++)
			if (m->hits[i].symptom->role != KB_ROLE_FALLBACK)
				m->hits[kept++] = m->hits[i];
		n = kept;
	}
	*hits = m->hits;
	return n;
}

int
match_symptom(struct matcher *m, const struct kb_symptom *s, const char *line,
    size_t len)
{
	size_t i;

	for (i = 0; i < m->npatterns; i++)
		if (m->patterns[i].symptom == s)
			return match_run(m, match_code(&m->patterns[i]), line, len);
	return 0;
}

int
match_symptom_once(struct matcher *m, const struct kb_symptom *s, const char *text,
    size_t len)
{
	size_t i;

	for (i = 0; i < m->npatterns; i++)
		if (m->patterns[i].symptom == s)
			return match_run(m, m->patterns[i].code, text, len);
	return 0;
}

static void
match_report(void (*on_problem)(void *, const char *), void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
match_report(void (*on_problem)(void *, const char *), void *arg, const char *fmt, ...)
{
	char msg[ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (on_problem)
		on_problem(arg, msg);
}

size_t
match_selftest(struct matcher *m, void (*on_problem)(void *arg, const char *msg),
    void *arg)
{
	size_t i, j, failures = 0;
	int rc;

	for (i = 0; i < m->npatterns; i++) {
		const struct match_pattern *p = &m->patterns[i];
		const struct kb_symptom *s = p->symptom;

		for (j = 0; j < s->nexamples; j++) {
			rc = match_run(m, p->code, s->examples[j], strlen(s->examples[j]));
			if (rc == 1)
				continue;
			failures++;
			match_report(on_problem, arg, "%s:%ld: %s symptom '%s': %s example "
			    "\"%s\"", s->file, s->line, p->article->id, s->id,
			    rc < 0 ? "pattern gives up (match limit) on" :
			    "pattern does not match", s->examples[j]);
		}
		for (j = 0; j < s->ncounters; j++) {
			rc = match_run(m, p->code, s->counters[j], strlen(s->counters[j]));
			if (rc == 0)
				continue;
			failures++;
			match_report(on_problem, arg, "%s:%ld: %s symptom '%s': %s "
			    "counter-example \"%s\"", s->file, s->line, p->article->id,
			    s->id, rc < 0 ? "pattern gives up (match limit) on" :
			    "pattern matches", s->counters[j]);
		}
	}
	return failures;
}

int
match_symptom_jit(struct matcher *m, const struct kb_symptom *s)
{
	size_t i;

	for (i = 0; i < m->npatterns; i++)
		if (m->patterns[i].symptom == s) {
			if (m->patterns[i].jit < 0)
				m->patterns[i].jit = pcre2_jit_compile(m->patterns[i].code,
				    PCRE2_JIT_COMPLETE) == 0;
			return m->patterns[i].jit;
		}
	return 0;
}

int
match_jit_available(void)
{
	uint32_t jit = 0;

	return pcre2_config(PCRE2_CONFIG_JIT, &jit) >= 0 && jit;
}

int
match_text(const char *pattern, int caseless, const char *s, size_t len,
    char err[ERR_LEN])
{
	pcre2_match_data *md;
	pcre2_code *code;
	int rc;

	if ((code = match_compile_one(pattern, caseless ? PCRE2_CASELESS : 0, err,
	    "pattern", NULL)) == NULL)
		return -1;
	if ((md = pcre2_match_data_create(1, NULL)) == NULL)
		xmem_oom(0);
	rc = pcre2_match(code, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	pcre2_code_free(code);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	return err_set(err, "pattern gives up on this text (error %d)", rc);
}

size_t
match_pattern_count(const struct matcher *m)
{
	return m->npatterns;
}

size_t
match_prefiltered_count(const struct matcher *m)
{
	return m->nprefiltered;
}

int
match_looks_like_error(const struct matcher *m)
{
	return m->error_word;
}

int
match_looks_like_delivery(const struct matcher *m)
{
	return m->delivery_word;
}

int
match_symptom_prefiltered(const struct matcher *m, const struct kb_symptom *s)
{
	size_t i;

	for (i = 0; i < m->npatterns; i++)
		if (m->patterns[i].symptom == s)
			return m->patterns[i].in_prefilter;
	return 0;
}
