/*
 * naive: the naive peer of the log-ingestion benchmark (tests/bench/run.sh).
 * It does what a first attempt at kbdiag's matcher would do: compile every
 * pattern with PCRE2 (caseless, JIT), read the log line by line and try
 * every pattern on every line.
 *
 *   naive PATTERNS [LOG|-]
 *
 * PATTERNS holds one PCRE2 pattern a line, as `kbdiag kb patterns` prints
 * them. The output is one line per pattern, "COUNT<TAB>PATTERN", COUNT being
 * the number of log lines it matched, then "matched<TAB>N", the number of
 * lines that any pattern matched, and "lines<TAB>N". Exit status: 0,
 * or 2 for bad usage or a pattern that does not compile, 3 when a file
 * cannot be read or the output cannot be written.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

struct pattern {
	char		*text;
	pcre2_code	*code;
	unsigned long long count;
};

static void
usage(FILE *to)
{
	fputs("Usage: naive PATTERNS [LOG|-]\n"
	    "Count the log lines each PCRE2 pattern of PATTERNS (one a line) matches,\n"
	    "trying every pattern on every line. The log is standard input when\n"
	    "LOG is - or missing.\n", to);
}

/* Read and compile the patterns; 0, or -1 after a message. */
static int
load_patterns(const char *path, struct pattern **out, size_t *nout)
{
	struct pattern *p = NULL;
	size_t n = 0, cap = 0, lineno = 0, len;
	char *line = NULL, msg[256];
	size_t linecap = 0;
	ssize_t got;
	PCRE2_SIZE erroff;
	int errcode, rc = -1;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		fprintf(stderr, "naive: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((got = getline(&line, &linecap, f)) >= 0) {
		lineno++;
		len = (size_t)got;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((p = realloc(p, cap * sizeof(*p))) == NULL) {
				fprintf(stderr, "naive: out of memory\n");
				goto out;
			}
		}
		p[n].count = 0;
		p[n].code = pcre2_compile((PCRE2_SPTR)line, len, PCRE2_CASELESS,
		    &errcode, &erroff, NULL);
		if (p[n].code == NULL) {
			pcre2_get_error_message(errcode, (PCRE2_UCHAR *)msg, sizeof(msg));
			fprintf(stderr, "naive: %s:%zu: offset %zu: %s\n", path, lineno,
			    (size_t)erroff, msg);
			goto out;
		}
		/* Without JIT (a platform without it) pcre2_match interprets. */
		(void)pcre2_jit_compile(p[n].code, PCRE2_JIT_COMPLETE);
		if ((p[n].text = strndup(line, len)) == NULL) {
			pcre2_code_free(p[n].code);
			fprintf(stderr, "naive: out of memory\n");
			goto out;
		}
		n++;
	}
	if (ferror(f)) {
		fprintf(stderr, "naive: %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (n == 0) {
		fprintf(stderr, "naive: %s: no patterns\n", path);
		goto out;
	}
	rc = 0;
out:
	if (rc != 0) {
		while (n > 0) {
			n--;
			pcre2_code_free(p[n].code);
			free(p[n].text);
		}
		free(p);
		p = NULL;
	}
	free(line);
	fclose(f);
	*out = p;
	*nout = n;
	return rc;
}

int
main(int argc, char **argv)
{
	struct pattern *pats;
	pcre2_match_data *md;
	const char *logpath;
	unsigned long long lines = 0, matched = 0;
	size_t npats, i, len, linecap = 0;
	int any;
	char *line = NULL;
	ssize_t got;
	FILE *log;
	int rc = 0;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc < 2 || argc > 3) {
		usage(stderr);
		return 2;
	}
	if (load_patterns(argv[1], &pats, &npats) != 0)
		return 2;
	logpath = argc == 3 ? argv[2] : "-";
	if (strcmp(logpath, "-") == 0)
		log = stdin;
	else if ((log = fopen(logpath, "r")) == NULL) {
		fprintf(stderr, "naive: %s: %s\n", logpath, strerror(errno));
		return 3;
	}
	if ((md = pcre2_match_data_create(1, NULL)) == NULL) {
		fprintf(stderr, "naive: out of memory\n");
		return 3;
	}
	while ((got = getline(&line, &linecap, log)) >= 0) {
		lines++;
		len = (size_t)got;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		any = 0;
		for (i = 0; i < npats; i++)
			if (pcre2_match(pats[i].code, (PCRE2_SPTR)line, len, 0, 0, md,
			    NULL) >= 0) {
				pats[i].count++;
				any = 1;
			}
		matched += (unsigned long long)any;
	}
	if (ferror(log)) {
		fprintf(stderr, "naive: %s: %s\n", logpath, strerror(errno));
		rc = 3;
	}
	for (i = 0; i < npats; i++) {
		printf("%llu\t%s\n", pats[i].count, pats[i].text);
		pcre2_code_free(pats[i].code);
		free(pats[i].text);
	}
	printf("matched\t%llu\nlines\t%llu\n", matched, lines);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "naive: writing the counts: %s\n", strerror(errno));
		rc = 3;
	}
	pcre2_match_data_free(md);
	free(pats);
	free(line);
	if (log != stdin)
		fclose(log);
	return rc;
}
