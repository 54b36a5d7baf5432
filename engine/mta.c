#define _GNU_SOURCE	/* memmem */
#include "mta.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const mta_delivery_words[] = {
	"status=sent", "stat=Sent", " => ", " -> ", NULL
};

/* The bytes of a line searched for the failure's words. */
#define MTA_SCAN_MAX	2048

const char *const mta_failure_words[] = {
	"status=", "stat=", " ** ", " == ", "dsn=4.", "dsn=5.", NULL
};

/* Is [s, s+n) one of the NULL-terminated words, whole, ignoring case? */
static int
mta_word_in(const char *s, size_t n, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strlen(*words) == n && strncasecmp(s, *words, n) == 0)
			return 1;
	return 0;
}

/* The value of KEY= at p (after a space or a comma, or at the line's start). */
static size_t
mta_key_value(const char *s, size_t len, const char *p, size_t keylen)
{
	size_t i = (size_t)(p - s) + keylen, k;

	if (p > s && p[-1] != ' ' && p[-1] != ',')
		return 0;
	for (k = i; k < len && (isalnum((unsigned char)s[k]) || s[k] == '-' || s[k] == '_'); k++)
		;
	return k - i;
}

/*
 * Is the field that ends just before p (at a space) an Exim message id:
 * 6-6-2 (before 4.97) or 6-11-4 base-62 characters?
 */
static int
mta_exim_id_before(const char *s, const char *p)
{
	static const size_t parts[2][3] = { { 6, 6, 2 }, { 6, 11, 4 } };
	size_t f, j, n;
	const char *q;

	for (f = 0; f < 2; f++) {
		n = parts[f][0] + parts[f][1] + parts[f][2] + 2;
		if ((size_t)(p - s) < n || (p - s > (ptrdiff_t)n && p[-(ptrdiff_t)n - 1] != ' '))
			continue;
		q = p - n;
		for (j = 0; j < n; j++) {
			int dash = j == parts[f][0] || j == parts[f][0] + 1 + parts[f][1];

			if (dash ? q[j] != '-' : !isalnum((unsigned char)q[j]))
				break;
		}
		if (j == n)
			return 1;
	}
	return 0;
}

int
mta_failure_line(const char *s, size_t len)
{
	static const char *const postfix_ok[] = { "sent", "deliverable", NULL };
	static const char *const sendmail_ok[] = { "sent", "queued", NULL };
	const char *p, *end;
	size_t v;

	if (len > MTA_SCAN_MAX)
		len = MTA_SCAN_MAX;
	end = s + len;
	for (p = s; (p = memchr(p, '=', (size_t)(end - p))) != NULL; p++) {
		size_t at = (size_t)(p - s);

		if (at >= 6 && strncasecmp(p - 6, "status", 6) == 0) {
			v = mta_key_value(s, len, p - 6, 7);
			if (v > 0 && !mta_word_in(p + 1, v, postfix_ok))
				return 1;
		} else if (at >= 4 && strncasecmp(p - 4, "stat", 4) == 0) {
			v = mta_key_value(s, len, p - 4, 5);
			/* "Sent (...)", "queued": the word before a space or "(" */
			if (v > 0 && !mta_word_in(p + 1, v, sendmail_ok))
				return 1;
		} else if (at >= 3 && strncasecmp(p - 3, "dsn", 3) == 0 &&
		    mta_key_value(s, len, p - 3, 4) > 0 && (p[1] == '4' || p[1] == '5') &&
		    p + 3 < end && p[2] == '.' && isdigit((unsigned char)p[3]))
			return 1;
	}
	for (p = s; p + 4 <= end; p++) {
		if (p[0] != ' ' || p[3] != ' ' || !((p[1] == '*' && p[2] == '*') ||
		    (p[1] == '=' && p[2] == '=')))
			continue;
		if (mta_exim_id_before(s, p))
			return 1;
	}
	return 0;
}

const char *
mta_origin_name(enum mta_origin o)
{
	switch (o) {
	case MTA_POSTFIX:
		return "postfix";
	case MTA_EXIM:
		return "exim";
	case MTA_SENDMAIL:
		return "sendmail";
	default:
		return NULL;
	}
}

/* The first occurrence of needle in [s, s+n), exact case; NULL if none. */
static const char *
mta_find(const char *s, size_t n, const char *needle)
{
	size_t l = strlen(needle);
	const char *p = s, *end = s + n;

	while ((size_t)(end - p) >= l && (p = memchr(p, needle[0], (size_t)(end - p) - l + 1))) {
		if (memcmp(p, needle, l) == 0)
			return p;
		p++;
	}
	return NULL;
}


/* Does the lower-case copy [s, s+n) contain needle (lower case)? */
static int
mta_has(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

static void
mta_copy(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/*
 * A queue id "ID: " at the start: letters and digits, at least one digit
 * (so that "warning: " is none), min to max of them. Its length, or 0.
 */
static size_t
mta_queue_id(const char *s, size_t n, size_t min, size_t max)
{
	size_t i;
	int digit = 0;

	for (i = 0; i < n && i <= max && isalnum((unsigned char)s[i]); i++)
		digit |= isdigit((unsigned char)s[i]) != 0;
	if (i < min || i > max || !digit || i + 1 >= n || s[i] != ':' || s[i + 1] != ' ')
		return 0;
	return i;
}

/* Exim's message id at s: 6, 6 to 11, 2 to 4 base-62 characters. Its length, or 0. */
static size_t
mta_exim_id(const char *s, size_t n)
{
	static const size_t lo[3] = { 6, 6, 2 }, hi[3] = { 6, 11, 4 };
	size_t i = 0, part, k;

	for (part = 0; part < 3; part++) {
		for (k = 0; i < n && isalnum((unsigned char)s[i]); i++, k++)
			;
		if (k < lo[part] || k > hi[part])
			return 0;
		if (part < 2) {
			if (i >= n || s[i] != '-')
				return 0;
			i++;
		}
	}
	return i < n && s[i] == ' ' ? i : 0;
}

/*
 * The peer after the first of markers (NULL-terminated) that is followed by
 * one; names_alone lets a bare name count (Sendmail).
 */
static int
mta_peer_after(const char *s, size_t n, const char *const *markers, int names_alone,
    struct peer_ref *out)
{
	const char *p;
	size_t i, l;

	for (i = 0; markers[i] != NULL; i++) {
		l = strlen(markers[i]);
		for (p = mta_find(s, n, markers[i]); p != NULL;
		    p = mta_find(p + 1, (size_t)(s + n - p - 1), markers[i])) {
			p += l;
			if (peer_read(p, (size_t)(s + n - p), names_alone, out) > 0)
				return 1;
			p -= l;
		}
	}
	return 0;
}

/* The relay= peer (Postfix, Sendmail), to complete the failure's own peer. */
static void
mta_complete_from_relay(const char *s, size_t n, int names_alone, struct peer_ref *peer)
{
	static const char *const relay[] = { "relay=", NULL };
	struct peer_ref r;

	if (!mta_peer_after(s, n, relay, names_alone, &r))
		return;
	if (peer->host[0] == '\0') {
		*peer = r;
		return;
	}
	if (strcasecmp(peer->host, r.host) != 0)
		return;
	if (peer->port == 0)
		peer->port = r.port;
	if (peer->addr[0] == '\0')
		memcpy(peer->addr, r.addr, sizeof(peer->addr));
}

/* user@domain at s (with or without <>): the domain into out. */
static void
mta_domain_of(const char *s, size_t n, char out[MTA_DOMAIN_MAX])
{
	size_t i = 0, at = 0, end;

	if (i < n && s[i] == '<')
		i++;
	for (; i < n && s[i] != ' ' && s[i] != '>' && s[i] != ','; i++)
		if (s[i] == '@')
			at = i + 1;
	end = i;
	if (at == 0 || at >= end)
		return;
	mta_copy(out, MTA_DOMAIN_MAX, s + at, end - at);
}

/* What happened to the connection, in the rule base's words. */
static const char *
mta_failure(const char *line, size_t n)
{
	char s[MTA_SCAN_MAX];
	size_t i;

	if (n > sizeof(s))
		n = sizeof(s);
	for (i = 0; i < n; i++)
		s[i] = (char)tolower((unsigned char)line[i]);
	if (mta_has(s, n, "connection refused") || mta_has(s, n, "refused by "))
		return "refused";
	if (mta_has(s, n, "network is unreachable"))
		return "unreachable";
	if (mta_has(s, n, "no route to host"))
		return "no-route";
	if (mta_has(s, n, "connection reset") || mta_has(s, n, "reset by ") ||
	    mta_has(s, n, "broken pipe"))
		return "reset";
	if ((mta_has(s, n, "tls") || mta_has(s, n, "ssl")) &&
	    (mta_has(s, n, "handshake") || mta_has(s, n, "ssl_connect")))
		return "tls-handshake";
	if ((mta_has(s, n, "conversation with") && mta_has(s, n, "timed out")) ||
	    mta_has(s, n, "smtp timeout after") || mta_has(s, n, "lmtp timeout after") ||
	    mta_has(s, n, "mtp timeout while connected to ") ||
	    mta_has(s, n, "timeout waiting for input") || mta_has(s, n, "timeout writing"))
		return "reply-timeout";
	if (mta_has(s, n, "timed out"))
		return "timeout";
	if (mta_has(s, n, "lost connection") || mta_has(s, n, "closed connection") ||
	    mta_has(s, n, "connection closed") || mta_has(s, n, "dropped connection"))
		return "lost";
	return NULL;
}

static void
mta_postfix(const char *program, long pid, const char *s, size_t n, struct mta_line *out)
{
	static const char *const markers[] = {
		"connect to ", "lost connection with ", "conversation with ",
		"SSL_connect error to ", "host ", NULL
	};
	size_t q = mta_queue_id(s, n, 5, 20);
	const char *st, *to;

	if (q > 0)
		mta_copy(out->message, sizeof(out->message), s, q);
	if (program != NULL && pid > 0)
		mta_session_name(out->session, program, pid);
	else if (program == NULL)
		/*
		 * Lines pasted without their syslog tag (mailcow's web UI export):
		 * one session, so that a status line is still known for the echo
		 * of the connect line at the same peer before it.
		 */
		mta_copy(out->session, sizeof(out->session), "postfix", 7);
	if ((st = mta_find(s, n, "status=")) != NULL) {
		const char *v = st + 7;
		size_t rest = (size_t)(s + n - v);

		if (rest >= 4 && memcmp(v, "sent", 4) == 0)
			out->kind = MTA_DELIVERED;
		else if (rest >= 7 && memcmp(v, "expired", 7) == 0)
			out->kind = MTA_GAVE_UP;
		else
			out->kind = MTA_STATUS;
	} else
		out->kind = MTA_REPORT;
	if (mta_find(s, n, "delivery temporarily suspended") != NULL)
		out->kind = MTA_HELD;
	if (!mta_peer_after(s, n, markers, 0, &out->peer))
		memset(&out->peer, 0, sizeof(out->peer));
	mta_complete_from_relay(s, n, 0, &out->peer);
	if ((to = mta_find(s, n, "to=<")) != NULL)
		mta_domain_of(to + 3, (size_t)(s + n - to - 3), out->domain);
}

/*
 * A message log's line of an address (exim -Mvl: no message id after the
 * time): "ADDRESS R=ROUTER T=TRANSPORT defer (N): ...", the == line of the
 * main log without its flag. Its length of address, or 0.
 */
static size_t
mta_exim_address_line(const char *r, size_t rn)
{
	size_t w;

	for (w = 0; w < rn && w < MTA_DOMAIN_MAX && r[w] != ' ' && r[w] != '='; w++)
		;
	if (w == 0 || w + 3 > rn || r[w] != ' ' || !(r[w + 1] == 'R' || r[w + 1] == 'T') ||
	    r[w + 2] != '=')
		return 0;
	return w;
}

static void
mta_exim(const char *s, size_t n, struct mta_line *out)
{
	/*
	 * Older Exim named the peer "host NAME [ADDR]:" in a reply and "SMTP
	 * timeout while connected to NAME [ADDR] after ..." in a time-out.
	 */
	static const char *const markers[] = {
		"H=", "callout: ", "Remote host ", "send() to ", "host ",
		"timeout while connected to ", NULL
	};
	size_t id = mta_exim_id(s, n);
	const char *r = s, *p;
	size_t rn = n;

	if (id > 0) {
		mta_copy(out->message, sizeof(out->message), s, id);
		memcpy(out->session, out->message, sizeof(out->session));
		r = s + id + 1;
		rn = n - id - 1;
	}
	/*
	 * A report is a host line (H=, the message log's "HOST [ADDR]") or a
	 * callout; any other line of a message repeats what its host line said
	 * (its == and ** lines, and the lines an event_action writes).
	 */
	out->kind = id == 0 || (rn > 2 && r[0] == 'H' && r[1] == '=') ||
	    mta_find(r, rn, "callout") != NULL || peer_read(r, rn, 0, &out->peer) > 0 ?
	    MTA_REPORT : MTA_STATUS;
	if (rn >= 3 && r[2] == ' ' && ((r[0] == '=' && r[1] == '>') ||
	    (r[0] == '-' && r[1] == '>') || (r[0] == '*' && r[1] == '>')))
		out->kind = MTA_DELIVERED;
	else if (rn >= 3 && r[0] == '*' && r[1] == '*' && r[2] == ' ')
		/*
		 * Failed for its retries: their timeout, or (the smtp transport)
		 * hosts failing past the retry rules' cutoff.
		 */
		out->kind = mta_find(r, rn, "retry timeout exceeded") != NULL ||
		    mta_find(r, rn, "have been failing for a long time") != NULL ||
		    mta_find(r, rn, "after a long failure period") != NULL ?
		    MTA_GAVE_UP : MTA_STATUS;
	else if (rn >= 3 && r[0] == '=' && r[1] == '=' && r[2] == ' ')
		out->kind = mta_find(r, rn, "retry time not reached") ? MTA_HELD : MTA_STATUS;
	if (id == 0 && out->kind == MTA_REPORT && mta_exim_address_line(r, rn) > 0) {
		/* exim -Mvl: repeats the host line before it, as an == line does */
		out->kind = MTA_STATUS;
		mta_domain_of(r, rn, out->domain);
	} else if (out->kind != MTA_REPORT && rn > 3)
		mta_domain_of(r + 3, rn - 3, out->domain);
	/*
	 * A message log, or exim -v's output, is one message's: its lines
	 * without an id are one session, so that an address line is known for
	 * the echo of its host line it is.
	 */
	if (id == 0)
		mta_copy(out->session, sizeof(out->session), "exim-msglog", 11);
	if ((p = mta_find(r, rn, "for '")) != NULL && out->domain[0] == '\0') {
		const char *q = memchr(p + 5, '\'', (size_t)(r + rn - p - 5));

		if (q != NULL)
			mta_copy(out->domain, sizeof(out->domain), p + 5, (size_t)(q - p - 5));
	}
	/* The message log's host lines have no H=: "HOST [ADDR] Connection refused". */
	if (!mta_peer_after(r, rn, markers, 0, &out->peer) &&
	    peer_read(r, rn, 0, &out->peer) == 0)
		memset(&out->peer, 0, sizeof(out->peer));
}

/*
 * Does a Sendmail status line say a connection was made: "relay=HOST.
 * [ADDR]" (the address of the connection), or no relay= at all (nothing to
 * tell by)? "relay=HOST." alone is a delivery that connected nowhere.
 */
static int
mta_sendmail_connected(const char *s, size_t n)
{
	const char *r = mta_find(s, n, "relay="), *end;

	if (r == NULL)
		return 1;
	r += 6;
	end = mta_find(r, (size_t)(s + n - r), ", ");
	if (end == NULL)
		end = s + n;
	return mta_find(r, (size_t)(end - r), " [") != NULL;
}

static void
mta_sendmail(const char *s, size_t n, struct mta_line *out)
{
	static const char *const markers[] = {
		"refused by ", "reset by ", "timed out with ", "timeout writing message to ",
		"timeout waiting for input from ", "connection to ", NULL
	};
	size_t q = mta_queue_id(s, n, 8, 20);
	const char *to;

	if (q > 0) {
		mta_copy(out->message, sizeof(out->message), s, q);
		memcpy(out->session, out->message, sizeof(out->session));
	}
	if (mta_find(s, n, "stat=Sent") != NULL)
		out->kind = MTA_DELIVERED;
	else if (mta_find(s, n, "Cannot send message for") != NULL)
		out->kind = MTA_GAVE_UP;
	else if (mta_find(s, n, "stat=") != NULL)
		out->kind = MTA_STATUS;
	else
		out->kind = MTA_REPORT;
	/*
	 * The host's cached status, no connection made for this delivery:
	 * xdelay counts from the start of the connection, and Sendmail skips a
	 * host it knows is down (its in-process host status within
	 * Timeout.hoststatus, or HostStatusDirectory's files) and writes that
	 * status as the recipient's. No time and a time-out says so (a
	 * time-out takes at least a second); a refusal or a reset can take no
	 * second, so for them the relay must name no address too (a
	 * connection writes "relay=HOST. [ADDR]").
	 */
	if (out->kind == MTA_STATUS && mta_find(s, n, "xdelay=00:00:00") != NULL &&
	    mta_find(s, n, "stat=Deferred") != NULL &&
	    (mta_find(s, n, "timed out") != NULL || !mta_sendmail_connected(s, n))) {
		out->kind = MTA_HELD;
		out->cached = 1;
	}
	if (!mta_peer_after(s, n, markers, 1, &out->peer))
		memset(&out->peer, 0, sizeof(out->peer));
	mta_complete_from_relay(s, n, 1, &out->peer);
	if ((to = mta_find(s, n, "to=<")) != NULL)
		mta_domain_of(to + 3, (size_t)(s + n - to - 3), out->domain);
}

size_t
mta_session_name(char out[MTA_ID_MAX], const char *program, long pid)
{
	char digits[24];
	size_t n = 0, k = 0;
	unsigned long v = (unsigned long)pid;

	/* snprintf(out, MTA_ID_MAX, "%.40s[%ld]", ...), which was 2% of a
	 * diagnosis of MTA logs: 40 + 2 + 20 digits fit in MTA_ID_MAX. */
	_Static_assert(MTA_ID_MAX >= 40 + 2 + 20 + 1, "a session name fits");
	while (n < 40 && program[n] != '\0') {
		out[n] = program[n];
		n++;
	}
	out[n++] = '[';
	do
		digits[k++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (k > 0)
		out[n++] = digits[--k];
	out[n++] = ']';
	out[n] = '\0';
	return n;
}

enum mta_origin
mta_parse(const char *program, long pid, const char *text, size_t len, const char *hint,
    struct mta_line *out)
{
	struct peer_ref probe;

	memset(out, 0, sizeof(*out));
	/* exim -v indents its log lines under "LOG: MAIN"; a paste may too */
	while (len > 0 && (*text == ' ' || *text == '\t')) {
		text++;
		len--;
	}
	if (program != NULL && strstr(program, "postfix") != NULL)
		out->origin = MTA_POSTFIX;
	else if (program != NULL && (strstr(program, "sendmail") != NULL ||
	    strstr(program, "sm-mta") != NULL || strstr(program, "sm-msp") != NULL))
		out->origin = MTA_SENDMAIL;
	else if (program != NULL && strstr(program, "exim") != NULL)
		out->origin = MTA_EXIM;
	else if (program == NULL && (mta_exim_id(text, len) > 0 ||
	    (len > 2 && text[0] == 'H' && text[1] == '=') ||
	    mta_find(text, len, " callout") != NULL || peer_read(text, len, 0, &probe) > 0))
		out->origin = MTA_EXIM;
	else if (hint != NULL)
		/*
		 * A line pasted without its syslog prefix, or a program named by
		 * the service (Postfix's syslog_name of a master.cf service,
		 * "enforced-tls-smtp/smtp"): as the symptom's MTA.
		 */
		out->origin = strcmp(hint, "postfix") == 0 ? MTA_POSTFIX :
		    strcmp(hint, "exim") == 0 ? MTA_EXIM :
		    strcmp(hint, "sendmail") == 0 ? MTA_SENDMAIL : MTA_UNKNOWN;
	switch (out->origin) {
	case MTA_POSTFIX:
		mta_postfix(program, pid, text, len, out);
		break;
	case MTA_EXIM:
		mta_exim(text, len, out);
		break;
	case MTA_SENDMAIL:
		mta_sendmail(text, len, out);
		break;
	default:
		out->kind = MTA_OTHER;
		break;
	}
	if (out->kind == MTA_DELIVERED)
		return out->origin;	/* no failure, no phase to find */
	out->failure = mta_failure(text, len);
	out->phase = session_phase_of_text(text, len);
	if (out->phase == SMTP_PHASE_NONE && out->failure != NULL &&
	    (strcmp(out->failure, "refused") == 0 || strcmp(out->failure, "timeout") == 0 ||
	    strcmp(out->failure, "unreachable") == 0 || strcmp(out->failure, "no-route") == 0))
		out->phase = SMTP_PHASE_CONNECT;
	return out->origin;
}

/* The fields Postfix and Sendmail write as KEY= in a delivery's line. */
static const char *const mta_fields[] = {
	"to", "from", "orig_to", "ctladdr", "delay", "xdelay", "delays", "mailer", "pri",
	"relay", "dsn", "stat", "status", "size", "class", "nrcpts", "nrcpt", "msgid",
	"proto", "daemon", "conn_use", "client", NULL
};

/* The length of the lower-case letters and '_' at s. */
static size_t
mta_key_letters(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && ((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'); i++)
		;
	return i;
}

int
mta_unfinished(const char *s, size_t len)
{
	size_t k;

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
		len--;
	if (len == 0)
		return 0;
	if (s[len - 1] == ',' || s[len - 1] == ':')
		return 1;
	/* the first letters of a field after ", " */
	for (k = len; k > 0 && ((s[k - 1] >= 'a' && s[k - 1] <= 'z') || s[k - 1] == '_'); k--)
		;
	return k < len && k >= 2 && s[k - 1] == ' ' && s[k - 2] == ',';
}

enum mta_join
mta_continuation(const char *prev, size_t plen, const char *next, size_t nlen)
{
	size_t k, tail, head, i;

	while (plen > 0 && (prev[plen - 1] == ' ' || prev[plen - 1] == '\t' ||
	    prev[plen - 1] == '\r'))
		plen--;
	head = mta_key_letters(next, nlen);
	if (plen == 0 || head == 0 || head >= nlen || next[head] != '=')
		return MTA_JOIN_NONE;
	if (prev[plen - 1] == ',' || prev[plen - 1] == ':') {
		for (i = 0; mta_fields[i] != NULL; i++)
			if (strlen(mta_fields[i]) == head && memcmp(mta_fields[i], next, head) == 0)
				return MTA_JOIN_SPACE;
		return MTA_JOIN_NONE;
	}
	/* a field cut in two after ", ": its first letters, then the rest */
	for (k = plen; k > 0 && ((prev[k - 1] >= 'a' && prev[k - 1] <= 'z') ||
	    prev[k - 1] == '_'); k--)
		;
	tail = plen - k;
	if (tail == 0 || k < 2 || prev[k - 1] != ' ' || prev[k - 2] != ',')
		return MTA_JOIN_NONE;
	for (i = 0; mta_fields[i] != NULL; i++)
		if (strlen(mta_fields[i]) == tail + head &&
		    memcmp(mta_fields[i], prev + k, tail) == 0 &&
		    memcmp(mta_fields[i] + tail, next, head) == 0)
			return MTA_JOIN_DIRECT;
	return MTA_JOIN_NONE;
}

