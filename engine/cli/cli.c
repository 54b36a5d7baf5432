/* cli: what kbdiag's commands share (see cli.h). */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/usage.h"
#include "kb.h"
#include "kbcache.h"
#include "match.h"
#include "util/fileio.h"

/* The usage errors of both programs are worded by engine/cli/usage.c. */
int
cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_verror("kbdiag", fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

void
cli_list_item(struct buf *list, size_t i, size_t n, const char *item)
{
	buf_printf(list, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", item);
}

void
cli_print_problem(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "kbdiag: %s\n", msg);
}

int
cli_info_done(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "kbdiag: cannot write the output: %s\n", strerror(errno));
		return EXIT_BADINPUT;
	}
	return EXIT_FOUND;
}

/* ---------------------------------------------------------------------- */
/* Finding the rule base                                                    */

static void
print_skipped(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "kbdiag: skipped (--keep-going): %s\n", msg);
}

/*
 * --keep-going: drop the articles whose patterns do not compile, so that the
 * matcher can be built from the rest.
 */
static void
drop_uncompilable(struct kb *kb)
{
	char err[ERR_LEN];
	size_t i = 0;

	while (i < kb_article_count(kb)) {
		const struct kb_article *a = kb_article_at(kb, i);

		if (match_article_compiles(a, err) == 0) {
			i++;
			continue;
		}
		print_skipped(NULL, err);
		kb_drop_article(kb, a);
	}
}

static void
say_invalid(const char *err, int hint)
{
	fprintf(stderr, "kbdiag: invalid rule base: %s\n", err);
	if (hint)
		fputs("kbdiag: (--keep-going uses the valid articles and says which "
		    "it skipped)\n", stderr);
}

int
cli_open_kb(const struct options *o, int list_all, int problems_only, struct kb **kb,
    struct matcher **m)
{
	struct kb_load_params p = { 0 };
	char dirbuf[PATH_MAX], cachebuf[PATH_MAX], err[ERR_LEN];

	p.dir = o->kb_dir ? o->kb_dir : kb_default_dir(dirbuf);
	p.problems_only = problems_only;
	/* kb lint: every document through the schema, known to this build or not */
	p.validate_all = list_all;
	if (list_all)
		p.on_problem = cli_print_problem;
	else if (o->keep_going) {
		p.keep_going = 1;
		p.on_problem = print_skipped;
	}
	if (!list_all && !o->keep_going) {
		/* through the rule base cache (kbcache.h): the whole load, compiled */
		switch (kbcache_load(&p, kbcache_dir(cachebuf), kb, m, NULL, err)) {
		case 0:
			return 0;
		case -2:
			say_invalid(err, 0);
			return EXIT_BADINPUT;
		default:
			say_invalid(err, 1);
			return EXIT_BADINPUT;
		}
	}
	if (kb_load(&p, kb, err) != 0) {
		if (!list_all)
			say_invalid(err, !o->keep_going);
		return EXIT_BADINPUT;
	}
	if (p.keep_going) {
		drop_uncompilable(*kb);
		if (kb_skipped(*kb) > 0)
			fprintf(stderr, "kbdiag: rule base %s: skipped %zu invalid "
			    "article%s or overlap%s; using %zu articles\n", kb_dir(*kb),
			    kb_skipped(*kb), kb_skipped(*kb) == 1 ? "" : "s",
			    kb_skipped(*kb) == 1 ? "" : "s", kb_article_count(*kb));
		if (kb_article_count(*kb) == 0) {
			fprintf(stderr, "kbdiag: invalid rule base: %s: no valid articles\n",
			    kb_dir(*kb));
			kb_free(*kb);
			*kb = NULL;
			return EXIT_BADINPUT;
		}
	}
	if (m != NULL &&
	    match_compile_report(*kb, list_all ? cli_print_problem : NULL, NULL, m, err) != 0) {
		if (!list_all)
			say_invalid(err, 0);
		kb_free(*kb);
		*kb = NULL;
		return EXIT_BADINPUT;
	}
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Output                                                                   */

int
cli_emit(const struct options *o, const struct buf *out)
{
	char err[ERR_LEN];

	if (o->output == NULL || strcmp(o->output, "-") == 0) {
		if (file_write_all(STDOUT_FILENO, buf_str(out), out->len) != 0) {
			if (errno == EPIPE)
				return 0;
			fprintf(stderr, "kbdiag: cannot write the output: %s\n", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (file_replace(o->output, buf_str(out), out->len, err) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		return -1;
	}
	return 0;
}

int
cli_render_done(const struct options *o, int render_rc, const char *err,
    const struct buf *out, int found)
{
	if (render_rc != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		return EXIT_INTERNAL;
	}
	if (cli_emit(o, out) != 0)
		return EXIT_BADINPUT;
	return found ? EXIT_FOUND : EXIT_NOTHING;
}

int
cli_out_open(const struct options *o, struct cli_out *c)
{
	memset(c, 0, sizeof(*c));
	c->to_stdout = o->output == NULL || strcmp(o->output, "-") == 0;
	if (!c->to_stdout && file_out_open(&c->file, o->output, c->err) != 0) {
		fprintf(stderr, "kbdiag: %s\n", c->err);
		return -1;
	}
	return 0;
}

int
cli_out_write(void *arg, const char *p, size_t n)
{
	struct cli_out *c = arg;

	if (!c->to_stdout)
		return (c->failed = file_out_write(&c->file, p, n, c->err) != 0);
	if (file_write_all(STDOUT_FILENO, p, n) == 0)
		return 0;
	if (errno == EPIPE)
		c->epipe = 1;
	else {
		c->failed = 1;
		err_set(c->err, "cannot write the output: %s", strerror(errno));
	}
	return -1;
}

int
cli_out_done(struct cli_out *c, int render_rc, const char *err, int found)
{
	if (render_rc < 0) {
		if (!c->to_stdout && !c->failed)
			file_out_abort(&c->file);
		fprintf(stderr, "kbdiag: %s\n", err);
		return EXIT_INTERNAL;
	}
	if (!c->to_stdout && !c->failed && file_out_close(&c->file, c->err) != 0)
		c->failed = 1;
	if (c->failed) {
		fprintf(stderr, "kbdiag: %s\n", c->err);
		return EXIT_BADINPUT;
	}
	return found ? EXIT_FOUND : EXIT_NOTHING;
}

int
cli_render_diagnosis(const struct options *o, const struct diagnosis *d, int found)
{
	struct cli_out c;
	char err[ERR_LEN];

	if (cli_out_open(o, &c) != 0)
		return EXIT_BADINPUT;
	return cli_out_done(&c, render_diagnosis_stream(d, o->format, o->explain,
	    cli_out_write, &c, err), err, found);
}

/* ---------------------------------------------------------------------- */
/* Signals                                                                  */

volatile sig_atomic_t cli_stop;

static void
stop_signal(int sig)
{
	(void)sig;
	cli_stop = 1;
}

void
cli_catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stop_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void
cli_notice(void *arg, const char *msg)
{
	const struct options *o = arg;

	if (!o->quiet)
		fprintf(stderr, "kbdiag: %s\n", msg);
}
