/*
 * pfbench: the candidate scan alone (issue 22). Loads the rule base, builds
 * the matcher's literal prefilter (prefilter.h), reads each log whole and
 * times, median of RUNS (5 unless --runs), wall and CPU time (the measure
 * when other work shares the cores):
 *
 *   line-IMPL   memchr splits the lines, prefilter_scan() on each (the
 *               per-line path), for each implementation the CPU has;
 *   block-IMPL  prefilter_lines() over the whole buffer;
 *   match_line  memchr splits the lines, match_line() on each: the whole
 *               matching (prefilter and PCRE2), with the lines that match
 *               and the PCRE2 runs;
 *   hs-lit      Vectorscan (when built with it: HAVE_HS) on the same
 *               literals, hs_compile_lit_multi() caseless, block mode over
 *               the whole buffer, every match marking its line.
 *
 * Every variant must report the same candidate lines (a mismatch exits 1).
 * It also counts, per input, the lines with a pattern's literal, with an
 * error or delivery word only, and (--words) per literal the lines it is
 * found in, most first.
 *
 *   pfbench [--runs N] [--words] KBDIR LOG...
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef HAVE_HS
#include <hs.h>
#endif

#include "kb.h"
#include "match.h"
#include "prefilter.h"
#include "util/buf.h"
#include "util/fileio.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the process: the measure when other work shares the cores. */
static double
cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "WALL s, MB/s; CPU MB/s" of the medians of runs (sorted here). */
static void
report(double *t, double *c, int runs, size_t bytes)
{
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	qsort(c, (size_t)runs, sizeof(*c), cmp_double);
	printf("%.3f s\t%.0f MB/s\tCPU %.0f MB/s", t[runs / 2],
	    (double)bytes / t[runs / 2] / 1e6, (double)bytes / c[runs / 2] / 1e6);
}


struct count {
	size_t		 lines;		/* reported */
	size_t		 pattern;	/* with a pattern id */
	size_t		 pairs;		/* pattern ids over all lines */
	size_t		 npat;		/* ids below npat are patterns' */
	size_t		 words;
	unsigned char	*mark;		/* per line start offset: reported (for hs) */
};

static int
on_line(void *arg, size_t off, size_t len, const uint64_t *ids)
{
	struct count *c = arg;
	size_t w, last, n = 0;

	(void)off;
	(void)len;
	c->lines++;
	for (w = 0; w * 64 < c->npat; w++) {
		uint64_t bits = ids[w];

		last = c->npat - w * 64;
		if (last < 64)
			bits &= (UINT64_C(1) << last) - 1;
		n += (size_t)__builtin_popcountll(bits);
	}
	c->pattern += n > 0;
	c->pairs += n;
	return 0;
}

/* The per-line path: memchr, then prefilter_scan() on each line. */
static void
per_line(struct prefilter *pf, const char *s, size_t len, struct count *c, uint64_t *ids)
{
	const char *p = s, *end = s + len, *nl;
	size_t words = prefilter_words(pf), w;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		memset(ids, 0, words * sizeof(*ids));
		prefilter_scan(pf, p, (size_t)(nl - p), ids);
		for (w = 0; w < words; w++)
			if (ids[w]) {
				on_line(c, (size_t)(p - s), (size_t)(nl - p), ids);
				break;
			}
		p = nl + 1;
	}
}

/* Does s hold lit (lower case), ignoring ASCII case? */
static int
contains_nocase(const char *s, size_t n, const char *lit, size_t len)
{
	size_t i, k;

	for (i = 0; i + len <= n; i++) {
		for (k = 0; k < len && tolower((unsigned char)s[i + k]) == (unsigned char)lit[k];
		    k++)
			;
		if (k == len)
			return 1;
	}
	return 0;
}

#ifdef HAVE_HS
struct hsctx {
	const char	*s;
	size_t		 len;
	unsigned char	*mark;	/* a byte per byte: the line starting there holds a match */
	size_t		 lines;
};

static int
hs_on_match(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *arg)
{
	struct hsctx *h = arg;
	size_t i = (size_t)to;

	(void)id;
	(void)from;
	(void)flags;
	/* the literal ends at to: its line starts after the last '\n' before it */
	while (i > 0 && h->s[i - 1] != '\n')
		i--;
	if (!h->mark[i]) {
		h->mark[i] = 1;
		h->lines++;
	}
	return 0;
}
#endif

int
main(int argc, char **argv)
{
	static const char *const impls[] = { "scalar", "ssse3", "avx2" };
	struct kb_load_params p = { 0 };
	int runs = 5, words = 0, a, r, k, rc = 0;
	struct matcher *m;
	struct prefilter *pf;
	char err[ERR_LEN];
	struct kb *kb;
	uint64_t *ids;
	double *t, *c;

	while (argc > 1 && argv[1][0] == '-') {
		if (strcmp(argv[1], "--runs") == 0 && argc > 2) {
			runs = atoi(argv[2]);
			argv += 2;
			argc -= 2;
		} else if (strcmp(argv[1], "--words") == 0) {
			words = 1;
			argv++;
			argc--;
		} else
			break;
	}
	if (argc < 3 || runs < 1) {
		fputs("usage: pfbench [--runs N] [--words] KBDIR LOG...\n", stderr);
		return 2;
	}
	p.dir = argv[1];
	if (kb_load(&p, &kb, err) != 0 || match_compile(kb, &m, err) != 0) {
		fprintf(stderr, "pfbench: %s\n", err);
		return 1;
	}
	pf = match_prefilter(m);
	ids = calloc(prefilter_words(pf), sizeof(*ids));
	t = calloc((size_t)runs, sizeof(*t));
	c = calloc((size_t)runs, sizeof(*c));
	printf("# %zu literals, %zu patterns (%zu with literals, every line: %s)\n",
	    prefilter_count(pf), match_pattern_count(m), match_prefiltered_count(m),
	    match_every_line(m) ? "some" : "none");
	for (a = 2; a < argc; a++) {
		struct buf fd = BUF_INIT;
		size_t lines = 0, want = (size_t)-1, i;
		const char *s;

		if (file_read_all(argv[a], &fd, (size_t)1 << 40, err) != 0) {
			fprintf(stderr, "pfbench: %s\n", err);
			return 1;
		}
		s = fd.data;
		for (i = 0; i < fd.len; i++)
			lines += s[i] == '\n';
		printf("%s\t%zu bytes\t%zu lines\n", argv[a], fd.len, lines);
		for (k = 0; k < 2 * 3; k++) {
			struct count cn;

			if (prefilter_use(pf, impls[k % 3]) != 0)
				continue;
			for (r = 0; r < runs; r++) {
				memset(&cn, 0, sizeof(cn));
				cn.npat = match_pattern_count(m);
				t[r] = now();
				c[r] = cpu();
				if (k < 3)
					per_line(pf, s, fd.len, &cn, ids);
				else
					prefilter_lines(pf, s, fd.len, on_line, &cn);
				t[r] = now() - t[r];
				c[r] = cpu() - c[r];
			}
			printf("  %s-%s\t", k < 3 ? "line" : "block", impls[k % 3]);
			report(t, c, runs, fd.len);
			printf("\t%zu candidate lines (%zu by a pattern's literal, %zu patterns "
			    "in all)\n", cn.lines, cn.pattern, cn.pairs);
			if (want == (size_t)-1)
				want = cn.lines;
			else if (want != cn.lines) {
				printf("  MISMATCH: %zu against %zu\n", cn.lines, want);
				rc = 1;
			}
		}
		/* The whole matching: match_line() on every line. */
		for (r = 0; r < runs; r++) {
			const char *q = s, *end = s + fd.len, *nl;
			const struct kb_symptom *gave_up;
			const struct match_hit *hits;
			unsigned long long before = match_line_runs(m);
			size_t hit_lines = 0;

			t[r] = now();
			c[r] = cpu();
			while (q < end) {
				nl = memchr(q, '\n', (size_t)(end - q));
				if (nl == NULL)
					nl = end;
				hit_lines += match_line(m, q, (size_t)(nl - q), &hits, &gave_up) > 0;
				q = nl + 1;
			}
			t[r] = now() - t[r];
			c[r] = cpu() - c[r];
			if (r == runs - 1) {
				printf("  match_line\t");
				report(t, c, runs, fd.len);
				printf("\t%zu lines match, %llu PCRE2 runs\n", hit_lines,
				    match_line_runs(m) - before);
			}
		}
#ifdef HAVE_HS
		{
			size_t n = prefilter_count(pf), len;
			const char **exprs = calloc(n, sizeof(*exprs));
			size_t *lens = calloc(n, sizeof(*lens));
			unsigned *flags = calloc(n, sizeof(*flags)), *hids = calloc(n, sizeof(*hids));
			hs_database_t *db = NULL;
			hs_compile_error_t *cerr = NULL;
			hs_scratch_t *scratch = NULL;
			struct hsctx h;

			for (i = 0; i < n; i++) {
				exprs[i] = prefilter_literal(pf, i, &len);
				lens[i] = len;
				flags[i] = HS_FLAG_CASELESS;
				hids[i] = (unsigned)i;
			}
			if (hs_compile_lit_multi(exprs, flags, hids, lens, (unsigned)n, HS_MODE_BLOCK,
			    NULL, &db, &cerr) != HS_SUCCESS || hs_alloc_scratch(db, &scratch) !=
			    HS_SUCCESS) {
				fprintf(stderr, "pfbench: vectorscan: %s\n", cerr ? cerr->message : "?");
				return 1;
			}
			h.mark = calloc(fd.len + 1, 1);
			for (r = 0; r < runs; r++) {
				memset(h.mark, 0, fd.len + 1);
				h.s = s;
				h.len = fd.len;
				h.lines = 0;
				t[r] = now();
				c[r] = cpu();
				hs_scan(db, s, (unsigned)fd.len, 0, scratch, hs_on_match, &h);
				t[r] = now() - t[r];
				c[r] = cpu() - c[r];
			}
			printf("  hs-lit\t");
			report(t, c, runs, fd.len);
			printf("\t%zu candidate lines\n", h.lines);
			if (h.lines != want) {
				printf("  MISMATCH: %zu against %zu\n", h.lines, want);
				rc = 1;
			}
			free(h.mark);
			hs_free_scratch(scratch);
			hs_free_database(db);
			free(exprs);
			free(lens);
			free(flags);
			free(hids);
		}
#endif
		if (words) {
			size_t n = prefilter_count(pf), len;
			size_t *per = calloc(n, sizeof(*per));
			const char *q = s, *end = s + fd.len, *nl;

			while (q < end) {
				nl = memchr(q, '\n', (size_t)(end - q));
				if (nl == NULL)
					nl = end;
				for (i = 0; i < n; i++) {
					const char *lit = prefilter_literal(pf, i, &len);

					if (contains_nocase(q, (size_t)(nl - q), lit, len))
						per[i]++;
				}
				q = nl + 1;
			}
			for (i = 0; i < n; i++)
				if (per[i]) {
					const char *lit = prefilter_literal(pf, i, &len);

					printf("  word\t%zu\t%.*s\n", per[i], (int)len, lit);
				}
			free(per);
		}
		buf_free(&fd);
	}
	free(ids);
	free(t);
	free(c);
	match_free(m);
	kb_free(kb);
	return rc;
}
