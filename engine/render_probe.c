/*
 * render_probe: probe rounds in the four output formats, and results in
 * JSON both ways.
 */
#include "render_probe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "html.h"
#include "render_json.h"
#include "util/text.h"
#include "util/xmem.h"

/* What a result shows in its "result" column: the value, or the status. */
static const char *
rp_outcome(const struct probe_result *r)
{
	if (r->status == PROBE_OBSERVED && r->value)
		return r->value;
	return probe_status_name(r->status);
}

static size_t
rp_failed(const struct probe_round *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->nresults; i++)
		n += (size_t)probe_result_failed(&r->results[i]);
	return n;
}

static void
rp_title(const struct probe_round *r, struct buf *t)
{
	if (r->host == NULL) {
		buf_puts(t, "Probe round (no smart host)");
		return;
	}
	buf_printf(t, strchr(r->host, ':') ? "Probe round: [%s]:%u" : "Probe round: %s:%u",
	    r->host, r->port);
	if (r->address && strcmp(r->address, r->host) != 0)
		buf_printf(t, " (%s)", r->address);
}

int
render_probe_repeated(const struct probe_result *v, size_t i)
{
	const struct probe_result *p = &v[i];
	size_t j;

	for (j = 0; j < i; j++) {
		const struct probe_result *q = &v[j];

		if (q->status == p->status && strcmp(q->probe ? q->probe : "",
		    p->probe ? p->probe : "") == 0 && strcmp(q->value ? q->value : "",
		    p->value ? p->value : "") == 0 && strcmp(q->detail ? q->detail : "",
		    p->detail ? p->detail : "") == 0)
			return 1;
	}
	return 0;
}

void
render_probe_html_table(xmlNodePtr parent, const struct probe_result *v, size_t n)
{
	struct buf t = BUF_INIT;
	xmlNodePtr table, tr, td;
	size_t i, j;

	table = html_attr(html_el(parent, "table", NULL), "class", "probes");
	tr = html_el(html_el(table, "thead", NULL), "tr", NULL);
	html_attr(html_el(tr, "th", NULL), "aria-label", "failed");
	html_el(tr, "th", "Probe");
	html_el(tr, "th", "Result");
	html_el(tr, "th", "Detail");
	table = html_el(table, "tbody", NULL);
	for (i = 0; i < n; i++) {
		const struct probe_result *p = &v[i];
		int failed = probe_result_failed(p);

		if (render_probe_repeated(v, i))
			continue;
		tr = html_el(table, "tr", NULL);
		html_attr(tr, "data-probe", p->probe ? p->probe : "?");
		html_attr(tr, "class", failed ? "failed" : probe_status_name(p->status));
		html_attr(html_el(tr, "td", failed ? "\u2717 failed" : NULL), "class", "mark");
		html_el(tr, "td", p->probe ? p->probe : "?");
		html_el(html_el(tr, "td", NULL), failed ? "strong" : "span", rp_outcome(p));
		td = html_el(tr, "td", p->detail ? p->detail : "");
		if (p->ntranscript) {
			xmlNodePtr det = html_el(td, "details", NULL);

			buf_reset(&t);
			for (j = 0; j < p->ntranscript; j++)
				buf_printf(&t, "%s\n", p->transcript[j]);
			html_el(det, "summary", "Transcript");
			html_el(det, "pre", buf_str(&t));
		}
	}
	buf_free(&t);
}

size_t
render_probe_ran(const struct probe_result *v, size_t n)
{
	size_t i, ran = 0;

	for (i = 0; i < n; i++)
		ran += v[i].status != PROBE_SKIPPED;
	return ran;
}

void
render_probe_why_none(struct buf *t, const char *what, const struct probe_result *v,
    size_t n)
{
	size_t i, j, k = 0;

	buf_puts(t, what);
	for (i = 0; i < n; i++) {
		const char *why = v[i].detail;

		for (j = 0; j < i && why && !(v[j].detail && strcmp(v[j].detail, why) == 0); j++)
			;
		if (why && j == i)
			buf_printf(t, "%s%s", k++ ? "; " : ": ", why);
	}
	buf_putc(t, '.');
}

static void
rp_verdict(const struct probe_round *r, struct buf *out)
{
	size_t i, n = rp_failed(r), k = 0;

	if (render_probe_ran(r->results, r->nresults) == 0) {
		/* never "every layer passed" when none ran: say why none did */
		render_probe_why_none(out, "No layer ran", r->results, r->nresults);
		return;
	}
	if (n == 0) {
		buf_printf(out, "Every layer that ran passed (%u ms).", r->elapsed_ms);
		return;
	}
	buf_printf(out, "%zu %s failed:", n, n == 1 ? "layer" : "layers");
	for (i = 0; i < r->nresults; i++)
		if (probe_result_failed(&r->results[i]))
			buf_printf(out, "%s %s", k++ ? "," : "", r->results[i].probe);
	buf_printf(out, " (%u ms).", r->elapsed_ms);
}

static void
rp_text(const struct probe_round *r, struct buf *out)
{
	size_t i, j;

	rp_title(r, out);
	buf_printf(out, ", %u ms\n\n", r->elapsed_ms);
	for (i = 0; i < r->nresults; i++) {
		const struct probe_result *p = &r->results[i];

		if (render_probe_repeated(r->results, i))
			continue;
		buf_printf(out, "  %s %-14s %-20s %s\n", probe_result_failed(p) ? "!" : " ",
		    p->probe, rp_outcome(p), p->detail ? p->detail : "");
		for (j = 0; j < p->ntranscript; j++)
			buf_printf(out, "%20s%s\n", "", p->transcript[j]);
	}
	buf_putc(out, '\n');
	rp_verdict(r, out);
	buf_putc(out, '\n');
}

/* Markdown table cells: '|' and backslashes escaped. */
static void
rp_md_cell(struct buf *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|' || *s == '\\' || *s == '`' || *s == '*' || *s == '_' ||
		    *s == '<' || *s == '[')
			buf_putc(out, '\\');
		buf_putc(out, *s);
	}
}

static void
rp_markdown(const struct probe_round *r, struct buf *out)
{
	struct buf t = BUF_INIT;
	size_t i, j;

	rp_title(r, &t);
	buf_puts(out, "# ");
	rp_md_cell(out, buf_str(&t));
	buf_puts(out, "\n\n| Probe | Result | Detail |\n|---|---|---|\n");
	for (i = 0; i < r->nresults; i++) {
		const struct probe_result *p = &r->results[i];

		if (render_probe_repeated(r->results, i))
			continue;
		buf_puts(out, "| ");
		rp_md_cell(out, p->probe);
		buf_puts(out, probe_result_failed(p) ? " | **" : " | ");
		rp_md_cell(out, rp_outcome(p));
		buf_puts(out, probe_result_failed(p) ? "** | " : " | ");
		rp_md_cell(out, p->detail);
		buf_puts(out, " |\n");
	}
	for (i = 0; i < r->nresults; i++) {
		const struct probe_result *p = &r->results[i];

		if (p->ntranscript == 0)
			continue;
		buf_printf(out, "\n## Transcript: %s\n\n", p->probe);
		for (j = 0; j < p->ntranscript; j++)
			/* Indented code: nothing in it is markup. */
			buf_printf(out, "    %s\n", p->transcript[j]);
	}
	buf_putc(out, '\n');
	rp_verdict(r, out);
	buf_putc(out, '\n');
	buf_free(&t);
}

static int
rp_html(const struct probe_round *r, struct buf *out, char err[ERR_LEN])
{
	struct buf t = BUF_INIT;
	xmlNodePtr body;
	xmlDocPtr doc;

	rp_title(r, &t);
	doc = html_doc_new(buf_str(&t), &body);
	buf_reset(&t);
	rp_verdict(r, &t);
	html_attr(html_el(body, "p", buf_str(&t)), "class", "verdict");
	render_probe_html_table(body, r->results, r->nresults);
	buf_free(&t);
	return html_doc_end(doc, out, err);
}

void
render_probe_results_jw(struct jw *w, const struct probe_result *r, size_t n)
{
	size_t i, j;

	jw_arr(w);
	for (i = 0; i < n; i++) {
		jw_obj(w);
		jw_kstr(w, "probe", r[i].probe);
		jw_kstr(w, "source", r[i].source);
		jw_kstr(w, "status", probe_status_name(r[i].status));
		jw_kstr(w, "value", r[i].value);
		jw_kstr(w, "target", r[i].target);
		jw_kstr(w, "detail", r[i].detail);
		jw_key(w, "transcript");
		jw_arr(w);
		for (j = 0; j < r[i].ntranscript; j++)
			jw_str(w, r[i].transcript[j]);
		jw_end(w);
		jw_kint(w, "elapsed_ms", r[i].elapsed_ms);
		jw_end(w);
	}
	jw_end(w);
}

/* An optional string key: 0 with *dst (NULL for null or absent), or -1. */
static int
rp_get(const json_t *o, const char *key, int required, char **dst, size_t i,
    char err[ERR_LEN])
{
	const json_t *v = json_object_get(o, key);
	const char *s;

	*dst = NULL;
	if (v == NULL || json_is_null(v)) {
		if (required)
			return err_set(err, "probes[%zu]: \"%s\" is missing", i, key);
		return 0;
	}
	if (!json_is_string(v))
		return err_set(err, "probes[%zu]: \"%s\" is not a string", i, key);
	s = json_string_value(v);
	*dst = text_sanitize(s, json_string_length(v), 0);
	return 0;
}

int
probe_results_from_json(const json_t *j, struct probe_result **out, size_t *n,
    char err[ERR_LEN])
{
	struct probe_result *r;
	size_t i, k, count;

	*out = NULL;
	*n = 0;
	if (!json_is_array(j))
		return err_set(err, "probes: not an array");
	count = json_array_size(j);
	r = xcalloc(count ? count : 1, sizeof(*r));
	for (i = 0; i < count; i++) {
		const json_t *o = json_array_get(j, i), *v, *t;
		char *status = NULL;
		int bad;

		if (!json_is_object(o)) {
			err_set(err, "probes[%zu]: not an object", i);
			goto fail;
		}
		bad = rp_get(o, "probe", 1, &r[i].probe, i, err) != 0 ||
		    rp_get(o, "source", 1, &r[i].source, i, err) != 0 ||
		    rp_get(o, "value", 0, &r[i].value, i, err) != 0 ||
		    rp_get(o, "target", 0, &r[i].target, i, err) != 0 ||
		    rp_get(o, "detail", 0, &r[i].detail, i, err) != 0 ||
		    rp_get(o, "status", 1, &status, i, err) != 0;
		if (!bad && probe_status_parse(status, &r[i].status) != 0) {
			err_set(err, "probes[%zu]: status '%s' is not observed, skipped or "
			    "error", i, status);
			bad = 1;
		}
		free(status);
		if (bad) {
			i++;
			goto fail;
		}
		if (r[i].status == PROBE_OBSERVED && r[i].value == NULL) {
			err_set(err, "probes[%zu]: observed, but \"value\" is missing", i);
			i++;
			goto fail;
		}
		if ((v = json_object_get(o, "elapsed_ms")) != NULL) {
			if (!json_is_integer(v) || json_integer_value(v) < 0 ||
			    json_integer_value(v) > 0x7fffffff) {
				err_set(err, "probes[%zu]: \"elapsed_ms\" is not a number of "
				    "milliseconds", i);
				i++;
				goto fail;
			}
			r[i].elapsed_ms = (unsigned)json_integer_value(v);
		}
		if ((t = json_object_get(o, "transcript")) != NULL && !json_is_null(t)) {
			if (!json_is_array(t)) {
				err_set(err, "probes[%zu]: \"transcript\" is not an array", i);
				i++;
				goto fail;
			}
			r[i].transcript = xcalloc(json_array_size(t) + 1, sizeof(char *));
			for (k = 0; k < json_array_size(t); k++) {
				v = json_array_get(t, k);
				if (!json_is_string(v)) {
					err_set(err, "probes[%zu]: transcript[%zu] is not a string",
					    i, k);
					i++;
					goto fail;
				}
				r[i].transcript[r[i].ntranscript++] = text_sanitize(
				    json_string_value(v), json_string_length(v), 0);
			}
		}
	}
	*out = r;
	*n = count;
	return 0;
fail:
	probe_results_free(r, i);
	return -1;
}

int
render_probe_round(const struct probe_round *r, enum render_format f, struct buf *out,
    char err[ERR_LEN])
{
	struct jw w;

	switch (f) {
	case RENDER_TEXT:
		rp_text(r, out);
		return 0;
	case RENDER_MARKDOWN:
		rp_markdown(r, out);
		return 0;
	case RENDER_HTML:
		return rp_html(r, out, err);
	case RENDER_JSON:
		jw_init(&w, out, 0);
		jw_obj(&w);
		jw_kstr(&w, "host", r->host);
		jw_kint(&w, "port", r->port);
		jw_kstr(&w, "address", r->address);
		jw_kint(&w, "elapsed_ms", r->elapsed_ms);
		jw_kint(&w, "failed", (long long)rp_failed(r));
		jw_key(&w, "results");
		render_probe_results_jw(&w, r->results, r->nresults);
		jw_end(&w);
		buf_putc(out, '\n');
		return 0;
	}
	return err_set(err, "unknown output format");
}
