#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "correlate.h"
#include "plan.h"
#include "rank.h"
#include "reader.h"
#include "text.h"
#include "xmem.h"

/* Report progress at most every this many bytes. */
#define DIAG_PROGRESS_STEP	(4ULL * 1024 * 1024)

void
diag_warn(struct diagnosis *d, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (d->nwarnings >= DIAG_MAX_WARNINGS) {
		d->warnings_dropped++;
		return;
	}
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	d->warnings = xrealloc(d->warnings, (d->nwarnings + 1) * sizeof(*d->warnings));
	d->warnings[d->nwarnings++] = buf_detach(&b);
}

/* Per-log state for warnings that should be said once per log. */
struct diag_file {
	int	warned_nul;
	int	warned_long;
};

static void
diag_record(struct diagnosis *d, struct diag_file *f, const struct reader_record *rec,
    struct matcher *m, struct correlator *c, const char *safe_name)
{
	const struct match_hit *hits;
	const struct kb_symptom *gave_up;
	size_t n;

	if (rec->truncated && !f->warned_long) {
		diag_warn(d, "%s:%lu: line longer than %d bytes: only its first %d bytes "
		    "were examined", safe_name, rec->line, READER_MAX_LINE, READER_MAX_LINE);
		f->warned_long = 1;
	}
	if (rec->has_nul && !f->warned_nul) {
		diag_warn(d, "%s:%lu: NUL bytes (binary data?); lines are examined as text",
		    safe_name, rec->line);
		f->warned_nul = 1;
	}
	n = match_line(m, rec->raw, rec->rawlen, &hits, &gave_up);
	if (gave_up)
		diag_warn(d, "%s:%lu: the pattern of symptom '%s' (%s:%ld) gave up on "
		    "this line (match limit), so the line was not matched against it",
		    safe_name, rec->line, gave_up->id, gave_up->file, gave_up->line);
	correlate_record(c, rec, hits, n);
}

static void
diag_read_input(const struct diag_params *p, struct diagnosis *d, struct correlator *c,
    const char *file, struct diag_input *in)
{
	const struct reader_record *rec;
	struct diag_file f = { 0, 0 };
	unsigned long lines = 0;
	struct reader *r;
	unsigned long long next_report = DIAG_PROGRESS_STEP;
	char err[ERR_LEN];
	int rc;

	in->name = text_sanitize(file, strlen(file), 0);
	if (reader_open(file, &r, err) != 0) {
		in->error = text_sanitize(err, strlen(err), 0);
		return;
	}
	free(in->name);
	in->name = text_sanitize(reader_name(r), strlen(reader_name(r)), 0);
	while ((rc = reader_next(r, &rec, err)) > 0) {
		diag_record(d, &f, rec, p->matcher, c, in->name);
		lines = rec->line;
		if (p->progress && reader_bytes(r) >= next_report) {
			p->progress(p->progress_arg, in->name, reader_bytes(r), reader_size(r));
			next_report = reader_bytes(r) + DIAG_PROGRESS_STEP;
		}
	}
	if (rc < 0)
		in->error = text_sanitize(err, strlen(err), 0);
	if (p->progress)
		p->progress(p->progress_arg, in->name, reader_bytes(r), reader_size(r));
	in->lines = lines;
	in->format = xstrdup(reader_format_name(reader_format(r)));
	reader_close(r);
	correlate_end_input(c);
}

int
diag_run(const struct diag_params *p, struct diagnosis **out)
{
	struct diagnosis *d = xcalloc(1, sizeof(*d));
	struct diag_peer fallback = { NULL, 0 };
	struct correlator *c;
	size_t i;

	fallback.host = (char *)p->smarthost;
	fallback.port = p->smarthost_port;
	c = correlate_new(d, &fallback);
	d->inputs = xcalloc(p->nfiles ? p->nfiles : 1, sizeof(*d->inputs));
	for (i = 0; i < p->nfiles; i++) {
		diag_read_input(p, d, c, p->files[i], &d->inputs[i]);
		d->ninputs++;
	}
	correlate_free(c);
	for (i = 0; i < d->nincidents; i++) {
		rank_causes(&d->incidents[i]);
		plan_steps(&d->incidents[i]);
	}
	*out = d;
	return 0;
}

size_t
diag_input_errors(const struct diagnosis *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->ninputs; i++)
		if (d->inputs[i].error)
			n++;
	return n;
}

static void
diag_free_strings(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
diag_incident_clear(struct diag_incident *inc)
{
	size_t i, j;

	free(inc->article);
	free(inc->title);
	free(inc->error);
	free(inc->first_seen);
	free(inc->last_seen);
	free(inc->peer.host);
	for (i = 0; i < inc->nlocations; i++)
		free(inc->locations[i].file);
	free(inc->locations);
	for (i = 0; i < inc->ncauses; i++) {
		free(inc->causes[i].id);
		free(inc->causes[i].title);
		diag_free_strings(inc->causes[i].evidence, inc->causes[i].nevidence);
	}
	free(inc->causes);
	for (i = 0; i < inc->nsteps; i++) {
		struct diag_step *s = &inc->steps[i];

		free(s->id);
		for (j = 0; j < s->nspans; j++)
			free(s->spans[j].text);
		free(s->spans);
		diag_free_strings(s->addresses, s->naddresses);
	}
	free(inc->steps);
	memset(inc, 0, sizeof(*inc));
}

void
diag_free(struct diagnosis *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->ninputs; i++) {
		free(d->inputs[i].name);
		free(d->inputs[i].format);
		free(d->inputs[i].error);
	}
	free(d->inputs);
	for (i = 0; i < d->nincidents; i++)
		diag_incident_clear(&d->incidents[i]);
	free(d->incidents);
	diag_free_strings(d->warnings, d->nwarnings);
	free(d);
}
