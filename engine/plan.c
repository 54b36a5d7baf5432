#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "peer.h"
#include "xmem.h"

/* Spans under construction: adjacent text of the same kind merges. */
struct plan_spans {
	struct diag_span	*v;
	size_t			 n, cap;
};

static void
plan_add(struct plan_spans *s, int code, const char *text)
{
	struct buf b = BUF_INIT;

	if (text[0] == '\0')
		return;
	if (s->n && s->v[s->n - 1].code == code) {
		buf_puts(&b, s->v[s->n - 1].text);
		buf_puts(&b, text);
		free(s->v[s->n - 1].text);
		s->v[s->n - 1].text = buf_detach(&b);
		return;
	}
	s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
	s->v[s->n].code = code;
	s->v[s->n].text = xstrdup(text);
	s->n++;
}

/* A value of the incident, or the placeholder for code or prose. */
static const char *
plan_or(const char *v, int code, const char *code_text, const char *prose)
{
	if (v != NULL && v[0] != '\0')
		return v;
	return code ? code_text : prose;
}

static void
plan_step(const struct diag_incident *inc, const struct kb_step *ks, struct diag_step *st)
{
	struct plan_spans spans = { 0 };
	const char *host = inc->peer.host;
	char port[16];
	size_t i;

	st->id = xstrdup(ks->id);
	for (i = 0; i < ks->nparts; i++) {
		const struct kb_part *p = &ks->parts[i];

		switch (p->kind) {
		case KB_PART_TEXT:
			plan_add(&spans, p->code, p->text);
			break;
		case KB_PART_PEER_HOST:
			plan_add(&spans, p->code, plan_or(host, p->code,
			    PLAN_UNKNOWN_HOST_CODE, PLAN_UNKNOWN_HOST_TEXT));
			break;
		case KB_PART_PEER_ADDRESS:
			plan_add(&spans, p->code, plan_or(inc->peer.address ? inc->peer.address :
			    host, p->code, PLAN_UNKNOWN_HOST_CODE, PLAN_UNKNOWN_HOST_TEXT));
			break;
		case KB_PART_PEER_PORT:
			snprintf(port, sizeof(port), "%u",
			    inc->peer.port ? inc->peer.port : PEER_SMTP_PORT);
			plan_add(&spans, p->code, port);
			break;
		case KB_PART_QUEUE_ID:
			plan_add(&spans, p->code, plan_or(inc->nqueue_ids ? inc->queue_ids[0] :
			    NULL, p->code, PLAN_UNKNOWN_QUEUE_CODE, PLAN_UNKNOWN_QUEUE_TEXT));
			break;
		case KB_PART_FIRST_SEEN:
			plan_add(&spans, p->code, plan_or(inc->first_seen, p->code,
			    PLAN_UNKNOWN_TIME_CODE, PLAN_UNKNOWN_TIME_TEXT));
			break;
		case KB_PART_LAST_SEEN:
			plan_add(&spans, p->code, plan_or(inc->last_seen, p->code,
			    PLAN_UNKNOWN_TIME_CODE, PLAN_UNKNOWN_TIME_TEXT));
			break;
		}
	}
	st->spans = spans.v;
	st->nspans = spans.n;
	st->addresses = xcalloc(ks->naddresses ? ks->naddresses : 1, sizeof(char *));
	for (i = 0; i < ks->naddresses; i++)
		st->addresses[i] = xstrdup(ks->addresses[i]);
	st->naddresses = ks->naddresses;
}

void
plan_steps(struct diag_incident *inc)
{
	const struct kb_article *a = inc->kb_article;
	size_t i, n = 0;

	if (a == NULL || a->nsteps == 0)
		return;
	inc->steps = xcalloc(a->nsteps, sizeof(*inc->steps));
	for (i = 0; i < a->nsteps; i++) {
		if (inc->origin != NULL && !kb_step_for(a->steps[i], inc->origin))
			continue;
		inc->steps[n].n = (unsigned)(n + 1);
		plan_step(inc, a->steps[i], &inc->steps[n]);
		n++;
	}
	inc->nsteps = n;
}
