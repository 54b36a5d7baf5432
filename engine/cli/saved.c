/* saved: the saved diagnosis that diagnose --replay, report, fix and verify
 * read (see cli.h). */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "fix.h"
#include "kb.h"
#include "replay.h"

/*
 * Say what was expected when FILE is something else (a report, a log),
 * before any JSON parser's words: p is its first n (up to 2) bytes after a
 * UTF-8 BOM and whitespace (replay_peek). 0 when it may be one, or -1 with
 * err.
 */
static int
saved_check(const char *file, const unsigned char *p, size_t n, const char *cmd,
    char err[ERR_LEN])
{
	const char *what = NULL;

	if (n == 0)
		what = "an empty file";
	else if (*p == '<')
		what = "HTML or XML (a report?)";
	else if (*p == '#')
		what = "Markdown (a report?)";
	else if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		what = "gzip-compressed (a log?)";
	else if (*p != '{' && *p != '[')
		what = "text (a report or a log?)";
	if (what == NULL)
		return 0;
	return err_set(err, "%s: this is %s, not a saved diagnosis: %s reads the JSON that "
	    "'kbdiag diagnose --format json' writes", file, what, cmd);
}

int
cli_saved_load(const char *file, const char *cmd, const struct kb *kb,
    struct diagnosis **d)
{
	struct replay_file f;
	unsigned char head[2];
	char err[ERR_LEN], why[ERR_LEN];
	size_t n;
	int rc;

	/* read a unit at a time (replay.h): REPLAY_OOM when memory ran out */
	if ((rc = replay_open(file, &f, err)) != 0)
		goto out;
	if ((rc = replay_peek(&f, 1, head, &n, err)) != 0 ||
	    (rc = saved_check(file, head, n, cmd, err)) != 0)
		;
	else if ((rc = replay_load_open(&f, kb, d, why)) == REPLAY_OOM)
		err_set(err, "%s: %s", file, why);
	else if (rc == REPLAY_IO)
		snprintf(err, sizeof(err), "%s", why);
	else if (rc != 0)
		err_set(err, "%s: not a saved diagnosis (%s reads the JSON that 'kbdiag "
		    "diagnose --format json' writes): %s", file, cmd, why);
	replay_close(&f);
out:
	if (rc == 0)
		return 0;
	fprintf(stderr, "kbdiag: %s\n", err);
	return rc == REPLAY_OOM ? EXIT_INTERNAL : EXIT_BADINPUT;
}

int
cli_saved_plan(const struct options *o, const char *cmd, const char *file,
    struct cli_saved *s)
{
	char err[ERR_LEN];
	int rc;

	memset(s, 0, sizeof(*s));
	if (cli_open_kb(o, 0, 0, &s->kb, NULL) != 0)
		return EXIT_BADINPUT;
	if ((rc = cli_saved_load(file, cmd, s->kb, &s->d)) != 0)
		return rc;
	if (fix_plan(s->d, o->probe.dos_root, s->kb, &s->plan, err) != 0) {
		fprintf(stderr, "kbdiag: %s\n", err);
		return EXIT_BADINPUT;
	}
	return 0;
}

void
cli_saved_free(struct cli_saved *s)
{
	fix_plan_free(s->plan);
	diag_free(s->d);
	kb_free(s->kb);
	memset(s, 0, sizeof(*s));
}
