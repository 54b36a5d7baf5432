/*
 * verify: the probes and file checks again, the log watched, a verdict per
 * incident, and one more entry in the diagnosis's history.
 */
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/buf.h"
#include "evidence.h"
#include "fix.h"
#include "mta.h"
#include "util/peer.h"
#include "plan.h"
#include "rank.h"
#include "render.h"
#include "util/text.h"
#include "util/xmem.h"

#define VERIFY_TEXT_MAX	900	/* bytes of a detail kept (the history reads 4000) */

/* The layers of the SMTP chain: a failure there is the failure itself. */
static const char *const verify_chain[] = { "tcp-connect", "greeting", "ehlo", "resend" };

static char *
verify_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
verify_fmt(const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;
	char *s;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	s = text_sanitize(buf_str(&b), b.len, VERIFY_TEXT_MAX);
	buf_free(&b);
	return s;
}

static void
verify_notice(const struct verify_params *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
verify_notice(const struct verify_params *p, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (p->on_notice == NULL)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	p->on_notice(p->arg, buf_str(&b));
	buf_free(&b);
}

static void
verify_on_round(void *arg, const char *host, unsigned port)
{
	const struct verify_params *p = arg;

	verify_notice(p, "verify: probing %s port %u again", host, port);
}

/* ---------------------------------------------------------------------- */
/* The incidents again, with only what their logs showed                    */

/*
 * Into x, incident s as its log left it: all the log showed (the origin:
 * whose steps; the address the log gave and the messages: in the steps'
 * text; the transcript and phase: the reasons of what was not checked),
 * and its observations but those of the probes and the files, which are
 * asked again now. The lists ranking and planning make keep their strings
 * in strings (equal lists shared, as diagnose and replay keep them).
 */
static void
verify_copy(struct diag_incident *x, const struct diag_incident *s,
    struct diag_strings *strings)
{
	size_t j;

	diag_incident_copy_log(x, s, strings);
	for (j = 0; j < s->nobservations; j++) {
		const struct diag_observation *o = &s->observations[j];

		if (o->origin && (strcmp(o->origin, "probe") == 0 ||
		    strcmp(o->origin, "file") == 0))
			continue;
		diag_observe(x, o->source, o->value, o->origin ? o->origin : "log", o->detail);
	}
}

/* ---------------------------------------------------------------------- */
/* The watch                                                                */

struct verify_back {
	int	 back;		/* the error came back */
	char	*detail;	/* where: "gw.log line 57: ..." */
};

/* Whom a watched line is about: its next hop and its message, as it names them. */
struct verify_about {
	const char	*host;		/* NULL: the line names no peer */
	const char	*addr;		/* the address with it, or NULL */
	const char	*message;	/* its queue or message id, or NULL */
	struct mta_line	 mta;
};

/* As diagnose reads a line's peer (correlate.c): an MTA's notation, else the reader's. */
static void
verify_about(const struct reader_record *rec, const struct kb_symptom *sym,
    struct verify_about *a)
{
	memset(a, 0, sizeof(*a));
	a->message = rec->queue_id;
	if (rec->format != READER_FORMAT_LEGACY && rec->format != READER_FORMAT_NDJSON &&
	    mta_parse(rec->program, rec->pid, rec->text, rec->len, sym->origin, &a->mta) !=
	    MTA_UNKNOWN) {
		if (a->mta.peer.host[0] != '\0') {
			a->host = a->mta.peer.host;
			a->addr = a->mta.peer.addr[0] != '\0' ? a->mta.peer.addr : NULL;
		}
		if (a->mta.message[0] != '\0')
			a->message = a->mta.message;
	}
	if (a->host == NULL && rec->peer_host != NULL)
		a->host = rec->peer_host;
}

static int
verify_names_message(const struct diag_incident *inc, const char *message)
{
	size_t i;

	for (i = 0; i < inc->nqueue_ids; i++)
		if (strcmp(inc->queue_ids[i], message) == 0)
			return 1;
	return 0;
}

/*
 * Is a watched line of inc's article inc's failure back? When the line names
 * a next hop, only at inc's (its name, or the address the log gave; on any
 * port: a smart host moved to another port fails as before); else, when it
 * names a message that some
 * incident of the article concerned, only for those; else for any. An
 * incident whose smart host no log named (none, or --smarthost) takes any
 * line of its article.
 */
static int
verify_is_back(const struct diagnosis *d, const struct diag_incident *inc,
    const struct verify_about *a)
{
	size_t i;

	if (inc->peer.host == NULL || inc->peer_from_cli)
		return 1;
	if (a->host != NULL)
		return strcasecmp(inc->peer.host, a->host) == 0 ||
		    (a->addr != NULL && strcasecmp(inc->peer.host, a->addr) == 0) ||
		    (inc->peer.address != NULL && (strcasecmp(inc->peer.address, a->host) == 0 ||
		    (a->addr != NULL && strcasecmp(inc->peer.address, a->addr) == 0)));
	if (a->message == NULL || a->message[0] == '\0' || verify_names_message(inc, a->message))
		return 1;
	for (i = 0; i < d->nincidents; i++)
		if (strcmp(d->incidents[i].article, inc->article) == 0 &&
		    verify_names_message(&d->incidents[i], a->message))
			return 0;	/* another's message */
	return 1;
}

static int
verify_watch(const struct verify_params *p, const struct diagnosis *d,
    struct verify_back *back, unsigned long *lines, unsigned long *seconds,
    char err[ERR_LEN])
{
	struct reader_params rp = p->reader;
	const struct reader_record *rec;
	struct reader *r;
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	unsigned long long start = 0, now;
	int skipping = 1, last = 0, rc;
	size_t i, k, n;

	*lines = 0;
	*seconds = 0;
	rp.follow = 1;
	if (reader_open_params(p->watch, &rp, &r, err) != 0)
		return -1;
	for (;;) {
		rc = reader_next(r, &rec, err);
		if (rc == 1) {
			const struct match_hit *hits;
			const struct kb_symptom *gave_up;

			if (skipping)
				continue;	/* only what is written from now on */
			(*lines)++;
			n = match_line(p->matcher, rec->subject, rec->subjectlen, &hits, &gave_up);
			for (k = 0; k < n; k++) {
				struct verify_about about;

				if ((hits[k].symptom->role != KB_ROLE_PRIMARY &&
				    hits[k].symptom->role != KB_ROLE_FALLBACK) ||
				    hits[k].symptom->severity == KB_SEVERITY_INFO)
					continue;
				verify_about(rec, hits[k].symptom, &about);
				for (i = 0; i < d->nincidents; i++)
					if (!back[i].back && strcasecmp(hits[k].article->id,
					    d->incidents[i].article) == 0 &&
					    verify_is_back(d, &d->incidents[i], &about)) {
						back[i].back = 1;
						back[i].detail = verify_fmt("%s line %lu: %.*s",
						    rec->file, rec->line, (int)(rec->rawlen > 300 ?
						    300 : rec->rawlen), rec->raw);
					}
			}
			continue;
		}
		if (rc < 0) {
			reader_close(r);
			return -1;
		}
		if (skipping) {
			skipping = 0;
			start = probe_now_ms();
			verify_notice(p, "verify: watching %s for %llu s", p->watch,
			    (p->watch_ms + 999) / 1000);
		}
		now = probe_now_ms();
		/* Every error already back: nothing more to wait for. */
		for (i = 0; i < d->nincidents && back[i].back; i++)
			;
		if (rc == 0 || last || (d->nincidents > 0 && i == d->nincidents))
			break;
		if (reader_follow(r) && reader_notice(r))
			verify_notice(p, "verify: %s", reader_notice(r));
		/*
		 * The time is up, or the watch is stopped (Ctrl-C): what was
		 * written until then is read still, then no more.
		 */
		if (now >= start + p->watch_ms || (p->stop && *p->stop)) {
			last = 1;
			continue;
		}
		nanosleep(&pause, NULL);
	}
	*seconds = (unsigned long)((probe_now_ms() - start + 500) / 1000);
	reader_close(r);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The verdict                                                              */

static void
verify_seen(struct diag_verdict *v, const char *source, const char *value,
    const char *origin, const char *detail)
{
	struct diag_observation *o;
	size_t i;

	for (i = 0; i < v->nseen; i++)
		if (strcmp(v->seen[i].source, source) == 0 &&
		    strcmp(v->seen[i].origin, origin) == 0)
			return;
	v->seen = xrealloc(v->seen, (v->nseen + 1) * sizeof(*v->seen));
	o = &v->seen[v->nseen++];
	o->source = xstrdup(source);
	o->value = xstrdup_or_null(value);
	o->origin = xstrdup(origin);
	o->detail = detail ? text_sanitize(detail, strlen(detail), VERIFY_TEXT_MAX) : NULL;
}

/* Is source one the verdict looks at: the cause's evidence, a fix's checks, the chain? */
static int
verify_relevant(const struct kb *kb, const char *cause, const struct kb_fix **fx, size_t nfx,
    const char *source)
{
	const struct kb_cause *c = cause ? kb_find_cause(kb, cause) : NULL;
	size_t i, j;

	for (i = 0; i < sizeof(verify_chain) / sizeof(verify_chain[0]); i++)
		if (strcmp(verify_chain[i], source) == 0)
			return 1;
	for (i = 0; c && i < c->nevidence; i++)
		if (strcmp(c->evidence[i].source->id, source) == 0)
			return 1;
	for (i = 0; i < nfx; i++) {
		if (fx[i]->in_place_source && strcmp(fx[i]->in_place_source->id, source) == 0)
			return 1;
		for (j = 0; j < fx[i]->nproofs; j++)
			if (strncmp(fx[i]->proofs[j], source, strlen(source)) == 0 &&
			    fx[i]->proofs[j][strlen(source)] == ':')
				return 1;
	}
	return 0;
}

static const char *
verify_check_value(enum fix_status s)
{
	switch (s) {
	case FIX_EDITED:
		return "not-in-place";
	case FIX_ALREADY:
		return "in-place";
	case FIX_NOT_APPLICABLE:
		return "not-applicable";
	case FIX_NO_FILE:
		return "no-file";
	case FIX_NO_ROOT:
		return "not-looked-at";
	case FIX_REFUSED:
		return "refused";
	}
	return "unknown";
}

/*
 * The causes already tried: the history's "not fixed" verdicts whose cause
 * was still the one to fix (not named again as the next), sorted by
 * article, cause, then peer (none first), so that each question is a
 * bisection, where reading the whole history for every cause of every
 * incident made a second verify at 10,000 incidents three times the first.
 */
struct verify_tried {
	const struct diag_verdict	**v;
	size_t				  n;
};

static int
verify_cmp_peer(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int
verify_cmp_tried(const void *x, const void *y)
{
	const struct diag_verdict *a = *(const struct diag_verdict *const *)x;
	const struct diag_verdict *b = *(const struct diag_verdict *const *)y;
	int c;

	if ((c = strcmp(a->article, b->article)) != 0 || (c = strcmp(a->cause, b->cause)) != 0)
		return c;
	return verify_cmp_peer(a->peer, b->peer);
}

static void
verify_tried_index(const struct diagnosis *d, struct verify_tried *t)
{
	size_t h, j;

	t->n = 0;
	for (h = 0; h < d->nhistory; h++)
		t->n += d->history[h].nverdicts;
	t->v = xcalloc(t->n + 1, sizeof(*t->v));
	t->n = 0;
	for (h = 0; h < d->nhistory; h++)
		for (j = 0; j < d->history[h].nverdicts; j++) {
			const struct diag_verdict *v = &d->history[h].verdicts[j];

			if (v->article && v->outcome && strcmp(v->outcome, VERIFY_NOT_FIXED) == 0 &&
			    v->cause && (v->next_cause == NULL ||
			    strcmp(v->next_cause, v->cause) != 0))
				t->v[t->n++] = v;
		}
	qsort(t->v, t->n, sizeof(*t->v), verify_cmp_tried);
}

/* The first of t's verdicts not below (article, cause, peer). */
static size_t
verify_tried_at(const struct verify_tried *t, const char *article, const char *cause,
    const char *peer)
{
	size_t lo = 0, hi = t->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((c = strcmp(t->v[mid]->article, article)) == 0 &&
		    (c = strcmp(t->v[mid]->cause, cause)) == 0)
			c = verify_cmp_peer(t->v[mid]->peer, peer);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Was cause already tried for this incident (an earlier "not fixed" of its
 * article and peer, or of either without a peer)?
 */
static int
verify_was_tried(const struct verify_tried *t, const struct diag_incident *inc,
    const char *peer, const char *cause)
{
	size_t i = verify_tried_at(t, inc->article, cause, NULL);

	/* none of the article's and cause's: not tried */
	if (i == t->n || strcmp(t->v[i]->article, inc->article) != 0 ||
	    strcmp(t->v[i]->cause, cause) != 0)
		return 0;
	/* one without a peer, or any when the incident has none */
	if (peer == NULL || t->v[i]->peer == NULL)
		return 1;
	i = verify_tried_at(t, inc->article, cause, peer);
	return i < t->n && strcmp(t->v[i]->article, inc->article) == 0 &&
	    strcmp(t->v[i]->cause, cause) == 0 && t->v[i]->peer != NULL &&
	    strcmp(t->v[i]->peer, peer) == 0;
}

static void
verify_next(const struct kb *kb, struct diag_verdict *v, const struct diag_incident *fresh,
    const struct diag_cause *c)
{
	const struct kb_fix *fx[16];
	size_t i, j, n;

	v->next_cause = xstrdup(c->id);
	v->next_title = xstrdup_or_null(c->title);
	for (i = 0; i < fresh->nsteps; i++)
		for (j = 0; j < fresh->steps[i].naddresses; j++)
			if (strcmp(fresh->steps[i].addresses[j], c->id) == 0) {
				char *t = render_step_text(&fresh->steps[i]);

				v->next_steps = xrealloc(v->next_steps, (v->nnext_steps + 1) *
				    sizeof(*v->next_steps));
				v->next_steps[v->nnext_steps++] = text_sanitize(t, strlen(t),
				    VERIFY_TEXT_MAX * 3);
				free(t);
				break;
			}
	n = fix_for_cause(kb, c->id, fresh->article, fx, 16);
	for (i = 0; i < n; i++) {
		v->next_fixes = xrealloc(v->next_fixes, (v->nnext_fixes + 1) *
		    sizeof(*v->next_fixes));
		v->next_fixes[v->nnext_fixes++] = xstrdup(fx[i]->id);
	}
}

/* Who sends the mail whose failure the incident is, as its log says. */
static const char *
verify_sender(const char *origin)
{
	if (origin != NULL && strcmp(origin, "postfix") == 0)
		return "Postfix";
	if (origin != NULL && strcmp(origin, "exim") == 0)
		return "Exim";
	if (origin != NULL && strcmp(origin, "sendmail") == 0)
		return "Sendmail";
	return "the gateway";
}

static void
verify_incident(const struct verify_params *p, const struct diagnosis *d, size_t idx,
    const struct fix_causes *causes, const struct verify_tried *tried,
    const struct diag_incident *fresh,
    const struct fix_plan *plan,
    const struct verify_back *back, int watched, unsigned long lines, unsigned long seconds,
    struct diag_verdict *v)
{
	const struct diag_incident *inc = &d->incidents[idx];
	const struct diag_cause *c = fix_cause_at(causes, idx, NULL), *next = NULL;
	const struct kb_fix *fx[16];
	const struct probe_result *failing = NULL;
	const char *proof = NULL;
	size_t nfx = 0, i, j;
	int not_in_place = 0, in_place = 0, unknown = 0;
	char peer[PEER_HOST_MAX + 16];

	v->article = xstrdup(inc->article);
	if (inc->peer.host) {
		snprintf(peer, sizeof(peer), "%s:%u", inc->peer.host,
		    inc->peer.port ? inc->peer.port : 25);
		v->peer = xstrdup(peer);
	}
	if (c != NULL) {
		v->cause = xstrdup(c->id);
		nfx = fix_for_cause(p->kb, c->id, inc->article, fx, 16);
	}
	/* 1. Each fix planned again: is it in place? */
	for (i = 0; plan && i < plan->nitems; i++) {
		const struct fix_item *it = &plan->items[i];

		for (j = 0; j < nfx && fx[j] != it->fix; j++)
			;
		if (j == nfx)
			continue;
		verify_seen(v, it->id, verify_check_value(it->status), "check", it->what);
		not_in_place |= it->status == FIX_EDITED;
		in_place += it->status == FIX_ALREADY;
		unknown += it->status != FIX_EDITED && it->status != FIX_ALREADY;
	}
	/* 2. What the probes and the files say now. */
	for (i = 0; i < fresh->nobservations; i++) {
		const struct diag_observation *o = &fresh->observations[i];

		if (o->origin == NULL || (strcmp(o->origin, "probe") != 0 &&
		    strcmp(o->origin, "file") != 0) ||
		    !verify_relevant(p->kb, v->cause, fx, nfx, o->source))
			continue;
		verify_seen(v, o->source, o->value, o->origin, o->detail);
		for (j = 0; j < nfx && proof == NULL; j++) {
			size_t k;

			for (k = 0; k < fx[j]->nproofs; k++) {
				char ref[128];

				snprintf(ref, sizeof(ref), "%s:%s", o->source, o->value);
				if (strcmp(fx[j]->proofs[k], ref) == 0)
					proof = fx[j]->proofs[k];
			}
		}
	}
	/* Else: what the probes see now rules the cause out. */
	for (i = 0; proof == NULL && c != NULL && i < fresh->ncauses; i++) {
		const struct diag_cause *x = &fresh->causes[i];

		if (strcmp(x->id, c->id) != 0 || !x->ruled_out)
			continue;
		for (j = 0; j < x->nevidence && proof == NULL; j++)
			if (!x->evidence[j].confirms && x->evidence[j].origin &&
			    strcmp(x->evidence[j].origin, "probe") == 0)
				proof = x->evidence[j].ref;
	}
	for (i = 0; i < fresh->nprobes && failing == NULL; i++)
		for (j = 0; j < sizeof(verify_chain) / sizeof(verify_chain[0]); j++)
			if (fresh->probes[i].probe && strcmp(fresh->probes[i].probe,
			    verify_chain[j]) == 0 && fresh->probes[i].status == PROBE_OBSERVED &&
			    probe_result_failed(&fresh->probes[i]))
				failing = &fresh->probes[i];
	/* 3. The log. */
	if (watched) {
		char *quiet = verify_fmt("no %s error in %lu new line%s over %lu s",
		    inc->article, lines, lines == 1 ? "" : "s", seconds);

		verify_seen(v, "log-watch", back->back ? "error-back" : lines ? "quiet" :
		    "no-new-lines", "log", back->back ? back->detail : lines ? quiet :
		    "nothing was written to the log in the window");
		free(quiet);
	}
	/* 4. The verdict. */
	if (back->back) {
		v->outcome = xstrdup(VERIFY_NOT_FIXED);
		v->why = verify_fmt("the error came back in the log (%s)", back->detail);
	} else if (failing) {
		v->outcome = xstrdup(VERIFY_NOT_FIXED);
		v->why = verify_fmt("the smart host still fails the %s check: %s (%s)",
		    failing->probe, failing->value, failing->detail ? failing->detail : "");
	} else if (not_in_place) {
		v->outcome = xstrdup(VERIFY_NOT_FIXED);
		v->why = verify_fmt("the fix of %s is not in place: kbdiag fix would still "
		    "change the files", v->cause);
	} else if (proof) {
		v->outcome = xstrdup(VERIFY_FIXED);
		v->why = verify_fmt("%s (%s)%s", strcmp(proof, "resend:delivered") == 0 ? "a test "
		    "message went through the smart host" : "what the probes see now rules the "
		    "cause out", proof, in_place ? ", and the fix is in place" : "");
	} else if (watched && lines > 0 && !unknown) {
		v->outcome = xstrdup(VERIFY_FIXED);
		v->why = verify_fmt("the error stayed out of the log for %lu s (%lu new line%s)%s",
		    seconds, lines, lines == 1 ? "" : "s", in_place ? ", and the fix is in "
		    "place" : "");
	} else {
		v->outcome = xstrdup(VERIFY_INCONCLUSIVE);
		v->why = verify_fmt("%s; nothing showed whether the failure is gone: give "
		    "--resend-from and --resend-to for a test message, or --watch LOG --for "
		    "DURATION while %s sends mail", in_place ? "the fix is in place" :
		    nfx == 0 ? "the rule base has no fix to check for this cause" :
		    "whether the fix is in place could not be checked", verify_sender(inc->origin));
	}
	if (strcmp(v->outcome, VERIFY_NOT_FIXED) != 0)
		return;
	/* After "not fixed": what to fix next. */
	if (not_in_place && !back->back && !failing && c != NULL) {
		for (i = 0; i < fresh->ncauses; i++)
			if (strcmp(fresh->causes[i].id, c->id) == 0)
				next = &fresh->causes[i];
	} else
		for (i = 0; i < fresh->ncauses && next == NULL; i++) {
			const struct diag_cause *x = &fresh->causes[i];

			if (x->ruled_out || (c != NULL && strcmp(x->id, c->id) == 0 &&
			    !not_in_place) || verify_was_tried(tried, inc, v->peer, x->id))
				continue;
			next = x;
		}
	if (next != NULL)
		verify_next(p->kb, v, fresh, next);
	else {
		char *why = v->why;

		v->why = verify_fmt("%s; no other cause of %s is left standing", why,
		    inc->article);
		free(why);
	}
}

/* ---------------------------------------------------------------------- */
/* The failures the incidents share                                         */

/* One log line of an incident: (file, line) and whose. */
struct verify_line {
	const char	*file;
	unsigned long	 line;
	size_t		 incident;
};

static int
verify_cmp_line(const void *x, const void *y)
{
	const struct verify_line *a = x, *b = y;
	int c;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if ((c = strcmp(a->file, b->file)) != 0)
		return c;
	return (a->incident > b->incident) - (a->incident < b->incident);
}

/*
 * Incidents that share a log line are one failure that several articles
 * explain: it is fixed when one explanation is (and none says not fixed).
 * The whole is not fixed when one failure is, fixed when every failure is.
 * An incident's failure is itself and every incident it shares a line
 * with: the incidents' lines sorted, each run of one line ORs its
 * incidents' outcomes into each of them (where every incident against
 * every other was n^2 at 10,000 incidents).
 */
static void
verify_outcomes(const struct diagnosis *d, const struct diag_history *h, int *not_fixed,
    int *fixed)
{
	struct verify_line *lines;
	unsigned char *own, *any;	/* bit 1: not fixed, bit 2: fixed */
	size_t n = 0, i, j, k;

	own = xcalloc(d->nincidents + 1, 1);
	any = xcalloc(d->nincidents + 1, 1);
	for (i = 0; i < d->nincidents; i++) {
		own[i] = (strcmp(h->verdicts[i].outcome, VERIFY_NOT_FIXED) == 0) |
		    (strcmp(h->verdicts[i].outcome, VERIFY_FIXED) == 0) << 1;
		any[i] = own[i];
		n += d->incidents[i].nlocations;
	}
	lines = xcalloc(n + 1, sizeof(*lines));
	for (i = 0, n = 0; i < d->nincidents; i++)
		for (j = 0; j < d->incidents[i].nlocations; j++) {
			lines[n].file = d->incidents[i].locations[j].file;
			lines[n].line = d->incidents[i].locations[j].line;
			lines[n++].incident = i;
		}
	qsort(lines, n, sizeof(*lines), verify_cmp_line);
	for (i = 0; i < n; i = j) {
		unsigned char run = 0;

		for (j = i; j < n && lines[j].line == lines[i].line &&
		    strcmp(lines[j].file, lines[i].file) == 0; j++)
			run |= own[lines[j].incident];
		for (k = i; k < j; k++)
			any[lines[k].incident] |= run;
	}
	*not_fixed = 0;
	*fixed = 0;
	for (i = 0; i < d->nincidents; i++) {
		*not_fixed |= any[i] & 1;
		*fixed += !(any[i] & 1) && (any[i] & 2);
	}
	free(lines);
	free(any);
	free(own);
}

/*
 * The verdicts, an incident at a time, as the probe rounds come
 * (diag_probe_rounds()): a copy of the incident as its log left it, with
 * what its round found now, ranked and planned again, its verdict written,
 * the copy let go. The copies of a batch keep their lists' strings in one
 * set, freed with the batch: what is held is the batch, not every incident
 * ranked again (10,000 incidents: half of verify's memory).
 */
#define VERIFY_BATCH	256

struct verify_stream {
	const struct verify_params	*p;
	const struct diagnosis		*d;
	const struct fix_causes		*causes;
	const struct verify_tried	*tried;
	const struct fix_plan		*plan;
	const struct verify_back	*back;
	unsigned long			 lines, seconds;
	struct diag_history		*h;
	unsigned char			*done;		/* per incident */
	struct diagnosis		*batch;		/* the copies' set of strings */
	size_t				 nbatch;
};

static void
verify_one(void *arg, size_t i, const struct probe_result *r, size_t n)
{
	struct verify_stream *vs = arg;
	const struct kb *kb = vs->p->kb;
	struct diag_incident x;

	if (vs->done[i])
		return;
	if (vs->batch == NULL)
		vs->batch = xcalloc(1, sizeof(*vs->batch));
	verify_copy(&x, &vs->d->incidents[i], diag_strings_of(vs->batch));
	if (r != NULL)
		evidence_from_probes(&x, r, n, kb);
	/* as diag_rank() ranks and plans an incident */
	evidence_derive(&x, kb);
	rank_causes_kb(&x, kb);
	plan_steps(&x);
	verify_incident(vs->p, vs->d, i, vs->causes, vs->tried, &x, vs->plan, &vs->back[i],
	    vs->p->watch != NULL, vs->lines, vs->seconds, &vs->h->verdicts[i]);
	diag_incident_clear(&x);
	vs->done[i] = 1;
	if (++vs->nbatch == VERIFY_BATCH) {
		diag_free(vs->batch);
		vs->batch = NULL;
		vs->nbatch = 0;
	}
}

int
verify_run(struct diagnosis *d, const struct verify_params *p,
    const struct diag_history **entry, char err[ERR_LEN])
{
	struct verify_stream vs;
	struct fix_plan *plan = NULL;
	struct fix_journal *j = NULL;
	struct verify_back *back;
	struct diag_history h;
	struct verify_tried tried = { NULL, 0 };
	struct fix_causes *causes = NULL;
	struct probe_params tmpl = p->probe;
	unsigned long lines = 0, seconds = 0;
	char when[32];
	time_t now;
	struct tm tm;
	size_t i;
	int rc = -1, not_fixed = 0, fixed = 0;

	*entry = NULL;
	memset(&h, 0, sizeof(h));
	memset(&vs, 0, sizeof(vs));
	if (d->nhistory >= DIAG_MAX_HISTORY)
		return err_set(err, "the diagnosis already has %d entries of history",
		    DIAG_MAX_HISTORY);
	back = xcalloc(d->nincidents + 1, sizeof(*back));
	/* What kbdiag fix applied, from its journal. */
	if (p->probe.dos_root != NULL && fix_journal_load(p->probe.dos_root, &j, err) < 0)
		goto out;
	/* The fixes planned again: are they in place? */
	if (fix_plan(d, p->probe.dos_root, p->kb, &plan, err) != 0)
		goto out;
	/*
	 * The log first: each verdict needs it, and is made as its incident's
	 * probe round comes, so the probes see the state at the watch's end.
	 */
	if (p->watch != NULL && verify_watch(p, d, back, &lines, &seconds, err) != 0)
		goto out;
	if (j != NULL) {
		h.applied_when = xstrdup_or_null(j->applied);
		h.applied = xcalloc(j->nfixes + 1, sizeof(*h.applied));
		for (i = 0; i < j->nfixes; i++) {
			/* the journal is untrusted: what is shown from it made safe */
			h.applied[i].fix = text_sanitize(j->fixes[i].id, strlen(j->fixes[i].id),
			    VERIFY_TEXT_MAX);
			h.applied[i].path = text_sanitize(j->fixes[i].path,
			    strlen(j->fixes[i].path), VERIFY_TEXT_MAX);
			h.applied[i].what = text_sanitize(j->fixes[i].what,
			    strlen(j->fixes[i].what), VERIFY_TEXT_MAX);
		}
		h.napplied = j->nfixes;
	}
	if (p->watch != NULL) {
		h.watch = text_sanitize(p->watch, strlen(p->watch), VERIFY_TEXT_MAX);
		h.watch_seconds = seconds;
		h.watch_lines = lines;
	}
	h.verdicts = xcalloc(d->nincidents + 1, sizeof(*h.verdicts));
	h.nverdicts = d->nincidents;
	verify_tried_index(d, &tried);
	causes = fix_causes_start(d);
	vs.p = p;
	vs.d = d;
	vs.causes = causes;
	vs.tried = &tried;
	vs.plan = plan;
	vs.back = back;
	vs.lines = lines;
	vs.seconds = seconds;
	vs.h = &h;
	vs.done = xcalloc(d->nincidents + 1, 1);
	/* The probes and file checks again, on the incidents as their logs left them. */
	tmpl.kb = p->kb;
	diag_probe_rounds(d, p->kb, &tmpl, p->smarthost, p->smarthost_port,
	    p->on_notice ? verify_on_round : NULL, (void *)p, verify_one, &vs, NULL);
	/* an incident whose round could not run: as its log left it */
	for (i = 0; i < d->nincidents; i++)
		verify_one(&vs, i, NULL, 0);
	diag_free(vs.batch);
	free(vs.done);
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	h.when = xstrdup(when);
	verify_outcomes(d, &h, &not_fixed, &fixed);
	h.outcome = xstrdup(not_fixed ? VERIFY_NOT_FIXED : fixed > 0 &&
	    (size_t)fixed == d->nincidents ? VERIFY_FIXED : VERIFY_INCONCLUSIVE);
	d->history = xrealloc(d->history, (d->nhistory + 1) * sizeof(*d->history));
	d->history[d->nhistory++] = h;
	*entry = &d->history[d->nhistory - 1];
	rc = 0;
out:
	if (rc != 0)
		diag_history_clear(&h);
	free(tried.v);
	fix_causes_end(causes);
	for (i = 0; i < d->nincidents; i++)
		free(back[i].detail);
	free(back);
	fix_journal_free(j);
	fix_plan_free(plan);
	return rc;
}
