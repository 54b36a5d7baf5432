/*
 * kbdiag query TEXT...: the articles ranked for an error text (query_run()),
 * the text from the arguments or, for `-`, from standard input.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kb.h"
#include "match.h"
#include "query.h"
#include "util/fileio.h"

/* The most of standard input `kbdiag query -` reads. */
#define QUERY_INPUT_MAX	(1024 * 1024)

/*
 * `kbdiag query -`: the text from standard input (pasted lines, a file), of
 * which the first QUERY_INPUT_MAX bytes are used, with a note (fd_read_all()
 * keeps them and reads no further). 0, or -1 after saying why.
 */
static int
read_query_input(struct buf *text)
{
	if (fd_read_all(STDIN_FILENO, text, QUERY_INPUT_MAX) == 0)
		return 0;
	if (errno == EFBIG) {
		fprintf(stderr, "kbdiag: query: only the first %d bytes of standard input are "
		    "used\n", QUERY_INPUT_MAX);
		return 0;
	}
	fprintf(stderr, "kbdiag: query: cannot read standard input: %s\n", strerror(errno));
	return -1;
}

static int
query_main(const struct options *o, char **words, int nwords)
{
	struct query_results *q;
	struct buf text = BUF_INIT;
	struct cli_out c;
	struct matcher *m = NULL;
	struct kb *kb = NULL;
	char err[ERR_LEN];
	int i, rc;

	if (nwords == 1 && strcmp(words[0], "-") == 0) {
		if (read_query_input(&text) != 0) {
			buf_free(&text);
			return EXIT_BADINPUT;
		}
	} else
		for (i = 0; i < nwords; i++)
			buf_printf(&text, "%s%s", i ? " " : "", words[i]);
	if (strspn(buf_str(&text), " \t\r\n") == text.len) {
		buf_free(&text);
		return cli_usage_error("query: give the error text to look up");
	}
	if ((rc = cli_open_kb(o, 0, 0, &kb, &m)) != 0) {
		buf_free(&text);
		return rc;
	}
	q = query_run(kb, m, text.data, text.len);
	if (o->top)
		query_keep(q, o->top);
	if (cli_out_open(o, &c) != 0)
		rc = EXIT_BADINPUT;
	else
		rc = cli_out_done(&c, render_query_stream(q, o->format, o->explain, cli_out_write,
		    &c, err), err, q->nresults > 0);
	query_free(q);
	buf_free(&text);
	match_free(m);
	kb_free(kb);
	return rc;
}

const struct command cmd_query = {
	"query", query_main,
"  query TEXT...          rank the articles for an error text (- reads it from\n"
"                           standard input: several lines, up to 1 MiB)\n",
	0
};
