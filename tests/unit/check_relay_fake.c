/*
 * The relay's state machine through the fake transport (transport_fake.h):
 * every way a session can fail, table-driven, with the condition (so the
 * legacy line), the errno, the SMTP phase, whether the session is dead and
 * whether the message is refused for good. The faults a real peer cannot be
 * made to show on cue (a write failing with ENOTCONN, a read error that is
 * not a reset) are here; the real-socket tests (check_relay, the scenarios)
 * show that the tcp transport produces the same errnos.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gwlog.h"
#include "legacy.h"
#include "relay.h"
#include "runner.h"
#include "spool.h"
#include "testutil.h"
#include "transport.h"
#include "transport_fake.h"

#define GREET		{ NULL, "220 fake.test ESMTP\r\n", FAKE_REPLY, 0 }
#define EHLO_OK		{ "EHLO", "250-fake.test\r\n250 SIZE 1000000\r\n", FAKE_REPLY, 0 }
#define EHLO_PIPE	{ "EHLO", "250-fake.test\r\n250 PIPELINING\r\n", FAKE_REPLY, 0 }
#define MAIL_OK		{ "MAIL FROM:<a@example.org>", "250 ok\r\n", FAKE_REPLY, 0 }
#define RCPT_OK		{ "RCPT TO:<b@example.org>", "250 ok\r\n", FAKE_REPLY, 0 }
#define DATA_OK		{ "DATA", "354 go\r\n", FAKE_REPLY, 0 }
#define DOT_OK		{ ".", "250 queued\r\n", FAKE_REPLY, 0 }
#define END		{ NULL, NULL, FAKE_REPLY, 0 }

struct fake_case {
	const char			*name;
	int				 connect_err;
	struct transport_fake_step	 steps[10];
	int				 open_fails;	/* relay_open fails (else relay_send) */
	enum legacy_cond		 cond;
	int				 err;		/* the failure's errno, -1: any */
	const char			*phase;		/* relay_state_phase() at the failure */
	int				 dead;
	int				 permanent;
	int				 reply_code;
};

static const struct fake_case cases[] = {
	{ "connect refused", ECONNREFUSED, { END }, 1,
	  LEGACY_CONNECT, ECONNREFUSED, "connect", 1, 0, 0 },
	{ "connect times out", ETIMEDOUT, { END }, 1,
	  LEGACY_CONNECT, ETIMEDOUT, "connect", 1, 0, 0 },
	{ "host unreachable", EHOSTUNREACH, { END }, 1,
	  LEGACY_CONNECT, EHOSTUNREACH, "connect", 1, 0, 0 },
	{ "reset right after the handshake", ECONNRESET, { END }, 1,
	  LEGACY_READ_RESET, ECONNRESET, "greeting", 1, 0, 0 },
	{ "closed before the greeting", 0, { { NULL, NULL, FAKE_CLOSE, 0 } }, 1,
	  LEGACY_READ_CLOSED, 0, "greeting", 1, 0, 0 },
	{ "reset before the greeting", 0, { { NULL, NULL, FAKE_RECV_ERROR, ECONNRESET } }, 1,
	  LEGACY_READ_RESET, ECONNRESET, "greeting", 1, 0, 0 },
	{ "read error before the greeting", 0, { { NULL, NULL, FAKE_RECV_ERROR, EIO } }, 1,
	  LEGACY_READ_ERROR, EIO, "greeting", 1, 0, 0 },
	{ "silent: no greeting", 0, { { NULL, NULL, FAKE_SILENT, 0 } }, 1,
	  LEGACY_READ_TIMEOUT, ETIMEDOUT, "greeting", 1, 0, 0 },
	{ "greeting 554", 0, { { NULL, "554 no service\r\n", FAKE_REPLY, 0 } }, 1,
	  LEGACY_GREETING, -1, "greeting", 1, 0, 554 },
	{ "greeting that is not SMTP", 0, { { NULL, "hello there\r\n", FAKE_REPLY, 0 } }, 1,
	  LEGACY_PROTOCOL, -1, "greeting", 1, 0, 0 },
	{ "greeting with mixed codes", 0, { { NULL, "220-a\r\n250 b\r\n", FAKE_REPLY, 0 } }, 1,
	  LEGACY_PROTOCOL, -1, "greeting", 1, 0, 0 },
	{ "EHLO and HELO refused", 0, { GREET, { "EHLO", "500 what\r\n", FAKE_REPLY, 0 },
	  { "HELO", "501 no\r\n", FAKE_REPLY, 0 } }, 1,
	  LEGACY_REPLY_PERM, -1, "helo", 1, 0, 501 },
	{ "closed after EHLO", 0, { GREET, { "EHLO", NULL, FAKE_CLOSE, 0 } }, 1,
	  LEGACY_READ_CLOSED, 0, "helo", 1, 0, 0 },
	{ "write fails at EHLO: not connected", 0, { GREET, { NULL, NULL, FAKE_SEND_ERROR,
	  ENOTCONN } }, 1, LEGACY_WRITE_NOTCONN, ENOTCONN, "helo", 1, 0, 0 },
	{ "MAIL 421", 0, { GREET, EHLO_OK, { "MAIL", "421 going down\r\n", FAKE_REPLY, 0 } }, 0,
	  LEGACY_REPLY_TEMP, -1, "mail", 1, 0, 421 },
	{ "MAIL 452", 0, { GREET, EHLO_OK, { "MAIL", "452 full\r\n", FAKE_REPLY, 0 },
	  { "RSET", "250 ok\r\n", FAKE_REPLY, 0 } }, 0,
	  LEGACY_REPLY_TEMP, -1, "mail", 0, 0, 452 },
	{ "RCPT 550", 0, { GREET, EHLO_OK, MAIL_OK, { "RCPT", "550 no such user\r\n", FAKE_REPLY,
	  0 }, { "RSET", "250 ok\r\n", FAKE_REPLY, 0 } }, 0,
	  LEGACY_REPLY_PERM, -1, "rcpt", 0, 1, 550 },
	{ "DATA 554", 0, { GREET, EHLO_OK, MAIL_OK, RCPT_OK, { "DATA", "554 no\r\n", FAKE_REPLY,
	  0 }, { "RSET", "250 ok\r\n", FAKE_REPLY, 0 } }, 0,
	  LEGACY_REPLY_PERM, -1, "data", 0, 1, 554 },
	{ "reset while writing the body", 0, { GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK,
	  { NULL, NULL, FAKE_SEND_ERROR, ECONNRESET } }, 0,
	  LEGACY_WRITE_RESET, ECONNRESET, "body", 1, 0, 0 },
	{ "broken pipe while writing the body", 0, { GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK,
	  { NULL, NULL, FAKE_SEND_ERROR, EPIPE } }, 0,
	  LEGACY_WRITE_RESET, EPIPE, "body", 1, 0, 0 },
	{ "other write error in the body", 0, { GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK,
	  { NULL, NULL, FAKE_SEND_ERROR, EIO } }, 0,
	  LEGACY_WRITE_ERROR, EIO, "body", 1, 0, 0 },
	{ "no reply to the final dot", 0, { GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK,
	  { ".", NULL, FAKE_SILENT, 0 } }, 0,
	  LEGACY_READ_TIMEOUT, ETIMEDOUT, "end-of-data", 1, 0, 0 },
	{ "closed after the final dot", 0, { GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK,
	  { ".", NULL, FAKE_CLOSE, 0 } }, 0,
	  LEGACY_READ_CLOSED, 0, "end-of-data", 1, 0, 0 },
	{ "reset after the final dot", 0, { GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK,
	  { ".", NULL, FAKE_RECV_ERROR, ECONNRESET } }, 0,
	  LEGACY_READ_RESET, ECONNRESET, "end-of-data", 1, 0, 0 },
	{ "final dot refused 554", 0, { GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK,
	  { ".", "554 spam\r\n", FAKE_REPLY, 0 } }, 0,
	  LEGACY_REPLY_PERM, -1, "end-of-data", 0, 1, 554 },
	{ "pipelined, RCPT refused", 0, { GREET, EHLO_PIPE, MAIL_OK,
	  { "RCPT", "550 no\r\n", FAKE_REPLY, 0 }, { "DATA", "554 no valid recipients\r\n",
	  FAKE_REPLY, 0 }, { "RSET", "250 ok\r\n", FAKE_REPLY, 0 } }, 0,
	  LEGACY_REPLY_PERM, -1, "rcpt", 0, 1, 550 },
};

static struct spool_msg *
message(void)
{
	static char *rcpts[] = { "b@example.org" };
	static struct spool_msg m;
	static char data[] = "Subject: fake\r\n\r\nhello\r\n";

	memset(&m, 0, sizeof(m));
	snprintf(m.id, sizeof(m.id), "fake-1");
	m.from = "a@example.org";
	m.rcpts = rcpts;
	m.nrcpts = 1;
	m.data = data;
	m.size = sizeof(data) - 1;
	return &m;
}

static void
params(struct relay_params *p, const struct transport_fake_script *s)
{
	memset(p, 0, sizeof(*p));
	p->host = "fake.test";
	p->port = 25;
	p->helo = "gw.test";
	p->connect_ms = 50;
	p->reply_ms = 50;
	p->data_ms = 50;
	p->transport = transport_find("fake");
	p->transport_arg = s;
	ck_assert_ptr_nonnull(p->transport);
}

static size_t
nsteps(const struct transport_fake_step *st, size_t max)
{
	size_t n = 0;

	while (n < max && (st[n].expect != NULL || st[n].reply != NULL ||
	    st[n].action != FAKE_REPLY))
		n++;
	return n;
}

START_TEST(each_failure)
{
	const struct fake_case *c = &cases[_i];
	struct transport_fake_record rec;
	struct transport_fake_script s;
	struct relay_params p;
	struct relay_failure f;
	struct relay *r = NULL;
	int rc;

	memset(&rec, 0, sizeof(rec));
	memset(&s, 0, sizeof(s));
	s.connect_err = c->connect_err;
	s.steps = c->steps;
	s.nsteps = nsteps(c->steps, 10);
	s.record = &rec;
	s.snap.valid = 1;
	s.snap.state = "ESTABLISHED";
	s.snap.bytes_acked = 42;
	params(&p, &s);
	rc = relay_open(&p, &r, &f);
	if (!c->open_fails) {
		ck_assert_msg(rc == 0, "%s: relay_open failed: %s", c->name,
		    legacy_get(f.cond)->name);
		rc = relay_send(r, message(), &f);
	}
	ck_assert_msg(rc == -1, "%s: did not fail", c->name);
	ck_assert_msg(f.cond == c->cond, "%s: condition %s, want %s", c->name,
	    legacy_get(f.cond)->name, legacy_get(c->cond)->name);
	if (c->err >= 0)
		ck_assert_msg(f.err == c->err, "%s: errno %d, want %d", c->name, f.err, c->err);
	ck_assert_msg(strcmp(smtp_phase_to_text(relay_state_phase(f.state)), c->phase) == 0,
	    "%s: phase %s, want %s", c->name,
	    smtp_phase_to_text(relay_state_phase(f.state)), c->phase);
	ck_assert_msg(f.session_dead == c->dead, "%s: session_dead %d", c->name,
	    f.session_dead);
	ck_assert_msg(f.permanent == c->permanent, "%s: permanent %d", c->name, f.permanent);
	ck_assert_msg(f.reply_code == c->reply_code, "%s: reply %d, want %d", c->name,
	    f.reply_code, c->reply_code);
	/* a connection that was made is in the snapshot of the failure */
	if (c->connect_err == 0)
		ck_assert_msg(f.tcp.valid && f.tcp.bytes_acked == 42, "%s: no snapshot", c->name);
	ck_assert_msg(rec.mismatches == 0, "%s: the relay sent an unexpected line: %s",
	    c->name, rec.first_mismatch);
	if (!c->open_fails && !f.session_dead)
		ck_assert_msg(relay_state(r) == RELAY_READY, "%s: not READY after RSET", c->name);
	relay_close(r);
	buf_free(&rec.sent);
}
END_TEST

START_TEST(delivered_pipelined_and_not)
{
	static const struct transport_fake_step plain[] = { GREET, EHLO_OK, MAIL_OK, RCPT_OK,
	    DATA_OK, DOT_OK };
	static const struct transport_fake_step piped[] = { GREET, EHLO_PIPE, MAIL_OK, RCPT_OK,
	    DATA_OK, DOT_OK };
	struct transport_fake_record rec;
	struct transport_fake_script s;
	struct relay_params p;
	struct relay_failure f;
	struct relay *r;
	int pipe;

	for (pipe = 0; pipe <= 1; pipe++) {
		memset(&rec, 0, sizeof(rec));
		memset(&s, 0, sizeof(s));
		s.steps = pipe ? piped : plain;
		s.nsteps = 6;
		s.record = &rec;
		params(&p, &s);
		ck_assert_int_eq(relay_open(&p, &r, &f), 0);
		ck_assert_int_eq(relay_has_pipelining(r), pipe);
		ck_assert_uint_eq(relay_size_limit(r), pipe ? 0 : 1000000);
		ck_assert_int_eq(relay_send(r, message(), &f), 0);
		ck_assert_int_eq(relay_state(r), RELAY_READY);
		relay_close(r);
		ck_assert_uint_eq(rec.mismatches, 0);
		ck_assert_uint_eq(rec.steps_done, 6);
		/* SIZE when offered; the data as spooled, then the dot; QUIT at the end */
		ck_assert_contains(buf_str(&rec.sent), pipe ? "MAIL FROM:<a@example.org>\r\n" :
		    "MAIL FROM:<a@example.org> SIZE=24\r\n");
		ck_assert_contains(buf_str(&rec.sent),
		    "DATA\r\nSubject: fake\r\n\r\nhello\r\n.\r\nQUIT\r\n");
		buf_free(&rec.sent);
	}
}
END_TEST

START_TEST(helo_when_ehlo_is_refused)
{
	static const struct transport_fake_step st[] = { GREET,
	    { "EHLO gw.test", "500 unknown\r\n", FAKE_REPLY, 0 },
	    { "HELO gw.test", "250 fake.test\r\n", FAKE_REPLY, 0 }, MAIL_OK, RCPT_OK, DATA_OK,
	    DOT_OK };
	struct transport_fake_record rec;
	struct transport_fake_script s;
	struct relay_params p;
	struct relay_failure f;
	struct relay *r;

	memset(&rec, 0, sizeof(rec));
	memset(&s, 0, sizeof(s));
	s.steps = st;
	s.nsteps = sizeof(st) / sizeof(st[0]);
	s.record = &rec;
	params(&p, &s);
	ck_assert_int_eq(relay_open(&p, &r, &f), 0);
	ck_assert_int_eq(relay_used_helo(r), 1);
	ck_assert_int_eq(relay_has_pipelining(r), 0);
	ck_assert_int_eq(relay_send(r, message(), &f), 0);
	relay_close(r);
	ck_assert_uint_eq(rec.mismatches, 0);
	/* no SIZE after HELO: the extensions of the refused EHLO do not count */
	ck_assert_not_contains(buf_str(&rec.sent), "SIZE=");
	buf_free(&rec.sent);
}
END_TEST

START_TEST(some_recipients_refused)
{
	static char *rcpts[] = { "ok@example.org", "no@example.org", "busy@example.org" };
	/* _i: 1 with PIPELINING (all RCPTs in one write), 0 one by one */
	const struct transport_fake_step st[] = { GREET, _i ? (struct transport_fake_step)EHLO_PIPE :
	    (struct transport_fake_step)EHLO_OK, MAIL_OK,
	    { "RCPT TO:<ok@", "250 ok\r\n", FAKE_REPLY, 0 },
	    { "RCPT TO:<no@", "550 5.1.1 unknown\r\n", FAKE_REPLY, 0 },
	    { "RCPT TO:<busy@", "450 4.2.1 busy\r\n", FAKE_REPLY, 0 }, DATA_OK, DOT_OK };
	struct relay_rcpt rr[3];
	struct transport_fake_record rec;
	struct transport_fake_script s;
	struct spool_msg *m = message();
	struct relay_params p;
	struct relay_failure f;
	struct relay *r;

	memset(&rec, 0, sizeof(rec));
	memset(&s, 0, sizeof(s));
	s.steps = st;
	s.nsteps = sizeof(st) / sizeof(st[0]);
	s.record = &rec;
	m->rcpts = rcpts;
	m->nrcpts = 3;
	params(&p, &s);
	ck_assert_int_eq(relay_open(&p, &r, &f), 0);
	ck_assert_int_eq(relay_send_some(r, m, rr, &f), 1);
	ck_assert_int_eq(rr[0].code, 250);
	ck_assert_int_eq(rr[1].code, 550);
	ck_assert_int_eq(rr[2].code, 450);
	ck_assert_str_eq(rr[2].reply, "450 4.2.1 busy");
	/* f: the first refusal; the session goes on */
	ck_assert_int_eq(f.reply_code, 550);
	ck_assert_int_eq(relay_state(r), RELAY_READY);
	relay_close(r);
	ck_assert_uint_eq(rec.mismatches, 0);
	buf_free(&rec.sent);
}
END_TEST

/* The log: the failure's lines, then SMTP_close, as the original's log has them. */
START_TEST(close_logged_after_the_error)
{
	static const struct transport_fake_step st[] = { GREET, EHLO_OK, MAIL_OK, RCPT_OK,
	    DATA_OK, { ".", NULL, FAKE_CLOSE, 0 } };
	static char *rcpts[] = { "b@example.org" };
	static const char data[] = "Subject: x\r\n\r\nhello\r\n";
	struct transport_fake_script s;
	struct runner_params rp;
	struct runner_stats stats;
	struct gwlog_params lp;
	struct spool *sp;
	char *dir = tu_tmpdir(), path[512], logpath[512], id[SPOOL_ID_MAX], err[ERR_LEN];
	char *text, *e, *r, *c;

	memset(&s, 0, sizeof(s));
	s.steps = st;
	s.nsteps = sizeof(st) / sizeof(st[0]);
	snprintf(path, sizeof(path), "%s/spool", dir);
	snprintf(logpath, sizeof(logpath), "%s/gw.log", dir);
	ck_assert_msg(spool_open(path, &sp, err) == 0, "%s", err);
	ck_assert_msg(spool_put(sp, "a@example.org", rcpts, 1, data, sizeof(data) - 1, id,
	    err) == 0, "%s", err);
	memset(&lp, 0, sizeof(lp));
	lp.log_path = logpath;
	memset(&rp, 0, sizeof(rp));
	ck_assert_msg(gwlog_open(&lp, &rp.log, err) == 0, "%s", err);
	rp.spool = sp;
	params(&rp.relay, &s);
	rp.relay.log = rp.log;
	rp.max_attempts = 5;
	ck_assert_int_eq(runner_once(&rp, &stats, err), 0);
	ck_assert_uint_eq(stats.deferred, 1);
	gwlog_close(rp.log);
	spool_close(sp);
	text = tu_read(logpath, NULL);
	e = strstr(text, " - ERROR Network_read: Lost network connection\n");
	r = strstr(text, " - SMTP_recv: system error\n");
	c = strstr(text, " - SMTP_close(socket=3)\n");
	ck_assert_msg(e && r && c && e < r && r < c, "the order of the lines:\n%.3000s", text);
	/* one close only (c + 10: past this one) */
	ck_assert_msg(strstr(c + 10, "SMTP_close(socket=") == NULL, "two closes:\n%.3000s", text);
	free(text);
	tu_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(transports_by_name)
{
	ck_assert_str_eq(transport_find("tcp")->name, "tcp");
	ck_assert_str_eq(transport_find("fake")->name, "fake");
	ck_assert_ptr_null(transport_find("carrier-pigeon"));
	ck_assert_str_eq(transport_fake_action_to_text(FAKE_SEND_ERROR), "send-error");
}
END_TEST

/*
 * A reply line longer than RELAY_LINE_MAX that arrives in one piece with its
 * line end: a protocol error (it once overflowed the line buffer on the
 * stack: found by tests/fuzz/fuzz_reply.c).
 */
/*
 * -vv logs every move of the state machine, in order, beside the transcript;
 * -v logs the transcript only (kbdiag reads those logs: no new lines there).
 */
START_TEST(state_moves_logged_at_vv)
{
	static const struct transport_fake_step st[] = { GREET, EHLO_OK, MAIL_OK, RCPT_OK,
	    DATA_OK, DOT_OK, { "QUIT", "221 bye\r\n", FAKE_REPLY, 0 } };
	static const char *const moves[] = { "init -> connect", "connect -> greeting",
	    "greeting -> ehlo", "ehlo -> ready", "ready -> mail", "mail -> rcpt",
	    "rcpt -> data", "data -> body", "body -> end-of-data", "end-of-data -> ready",
	    "ready -> quit" };
	struct transport_fake_script s;
	struct relay_params p;
	struct relay_failure f;
	struct gwlog_params lp;
	struct relay *r;
	char *dir = tu_tmpdir(), logpath[512], err[ERR_LEN], *text, *at;
	size_t i;
	int verbose;

	for (verbose = 1; verbose <= 2; verbose++) {
		memset(&s, 0, sizeof(s));
		s.steps = st;
		s.nsteps = sizeof(st) / sizeof(st[0]);
		snprintf(logpath, sizeof(logpath), "%s/gw%d.log", dir, verbose);
		memset(&lp, 0, sizeof(lp));
		lp.log_path = logpath;
		lp.verbose = verbose;
		params(&p, &s);
		ck_assert_msg(gwlog_open(&lp, &p.log, err) == 0, "%s", err);
		ck_assert_int_eq(relay_open(&p, &r, &f), 0);
		ck_assert_int_eq(relay_send(r, message(), &f), 0);
		relay_close(r);
		gwlog_close(p.log);
		text = tu_read(logpath, NULL);
		ck_assert_contains(text, " [tx] MAIL FROM:<a@example.org>");
		if (verbose == 1) {
			ck_assert_not_contains(text, "[state]");
		} else {
			for (i = 0, at = text; i < sizeof(moves) / sizeof(moves[0]); i++) {
				char want[64];

				snprintf(want, sizeof(want), " [state] %s\n", moves[i]);
				ck_assert_msg((at = strstr(at, want)) != NULL,
				    "no \"%s\" after the moves before it:\n%.3000s", want, text);
			}
		}
		free(text);
	}
	tu_rmtree(dir);
	free(dir);
}
END_TEST

START_TEST(long_reply_line_in_one_piece)
{
	struct transport_fake_step st[1];
	struct transport_fake_script s;
	struct relay_params p;
	struct relay_failure f;
	struct relay *r = NULL;
	struct buf line = BUF_INIT;
	int i;

	buf_puts(&line, "220 ");
	for (i = 0; i < 6000; i++)
		buf_putc(&line, 'x');
	buf_puts(&line, "\r\n");
	st[0] = (struct transport_fake_step){ NULL, buf_str(&line), FAKE_REPLY, 0 };
	memset(&s, 0, sizeof(s));
	s.steps = st;
	s.nsteps = 1;
	params(&p, &s);
	ck_assert_int_eq(relay_open(&p, &r, &f), -1);
	ck_assert_int_eq(f.cond, LEGACY_PROTOCOL);
	ck_assert_str_eq(smtp_phase_to_text(relay_state_phase(f.state)), "greeting");
	buf_free(&line);
}
END_TEST

/* Data that does not end in CR LF (a file of an older version): the relay
 * still ends it with CR LF . CR LF, so the host sees the end. */
START_TEST(end_of_data_always_crlf_dot_crlf)
{
	static const struct transport_fake_step st[] = { GREET, EHLO_OK, MAIL_OK, RCPT_OK,
	    DATA_OK, DOT_OK };
	static char data[] = "Subject: cut\r\n\r\nno final line end";
	struct transport_fake_record rec;
	struct transport_fake_script s;
	struct spool_msg *m = message();
	struct relay_params p;
	struct relay_failure f;
	struct relay *r;

	memset(&rec, 0, sizeof(rec));
	memset(&s, 0, sizeof(s));
	s.steps = st;
	s.nsteps = sizeof(st) / sizeof(st[0]);
	s.record = &rec;
	m->data = data;
	m->size = sizeof(data) - 1;
	params(&p, &s);
	ck_assert_int_eq(relay_open(&p, &r, &f), 0);
	ck_assert_int_eq(relay_send(r, m, &f), 0);
	relay_close(r);
	ck_assert_uint_eq(rec.mismatches, 0);
	ck_assert_contains(buf_str(&rec.sent), "no final line end\r\n.\r\nQUIT\r\n");
	buf_free(&rec.sent);
}
END_TEST

static long long
elapsed_ms(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000LL + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void *
stop_later(void *arg)
{
	usleep(200000);
	*(volatile sig_atomic_t *)arg = 1;
	return NULL;
}

/*
 * A stop (SIGTERM) while the relay waits: it gives up within a slice, not
 * at the deadline, and says it was interrupted (not a failure of the host);
 * waiting for the reply to the final dot it gives the host one second more.
 */
START_TEST(stop_ends_a_wait)
{
	static const struct transport_fake_step greet_silent[] = { { NULL, NULL, FAKE_SILENT, 0 } };
	static const struct transport_fake_step dot_silent[] = { GREET, EHLO_OK, MAIL_OK,
	    RCPT_OK, DATA_OK, { ".", NULL, FAKE_SILENT, 0 } };
	static volatile sig_atomic_t stop;
	struct transport_fake_script s;
	struct relay_params p;
	struct relay_failure f;
	struct relay *r = NULL;
	struct timespec t0;
	pthread_t timer;
	long long ms;

	memset(&s, 0, sizeof(s));
	s.steps = greet_silent;
	s.nsteps = 1;
	params(&p, &s);
	p.reply_ms = p.data_ms = 60000;
	p.stop = &stop;
	stop = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(relay_open(&p, &r, &f), -1);
	ms = elapsed_ms(&t0);
	ck_assert_int_eq(f.interrupted, 1);
	ck_assert_msg(ms < 10000, "the stop took %lld ms (the deadline is 60 s)", ms);
	/* set before the message: it is abandoned at the first wait */
	stop = 0;
	s.steps = dot_silent;
	s.nsteps = sizeof(dot_silent) / sizeof(dot_silent[0]);
	ck_assert_int_eq(relay_open(&p, &r, &f), 0);
	stop = 1;
	ck_assert_int_eq(relay_send(r, message(), &f), -1);
	ck_assert_int_eq(f.interrupted, 1);
	ck_assert_str_eq(smtp_phase_to_text(relay_state_phase(f.state)), "mail");
	relay_close(r);
	/* set while the reply to the final dot is awaited: one second more */
	stop = 0;
	ck_assert_int_eq(relay_open(&p, &r, &f), 0);
	ck_assert_int_eq(pthread_create(&timer, NULL, stop_later, (void *)&stop), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(relay_send(r, message(), &f), -1);
	ms = elapsed_ms(&t0);
	pthread_join(timer, NULL);
	ck_assert_int_eq(f.interrupted, 1);
	ck_assert_str_eq(smtp_phase_to_text(relay_state_phase(f.state)), "end-of-data");
	ck_assert_msg(ms >= 1000 && ms < 10000, "gave up after %lld ms", ms);
	relay_close(r);
}
END_TEST

Suite *
relay_fake_suite(void)
{
	Suite *s = suite_create("relay_fake");
	TCase *tc = tcase_create("relay_fake");

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, each_failure, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, delivered_pipelined_and_not);
	tcase_add_test(tc, helo_when_ehlo_is_refused);
	tcase_add_loop_test(tc, some_recipients_refused, 0, 2);
	tcase_add_test(tc, close_logged_after_the_error);
	tcase_add_test(tc, transports_by_name);
	tcase_add_test(tc, long_reply_line_in_one_piece);
	tcase_add_test(tc, state_moves_logged_at_vv);
	tcase_add_test(tc, end_of_data_always_crlf_dot_crlf);
	tcase_add_test(tc, stop_ends_a_wait);
	suite_add_tcase(s, tc);
	return s;
}
