/* manual: evidence a person gives, --observe, --answers and --ask (see
 * cli.h). */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "consult.h"
#include "diag.h"
#include "kb.h"
#include "util/fileio.h"

/* The most questions --ask asks (each source once in any case). */
#define ASK_MAX	32

/*
 * --ask: on the terminal (/dev/tty, so that a log on standard input and a
 * report on standard output stay as they are), the question whose answer
 * would most change the ranking, with why it is asked; a number, a value
 * or ? (don't know, or an empty line) answers it. Until no answer could
 * change a standing cause (consult.h), or end of input. The answers are
 * manual observations, as --observe's.
 */
static int
ask_questions(const struct kb *kb, struct diagnosis *d)
{
	const char *asked[ASK_MAX];
	struct consult_question q;
	char line[256], spec[256], err[ERR_LEN];
	size_t nasked = 0, i;
	FILE *tty;
	int fd;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) < 0 || !isatty(fd) ||
	    (tty = fdopen(fd, "r+")) == NULL) {
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "kbdiag: --ask needs a terminal to ask on; --answers FILE gives "
		    "the answers without one\n");
		return EXIT_USAGE;
	}
	setvbuf(tty, NULL, _IONBF, 0);
	while (nasked < ASK_MAX && consult_next(d, kb, asked, nasked, &q)) {
		const struct kb_evidence_source *s = q.source;
		const struct kb_evidence_value *v = NULL;

		asked[nasked++] = s->id;
		if (s->question != NULL)
			fprintf(tty, "\nQuestion %zu: %s\n", nasked, s->question);
		else
			fprintf(tty, "\nQuestion %zu: %s: which of these holds?\n", nasked, s->title);
		fprintf(tty, "  Why: the answer can change what stands first for incident %zu "
		    "(%s, now %s at %.0f%%): by %.0f points at most, %.0f expected.\n",
		    q.incident + 1, d->incidents[q.incident].article, q.cause_id ? q.cause_id : "-",
		    q.confidence * 100, q.best_change * 100, q.value * 100);
		for (i = 0; i < s->nvalues; i++)
			fprintf(tty, "  %zu) %s: %s\n", i + 1, s->values[i].id, s->values[i].text);
		fprintf(tty, "  ?) don't know\n");
		for (;;) {
			char *p = line, *end;

			fprintf(tty, "Answer [1-%zu, ?]: ", s->nvalues);
			if (fgets(line, sizeof(line), tty) == NULL) {
				fprintf(tty, "\n");
				goto done;
			}
			while (*p == ' ' || *p == '\t')
				p++;
			end = p + strcspn(p, "\r\n");
			while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
				end--;
			*end = '\0';
			if (*p == '\0' || strcmp(p, "?") == 0 || strcasecmp(p, "don't know") == 0) {
				v = NULL;
				break;
			}
			for (i = 0; i < s->nvalues; i++) {
				char num[24];

				snprintf(num, sizeof(num), "%zu", i + 1);
				if (strcmp(p, num) == 0 || strcmp(p, s->values[i].id) == 0)
					break;
			}
			if (i < s->nvalues) {
				v = &s->values[i];
				break;
			}
			fprintf(tty, "  '%s' is not one of the answers: a number from 1 to %zu, the "
			    "value's name, or ? for don't know.\n", p, s->nvalues);
		}
		if (v == NULL)
			continue;
		snprintf(spec, sizeof(spec), "%s:%s", s->id, v->id);
		if (diag_observe_manual(d, kb, spec, "answered at the terminal (--ask)", err) != 0) {
			fprintf(stderr, "kbdiag: --ask: %s\n", err);
			fclose(tty);
			return EXIT_INTERNAL;
		}
		diag_rank(d, kb);
	}
	fprintf(tty, "\nNo answer to another question could change what stands first: "
	    "done asking.\n");
done:
	fclose(tty);
	return 0;
}

/* The most of an answers file (--answers) read. */
#define ANSWERS_MAX	(1024 * 1024)

/* The answers file into text; 0, or -1 with err. Any file that can be read,
 * a FIFO too (--answers <(...)). */
static int
read_answers(const char *path, struct buf *text, char err[ERR_LEN])
{
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(err, "%s: %s", path, strerror(errno));
	if ((rc = fd_read_all(fd, text, ANSWERS_MAX)) != 0 && errno == EFBIG)
		err_set(err, "%s: larger than %d MiB", path, ANSWERS_MAX >> 20);
	else if (rc != 0)
		err_set(err, "%s: %s", path, strerror(errno));
	close(fd);
	return rc;
}

int
cli_manual_evidence(const struct options *o, const struct kb *kb, struct diagnosis *d)
{
	char err[ERR_LEN];
	size_t i;

	if (o->nobserve == 0 && o->answers == NULL && !o->ask)
		return 0;
	for (i = 0; i < o->nobserve; i++)
		if (diag_observe_manual(d, kb, o->observe[i], "given with --observe", err) != 0) {
			fprintf(stderr, "kbdiag: --observe %s\n", err);
			return EXIT_USAGE;
		}
	if (o->answers != NULL) {
		struct buf text = BUF_INIT;
		int rc = 0;

		if (read_answers(o->answers, &text, err) != 0 ||
		    diag_answers(d, kb, text.data ? text.data : "", text.len, o->answers, err) != 0)
			rc = EXIT_BADINPUT;
		buf_free(&text);
		if (rc != 0) {
			fprintf(stderr, "kbdiag: --answers: %s\n", err);
			return rc;
		}
	}
	diag_rank(d, kb);
	if (o->ask)
		return ask_questions(kb, d);
	return 0;
}
