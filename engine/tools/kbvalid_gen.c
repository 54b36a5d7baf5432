/*
 * kbvalid_gen: write the table of kbvalid.h for a rule base.
 *
 *   kbvalid_gen KBDIR > kbvalid.c
 *
 * Loads KBDIR with every document validated (kb_load_params.validate_all)
 * and writes, as C, the SHA-256 of its schema and of every document the
 * schema validated, sorted. The build runs it on the rule base it ships
 * (Makefile, $(BUILD)/kbvalid.c), linked with an empty table. A rule base
 * that does not load gives an empty table (and the reason on standard
 * error): then every document is validated at each load, as without it.
 */
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb.h"
#include "kbvalid.h"

struct gen {
	unsigned char	(*d)[KBVALID_DIGEST];
	size_t		 n, cap;
};

static void
gen_valid(void *arg, const char *path, const unsigned char sha256[KBVALID_DIGEST])
{
	struct gen *g = arg;

	(void)path;
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 256;
		if ((g->d = realloc(g->d, g->cap * sizeof(*g->d))) == NULL) {
			perror("kbvalid_gen");
			exit(4);
		}
	}
	memcpy(g->d[g->n++], sha256, KBVALID_DIGEST);
}

static int
gen_cmp(const void *a, const void *b)
{
	return memcmp(a, b, KBVALID_DIGEST);
}

static void
gen_print(const unsigned char *d)
{
	size_t k;

	fputs("{", stdout);
	for (k = 0; k < KBVALID_DIGEST; k++)
		printf("%s0x%02x", k ? "," : "", d[k]);
	fputs("}", stdout);
}

int
main(int argc, char **argv)
{
	struct kb_load_params p = { 0 };
	struct gen g = { NULL, 0, 0 };
	unsigned char schema[KBVALID_DIGEST] = { 0 };
	char err[ERR_LEN], path[4096];
	struct kb *kb = NULL;
	size_t i;

	if (argc != 2) {
		fputs("usage: kbvalid_gen KBDIR > kbvalid.c\n", stderr);
		return 2;
	}
	p.dir = argv[1];
	p.validate_all = 1;
	p.on_valid = gen_valid;
	p.arg = &g;
	if (kb_load(&p, &kb, err) != 0) {
		fprintf(stderr, "kbvalid_gen: %s: the table stays empty\n", err);
		g.n = 0;
	} else {
		FILE *f;
		struct sha256_ctx c;
		char chunk[4096];
		size_t n;

		snprintf(path, sizeof(path), "%s/schema/kb.rng", argv[1]);
		if ((f = fopen(path, "rb")) == NULL) {
			perror(path);
			return 1;
		}
		sha256_init(&c);
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			sha256_update(&c, n, (const uint8_t *)chunk);
		fclose(f);
		sha256_digest(&c, KBVALID_DIGEST, schema);
		qsort(g.d, g.n, KBVALID_DIGEST, gen_cmp);
	}
	puts("/* Written by engine/tools/kbvalid_gen.c: do not edit (kbvalid.h). */");
	puts("#include \"kbvalid.h\"\n");
	fputs("const unsigned char kbvalid_schema[KBVALID_DIGEST] =\n\t", stdout);
	gen_print(schema);
	fputs(";\n\nconst unsigned char kbvalid_docs[][KBVALID_DIGEST] = {\n", stdout);
	for (i = 0; i < g.n || (i == 0 && g.n == 0); i++) {
		/* C wants one element at least; kbvalid_ndocs says how many count */
		fputs("\t", stdout);
		gen_print(g.n ? g.d[i] : schema);
		fputs(",\n", stdout);
	}
	printf("};\n\nconst size_t kbvalid_ndocs = %zu;\n", g.n);
	kb_free(kb);
	free(g.d);
	return 0;
}
