#include "render.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <libxml/tree.h>

#include "html.h"
#include "lint.h"
#include "plan.h"
#include "rank.h"
#include "render_history.h"
#include "render_json.h"
#include "render_probe.h"
#include "render_sink.h"
#include "util/text.h"
#include "verdict.h"
#include "util/xmem.h"

int
render_format_parse(const char *name, enum render_format *out, char err[ERR_LEN])
{
	if (strcmp(name, "text") == 0)
		*out = RENDER_TEXT;
	else if (strcmp(name, "markdown") == 0 || strcmp(name, "md") == 0)
		*out = RENDER_MARKDOWN;
	else if (strcmp(name, "html") == 0)
		*out = RENDER_HTML;
	else if (strcmp(name, "json") == 0)
		*out = RENDER_JSON;
	else
		return err_set(err, "unknown format '%.100s' (use text, markdown, html or json)",
		    name);
	return 0;
}

const char *
render_format_name(enum render_format f)
{
	switch (f) {
	case RENDER_TEXT:
		return "text";
	case RENDER_MARKDOWN:
		return "markdown";
	case RENDER_HTML:
		return "html";
	case RENDER_JSON:
		return "json";
	}
	return "?";
}

/* ---------------------------------------------------------------------- */
/* Shared pieces                                                            */

static const char *
render_plural(unsigned long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static int
render_percent(double confidence)
{
	return (int)lround(confidence * 100.0);
}

/* Stands for a space that must not break a line; never in sanitised text. */
#define RENDER_NBSP	'\x01'

/* The step's text; with keep_code, spaces inside code spans are RENDER_NBSP
 * so that wrapping never splits a command. */
static char *
render_step_joined(const struct diag_step *s, int keep_code)
{
	struct buf b = BUF_INIT;
	size_t i, start;

	for (i = 0; i < s->nspans; i++) {
		start = b.len;
		buf_puts(&b, s->spans[i].text);
		if (keep_code && s->spans[i].code)
			for (; start < b.len; start++)
				if (b.data[start] == ' ')
					b.data[start] = RENDER_NBSP;
	}
	return buf_detach(&b);
}

char *
render_step_text(const struct diag_step *s)
{
	return render_step_joined(s, 0);
}

/* How to tell the step worked, as text ("" when the rule base says nothing). */
char *
render_step_worked(const struct diag_step *s, int keep_code)
{
	struct diag_step w;

	memset(&w, 0, sizeof(w));
	w.spans = s->worked;
	w.nspans = s->nworked;
	return render_step_joined(&w, keep_code);
}

char *
render_step_wrappable(const struct diag_step *s)
{
	return render_step_joined(s, 1);
}

/* Columns a UTF-8 string takes, counting each code point as one. */
static size_t
render_columns(const char *s, size_t n)
{
	size_t i, cols = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			cols++;
	return cols;
}

void
render_wrap(struct buf *out, const char *text, size_t col, size_t indent)
{
	const char *p = text, *w;
	size_t wlen, wcols, i;
	int first = 1;

	while (*p) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (w = p; *p && *p != ' '; p++)
			;
		wlen = (size_t)(p - w);
		wcols = render_columns(w, wlen);
		if (!first && col + 1 + wcols > RENDER_WIDTH) {
			buf_putc(out, '\n');
			for (i = 0; i < indent; i++)
				buf_putc(out, ' ');
			col = indent;
		} else if (!first) {
			buf_putc(out, ' ');
			col++;
		}
		for (i = 0; i < wlen; i++)
			buf_putc(out, w[i] == RENDER_NBSP ? ' ' : w[i]);
		col += wcols;
		first = 0;
	}
	buf_putc(out, '\n');
}

/* "file lines 3, 9, 12 and 4 more" */
static void
render_where(struct buf *out, const struct diag_incident *inc)
{
	const char *file = NULL;
	size_t i;

	for (i = 0; i < inc->nlocations; i++) {
		const struct diag_location *l = &inc->locations[i];

		if (file == NULL || strcmp(file, l->file) != 0) {
			buf_printf(out, "%s%s line%s %lu", file ? "; " : "", l->file,
			    i + 1 < inc->nlocations && strcmp(inc->locations[i + 1].file,
			    l->file) == 0 ? "s" : "", l->line);
			file = l->file;
		} else
			buf_printf(out, ", %lu", l->line);
	}
	if (inc->lines > inc->nlocations)
		buf_printf(out, " and %lu more", inc->lines - inc->nlocations);
	else if (inc->lines == 0 && inc->count > inc->nlocations)
		buf_printf(out, " and %lu more", inc->count - inc->nlocations);
}

/* Was it logged by a modern MTA (not the gateway or smtpgw)? */
static int
render_mta(const struct diag_incident *inc)
{
	return inc->origin != NULL && strcmp(inc->origin, "gateway") != 0 &&
	    strcmp(inc->origin, "smtpgw") != 0;
}

static void
render_seen(struct buf *out, const struct diag_incident *inc)
{
	/* Attempts: where each line is one (the gateway's log), "times". */
	if (render_mta(inc) || (inc->lines != 0 && inc->lines != inc->count)) {
		buf_printf(out, "%lu %s", inc->count,
		    render_plural(inc->count, "attempt", "attempts"));
		if (inc->lines != inc->count)
			buf_printf(out, " in %lu %s", inc->lines,
			    render_plural(inc->lines, "line", "lines"));
	} else
		buf_printf(out, "%lu %s", inc->count, render_plural(inc->count, "time",
		    "times"));
	if (inc->first_seen[0] && strcmp(inc->first_seen, inc->last_seen))
		buf_printf(out, ", from %s to %s", inc->first_seen, inc->last_seen);
	else if (inc->first_seen[0])
		buf_printf(out, ", at %s", inc->first_seen);
	if (inc->year_inferred)
		buf_puts(out, " (year inferred)");
	if (inc->companions)
		buf_printf(out, " (with %lu companion %s)", inc->companions,
		    render_plural(inc->companions, "line", "lines"));
}

static void
render_peer(struct buf *out, const struct diag_incident *inc)
{
	if (inc->peer.host == NULL)
		buf_puts(out, "not named by the log (use --smarthost HOST[:PORT])");
	else if (inc->peer.address && strcmp(inc->peer.address, inc->peer.host) != 0)
		buf_printf(out, "%s [%s] port %u (%s)", inc->peer.host, inc->peer.address,
		    inc->peer.port, inc->peer_from_cli ? "from --smarthost" :
		    "named by the log");
	else
		buf_printf(out, "%s port %u (%s)", inc->peer.host, inc->peer.port,
		    inc->peer_from_cli ? "from --smarthost" : "named by the log");
}

static void
render_summary_line(struct buf *out, const struct diagnosis *d)
{
	size_t i;
	unsigned long lines = 0;

	for (i = 0; i < d->ninputs; i++)
		lines += d->inputs[i].lines;
	if (d->nincidents == 0)
		buf_printf(out, "No known gateway error in %lu %s of %zu %s.", lines,
		    render_plural(lines, "line", "lines"), d->ninputs,
		    render_plural(d->ninputs, "log", "logs"));
	else
		buf_printf(out, "%zu %s in %lu %s of %zu %s.", d->nincidents,
		    render_plural(d->nincidents, "incident", "incidents"), lines,
		    render_plural(lines, "line", "lines"), d->ninputs,
		    render_plural(d->ninputs, "log", "logs"));
}

static const char *
render_basis_text(const struct diag_incident *inc)
{
	return strcmp(rank_basis(inc), "prior") == 0 ?
	    "the rule base's priors only: no evidence bore on them" :
	    "weighed by the evidence";
}

/* "+ tcp-connect:refused, x6: why (probe: detail)" for one piece of evidence. */
static void
render_evidence_line(struct buf *t, const struct diag_evidence *e)
{
	if (e->excludes)
		buf_printf(t, "- %s, excludes", e->ref);
	else
		buf_printf(t, "%c %s, %s%g", e->confirms ? '+' : '-', e->ref,
		    e->confirms ? "x" : "/", e->weight);
	if (e->why)
		buf_printf(t, ": %s", e->why);
	buf_printf(t, " (%s%s%s)", e->origin, e->detail ? ": " : "",
	    e->detail ? e->detail : "");
}

/* "prior 30%, +1.79 -2.08 = log-odds ... -> 12%": how a confidence came about. */
static void
render_cause_math(struct buf *t, const struct diag_cause *c)
{
	double net = 0;
	size_t i;

	buf_printf(t, "prior %d%%", render_percent(c->prior));
	for (i = 0; i < c->nevidence; i++) {
		if (c->evidence[i].excludes) {
			buf_printf(t, " excluded by %s; 0%%: ruled out", c->evidence[i].ref);
			return;
		}
		buf_printf(t, " %+.2f", c->evidence[i].log_odds);
		net += c->evidence[i].log_odds;
	}
	if (c->nevidence)
		buf_printf(t, " = %+.2f in log-odds", net);
	buf_printf(t, "; %d%% after weighing against the other causes%s",
	    render_percent(c->confidence), c->ruled_out ? "; ruled out" : "");
}

/* "11.4 per hour of log time; frequent (...)"; 0 when there is nothing to say. */
static int
render_rate(struct buf *t, const struct diag_incident *inc)
{
	if (inc->rate_per_hour <= 0 && !inc->frequent)
		return 0;
	if (inc->rate_per_hour > 0)
		buf_printf(t, "%.1f per hour of log time", inc->rate_per_hour);
	if (inc->frequent)
		buf_printf(t, "%sfrequent (the rule base's threshold was reached)",
		    inc->rate_per_hour > 0 ? "; " : "");
	return 1;
}

/* "body (3), end-of-data (1)"; 0 when no phase is known. */
static int
render_phases(struct buf *t, const struct diag_incident *inc)
{
	size_t i;

	for (i = 0; i < inc->nphases; i++)
		buf_printf(t, "%s%s (%lu)", i ? ", " : "", inc->phases[i].phase,
		    inc->phases[i].count);
	return inc->nphases > 0;
}

/*
 * "6 matched (Q123827 3, Q100709+Q102107 1, ...)": lines by the articles
 * they matched, which add up to the matched lines (per article when a saved
 * diagnosis has no such groups).
 */
static void
render_matched(struct buf *t, const struct diag_summary *sum)
{
	const struct diag_article_lines *v = sum->ngroups ? sum->groups : sum->articles;
	size_t i, n = sum->ngroups ? sum->ngroups : sum->narticles;

	buf_printf(t, "%llu matched", sum->matched);
	for (i = 0; i < n; i++)
		buf_printf(t, "%s%s %lu", i ? ", " : " (", v[i].article, v[i].lines);
	if (n)
		buf_putc(t, ')');
}

/* "151 lines read, 6 matched (...), 3 incidents." */
static void
render_counts(struct buf *t, const struct diagnosis *d)
{
	const struct diag_summary *sum = &d->summary;

	buf_printf(t, "%llu %s read", sum->lines, render_plural(sum->lines, "line", "lines"));
	if (sum->out_of_time)
		buf_printf(t, " (%llu outside --since/--until)", sum->out_of_time);
	buf_puts(t, ", ");
	render_matched(t, sum);
	buf_printf(t, ", %zu %s", d->nincidents,
	    render_plural(d->nincidents, "incident", "incidents"));
	if (sum->incidents_not_held)
		buf_printf(t, ", and %llu more not held in memory (past the %zu kbdiag "
		    "keeps: their %llu %s and %llu %s are counted, not shown)",
		    sum->incidents_not_held, d->nincidents, sum->lines_not_held,
		    render_plural(sum->lines_not_held, "line", "lines"), sum->attempts_not_held,
		    render_plural(sum->attempts_not_held, "attempt", "attempts"));
	buf_putc(t, '.');
}

/* ---------------------------------------------------------------------- */
/* Text                                                                     */

static void render_ended(struct buf *t, const struct diag_incident *inc);

/* Who logged it, from where, which episode; the messages and what became of them. */
static void
render_text_origin(struct buf *out, const struct diag_incident *inc)
{
	struct buf t = BUF_INIT;
	size_t i;

	if (inc->source != NULL && (inc->site != NULL || inc->episode > 1 ||
	    render_mta(inc))) {
		buf_printf(&t, "%s", inc->source);
		if (inc->site != NULL && inc->file != NULL && strcmp(inc->file, inc->site))
			buf_printf(&t, " (in %s)", inc->file);
		if (inc->origin)
			buf_printf(&t, ", %s", inc->origin);
		if (inc->episode > 1)
			buf_printf(&t, "; episode %u (the failure came back after a quiet "
			    "gap)", inc->episode);
		buf_puts(out, "  Source:      ");
		render_wrap(out, buf_str(&t), 15, 15);
	}
	if (inc->messages > 0) {
		buf_reset(&t);
		buf_printf(&t, "%lu", inc->messages);
		for (i = 0; i < inc->nqueue_ids; i++)
			buf_printf(&t, "%s%s", i ? ", " : " (", inc->queue_ids[i]);
		if (inc->nqueue_ids)
			buf_puts(&t, inc->messages > inc->nqueue_ids ? ", ...)" : ")");
		if (inc->delivered_elsewhere)
			buf_printf(&t, "; %lu delivered later through another peer",
			    inc->delivered_elsewhere);
		if (inc->delivered_later)
			buf_printf(&t, "; %lu delivered later through this one",
			    inc->delivered_later);
		if (inc->retries_ended)
			buf_printf(&t, "; %lu gave up, retries used up", inc->retries_ended);
		buf_puts(out, "  Messages:    ");
		render_wrap(out, buf_str(&t), 15, 15);
	}
	if (inc->held)
		buf_printf(out, "  Held:        %lu %s without an attempt (the peer was "
		    "marked down)\n", inc->held, render_plural(inc->held, "deferral",
		    "deferrals"));
	if (inc->messages == 0 && inc->retries_ended)
		buf_printf(out, "  Gave up:     %lu %s whose retries ran out after this "
		    "failure\n", inc->retries_ended, render_plural(inc->retries_ended,
		    "message", "messages"));
	if (inc->ended_article) {
		buf_reset(&t);
		render_ended(&t, inc);
		buf_puts(out, "  Ended:       ");
		render_wrap(out, buf_str(&t), 15, 15);
	}
	buf_free(&t);
}

/* "the retries of Q99852 at 10.1.2.3:25 (first seen ...): its causes are ..." */
static void
render_ended(struct buf *t, const struct diag_incident *inc)
{
	buf_printf(t, "the retries of the %s failure", inc->ended_article);
	if (inc->ended_peer)
		buf_printf(t, " at %s", inc->ended_peer);
	if (inc->ended_first_seen && inc->ended_first_seen[0])
		buf_printf(t, " (first seen %s)", inc->ended_first_seen);
	buf_puts(t, "; this consequence is weighed with that failure's evidence");
}

/* Rate, SMTP phase, last command and reply, each on its line when known. */
static void
render_text_session(struct buf *out, const struct diag_incident *inc)
{
	struct buf t = BUF_INIT;

	if (render_rate(&t, inc)) {
		buf_puts(out, "  Rate:        ");
		render_wrap(out, buf_str(&t), 15, 15);
	}
	buf_reset(&t);
	if (render_phases(&t, inc))
		buf_printf(out, "  SMTP phase:  %s\n", buf_str(&t));
	if (inc->last_command)
		buf_printf(out, "  Last sent:   %s\n", inc->last_command);
	if (inc->last_reply)
		buf_printf(out, "  Last reply:  %s\n", inc->last_reply);
	buf_free(&t);
}

/*
 * Groups of unmatched lines that text, Markdown and HTML show; the JSON has
 * all that were kept.
 */
#define RENDER_SHOWN_GROUPS	10

/* How many of sum's groups of unmatched lines the readable formats show. */
static size_t
render_shown_groups(const struct diag_summary *sum)
{
	return sum->nunmatched_groups < RENDER_SHOWN_GROUPS ? sum->nunmatched_groups :
	    RENDER_SHOWN_GROUPS;
}

/* The sentence on a receiving server's lines left out; 0 when there are none. */
static int
render_unmatched_server(struct buf *t, const struct diag_summary *sum)
{
	if (sum->unmatched_server == 0)
		return 0;
	buf_printf(t, "%llu error-looking %s of a receiving server (\"from HOST[ADDRESS]\") "
	    "left out: no article is about a server's view.", sum->unmatched_server,
	    render_plural(sum->unmatched_server, "line", "lines"));
	return 1;
}

/* The sentence that opens the groups of unmatched lines. */
static void
render_unmatched_intro(struct buf *t, const struct diag_summary *sum)
{
	buf_printf(t, "%llu %s that look%s like errors matched no article (a gap in the "
	    "rule base?), by program and shape, biggest first:", sum->unmatched_errors,
	    render_plural(sum->unmatched_errors, "line", "lines"),
	    sum->unmatched_errors == 1 ? "s" : "");
}

/* What the shown groups leave out, in parentheses; 0 when nothing. */
static int
render_unmatched_more(struct buf *t, const struct diag_summary *sum)
{
	size_t more = sum->nunmatched_groups - render_shown_groups(sum);

	if (more == 0 && sum->unmatched_other == 0)
		return 0;
	buf_printf(t, "(and %zu more %s in the JSON output%s)", more,
	    render_plural(more, "group", "groups"),
	    sum->unmatched_other ? ", and smaller ones not kept" : "");
	return 1;
}

/* One of render_unmatched_text()'s sentences, t, ended: as it is, or wrapped. */
static void
render_unmatched_line(struct buf *out, struct buf *t, int wrap)
{
	if (wrap) {
		buf_puts(out, "  ");
		render_wrap(out, buf_str(t), 2, 4);
	} else
		buf_printf(out, "%s\n", buf_str(t));
	buf_reset(t);
}

void
render_unmatched_text(struct buf *out, const struct diag_summary *sum, int wrap)
{
	struct buf t = BUF_INIT;
	size_t i;

	if (render_unmatched_server(&t, sum))
		render_unmatched_line(out, &t, wrap);
	if (sum->unmatched_errors == 0)
		goto out;
	render_unmatched_intro(&t, sum);
	render_unmatched_line(out, &t, wrap);
	for (i = 0; i < render_shown_groups(sum); i++) {
		const struct diag_group *g = &sum->unmatched_groups[i];

		buf_reset(&t);
		buf_printf(&t, "%s%s%s", g->program, g->program[0] ? ": " : "", g->shape);
		buf_printf(out, "  %6llu  ", g->count);
		render_wrap(out, buf_str(&t), 10, 10);
		buf_reset(&t);
		buf_printf(&t, "e.g. %s:%lu: %s", g->sample.file, g->sample.line,
		    g->sample.text);
		buf_puts(out, "          ");
		render_wrap(out, buf_str(&t), 10, 12);
	}
	buf_reset(&t);
	if (render_unmatched_more(&t, sum)) {
		if (!wrap)
			buf_puts(out, "  ");
		render_unmatched_line(out, &t, wrap);
	}
out:
	buf_free(&t);
}

static void
render_text_summary(struct buf *out, const struct diagnosis *d)
{
	buf_puts(out, "\nSummary: ");
	render_counts(out, d);
	buf_putc(out, '\n');
	render_unmatched_text(out, &d->summary, 0);
}

static void
render_text_evidence(struct buf *out, const struct diag_incident *inc, int explain)
{
	struct buf t = BUF_INIT;
	size_t i, j;

	if (inc->nprobes && !explain && render_probe_ran(inc->probes, inc->nprobes) == 0) {
		buf_puts(out, "\n  ");
		render_probe_why_none(&t, "No probe ran", inc->probes, inc->nprobes);
		render_wrap(out, buf_str(&t), 2, 4);
	} else if (inc->nprobes) {
		buf_puts(out, "\n  Probes:\n");
		for (i = 0; i < inc->nprobes; i++) {
			const struct probe_result *r = &inc->probes[i];

			if ((!explain && r->status == PROBE_SKIPPED) ||
			    render_probe_repeated(inc->probes, i))
				continue;
			buf_puts(out, probe_result_failed(r) ? "  ! " : "    ");
			buf_printf(out, "%-14s %-20s ", r->probe ? r->probe : "?",
			    r->status == PROBE_OBSERVED && r->value ? r->value :
			    probe_status_name(r->status));
			render_wrap(out, r->detail ? r->detail : "", 40, 42);
			for (j = 0; explain && j < r->ntranscript; j++) {
				buf_puts(out, "        ");
				render_wrap(out, r->transcript[j], 8, 10);
			}
		}
	}
	if (inc->nunchecked) {
		buf_puts(out, "\n  ");
		buf_reset(&t);
		if (explain) {
			buf_puts(out, "Not checked:\n");
			for (i = 0; i < inc->nunchecked; i++) {
				buf_reset(&t);
				buf_printf(&t, "%s: %s (%s)", inc->unchecked[i].source,
				    inc->unchecked[i].title, inc->unchecked[i].why);
				buf_puts(out, "    - ");
				render_wrap(out, buf_str(&t), 6, 8);
			}
		} else {
			buf_printf(&t, "Not checked (%zu, see --explain): ", inc->nunchecked);
			for (i = 0; i < inc->nunchecked; i++)
				buf_printf(&t, "%s%s", i ? ", " : "", inc->unchecked[i].source);
			render_wrap(out, buf_str(&t), 2, 4);
		}
	}
	buf_free(&t);
}

/* A step's first sentence, for the short list of steps not needed. */
char *
render_step_brief(const struct diag_step *s)
{
	char *t = render_step_text(s), *dot = strstr(t, ". ");

	if (dot != NULL)
		dot[1] = '\0';
	return t;
}

/* The "What to do" list: done, found and how to tell each worked; then the rest. */
void
render_text_steps(struct buf *out, const struct diag_incident *inc)
{
	struct buf t = BUF_INIT;
	size_t i;

	if (inc->nsteps)
		buf_puts(out, "\n  What to do:\n");
	for (i = 0; i < inc->nsteps; i++) {
		const struct diag_step *s = &inc->steps[i];
		char *text = render_step_joined(s, 1), *w;
		char num[16];
		size_t ind;

		snprintf(num, sizeof(num), "    %u. ", s->n);
		ind = strlen(num);
		buf_puts(out, num);
		buf_reset(&t);
		buf_printf(&t, "%s%s", s->done ? "[done] " : "", text);
		render_wrap(out, buf_str(&t), ind, ind);
		free(text);
		if (s->done) {
			buf_reset(&t);
			buf_printf(&t, "Done already (%s): %s.", s->done_ref, s->done);
			buf_printf(out, "%*s", (int)ind, "");
			render_wrap(out, buf_str(&t), ind, ind + 2);
		}
		if (s->found) {
			buf_reset(&t);
			buf_printf(&t, "Found: %s.", s->found);
			buf_printf(out, "%*s", (int)ind, "");
			render_wrap(out, buf_str(&t), ind, ind + 2);
		}
		if (s->nworked) {
			w = render_step_worked(s, 1);
			buf_reset(&t);
			buf_printf(&t, "Worked when: %s", w);
			buf_printf(out, "%*s", (int)ind, "");
			render_wrap(out, buf_str(&t), ind, ind + 2);
			free(w);
		}
	}
	if (inc->nunneeded)
		buf_puts(out, "\n  Not needed (the evidence rules out their causes):\n");
	for (i = 0; i < inc->nunneeded; i++) {
		char *brief = render_step_brief(&inc->unneeded[i]);

		buf_reset(&t);
		buf_printf(&t, "%s: %s Not needed: %s.", inc->unneeded[i].id,
		    brief, inc->unneeded[i].because);
		buf_puts(out, "    - ");
		render_wrap(out, buf_str(&t), 6, 8);
		free(brief);
	}
	buf_free(&t);
}

static void
render_text_incident(struct buf *out, const struct diag_incident *inc, size_t k,
    size_t n, int explain)
{
	size_t i, j;

	buf_printf(out, "\nIncident %zu of %zu: %s  %s\n", k, n, inc->article, inc->title);
	buf_printf(out, "  Error:       %s\n", inc->error);
	buf_puts(out, "  Seen:        ");
	render_seen(out, inc);
	buf_puts(out, render_mta(inc) ? "\n  Peer:        " : "\n  Smart host:  ");
	render_peer(out, inc);
	buf_puts(out, "\n  Where:       ");
	render_where(out, inc);
	buf_putc(out, '\n');
	render_text_origin(out, inc);
	render_text_session(out, inc);
	if (inc->ncauses) {
		struct buf t = BUF_INIT;

		buf_puts(out, "\n  ");
		buf_printf(&t, "Possible causes, best first (%s):", render_basis_text(inc));
		render_wrap(out, buf_str(&t), 2, 4);
		for (i = 0; i < inc->ncauses; i++) {
			const struct diag_cause *c = &inc->causes[i];

			buf_reset(&t);
			buf_printf(&t, "%s [%s]%s", c->title, c->id,
			    c->ruled_out ? " (ruled out)" : "");
			buf_printf(out, "    %zu. %3d%%  ", i + 1, render_percent(c->confidence));
			render_wrap(out, buf_str(&t), 13, 13);
			for (j = 0; j < c->nevidence; j++) {
				buf_reset(&t);
				render_evidence_line(&t, &c->evidence[j]);
				buf_puts(out, "             ");
				render_wrap(out, buf_str(&t), 13, 15);
			}
			if (explain) {
				buf_reset(&t);
				render_cause_math(&t, c);
				buf_puts(out, "             = ");
				render_wrap(out, buf_str(&t), 15, 15);
			}
		}
		if (inc->article_confidence < 1) {
			buf_reset(&t);
			buf_printf(&t, "Other articles explain the same line too: this one "
			    "does with %d%% confidence against them.",
			    render_percent(inc->article_confidence));
			buf_puts(out, "\n  ");
			render_wrap(out, buf_str(&t), 2, 2);
		}
		buf_free(&t);
	}
	render_text_evidence(out, inc, explain);
	render_text_steps(out, inc);
}

static void
render_text_diagnosis(const struct diagnosis *d, struct buf *out, int explain,
    struct render_sink *sink)
{
	size_t i;

	render_summary_line(out, d);
	buf_putc(out, '\n');
	for (i = 0; i < d->ninputs; i++) {
		const struct diag_input *in = &d->inputs[i];

		if (in->format) {
			buf_printf(out, "  %s: %lu %s, %s format%s", in->name, in->lines,
			    render_plural(in->lines, "line", "lines"), in->format,
			    in->error ? " (incomplete)" : "");
			if (in->year_from)
				buf_printf(out, "; years inferred, dated back from %s (%s)",
				    in->year_from, in->year_anchor);
			buf_putc(out, '\n');
		} else
			buf_printf(out, "  %s: not read\n", in->name);
	}
	if (d->probe_note) {
		buf_puts(out, "  ");
		render_wrap(out, d->probe_note, 2, 4);
	}
	for (i = 0; i < d->nincidents; i++) {
		render_text_incident(out, &d->incidents[i], i + 1, d->nincidents, explain);
		render_sink_part(out, sink);
	}
	render_text_summary(out, d);
}

/* ---------------------------------------------------------------------- */
/* Markdown                                                                 */

void
render_md_text(struct buf *out, const char *s)
{
	const char *run;
	char esc[2] = { '\\', 0 };

	while (*s) {
		/* A run of plain text at once, then the character that needs '\\'. */
		run = s;
		s += strcspn(s, "\\`*_[]<>#|!~&");
		buf_append(out, run, (size_t)(s - run));
		if (*s) {
			esc[1] = *s++;
			buf_append(out, esc, 2);
		}
	}
}

void
render_md_code(struct buf *out, const char *s)
{
	size_t run = 0, longest = 0, i;
	const char *p;
	int pad;

	for (p = s; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	pad = s[0] == '`' || (s[0] && s[strlen(s) - 1] == '`');
	for (i = 0; i <= longest; i++)
		buf_putc(out, '`');
	if (pad)
		buf_putc(out, ' ');
	buf_puts(out, s);
	if (pad)
		buf_putc(out, ' ');
	for (i = 0; i <= longest; i++)
		buf_putc(out, '`');
}

void
render_md_step(struct buf *out, const struct diag_step *s)
{
	size_t i;

	for (i = 0; i < s->nspans; i++) {
		if (s->spans[i].code)
			render_md_code(out, s->spans[i].text);
		else
			render_md_text(out, s->spans[i].text);
	}
}

/* How to tell it worked, in Markdown. */
static void
render_md_worked(struct buf *out, const struct diag_step *s)
{
	struct diag_step w;

	memset(&w, 0, sizeof(w));
	w.spans = s->worked;
	w.nspans = s->nworked;
	render_md_step(out, &w);
}

void
render_md_steps(struct buf *out, const struct diag_incident *inc, int checklist)
{
	size_t i;

	if (inc->nsteps)
		buf_puts(out, checklist ? "\n### Steps\n\n" : "\n### What to do\n\n");
	for (i = 0; i < inc->nsteps; i++) {
		const struct diag_step *s = &inc->steps[i];

		if (checklist)
			buf_printf(out, "%u. [%c] ", s->n, s->done ? 'x' : ' ');
		else
			buf_printf(out, "%u. %s", s->n, s->done ? "**Done.** " : "");
		render_md_step(out, s);
		buf_putc(out, '\n');
		if (s->done) {
			buf_puts(out, "   - Done already (");
			render_md_code(out, s->done_ref);
			buf_puts(out, "): ");
			render_md_text(out, s->done);
			buf_puts(out, ".\n");
		}
		if (s->found) {
			buf_puts(out, "   - Found: ");
			render_md_text(out, s->found);
			buf_puts(out, ".\n");
		}
		if (s->nworked) {
			buf_puts(out, "   - Worked when: ");
			render_md_worked(out, s);
			buf_putc(out, '\n');
		}
	}
	if (inc->nunneeded)
		buf_puts(out, "\nNot needed (the evidence rules out their causes):\n\n");
	for (i = 0; i < inc->nunneeded; i++) {
		char *brief = render_step_brief(&inc->unneeded[i]);

		buf_puts(out, "- ");
		render_md_code(out, inc->unneeded[i].id);
		buf_puts(out, ": ");
		render_md_text(out, brief);
		buf_puts(out, " Not needed: ");
		render_md_text(out, inc->unneeded[i].because);
		buf_puts(out, ".\n");
		free(brief);
	}
}

static char *
render_step_markdown(const struct diag_step *s)
{
	struct buf b = BUF_INIT;

	render_md_step(&b, s);
	return buf_detach(&b);
}

/* A Markdown table cell: escaped, and no '|' or line end can end it. */
static void
render_md_cell(struct buf *out, const char *s)
{
	struct buf t = BUF_INIT;
	size_t i;

	render_md_text(&t, s ? s : "");
	for (i = 0; i < t.len; i++) {
		if (t.data[i] == '|')
			buf_puts(out, "\\|");
		else
			buf_putc(out, t.data[i] == '\n' ? ' ' : t.data[i]);
	}
	buf_free(&t);
}

static void
render_md_evidence(struct buf *out, const struct diag_incident *inc, int explain)
{
	struct buf t = BUF_INIT;
	size_t i, j;

	if (inc->nprobes && !explain && render_probe_ran(inc->probes, inc->nprobes) == 0) {
		buf_puts(out, "\n### Probes\n\n");
		render_probe_why_none(&t, "No probe ran", inc->probes, inc->nprobes);
		render_md_text(out, buf_str(&t));
		buf_putc(out, '\n');
	} else if (inc->nprobes) {
		buf_puts(out, "\n### Probes\n\n");
		buf_puts(out, "| | Probe | Result | Detail |\n|---|---|---|---|\n");
		for (i = 0; i < inc->nprobes; i++) {
			const struct probe_result *r = &inc->probes[i];
			int failed = probe_result_failed(r);

			if ((!explain && r->status == PROBE_SKIPPED) ||
			    render_probe_repeated(inc->probes, i))
				continue;
			buf_puts(out, failed ? "| **✗ failed** | " : "| | ");
			render_md_cell(out, r->probe ? r->probe : "?");
			buf_puts(out, failed ? " | **" : " | ");
			render_md_cell(out, r->status == PROBE_OBSERVED && r->value ? r->value :
			    probe_status_name(r->status));
			buf_puts(out, failed ? "** | " : " | ");
			render_md_cell(out, r->detail);
			buf_puts(out, " |\n");
		}
		for (i = 0; explain && i < inc->nprobes; i++) {
			const struct probe_result *r = &inc->probes[i];

			if (r->ntranscript == 0)
				continue;
			buf_puts(out, "\nTranscript of ");
			render_md_code(out, r->probe ? r->probe : "?");
			buf_puts(out, ":\n\n");
			for (j = 0; j < r->ntranscript; j++)
				/* indented code: nothing in it is markup */
				buf_printf(out, "    %s\n", r->transcript[j]);
		}
	}
	if (inc->nunchecked) {
		buf_puts(out, "\n### Not checked\n\n");
		for (i = 0; i < inc->nunchecked; i++) {
			buf_puts(out, "- ");
			render_md_code(out, inc->unchecked[i].source);
			buf_reset(&t);
			if (explain)
				buf_printf(&t, ": %s (%s)", inc->unchecked[i].title,
				    inc->unchecked[i].why);
			else
				buf_printf(&t, ": %s", inc->unchecked[i].why);
			render_md_text(out, buf_str(&t));
			buf_putc(out, '\n');
		}
	}
	buf_free(&t);
}

/* "- **Name:** text" with text escaped. */
static void
render_md_fact(struct buf *out, const char *name, const char *text)
{
	buf_printf(out, "- **%s:** ", name);
	render_md_text(out, text);
	buf_putc(out, '\n');
}

static void
render_md_incident(struct buf *out, const struct diag_incident *inc, size_t k, int explain)
{
	struct buf t = BUF_INIT;
	size_t i, j;

	buf_printf(out, "\n## %zu. %s: ", k, inc->article);
	render_md_text(out, inc->title);
	buf_puts(out, "\n\n- **Error:** ");
	render_md_code(out, inc->error);
	buf_putc(out, '\n');
	render_seen(&t, inc);
	render_md_fact(out, "Seen", buf_str(&t));
	buf_reset(&t);
	if (render_rate(&t, inc))
		render_md_fact(out, "Rate", buf_str(&t));
	buf_reset(&t);
	render_peer(&t, inc);
	render_md_fact(out, "Smart host", buf_str(&t));
	buf_reset(&t);
	if (render_phases(&t, inc))
		render_md_fact(out, "SMTP phase", buf_str(&t));
	if (inc->last_command) {
		buf_puts(out, "- **Last sent:** ");
		render_md_code(out, inc->last_command);
		buf_putc(out, '\n');
	}
	if (inc->last_reply) {
		buf_puts(out, "- **Last reply:** ");
		render_md_code(out, inc->last_reply);
		buf_putc(out, '\n');
	}
	buf_reset(&t);
	render_where(&t, inc);
	render_md_fact(out, "Where", buf_str(&t));
	if (inc->ended_article) {
		buf_reset(&t);
		render_ended(&t, inc);
		render_md_fact(out, "Ended", buf_str(&t));
	}
	if (inc->ncauses) {
		buf_puts(out, "\n### Possible causes\n\n");
		buf_printf(out, "Best first (%s).\n\n", render_basis_text(inc));
		for (i = 0; i < inc->ncauses; i++) {
			const struct diag_cause *c = &inc->causes[i];

			buf_printf(out, "%zu. **", i + 1);
			render_md_text(out, c->title);
			buf_puts(out, "** (");
			render_md_code(out, c->id);
			buf_printf(out, "): %d%%%s\n", render_percent(c->confidence),
			    c->ruled_out ? ", ruled out" : "");
			for (j = 0; j < c->nevidence; j++) {
				buf_reset(&t);
				render_evidence_line(&t, &c->evidence[j]);
				buf_puts(out, "   - ");
				render_md_text(out, buf_str(&t));
				buf_putc(out, '\n');
			}
			if (explain) {
				buf_reset(&t);
				render_cause_math(&t, c);
				buf_puts(out, "   - = ");
				render_md_text(out, buf_str(&t));
				buf_putc(out, '\n');
			}
		}
		if (inc->article_confidence < 1)
			buf_printf(out, "\nThis article explains the line with %d%% confidence "
			    "against the others that also do.\n",
			    render_percent(inc->article_confidence));
	}
	render_md_evidence(out, inc, explain);
	render_md_steps(out, inc, 0);
	buf_free(&t);
}

/* "3 incidents in 151 lines of 1 log; ..." under the verdict. */
static void
render_incidents_line(struct buf *t, const struct diagnosis *d, const struct verdict *v)
{
	render_summary_line(t, d);
	if (v->kind == VERDICT_INCIDENT && d->nincidents > 1)
		buf_printf(t, " The verdict is about incident %zu, the one with the most "
		    "attempts; all of them follow.", v->index + 1);
}

static void
render_md_verdict(struct buf *out, const struct diagnosis *d)
{
	struct verdict v;
	struct buf t = BUF_INIT;

	verdict_make(d, &v);
	buf_puts(out, "## Verdict\n\n");
	render_md_fact(out, v.kind == VERDICT_INCIDENT ? "What happened" : "Nothing to fix",
	    v.what);
	if (v.cause)
		render_md_fact(out, "Most likely cause", v.cause);
	if (v.step) {
		buf_puts(out, "- **First thing to do:** ");
		render_md_step(out, v.step);
		buf_putc(out, '\n');
	}
	if (v.kind == VERDICT_INCIDENT) {
		buf_putc(out, '\n');
		render_incidents_line(&t, d, &v);
		render_md_text(out, buf_str(&t));
		buf_putc(out, '\n');
	}
	buf_free(&t);
	verdict_clear(&v);
}

/* The closing summary: what was read, matched and not known; the logs. */
void
render_unmatched_md(struct buf *out, const struct diag_summary *sum)
{
	struct buf t = BUF_INIT;
	size_t i;

	buf_reset(&t);
	if (render_unmatched_server(&t, sum)) {
		buf_putc(out, '\n');
		render_md_text(out, buf_str(&t));
		buf_putc(out, '\n');
	}
	if (sum->unmatched_errors) {
		buf_reset(&t);
		render_unmatched_intro(&t, sum);
		buf_putc(out, '\n');
		render_md_text(out, buf_str(&t));
		buf_puts(out, "\n\n");
		for (i = 0; i < render_shown_groups(sum); i++) {
			const struct diag_group *g = &sum->unmatched_groups[i];

			buf_printf(out, "- %llu %s", g->count, render_plural(g->count, "line",
			    "lines"));
			if (g->program[0]) {
				buf_puts(out, " of ");
				render_md_code(out, g->program);
			}
			buf_puts(out, ": ");
			render_md_code(out, g->shape);
			buf_reset(&t);
			buf_printf(&t, "e.g. %s:%lu:", g->sample.file, g->sample.line);
			buf_puts(out, "\n  ");
			render_md_text(out, buf_str(&t));
			buf_putc(out, ' ');
			render_md_code(out, g->sample.text);
			buf_putc(out, '\n');
		}
		buf_reset(&t);
		if (render_unmatched_more(&t, sum)) {
			buf_putc(out, '\n');
			render_md_text(out, buf_str(&t));
			buf_putc(out, '\n');
		}
	}
	buf_free(&t);
}

static void
render_md_summary(struct buf *out, const struct diagnosis *d)
{
	const struct diag_summary *sum = &d->summary;
	struct buf t = BUF_INIT;
	size_t i;

	buf_puts(out, "\n## Summary\n\n");
	render_counts(&t, d);
	render_md_text(out, buf_str(&t));
	buf_puts(out, "\n\n");
	for (i = 0; i < d->ninputs; i++) {
		buf_puts(out, "- ");
		render_md_code(out, d->inputs[i].name);
		if (d->inputs[i].format)
			buf_printf(out, ": %lu %s, %s format%s\n", d->inputs[i].lines,
			    render_plural(d->inputs[i].lines, "line", "lines"),
			    d->inputs[i].format, d->inputs[i].error ? " (incomplete)" : "");
		else
			buf_puts(out, ": not read\n");
	}
	buf_free(&t);
	render_unmatched_md(out, sum);
}

static void
render_md_warnings(struct buf *out, const struct diagnosis *d)
{
	size_t i;

	if (d->nwarnings == 0 && diag_input_errors(d) == 0)
		return;
	buf_puts(out, "\n## Problems reading the logs\n\n");
	for (i = 0; i < d->ninputs; i++)
		if (d->inputs[i].error) {
			buf_puts(out, "- ");
			render_md_text(out, d->inputs[i].error);
			buf_putc(out, '\n');
		}
	for (i = 0; i < d->nwarnings; i++) {
		buf_puts(out, "- ");
		render_md_text(out, d->warnings[i]);
		buf_putc(out, '\n');
	}
	if (d->warnings_dropped)
		buf_printf(out, "- %zu more warnings not shown\n", d->warnings_dropped);
}

static void
render_md_diagnosis(const struct diagnosis *d, struct buf *out, int explain,
    struct render_sink *sink)
{
	size_t i;

	buf_puts(out, "# kbdiag diagnosis\n\n");
	render_md_verdict(out, d);
	if (d->probe_note) {
		buf_putc(out, '\n');
		render_md_text(out, d->probe_note);
		buf_putc(out, '\n');
	}
	for (i = 0; i < d->nincidents; i++) {
		render_md_incident(out, &d->incidents[i], i + 1, explain);
		render_sink_part(out, sink);
	}
	render_md_summary(out, d);
	render_md_warnings(out, d);
}

/* ---------------------------------------------------------------------- */
/* HTML (the document and its stylesheet: html.h)                           */

/* <dt>term</dt><dd>def</dd>, def in <code> with code set. */
static void
render_html_dl(xmlNodePtr dl, const char *term, const char *def, int code)
{
	xmlNodePtr dd;

	html_el(dl, "dt", term);
	dd = html_el(dl, "dd", code ? NULL : def);
	if (code)
		html_el(dd, "code", def);
}

void
render_html_step(xmlNodePtr li, const struct diag_step *s)
{
	size_t i;

	for (i = 0; i < s->nspans; i++) {
		if (s->spans[i].code)
			html_el(li, "code", s->spans[i].text);
		else
			html_text(li, s->spans[i].text);
	}
}

void
render_html_steps(xmlNodePtr sec, const struct diag_incident *inc)
{
	xmlNodePtr ol = NULL, li, p;
	size_t i;

	if (inc->nsteps) {
		html_el(sec, "h3", "What to do");
		ol = html_attr(html_el(sec, "ol", NULL), "class", "steps");
	}
	for (i = 0; i < inc->nsteps; i++) {
		const struct diag_step *s = &inc->steps[i];
		struct diag_step w;

		li = html_attr(html_el(ol, "li", NULL), "data-step", s->id);
		if (s->done) {
			html_attr(li, "class", "done");
			html_el(li, "strong", "Done. ");
		}
		render_html_step(li, s);
		if (s->done)
			html_attr(html_elf(li, "p", "Done already (%s): %s.", s->done_ref, s->done),
			    "class", "done");
		if (s->found)
			html_attr(html_elf(li, "p", "Found: %s.", s->found), "class", "found");
		if (s->nworked) {
			memset(&w, 0, sizeof(w));
			w.spans = s->worked;
			w.nspans = s->nworked;
			p = html_attr(html_el(li, "p", NULL), "class", "worked");
			html_el(p, "em", "Worked when: ");
			render_html_step(p, &w);
		}
	}
	if (inc->nunneeded) {
		html_el(sec, "h3", "Not needed");
		html_el(sec, "p", "The evidence rules out the causes of these steps.");
		ol = html_attr(html_el(sec, "ul", NULL), "class", "unneeded");
		for (i = 0; i < inc->nunneeded; i++) {
			char *brief = render_step_brief(&inc->unneeded[i]);
			struct buf t = BUF_INIT;

			li = html_attr(html_el(ol, "li", NULL), "data-step", inc->unneeded[i].id);
			html_el(li, "code", inc->unneeded[i].id);
			buf_printf(&t, ": %s Not needed: %s.", brief, inc->unneeded[i].because);
			html_text(li, buf_str(&t));
			buf_free(&t);
			free(brief);
		}
	}
}

/* Probes: a table, the failed layers marked; transcripts behind a disclosure. */
static void
render_html_probes(xmlNodePtr sec, const struct diag_incident *inc)
{
	struct buf t = BUF_INIT;
	xmlNodePtr parent = sec;

	html_el(sec, "h3", "Probes");
	if (render_probe_ran(inc->probes, inc->nprobes) == 0) {
		render_probe_why_none(&t, "No probe ran", inc->probes, inc->nprobes);
		html_el(sec, "p", buf_str(&t));
		buf_reset(&t);
		/* the rows are still there, one click away */
		parent = html_el(sec, "details", NULL);
		buf_printf(&t, "The %zu probes, all skipped", inc->nprobes);
		html_el(parent, "summary", buf_str(&t));
	}
	render_probe_html_table(parent, inc->probes, inc->nprobes);
	buf_free(&t);
}

static void
render_html_causes(xmlNodePtr sec, const struct diag_incident *inc)
{
	struct buf t = BUF_INIT;
	xmlNodePtr ol, li, ul, det;
	size_t i, j;

	html_el(sec, "h3", "Possible causes");
	html_elf(sec, "p", "Best first (%s).", render_basis_text(inc));
	ol = html_attr(html_el(sec, "ol", NULL), "class", "causes");
	for (i = 0; i < inc->ncauses; i++) {
		const struct diag_cause *c = &inc->causes[i];

		li = html_attr(html_el(ol, "li", NULL), "data-cause", c->id);
		if (c->ruled_out)
			html_attr(li, "class", "ruled-out");
		html_el(li, "strong", c->title);
		html_text(li, " ");
		html_el(li, "code", c->id);
		html_text(li, " ");
		html_attr(html_elf(li, "span", "%d%%", render_percent(c->confidence)), "class",
		    "confidence");
		if (c->ruled_out)
			html_text(li, " (ruled out)");
		if (c->nevidence) {
			ul = html_el(li, "ul", NULL);
			for (j = 0; j < c->nevidence; j++) {
				buf_reset(&t);
				render_evidence_line(&t, &c->evidence[j]);
				html_el(ul, "li", buf_str(&t));
			}
		}
		det = html_attr(html_el(li, "details", NULL), "class", "math");
		html_elf(det, "summary", "How %d%% came about", render_percent(c->confidence));
		buf_reset(&t);
		render_cause_math(&t, c);
		html_el(det, "p", buf_str(&t));
	}
	if (inc->article_confidence < 1)
		html_elf(sec, "p", "Other articles explain the same line too: this one does "
		    "with %d%% confidence against them.", render_percent(inc->article_confidence));
	buf_free(&t);
}

static void
render_html_incident(xmlNodePtr body, const struct diag_incident *inc, size_t k)
{
	struct buf t = BUF_INIT;
	xmlNodePtr sec, dl, ol, li;
	char id[32];
	size_t i;

	sec = html_attr(html_el(body, "section", NULL), "class", "incident");
	snprintf(id, sizeof(id), "incident-%zu", k);
	html_attr(sec, "id", id);
	html_elf(sec, "h2", "%zu. %s: %s", k, inc->article, inc->title);
	dl = html_attr(html_el(sec, "dl", NULL), "class", "facts");
	render_html_dl(dl, "Error", inc->error, 1);
	render_seen(&t, inc);
	render_html_dl(dl, "Seen", buf_str(&t), 0);
	buf_reset(&t);
	if (render_rate(&t, inc))
		render_html_dl(dl, "Rate", buf_str(&t), 0);
	buf_reset(&t);
	render_peer(&t, inc);
	render_html_dl(dl, "Smart host", buf_str(&t), 0);
	buf_reset(&t);
	if (render_phases(&t, inc))
		render_html_dl(dl, "SMTP phase", buf_str(&t), 0);
	if (inc->last_command)
		render_html_dl(dl, "Last sent", inc->last_command, 1);
	if (inc->last_reply)
		render_html_dl(dl, "Last reply", inc->last_reply, 1);
	buf_reset(&t);
	render_where(&t, inc);
	render_html_dl(dl, "Where", buf_str(&t), 0);
	if (inc->ended_article) {
		buf_reset(&t);
		render_ended(&t, inc);
		render_html_dl(dl, "Ended", buf_str(&t), 0);
	}
	if (inc->ncauses)
		render_html_causes(sec, inc);
	if (inc->nprobes)
		render_html_probes(sec, inc);
	if (inc->nunchecked) {
		html_el(sec, "h3", "Not checked");
		ol = html_el(sec, "ul", NULL);
		for (i = 0; i < inc->nunchecked; i++)
			html_elf(ol, "li", "%s: %s (%s)", inc->unchecked[i].source,
			    inc->unchecked[i].title, inc->unchecked[i].why);
	}
	render_html_steps(sec, inc);
	(void)li;
	buf_free(&t);
}

/* The verdict, first on the page: what happened, why, what to do first. */
static void
render_html_verdict(xmlNodePtr body, const struct diagnosis *d)
{
	static const char *const kind_class[] = { "verdict", "verdict clear", "verdict unread" };
	struct buf t = BUF_INIT;
	struct verdict v;
	xmlNodePtr sec, dl, dd;

	verdict_make(d, &v);
	sec = html_attr(html_attr(html_el(body, "section", NULL), "id", "verdict"), "class",
	    kind_class[v.kind]);
	html_el(sec, "h2", "Verdict");
	dl = html_attr(html_el(sec, "dl", NULL), "class", "facts");
	html_el(dl, "dt", v.kind == VERDICT_INCIDENT ? "What happened" : "Nothing to fix");
	html_el(dl, "dd", v.what);
	if (v.cause) {
		html_el(dl, "dt", "Most likely cause");
		html_el(dl, "dd", v.cause);
	}
	if (v.step) {
		html_el(dl, "dt", "First thing to do");
		dd = html_el(dl, "dd", NULL);
		render_html_step(dd, v.step);
	}
	if (v.kind == VERDICT_INCIDENT) {
		render_incidents_line(&t, d, &v);
		html_el(sec, "p", buf_str(&t));
	}
	buf_free(&t);
	verdict_clear(&v);
}

void
render_unmatched_html(xmlNodePtr sec, const struct diag_summary *sum)
{
	struct buf t = BUF_INIT;
	size_t i;

	buf_reset(&t);
	if (render_unmatched_server(&t, sum))
		html_el(sec, "p", buf_str(&t));
	if (sum->unmatched_errors) {
		xmlNodePtr table, tr, td;

		buf_reset(&t);
		render_unmatched_intro(&t, sum);
		html_el(sec, "p", buf_str(&t));
		table = html_attr(html_el(sec, "table", NULL), "class", "unmatched");
		tr = html_el(table, "tr", NULL);
		html_el(tr, "th", "Lines");
		html_el(tr, "th", "Program");
		html_el(tr, "th", "Shape");
		html_el(tr, "th", "First line");
		for (i = 0; i < render_shown_groups(sum); i++) {
			const struct diag_group *g = &sum->unmatched_groups[i];

			tr = html_el(table, "tr", NULL);
			html_elf(tr, "td", "%llu", g->count);
			html_el(tr, "td", g->program);
			html_el(html_el(tr, "td", NULL), "code", g->shape);
			td = html_elf(tr, "td", "%s:%lu: ", g->sample.file, g->sample.line);
			html_el(td, "code", g->sample.text);
		}
		buf_reset(&t);
		if (render_unmatched_more(&t, sum))
			html_el(sec, "p", buf_str(&t));
	}
	buf_free(&t);
}

/* html_doc_parts()'s part i: incident i of the diagnosis ctx. */
static void
render_html_part(void *ctx, xmlNodePtr parent, size_t i)
{
	const struct diagnosis *d = ctx;

	render_html_incident(parent, &d->incidents[i], i + 1);
}

static void
render_html_summary(xmlNodePtr body, const struct diagnosis *d)
{
	const struct diag_summary *sum = &d->summary;
	struct buf t = BUF_INIT;
	xmlNodePtr sec, ul, li;
	size_t i;

	sec = html_attr(html_attr(html_el(body, "section", NULL), "id", "summary"), "class",
	    "summary");
	html_el(sec, "h2", "Summary");
	render_counts(&t, d);
	html_el(sec, "p", buf_str(&t));
	ul = html_el(sec, "ul", NULL);
	for (i = 0; i < d->ninputs; i++) {
		li = html_el(ul, "li", NULL);
		html_el(li, "code", d->inputs[i].name);
		buf_reset(&t);
		if (d->inputs[i].format)
			buf_printf(&t, ": %lu %s, %s format%s", d->inputs[i].lines,
			    render_plural(d->inputs[i].lines, "line", "lines"),
			    d->inputs[i].format, d->inputs[i].error ? " (incomplete)" : "");
		else
			buf_puts(&t, ": not read");
		html_text(li, buf_str(&t));
	}
	buf_free(&t);
	render_unmatched_html(sec, sum);
}

static int
render_html_diagnosis(const struct diagnosis *d, struct buf *out, struct render_sink *sink,
    char err[ERR_LEN])
{
	xmlNodePtr body, ul, mark = NULL;
	xmlDocPtr doc = html_doc_new("kbdiag diagnosis", &body);
	size_t i;

	render_html_verdict(body, d);
	if (d->probe_note)
		html_attr(html_el(body, "p", d->probe_note), "class", "note");
	/* written part by part: the incidents go where the mark is (html.h) */
	if (sink != NULL && d->nincidents)
		mark = html_mark(body);
	else
		for (i = 0; i < d->nincidents; i++)
			render_html_incident(body, &d->incidents[i], i + 1);
	render_html_summary(body, d);
	if (d->nwarnings || diag_input_errors(d)) {
		html_el(body, "h2", "Problems reading the logs");
		ul = html_el(body, "ul", NULL);
		for (i = 0; i < d->ninputs; i++)
			if (d->inputs[i].error)
				html_el(ul, "li", d->inputs[i].error);
		for (i = 0; i < d->nwarnings; i++)
			html_el(ul, "li", d->warnings[i]);
		if (d->warnings_dropped)
			html_elf(ul, "li", "%zu more warnings not shown", d->warnings_dropped);
	}
	if (mark == NULL)
		return html_doc_end(doc, out, err);
	return html_doc_parts(doc, mark, d->nincidents, render_html_part, (void *)d, out,
	    sink, err);
}

/* ---------------------------------------------------------------------- */
/* JSON                                                                     */

static json_t *
render_jstr(const char *s)
{
	json_t *j;
	char *safe;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL)
		return j;
	/* Not UTF-8 after all: never let that lose the whole report. */
	safe = text_sanitize(s, strlen(s), 0);
	j = json_string(safe);
	free(safe);
	return j ? j : json_null();
}

static json_t *
render_jstrs(char * const *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, render_jstr(v[i]));
	return a;
}

static json_t *
render_jreal(double x)
{
	return json_real(round(x * 1000.0) / 1000.0);
}

/* render_jreal() written: x to three decimals, or null when none. */
static void
render_jw_real(struct jw *w, int none, double x)
{
	if (none)
		jw_null(w);
	else
		jw_real(w, round(x * 1000.0) / 1000.0);
}

/* A member that is an array of strings. */
static void
render_json_strs(struct jw *w, const char *key, char * const *v, size_t n)
{
	size_t i;

	jw_key(w, key);
	jw_arr(w);
	for (i = 0; i < n; i++)
		jw_str(w, v[i]);
	jw_end(w);
}

/* A step as a tree, for the article's page (kb show): render_json_step()'s keys. */
/* The incident's "not_checked" member: the evidence no probe could check, and why. */
void
render_json_not_checked(struct jw *w, const struct diag_incident *inc)
{
	size_t i;

	jw_key(w, "not_checked");
	jw_arr(w);
	for (i = 0; i < inc->nunchecked; i++) {
		jw_obj(w);
		jw_kstr(w, "source", inc->unchecked[i].source);
		jw_kstr(w, "title", inc->unchecked[i].title);
		jw_kstr(w, "why", inc->unchecked[i].why);
		jw_end(w);
	}
	jw_end(w);
}

static json_t *
render_json_step_tree(const struct diag_step *s)
{
	json_t *o = json_object();
	char *text = render_step_text(s), *md = render_step_markdown(s);

	json_object_set_new(o, "n", json_integer(s->n));
	json_object_set_new(o, "id", render_jstr(s->id));
	json_object_set_new(o, "text", render_jstr(text));
	json_object_set_new(o, "markdown", render_jstr(md));
	json_object_set_new(o, "addresses", render_jstrs(s->addresses, s->naddresses));
	free(text);
	free(md);
	text = render_step_worked(s, 0);
	json_object_set_new(o, "worked", s->nworked ? render_jstr(text) : json_null());
	free(text);
	json_object_set_new(o, "done", render_jstr(s->done));
	json_object_set_new(o, "done_by", render_jstr(s->done_ref));
	json_object_set_new(o, "found", render_jstr(s->found));
	if (s->because != NULL)
		json_object_set_new(o, "because", render_jstr(s->because));
	return o;
}

/* A step of an incident (steps or not_needed). */
static void
render_json_step(struct jw *w, const struct diag_step *s)
{
	char *text = render_step_text(s), *md = render_step_markdown(s);

	jw_obj(w);
	jw_kint(w, "n", s->n);
	jw_kstr(w, "id", s->id);
	jw_kstr(w, "text", text);
	jw_kstr(w, "markdown", md);
	render_json_strs(w, "addresses", s->addresses, s->naddresses);
	free(text);
	free(md);
	text = s->nworked ? render_step_worked(s, 0) : NULL;
	jw_kstr(w, "worked", text);
	free(text);
	jw_kstr(w, "done", s->done);
	jw_kstr(w, "done_by", s->done_ref);
	jw_kstr(w, "found", s->found);
	if (s->because != NULL)
		jw_kstr(w, "because", s->because);
	jw_end(w);
}

static void
render_json_evidence(struct jw *w, const struct diag_cause *c)
{
	size_t i;

	jw_arr(w);
	for (i = 0; i < c->nevidence; i++) {
		const struct diag_evidence *e = &c->evidence[i];

		jw_obj(w);
		jw_kstr(w, "ref", e->ref);
		jw_kstr(w, "effect", e->excludes ? "excludes" : e->confirms ? "confirms" :
		    "refutes");
		jw_key(w, "weight");
		render_jw_real(w, e->excludes, e->weight);
		jw_key(w, "log_odds");
		render_jw_real(w, e->excludes, e->log_odds);
		jw_kstr(w, "why", e->why);
		jw_kstr(w, "origin", e->origin);
		jw_kstr(w, "detail", e->detail);
		jw_end(w);
	}
	jw_end(w);
}

/* The tcp_info keys kbdiag writes back (rank > 0), in the order of their rank. */
static const struct {
	const char	*key;
	size_t		 off;	/* in struct reader_tcp */
	int		 rank;
} render_tcp_keys[] = {
#define TCP_KEY(key, type, rank) { #key, offsetof(struct reader_tcp, key), rank },
	TCPINFO_KEYS(TCP_KEY)
#undef TCP_KEY
};

static void
render_json_tcp(struct jw *w, const struct reader_tcp *t)
{
	int rank;
	size_t i;

	jw_obj(w);
	for (rank = 1; rank <= TCPINFO_NKEYS; rank++)
		for (i = 0; i < TCPINFO_NKEYS; i++)
			if (render_tcp_keys[i].rank == rank) {
				long long v = *(const long long *)((const char *)t +
				    render_tcp_keys[i].off);

				if (v >= 0)
					jw_kint(w, render_tcp_keys[i].key, v);
			}
	if (t->state[0] != '\0')
		jw_kstr(w, "state", t->state);
	jw_end(w);
}

/*
 * An incident, written straight (render_json.h's writer): the keys and
 * bytes of docs/json.md, as the jansson tree of earlier versions printed.
 */
static void
render_json_incident(struct jw *w, const struct diag_incident *inc)
{
	size_t i;

	jw_obj(w);
	jw_kstr(w, "article", inc->article);
	jw_kstr(w, "title", inc->title);
	jw_kstr(w, "error", inc->error);
	jw_kint(w, "count", (long long)inc->count);
	jw_kint(w, "attempts", (long long)inc->count);
	jw_kint(w, "lines", (long long)inc->lines);
	jw_kint(w, "companions", (long long)inc->companions);
	jw_kint(w, "held", (long long)inc->held);
	jw_kstr(w, "origin", inc->origin);
	jw_kstr(w, "source", inc->source);
	jw_kstr(w, "site", inc->site);
	jw_kstr(w, "file", inc->file);
	jw_kint(w, "episode", inc->episode ? inc->episode : 1);
	jw_key(w, "year_inferred");
	jw_bool(w, inc->year_inferred);
	jw_kstr(w, "failure", inc->failure);
	jw_key(w, "messages");
	jw_obj(w);
	jw_kint(w, "count", (long long)inc->messages);
	render_json_strs(w, "queue_ids", inc->queue_ids, inc->nqueue_ids);
	jw_kint(w, "delivered_later", (long long)inc->delivered_later);
	jw_kint(w, "delivered_elsewhere", (long long)inc->delivered_elsewhere);
	jw_kint(w, "retries_ended", (long long)inc->retries_ended);
	jw_end(w);
	jw_kstr(w, "first_seen", inc->first_seen[0] ? inc->first_seen : NULL);
	jw_kstr(w, "last_seen", inc->last_seen && inc->last_seen[0] ? inc->last_seen : NULL);
	jw_key(w, "rate_per_hour");
	render_jw_real(w, !(inc->rate_per_hour > 0), inc->rate_per_hour);
	jw_key(w, "frequent");
	jw_bool(w, inc->frequent);
	jw_kstr(w, "phase", inc->phase);
	jw_kstr(w, "last_command", inc->last_command);
	jw_kstr(w, "last_reply", inc->last_reply);
	jw_key(w, "transcript");
	jw_obj(w);
	jw_kstr(w, "greeting", inc->greeting);
	jw_kstr(w, "helo", inc->helo);
	jw_kstr(w, "helo_reply", inc->helo_reply);
	jw_end(w);
	jw_kstr(w, "gateway_version", inc->gateway_version);
	jw_key(w, "ended");
	if (inc->ended_article != NULL) {
		jw_obj(w);
		jw_kstr(w, "article", inc->ended_article);
		jw_kstr(w, "peer", inc->ended_peer);
		jw_kstr(w, "first_seen", inc->ended_first_seen);
		jw_end(w);
	} else
		jw_null(w);
	/* One key a phase: correlate.c counts each phase once. */
	jw_key(w, "phases");
	jw_obj(w);
	for (i = 0; i < inc->nphases; i++)
		jw_kint(w, inc->phases[i].phase, (long long)inc->phases[i].count);
	jw_end(w);
	jw_key(w, "peer");
	jw_obj(w);
	jw_kstr(w, "host", inc->peer.host);
	jw_key(w, "port");
	if (inc->peer.port)
		jw_int(w, inc->peer.port);
	else
		jw_null(w);
	jw_kstr(w, "source", inc->peer.host == NULL ? "none" : inc->peer_from_cli ?
	    "command-line" : "log");
	jw_kstr(w, "address", inc->peer.address);
	jw_end(w);
	jw_key(w, "locations");
	jw_arr(w);
	for (i = 0; i < inc->nlocations; i++) {
		jw_obj(w);
		jw_kstr(w, "file", inc->locations[i].file);
		jw_kint(w, "line", (long long)inc->locations[i].line);
		jw_end(w);
	}
	jw_end(w);
	jw_kstr(w, "basis", rank_basis(inc));
	jw_key(w, "causes");
	jw_arr(w);
	for (i = 0; i < inc->ncauses; i++) {
		const struct diag_cause *c = &inc->causes[i];

		jw_obj(w);
		jw_kstr(w, "id", c->id);
		jw_kstr(w, "title", c->title);
		jw_key(w, "confidence");
		render_jw_real(w, 0, c->confidence);
		jw_key(w, "prior");
		render_jw_real(w, 0, c->prior);
		jw_key(w, "ruled_out");
		jw_bool(w, c->ruled_out);
		jw_key(w, "evidence");
		render_json_evidence(w, c);
		jw_end(w);
	}
	jw_end(w);
	jw_key(w, "article_confidence");
	render_jw_real(w, 0, inc->article_confidence);
	jw_kstr(w, "errno", inc->errno_name);
	jw_key(w, "tcp_info");
	if (inc->tcp)
		render_json_tcp(w, inc->tcp);
	else
		jw_null(w);
	jw_key(w, "observations");
	jw_arr(w);
	for (i = 0; i < inc->nobservations; i++) {
		const struct diag_observation *ob = &inc->observations[i];

		jw_obj(w);
		jw_kstr(w, "source", ob->source);
		jw_kstr(w, "value", ob->value);
		jw_kstr(w, "origin", ob->origin);
		jw_kstr(w, "detail", ob->detail);
		jw_end(w);
	}
	jw_end(w);
	render_json_not_checked(w, inc);
	jw_key(w, "steps");
	jw_arr(w);
	for (i = 0; i < inc->nsteps; i++)
		render_json_step(w, &inc->steps[i]);
	jw_end(w);
	jw_key(w, "not_needed");
	jw_arr(w);
	for (i = 0; i < inc->nunneeded; i++)
		render_json_step(w, &inc->unneeded[i]);
	jw_end(w);
	jw_key(w, "probes");
	render_probe_results_jw(w, inc->probes, inc->nprobes);
	jw_end(w);
}

void
render_unmatched_json(json_t *o, const struct diag_summary *sum)
{
	json_t *u = json_array();
	size_t i;

	json_object_set_new(o, "unmatched_errors",
	    json_integer((json_int_t)sum->unmatched_errors));
	for (i = 0; i < sum->nsamples; i++) {
		json_t *x = json_object();

		json_object_set_new(x, "file", render_jstr(sum->samples[i].file));
		json_object_set_new(x, "line", json_integer((json_int_t)sum->samples[i].line));
		json_object_set_new(x, "text", render_jstr(sum->samples[i].text));
		json_array_append_new(u, x);
	}
	json_object_set_new(o, "unmatched_samples", u);
	json_object_set_new(o, "unmatched_server_lines",
	    json_integer((json_int_t)sum->unmatched_server));
	u = json_array();
	for (i = 0; i < sum->nunmatched_groups; i++) {
		const struct diag_group *g = &sum->unmatched_groups[i];
		json_t *x = json_object(), *sm = json_object();

		json_object_set_new(x, "program", g->program[0] ? render_jstr(g->program) :
		    json_null());
		json_object_set_new(x, "shape", render_jstr(g->shape));
		json_object_set_new(x, "count", json_integer((json_int_t)g->count));
		json_object_set_new(sm, "file", render_jstr(g->sample.file));
		json_object_set_new(sm, "line", json_integer((json_int_t)g->sample.line));
		json_object_set_new(sm, "text", render_jstr(g->sample.text));
		json_object_set_new(x, "sample", sm);
		json_array_append_new(u, x);
	}
	json_object_set_new(o, "unmatched_groups", u);
	json_object_set_new(o, "unmatched_other",
	    json_integer((json_int_t)sum->unmatched_other));
}

static json_t *
render_json_summary(const struct diagnosis *d)
{
	const struct diag_summary *sum = &d->summary;
	json_t *o = json_object(), *a = json_object();
	size_t i;

	json_object_set_new(o, "lines", json_integer((json_int_t)sum->lines));
	json_object_set_new(o, "bytes", json_integer((json_int_t)sum->bytes));
	json_object_set_new(o, "matched", json_integer((json_int_t)sum->matched));
	json_object_set_new(o, "out_of_time", json_integer((json_int_t)sum->out_of_time));
	json_object_set_new(o, "incidents_not_held",
	    json_integer((json_int_t)sum->incidents_not_held));
	json_object_set_new(o, "lines_not_held", json_integer((json_int_t)sum->lines_not_held));
	json_object_set_new(o, "attempts_not_held",
	    json_integer((json_int_t)sum->attempts_not_held));
	for (i = 0; i < sum->narticles; i++)
		json_object_set_new(a, sum->articles[i].article,
		    json_integer((json_int_t)sum->articles[i].lines));
	json_object_set_new(o, "matched_by_article", a);
	a = json_object();
	for (i = 0; i < sum->ngroups; i++)
		json_object_set_new(a, sum->groups[i].article,
		    json_integer((json_int_t)sum->groups[i].lines));
	json_object_set_new(o, "matched_lines_by_articles", a);
	render_unmatched_json(o, sum);
	return o;
}

/*
 * The incidents of a JSON diagnosis, many of them (thousands in a large log)
 * and each one a tree to build and serialise: on two threads when there are
 * RENDER_JSON_TWO (16) or more. They go in chunks of RENDER_JSON_CHUNK; a helper
 * renders the odd chunks into one of two buffers while the caller renders the
 * even ones into out, and the caller writes them in order, so the bytes are
 * those of one thread. Memory: two chunks more than one thread holds.
 */
#define RENDER_JSON_CHUNK	8
#define RENDER_JSON_TWO		(2 * RENDER_JSON_CHUNK)

struct render_json_par {
	const struct diagnosis	*d;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct buf		 slot[2];
	int			 full[2];	/* rendered, not yet taken */
	int			 failed[2];
	int			 stop;		/* the caller wants no more */
};

/* Incidents [from, to) of d, each after its separator. */
static int
render_json_incidents(struct buf *out, const struct diagnosis *d, size_t from, size_t to,
    char err[ERR_LEN])
{
	struct jw w;
	size_t i;

	(void)err;
	for (i = from; i < to; i++) {
		buf_puts(out, i ? ",\n    " : "\n    ");
		jw_init(&w, out, 2);
		render_json_incident(&w, &d->incidents[i]);
	}
	return 0;
}

static size_t
render_json_chunk_end(const struct diagnosis *d, size_t c)
{
	size_t end = (c + 1) * RENDER_JSON_CHUNK;

	return end < d->nincidents ? end : d->nincidents;
}

static void *
render_json_helper(void *arg)
{
	struct render_json_par *p = arg;
	char err[ERR_LEN];
	size_t c, k = 0;
	int failed;

	for (c = 1; c * RENDER_JSON_CHUNK < p->d->nincidents; c += 2, k ^= 1) {
		pthread_mutex_lock(&p->mu);
		while (p->full[k] && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		failed = p->stop;
		pthread_mutex_unlock(&p->mu);
		if (failed)
			break;
		buf_reset(&p->slot[k]);
		failed = render_json_incidents(&p->slot[k], p->d, c * RENDER_JSON_CHUNK,
		    render_json_chunk_end(p->d, c), err) != 0;
		pthread_mutex_lock(&p->mu);
		p->failed[k] = failed;
		p->full[k] = 1;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

/* KBDIAG_SCAN=plain: one thread here too, as in diag.c (tests compare the two). */
static int
render_one_thread(void)
{
	const char *v = getenv("KBDIAG_SCAN");

	return v != NULL && strcmp(v, "plain") == 0;
}

static int
render_json_all_incidents(const struct diagnosis *d, struct buf *out,
    struct render_sink *sink, char err[ERR_LEN])
{
	struct render_json_par p;
	pthread_t helper;
	sigset_t all, old;
	size_t c, k = 0;
	int two = 0, rc = 0;

	if (d->nincidents >= RENDER_JSON_TWO && !render_one_thread()) {
		memset(&p, 0, sizeof(p));
		p.d = d;
		pthread_mutex_init(&p.mu, NULL);
		pthread_cond_init(&p.cv, NULL);
		/* Signals stay the caller's (a SIGPIPE, a SIGINT). */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		two = pthread_create(&helper, NULL, render_json_helper, &p) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (!two) {
			pthread_mutex_destroy(&p.mu);
			pthread_cond_destroy(&p.cv);
		}
	}
	for (c = 0; rc == 0 && c * RENDER_JSON_CHUNK < d->nincidents; c++) {
		if (!two || c % 2 == 0)
			rc = render_json_incidents(out, d, c * RENDER_JSON_CHUNK,
			    render_json_chunk_end(d, c), err);
		else {
			pthread_mutex_lock(&p.mu);
			while (!p.full[k])
				pthread_cond_wait(&p.cv, &p.mu);
			pthread_mutex_unlock(&p.mu);
			if (p.failed[k])
				rc = err_set(err, "cannot serialise the JSON output");
			else
				buf_append(out, p.slot[k].data, p.slot[k].len);
			pthread_mutex_lock(&p.mu);
			p.full[k] = 0;
			pthread_cond_broadcast(&p.cv);
			pthread_mutex_unlock(&p.mu);
			k ^= 1;
		}
		render_sink_part(out, sink);
	}
	if (two) {
		pthread_mutex_lock(&p.mu);
		p.stop = 1;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
		pthread_join(helper, NULL);
		buf_free(&p.slot[0]);
		buf_free(&p.slot[1]);
		pthread_mutex_destroy(&p.mu);
		pthread_cond_destroy(&p.cv);
	}
	return rc;
}

static int
render_json_diagnosis(const struct diagnosis *d, struct buf *out, struct render_sink *sink,
    char err[ERR_LEN])
{
	json_t *a;
	size_t i;

	a = json_array();
	for (i = 0; i < d->ninputs; i++) {
		const struct diag_input *in = &d->inputs[i];
		json_t *o = json_object();

		json_object_set_new(o, "file", render_jstr(in->name));
		json_object_set_new(o, "lines", json_integer((json_int_t)in->lines));
		json_object_set_new(o, "format", render_jstr(in->format));
		json_object_set_new(o, "error", render_jstr(in->error));
		json_object_set_new(o, "set", render_jstr(in->set));
		json_object_set_new(o, "read_order", in->order ? json_integer(in->order) :
		    json_null());
		if (in->year_from) {
			json_t *y = json_object();

			json_object_set_new(y, "inferred", json_true());
			json_object_set_new(y, "from", render_jstr(in->year_from));
			json_object_set_new(y, "anchor", render_jstr(in->year_anchor));
			json_object_set_new(o, "year", y);
		} else
			json_object_set_new(o, "year", json_null());
		json_array_append_new(a, o);
	}
	buf_puts(out, "{\n  \"inputs\": ");
	if (render_json_part(out, a, 2, err) != 0)
		return -1;
	buf_puts(out, ",\n  \"incidents\": [");
	if (render_json_all_incidents(d, out, sink, err) != 0)
		return -1;
	buf_puts(out, d->nincidents ? "\n  ],\n  \"summary\": " : "],\n  \"summary\": ");
	if (render_json_part(out, render_json_summary(d), 2, err) != 0)
		return -1;
	buf_puts(out, ",\n  \"warnings\": ");
	if (render_json_part(out, render_jstrs(d->warnings, d->nwarnings), 2, err) != 0)
		return -1;
	buf_printf(out, ",\n  \"warnings_dropped\": %zu", d->warnings_dropped);
	/* Why live probes were left out (diag_probe_policy()): only when they were. */
	if (d->probe_note != NULL) {
		buf_puts(out, ",\n  \"probe_note\": ");
		if (render_json_part(out, render_jstr(d->probe_note), 2, err) != 0)
			return -1;
	}
	/*
	 * What kbdiag verify saw after a fix (render_history.h): only once
	 * there is a history (an empty one read back stays), so that a
	 * diagnosis without one is written as it was before histories.
	 */
	if (d->history != NULL) {
		struct jw w;

		buf_puts(out, ",\n  \"history\": ");
		jw_init(&w, out, 1);
		render_history_jw(&w, d->history, d->nhistory, sink);
	}
	buf_puts(out, "\n}\n");
	return 0;
}

int
render_diagnosis(const struct diagnosis *d, enum render_format f, struct buf *out,
    char err[ERR_LEN])
{
	return render_diagnosis_explain(d, f, 0, out, err);
}

static int
render_diagnosis_to(const struct diagnosis *d, enum render_format f, int explain,
    struct buf *out, struct render_sink *sink, char err[ERR_LEN])
{
	switch (f) {
	case RENDER_TEXT:
		render_text_diagnosis(d, out, explain, sink);
		return 0;
	case RENDER_MARKDOWN:
		render_md_diagnosis(d, out, explain, sink);
		return 0;
	case RENDER_HTML:
		return render_html_diagnosis(d, out, sink, err);
	case RENDER_JSON:
		return render_json_diagnosis(d, out, sink, err);
	}
	return err_set(err, "unknown output format");
}

int
render_diagnosis_explain(const struct diagnosis *d, enum render_format f, int explain,
    struct buf *out, char err[ERR_LEN])
{
	return render_diagnosis_to(d, f, explain, out, NULL, err);
}

int
render_diagnosis_stream(const struct diagnosis *d, enum render_format f, int explain,
    int (*write)(void *arg, const char *p, size_t n), void *arg, char err[ERR_LEN])
{
	struct render_sink sink = { write, arg, 0 };
	struct buf out = BUF_INIT;

	return render_sink_end(&out, &sink, render_diagnosis_to(d, f, explain, &out, &sink,
	    err));
}

/* ---------------------------------------------------------------------- */
/* Query results                                                            */

/* "matches the primary symptom ..." or "shares the words network, write" */
static void
render_why(struct buf *out, const struct query_result *r)
{
	size_t i;

	if (r->how == QUERY_PATTERN) {
		buf_printf(out, "matches the %s symptom \"%s\"", kb_role_name(r->symptom->role),
		    r->symptom->message);
		if (r->nwords == 0)
			return;
		buf_puts(out, "; ");
	}
	if (r->nwords == 0) {
		buf_puts(out, "shares no word with the text");
		return;
	}
	buf_puts(out, r->how == QUERY_PATTERN ? "shares " : "shares the words ");
	for (i = 0; i < r->nwords; i++)
		buf_printf(out, "%s%s", i == 0 ? "" : i + 1 == r->nwords ? " and " : ", ",
		    r->words[i]);
}

/*
 * Why a result is there, for a weak answer: render_why() and the fields its
 * words were found in ("; in the title and keywords").
 */
static void
render_weak_why(struct buf *out, const struct query_result *r)
{
	size_t i;

	render_why(out, r);
	for (i = 0; i < r->nfields; i++)
		buf_printf(out, "%s%s", i == 0 ? " (in the " : i + 1 == r->nfields ? " and " :
		    ", ", r->fields[i].field);
	if (r->nfields)
		buf_putc(out, ')');
}

/* Lines in a receiving server's notation: said, as their words were not read. */
static void
render_server_lines(struct buf *out, size_t n)
{
	struct buf t = BUF_INIT;

	buf_printf(&t, "%zu line%s in a receiving server's notation (\"from "
	    "NAME[ADDRESS]\"): %s words were left out; only the articles' patterns were "
	    "tried on %s.", n, n == 1 ? " is" : "s are", n == 1 ? "its" : "their",
	    n == 1 ? "it" : "them");
	render_wrap(out, buf_str(&t), 0, 2);
	buf_free(&t);
}

/* "Read as mistakes: "netwrok" as "network", "c0unt" as "count" (OCR)." */
static void
render_forgiven(struct buf *t, const struct query_results *q)
{
	size_t i;

	buf_puts(t, "Read as mistakes:");
	for (i = 0; i < q->nforgiven; i++)
		buf_printf(t, "%s \"%s\" as \"%s\"%s", i ? "," : "", q->forgiven[i].typed,
		    q->forgiven[i].as, q->forgiven[i].ocr ? " (OCR)" : "");
	buf_putc(t, '.');
}

/*
 * "model": how the answer was decided ("by": "model", "rule" or "domain", no
 * sign of the gateway's world), the model's sum "z" (the confidence is its
 * logistic) and its "inputs", each with its "name", "value" and "weight"
 * (the first is the bias, of value 1).
 */
static void
render_query_model_json(json_t *root, const struct query_results *q)
{
	double x[QUERY_MODEL_MAX], z = 0;
	const char *names[QUERY_MODEL_MAX];
	size_t n = query_model_inputs(&q->features, x, names), i;
	enum query_decided by = query_decided_by(q);
	json_t *m = json_object(), *in = json_array();

	json_object_set_new(m, "by", json_string(by == QUERY_BY_MODEL ? "model" :
	    by == QUERY_BY_RULE ? "rule" : "domain"));
	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		z += query_model_weight(i) * x[i];
		json_object_set_new(o, "name", json_string(names[i]));
		json_object_set_new(o, "value", render_jreal(x[i]));
		json_object_set_new(o, "weight", render_jreal(query_model_weight(i)));
		json_array_append_new(in, o);
	}
	json_object_set_new(m, "z", render_jreal(z));
	json_object_set_new(m, "inputs", in);
	json_object_set_new(root, "model", m);
}

/* Why a fact row answers surely, as JSON's fact.by says it. */
static const char *
render_fact_by(enum query_fact_why why)
{
	switch (why) {
	case QUERY_FACT_SETTING:	return "setting";
	case QUERY_FACT_FILE:		return "file";
	case QUERY_FACT_NAMED:		return "named";
	case QUERY_FACT_WORDS:		return "name";
	case QUERY_FACT_MODEL:		break;
	}
	return "model";
}

static int
render_json_query(const struct query_results *q, struct buf *out, struct render_sink *sink,
    char err[ERR_LEN])
{
	json_t *root = json_object(), *f, *x;
	size_t i, j;
	int n;

	json_object_set_new(root, "query", render_jstr(q->query));
	json_object_set_new(root, "answer", json_string(query_answer_name(q->answer)));
	json_object_set_new(root, "confidence", render_jreal(q->confidence));
	f = json_array();
	for (i = 0; i < q->nforgiven; i++) {
		x = json_object();
		json_object_set_new(x, "typed", render_jstr(q->forgiven[i].typed));
		json_object_set_new(x, "as", render_jstr(q->forgiven[i].as));
		json_object_set_new(x, "ocr", json_boolean(q->forgiven[i].ocr));
		json_array_append_new(f, x);
	}
	json_object_set_new(root, "forgiven", f);
	f = json_array();
	for (i = 0; i < q->nsynonyms; i++) {
		x = json_object();
		json_object_set_new(x, "said", render_jstr(q->synonyms[i].said));
		json_object_set_new(x, "means", render_jstr(q->synonyms[i].term->means));
		json_object_set_new(x, "kind", render_jstr(q->synonyms[i].term->kind));
		json_array_append_new(f, x);
	}
	json_object_set_new(root, "synonyms", f);
	f = json_array();
	for (i = 0; i < q->nclasses; i++) {
		x = json_object();
		json_object_set_new(x, "said", render_jstr(q->classes[i].said));
		json_object_set_new(x, "class", json_string(q->classes[i].topic));
		json_array_append_new(f, x);
	}
	json_object_set_new(root, "word_classes", f);
	json_object_set_new(root, "dictionary", render_jstr(q->dictionary));
	json_object_set_new(root, "server_lines", json_integer((json_int_t)q->nserver));
	if (q->fact.row) {
		x = json_object();
		json_object_set_new(x, "table", render_jstr(q->fact.row->table));
		json_object_set_new(x, "key", render_jstr(q->fact.row->key));
		json_object_set_new(x, "text", render_jstr(q->fact.text));
		json_object_set_new(x, "sources", render_jstr(kb_row_field(q->fact.row,
		    "sources")));
		{
			json_t *also = json_array();
			size_t k;

			for (k = 0; k < q->fact.nalso; k++)
				json_array_append_new(also, render_jstr(q->fact.also[k]->key));
			json_object_set_new(x, "also", also);
		}
		json_object_set_new(x, "by", render_jstr(render_fact_by(q->fact.why)));
		json_object_set_new(x, "lifted", json_boolean(q->fact.lifted));
		json_object_set_new(root, "fact", x);
	} else
		json_object_set_new(root, "fact", json_null());
	x = json_object();
	json_object_set_new(x, "best", render_jreal(q->features.best));
	json_object_set_new(x, "margin", render_jreal(q->features.margin));
	json_object_set_new(x, "known", render_jreal(q->features.known));
	json_object_set_new(x, "mail_words", json_integer(q->features.mail));
	json_object_set_new(x, "network_words", json_integer(q->features.network));
	json_object_set_new(x, "pattern", json_boolean(q->features.pattern));
	json_object_set_new(x, "question", json_boolean(q->features.question));
	json_object_set_new(x, "specific", render_jreal(q->features.specific));
	json_object_set_new(x, "cover", render_jreal(q->features.cover));
	json_object_set_new(x, "foreign_words", json_integer(q->features.foreign));
	json_object_set_new(root, "features", x);
	render_query_model_json(root, q);
	/* written a result at a time (render_json.h) */
	if ((n = render_json_open(out, root, err)) < 0)
		return -1;
	render_json_key(out, (size_t)n++, "results");
	for (i = 0; i < q->nresults; i++) {
		const struct query_result *r = &q->results[i];
		json_t *o = json_object(), *w = json_array(), *fl = json_array();

		json_object_set_new(o, "article", render_jstr(r->article->id));
		json_object_set_new(o, "title", render_jstr(r->article->title));
		json_object_set_new(o, "kind", render_jstr(r->article->kind));
		json_object_set_new(o, "score", render_jreal(r->score));
		json_object_set_new(o, "match", json_string(query_how_name(r->how)));
		json_object_set_new(o, "symptom", r->symptom ? render_jstr(r->symptom->id) :
		    json_null());
		json_object_set_new(o, "message", r->symptom ?
		    render_jstr(r->symptom->message) : json_null());
		for (j = 0; j < r->nwords; j++)
			json_array_append_new(w, render_jstr(r->words[j]));
		json_object_set_new(o, "words", w);
		x = json_object();
		if (r->how == QUERY_PATTERN)
			json_object_set_new(x, "base", render_jreal(r->base));
		json_object_set_new(x, "query_cover", render_jreal(r->words_score));
		json_object_set_new(x, "order", render_jreal(r->order));
		json_object_set_new(x, "message_cover", render_jreal(r->message_cover));
		json_object_set_new(x, "lines", render_jreal(r->lines));
		for (j = 0; j < r->nfields; j++) {
			json_t *fo = json_object();

			json_object_set_new(fo, "field", json_string(r->fields[j].field));
			json_object_set_new(fo, "share", render_jreal(r->fields[j].share));
			json_array_append_new(fl, fo);
		}
		json_object_set_new(x, "fields", fl);
		json_object_set_new(o, "explain", x);
		render_json_element(out, i);
		if (render_json_part(out, o, 4, err) != 0)
			return -1;
		render_sink_part(out, sink);
	}
	render_json_array_end(out, q->nresults);
	render_json_close(out, (size_t)n);
	return 0;
}

/* "why: ..." for --explain. */
static void
render_query_why(struct buf *out, const struct query_result *r)
{
	size_t i;

	if (r->how == QUERY_PATTERN)
		buf_printf(out, "why: pattern [%s] of a %s symptom (base %.2f) + 0.10 x %.2f "
		    "of its message in the text; %.2f of the text's weight in its fields "
		    "(BM25F) decides among equal patterns", r->symptom->id,
		    kb_role_name(r->symptom->role), r->base, r->message_cover,
		    r->words_score);
	else
		buf_printf(out, "why: 0.90 x %.2f of the text's weight in its fields (BM25F) "
		    "x (0.60 + 0.40 x its best message or title: %.2f of its words, %.2f "
		    "of the word pairs in order)", r->words_score, r->message_cover, r->order);
	if (r->lines < 1)
		buf_printf(out, "; it explains %.0f%% of the pasted lines", r->lines * 100);
	for (i = 0; i < r->nfields; i++)
		buf_printf(out, "%s%s %.0f%%", i ? ", " : "; the words' weight came from ",
		    r->fields[i].field, 100 * r->fields[i].share);
}

/* Why a fact row answers surely (query_results.fact.why), in words. */
static const char *
render_fact_why(enum query_fact_why why)
{
	switch (why) {
	case QUERY_FACT_SETTING:
		return "a question with a setting that a row of the tables answers";
	case QUERY_FACT_FILE:
		return "a question about a file of the gateway's own that a row of the "
		    "tables answers";
	case QUERY_FACT_NAMED:
		return "a question that names a row of the tables by a word of the "
		    "field's own";
	case QUERY_FACT_WORDS:
		return "a question that names a row of the gateway's facts by words of its "
		    "name, with mail context and no other product";
	case QUERY_FACT_MODEL:
		break;
	}
	return "the answer model was sure";
}

/*
 * --explain: the row of the tables that answers (or, for a weak answer, is
 * shown weakly), how much of the text it holds, why it answers, and whether
 * its article was moved first.
 */
static void
render_query_fact(struct buf *t, const struct query_results *q)
{
	buf_printf(t, "Fact: the row %s of tables/%s.xml holds %.0f%% of the text's "
	    "weight and is from one of the first three articles; %s (%s)",
	    q->fact.row->key, q->fact.row->table, 100 * (q->fact.score > 1 ? 1 :
	    q->fact.score), q->answer == QUERY_SURE_ANSWER ? "it answers first" :
	    "it is shown first, as weak as the answer", q->answer != QUERY_SURE_ANSWER ?
	    "the answer model was not sure" : q->fact.why == QUERY_FACT_MODEL ?
	    "the answer model was sure" : "by rule, above");
	if (q->fact.lifted && q->nresults > 1)
		buf_printf(t, ", and %s, which it is from, goes before %s, which scored "
		    "higher", q->results[0].article->id, q->results[1].article->id);
	buf_putc(t, '.');
}

/*
 * --explain: how the answer model came to its confidence: each input that is
 * not 0, with its value and what it added to the sum (its coefficient times
 * the value), largest first; or the rule that answered instead.
 */
static void
render_query_model(struct buf *t, const struct query_results *q)
{
	double x[QUERY_MODEL_MAX], z;
	const char *names[QUERY_MODEL_MAX];
	size_t n = query_model_inputs(&q->features, x, names), i, j, order[QUERY_MODEL_MAX];

	switch (query_decided_by(q)) {
	case QUERY_OUT_OF_DOMAIN:
		buf_puts(t, "Not answered by rule: no pattern, mail word, word of the "
		    "gateway's own or most of one of its messages is in the text.");
		return;
	case QUERY_BY_RULE:
		buf_printf(t, "Answered by rule: %s.", q->features.matched ?
		    "a pattern of the gateway's own message, or the text as one of its "
		    "messages word for word" : render_fact_why(q->fact.why));
		return;
	case QUERY_BY_MODEL:
		break;
	}
	for (z = 0, i = 0; i < n; i++) {
		z += query_model_weight(i) * x[i];
		order[i] = i;
	}
	/* by what each added, largest first (insertion sort: a dozen inputs) */
	for (i = 1; i < n; i++)
		for (j = i; j > 1 && fabs(query_model_weight(order[j]) * x[order[j]]) >
		    fabs(query_model_weight(order[j - 1]) * x[order[j - 1]]); j--) {
			size_t k = order[j];

			order[j] = order[j - 1];
			order[j - 1] = k;
		}
	buf_printf(t, "Answer model (logistic regression, build/queryeval --fit): %+.2f "
	    "(bias)", query_model_weight(0));
	for (i = 1; i < n; i++)
		if (x[order[i]] != 0)
			buf_printf(t, " %+.2f (%s %.2f)", query_model_weight(order[i]) *
			    x[order[i]], names[order[i]], x[order[i]]);
	buf_printf(t, " = %.2f: confidence %.0f%%; sure from %.0f%%, weak from %.0f%%.", z,
	    100 / (1 + exp(-z)), 100 * QUERY_SURE, 100 * QUERY_WEAK);
}

/* What a word class of vocabulary.xml did to a text (--explain). */
static const char *
render_query_class_reads(const char *topic)
{
	if (strcmp(topic, "count") == 0)
		return "read as a count, not a code";
	if (strcmp(topic, "extension") == 0)
		return "read as a file name extension, no word of the field's own";
	if (strcmp(topic, "question") == 0)
		return "read as the start of a question";
	if (strcmp(topic, "message") == 0)
		return "kept in the word order before a name, as a message has it";
	if (strcmp(topic, "determiner") == 0)
		return "read as the text's own gateway";
	if (strcmp(topic, "unit") == 0)
		return "read as a measure, not a code";
	if (strcmp(topic, "product") == 0)
		return "read as a product's version, not a code";
	return "read as its class";
}

/* --explain: how the text was read and why the answer is what it is. */
static void
render_query_reading(struct buf *out, const struct query_results *q)
{
	const struct query_features *f = &q->features;
	struct buf t = BUF_INIT;
	size_t i;

	for (i = 0; i < q->nsynonyms; i++) {
		buf_printf(&t, "Vocabulary: \"%s\" (%s) read as \"%s\".", q->synonyms[i].said,
		    q->synonyms[i].term->kind, q->synonyms[i].term->means);
		render_wrap(out, buf_str(&t), 0, 2);
		buf_reset(&t);
	}
	for (i = 0; i < q->nclasses; i++) {
		buf_printf(&t, "Word class: \"%s\" (vocabulary.xml, %s) %s.", q->classes[i].said,
		    q->classes[i].topic, render_query_class_reads(q->classes[i].topic));
		render_wrap(out, buf_str(&t), 0, 2);
		buf_reset(&t);
	}
	if (q->dictionary)
		buf_printf(&t, "English words are not read as mistakes (word list %s).",
		    q->dictionary);
	else
		buf_puts(&t, "No English word list was found (install wamerican, or set "
		    "KBDIAG_DICT): a word the rule base lacks may be read as one of its "
		    "words even when it is an English word.");
	render_wrap(out, buf_str(&t), 0, 2);
	buf_reset(&t);
	buf_printf(&t, "Answer: %s, confidence %.0f%% (best score %.2f, margin %.2f, "
	    "%.0f%% of the content words known, %d mail and %d network words, %s%s%s%s%s",
	    query_answer_name(q->answer), 100 * q->confidence, f->best, f->margin,
	    100 * f->known, f->mail, f->network, f->pattern ? "a pattern match" :
	    "words only", f->question ? ", a question" : "",
	    f->run >= 3 ? ", quotes a message of the gateway's" : "",
	    f->program ? ", another program's message" : "",
	    f->own ? ", speaks of its own gateway" : "");
	if (f->elsewhere > 0)
		buf_printf(&t, ", %d word%s of other products or fields", f->elsewhere,
		    f->elsewhere == 1 ? "" : "s");
	buf_puts(&t, ").");
	render_wrap(out, buf_str(&t), 0, 2);
	buf_reset(&t);
	render_query_model(&t, q);
	render_wrap(out, buf_str(&t), 0, 2);
	if (q->fact.row != NULL && q->answer != QUERY_NONE) {
		buf_reset(&t);
		render_query_fact(&t, q);
		render_wrap(out, buf_str(&t), 0, 2);
	}
	buf_free(&t);
}

static struct diag_incident *render_kb_steps(const struct kb_article *a);
static void render_kb_free_steps(struct diag_incident *inc);

/* A knowledge article's first paragraph, as text. */
static char *
render_para_text(const struct kb_para *p)
{
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < p->nparts; i++)
		if (p->parts[i].kind == KB_PART_TEXT)
			buf_puts(&b, p->parts[i].text);
	return buf_detach(&b);
}

/* The answer, useful without a second command: likely causes, first steps. */
static void
render_query_answer(struct buf *out, const struct kb_article *a)
{
	struct diag_incident *inc;
	struct buf t = BUF_INIT;
	size_t i, j, order[3], n = 0;
	double sum = 0;

	if (a->knowledge) {
		buf_puts(out, "               ");
		render_wrap(out, a->summary, 15, 15);
		if (a->nbody > 0) {
			char *p = render_para_text(&a->body[0]);

			buf_puts(out, "               ");
			render_wrap(out, p, 15, 15);
			free(p);
		}
		return;
	}
	inc = render_kb_steps(a);
	/* The three causes with the highest prior, KB order among equals. */
	for (i = 0; i < a->ncauses; i++) {
		sum += a->causes[i].prior;
		for (j = n; j > 0 && a->causes[order[j - 1]].prior < a->causes[i].prior; j--)
			if (j < 3)
				order[j] = order[j - 1];
		if (j < 3) {
			order[j] = i;
			n += n < 3;
		}
	}
	buf_puts(&t, "Causes:");
	for (i = 0; i < n; i++)
		buf_printf(&t, "%s %s (%.0f%%)", i ? ";" : "", a->causes[order[i]].cause->title,
		    sum > 0 ? 100 * a->causes[order[i]].prior / sum : 0);
	buf_putc(&t, '.');
	buf_puts(out, "               ");
	render_wrap(out, buf_str(&t), 15, 17);
	for (i = 0; i < inc->nsteps && i < 2; i++) {
		char *s = render_step_joined(&inc->steps[i], 1);

		buf_printf(out, "               Step %u: ", inc->steps[i].n);
		render_wrap(out, s, 23, 23);
		free(s);
	}
	buf_free(&t);
	render_kb_free_steps(inc);
}

int
render_query(const struct query_results *q, enum render_format f, struct buf *out,
    char err[ERR_LEN])
{
	return render_query_explain(q, f, 0, out, err);
}

/* The line that heads the results: a fact, a weak answer, or nothing. */
static void
render_query_head(struct buf *t, const struct query_results *q)
{
	if (q->answer == QUERY_NONE)
		buf_printf(t, "No article in the rule base is about \"%s\".", q->query);
	else if (q->answer == QUERY_WEAK_ANSWER)
		buf_printf(t, "Weak match (confidence %.0f%%): no article is clearly about "
		    "this text; the closest %zu, with why:", 100 * q->confidence, q->nresults);
	else if (q->fact.row)
		buf_printf(t, "Answer: %s", q->fact.text);
}

/* A weak answer's row of the tables, marked weak as the answer is (else nothing). */
static void
render_query_weak_fact(struct buf *t, const struct query_results *q)
{
	if (q->answer == QUERY_WEAK_ANSWER && q->fact.row)
		buf_printf(t, "Perhaps, weakly: %s", q->fact.text);
}

/* Result i of the query ctx as an item of the list parent. */
static void
render_html_result(void *ctx, xmlNodePtr parent, size_t i)
{
	const struct query_results *q = ctx;
	const struct query_result *r = &q->results[i];
	struct buf t = BUF_INIT;
	xmlNodePtr li;

	li = html_attr(html_el(parent, "li", NULL), "data-article", r->article->id);
	html_el(li, "strong", r->article->id);
	buf_printf(&t, " %s (score %.2f): ", r->article->title, r->score);
	if (q->answer == QUERY_WEAK_ANSWER)
		render_weak_why(&t, r);
	else
		render_why(&t, r);
	html_text(li, buf_str(&t));
	buf_free(&t);
}

/* The query's answer into out, handed to sink a result at a time (NULL: whole). */
static int
render_query_to(const struct query_results *q, enum render_format f, int explain,
    struct buf *out, struct render_sink *sink, char err[ERR_LEN])
{
	struct buf t = BUF_INIT;
	xmlNodePtr body, ol, mark = NULL;
	xmlDocPtr doc;
	size_t i;

	switch (f) {
	case RENDER_JSON:
		return render_json_query(q, out, sink, err);
	case RENDER_TEXT:
		if (q->nforgiven) {
			render_forgiven(&t, q);
			render_wrap(out, buf_str(&t), 0, 2);
			buf_reset(&t);
		}
		if (q->nserver)
			render_server_lines(out, q->nserver);
		if (explain)
			render_query_reading(out, q);
		render_query_weak_fact(&t, q);
		if (t.len) {
			render_wrap(out, buf_str(&t), 0, 2);
			buf_reset(&t);
		}
		render_query_head(&t, q);
		if (t.len) {
			render_wrap(out, buf_str(&t), 0, 2);
			buf_reset(&t);
		}
		for (i = 0; i < q->nresults; i++) {
			const struct query_result *r = &q->results[i];

			buf_printf(out, "%-8s %.2f  ", r->article->id, r->score);
			render_wrap(out, r->article->title, 15, 15);
			buf_puts(out, "               ");
			if (q->answer == QUERY_WEAK_ANSWER)
				render_weak_why(&t, r);
			else
				render_why(&t, r);
			render_wrap(out, buf_str(&t), 15, 15);
			buf_reset(&t);
			if (explain) {
				render_query_why(&t, r);
				buf_puts(out, "               ");
				render_wrap(out, buf_str(&t), 15, 17);
				buf_reset(&t);
			}
			if (i == 0 && q->answer == QUERY_SURE_ANSWER)
				render_query_answer(out, r->article);
			render_sink_part(out, sink);
		}
		break;
	case RENDER_MARKDOWN:
		buf_puts(out, "# kbdiag query\n\n");
		render_md_code(out, q->query);
		buf_puts(out, "\n\n");
		if (q->nforgiven) {
			render_forgiven(&t, q);
			render_md_text(out, buf_str(&t));
			buf_puts(out, "\n\n");
			buf_reset(&t);
		}
		if (q->nserver) {
			render_server_lines(&t, q->nserver);
			render_md_text(out, buf_str(&t));
			buf_puts(out, "\n\n");
			buf_reset(&t);
		}
		render_query_weak_fact(&t, q);
		if (t.len) {
			render_md_text(out, buf_str(&t));
			buf_puts(out, "\n\n");
			buf_reset(&t);
		}
		render_query_head(&t, q);
		if (t.len) {
			render_md_text(out, buf_str(&t));
			buf_puts(out, "\n\n");
			buf_reset(&t);
		}
		for (i = 0; i < q->nresults; i++) {
			const struct query_result *r = &q->results[i];

			buf_printf(out, "%zu. **%s** ", i + 1, r->article->id);
			render_md_text(out, r->article->title);
			buf_printf(out, " (score %.2f): ", r->score);
			if (q->answer == QUERY_WEAK_ANSWER)
				render_weak_why(&t, r);
			else
				render_why(&t, r);
			render_md_text(out, buf_str(&t));
			buf_reset(&t);
			buf_putc(out, '\n');
			render_sink_part(out, sink);
		}
		break;
	case RENDER_HTML:
		doc = html_doc_new("kbdiag query", &body);
		html_el(html_el(body, "p", NULL), "code", q->query);
		render_query_weak_fact(&t, q);
		if (t.len)
			html_el(body, "p", buf_str(&t));
		buf_reset(&t);
		render_query_head(&t, q);
		if (t.len)
			html_el(body, "p", buf_str(&t));
		buf_reset(&t);
		ol = html_el(body, "ol", NULL);
		buf_free(&t);
		if (sink != NULL && q->nresults)
			mark = html_mark(ol);
		else
			for (i = 0; i < q->nresults; i++)
				render_html_result((void *)q, ol, i);
		if (mark == NULL)
			return html_doc_end(doc, out, err);
		return html_doc_parts(doc, mark, q->nresults, render_html_result, (void *)q, out,
		    sink, err);
	}
	buf_free(&t);
	return 0;
}

int
render_query_explain(const struct query_results *q, enum render_format f, int explain,
    struct buf *out, char err[ERR_LEN])
{
	return render_query_to(q, f, explain, out, NULL, err);
}

int
render_query_stream(const struct query_results *q, enum render_format f, int explain,
    render_write_fn write, void *arg, char err[ERR_LEN])
{
	struct render_sink sink = { write, arg, 0 };
	struct buf out = BUF_INIT;

	return render_sink_end(&out, &sink, render_query_to(q, f, explain, &out, &sink, err));
}

/* ---------------------------------------------------------------------- */
/* The rule base                                                            */

int
render_kb_test(const struct kb *kb, const struct lint_article *rows,
    const struct lint_totals *t, enum render_format f, struct buf *out, char err[ERR_LEN])
{
	json_t *root, *a, *o;
	size_t i, n = kb_article_count(kb);

	if (f == RENDER_JSON) {
		root = json_object();
		a = json_array();
		for (i = 0; i < n; i++) {
			o = json_object();
			json_object_set_new(o, "id", render_jstr(rows[i].article->id));
			json_object_set_new(o, "examples", json_integer((json_int_t)rows[i].examples));
			json_object_set_new(o, "matched", json_integer((json_int_t)rows[i].matched));
			json_object_set_new(o, "counter_examples",
			    json_integer((json_int_t)rows[i].counters));
			json_object_set_new(o, "unexpected",
			    json_integer((json_int_t)rows[i].unexpected));
			json_object_set_new(o, "patterns", json_integer((json_int_t)rows[i].patterns));
			json_object_set_new(o, "unexercised",
			    json_integer((json_int_t)rows[i].unexercised));
			json_array_append_new(a, o);
		}
		json_object_set_new(root, "articles", a);
		json_object_set_new(root, "examples", json_integer((json_int_t)t->examples));
		json_object_set_new(root, "counter_examples",
		    json_integer((json_int_t)t->counters));
		json_object_set_new(root, "peer_examples",
		    json_integer((json_int_t)t->peer_examples));
		json_object_set_new(root, "failures", json_integer((json_int_t)t->failures));
		return render_json_end(root, out, err);
	}
	if (f != RENDER_TEXT)
		return err_set(err, "kb test supports the text and json formats");
	buf_printf(out, "%-8s  %-9s  %-10s  %-11s  %s\n", "ARTICLE", "EXAMPLES", "UNEXPECTED",
	    "UNEXERCISED", "RESULT");
	for (i = 0; i < n; i++) {
		const struct lint_article *r = &rows[i];
		char ex[32], un[32];
		int ok = r->matched == r->examples && r->unexpected == 0;

		snprintf(ex, sizeof(ex), "%zu/%zu", r->matched, r->examples);
		snprintf(un, sizeof(un), "%zu/%zu", r->unexercised, r->patterns);
		buf_printf(out, "%-8s  %-9s  %-10zu  %-11s  %s\n", r->article->id, ex,
		    r->unexpected, un, ok ? "ok" : "FAIL");
	}
	buf_printf(out, "%s: %zu articles, %zu examples, %zu counter-examples, %zu peer "
	    "greeting examples: %zu %s\n", kb_dir(kb), n, t->examples, t->counters,
	    t->peer_examples, t->failures, t->failures == 1 ? "failure" : "failures");
	return 0;
}

int
render_kb_list(const struct kb *kb, enum render_format f, struct buf *out,
    char err[ERR_LEN])
{
	json_t *root, *a, *o, *s;
	size_t i, j;

	if (f == RENDER_JSON) {
		root = json_object();
		a = json_array();
		for (i = 0; i < kb_article_count(kb); i++) {
			const struct kb_article *art = kb_article_at(kb, i);

			o = json_object();
			json_object_set_new(o, "id", render_jstr(art->id));
			json_object_set_new(o, "kind", render_jstr(art->kind));
			json_object_set_new(o, "title", render_jstr(art->title));
			s = json_array();
			for (j = 0; j < art->nsymptoms; j++)
				json_array_append_new(s, render_jstr(art->symptoms[j].message));
			json_object_set_new(o, "messages", s);
			s = json_array();
			for (j = 0; j < art->ncauses; j++)
				json_array_append_new(s, render_jstr(art->causes[j].cause->id));
			json_object_set_new(o, "causes", s);
			json_array_append_new(a, o);
		}
		json_object_set_new(root, "articles", a);
		a = json_array();
		for (i = 0; i < kb_cause_count(kb); i++) {
			o = json_object();
			json_object_set_new(o, "id", render_jstr(kb_cause_at(kb, i)->id));
			json_object_set_new(o, "title", render_jstr(kb_cause_at(kb, i)->title));
			json_array_append_new(a, o);
		}
		json_object_set_new(root, "causes", a);
		return render_json_end(root, out, err);
	}
	if (f != RENDER_TEXT)
		return err_set(err, "kb list supports the text and json formats");
	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *art = kb_article_at(kb, i);

		buf_printf(out, "%-8s %-12s ", art->id, art->kind);
		render_wrap(out, art->title, 22, 22);
	}
	return 0;
}

/* The article's steps as the planner would give them with no peer known. */
static struct diag_incident *
render_kb_steps(const struct kb_article *a)
{
	struct diag_incident *inc = xcalloc(1, sizeof(*inc));

	inc->kb_article = a;
	plan_steps(inc);
	return inc;
}

static void
render_kb_free_steps(struct diag_incident *inc)
{
	diag_incident_clear(inc);
	free(inc);
}

static json_t *
render_json_cause_evidence(const struct kb_cause *c)
{
	json_t *arr = json_array(), *x;
	size_t i;

	for (i = 0; i < c->nevidence; i++) {
		const struct kb_evidence_item *it = &c->evidence[i];
		char ref[256];

		snprintf(ref, sizeof(ref), "%s:%s", it->source->id, it->value->id);
		x = json_object();
		json_object_set_new(x, "ref", render_jstr(ref));
		json_object_set_new(x, "kind", json_string(kb_source_kind_name(it->source->kind)));
		json_object_set_new(x, "effect", json_string(it->confirms ? "confirms" : "refutes"));
		json_object_set_new(x, "weight", render_jreal(it->weight));
		json_object_set_new(x, "why", render_jstr(it->why));
		json_array_append_new(arr, x);
	}
	return arr;
}

/* "confirmed by tcp-connect:refused (x6), ...; refuted by greeting:ok (/8)" */
static void
render_cause_evidence_text(struct buf *out, const struct kb_cause *c, int indent)
{
	struct buf b = BUF_INIT;
	size_t i;
	int pass;

	for (pass = 1; pass >= 0; pass--) {
		int first = 1;

		for (i = 0; i < c->nevidence; i++) {
			const struct kb_evidence_item *it = &c->evidence[i];

			if (it->confirms != pass)
				continue;
			buf_printf(&b, "%s%s:%s (%s%g)", first ? (pass ? "confirmed by " :
			    (b.len ? "; refuted by " : "refuted by ")) : ", ", it->source->id,
			    it->value->id, pass ? "x" : "/", it->weight);
			first = 0;
		}
	}
	if (b.len) {
		buf_printf(out, "%*s", indent, "");
		render_wrap(out, buf_str(&b), indent, indent);
	}
	buf_free(&b);
}

static int
render_json_article(const struct kb *kb, const struct kb_article *a, struct buf *out,
    char err[ERR_LEN])
{
	json_t *o = json_object(), *arr, *x, *ex;
	struct diag_incident *inc = render_kb_steps(a);
	size_t i, j;

	json_object_set_new(o, "id", render_jstr(a->id));
	json_object_set_new(o, "kind", render_jstr(a->kind));
	json_object_set_new(o, "title", render_jstr(a->title));
	json_object_set_new(o, "modified", render_jstr(a->modified));
	json_object_set_new(o, "applies_to", render_jstr(a->products));
	json_object_set_new(o, "summary", render_jstr(a->summary));
	json_object_set_new(o, "keywords", render_jstr(a->keywords));
	json_object_set_new(o, "file", render_jstr(a->file));
	arr = json_array();
	for (i = 0; i < a->nsymptoms; i++) {
		const struct kb_symptom *s = &a->symptoms[i];

		x = json_object();
		json_object_set_new(x, "id", render_jstr(s->id));
		json_object_set_new(x, "role", json_string(kb_role_name(s->role)));
		json_object_set_new(x, "severity", json_string(kb_severity_name(s->severity)));
		json_object_set_new(x, "origin", render_jstr(s->origin));
		json_object_set_new(x, "message", render_jstr(s->message));
		json_object_set_new(x, "pattern", render_jstr(s->pattern));
		json_object_set_new(x, "caseless", json_boolean(s->caseless));
		ex = json_array();
		for (j = 0; j < s->nexamples; j++)
			json_array_append_new(ex, render_jstr(s->examples[j]));
		json_object_set_new(x, "examples", ex);
		json_array_append_new(arr, x);
	}
	json_object_set_new(o, "symptoms", arr);
	arr = json_array();
	for (i = 0; i < a->ncauses; i++) {
		x = json_object();
		json_object_set_new(x, "id", render_jstr(a->causes[i].cause->id));
		json_object_set_new(x, "title", render_jstr(a->causes[i].cause->title));
		json_object_set_new(x, "prior", render_jreal(a->causes[i].prior));
		json_object_set_new(x, "basis", json_string(a->causes[i].inferred ?
		    "inferred" : "stated"));
		json_object_set_new(x, "evidence", render_json_cause_evidence(a->causes[i].cause));
		json_array_append_new(arr, x);
	}
	json_object_set_new(o, "causes", arr);
	arr = json_array();
	for (i = 0; i < kb_overlap_count(kb); i++) {
		const struct kb_overlap *ov = kb_overlap_at(kb, i);

		if (!kb_overlap_names(ov, a->id))
			continue;
		x = json_object();
		json_object_set_new(x, "id", render_jstr(ov->id));
		json_object_set_new(x, "kind", render_jstr(ov->kind));
		ex = json_array();
		for (j = 0; j < ov->narticles; j++)
			json_array_append_new(ex, render_jstr(ov->articles[j]));
		json_object_set_new(x, "articles", ex);
		json_object_set_new(x, "summary", render_jstr(ov->summary));
		json_object_set_new(x, "resolution", render_jstr(ov->resolution));
		json_array_append_new(arr, x);
	}
	json_object_set_new(o, "overlaps", arr);
	x = json_object();
	json_object_set_new(x, "archive", render_jstr(a->archive));
	json_object_set_new(x, "encoded", render_jstr(a->encoded));
	ex = json_array();
	for (j = 0; j < a->nnotes; j++)
		json_array_append_new(ex, render_jstr(a->notes[j]));
	json_object_set_new(x, "notes", ex);
	json_object_set_new(o, "provenance", x);
	arr = json_array();
	for (i = 0; i < inc->nsteps; i++)
		json_array_append_new(arr, render_json_step_tree(&inc->steps[i]));
	json_object_set_new(o, "steps", arr);
	arr = json_array();
	for (i = 0; i < a->nrelated; i++) {
		x = json_object();
		json_object_set_new(x, "id", render_jstr(a->related[i]));
		json_object_set_new(x, "in_kb", json_boolean(kb_find_article(kb,
		    a->related[i]) != NULL));
		json_array_append_new(arr, x);
	}
	json_object_set_new(o, "related", arr);
	arr = json_array();
	for (i = 0; i < a->nbody; i++) {
		char *p = render_para_text(&a->body[i]);

		json_array_append_new(arr, render_jstr(p));
		free(p);
	}
	json_object_set_new(o, "body", arr);
	arr = json_array();
	for (i = 0; i < a->nfacts; i++) {
		char *t = query_row_text(a->facts[i]);

		x = json_object();
		json_object_set_new(x, "table", render_jstr(a->facts[i]->table));
		json_object_set_new(x, "key", render_jstr(a->facts[i]->key));
		json_object_set_new(x, "text", render_jstr(t));
		json_array_append_new(arr, x);
		free(t);
	}
	json_object_set_new(o, "facts", arr);
	arr = json_array();
	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *b = kb_article_at(kb, i);

		for (j = 0; j < b->nrelated; j++)
			if (strcasecmp(b->related[j], a->id) == 0) {
				json_array_append_new(arr, render_jstr(b->id));
				break;
			}
	}
	json_object_set_new(o, "cited_by", arr);
	render_kb_free_steps(inc);
	return render_json_end(o, out, err);
}

/* kb show: an error or troubleshooting article's messages, causes and steps. */
static void
render_kb_problem(const struct kb_article *a, const struct diag_incident *inc,
    struct buf *out)
{
	size_t i;

	buf_puts(out, "\n  Messages:\n");

	for (i = 0; i < a->nsymptoms; i++) {
		const struct kb_symptom *s = &a->symptoms[i];

		buf_printf(out, "    %-11s %s%s%s", kb_role_name(s->role), s->message,
		    s->severity == KB_SEVERITY_ERROR ? "" : "  (",
		    s->severity == KB_SEVERITY_ERROR ? "" :
		    s->severity == KB_SEVERITY_WARNING ? "warning)" : "normal line)");
		if (strcmp(s->origin, "gateway") != 0)
			buf_printf(out, "  (as %s logs it)", s->origin);
		buf_putc(out, '\n');
		buf_printf(out, "                /%s/%s  [%s]\n", s->pattern,
		    s->caseless ? "i" : "", s->id);
	}
	buf_puts(out, "\n  Causes (prior weight):\n");
	for (i = 0; i < a->ncauses; i++) {
		buf_printf(out, "    %.2f  %s [%s]%s\n", a->causes[i].prior,
		    a->causes[i].cause->title, a->causes[i].cause->id,
		    a->causes[i].inferred ? " (inferred)" : "");
		render_cause_evidence_text(out, a->causes[i].cause, 10);
	}
	buf_puts(out, "\n  Steps:\n");
	for (i = 0; i < inc->nsteps; i++) {
		char *t = render_step_joined(&inc->steps[i], 1);

		buf_printf(out, "    %u. ", inc->steps[i].n);
		render_wrap(out, t, 7, 7);
		free(t);
	}
}

/* kb show: a knowledge article's body, its facts, and who cites it. */
static void
render_kb_knowledge(const struct kb *kb, const struct kb_article *a, struct buf *out)
{
	size_t i, j;
	int first = 1;

	buf_puts(out, "\n  What it says:\n");
	for (i = 0; i < a->nbody; i++) {
		char *p = render_para_text(&a->body[i]);

		buf_puts(out, "    ");
		render_wrap(out, p, 4, 4);
		free(p);
	}
	if (a->nfacts)
		buf_puts(out, "\n  Facts (tables/):\n");
	for (i = 0; i < a->nfacts; i++) {
		char *t = query_row_text(a->facts[i]);

		buf_printf(out, "    %s:%s  ", a->facts[i]->table, a->facts[i]->key);
		render_wrap(out, t, 6 + strlen(a->facts[i]->table) + strlen(a->facts[i]->key),
		    6);
		free(t);
	}
	for (i = 0; i < kb_article_count(kb); i++) {
		const struct kb_article *b = kb_article_at(kb, i);

		for (j = 0; j < b->nrelated; j++)
			if (strcasecmp(b->related[j], a->id) == 0) {
				buf_printf(out, "%s %s", first ? "\n  Cited by:   " : "", b->id);
				first = 0;
				break;
			}
	}
	if (!first)
		buf_putc(out, '\n');
}

int
render_kb_article(const struct kb *kb, const struct kb_article *a, enum render_format f,
    struct buf *out, char err[ERR_LEN])
{
	struct diag_incident *inc;
	size_t i;

	if (f == RENDER_JSON)
		return render_json_article(kb, a, out, err);
	if (f != RENDER_TEXT)
		return err_set(err, "kb show supports the text and json formats");
	inc = render_kb_steps(a);
	buf_printf(out, "%s  %s\n", a->id, a->title);
	buf_printf(out, "  Kind:        %s%s%s\n", a->kind, a->modified ? ", last modified " : "",
	    a->modified ? a->modified : "");
	buf_puts(out, "  Applies to:  ");
	render_wrap(out, a->products, 15, 15);
	buf_printf(out, "  File:        %s\n\n  ", a->file);
	render_wrap(out, a->summary, 2, 2);
	if (a->knowledge)
		render_kb_knowledge(kb, a, out);
	else
		render_kb_problem(a, inc, out);
	if (a->nrelated) {
		buf_puts(out, "\n  Related:    ");
		for (i = 0; i < a->nrelated; i++)
			buf_printf(out, " %s%s", a->related[i],
			    kb_find_article(kb, a->related[i]) ? "" : " (not in this rule base)");
		buf_putc(out, '\n');
	}
	for (i = 0; i < kb_overlap_count(kb); i++) {
		const struct kb_overlap *ov = kb_overlap_at(kb, i);
		struct buf b = BUF_INIT;
		size_t j;

		if (!kb_overlap_names(ov, a->id))
			continue;
		buf_printf(&b, "%s (%s with", ov->id, ov->kind);
		for (j = 0; j < ov->narticles; j++)
			if (strcmp(ov->articles[j], a->id) != 0)
				buf_printf(&b, " %s", ov->articles[j]);
		buf_printf(&b, "): %s %s", ov->summary, ov->resolution);
		buf_puts(out, "\n  Overlap:     ");
		render_wrap(out, buf_str(&b), 15, 15);
		buf_free(&b);
	}
	{
		struct buf b = BUF_INIT;

		buf_printf(&b, "Microsoft Knowledge Base %s, read from %s, encoded %s", a->id,
		    a->archive, a->encoded);
		buf_puts(out, "\n  Source:      ");
		render_wrap(out, buf_str(&b), 15, 15);
		buf_free(&b);
	}
	for (i = 0; i < a->nnotes; i++) {
		buf_puts(out, "  Note:        ");
		render_wrap(out, a->notes[i], 15, 15);
	}
	render_kb_free_steps(inc);
	return 0;
}
