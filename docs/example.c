/*
 * example.c: a program that embeds libkbdiag (docs/api.md).
 *
 *   cc -o example example.c $(pkg-config --cflags --libs kbdiag)
 *   ./example smtpgate.log ['Error (119) Network Write Error']
 *
 * It diagnoses the log, prints each incident with its best cause and its
 * first step, ranks the articles for an error text, and writes the whole
 * diagnosis as Markdown to example.md. The test suite builds it against the
 * installed library with pkg-config alone and checks what it prints
 * (tests/install.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kbdiag.h>

int
main(int argc, char **argv)
{
	char err[KBDIAG_ERR_LEN];
	struct kbdiag_kb *kb = NULL;
	struct kbdiag_result *res = NULL;
	struct kbdiag_query *q = NULL;
	const char *text;
	char *md = NULL;
	size_t i, len;
	FILE *f;
	int rc = 1;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: example LOG [ERROR-TEXT]\n");
		return 2;
	}
	if (kbdiag_api_version() / 1000 != KBDIAG_API_MAJOR) {
		fprintf(stderr, "example: built for libkbdiag %d, running with %d\n",
		    KBDIAG_API_VERSION, kbdiag_api_version());
		return 1;
	}
	/* NULL: the installed rule base (or $KBDIAG_KB). */
	if (kbdiag_kb_load(NULL, &kb, err) != 0) {
		fprintf(stderr, "example: %s\n", err);
		return 1;
	}
	printf("libkbdiag %s, rule base %s: %zu articles\n", kbdiag_version(),
	    kbdiag_kb_dir(kb), kbdiag_kb_article_count(kb));

	/* No KBDIAG_PROBE: nothing is contacted, only the log is read. */
	if (kbdiag_diagnose_files(kb, (const char *const *)&argv[1], 1, NULL, 0, &res,
	    err) != 0) {
		fprintf(stderr, "example: %s\n", err);
		goto out;
	}
	if (kbdiag_result_input_errors(res) > 0) {
		fprintf(stderr, "example: %s\n", kbdiag_result_input_error(res, 0));
		goto out;
	}
	printf("%llu lines, %zu incidents\n", kbdiag_result_lines(res),
	    kbdiag_result_incident_count(res));
	for (i = 0; i < kbdiag_result_incident_count(res); i++) {
		const struct kbdiag_incident *inc = kbdiag_result_incident(res, i);
		const struct kbdiag_cause *c = kbdiag_incident_cause(inc, 0);
		const struct kbdiag_step *s = kbdiag_incident_step(inc, 0);

		printf("%s x%lu at %s port %u, phase %s: %s\n", kbdiag_incident_article(inc),
		    kbdiag_incident_count(inc), kbdiag_incident_peer_host(inc),
		    kbdiag_incident_peer_port(inc), kbdiag_incident_phase(inc),
		    kbdiag_incident_error(inc));
		if (c != NULL)
			printf("  cause: %s (%.0f%%)\n", kbdiag_cause_id(c),
			    100 * kbdiag_cause_confidence(c));
		if (s != NULL)
			printf("  step %u: %.60s...\n", kbdiag_step_number(s), kbdiag_step_text(s));
	}

	text = argc == 3 ? argv[2] : "Error (119) Network Write Error";
	if (kbdiag_query(kb, text, strlen(text), &q, err) != 0) {
		fprintf(stderr, "example: %s\n", err);
		goto out;
	}
	for (i = 0; i < kbdiag_query_count(q) && i < 3; i++)
		printf("query: %s %.2f %s\n", kbdiag_query_article(q, i), kbdiag_query_score(q, i),
		    kbdiag_query_title(q, i));

	if (kbdiag_result_render(res, "markdown", 0, &md, &len, err) != 0) {
		fprintf(stderr, "example: %s\n", err);
		goto out;
	}
	if ((f = fopen("example.md", "w")) == NULL || fwrite(md, 1, len, f) != len ||
	    fclose(f) != 0) {
		perror("example: example.md");
		goto out;
	}
	printf("example.md: %zu bytes\n", len);
	rc = 0;
out:
	free(md);
	kbdiag_query_free(q);
	kbdiag_result_free(res);
	kbdiag_kb_free(kb);
	return rc;
}
