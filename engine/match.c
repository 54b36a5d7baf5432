#define PCRE2_CODE_UNIT_WIDTH 8

#include "match.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

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
 * matcher's second prefilter (req_pf), which holds every such literal of
 * every pattern once.
 */
struct match_req {
	size_t		n;
	size_t		nreq[PATTERN_BRANCH_MAX];
	uint16_t	id[PATTERN_BRANCH_MAX][PATTERN_REQ_MAX];
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
	struct prefilter	*req_pf;	/* the required literals (match_req) */
	uint64_t		*req_bits;	/* those in this line */
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

/*
 * Does the line hold every literal one of the alternatives requires? bits:
 * the required literals found in it (req_pf), filled on the first call for
 * the line (*have 0).
 */
static int
match_has_required(struct matcher *m, const struct match_req *req, const char *s,
    size_t len, int *have)
{
	size_t b, j, id;

	if (!*have) {
		memset(m->req_bits, 0, prefilter_words(m->req_pf) * sizeof(*m->req_bits));
		prefilter_scan(m->req_pf, s, len, m->req_bits);
		*have = 1;
	}
	for (b = 0; b < req->n; b++) {
		for (j = 0; j < req->nreq[b]; j++) {
			id = req->id[b][j];
			if (!(m->req_bits[id / 64] >> (id % 64) & 1))
				break;
		}
		if (j == req->nreq[b])
			return 1;
	}
	return 0;
}

/*
 * Number the literals each pattern's alternatives require (pattern_required())
 * and put them in req_pf, each once. A pattern with more literals than the
 * numbering holds simply has no such check.
 */
static void
match_build_required(struct matcher *m)
{
	struct pattern_required *all = xcalloc(m->npatterns ? m->npatterns : 1, sizeof(*all));
	struct strmap *ids = strmap_new();
	size_t i, b, j, id, n = 0;
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

				if (!strmap_get(ids, t, strlen(t), &id))
					strmap_put(ids, t, strlen(t), n++);
			}
	}
	m->req_pf = prefilter_new(n > UINT16_MAX ? UINT16_MAX : n);
	m->req_bits = xcalloc(prefilter_words(m->req_pf) + 1, sizeof(*m->req_bits));
	for (i = 0; i < m->npatterns; i++) {
		struct pattern_required *r = &all[i];
		struct match_req *q;

		if (!ok[i])
			continue;
		q = xcalloc(1, sizeof(*q));
		q->n = r->n;
		for (b = 0; b < r->n; b++) {
			q->nreq[b] = r->nreq[b];
			for (j = 0; j < r->nreq[b]; j++) {
				const char *t = r->req[b][j];

				(void)strmap_get(ids, t, strlen(t), &id);
				if (id >= UINT16_MAX) {		/* cannot happen with 130 patterns */
					free(q);
					q = NULL;
					break;
				}
				q->id[b][j] = (uint16_t)id;
				prefilter_add(m->req_pf, t, strlen(t), id);
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
match_setup(struct matcher *m)
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
	size_t i;

	c->patterns = xcalloc(m->npatterns ? m->npatterns : 1, sizeof(*c->patterns));
	c->hits = xcalloc(m->npatterns ? m->npatterns : 1, sizeof(*c->hits));
	for (i = 0; i < m->npatterns; i++) {
		c->patterns[i] = m->patterns[i];
		c->patterns[i].in_prefilter = 0;
		c->patterns[i].jit = -1;
		c->patterns[i].runs = 0;
		if ((c->patterns[i].code = pcre2_code_copy(m->patterns[i].code)) == NULL)
			xmem_oom(0);
		c->npatterns++;
	}
	match_setup(c);
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
		free(m->patterns[i].req);
	}
	prefilter_free(m->pf);
	prefilter_free(m->req_pf);
	free(m->req_bits);
	free(m->always);
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
