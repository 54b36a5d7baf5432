/*
 * startup: how long libkbdiag takes to load, validate and compile a rule
 * base, inside one process (so without exec and dynamic linking, which a
 * whole `kbdiag` run adds). Prints the first (cold) run and the median of
 * the next ones, in milliseconds:
 *
 *   build/startup [--runs N] KBDIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb.h"
#include "match.h"

static double
startup_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
startup_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct kb_load_params p = { 0 };
	double *t, start;
	char err[ERR_LEN];
	int i, runs = 21;

	if (argc == 4 && strcmp(argv[1], "--runs") == 0) {
		runs = atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2 || runs < 2) {
		fputs("usage: startup [--runs N] KBDIR   (N at least 2)\n", stderr);
		return 2;
	}
	t = calloc((size_t)runs, sizeof(*t));
	if (t == NULL)
		return 1;
	p.dir = argv[1];
	for (i = 0; i < runs; i++) {
		struct kb *kb;
		struct matcher *m;

		start = startup_now();
		if (kb_load(&p, &kb, err) != 0 || match_compile(kb, &m, err) != 0) {
			fprintf(stderr, "startup: %s\n", err);
			return 1;
		}
		t[i] = startup_now() - start;
		match_free(m);
		kb_free(kb);
	}
	printf("%.1f ", t[0]);
	qsort(t + 1, (size_t)runs - 1, sizeof(*t), startup_cmp);
	printf("%.1f\n", t[1 + (runs - 1) / 2]);
	free(t);
	return 0;
}
