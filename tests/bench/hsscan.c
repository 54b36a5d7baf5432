/*
 * hsscan: the Vectorscan (Hyperscan) peer of the ingestion benchmark, and a
 * measure of what finding candidates over whole buffers costs. It compiles
 * every pattern of a file (one a line, as `kbdiag kb patterns` writes them)
 * in Vectorscan's prefilter mode, caseless, scans the log in blocks of
 * whole lines (4 MiB), and confirms each candidate line with PCRE2 (the
 * same pattern, caseless, JIT), as Suricata does. Prints the lines that any
 * pattern matched, and the candidate lines Vectorscan reported:
 *
 *   build/hsscan PATTERNS LOG
 *   59234 lines (61012 candidates)
 *
 * --no-confirm counts the candidate lines only (Vectorscan alone).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <fcntl.h>
#include <hs.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BLOCK	(4u << 20)

struct scan {
	const char		*buf;
	size_t			 len;
	pcre2_code		**codes;
	pcre2_match_data	*md;
	int			 confirm;
	unsigned char		*counted;	/* per byte of the block: a line start counted */
	unsigned char		*candidate;	/* ... a candidate line */
	unsigned long long	 lines, cands;
};

/* A bit per byte offset of the block; matches may come in any order. */
#define BIT_SET(a, i)	((a)[(i) / 8] |= (unsigned char)(1u << ((i) % 8)))
#define BIT_GET(a, i)	((a)[(i) / 8] >> ((i) % 8) & 1u)

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to,
    unsigned int flags, void *arg)
{
	struct scan *s = arg;
	size_t start, end;
	const char *nl;

	(void)from;
	(void)flags;
	if (to > s->len)
		to = s->len;
	/* the line holding the match's end (a match ending at a line end: that line) */
	for (start = to; start > 0 && s->buf[start - 1] != '\n'; start--)
		;
	if (start == to && start > 0) {
		for (start--; start > 0 && s->buf[start - 1] != '\n'; start--)
			;
	}
	if (BIT_GET(s->counted, start))
		return 0;
	nl = memchr(s->buf + start, '\n', s->len - start);
	end = nl ? (size_t)(nl - s->buf) : s->len;
	if (!BIT_GET(s->candidate, start)) {
		BIT_SET(s->candidate, start);
		s->cands++;
	}
	if (s->confirm && pcre2_match(s->codes[id], (PCRE2_SPTR)s->buf + start, end - start,
	    0, 0, s->md, NULL) < 0)
		return 0;
	BIT_SET(s->counted, start);
	s->lines++;
	return 0;
}

static double
hs_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	char **pats = NULL, *line = NULL, *block;
	unsigned *flags, *ids, n = 0, cap = 0, i;
	size_t linecap = 0, have = 0, cut;
	ssize_t r;
	hs_database_t *db;
	hs_compile_error_t *cerr;
	hs_scratch_t *scratch = NULL;
	struct scan s = { 0 };
	FILE *pf;
	int fd, argi = 1;
	double t0, t1, t2;

	s.confirm = 1;
	if (argc > 1 && strcmp(argv[1], "--no-confirm") == 0) {
		s.confirm = 0;
		argi++;
	}
	if (argc - argi != 2) {
		fputs("usage: hsscan [--no-confirm] PATTERNS LOG\n", stderr);
		return 2;
	}
	if ((pf = fopen(argv[argi], "r")) == NULL) {
		perror(argv[argi]);
		return 2;
	}
	while ((r = getline(&line, &linecap, pf)) > 0) {
		if (line[r - 1] == '\n')
			line[--r] = '\0';
		if (r == 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			pats = realloc(pats, cap * sizeof(*pats));
		}
		pats[n++] = strdup(line);
	}
	fclose(pf);
	flags = calloc(n, sizeof(*flags));
	ids = calloc(n, sizeof(*ids));
	s.codes = calloc(n, sizeof(*s.codes));
	for (i = 0; i < n; i++) {
		int ec;
		PCRE2_SIZE off;

		/* MULTILINE: ^ and $ at every line of the block, as on one line */
		flags[i] = HS_FLAG_CASELESS | HS_FLAG_PREFILTER | HS_FLAG_ALLOWEMPTY |
		    HS_FLAG_MULTILINE;
		ids[i] = i;
		s.codes[i] = pcre2_compile((PCRE2_SPTR)pats[i], PCRE2_ZERO_TERMINATED,
		    PCRE2_CASELESS | PCRE2_NEVER_UTF, &ec, &off, NULL);
		if (s.codes[i] == NULL) {
			fprintf(stderr, "hsscan: pattern %u does not compile (PCRE2)\n", i + 1);
			return 1;
		}
		pcre2_jit_compile(s.codes[i], PCRE2_JIT_COMPLETE);
	}
	t0 = hs_now();
	if (hs_compile_multi((const char *const *)pats, flags, ids, n, HS_MODE_BLOCK, NULL,
	    &db, &cerr) != HS_SUCCESS) {
		fprintf(stderr, "hsscan: pattern %d: %s\n", cerr->expression + 1, cerr->message);
		return 1;
	}
	if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS)
		return 1;
	s.md = pcre2_match_data_create(1, NULL);
	t1 = hs_now();
	if ((fd = open(argv[argi + 1], O_RDONLY)) < 0) {
		perror(argv[argi + 1]);
		return 2;
	}
	block = malloc(BLOCK);
	s.counted = malloc(BLOCK / 8 + 1);
	s.candidate = malloc(BLOCK / 8 + 1);
	for (;;) {
		r = read(fd, block + have, BLOCK - have);
		if (r < 0)
			return 1;
		have += (size_t)r;
		if (have == 0)
			break;
		/* whole lines only; the rest starts the next block */
		cut = have;
		if (r > 0) {
			while (cut > 0 && block[cut - 1] != '\n')
				cut--;
			if (cut == 0)
				cut = have;	/* a line longer than a block */
		}
		s.buf = block;
		s.len = cut;
		memset(s.counted, 0, BLOCK / 8 + 1);
		memset(s.candidate, 0, BLOCK / 8 + 1);
		if (hs_scan(db, block, (unsigned)cut, 0, scratch, on_match, &s) != HS_SUCCESS)
			return 1;
		memmove(block, block + cut, have - cut);
		have -= cut;
		if (r == 0 && have == 0)
			break;
	}
	close(fd);
	t2 = hs_now();
	printf("%llu lines (%llu candidates)\n", s.lines, s.cands);
	fprintf(stderr, "hsscan: compile %.1f ms, scan %.1f ms\n", t1 - t0, t2 - t1);
	return 0;
}
