/*
 * kbdiag kb lint|test|list|show ID|patterns: the rule base checked
 * (lint.h), its examples run, listed, one article shown, its patterns
 * printed for grep -f and the like.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb.h"
#include "lint.h"
#include "match.h"
#include "pattern.h"

/*
 * kb patterns: every pattern tried on log lines, once each, one per line. A
 * pattern with no ERE form is left out with a warning.
 */
static void
kb_patterns(const struct kb *kb, int ere, struct buf *out)
{
	struct buf seen = BUF_INIT, one = BUF_INIT;
	char err[ERR_LEN];
	size_t i, j;

	buf_putc(&seen, '\n');
	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *a = kb_article_at(kb, i);

		for (j = 0; j < a->nsymptoms; j++) {
			const struct kb_symptom *s = &a->symptoms[j];

			if (s->role == KB_ROLE_DESCRIPTION)
				continue;
			buf_reset(&one);
			buf_putc(&one, '\n');
			if (!ere)
				buf_puts(&one, s->pattern);
			else if (pattern_to_ere(s->pattern, &one, err) != 0) {
				fprintf(stderr, "kbdiag: %s symptom '%s': left out: %s\n", a->id,
				    s->id, err);
				continue;
			}
			/* Patterns are one line each; a newline would split one in two. */
			if (strchr(buf_str(&one) + 1, '\n'))
				continue;
			buf_putc(&one, '\n');
			/* seen is "\nP1\nP2\n": one, "\nP\n", is in it once printed. */
			if (strstr(buf_str(&seen), buf_str(&one)) == NULL) {
				buf_append(&seen, one.data + 1, one.len - 1);
				buf_append(out, one.data + 1, one.len - 1);
			}
		}
	}
	buf_free(&one);
	buf_free(&seen);
}

static int
kb_lint(const struct options *o, struct kb *kb, struct matcher *m, const char *id,
    struct buf *out)
{
	struct lint_backtrack_stats bs;
	size_t failures;

	(void)o, (void)id;
	failures = lint_check(kb, m, cli_print_problem, NULL);
	failures += lint_backtracking(kb, cli_print_problem, NULL, &bs);
	if (failures > 0) {
		fprintf(stderr, "kbdiag: %s: invalid: %zu %s\n", kb_dir(kb), failures,
		    failures == 1 ? "problem" : "problems");
		return EXIT_BADINPUT;
	}
	buf_printf(out, "%s: valid: %zu articles, %zu causes, %zu patterns, "
	    "%zu evidence sources, %zu overlaps, %zu peers, %zu fixes; no "
	    "pattern backtracks catastrophically (%zu crafted lines, %.1f s)\n",
	    kb_dir(kb), kb_article_count(kb), kb_cause_count(kb),
	    match_pattern_count(m), kb_source_count(kb), kb_overlap_count(kb),
	    kb_peer_count(kb), kb_fix_count(kb), bs.lines, bs.usec / 1e6);
	return EXIT_FOUND;
}

static int
kb_test(const struct options *o, struct kb *kb, struct matcher *m, const char *id,
    struct buf *out)
{
	struct lint_article *report;
	struct lint_totals totals;
	char err[ERR_LEN];
	size_t failures;
	int rc = EXIT_FOUND;

	(void)id;
	failures = lint_test(kb, m, cli_print_problem, NULL, &report, &totals);
	if (render_kb_test(kb, report, &totals, o->format, out, err) != 0)
		rc = cli_usage_error("%s", err);	/* a format it does not support */
	else if (failures)
		rc = EXIT_BADINPUT;
	free(report);
	return rc;
}

static int
kb_list(const struct options *o, struct kb *kb, struct matcher *m, const char *id,
    struct buf *out)
{
	char err[ERR_LEN];

	(void)m, (void)id;
	if (render_kb_list(kb, o->format, out, err) != 0)
		return cli_usage_error("%s", err);	/* a format it does not support */
	return EXIT_FOUND;
}

static int
kb_show(const struct options *o, struct kb *kb, struct matcher *m, const char *id,
    struct buf *out)
{
	const struct kb_article *a;
	char err[ERR_LEN];

	(void)m;
	if ((a = kb_find_article(kb, id)) == NULL) {
		fprintf(stderr, "kbdiag: no article %s in the rule base %s (see 'kbdiag kb "
		    "list')\n", id, kb_dir(kb));
		return EXIT_NOTHING;
	}
	if (render_kb_article(kb, a, o->format, out, err) != 0)
		return cli_usage_error("%s", err);	/* a format it does not support */
	return EXIT_FOUND;
}

static int
kb_print_patterns(const struct options *o, struct kb *kb, struct matcher *m,
    const char *id, struct buf *out)
{
	(void)m, (void)id;
	kb_patterns(kb, o->ere, out);
	return EXIT_FOUND;
}

/*
 * The subcommands, in the order the usage errors name them: whether one
 * takes an article id (kb show ID), or checks the whole rule base, every
 * problem said (kb lint); what it writes to out, and its exit code.
 */
static const struct {
	const char	*name;
	int		 takes_id;
	int		 lint;
	int		(*run)(const struct options *o, struct kb *kb, struct matcher *m,
			    const char *id, struct buf *out);
} subcommands[] = {
	{ "lint", 0, 1, kb_lint },
	{ "test", 0, 0, kb_test },
	{ "list", 0, 0, kb_list },
	{ "show", 1, 0, kb_show },
	{ "patterns", 0, 0, kb_print_patterns },
};

#define NSUBCOMMANDS	(sizeof(subcommands) / sizeof(subcommands[0]))

/* The subcommands in words into names ("lint, test ... or patterns"), with
 * " ID" after those that take one when with_id; buf_str(names). */
static const char *
subcommand_names(struct buf *names, int with_id)
{
	size_t i;

	for (i = 0; i < NSUBCOMMANDS; i++) {
		cli_list_item(names, i, NSUBCOMMANDS, subcommands[i].name);
		if (with_id && subcommands[i].takes_id)
			buf_puts(names, " ID");
	}
	return buf_str(names);
}

static int
kb_main(const struct options *o, char **args, int nargs)
{
	struct buf out = BUF_INIT;
	struct matcher *m = NULL;
	struct kb *kb = NULL;
	size_t i;
	int rc;

	for (i = 0; nargs > 0 && i < NSUBCOMMANDS; i++)
		if (strcmp(args[0], subcommands[i].name) == 0)
			break;
	if (nargs < 1 || i == NSUBCOMMANDS) {
		rc = nargs < 1 ?
		    cli_usage_error("kb: give a subcommand: %s", subcommand_names(&out, 1)) :
		    cli_usage_error("kb: unknown subcommand '%s' (use %s)", args[0],
		    subcommand_names(&out, 0));
		buf_free(&out);
		return rc;
	}
	if (subcommands[i].takes_id && nargs != 2)
		return cli_usage_error("kb %s: give one article id, such as Q123827", args[0]);
	if (!subcommands[i].takes_id && nargs != 1)
		return cli_usage_error("kb %s: unexpected argument '%s'", args[0], args[1]);
	if ((rc = cli_open_kb(o, subcommands[i].lint, 0, &kb, &m)) != 0)
		return rc;
	rc = subcommands[i].run(o, kb, m, nargs == 2 ? args[1] : NULL, &out);
	if (out.len && cli_emit(o, &out) != 0)
		rc = EXIT_BADINPUT;
	buf_free(&out);
	match_free(m);
	kb_free(kb);
	return rc;
}

const struct command cmd_kb = {
	"kb", kb_main,
"  kb lint                check the rule base: schema, references, patterns,\n"
"                           overlaps between articles\n"
"  kb test                run every article's examples and counter-examples,\n"
"                           with a report per article\n"
"  kb list                list the articles\n"
"  kb show ID             show one article (for example Q123827)\n"
"  kb patterns            print the patterns tried on log lines, one per line\n"
"                           (for grep -f, pcre2grep -f, rg -f)\n",
	1
};
