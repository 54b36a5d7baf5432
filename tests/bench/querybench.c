/*
 * querybench: `kbdiag query` speed with the full rule base, inside one
 * process: the start-up (load, validate, compile, index) on its own, then every
 * query of the evaluation set (tests/cases/query-eval.tsv) run ROUNDS
 * times. Prints one line of numbers for tests/bench/query.sh:
 *
 *   startup_ms queries runs median_us p90_us max_us queries_per_second
 *
 *   build/querybench [--rounds N] KBDIR EVAL.tsv
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "kb.h"
#include "match.h"
#include "query.h"

static double
qb_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int
qb_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The QUERY column (the last) of each data line, with "\n" made a line break. */
static char **
qb_load(const char *path, size_t *n)
{
	char line[65536], **v = NULL, *q, *t;
	size_t cap = 0;
	FILE *f = fopen(path, "r");

	*n = 0;
	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0' || (t = strrchr(line, '\t')) == NULL)
			continue;
		q = strdup(t + 1);
		for (t = q; (t = strstr(t, "\\n")) != NULL;) {
			*t = '\n';
			memmove(t + 1, t + 2, strlen(t + 2) + 1);
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
		}
		v[(*n)++] = q;
	}
	fclose(f);
	return v;
}

int
main(int argc, char **argv)
{
	struct kb_load_params p = { 0 };
	struct query_index *ix;
	struct matcher *m;
	struct kb *kb;
	char err[ERR_LEN], **queries;
	double start, startup, *t, total = 0;
	size_t nq, i, r, k = 0, rounds = 20;

	if (argc == 5 && strcmp(argv[1], "--rounds") == 0) {
		rounds = (size_t)atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 3 || rounds == 0) {
		fputs("usage: querybench [--rounds N] KBDIR EVAL.tsv\n", stderr);
		return 2;
	}
	start = qb_now();
	p.dir = argv[1];
	if (kb_load(&p, &kb, err) != 0 || match_compile(kb, &m, err) != 0) {
		fprintf(stderr, "querybench: %s\n", err);
		return 1;
	}
	ix = query_index_new(kb);
	startup = (qb_now() - start) / 1e3;
	if ((queries = qb_load(argv[2], &nq)) == NULL || nq == 0) {
		fprintf(stderr, "querybench: %s: no queries\n", argv[2]);
		return 1;
	}
	t = calloc(nq * rounds, sizeof(*t));
	for (r = 0; r < rounds; r++)
		for (i = 0; i < nq; i++) {
			struct query_results *q;

			start = qb_now();
			q = query_ask(ix, m, queries[i], strlen(queries[i]));
			t[k] = qb_now() - start;
			total += t[k++];
			query_free(q);
		}
	qsort(t, k, sizeof(*t), qb_cmp);
	printf("%.1f %zu %zu %.0f %.0f %.0f %.0f\n", startup, nq, k, t[k / 2], t[k * 9 / 10],
	    t[k - 1], (double)k / (total / 1e6));
	for (i = 0; i < nq; i++)
		free(queries[i]);
	free(queries);
	free(t);
	query_index_free(ix);
	match_free(m);
	kb_free(kb);
	return 0;
}
