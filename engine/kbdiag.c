/*
 * kbdiag: the public interface (kbdiag.h) over the internal modules. It
 * owns no logic of its own: it holds the handles, checks parameters, and
 * turns the internal structures into accessors, so that the internals may
 * change without breaking a program built against kbdiag.h.
 *
 * A result holds, beside the diagnosis, one small wrapper per incident,
 * cause and step that the accessors hand out: they point at the internal
 * structs, and a step's wrapper keeps its text joined from its spans.
 */
#include "kbdiag.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "config.h"	/* KBDIAG_VERSION: written by make */
#include "diag.h"
#include "util/err.h"
#include "kb.h"
#include "match.h"
#include "util/peer.h"
#include "probe.h"
#include "query.h"
#include "render.h"
#include "util/xmem.h"

/* The public buffer must hold every internal message. */
_Static_assert(KBDIAG_ERR_LEN >= ERR_LEN, "KBDIAG_ERR_LEN is smaller than ERR_LEN");

#define KBDIAG_FLAGS		(KBDIAG_PROBE)
#define KBDIAG_RENDER_FLAGS	(KBDIAG_EXPLAIN)

struct kbdiag_kb {
	struct kb	*kb;
	struct matcher	*m;
};

struct kbdiag_cause {
	const struct diag_cause	*c;
};

struct kbdiag_step {
	const struct diag_step	*s;
	char			*text;	/* the spans joined (render_step_text()) */
};

struct kbdiag_incident {
	const struct diag_incident *inc;
	struct kbdiag_cause	*causes;
	struct kbdiag_step	*steps;
};

struct kbdiag_result {
	struct diagnosis	*d;
	struct kbdiag_incident	*incs;	/* d->nincidents of them */
};

struct kbdiag_query {
	struct query_results *q;
};

#define INC(p)		((p)->inc)
#define CAUSE(p)	((p)->c)
#define STEP(p)		((p)->s)

static const char *
kbdiag_str(const char *s)
{
	return s ? s : "";
}

int
kbdiag_api_version(void)
{
	return KBDIAG_API_VERSION;
}

const char *
kbdiag_version(void)
{
	return KBDIAG_VERSION;
}

/* ---------------------------------------------------------------------- */

int
kbdiag_kb_load(const char *dir, struct kbdiag_kb **out, char err[KBDIAG_ERR_LEN])
{
	struct kb_load_params p = { 0 };
	const char *env = getenv("KBDIAG_KB");
	struct kbdiag_kb *h;

	*out = NULL;
	/*
	 * Not kb_default_dir(): that looks beside the running binary, which
	 * for a program embedding the library is the program's, not ours.
	 */
	p.dir = dir ? dir : env && env[0] ? env : KBDIAG_DATADIR "/kb";
	h = xcalloc(1, sizeof(*h));
	if (kb_load(&p, &h->kb, err) != 0 || match_compile(h->kb, &h->m, err) != 0) {
		kbdiag_kb_free(h);
		return -1;
	}
	*out = h;
	return 0;
}

void
kbdiag_kb_free(struct kbdiag_kb *kb)
{
	if (kb == NULL)
		return;
	match_free(kb->m);
	kb_free(kb->kb);
	free(kb);
}

const char *
kbdiag_kb_dir(const struct kbdiag_kb *kb)
{
	return kb_dir(kb->kb);
}

size_t
kbdiag_kb_article_count(const struct kbdiag_kb *kb)
{
	return kb_article_count(kb->kb);
}

/* ---------------------------------------------------------------------- */

/* The wrappers the accessors hand out. */
static struct kbdiag_result *
kbdiag_result_new(struct diagnosis *d)
{
	struct kbdiag_result *r = xcalloc(1, sizeof(*r));
	size_t i, j;

	r->d = d;
	r->incs = xcalloc(d->nincidents + 1, sizeof(*r->incs));
	for (i = 0; i < d->nincidents; i++) {
		const struct diag_incident *inc = &d->incidents[i];
		struct kbdiag_incident *w = &r->incs[i];

		w->inc = inc;
		w->causes = xcalloc(inc->ncauses + 1, sizeof(*w->causes));
		for (j = 0; j < inc->ncauses; j++)
			w->causes[j].c = &inc->causes[j];
		w->steps = xcalloc(inc->nsteps + 1, sizeof(*w->steps));
		for (j = 0; j < inc->nsteps; j++) {
			w->steps[j].s = &inc->steps[j];
			w->steps[j].text = render_step_text(&inc->steps[j]);
		}
	}
	return r;
}

static int
kbdiag_diagnose(struct kbdiag_kb *kb, const char *const *files, size_t nfiles,
    const char *text, size_t len, const char *smarthost, unsigned flags,
    struct kbdiag_result **out, char err[KBDIAG_ERR_LEN])
{
	struct diag_params p = { 0 };
	struct probe_params pp = { 0 };
	char host[PEER_HOST_MAX];
	unsigned port = 0;
	struct diagnosis *d = NULL;

	*out = NULL;
	if (kb == NULL)
		return err_set(err, "no rule base given");
	if (flags & ~KBDIAG_FLAGS)
		return err_set(err, "unknown flags 0x%x", flags & ~KBDIAG_FLAGS);
	if (nfiles == 0)
		return err_set(err, "no log given");
	if (smarthost != NULL) {
		char perr[ERR_LEN];

		if (peer_parse(smarthost, PEER_SMTP_PORT, host, &port, perr) != 0)
			return err_set(err, "smart host %s", perr);
	}
	p.kb = kb->kb;
	p.matcher = kb->m;
	p.files = files;
	p.nfiles = nfiles;
	p.text = text;
	p.text_len = len;
	p.smarthost = smarthost ? host : NULL;
	p.smarthost_port = port;
	p.rank_later = 1;	/* diag_probe() below ranks */
	diag_run(&p, &d);
	pp.offline = !(flags & KBDIAG_PROBE);
	diag_probe(d, kb->kb, &pp, smarthost ? host : NULL, port, NULL, NULL);
	*out = kbdiag_result_new(d);
	return 0;
}

int
kbdiag_diagnose_files(struct kbdiag_kb *kb, const char *const *files, size_t nfiles,
    const char *smarthost, unsigned flags, struct kbdiag_result **out,
    char err[KBDIAG_ERR_LEN])
{
	size_t i;

	for (i = 0; i < nfiles; i++)
		if (files[i] == NULL) {
			*out = NULL;
			return err_set(err, "log %zu is NULL", i + 1);
		}
	return kbdiag_diagnose(kb, files, nfiles, NULL, 0, smarthost, flags, out, err);
}

int
kbdiag_diagnose_lines(struct kbdiag_kb *kb, const char *name, const char *text,
    size_t len, const char *smarthost, unsigned flags, struct kbdiag_result **out,
    char err[KBDIAG_ERR_LEN])
{
	const char *files[1];

	files[0] = name ? name : "<lines>";
	if (text == NULL && len > 0) {
		*out = NULL;
		return err_set(err, "no text given");
	}
	return kbdiag_diagnose(kb, files, 1, text ? text : "", len, smarthost, flags, out,
	    err);
}

void
kbdiag_result_free(struct kbdiag_result *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->d->nincidents; i++) {
		for (j = 0; j < r->d->incidents[i].nsteps; j++)
			free(r->incs[i].steps[j].text);
		free(r->incs[i].steps);
		free(r->incs[i].causes);
	}
	free(r->incs);
	diag_free(r->d);
	free(r);
}

unsigned long long
kbdiag_result_lines(const struct kbdiag_result *r)
{
	return r->d->summary.lines;
}

unsigned long long
kbdiag_result_matched(const struct kbdiag_result *r)
{
	return r->d->summary.matched;
}

size_t
kbdiag_result_input_errors(const struct kbdiag_result *r)
{
	return diag_input_errors(r->d);
}

const char *
kbdiag_result_input_error(const struct kbdiag_result *r, size_t i)
{
	return i < r->d->ninputs ? r->d->inputs[i].error : NULL;
}

size_t
kbdiag_result_incident_count(const struct kbdiag_result *r)
{
	return r->d->nincidents;
}

const struct kbdiag_incident *
kbdiag_result_incident(const struct kbdiag_result *r, size_t i)
{
	if (i >= r->d->nincidents)
		return NULL;
	return &r->incs[i];
}

const char *
kbdiag_incident_article(const struct kbdiag_incident *inc)
{
	return kbdiag_str(INC(inc)->article);
}

const char *
kbdiag_incident_title(const struct kbdiag_incident *inc)
{
	return kbdiag_str(INC(inc)->title);
}

const char *
kbdiag_incident_error(const struct kbdiag_incident *inc)
{
	return kbdiag_str(INC(inc)->error);
}

unsigned long
kbdiag_incident_count(const struct kbdiag_incident *inc)
{
	return INC(inc)->count;
}

const char *
kbdiag_incident_first_seen(const struct kbdiag_incident *inc)
{
	return kbdiag_str(INC(inc)->first_seen);
}

const char *
kbdiag_incident_last_seen(const struct kbdiag_incident *inc)
{
	return kbdiag_str(INC(inc)->last_seen);
}

const char *
kbdiag_incident_peer_host(const struct kbdiag_incident *inc)
{
	return kbdiag_str(INC(inc)->peer.host);
}

unsigned
kbdiag_incident_peer_port(const struct kbdiag_incident *inc)
{
	return INC(inc)->peer.host ? INC(inc)->peer.port : 0;
}

const char *
kbdiag_incident_phase(const struct kbdiag_incident *inc)
{
	return kbdiag_str(INC(inc)->phase);
}

const char *
kbdiag_incident_last_command(const struct kbdiag_incident *inc)
{
	return kbdiag_str(INC(inc)->last_command);
}

const char *
kbdiag_incident_last_reply(const struct kbdiag_incident *inc)
{
	return kbdiag_str(INC(inc)->last_reply);
}

size_t
kbdiag_incident_cause_count(const struct kbdiag_incident *inc)
{
	return INC(inc)->ncauses;
}

const struct kbdiag_cause *
kbdiag_incident_cause(const struct kbdiag_incident *inc, size_t i)
{
	if (i >= INC(inc)->ncauses)
		return NULL;
	return &inc->causes[i];
}

const char *
kbdiag_cause_id(const struct kbdiag_cause *c)
{
	return kbdiag_str(CAUSE(c)->id);
}

const char *
kbdiag_cause_title(const struct kbdiag_cause *c)
{
	return kbdiag_str(CAUSE(c)->title);
}

double
kbdiag_cause_confidence(const struct kbdiag_cause *c)
{
	return CAUSE(c)->confidence;
}

int
kbdiag_cause_ruled_out(const struct kbdiag_cause *c)
{
	return CAUSE(c)->ruled_out != 0;
}

size_t
kbdiag_incident_step_count(const struct kbdiag_incident *inc)
{
	return INC(inc)->nsteps;
}

const struct kbdiag_step *
kbdiag_incident_step(const struct kbdiag_incident *inc, size_t i)
{
	if (i >= INC(inc)->nsteps)
		return NULL;
	return &inc->steps[i];
}

unsigned
kbdiag_step_number(const struct kbdiag_step *s)
{
	return STEP(s)->n;
}

const char *
kbdiag_step_id(const struct kbdiag_step *s)
{
	return kbdiag_str(STEP(s)->id);
}

const char *
kbdiag_step_text(const struct kbdiag_step *s)
{
	return kbdiag_str(s->text);
}

/* kbdiag_result_render()'s and _write()'s format and flags checked into *f. */
static int
kbdiag_render_args(const char *format, unsigned flags, enum render_format *f,
    char err[KBDIAG_ERR_LEN])
{
	if (format == NULL)
		return err_set(err, "no format given (text, markdown, html or json)");
	if (flags & ~KBDIAG_RENDER_FLAGS)
		return err_set(err, "unknown flags 0x%x", flags & ~KBDIAG_RENDER_FLAGS);
	return render_format_parse(format, f, err);
}

int
kbdiag_result_render(const struct kbdiag_result *r, const char *format, unsigned flags,
    char **out, size_t *len, char err[KBDIAG_ERR_LEN])
{
	enum render_format f;
	struct buf b = BUF_INIT;

	*out = NULL;
	if (len)
		*len = 0;
	if (kbdiag_render_args(format, flags, &f, err) != 0)
		return -1;
	if (render_diagnosis_explain(r->d, f, (flags & KBDIAG_EXPLAIN) != 0, &b, err) != 0) {
		buf_free(&b);
		return -1;
	}
	if (len)
		*len = b.len;
	buf_str(&b);	/* NUL-terminated, even when empty */
	*out = buf_detach(&b);
	return 0;
}

int
kbdiag_result_write(const struct kbdiag_result *r, const char *format, unsigned flags,
    int (*write)(void *arg, const char *p, size_t n), void *arg, char err[KBDIAG_ERR_LEN])
{
	enum render_format f;

	if (write == NULL)
		return err_set(err, "no write function given");
	if (kbdiag_render_args(format, flags, &f, err) != 0)
		return -1;
	return render_diagnosis_stream(r->d, f, (flags & KBDIAG_EXPLAIN) != 0, write, arg, err);
}

/* ---------------------------------------------------------------------- */

int
kbdiag_query(struct kbdiag_kb *kb, const char *text, size_t len, struct kbdiag_query **out,
    char err[KBDIAG_ERR_LEN])
{
	size_t i;

	*out = NULL;
	if (kb == NULL)
		return err_set(err, "no rule base given");
	for (i = 0; text && i < len && strchr(" \t\r\n", text[i]) && text[i]; i++)
		;
	if (text == NULL || i == len)
		return err_set(err, "no error text given");
	*out = xcalloc(1, sizeof(**out));
	(*out)->q = query_run(kb->kb, kb->m, text, len);
	return 0;
}

void
kbdiag_query_free(struct kbdiag_query *q)
{
	if (q == NULL)
		return;
	query_free(q->q);
	free(q);
}

size_t
kbdiag_query_count(const struct kbdiag_query *q)
{
	return q->q->nresults;
}

const char *
kbdiag_query_article(const struct kbdiag_query *q, size_t i)
{
	return i < q->q->nresults ? q->q->results[i].article->id : NULL;
}

const char *
kbdiag_query_title(const struct kbdiag_query *q, size_t i)
{
	return i < q->q->nresults ? q->q->results[i].article->title : NULL;
}

double
kbdiag_query_score(const struct kbdiag_query *q, size_t i)
{
	return i < q->q->nresults ? q->q->results[i].score : 0;
}
