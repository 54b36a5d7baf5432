/* relay: the SMTP client state machine (see relay.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "relay.h"
#include "smtp/reply.h"
#include "smtp/transport.h"
#include "util/xmem.h"

#define RELAY_LINE_MAX	4096	/* a command line, and a read */
#define RELAY_STOP_GRACE_MS	1000	/* a stop waits this long for the final dot's reply */

struct relay {
	const struct relay_params *p;
	const struct transport *t;
	struct transport_conn *c;	/* NULL: not connected */
	enum relay_state state;
	struct smtp_reader rd;		/* the host's replies, strict */
	int		 pipelining;
	unsigned long long size_limit;
	int		 size_offered;
	int		 used_helo;
	int		 warned_bare_lf;
	const char	*queue_id;	/* the message being sent, for warnings */
	long long	 stop_seen_ms;	/* when a stop was first seen waiting for the
					   reply to the final dot; 0: not yet */
	char		 last_command[RELAY_TEXT_MAX];
	char		 last_reply[RELAY_TEXT_MAX];
	long long	 bytes_sent;
};

static const struct {
	const char	*text;
	enum smtp_phase	 phase;
} states[] = {
#define X(e, text, phase) { text, SMTP_PHASE_##phase },
	RELAY_STATE_LIST(X)
#undef X
};

const char *
relay_state_to_text(enum relay_state s)
{
	return (unsigned)s < sizeof(states) / sizeof(states[0]) ? states[s].text : "?";
}

enum smtp_phase
relay_state_phase(enum relay_state s)
{
	return (unsigned)s < sizeof(states) / sizeof(states[0]) ? states[s].phase :
	    SMTP_PHASE_NONE;
}

/* Every move of the state machine goes through here, logged at -vv. */
static void
enter_state(struct relay *r, enum relay_state s)
{
	if (r->state != s)
		gwlog_state(r->p->log, relay_state_to_text(r->state), relay_state_to_text(s));
	r->state = s;
}

/* The transport's clock: every deadline of the session is on it (a fake's
 * is virtual). */
static long long
now(const struct relay *r)
{
	return (long long)r->t->now_ms(r->p->transport_arg);
}

static int
stopped(const struct relay *r)
{
	return r->p->stop != NULL && *r->p->stop;
}

/*
 * Give up now for a stop? At once, except while waiting for the reply to the
 * final dot: the smart host has the whole message and is most likely about
 * to say 250, and leaving without it means sending the message again later
 * (a duplicate), so that reply gets RELAY_STOP_GRACE_MS more.
 */
static int
give_up(struct relay *r)
{
	if (!stopped(r))
		return 0;
	if (r->state != RELAY_END_OF_DATA)
		return 1;
	if (r->stop_seen_ms == 0)
		r->stop_seen_ms = now(r);
	return now(r) - r->stop_seen_ms >= RELAY_STOP_GRACE_MS;
}

/* The deadline of a wait of at most ms, cut into slices when there is a
 * stop flag to look at. */
static unsigned long long
slice(const struct relay *r, long long ms)
{
	if (ms > 1000000)
		ms = 1000000;
	if (r->p->stop != NULL && ms > TRANSPORT_SLICE_MS)
		ms = TRANSPORT_SLICE_MS;
	return (unsigned long long)(now(r) + ms);
}

static void
keep(char dst[RELAY_TEXT_MAX], const char *s, size_t n)
{
	if (n >= RELAY_TEXT_MAX)
		n = RELAY_TEXT_MAX - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* Close the connection; logged now with log, silently without. */
static void
drop(struct relay *r, int log)
{
	if (r->c == NULL)
		return;
	if (log)
		gwlog_line(r->p->log, "SMTP_close(socket=%d)", r->t->id(r->c));
	r->t->close(r->c);
	r->c = NULL;
}

/*
 * Close the connection a failure killed. Its "SMTP_close(socket=N)" line is
 * the caller's to log, after the failure's own lines, as the original
 * gateway's log has them (f->closed_socket).
 */
static void
drop_failed(struct relay *r, struct relay_failure *f)
{
	if (r->c == NULL)
		return;
	f->closed_socket = r->t->id(r->c);
	drop(r, 0);
}

/* Fill f for a failure in the current state; takes the TCP snapshot now. */
static int
fail(struct relay *r, struct relay_failure *f, enum legacy_cond cond, int err, int dead)
{
	memset(f, 0, sizeof(*f));
	f->closed_socket = -1;
	f->cond = cond;
	f->err = err;
	f->session_dead = dead;
	f->state = r->state;
	f->bytes_sent = r->bytes_sent;
	memcpy(f->last_command, r->last_command, RELAY_TEXT_MAX);
	memcpy(f->last_reply, r->last_reply, RELAY_TEXT_MAX);
	if (r->c != NULL)
		(void)r->t->snapshot(r->c, &f->tcp);
	if (dead) {
		drop_failed(r, f);
		enter_state(r, RELAY_FAILED);
	}
	return -1;
}

/* Stopped (SIGTERM): the session is abandoned; not a failure of the host. */
static int
interrupted(struct relay *r, struct relay_failure *f)
{
	fail(r, f, LEGACY_READ_TIMEOUT, EINTR, 1);
	f->interrupted = 1;
	return -1;
}

/* Write everything before the deadline (idle_ms without progress). */
static int
send_all(struct relay *r, const char *p, size_t n, int idle_ms, int count_bytes, int more,
    struct relay_failure *f)
{
	long long idle_until = now(r) + idle_ms;

	while (n > 0) {
		ssize_t w;
		int e = 0;

		if (stopped(r))
			return interrupted(r, f);
		w = r->t->send(r->c, p, n, more, &e);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			if (count_bytes)
				r->bytes_sent += w;
			idle_until = now(r) + idle_ms;
			continue;
		}
		if (w < 0 && e == EINTR)
			continue;
		if (w < 0 && (e == EAGAIN || e == EWOULDBLOCK)) {
			long long left = idle_until - now(r);
			int rc;

			if (left <= 0)
				return fail(r, f, LEGACY_WRITE_ERROR, ETIMEDOUT, 1);
			rc = r->t->wait(r->c, TRANSPORT_WAIT_WRITE, slice(r, left), &e);
			if (rc < 0 && e == EINTR)
				continue;
			if (rc < 0)
				return fail(r, f, LEGACY_WRITE_ERROR, e, 1);
			continue;	/* ready, or a slice passed: the deadline decides */
		}
		if (w >= 0)
			e = EPIPE;
		return fail(r, f, legacy_from_errno(LEGACY_OP_WRITE, e), e, 1);
	}
	return 0;
}

/* Send a command line (without CRLF). */
static int
command(struct relay *r, const char *cmd, struct relay_failure *f)
{
	char line[RELAY_LINE_MAX];
	int n = snprintf(line, sizeof(line), "%s\r\n", cmd);

	keep(r->last_command, cmd, strlen(cmd));
	gwlog_tx(r->p->log, cmd, strlen(cmd));
	return send_all(r, line, (size_t)n, r->p->reply_ms, 0, 0, f);
}

/* A bare LF from the host: a warning event, once a session. */
static void
warn_bare_lf(struct relay *r)
{
	struct gwlog_event ev;
	struct relay_failure w;

	if (r->warned_bare_lf)
		return;
	r->warned_bare_lf = 1;
	fail(r, &w, LEGACY_BARE_LF, 0, 0);
	relay_failure_event(r->p, &w, r->queue_id, &ev);
	gwlog_event(r->p->log, &ev, NULL, 0);
}

/* Feed the reader what the host sends next, before the deadline. */
static int
read_more(struct relay *r, long long deadline, struct relay_failure *f)
{
	char chunk[RELAY_LINE_MAX];

	for (;;) {
		long long left = deadline - now(r);
		ssize_t got;
		int rc, e = 0;

		if (give_up(r))
			return interrupted(r, f);
		if (left <= 0)
			return fail(r, f, LEGACY_READ_TIMEOUT, ETIMEDOUT, 1);
		rc = r->t->wait(r->c, TRANSPORT_WAIT_READ, slice(r, left), &e);
		if (rc < 0 && e == EINTR)
			continue;
		if (rc < 0)
			return fail(r, f, LEGACY_READ_ERROR, e, 1);
		if (rc == 0)
			continue;	/* the deadline check above ends it */
		got = r->t->recv(r->c, chunk, sizeof(chunk), &e);
		if (got > 0) {
			smtp_reader_feed(&r->rd, chunk, (size_t)got);
			return 0;
		}
		if (got < 0 && (e == EINTR || e == EAGAIN))
			continue;
		if (got == 0)
			e = 0;
		return fail(r, f, legacy_from_errno(LEGACY_OP_READ, e), e, 1);
	}
}

/*
 * Read a whole reply (all its lines) with the strict reader (smtp/reply.h):
 * a line too long, malformed or with another code is a protocol error. Each
 * line's text goes to on_line (EHLO keywords); the last line is kept as
 * last_reply. Returns the code.
 */
static int
read_reply(struct relay *r, int timeout_ms, int *code, struct relay_failure *f,
    void (*on_line)(struct relay *, const char *, size_t))
{
	long long deadline = now(r) + timeout_ms;
	char line[SMTP_REPLY_LINE_MAX];
	struct smtp_line l;

	smtp_reader_begin(&r->rd);
	for (;;) {
		enum smtp_read st = smtp_reader_next(&r->rd, &l);

		if (st == SMTP_READ_TOOLONG)
			return fail(r, f, LEGACY_PROTOCOL, 0, 1);
		if (st == SMTP_READ_MORE) {
			if (read_more(r, deadline, f) != 0)
				return -1;
			continue;
		}
		if (l.bare_lf)
			warn_bare_lf(r);
		memcpy(line, l.text, l.len);	/* strict: len < SMTP_REPLY_LINE_MAX */
		line[l.len] = '\0';
		gwlog_rx(r->p->log, line, l.len);
		keep(r->last_reply, line, l.len);
		if (l.verdict != SMTP_LINE_OK)
			return fail(r, f, LEGACY_PROTOCOL, 0, 1);
		if (on_line != NULL && l.len > 4)
			on_line(r, line + 4, l.len - 4);
		if (l.last)
			break;
	}
	*code = l.code;
	return 0;
}

/* A reply that is not what the command wanted. */
static int
bad_reply(struct relay *r, struct relay_failure *f, const char *what, int code)
{
	int dead = code == 421;

	fail(r, f, code >= 500 ? LEGACY_REPLY_PERM : LEGACY_REPLY_TEMP, 0, dead);
	f->reply_code = code;
	f->permanent = code >= 500;
	snprintf(f->detail, sizeof(f->detail), "%s: %s", what, r->last_reply);
	return -1;
}

static void
ehlo_line(struct relay *r, const char *kw, size_t n)
{
	if (n >= 10 && strncasecmp(kw, "PIPELINING", 10) == 0 && (n == 10 || kw[10] == ' '))
		r->pipelining = 1;
	else if (n >= 4 && strncasecmp(kw, "SIZE", 4) == 0 && (n == 4 || kw[4] == ' ')) {
		r->size_offered = 1;
		if (n > 5)
			r->size_limit = strtoull(kw + 5, NULL, 10);
	}
}

static int
connect_to(struct relay *r, struct relay_failure *f)
{
	struct transport_params tp;
	int e = 0;

	memset(&tp, 0, sizeof(tp));
	tp.host = r->p->host;
	tp.port = r->p->port;
	tp.connect_ms = r->p->connect_ms > 0 ? (unsigned)r->p->connect_ms : 0;
	tp.user_timeout_ms = r->p->user_timeout_ms;
	tp.arg = r->p->transport_arg;
	tp.stop = r->p->stop;
	enter_state(r, RELAY_CONNECT);
	gwlog_line(r->p->log, "Connecting to smart SMTP host");
	if (r->t->open(&tp, &r->c, &e) != 0) {
		r->c = NULL;
		if (stopped(r))
			return interrupted(r, f);
		if (e == ECONNRESET) {
			/* A reset, not a refusal: the handshake was done and the peer
			 * reset the connection before we looked (before the greeting). */
			enter_state(r, RELAY_GREETING);
			return fail(r, f, LEGACY_READ_RESET, e, 1);
		}
		return fail(r, f, LEGACY_CONNECT, e, 1);
	}
	gwlog_line(r->p->log, "SMTP_open(socket=%d)", r->t->id(r->c));
	if (e == ECONNRESET) {
		/* connected and reset at once: a reset before the greeting, with
		 * the socket's snapshot */
		enter_state(r, RELAY_GREETING);
		return fail(r, f, LEGACY_READ_RESET, e, 1);
	}
	return 0;
}

int
relay_open(const struct relay_params *p, struct relay **out, struct relay_failure *f)
{
	struct relay *r = xcalloc(1, sizeof(*r));
	char cmd[RELAY_LINE_MAX], literal[64];
	const char *helo = p->helo;
	int code;

	r->p = p;
	r->t = p->transport ? p->transport : &transport_tcp;
	r->c = NULL;
	r->bytes_sent = -1;
	smtp_reader_init(&r->rd, SMTP_REPLY_STRICT);
	enter_state(r, RELAY_INIT);
	*out = NULL;
	if (connect_to(r, f) != 0)
		goto fail;
	enter_state(r, RELAY_GREETING);
	if (read_reply(r, p->reply_ms, &code, f, NULL) != 0)
		goto fail;
	if (code != 220) {
		fail(r, f, LEGACY_GREETING, 0, 1);
		f->reply_code = code;
		goto fail;
	}
	enter_state(r, RELAY_EHLO);
	if (helo == NULL && r->t->local_literal(r->c, literal, sizeof(literal)) == 0)
		helo = literal;	/* no name of our own: RFC 5321 4.1.4 */
	if (helo == NULL)
		helo = "localhost";
	snprintf(cmd, sizeof(cmd), "EHLO %s", helo);
	if (command(r, cmd, f) != 0 || read_reply(r, p->reply_ms, &code, f, ehlo_line) != 0)
		goto fail;
	if (code >= 500) {
		/* an old server: HELO, and none of the extensions */
		r->pipelining = 0;
		r->size_offered = 0;
		r->size_limit = 0;
		r->used_helo = 1;
		enter_state(r, RELAY_HELO);
		snprintf(cmd, sizeof(cmd), "HELO %s", helo);
		if (command(r, cmd, f) != 0 || read_reply(r, p->reply_ms, &code, f, NULL) != 0)
			goto fail;
		if (code != 250) {
			bad_reply(r, f, "HELO", code);
			goto fail_close;
		}
	} else if (code != 250) {
		bad_reply(r, f, "EHLO", code);
		goto fail_close;
	}
	enter_state(r, RELAY_READY);
	*out = r;
	return 0;
fail_close:
	/* a refusal with the connection still up: the session is of no use */
	f->session_dead = 1;
	f->permanent = 0;	/* the host refused us, not the message */
	drop_failed(r, f);
fail:
	smtp_reader_free(&r->rd);
	free(r);
	return -1;
}

/* The reply to one command of the transaction; -1 with f filled. */
static int
expect(struct relay *r, struct relay_failure *f, const char *what, int want_class,
    int *code, int timeout_ms)
{
	if (read_reply(r, timeout_ms, code, f, NULL) != 0)
		return -1;
	if (*code / 100 != want_class)
		return bad_reply(r, f, what, *code);
	return 0;
}

/* After a refused transaction: RSET, so that the next message can go. */
static void
reset(struct relay *r, struct relay_failure *f)
{
	struct relay_failure ignored;
	int code;

	if (r->c == NULL)
		return;
	ignored.closed_socket = -1;
	enter_state(r, RELAY_RSET);
	if (command(r, "RSET", &ignored) != 0 ||
	    read_reply(r, r->p->reply_ms, &code, &ignored, NULL) != 0 || code != 250) {
		/* the session is of no use: its close goes with f's lines */
		if (ignored.closed_socket >= 0)
			f->closed_socket = ignored.closed_socket;
		else
			drop_failed(r, f);
		enter_state(r, RELAY_FAILED);
		return;
	}
	enter_state(r, RELAY_READY);
}

static void
rcpt_reply(const struct relay *r, struct relay_rcpt *rr, int code)
{
	rr->code = code;
	memcpy(rr->reply, r->last_reply, RELAY_TEXT_MAX);
}

int
relay_send(struct relay *r, const struct spool_msg *m, struct relay_failure *f)
{
	return relay_send_some(r, m, NULL, f) == 0 ? 0 : -1;
}

/* The i-th command of a transaction: MAIL, one RCPT per recipient, DATA. */
static void
txn_command(const struct relay *r, const struct spool_msg *m, size_t i, char *cmd, size_t n)
{
	if (i == 0 && r->size_offered)
		snprintf(cmd, n, "MAIL FROM:<%s> SIZE=%zu", m->from, m->size);
	else if (i == 0)
		snprintf(cmd, n, "MAIL FROM:<%s>", m->from);
	else if (i <= m->nrcpts)
		snprintf(cmd, n, "RCPT TO:<%s>", m->rcpts[i - 1]);
	else
		snprintf(cmd, n, "DATA");
}

/* The state in which the i-th command's reply is awaited. */
static enum relay_state
txn_state(const struct spool_msg *m, size_t i)
{
	return i == 0 ? RELAY_MAIL : i <= m->nrcpts ? RELAY_RCPT : RELAY_DATA;
}

/* Commands [from, to) of the transaction in one write, each logged. */
static int
send_commands(struct relay *r, const struct spool_msg *m, size_t from, size_t to,
    struct relay_failure *f)
{
	struct buf b = BUF_INIT;
	char cmd[RELAY_LINE_MAX];
	int rc;

	for (; from < to; from++) {
		txn_command(r, m, from, cmd, sizeof(cmd));
		keep(r->last_command, cmd, strlen(cmd));
		gwlog_tx(r->p->log, cmd, strlen(cmd));
		buf_printf(&b, "%s\r\n", cmd);
	}
	rc = send_all(r, b.data, b.len, r->p->reply_ms, 0, 0, f);
	buf_free(&b);
	return rc;
}

/* DATA's reply lets the data go (the host now reads the message). */
static int
data_go(int code)
{
	return code / 100 == 3;
}

/*
 * The reply to RCPT i (1..nrcpts): kept in codes; a refusal is counted, the
 * first one described in *refusal. 0 the transaction goes on; 1 the message
 * fails (*f: the refusal; without codes one refusal fails it, with codes only
 * all do); -1 the session is dead (a 421: *f says so).
 */
static int
rcpt_answered(struct relay *r, const struct spool_msg *m, size_t i, int code,
    struct relay_rcpt *codes, size_t *refused, struct relay_failure *refusal,
    struct relay_failure *f)
{
	struct relay_failure rf;

	if (codes != NULL)
		rcpt_reply(r, &codes[i - 1], code);
	if (code / 100 == 2)
		return 0;
	if (++*refused == 1 || code == 421) {
		bad_reply(r, &rf, "RCPT", code);
		if (*refused == 1)
			*refusal = rf;
		if (rf.session_dead) {
			*f = rf;
			return -1;
		}
	}
	if (codes != NULL && *refused < m->nrcpts)
		return 0;
	*f = *refusal;
	return 1;
}

/*
 * The message failed with the session alive (f says why): read the replies
 * to what was sent after the failing command (PIPELINING) and end the
 * transaction: RSET, or a close when the host took DATA (only closing avoids
 * sending a message with no recipient accepted).
 */
static void
end_refused(struct relay *r, size_t next, size_t sent, struct relay_failure *f)
{
	struct relay_failure ignored;
	int code = 0, drained = 0;

	for (; next < sent && r->c != NULL; next++, drained = 1)
		if (read_reply(r, r->p->reply_ms, &code, &ignored, NULL) != 0) {
			f->closed_socket = ignored.closed_socket;
			break;
		}
	if (r->c != NULL && drained && data_go(code)) {
		drop_failed(r, f);
		enter_state(r, RELAY_FAILED);
	} else
		reset(r, f);
	f->session_dead = r->c == NULL;
}

/* The message data after DATA's 354, the final dot, and its reply. */
static int
send_data(struct relay *r, const struct spool_msg *m, struct relay_failure *f)
{
	int code;

	enter_state(r, RELAY_BODY);
	/* the body and its final dot in one segment where they fit (MSG_MORE):
	 * one wake-up of the smart host, not two */
	if (send_all(r, m->data, m->size, r->p->data_ms, 1, 1, f) != 0)
		return -1;
	enter_state(r, RELAY_END_OF_DATA);
	keep(r->last_command, ".", 1);
	gwlog_tx(r->p->log, ".", 1);
	/* CRLF . CRLF, whatever the data ends with (RFC 5321 4.1.1.4) */
	if (m->size > 0 && (m->size < 2 || m->data[m->size - 2] != '\r' ||
	    m->data[m->size - 1] != '\n')) {
		if (send_all(r, "\r\n.\r\n", 5, r->p->data_ms, 0, 0, f) != 0)
			return -1;
	} else if (send_all(r, ".\r\n", 3, r->p->data_ms, 0, 0, f) != 0)
		return -1;
	if (expect(r, f, ".", 2, &code, r->p->data_ms) != 0) {
		if (!f->session_dead)
			enter_state(r, RELAY_READY);	/* the transaction is over */
		return -1;
	}
	enter_state(r, RELAY_READY);
	return 0;
}

int
relay_send_some(struct relay *r, const struct spool_msg *m, struct relay_rcpt *codes,
    struct relay_failure *f)
{
	struct relay_failure refusal;	/* the first recipient refused */
	size_t i, n = m->nrcpts + 2, sent = 0, refused = 0;
	int code = 0, rc = -1, failed = 0;

	if (r->state != RELAY_READY || r->c == NULL) {
		fail(r, f, LEGACY_WRITE_NOTCONN, ENOTCONN, 1);
		return -1;
	}
	r->queue_id = m->id;
	r->bytes_sent = 0;
	memset(f, 0, sizeof(*f));
	f->closed_socket = -1;
	memset(&refusal, 0, sizeof(refusal));
	for (i = 0; codes != NULL && i < m->nrcpts; i++)
		memset(&codes[i], 0, sizeof(codes[i]));
	/*
	 * MAIL, RCPT..., DATA: with PIPELINING all in one write, else each once
	 * the one before is answered; the replies are read in order either way.
	 * A reply that fails the message ends the sending.
	 */
	for (i = 0; i < n && !failed; i++) {
		enter_state(r, txn_state(m, i));
		if (i == sent) {
			sent = r->pipelining ? n : i + 1;
			if (send_commands(r, m, i, sent, f) != 0)
				goto out;
		}
		if (read_reply(r, r->p->reply_ms, &code, f, NULL) != 0)
			goto out;
		if (i == 0 && code / 100 != 2) {
			bad_reply(r, f, "MAIL", code);
			failed = 1;
		} else if (i > 0 && i <= m->nrcpts) {
			int ra = rcpt_answered(r, m, i, code, codes, &refused, &refusal, f);

			if (ra < 0)
				goto out;
			failed = ra;
		} else if (i == n - 1 && !data_go(code)) {
			bad_reply(r, f, "DATA", code);
			failed = 1;
		}
	}
	if (failed) {
		if (!f->session_dead)
			end_refused(r, i, sent, f);
		goto out;
	}
	if (send_data(r, m, f) != 0)
		goto out;
	rc = 0;
	if (refused > 0) {
		/* delivered to the others: say which were refused, and why */
		*f = refusal;
		rc = 1;
	}
out:
	r->queue_id = NULL;
	r->bytes_sent = -1;
	return rc;
}

int
relay_has_pipelining(const struct relay *r)
{
	return r->pipelining;
}

unsigned long long
relay_size_limit(const struct relay *r)
{
	return r->size_limit;
}

int
relay_used_helo(const struct relay *r)
{
	return r->used_helo;
}

enum relay_state
relay_state(const struct relay *r)
{
	return r->state;
}

void
relay_close(struct relay *r)
{
	if (r == NULL)
		return;
	if (r->c != NULL && r->state == RELAY_READY) {
		struct relay_failure ignored;
		int code;

		enter_state(r, RELAY_QUIT);
		ignored.closed_socket = -1;
		if (command(r, "QUIT", &ignored) == 0)
			(void)read_reply(r, r->p->reply_ms, &code, &ignored, NULL);
		if (ignored.closed_socket >= 0)	/* no failure line: the close alone */
			gwlog_line(r->p->log, "SMTP_close(socket=%d)", ignored.closed_socket);
	}
	drop(r, 1);
	gwlog_line(r->p->log, "SMTP connection closed");
	smtp_reader_free(&r->rd);
	free(r);
}

void
relay_failure_event(const struct relay_params *p, const struct relay_failure *f,
    const char *queue_id, struct gwlog_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->cond = f->cond;
	ev->detail = f->detail[0] ? f->detail : NULL;
	ev->phase = relay_state_phase(f->state);
	ev->last_command = f->last_command[0] ? f->last_command : NULL;
	ev->last_reply = f->last_reply[0] ? f->last_reply : NULL;
	/* Past the greeting, the session's EHLO (or HELO) named the gateway. */
	if (ev->phase > SMTP_PHASE_GREETING)
		ev->helo = p->helo;
	ev->err = f->err;
	ev->peer = p->host;
	ev->port = p->port;
	ev->queue_id = queue_id;
	ev->bytes_sent = f->bytes_sent;
	ev->tcp = f->tcp.valid ? &f->tcp : NULL;
}
