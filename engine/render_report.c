/*
 * render_report: the fix report and the fix plan, in four formats.
 */
#include "render_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/tree.h>

#include "html.h"
#include "render_history.h"
#include "render_json.h"
#include "render_sink.h"
#include "verdict.h"
#include "util/xmem.h"

#define report_standing	verdict_standing

/* Is the item for this incident's article? */
static int
report_item_for(const struct fix_item *it, const struct diag_incident *inc)
{
	size_t i;

	for (i = 0; i < it->narticles; i++)
		if (strcmp(it->articles[i], inc->article) == 0)
			return 1;
	return 0;
}

/* Does an edit of the plan concern this incident? */
static int
report_has_edit(const struct fix_plan *p, const struct diag_incident *inc)
{
	size_t i;

	for (i = 0; p && i < p->nitems; i++)
		if (p->items[i].status == FIX_EDITED && report_item_for(&p->items[i], inc))
			return 1;
	return 0;
}

/* "fixed", "not fixed", "inconclusive" for people. */
static const char *
report_outcome(const char *o)
{
	if (o == NULL)
		return "?";
	if (strcmp(o, "not-fixed") == 0)
		return "not fixed";
	return o;
}

/* Standing causes counted over the incidents, in order of first appearance. */
struct report_top {
	const char	*id;
	const char	*title;
	size_t		 incidents;
};

static struct report_top *
report_tops(const struct diagnosis *d, size_t *n)
{
	struct report_top *t = xcalloc(d->nincidents + 1, sizeof(*t));
	size_t i, j;

	*n = 0;
	for (i = 0; i < d->nincidents; i++) {
		const struct diag_cause *c = report_standing(&d->incidents[i]);

		if (c == NULL)
			continue;
		for (j = 0; j < *n && strcmp(t[j].id, c->id) != 0; j++)
			;
		if (j == *n) {
			t[j].id = c->id;
			t[j].title = c->title ? c->title : c->id;
			(*n)++;
		}
		t[j].incidents++;
	}
	return t;
}

static const char *
report_or(const char *s, const char *dflt)
{
	return s && s[0] ? s : dflt;
}

/*
 * The saved diagnosis is untrusted: in Markdown its strings are escaped
 * (md_t) or made code spans (md_c, which bring their own backticks; in the
 * text format the string as it is). The copies live in a pool freed per item.
 */
struct report_pool {
	char	*s[16];
	size_t	 n;
};

static const char *
report_pool_add(struct report_pool *pl, struct buf *b)
{
	char *s = buf_detach(b);

	if (pl->n == sizeof(pl->s) / sizeof(pl->s[0]))
		xmem_oom(0);	/* a bug: more strings in one item than the pool holds */
	pl->s[pl->n++] = s;
	return s;
}

static const char *
md_t(struct report_pool *pl, int md, const char *s)
{
	struct buf b = BUF_INIT;

	if (!md)
		return s;
	render_md_text(&b, s);
	buf_puts(&b, "");
	return report_pool_add(pl, &b);
}

static const char *
md_c(struct report_pool *pl, int md, const char *s)
{
	struct buf b = BUF_INIT;

	if (!md)
		return s;
	render_md_code(&b, s);
	return report_pool_add(pl, &b);
}

static void
report_pool_free(struct report_pool *pl)
{
	while (pl->n > 0)
		free(pl->s[--pl->n]);
}

/*
 * The verdict of a fix report: as a diagnosis's (verdict.h), but when an
 * edit is proposed for its incident, the first thing to do is that edit.
 * *edit is the edit's description then, else NULL (and v->step is the step).
 */
static void
report_verdict(const struct diagnosis *d, const struct fix_plan *p, struct verdict *v,
    const char **edit)
{
	verdict_make(d, v);
	*edit = NULL;
	if (v->inc && report_has_edit(p, v->inc)) {
		*edit = p->edits[0].what;
		v->step = NULL;
	}
}

/* "Review the edit under Edits (...), apply it with kbdiag fix --apply ..." */
static void
report_edit_first(struct buf *t, const char *what)
{
	buf_printf(t, "Review the proposed edit under Edits (%s), then apply it with "
	    "kbdiag fix --apply --dos-root DIR and this diagnosis; kbdiag fix --undo "
	    "takes it back.", what);
}

/* "body, after DATA (last reply: 354 ...)"; 0 when the phase is unknown. */
static int
report_phase(struct buf *t, const struct diag_incident *inc)
{
	if (inc->phase == NULL)
		return 0;
	buf_puts(t, inc->phase);
	if (inc->last_command)
		buf_printf(t, ", after %s", inc->last_command);
	if (inc->last_reply)
		buf_printf(t, " (last reply: %s)", inc->last_reply);
	return 1;
}

/* "11.4 per hour of log time, frequent"; 0 when nothing is known. */
static int
report_rate(struct buf *t, const struct diag_incident *inc)
{
	if (inc->rate_per_hour <= 0 && !inc->frequent)
		return 0;
	if (inc->rate_per_hour > 0)
		buf_printf(t, "%.1f per hour of log time", inc->rate_per_hour);
	if (inc->frequent)
		buf_printf(t, "%sfrequent", inc->rate_per_hour > 0 ? ", " : "");
	return 1;
}

/* ---------------------------------------------------------------------- */
/* Text and Markdown                                                        */

static void
report_text_plan(const struct fix_plan *p, int md, struct buf *out, struct render_sink *sink)
{
	size_t i;

	struct report_pool pl = { { 0 }, 0 };

	for (i = 0; p && i < p->nedits; i++) {
		if (md) {
			/* a fence longer than any run of backticks in the diff */
			size_t run = 0, longest = 2, k;
			const char *c;

			for (c = p->edits[i].diff; *c; c++)
				if ((run = *c == '`' ? run + 1 : 0) > longest)
					longest = run;
			buf_printf(out, "Edit of %s: %s.\n\n", md_c(&pl, md, p->edits[i].shown),
			    md_t(&pl, md, p->edits[i].what));
			for (k = 0; k <= longest; k++)
				buf_putc(out, '`');
			buf_printf(out, "diff\n%s", p->edits[i].diff);
			for (k = 0; k <= longest; k++)
				buf_putc(out, '`');
			buf_puts(out, "\n\n");
		} else
			buf_printf(out, "Edit of %s: %s.\n\n%s\n", p->edits[i].shown,
			    p->edits[i].what, p->edits[i].diff);
		report_pool_free(&pl);
		render_sink_part(out, sink);
	}
	for (i = 0; p && i < p->nwarnings; i++) {
		buf_printf(out, md ? "**Warning:** %s\n\n" : "Warning: %s\n",
		    md_t(&pl, md, p->warnings[i]));
		report_pool_free(&pl);
	}
	for (i = 0; p && i < p->nnotes; i++) {
		buf_printf(out, md ? "%s\n\n" : "%s\n", md_t(&pl, md, p->notes[i]));
		report_pool_free(&pl);
	}
}

/*
 * One item: prefix, then text; in the text format wrapped, later lines
 * indented by hang (under the item's text), in Markdown one line.
 */
static void
report_item(struct buf *out, int md, const char *prefix, size_t hang, const char *fmt, ...)
{
	struct buf t = BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&t, fmt, ap);
	va_end(ap);
	buf_puts(out, prefix);
	if (md)
		buf_printf(out, "%s\n", buf_str(&t));
	else
		render_wrap(out, buf_str(&t), strlen(prefix), hang);
	buf_free(&t);
}

/* The plan as a checklist: done steps ticked, what was found, how to tell it worked. */
static void
report_text_steps(struct buf *out, const struct diag_incident *inc)
{
	size_t j;

	if (inc->nsteps)
		buf_puts(out, "\n   Steps:\n");
	for (j = 0; j < inc->nsteps; j++) {
		const struct diag_step *s = &inc->steps[j];
		char *w, prefix[32];

		snprintf(prefix, sizeof(prefix), "   %2u. [%c] ", s->n, s->done ? 'x' : ' ');
		/* commands keep their spaces: never split across lines */
		w = render_step_wrappable(s);
		report_item(out, 0, prefix, 11, "%s", w);
		free(w);
		if (s->done)
			report_item(out, 0, "           ", 13, "Done already (%s): %s.", s->done_ref,
			    s->done);
		if (s->found)
			report_item(out, 0, "           ", 13, "Found: %s.", s->found);
		if (s->nworked) {
			w = render_step_worked(s, 1);
			report_item(out, 0, "           ", 13, "Worked when: %s", w);
			free(w);
		}
	}
	if (inc->nunneeded)
		buf_puts(out, "\n   Not needed (the evidence rules out their causes):\n");
	for (j = 0; j < inc->nunneeded; j++) {
		char *brief = render_step_brief(&inc->unneeded[j]);

		report_item(out, 0, "     - ", 9, "%s: %s Not needed: %s.", inc->unneeded[j].id,
		    brief, inc->unneeded[j].because);
		free(brief);
	}
}

/*
 * One entry of the history (kbdiag verify): when, the outcome, what kbdiag
 * fix had applied, the log watched, and per incident what was seen and,
 * after "not fixed", the next cause and its resolution.
 */
static void
report_text_history(const struct diag_history *h, int md, struct buf *out,
    struct render_sink *sink)
{
	struct report_pool pl = { { 0 }, 0 };
	size_t i, j;

	if (md)
		buf_printf(out, "### %s: %s\n\n", md_t(&pl, md, report_or(h->when, "?")),
		    report_outcome(h->outcome));
	else
		buf_printf(out, "  %s: %s\n", report_or(h->when, "?"), report_outcome(h->outcome));
	report_pool_free(&pl);
	if (h->napplied == 0)
		report_item(out, md, md ? "- " : "    ", 4, "Applied: nothing recorded by "
		    "kbdiag fix (no journal under --dos-root)");
	for (i = 0; i < h->napplied; i++) {
		report_item(out, md, md ? "- " : "    ", 4, "Applied%s%s%s: %s in %s: %s",
		    h->applied_when ? " (" : "", h->applied_when ? md_t(&pl, md,
		    h->applied_when) : "", h->applied_when ? ")" : "", md_c(&pl, md,
		    h->applied[i].fix), md_c(&pl, md, report_or(h->applied[i].path, "?")),
		    md_t(&pl, md, report_or(h->applied[i].what, "")));
		report_pool_free(&pl);
	}
	if (h->watch)
		report_item(out, md, md ? "- " : "    ", 4, "Watched %s for %lu s: %lu new "
		    "line%s", md_c(&pl, md, h->watch), h->watch_seconds, h->watch_lines,
		    h->watch_lines == 1 ? "" : "s");
	report_pool_free(&pl);
	for (i = 0; i < h->nverdicts; i++) {
		const struct diag_verdict *v = &h->verdicts[i];

		report_item(out, md, md ? "- " : "    ", 6, "%s%s%s%s%s%s: %s%s%s", md_t(&pl, md,
		    report_or(v->article, "?")), v->peer ? " at " : "", v->peer ? md_t(&pl, md,
		    v->peer) : "", v->cause ? " (checked: " : "", v->cause ? md_c(&pl, md,
		    v->cause) : "", v->cause ? ")" : "", report_outcome(v->outcome),
		    v->why ? ": " : "", v->why ? md_t(&pl, md, v->why) : "");
		report_pool_free(&pl);
		for (j = 0; j < v->nseen; j++) {
			const struct diag_observation *o = &v->seen[j];

			report_item(out, md, md ? "  - " : "        ", 10, "saw %s%s%s (%s)%s%s",
			    md_c(&pl, md, o->source), o->value ? ":" : "", o->value ?
			    md_c(&pl, md, o->value) : "", md_t(&pl, md, report_or(o->origin, "?")),
			    o->detail ? ": " : "", o->detail ? md_t(&pl, md, o->detail) : "");
			report_pool_free(&pl);
		}
		if (v->next_cause) {
			report_item(out, md, md ? "  - " : "        ", 10, "next cause: %s (%s)",
			    md_t(&pl, md, report_or(v->next_title, v->next_cause)),
			    md_c(&pl, md, v->next_cause));
			report_pool_free(&pl);
			for (j = 0; j < v->nnext_steps; j++) {
				char prefix[48];

				snprintf(prefix, sizeof(prefix), md ? "    %zu. " : "          %zu. ",
				    j + 1);
				report_item(out, md, prefix, md ? 0 : 14, "%s", md_t(&pl, md,
				    v->next_steps[j]));
				report_pool_free(&pl);
			}
			for (j = 0; j < v->nnext_fixes; j++) {
				report_item(out, md, md ? "    - " : "          - ", 12, "fix in the "
				    "rule base: %s (kbdiag fix proposes it)", md_c(&pl, md,
				    v->next_fixes[j]));
				report_pool_free(&pl);
			}
		}
		render_sink_part(out, sink);
	}
	buf_puts(out, md ? "\n" : "");
}

static void
report_text_verdict(const struct diagnosis *d, const struct fix_plan *p, int md,
    struct buf *out)
{
	struct report_pool pl = { { 0 }, 0 };
	struct buf t = BUF_INIT;
	const char *edit;
	struct verdict v;
	char *w;

	report_verdict(d, p, &v, &edit);
	buf_puts(out, md ? "## Verdict\n\n" : "Verdict\n");
	report_item(out, md, md ? "- " : "  ", 4, "%s%s", md ? "**What happened:** " :
	    "What happened: ", md_t(&pl, md, v.what));
	report_pool_free(&pl);
	if (v.cause) {
		report_item(out, md, md ? "- " : "  ", 4, "%s%s", md ?
		    "**Cause that stands:** " : "Cause that stands: ", md_t(&pl, md, v.cause));
		report_pool_free(&pl);
	}
	if (edit) {
		report_edit_first(&t, edit);
		report_item(out, md, md ? "- " : "  ", 4, "%s%s", md ?
		    "**First thing to do:** " : "First thing to do: ", md_t(&pl, md,
		    buf_str(&t)));
		report_pool_free(&pl);
	} else if (v.step && md) {
		render_md_step(&t, v.step);
		buf_printf(out, "- **First thing to do:** %s\n", buf_str(&t));
	} else if (v.step) {
		w = render_step_wrappable(v.step);
		report_item(out, 0, "  ", 4, "First thing to do: %s", w);
		free(w);
	}
	buf_free(&t);
	verdict_clear(&v);
}

static void
report_text(const struct diagnosis *d, const struct fix_plan *p, int md, struct buf *out,
    struct render_sink *sink)
{
	struct report_pool pl = { { 0 }, 0 };
	struct report_top *tops;
	struct fix_causes *causes;
	size_t ntops, i, j, n;

	buf_puts(out, md ? "# Fix report\n\n" : "FIX REPORT\n\n");
	report_text_verdict(d, p, md, out);
	buf_puts(out, md ? "\n## Summary\n\n" : "\nSummary\n");
	buf_printf(out, "%s%zu incident%s.\n", md ? "" : "  ", d->nincidents,
	    d->nincidents == 1 ? "" : "s");
	tops = report_tops(d, &ntops);
	for (i = 0; i < ntops; i++) {
		report_item(out, md, md ? "- " : "  ", 4, "Cause that stands: %s (%s), in %zu "
		    "incident%s.", md_t(&pl, md, tops[i].title), md_c(&pl, md, tops[i].id),
		    tops[i].incidents, tops[i].incidents == 1 ? "" : "s");
		report_pool_free(&pl);
	}
	free(tops);
	buf_printf(out, "%sEdits proposed: %zu.\n", md ? "- " : "  ", p ? p->nedits : 0);
	if (d->nhistory) {
		const struct diag_history *h = &d->history[d->nhistory - 1];

		buf_printf(out, "%sLast verification: %s (%s).\n", md ? "- " : "  ",
		    report_outcome(h->outcome), md_t(&pl, md, report_or(h->when, "?")));
		report_pool_free(&pl);
	}
	/* what the logs held that no article is about, as diagnose says it */
	if (md)
		render_unmatched_md(out, &d->summary);
	else
		render_unmatched_text(out, &d->summary, 1);
	buf_puts(out, md ? "\n" : "");
	/* the cause to fix of each: the history's verdicts sorted once (fix.h) */
	causes = fix_causes_start(d);
	for (i = 0; i < d->nincidents; i++) {
		const struct diag_incident *inc = &d->incidents[i];
		const struct diag_cause *c = report_standing(inc);

		buf_printf(out, md ? "\n## %zu. %s: %s\n\n" : "\n%zu. %s: %s\n", i + 1,
		    md_t(&pl, md, inc->article), md_t(&pl, md, report_or(inc->title, "")));
		buf_printf(out, md ? "- Error: %s\n" : "   Error:      %s\n",
		    md_c(&pl, md, report_or(inc->error, "(none)")));
		buf_printf(out, md ? "- When: %s to %s, %lu time%s\n" :
		    "   When:       %s to %s, %lu time%s\n",
		    md_t(&pl, md, report_or(inc->first_seen, "?")),
		    md_t(&pl, md, report_or(inc->last_seen, "?")), inc->count,
		    inc->count == 1 ? "" : "s");
		report_pool_free(&pl);
		{
			struct buf t = BUF_INIT;

			if (report_rate(&t, inc))
				report_item(out, md, md ? "- Rate: " : "   Rate:       ", 15, "%s",
				    md_t(&pl, md, buf_str(&t)));
			report_pool_free(&pl);
			buf_reset(&t);
			if (report_phase(&t, inc))
				report_item(out, md, md ? "- SMTP phase: " : "   SMTP phase: ", 15,
				    "%s", md_t(&pl, md, buf_str(&t)));
			report_pool_free(&pl);
			buf_free(&t);
		}
		if (inc->peer.host)
			buf_printf(out, md ? "- Smart host: %s port %u\n" :
			    "   Smart host: %s port %u\n", md_t(&pl, md, inc->peer.host),
			    inc->peer.port ? inc->peer.port : 25);
		else
			buf_puts(out, md ? "- Smart host: unknown\n" : "   Smart host: unknown\n");
		report_pool_free(&pl);
		if (c == NULL)
			buf_puts(out, md ? "- Cause: every cause is ruled out\n" :
			    "   Cause:      every cause is ruled out\n");
		else {
			report_item(out, md, md ? "- " : "   ", 5, md ? "Cause that stands: **%s** "
			    "(%s), confidence %.0f%%" : "Cause that stands: %s (%s), confidence "
			    "%.0f%%", md_t(&pl, md, report_or(c->title, c->id)), md_c(&pl, md, c->id),
			    c->confidence * 100.0);
			report_pool_free(&pl);
			for (j = 0; j < c->nevidence; j++) {
				const struct diag_evidence *e = &c->evidence[j];

				report_item(out, md, md ? "  - " : "     ", e->confirms ? 10 : 14,
				    "%s: %s (%s%s%s)", e->confirms ? "for" : "against",
				    md_t(&pl, md, report_or(e->why, "")), md_c(&pl, md, e->ref),
				    e->detail ? ": " : "", e->detail ? md_t(&pl, md, e->detail) : "");
				report_pool_free(&pl);
			}
		}
		for (j = 0; j < inc->ncauses; j++)
			if (inc->causes[j].ruled_out) {
				report_item(out, md, md ? "- " : "   ", 14, "Ruled out: %s (%s)",
				    md_t(&pl, md, report_or(inc->causes[j].title, inc->causes[j].id)),
				    md_c(&pl, md, inc->causes[j].id));
				report_pool_free(&pl);
			}
		{
			int hist;
			const struct diag_cause *fc = fix_cause_at(causes, i, &hist);

			if (hist && fc != NULL) {
				report_item(out, md, md ? "- " : "   ", 5, "Cause to fix now: %s (%s), "
				    "named by kbdiag verify after the fix of the cause before did not "
				    "work", md_t(&pl, md, report_or(fc->title, fc->id)),
				    md_c(&pl, md, fc->id));
				report_pool_free(&pl);
			}
		}
		if (inc->nunchecked)
			buf_puts(out, md ? "\n### Not checked\n\n" : "\n   Not checked:\n");
		for (j = 0; j < inc->nunchecked; j++) {
			report_item(out, md, md ? "- " : "     - ", 7, "%s: %s",
			    md_t(&pl, md, report_or(inc->unchecked[j].title,
			    inc->unchecked[j].source)), md_t(&pl, md,
			    report_or(inc->unchecked[j].why, "")));
			report_pool_free(&pl);
		}
		if (md)
			render_md_steps(out, inc, 1);
		else
			report_text_steps(out, inc);
		buf_puts(out, md ? "\n### Proposed edits\n\n" : "\n   Proposed edits:\n");
		n = 0;
		for (j = 0; p && j < p->nitems; j++) {
			const struct fix_item *it = &p->items[j];

			if (!report_item_for(it, inc))
				continue;
			n++;
			report_item(out, md, md ? "- " : "     - ", 7, "%s (%s): %s%s", md_t(&pl, md,
			    it->title), md_c(&pl, md, it->id), it->status == FIX_EDITED ? "" :
			    it->status == FIX_ALREADY ? "already done: " : it->status == FIX_NO_ROOT ?
			    "not looked at (no --dos-root)" : "not proposed: ", it->status ==
			    FIX_NO_ROOT ? "" : md_t(&pl, md, report_or(it->what, "")));
			report_pool_free(&pl);
		}
		if (n == 0)
			buf_puts(out, md ? "None for this incident.\n" :
			    "     none for this incident\n");
		render_sink_part(out, sink);
	}
	fix_causes_end(causes);
	buf_puts(out, md ? "\n## Edits\n\n" : "\nEdits\n");
	report_text_plan(p, md, out, sink);
	if (d->nhistory) {
		buf_puts(out, md ? "\n## Verification history\n\n" : "\nVerification history\n");
		for (i = 0; i < d->nhistory; i++) {
			report_text_history(&d->history[i], md, out, sink);
			render_sink_part(out, sink);
		}
	}
}

/* ---------------------------------------------------------------------- */
/* HTML                                                                     */

#define report_el	html_el
#define report_elf	html_elf

static void
report_html_plan(xmlNodePtr body, const struct fix_plan *p)
{
	xmlNodePtr sec = report_el(body, "section", NULL);
	size_t i;

	xmlNewProp(sec, BAD_CAST "id", BAD_CAST "edits");
	report_el(sec, "h2", "Edits");
	for (i = 0; p && i < p->nedits; i++) {
		report_elf(sec, "p", "Edit of %s: %s.", p->edits[i].shown, p->edits[i].what);
		xmlNewProp(report_el(sec, "pre", p->edits[i].diff), BAD_CAST "class",
		    BAD_CAST "diff");
	}
	for (i = 0; p && i < p->nwarnings; i++)
		xmlNewProp(report_elf(sec, "p", "Warning: %s", p->warnings[i]), BAD_CAST "class",
		    BAD_CAST "warning");
	for (i = 0; p && i < p->nnotes; i++)
		report_el(sec, "p", p->notes[i]);
	if (p == NULL || (p->nedits + p->nwarnings + p->nnotes) == 0)
		report_el(sec, "p", "No edits were looked at.");
}

/* The verdict, first on the page. */
static void
report_html_verdict(xmlNodePtr body, const struct diagnosis *d, const struct fix_plan *p)
{
	static const char *const kind_class[] = { "verdict", "verdict clear", "verdict unread" };
	struct buf t = BUF_INIT;
	const char *edit;
	struct verdict v;
	xmlNodePtr sec, dl;

	report_verdict(d, p, &v, &edit);
	sec = html_attr(html_attr(html_el(body, "section", NULL), "id", "verdict"), "class",
	    kind_class[v.kind]);
	html_el(sec, "h2", "Verdict");
	dl = html_attr(html_el(sec, "dl", NULL), "class", "facts");
	html_el(dl, "dt", v.kind == VERDICT_INCIDENT ? "What happened" : "Nothing to fix");
	html_el(dl, "dd", v.what);
	if (v.cause) {
		html_el(dl, "dt", "Cause that stands");
		html_el(dl, "dd", v.cause);
	}
	if (edit) {
		report_edit_first(&t, edit);
		html_el(dl, "dt", "First thing to do");
		html_el(dl, "dd", buf_str(&t));
	} else if (v.step) {
		html_el(dl, "dt", "First thing to do");
		render_html_step(html_el(dl, "dd", NULL), v.step);
	}
	buf_free(&t);
	verdict_clear(&v);
}

/* A verdict of a history entry as an item of ul. */
static void
report_html_verdict_item(xmlNodePtr ul, const struct diag_verdict *v)
{
	xmlNodePtr li, sub, ol = NULL;
	size_t j;

	li = report_elf(ul, "li", "%s%s%s%s%s%s: %s%s%s", report_or(v->article, "?"),
	    v->peer ? " at " : "", v->peer ? v->peer : "", v->cause ? " (checked: " : "",
	    v->cause ? v->cause : "", v->cause ? ")" : "", report_outcome(v->outcome),
	    v->why ? ": " : "", v->why ? v->why : "");
	xmlNewProp(li, BAD_CAST "class", BAD_CAST (v->outcome ? v->outcome : "unknown"));
	sub = report_el(li, "ul", NULL);
	for (j = 0; j < v->nseen; j++)
		report_elf(sub, "li", "saw %s%s%s (%s)%s%s", v->seen[j].source,
		    v->seen[j].value ? ":" : "", v->seen[j].value ? v->seen[j].value : "",
		    report_or(v->seen[j].origin, "?"), v->seen[j].detail ? ": " : "",
		    v->seen[j].detail ? v->seen[j].detail : "");
	if (v->next_cause) {
		xmlNodePtr nx = report_elf(sub, "li", "next cause: %s (%s)",
		    report_or(v->next_title, v->next_cause), v->next_cause);

		if (v->nnext_steps)
			ol = report_el(nx, "ol", NULL);
		for (j = 0; j < v->nnext_steps; j++)
			report_el(ol, "li", v->next_steps[j]);
		for (j = 0; j < v->nnext_fixes; j++)
			report_elf(nx, "p", "Fix in the rule base: %s (kbdiag fix proposes it)",
			    v->next_fixes[j]);
	}
}

/*
 * One entry of the history, as HTML (report_text_history()'s content). With
 * mark set and verdicts to show, *mark is where they go (html_doc_parts(),
 * one report_html_verdict_item() each) instead of the verdicts.
 */
static void
report_html_history(xmlNodePtr parent, const struct diag_history *h, xmlNodePtr *mark)
{
	xmlNodePtr ul;
	size_t i;

	report_elf(parent, "h3", "%s: %s", report_or(h->when, "?"), report_outcome(h->outcome));
	ul = report_el(parent, "ul", NULL);
	if (h->napplied == 0)
		report_el(ul, "li", "Applied: nothing recorded by kbdiag fix (no journal under "
		    "--dos-root)");
	for (i = 0; i < h->napplied; i++)
		report_elf(ul, "li", "Applied%s%s%s: %s in %s: %s", h->applied_when ? " (" : "",
		    h->applied_when ? h->applied_when : "", h->applied_when ? ")" : "",
		    h->applied[i].fix, report_or(h->applied[i].path, "?"),
		    report_or(h->applied[i].what, ""));
	if (h->watch)
		report_elf(ul, "li", "Watched %s for %lu s: %lu new line%s", h->watch,
		    h->watch_seconds, h->watch_lines, h->watch_lines == 1 ? "" : "s");
	if (mark != NULL && h->nverdicts) {
		*mark = html_mark(ul);
		return;
	}
	for (i = 0; i < h->nverdicts; i++)
		report_html_verdict_item(ul, &h->verdicts[i]);
}

/* Incident i of d as a section of body. */
static void
report_html_incident(xmlNodePtr body, const struct diagnosis *d, const struct fix_plan *p,
    const struct fix_causes *causes, size_t i)
{
	const struct diag_incident *inc = &d->incidents[i];
	const struct diag_cause *c = report_standing(inc);
	xmlNodePtr ul = NULL, sec, dl, ol, li;
	size_t j;

	sec = report_el(body, "section", NULL);
	xmlNewProp(sec, BAD_CAST "class", BAD_CAST "incident");
	{
		char id[32];

		snprintf(id, sizeof(id), "incident-%zu", i + 1);
		html_attr(sec, "id", id);
	}
	report_elf(sec, "h2", "%zu. %s: %s", i + 1, inc->article,
	    report_or(inc->title, ""));
	dl = html_attr(report_el(sec, "dl", NULL), "class", "facts");
	report_el(dl, "dt", "Error");
	report_el(report_el(dl, "dd", NULL), "code", report_or(inc->error, "(none)"));
	report_el(dl, "dt", "When");
	report_elf(dl, "dd", "%s to %s, %lu time%s", report_or(inc->first_seen, "?"),
	    report_or(inc->last_seen, "?"), inc->count, inc->count == 1 ? "" : "s");
	{
		struct buf t = BUF_INIT;

		if (report_rate(&t, inc)) {
			report_el(dl, "dt", "Rate");
			report_el(dl, "dd", buf_str(&t));
		}
		buf_reset(&t);
		if (report_phase(&t, inc)) {
			report_el(dl, "dt", "SMTP phase");
			report_el(dl, "dd", buf_str(&t));
		}
		buf_free(&t);
	}
	report_el(dl, "dt", "Smart host");
	if (inc->peer.host)
		report_elf(dl, "dd", "%s port %u", inc->peer.host,
		    inc->peer.port ? inc->peer.port : 25);
	else
		report_el(dl, "dd", "unknown");
	report_el(dl, "dt", "Cause that stands");
	if (c == NULL)
		report_el(dl, "dd", "every cause is ruled out");
	else {
		xmlNodePtr dd = report_elf(dl, "dd", "%s (%s), confidence %.0f%%",
		    report_or(c->title, c->id), c->id, c->confidence * 100.0);

		if (c->nevidence)
			ul = report_el(dd, "ul", NULL);
		for (j = 0; j < c->nevidence; j++) {
			const struct diag_evidence *e = &c->evidence[j];

			report_elf(ul, "li", "%s: %s (%s%s%s)", e->confirms ? "for" :
			    "against", report_or(e->why, ""), e->ref, e->detail ? ": " : "",
			    e->detail ? e->detail : "");
		}
	}
	for (j = 0; j < inc->ncauses; j++)
		if (inc->causes[j].ruled_out) {
			report_el(dl, "dt", "Ruled out");
			report_elf(dl, "dd", "%s (%s)",
			    report_or(inc->causes[j].title, inc->causes[j].id),
			    inc->causes[j].id);
		}
	{
		int hist;
		const struct diag_cause *fc = fix_cause_at(causes, i, &hist);

		if (hist && fc != NULL) {
			report_el(dl, "dt", "Cause to fix now");
			report_elf(dl, "dd", "%s (%s), named by kbdiag verify after the fix "
			    "of the cause before did not work", report_or(fc->title, fc->id),
			    fc->id);
		}
	}
	if (inc->nunchecked) {
		report_el(sec, "h3", "Not checked");
		ul = report_el(sec, "ul", NULL);
		for (j = 0; j < inc->nunchecked; j++)
			report_elf(ul, "li", "%s: %s",
			    report_or(inc->unchecked[j].title, inc->unchecked[j].source),
			    report_or(inc->unchecked[j].why, ""));
	}
	if (inc->nsteps) {
		report_el(sec, "h3", "Steps");
		ol = report_el(sec, "ol", NULL);
		html_attr(ol, "class", "steps");
		for (j = 0; j < inc->nsteps; j++) {
			const struct diag_step *st = &inc->steps[j];
			xmlNodePtr box;
			char *w;

			li = report_el(ol, "li", NULL);
			box = report_el(li, "input", NULL);
			xmlNewProp(box, BAD_CAST "type", BAD_CAST "checkbox");
			if (st->done)
				xmlNewProp(box, BAD_CAST "checked", BAD_CAST "checked");
			xmlAddChild(li, xmlNewText(BAD_CAST " "));
			render_html_step(li, st);
			if (st->done)
				report_elf(li, "p", "Done already (%s): %s.",
				    st->done_ref, st->done);
			if (st->found)
				report_elf(li, "p", "Found: %s.", st->found);
			if (st->nworked) {
				w = render_step_worked(st, 0);
				report_elf(li, "p", "Worked when: %s", w);
				free(w);
			}
		}
	}
	if (inc->nunneeded) {
		report_el(sec, "h3", "Not needed");
		ul = report_el(sec, "ul", NULL);
		for (j = 0; j < inc->nunneeded; j++) {
			char *brief = render_step_brief(&inc->unneeded[j]);

			report_elf(ul, "li", "%s: %s Not needed: %s.",
			    inc->unneeded[j].id, brief, inc->unneeded[j].because);
			free(brief);
		}
	}
	report_el(sec, "h3", "Proposed edits");
	ul = NULL;
	for (j = 0; p && j < p->nitems; j++) {
		const struct fix_item *it = &p->items[j];

		if (!report_item_for(it, inc))
			continue;
		if (ul == NULL)
			ul = report_el(sec, "ul", NULL);
		report_elf(ul, "li", "%s (%s): %s%s", it->title, it->id, it->status ==
		    FIX_EDITED ? "" : it->status == FIX_ALREADY ? "already done: " :
		    it->status == FIX_NO_ROOT ? "not looked at (no --dos-root)" :
		    "not proposed: ", it->status == FIX_NO_ROOT ? "" :
		    report_or(it->what, ""));
	}
	if (ul == NULL)
		report_el(sec, "p", "None for this incident.");
}

/* html_doc_parts()'s part i: incident i (ctx: the report's diagnosis and plan). */
struct report_ctx {
	const struct diagnosis	*d;
	const struct fix_plan	*p;
	const struct diag_history *h;
	struct fix_causes	*causes;	/* d's causes to fix (fix.h) */
};

static void
report_html_part(void *ctx, xmlNodePtr parent, size_t i)
{
	const struct report_ctx *c = ctx;

	report_html_incident(parent, c->d, c->p, c->causes, i);
}

static int
report_html(const struct diagnosis *d, const struct fix_plan *p, struct buf *out,
    struct render_sink *sink, char err[ERR_LEN])
{
	struct report_ctx ctx = { d, p, NULL, NULL };
	xmlNodePtr body, ul, sec, mark = NULL;
	xmlDocPtr doc = html_doc_new("Fix report", &body);
	struct report_top *tops;
	size_t ntops, i;
	int rc;

	report_html_verdict(body, d, p);
	report_el(body, "h2", "Summary");
	ul = report_el(body, "ul", NULL);
	report_elf(ul, "li", "%zu incident%s.", d->nincidents, d->nincidents == 1 ? "" : "s");
	tops = report_tops(d, &ntops);
	for (i = 0; i < ntops; i++)
		report_elf(ul, "li", "Cause that stands: %s (%s), in %zu incident%s.",
		    tops[i].title, tops[i].id, tops[i].incidents,
		    tops[i].incidents == 1 ? "" : "s");
	free(tops);
	report_elf(ul, "li", "Edits proposed: %zu.", p ? p->nedits : 0);
	if (d->nhistory)
		report_elf(ul, "li", "Last verification: %s (%s).",
		    report_outcome(d->history[d->nhistory - 1].outcome),
		    report_or(d->history[d->nhistory - 1].when, "?"));
	render_unmatched_html(body, &d->summary);
	ctx.causes = fix_causes_start(d);
	if (sink != NULL && d->nincidents)
		mark = html_mark(body);
	else
		for (i = 0; i < d->nincidents; i++)
			report_html_incident(body, d, p, ctx.causes, i);
	report_html_plan(body, p);
	if (d->nhistory) {
		sec = report_el(body, "section", NULL);
		xmlNewProp(sec, BAD_CAST "id", BAD_CAST "history");
		report_el(sec, "h2", "Verification history");
		for (i = 0; i < d->nhistory; i++)
			report_html_history(sec, &d->history[i], NULL);
	}
	if (mark == NULL)
		rc = html_doc_end(doc, out, err);
	else
		rc = html_doc_parts(doc, mark, d->nincidents, report_html_part, &ctx, out, sink,
		    err);
	fix_causes_end(ctx.causes);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* JSON                                                                     */

static json_t *
report_json_str(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* "a b c" as ["a", "b", "c"] */
static json_t *
report_json_words(const char *s)
{
	json_t *a = json_array();

	while (s && *s) {
		size_t n = strcspn(s, " ");

		if (n > 0) {
			char *w = xstrndup(s, n);

			json_array_append_new(a, json_string(w));
			free(w);
		}
		s += n;
		s += strspn(s, " ");
	}
	return a;
}

static json_t *
report_json_plan(const struct fix_plan *p)
{
	json_t *o = json_object(), *edits = json_array(), *notes = json_array(),
	    *warnings = json_array(), *arts = json_array(), *fixes = json_array();
	size_t i;

	for (i = 0; p && i < p->nedits; i++) {
		const struct fix_edit *e = &p->edits[i];
		char hb[2 * FIX_HASH_LEN + 1], ha[2 * FIX_HASH_LEN + 1];

		fix_hash_hex(e->hash_before, hb);
		fix_hash_hex(e->hash_after, ha);
		json_array_append_new(edits, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b}",
		    "path", e->shown, "section", e->section ? e->section : "", "what", e->what,
		    "diff", e->diff, "sha256_before", hb, "sha256_after", ha, "fixes",
		    report_json_words(e->fixes), "binary", e->binary));
	}
	for (i = 0; p && i < p->nitems; i++) {
		const struct fix_item *it = &p->items[i];
		json_t *its = json_array();
		size_t k;

		for (k = 0; k < it->narticles; k++)
			json_array_append_new(its, json_string(it->articles[k]));
		json_array_append_new(fixes, json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:o}",
		    "id", it->id, "title", it->title, "kind", kb_fix_kind_name(it->fix->kind),
		    "cause", it->cause, "articles", its, "status", fix_status_name(it->status),
		    "path", report_json_str(it->path), "what", report_json_str(it->what)));
	}
	for (i = 0; p && i < p->narticles; i++)
		json_array_append_new(arts, json_string(p->articles[i]));
	for (i = 0; p && i < p->nnotes; i++)
		json_array_append_new(notes, json_string(p->notes[i]));
	for (i = 0; p && i < p->nwarnings; i++)
		json_array_append_new(warnings, json_string(p->warnings[i]));
	json_object_set_new(o, "articles", arts);
	json_object_set_new(o, "fixes", fixes);
	json_object_set_new(o, "edits", edits);
	json_object_set_new(o, "warnings", warnings);
	json_object_set_new(o, "notes", notes);
	return o;
}

/* The standing cause: the evidence for it and against it. */
static void
report_json_cause(struct jw *w, const struct diag_cause *c)
{
	size_t j;
	int pro;

	jw_obj(w);
	jw_kstr(w, "id", c->id);
	jw_kstr(w, "title", c->title);
	jw_key(w, "confidence");
	jw_real(w, c->confidence);
	for (pro = 1; pro >= 0; pro--) {
		jw_key(w, pro ? "for" : "against");
		jw_arr(w);
		for (j = 0; j < c->nevidence; j++) {
			const struct diag_evidence *e = &c->evidence[j];

			if (!e->confirms != !pro)
				continue;
			jw_obj(w);
			jw_kstr(w, "ref", e->ref);
			jw_kstr(w, "why", e->why);
			jw_kstr(w, "detail", e->detail);
			jw_end(w);
		}
		jw_end(w);
	}
	jw_end(w);
}

/* Incident i of d as the report's JSON has it, written by w (render_json.h). */
static void
report_json_incident(struct jw *w, const struct diagnosis *d, const struct fix_plan *p,
    const struct fix_causes *causes, size_t i)
{
	const struct diag_incident *inc = &d->incidents[i];
	const struct diag_cause *c = report_standing(inc), *fc;
	size_t j;

	jw_obj(w);
	jw_kstr(w, "article", inc->article);
	jw_kstr(w, "title", inc->title);
	jw_kstr(w, "error", inc->error);
	jw_kint(w, "count", (long long)inc->count);
	jw_kstr(w, "first_seen", inc->first_seen);
	jw_kstr(w, "last_seen", inc->last_seen);
	jw_key(w, "rate_per_hour");
	if (inc->rate_per_hour > 0)
		jw_real(w, inc->rate_per_hour);
	else
		jw_null(w);
	jw_key(w, "frequent");
	jw_bool(w, inc->frequent);
	jw_kstr(w, "phase", inc->phase);
	jw_kstr(w, "last_command", inc->last_command);
	jw_kstr(w, "last_reply", inc->last_reply);
	jw_key(w, "peer");
	jw_obj(w);
	jw_kstr(w, "host", inc->peer.host);
	jw_kint(w, "port", inc->peer.port);
	jw_end(w);
	jw_key(w, "cause");
	if (c)
		report_json_cause(w, c);
	else
		jw_null(w);
	jw_key(w, "ruled_out");
	jw_arr(w);
	for (j = 0; j < inc->ncauses; j++)
		if (inc->causes[j].ruled_out)
			jw_str(w, inc->causes[j].id);
	jw_end(w);
	render_json_not_checked(w, inc);
	jw_key(w, "steps");
	jw_arr(w);
	for (j = 0; j < inc->nsteps; j++) {
		char *t = render_step_text(&inc->steps[j]);

		jw_obj(w);
		jw_kint(w, "n", inc->steps[j].n);
		jw_kstr(w, "text", t);
		jw_key(w, "done");
		jw_bool(w, inc->steps[j].done != NULL);
		jw_end(w);
		free(t);
	}
	jw_end(w);
	jw_key(w, "edit");
	jw_bool(w, report_has_edit(p, inc));
	fc = fix_cause_at(causes, i, NULL);
	jw_kstr(w, "fix_cause", fc ? fc->id : NULL);
	jw_key(w, "fixes");
	jw_arr(w);
	for (j = 0; p && j < p->nitems; j++)
		if (report_item_for(&p->items[j], inc))
			jw_str(w, p->items[j].id);
	jw_end(w);
	jw_end(w);
}

/*
 * Written a member and an incident at a time (render_json_part()), the
 * bytes render_json_end() gives for the whole object: summary, incidents,
 * fix, history.
 */
static int
report_json(const struct diagnosis *d, const struct fix_plan *p, struct buf *out,
    struct render_sink *sink, char err[ERR_LEN])
{
	json_t *topv = json_array(), *sum;
	struct report_top *tops;
	struct fix_causes *causes;
	struct jw w;
	size_t ntops, i;

	tops = report_tops(d, &ntops);
	for (i = 0; i < ntops; i++)
		json_array_append_new(topv, json_pack("{s:s, s:s, s:I}", "id", tops[i].id,
		    "title", tops[i].title, "incidents", (json_int_t)tops[i].incidents));
	free(tops);
	sum = json_pack("{s:I, s:o, s:I, s:o}", "incidents", (json_int_t)d->nincidents,
	    "causes", topv, "edits", (json_int_t)(p ? p->nedits : 0), "verified",
	    d->nhistory ? report_json_str(d->history[d->nhistory - 1].outcome) : json_null());
	render_unmatched_json(sum, &d->summary);
	buf_puts(out, "{\n  \"summary\": ");
	if (render_json_part(out, sum, 2, err) != 0)
		return -1;
	buf_puts(out, ",\n  \"incidents\": [");
	causes = fix_causes_start(d);
	for (i = 0; i < d->nincidents; i++) {
		buf_puts(out, i ? ",\n    " : "\n    ");
		jw_init(&w, out, 2);
		report_json_incident(&w, d, p, causes, i);
		render_sink_part(out, sink);
	}
	fix_causes_end(causes);
	buf_puts(out, d->nincidents ? "\n  ],\n  \"fix\": " : "],\n  \"fix\": ");
	if (render_json_part(out, report_json_plan(p), 2, err) != 0)
		return -1;
	buf_puts(out, ",\n  \"history\": ");
	jw_init(&w, out, 1);
	render_history_jw(&w, d->history, d->nhistory, sink);
	buf_puts(out, "\n}\n");
	return 0;
}

/* ---------------------------------------------------------------------- */

/* The fix report into out, handed to sink part by part (NULL: held whole). */
static int
report_to(const struct diagnosis *d, const struct fix_plan *plan, enum render_format f,
    struct buf *out, struct render_sink *sink, char err[ERR_LEN])
{
	switch (f) {
	case RENDER_TEXT:
	case RENDER_MARKDOWN:
		report_text(d, plan, f == RENDER_MARKDOWN, out, sink);
		return 0;
	case RENDER_HTML:
		return report_html(d, plan, out, sink, err);
	case RENDER_JSON:
		return report_json(d, plan, out, sink, err);
	}
	return err_set(err, "unknown output format");
}

int
render_report(const struct diagnosis *d, const struct fix_plan *plan,
    enum render_format f, struct buf *out, char err[ERR_LEN])
{
	return report_to(d, plan, f, out, NULL, err);
}

int
render_report_stream(const struct diagnosis *d, const struct fix_plan *plan,
    enum render_format f, render_write_fn write, void *arg, char err[ERR_LEN])
{
	struct render_sink sink = { write, arg, 0 };
	struct buf out = BUF_INIT;

	return render_sink_end(&out, &sink, report_to(d, plan, f, &out, &sink, err));
}

/* html_doc_parts()'s part i: verdict i of the history entry ctx as an item. */
static void
verify_html_part(void *ctx, xmlNodePtr parent, size_t i)
{
	const struct report_ctx *c = ctx;

	report_html_verdict_item(parent, &c->h->verdicts[i]);
}

/*
 * verify's JSON: the history entry as the diagnosis's history has it, then
 * recorded_in, written a verdict at a time: the entry's members up to its
 * "incidents", the verdicts, and the end.
 */
static int
verify_json(const struct diag_history *h, const char *recorded_in, struct buf *out,
    struct render_sink *sink, char err[ERR_LEN])
{
	struct jw w;
	size_t i;

	(void)err;
	jw_init(&w, out, 0);
	jw_obj(&w);
	render_history_head_jw(&w, h);
	jw_key(&w, "incidents");
	jw_arr(&w);
	for (i = 0; i < h->nverdicts; i++) {
		render_history_verdict_jw(&w, &h->verdicts[i]);
		render_sink_part(out, sink);
	}
	jw_end(&w);
	jw_kstr(&w, "recorded_in", recorded_in);
	jw_end(&w);
	buf_putc(out, '\n');
	return 0;
}

static int
verify_to(const struct diag_history *h, const char *recorded_in, enum render_format f,
    struct buf *out, struct render_sink *sink, char err[ERR_LEN])
{
	struct report_ctx ctx = { NULL, NULL, h, NULL };
	xmlNodePtr body, mark = NULL;
	xmlDocPtr doc;

	switch (f) {
	case RENDER_TEXT:
	case RENDER_MARKDOWN:
		if (f == RENDER_MARKDOWN)
			buf_printf(out, "# Verification: %s\n\n", report_outcome(h->outcome));
		else
			buf_printf(out, "VERIFICATION: %s\n\n", report_outcome(h->outcome));
		report_text_history(h, f == RENDER_MARKDOWN, out, sink);
		if (recorded_in)
			report_item(out, f == RENDER_MARKDOWN, "", 0, "%sRecorded in the history "
			    "of %s.", f == RENDER_MARKDOWN ? "\n" : "\n", recorded_in);
		else
			buf_puts(out, "\nNot recorded (--dry-run).\n");
		return 0;
	case RENDER_HTML:
		doc = html_doc_new("Verification", &body);
		report_html_history(body, h, sink != NULL ? &mark : NULL);
		report_elf(body, "p", recorded_in ? "Recorded in the history of %s." :
		    "Not recorded (--dry-run).%s", recorded_in ? recorded_in : "");
		if (mark == NULL)
			return html_doc_end(doc, out, err);
		return html_doc_parts(doc, mark, h->nverdicts, verify_html_part, &ctx, out, sink,
		    err);
	case RENDER_JSON:
		return verify_json(h, recorded_in, out, sink, err);
	}
	return err_set(err, "unknown output format");
}

int
render_verify(const struct diag_history *h, const char *recorded_in, enum render_format f,
    struct buf *out, char err[ERR_LEN])
{
	return verify_to(h, recorded_in, f, out, NULL, err);
}

int
render_verify_stream(const struct diag_history *h, const char *recorded_in,
    enum render_format f, render_write_fn write, void *arg, char err[ERR_LEN])
{
	struct render_sink sink = { write, arg, 0 };
	struct buf out = BUF_INIT;

	return render_sink_end(&out, &sink, verify_to(h, recorded_in, f, &out, &sink, err));
}

static int
fix_plan_to(const struct fix_plan *plan, enum render_format f, struct buf *out,
    struct render_sink *sink, char err[ERR_LEN])
{
	xmlNodePtr body;
	xmlDocPtr doc;

	switch (f) {
	case RENDER_TEXT:
	case RENDER_MARKDOWN:
		report_text_plan(plan, f == RENDER_MARKDOWN, out, sink);
		return 0;
	case RENDER_HTML:
		doc = html_doc_new("Proposed edits", &body);
		report_html_plan(body, plan);
		return html_doc_end(doc, out, err);
	case RENDER_JSON:
		return render_json_end(report_json_plan(plan), out, err);
	}
	return err_set(err, "unknown output format");
}

int
render_fix_plan(const struct fix_plan *plan, enum render_format f, struct buf *out,
    char err[ERR_LEN])
{
	return fix_plan_to(plan, f, out, NULL, err);
}

int
render_fix_plan_stream(const struct fix_plan *plan, enum render_format f,
    render_write_fn write, void *arg, char err[ERR_LEN])
{
	struct render_sink sink = { write, arg, 0 };
	struct buf out = BUF_INIT;

	return render_sink_end(&out, &sink, fix_plan_to(plan, f, &out, &sink, err));
}
