#include "evidence.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "xmem.h"

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
	 * (EPIPE, or a FIN already in: CLOSE_WAIT): the peer's TCP holds the
	 * data, its server did not answer.
	 */
	if (unacked == 0 && t->unacked <= 0 && (t->bytes_acked > 0 || t->bytes_sent > 0) &&
	    (errno_name == NULL || strcmp(errno_name, "EPIPE") != 0) &&
	    !reader_tcp_peer_closed(t)) {
		if (why_len)
			snprintf(why, why_len, "TCP_INFO: every byte sent was acknowledged "
			    "(%lld bytes), and no reply came", t->bytes_acked > 0 ?
			    t->bytes_acked : t->bytes_sent);
		return "acked-unanswered";
	}
	return NULL;
}

/* The session phase (session.h) as a value of the "phase" source. */
static const char *
evidence_phase_value(const char *phase)
{
	static const char *const map[][2] = {
		{ "connect", "connect" }, { "greeting", "greeting" }, { "helo", "helo" },
		{ "mail", "mail" }, { "rcpt", "rcpt" }, { "data", "data" },
		{ "body", "data" }, { "end-of-data", "end-of-data" }, { "quit", "quit" }
	};
	size_t i;

	for (i = 0; phase != NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], phase) == 0)
			return map[i][1];
	return NULL;
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
	if ((v = evidence_socket_value(inc->errno_name, inc->has_tcp, &inc->tcp, why,
	    sizeof(why))) != NULL)
		evidence_add(inc, kb, "socket", v, "log", why);
	if (inc->last_command != NULL && inc->last_reply != NULL &&
	    (strncasecmp(inc->last_command, "HELO", 4) == 0 ||
	    strncasecmp(inc->last_command, "EHLO", 4) == 0) &&
	    strncmp(inc->last_reply, "501", 3) == 0) {
		snprintf(why, sizeof(why), "the peer answered %.40s with %.80s",
		    inc->last_command, inc->last_reply);
		evidence_add(inc, kb, "transcript", "helo-domain-missing", "log", why);
	}
	if (inc->last_command != NULL && (strncasecmp(inc->last_command, "HELO ", 5) == 0 ||
	    strncasecmp(inc->last_command, "EHLO ", 5) == 0) &&
	    inc->last_command[5 + strspn(inc->last_command + 5, " ")] != '\0') {
		snprintf(why, sizeof(why), "the gateway sent %.80s", inc->last_command);
		evidence_add(inc, kb, "transcript", "helo-named", "log", why);
	}
	if (inc->phase != NULL && strcmp(inc->phase, "greeting") == 0)
		evidence_add(inc, kb, "transcript", "no-greeting", "log",
		    "the session failed while waiting for the 220 greeting");
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

void
evidence_from_probes(struct diag_incident *inc, const struct probe_result *r, size_t n,
    const struct kb *kb)
{
	const struct kb_evidence_source *s;
	size_t i;

	if (n == 0)
		return;
	inc->probes = xcalloc(n, sizeof(*inc->probes));
	inc->nprobes = n;
	for (i = 0; i < n; i++) {
		probe_result_copy(&inc->probes[i], &r[i]);
		if (r[i].status != PROBE_OBSERVED || r[i].source == NULL)
			continue;
		s = kb_find_source(kb, r[i].source);
		evidence_add(inc, kb, r[i].source, r[i].value,
		    s != NULL && s->kind == KB_SOURCE_FILE ? "file" : "probe", r[i].detail);
	}
}
