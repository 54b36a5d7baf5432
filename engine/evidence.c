#include "evidence.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp/phase.h"
#include "util/buf.h"
#include "probe_net.h"	/* probe_peer_product() */
#include "util/xmem.h"

/* Is phase (an incident's, as a log or a saved diagnosis wrote it) the text
 * of p? */
static int
evidence_phase_is(const char *phase, enum smtp_phase p)
{
	const char *text = smtp_phase_to_text(p);

	return phase != NULL && text != NULL && strcmp(phase, text) == 0;
}

/* The value, if the rule base declares SOURCE:VALUE. */
static const struct kb_evidence_value *
evidence_declared(const struct kb *kb, const char *source, const char *value)
{
	const struct kb_evidence_source *s = kb_find_source(kb, source);
	size_t i;

	if (s == NULL || value == NULL)
		return NULL;
	for (i = 0; i < s->nvalues; i++)
		if (strcmp(s->values[i].id, value) == 0)
			return &s->values[i];
	return NULL;
}

static void
evidence_add(struct diag_incident *inc, const struct kb *kb, const char *source,
    const char *value, const char *origin, const char *detail)
{
	if (evidence_declared(kb, source, value) != NULL)
		diag_observe(inc, source, value, origin, detail);
}

long long
evidence_unacked_bytes(const struct reader_tcp *t)
{
	if (t->outq_bytes >= 0 && t->notsent_bytes >= 0)
		return t->outq_bytes > t->notsent_bytes ? t->outq_bytes - t->notsent_bytes : 0;
	return t->outq_bytes;
}

const char *
evidence_socket_value(const char *errno_name, int has_tcp, const struct reader_tcp *t,
    char *why, size_t why_len)
{
	long long unacked, retrans;

	if (why_len)
		why[0] = '\0';
	if (errno_name != NULL && strcmp(errno_name, "ECONNRESET") == 0) {
		if (why_len)
			snprintf(why, why_len, "the socket said ECONNRESET");
		return "reset";
	}
	/*
	 * The peer's FIN had come (CLOSE_WAIT and later), or a write found the
	 * connection closed by it: its TCP answered, so its host and the path
	 * were up.
	 */
	if ((has_tcp && reader_tcp_peer_closed(t)) ||
	    (errno_name != NULL && strcmp(errno_name, "EPIPE") == 0)) {
		if (why_len)
			snprintf(why, why_len, "%s%s%s", has_tcp && t->state[0] ?
			    "TCP_INFO: the socket was in " : "", has_tcp && t->state[0] ?
			    t->state : "", has_tcp && t->state[0] ? " (the peer's FIN had "
			    "arrived)" : "the socket said EPIPE (the peer had closed the "
			    "connection)");
		return "peer-closed";
	}
	if (!has_tcp)
		return NULL;
	unacked = evidence_unacked_bytes(t);
	retrans = t->retransmits > t->total_retrans ? t->retransmits : t->total_retrans;
	if ((unacked > 0 || t->unacked > 0) && retrans > 0) {
		if (why_len)
			snprintf(why, why_len, "TCP_INFO: %lld bytes (%lld segments) "
			    "unacknowledged, %lld retransmissions", unacked, t->unacked, retrans);
		return "unacked-retransmits";
	}
	/*
	 * Everything acknowledged and the failure was not the peer closing
	 * (above): the peer's TCP holds the data, its server did not answer.
	 */
	if (unacked == 0 && t->unacked <= 0 && (t->bytes_acked > 0 || t->bytes_sent > 0)) {
		if (why_len)
			snprintf(why, why_len, "TCP_INFO: every byte sent was acknowledged "
			    "(%lld bytes), and no reply came", t->bytes_acked > 0 ?
			    t->bytes_acked : t->bytes_sent);
		return "acked-unanswered";
	}
	return NULL;
}

/* Is s a HELO or EHLO command (any case, then a blank or its end)? */
static int
evidence_is_helo(const char *s)
{
	return s != NULL && (strncasecmp(s, "HELO", 4) == 0 || strncasecmp(s, "EHLO", 4) == 0) &&
	    (s[4] == '\0' || s[4] == ' ' || s[4] == '\t');
}

/*
 * The session's transcript, wherever in it: the HELO or EHLO the gateway
 * sent, with or without its host name, and the reply to it (a legacy log's
 * whole session, else an event's last command and reply); a session that
 * ended before any greeting; and the peer's greeting, read for its product
 * as the probe reads a live one.
 */
static void
evidence_transcript(struct diag_incident *inc, const struct kb *kb)
{
	const char *helo = inc->helo, *reply = inc->helo_reply, *id, *product;
	char why[320], err[ERR_LEN];
	int named;

	if (helo == NULL && evidence_is_helo(inc->last_command)) {
		helo = inc->last_command;
		reply = inc->last_reply;
	}
	if (helo != NULL) {
		named = helo[4 + strspn(helo + 4, " \t")] != '\0';
		if (reply != NULL)
			snprintf(why, sizeof(why), "the gateway sent %.80s and the peer "
			    "answered %.120s", helo, reply);
		else
			snprintf(why, sizeof(why), "the gateway sent %.80s; no reply to it "
			    "is in the log", helo);
		if (named)
			evidence_add(inc, kb, "transcript", "helo-named", "log", why);
		else if (reply != NULL && strncmp(reply, "501", 3) == 0)
			evidence_add(inc, kb, "transcript", "helo-domain-missing", "log", why);
		else if (reply != NULL && reply[0] == '2')
			evidence_add(inc, kb, "transcript", "helo-bare-accepted", "log", why);
		else if (reply == NULL)
			evidence_add(inc, kb, "transcript", "helo-bare", "log", why);
	} else if (evidence_phase_is(inc->phase, SMTP_PHASE_GREETING))
		evidence_add(inc, kb, "transcript", "no-greeting", "log",
		    "the session failed while waiting for the 220 greeting");
	if (inc->greeting != NULL && inc->greeting[0] == '2' &&
	    (id = probe_peer_product(kb, inc->greeting, &product, err)) != NULL) {
		snprintf(why, sizeof(why), "the log's greeting %.160s names %s", inc->greeting,
		    product ? product : "no product the rule base knows");
		evidence_add(inc, kb, "peer-product", id, "log", why);
	}
}

/*
 * The gateway's version from the log's start-up banner: "2.1" (2.1, 2.1b),
 * "3.0" as plain 3.0 writes it, "3.0-fixed" for 3.0a and the 3.0.N fix
 * builds.
 */
static void
evidence_banner(struct diag_incident *inc, const struct kb *kb)
{
	const char *v = inc->gateway_version, *value = NULL;
	char why[96];

	if (v == NULL)
		return;
	if (strncmp(v, "2.1", 3) == 0 && (v[3] == '\0' || isalpha((unsigned char)v[3])))
		value = "2.1";
	else if (strcmp(v, "3.0") == 0 || strcmp(v, "3.00") == 0)
		value = "3.0";
	else if (strncmp(v, "3.0", 3) == 0 && (isalpha((unsigned char)v[3]) ||
	    (v[3] == '.' && isdigit((unsigned char)v[4]))))
		value = "3.0-fixed";
	if (value == NULL)
		return;
	snprintf(why, sizeof(why), "the log's start-up banner says V%.40s", v);
	evidence_add(inc, kb, "gateway-version", value, "log", why);
}

/* The session phase (smtp/phase.h) as a value of the "phase" source: the
 * phase's text, but the body counts as data. */
static const char *
evidence_phase_value(const char *phase)
{
	enum smtp_phase p = smtp_phase_parse(phase);

	if (!evidence_phase_is(phase, p))
		return NULL;
	return smtp_phase_to_text(p == SMTP_PHASE_BODY ? SMTP_PHASE_DATA : p);
}

void
evidence_from_log(struct diag_incident *inc, const struct kb *kb)
{
	char why[160];
	const char *v;

	if ((v = evidence_phase_value(inc->phase)) != NULL) {
		snprintf(why, sizeof(why), "the first line came in the %s phase%s%s",
		    inc->phase, inc->last_command ? ", after " : "",
		    inc->last_command ? inc->last_command : "");
		evidence_add(inc, kb, "phase", v, "log", why);
	}
	if (inc->frequent) {
		snprintf(why, sizeof(why), "%lu attempts in the log", inc->count);
		evidence_add(inc, kb, "frequency", "frequent", "log", why);
	} else if (inc->count == 1)
		evidence_add(inc, kb, "frequency", "once", "log", "once in the log");
	if ((v = evidence_socket_value(inc->errno_name, inc->tcp != NULL, inc->tcp, why,
	    sizeof(why))) != NULL)
		evidence_add(inc, kb, "socket", v, "log", why);
	evidence_transcript(inc, kb);
	evidence_banner(inc, kb);
	if (inc->failure != NULL) {
		snprintf(why, sizeof(why), "the %s line says so (%s)",
		    inc->origin ? inc->origin : "log", inc->failure);
		evidence_add(inc, kb, "connection", inc->failure, "log", why);
	}
	if (inc->delivered_elsewhere > 0) {
		snprintf(why, sizeof(why), "%lu message%s that failed here went through "
		    "another peer", inc->delivered_elsewhere,
		    inc->delivered_elsewhere == 1 ? "" : "s");
		evidence_add(inc, kb, "delivery", "other-peer", "log", why);
	} else if (inc->delivered_later > 0) {
		snprintf(why, sizeof(why), "%lu message%s that failed here went through "
		    "later", inc->delivered_later, inc->delivered_later == 1 ? "" : "s");
		evidence_add(inc, kb, "delivery", "same-peer-later", "log", why);
	}
	if (inc->episode > 1) {
		snprintf(why, sizeof(why), "episode %u of this failure in the log",
		    inc->episode);
		evidence_add(inc, kb, "episode", "recurring", "log", why);
	}
}

/* A probe result's layered value, or NULL (not observed, not layered). */
static const struct kb_evidence_value *
evidence_layered(const struct kb *kb, const struct probe_result *r,
    const struct kb_evidence_source **src)
{
	const struct kb_evidence_value *v;

	if (r->status != PROBE_OBSERVED || r->source == NULL ||
	    (*src = kb_find_source(kb, r->source)) == NULL || (*src)->layer == 0)
		return NULL;
	v = evidence_declared(kb, r->source, r->value);
	return v;
}

const char *
evidence_ladder_why(const struct kb *kb, const struct probe_result *r, size_t n, size_t i,
    char *why, size_t why_len)
{
	const struct kb_evidence_source *src, *s;
	const struct kb_evidence_value *v, *mine;
	size_t j, top = n, first = n;
	unsigned reached = 0, lowest = 0;

	if (kb == NULL || i >= n || (mine = evidence_layered(kb, &r[i], &s)) == NULL ||
	    mine->reaches >= s->layer)
		return NULL;		/* not a failure of a rung */
	for (j = 0; j < n; j++)
		if ((v = evidence_layered(kb, &r[j], &src)) != NULL && v->reaches > reached) {
			reached = v->reaches;
			top = j;
		}
	if (s->layer <= reached) {
		snprintf(why, why_len, "not weighed: %s:%s shows layer %u and those below "
		    "it working (the layered test of Q115492), so %s:%s is not a failure "
		    "of its layer", r[top].source, r[top].value, reached, r[i].source,
		    r[i].value);
		return why;
	}
	for (j = 0; j < n; j++)
		if ((v = evidence_layered(kb, &r[j], &src)) != NULL && v->reaches < src->layer &&
		    src->layer > reached && (lowest == 0 || src->layer < lowest)) {
			lowest = src->layer;
			first = j;
		}
	if (first < n && s->layer > lowest) {
		snprintf(why, why_len, "not weighed: %s:%s failed first, lower in the "
		    "layered test of Q115492; the first layer that fails is the one to "
		    "fix, and the layers above it fail with it", r[first].source,
		    r[first].value);
		return why;
	}
	return NULL;
}

void
evidence_from_probes(struct diag_incident *inc, const struct probe_result *r, size_t n,
    const struct kb *kb)
{
	const struct kb_evidence_source *s;
	char why[320];
	size_t i;

	if (n == 0)
		return;
	/* A later round replaces the results of an earlier one (its observations stay). */
	diag_list_release(inc, inc->probes);	/* packed (diagnosis.h) */
	inc->probes = diag_probes_pack(r, n, inc->strings);
	inc->nprobes = n;
	for (i = 0; i < n; i++) {
		if (r[i].status != PROBE_OBSERVED || r[i].source == NULL ||
		    evidence_ladder_why(kb, r, n, i, why, sizeof(why)) != NULL)
			continue;
		s = kb_find_source(kb, r[i].source);
		evidence_add(inc, kb, r[i].source, r[i].value,
		    s != NULL && s->kind == KB_SOURCE_FILE ? "file" : "probe", r[i].detail);
	}
}

void
evidence_from_failure(struct diag_incident *inc, const struct diag_incident *failed)
{
	struct buf b = BUF_INIT;
	size_t i;

	free(inc->ended_article);
	free(inc->ended_peer);
	free(inc->ended_first_seen);
	inc->ended_article = xstrdup(failed->article);
	if (failed->peer.host != NULL) {
		buf_printf(&b, "%s%s%s:%u", strchr(failed->peer.host, ':') ? "[" : "",
		    failed->peer.host, strchr(failed->peer.host, ':') ? "]" : "",
		    failed->peer.port);
		inc->ended_peer = buf_detach(&b);
	} else
		inc->ended_peer = NULL;
	inc->ended_first_seen = xstrdup_or_null(failed->first_seen);
	inc->ended_index = 0;
	for (i = 0; i < failed->nobservations; i++) {
		const struct diag_observation *o = &failed->observations[i];

		if (strcmp(o->origin, "log") != 0)
			continue;
		buf_reset(&b);
		buf_printf(&b, "in the %s failure whose retries it ended: %s", failed->article,
		    o->detail ? o->detail : o->value);
		diag_observe(inc, o->source, o->value, "log", buf_str(&b));
	}
	buf_free(&b);
}

/* The observation of source, or NULL. */
static const struct diag_observation *
evidence_observed(const struct diag_incident *inc, const char *source)
{
	size_t i;

	for (i = 0; i < inc->nobservations; i++)
		if (strcmp(inc->observations[i].source, source) == 0)
			return &inc->observations[i];
	return NULL;
}

void
evidence_derive(struct diag_incident *inc, const struct kb *kb)
{
	const struct diag_observation *o;
	size_t i, j, k, m, round;
	int changed = 1;

	/* A derived value may feed another: at most one pass per source. */
	for (round = 0; changed && round <= kb_source_count(kb); round++) {
		changed = 0;
		for (i = 0; i < kb_source_count(kb); i++) {
			const struct kb_evidence_source *s = kb_source_at(kb, i);

			if (evidence_observed(inc, s->id) != NULL)
				continue;
			for (j = 0; j < s->nvalues; j++)
				for (k = 0; k < s->values[j].nderives; k++) {
					const struct kb_derive *dv = &s->values[j].derives[k];
					struct buf why = BUF_INIT;

					for (m = 0; m < dv->n; m++)
						if ((o = evidence_observed(inc, dv->sources[m]->id)) ==
						    NULL || strcmp(o->value, dv->values[m]->id) != 0)
							break;
					if (m < dv->n)
						continue;
					buf_puts(&why, "worked out from ");
					for (m = 0; m < dv->n; m++)
						buf_printf(&why, "%s%s:%s", m == 0 ? "" : m + 1 ==
						    dv->n ? " and " : ", ", dv->sources[m]->id,
						    dv->values[m]->id);
					diag_observe(inc, s->id, s->values[j].id,
					    s->kind == KB_SOURCE_FILE ? "file" :
					    kb_source_kind_name(s->kind), buf_str(&why));
					buf_free(&why);
					changed = 1;
					goto next_source;
				}
next_source:
			;
		}
	}
}
