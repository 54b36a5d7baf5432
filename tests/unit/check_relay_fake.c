/*
 * The relay's state machine through the fake transport (smtp/transport_fake.h,
 * on a virtual clock: a silent host's timeout costs no time):
 * every way a session can fail, table-driven, with the condition (so the
 * legacy line), the errno, the SMTP phase, whether the session is dead and
 * whether the message is refused for good. The faults a real peer cannot be
 * made to show on cue (a write failing with ENOTCONN, a read error that is
 * not a reset) are here; the real-socket tests (check_relay, the scenarios)
 * show that the tcp transport produces the same errnos.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwlog.h"
#include "legacy.h"
#include "relay.h"
#include "runner.h"
#include "spool.h"
#include "testutil.h"
#include "smtp/transport.h"
#include "smtp/transport_fake.h"

/* Script steps (smtp/transport_fake.h). */
#define SAY(t)		{ FAKE_SAY, (t), 0 }
#define EXPECT(t)	{ FAKE_EXPECT, (t), 0 }
#define ON(cmd, t)	EXPECT(cmd), SAY(t)	/* a command, and its reply */
#define CONNFAIL(e)	{ FAKE_CONNECT_FAIL, NULL, (e) }
#define MESSAGE		{ FAKE_MESSAGE, NULL, 0 }
#define SILENT		{ FAKE_SILENT, NULL, 0 }
#define CLOSE		{ FAKE_CLOSE, NULL, 0 }
#define RECV_ERROR(e)	{ FAKE_RECV_ERROR, NULL, (e) }
#define SEND_ERROR(e)	{ FAKE_SEND_ERROR, NULL, (e) }
#define DELAY(ms)	{ FAKE_DELAY, NULL, (ms) }
#define STOP		{ FAKE_STOP, NULL, 0 }
#define GREET		SAY("220 fake.test ESMTP\r\n")
#define EHLO_OK		ON("EHLO", "250-fake.test\r\n250 SIZE 1000000\r\n")
#define EHLO_PIPE	ON("EHLO", "250-fake.test\r\n250 PIPELINING\r\n")
#define MAIL_OK		ON("MAIL FROM:<a@example.org>", "250 ok\r\n")
#define RCPT_OK		ON("RCPT TO:<b@example.org>", "250 ok\r\n")
#define DATA_OK		ON("DATA", "354 go\r\n")
#define DOT_OK		MESSAGE, SAY("250 queued\r\n")
#define STEPS(a)	(a), sizeof(a) / sizeof((a)[0])

#define MAX_STEPS	16

struct fake_case {
	const char			*name;
	struct transport_fake_step	 steps[MAX_STEPS];	/* up to the first
							   zero step ({ 0 }) */
	int				 open_fails;	/* relay_open fails (else relay_send) */
	enum legacy_cond		 cond;
	int				 err;		/* the failure's errno, -1: any */
	const char			*phase;		/* relay_state_phase() at the failure */
	int				 dead;
	int				 permanent;
	int				 reply_code;
};

static const struct fake_case cases[] = {
	{ "connect refused", { CONNFAIL(ECONNREFUSED) }, 1,
	  LEGACY_CONNECT, ECONNREFUSED, "connect", 1, 0, 0 },
	{ "connect times out", { CONNFAIL(ETIMEDOUT) }, 1,
	  LEGACY_CONNECT, ETIMEDOUT, "connect", 1, 0, 0 },
	{ "host unreachable", { CONNFAIL(EHOSTUNREACH) }, 1,
	  LEGACY_CONNECT, EHOSTUNREACH, "connect", 1, 0, 0 },
	{ "reset right after the handshake", { CONNFAIL(ECONNRESET) }, 1,
	  LEGACY_READ_RESET, ECONNRESET, "greeting", 1, 0, 0 },
	{ "closed before the greeting", { CLOSE }, 1,
	  LEGACY_READ_CLOSED, 0, "greeting", 1, 0, 0 },
	{ "reset before the greeting", { RECV_ERROR(ECONNRESET) }, 1,
	  LEGACY_READ_RESET, ECONNRESET, "greeting", 1, 0, 0 },
	{ "read error before the greeting", { RECV_ERROR(EIO) }, 1,
	  LEGACY_READ_ERROR, EIO, "greeting", 1, 0, 0 },
	{ "silent: no greeting", { SILENT }, 1,
	  LEGACY_READ_TIMEOUT, ETIMEDOUT, "greeting", 1, 0, 0 },
	{ "greeting 554", { SAY("554 no service\r\n") }, 1,
	  LEGACY_GREETING, -1, "greeting", 1, 0, 554 },
	{ "greeting that is not SMTP", { SAY("hello there\r\n") }, 1,
	  LEGACY_PROTOCOL, -1, "greeting", 1, 0, 0 },
	{ "greeting with mixed codes", { SAY("220-a\r\n250 b\r\n") }, 1,
	  LEGACY_PROTOCOL, -1, "greeting", 1, 0, 0 },
	{ "EHLO and HELO refused", { GREET, ON("EHLO", "500 what\r\n"),
	  ON("HELO", "501 no\r\n") }, 1,
	  LEGACY_REPLY_PERM, -1, "helo", 1, 0, 501 },
	{ "closed after EHLO", { GREET, EXPECT("EHLO"), CLOSE }, 1,
	  LEGACY_READ_CLOSED, 0, "helo", 1, 0, 0 },
	{ "write fails at EHLO: not connected", { GREET, SEND_ERROR(ENOTCONN) }, 1,
	  LEGACY_WRITE_NOTCONN, ENOTCONN, "helo", 1, 0, 0 },
	{ "MAIL 421", { GREET, EHLO_OK, ON("MAIL", "421 going down\r\n") }, 0,
	  LEGACY_REPLY_TEMP, -1, "mail", 1, 0, 421 },
	{ "MAIL 452", { GREET, EHLO_OK, ON("MAIL", "452 full\r\n"), ON("RSET", "250 ok\r\n") }, 0,
	  LEGACY_REPLY_TEMP, -1, "mail", 0, 0, 452 },
	{ "RCPT 550", { GREET, EHLO_OK, MAIL_OK, ON("RCPT", "550 no such user\r\n"),
	  ON("RSET", "250 ok\r\n") }, 0,
	  LEGACY_REPLY_PERM, -1, "rcpt", 0, 1, 550 },
	{ "DATA 554", { GREET, EHLO_OK, MAIL_OK, RCPT_OK, ON("DATA", "554 no\r\n"),
	  ON("RSET", "250 ok\r\n") }, 0,
	  LEGACY_REPLY_PERM, -1, "data", 0, 1, 554 },
	{ "reset while writing the body", { GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK,
	  SEND_ERROR(ECONNRESET) }, 0,
	  LEGACY_WRITE_RESET, ECONNRESET, "body", 1, 0, 0 },
	{ "broken pipe while writing the body", { GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK,
	  SEND_ERROR(EPIPE) }, 0,
	  LEGACY_WRITE_RESET, EPIPE, "body", 1, 0, 0 },
	{ "other write error in the body", { GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK,
	  SEND_ERROR(EIO) }, 0,
	  LEGACY_WRITE_ERROR, EIO, "body", 1, 0, 0 },
	{ "no reply to the final dot", { GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK,
	  MESSAGE, SILENT }, 0,
	  LEGACY_READ_TIMEOUT, ETIMEDOUT, "end-of-data", 1, 0, 0 },
	{ "closed after the final dot", { GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK,
	  MESSAGE, CLOSE }, 0,
	  LEGACY_READ_CLOSED, 0, "end-of-data", 1, 0, 0 },
	{ "reset after the final dot", { GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK,
	  MESSAGE, RECV_ERROR(ECONNRESET) }, 0,
	  LEGACY_READ_RESET, ECONNRESET, "end-of-data", 1, 0, 0 },
	{ "final dot refused 554", { GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK,
	  MESSAGE, SAY("554 spam\r\n") }, 0,
	  LEGACY_REPLY_PERM, -1, "end-of-data", 0, 1, 554 },
	{ "pipelined, RCPT refused", { GREET, EHLO_PIPE, MAIL_OK,
	  ON("RCPT", "550 no\r\n"), ON("DATA", "554 no valid recipients\r\n"),
	  ON("RSET", "250 ok\r\n") }, 0,
	  LEGACY_REPLY_PERM, -1, "rcpt", 0, 1, 550 },
	/* pipelined: what was sent after the refused command is read, then RSET */
	{ "pipelined, MAIL refused", { GREET, EHLO_PIPE, ON("MAIL", "452 full\r\n"),
	  ON("RCPT", "503 5.5.1 no MAIL\r\n"), ON("DATA", "503 5.5.1 no RCPT\r\n"),
	  ON("RSET", "250 ok\r\n") }, 0,
	  LEGACY_REPLY_TEMP, -1, "mail", 0, 0, 452 },
	/* no recipient and DATA taken: only closing avoids sending the message */
	{ "pipelined, RCPT refused, DATA 354", { GREET, EHLO_PIPE, MAIL_OK,
	  ON("RCPT", "550 no\r\n"), ON("DATA", "354 go\r\n") }, 0,
	  LEGACY_REPLY_PERM, -1, "rcpt", 1, 1, 550 },
	/* the refusal is the message's failure, the lost connection the session's
	 * (as one by one, where the RSET finds it closed) */
	{ "pipelined, RCPT refused, then closed", { GREET, EHLO_PIPE, MAIL_OK,
	  ON("RCPT", "550 no\r\n"), EXPECT("DATA"), CLOSE }, 0,
	  LEGACY_REPLY_PERM, -1, "rcpt", 1, 1, 550 },
	{ "RCPT refused, then closed", { GREET, EHLO_OK, MAIL_OK,
	  ON("RCPT", "550 no\r\n"), CLOSE }, 0,
	  LEGACY_REPLY_PERM, -1, "rcpt", 1, 1, 550 },
	{ "RCPT 421", { GREET, EHLO_OK, MAIL_OK, ON("RCPT", "421 going down\r\n") }, 0,
	  LEGACY_REPLY_TEMP, -1, "rcpt", 1, 0, 421 },
	{ "DATA 421", { GREET, EHLO_OK, MAIL_OK, RCPT_OK, ON("DATA", "421 going down\r\n") },
	  0, LEGACY_REPLY_TEMP, -1, "data", 1, 0, 421 },
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
params(struct relay_params *p, struct transport_fake *s)
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

/* The steps before the first zero one ({ 0 }: no connect-fail has errno 0). */
static size_t
nsteps(const struct transport_fake_step *st, size_t max)
{
	size_t n = 0;

	while (n < max && (st[n].op != 0 || st[n].text != NULL || st[n].n != 0))
		n++;
	return n;
}

/* A fake whose connections give a snapshot (bytes_acked 42). */
static struct transport_fake *
fake_with_snapshot(const struct transport_fake_step *st, size_t n)
{
	struct transport_fake *f = transport_fake_new(st, n);
	struct tcpinfo_snap snap;

	memset(&snap, 0, sizeof(snap));
	snap.valid = 1;
	snap.state = "ESTABLISHED";
	snap.bytes_acked = 42;
	transport_fake_set_snapshot(f, &snap);
	return f;
}

START_TEST(each_failure)
{
	const struct fake_case *c = &cases[_i];
	struct transport_fake *s = fake_with_snapshot(c->steps, nsteps(c->steps, MAX_STEPS));
	int connect_err = c->steps[0].op == FAKE_CONNECT_FAIL ? (int)c->steps[0].n : 0;
	struct relay_params p;
	struct relay_failure f;
	struct relay *r = NULL;
	int rc;

	params(&p, s);
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
	if (connect_err == 0)
		ck_assert_msg(f.tcp.valid && f.tcp.bytes_acked == 42, "%s: no snapshot", c->name);
	ck_assert_msg(transport_fake_error(s) == NULL, "%s: the relay sent an unexpected line: %s",
	    c->name, transport_fake_error(s));
	if (!c->open_fails && !f.session_dead)
		ck_assert_msg(relay_state(r) == RELAY_READY, "%s: not READY after RSET", c->name);
	relay_close(r);
	transport_fake_free(s);
}
END_TEST

START_TEST(delivered_pipelined_and_not)
{
	static const struct transport_fake_step plain[] = { GREET, EHLO_OK, MAIL_OK, RCPT_OK,
	    DATA_OK, DOT_OK };
	static const struct transport_fake_step piped[] = { GREET, EHLO_PIPE, MAIL_OK, RCPT_OK,
	    DATA_OK, DOT_OK };
	struct transport_fake *s;
	struct relay_params p;
	struct relay_failure f;
	struct relay *r;
	int pipe;

	for (pipe = 0; pipe <= 1; pipe++) {
		s = pipe ? transport_fake_new(STEPS(piped)) : transport_fake_new(STEPS(plain));
		params(&p, s);
		ck_assert_int_eq(relay_open(&p, &r, &f), 0);
		ck_assert_int_eq(relay_has_pipelining(r), pipe);
		ck_assert_uint_eq(relay_size_limit(r), pipe ? 0 : 1000000);
		ck_assert_int_eq(relay_send(r, message(), &f), 0);
		ck_assert_int_eq(relay_state(r), RELAY_READY);
		relay_close(r);
		ck_assert_ptr_null(transport_fake_error(s));
		ck_assert_uint_eq(transport_fake_played(s), sizeof(plain) / sizeof(plain[0]));
		/* SIZE when offered; the data as spooled, then the dot; QUIT at the end */
		ck_assert_contains(transport_fake_sent(s), pipe ? "MAIL FROM:<a@example.org>\r\n" :
		    "MAIL FROM:<a@example.org> SIZE=24\r\n");
		ck_assert_contains(transport_fake_sent(s),
		    "DATA\r\nSubject: fake\r\n\r\nhello\r\n.\r\nQUIT\r\n");
		transport_fake_free(s);
	}
}
END_TEST

START_TEST(helo_when_ehlo_is_refused)
{
	static const struct transport_fake_step st[] = { GREET,
	    ON("EHLO gw.test", "500 unknown\r\n"), ON("HELO gw.test", "250 fake.test\r\n"),
	    MAIL_OK, RCPT_OK, DATA_OK, DOT_OK };
	struct transport_fake *s = transport_fake_new(STEPS(st));
	struct relay_params p;
	struct relay_failure f;
	struct relay *r;

	params(&p, s);
	ck_assert_int_eq(relay_open(&p, &r, &f), 0);
	ck_assert_int_eq(relay_used_helo(r), 1);
	ck_assert_int_eq(relay_has_pipelining(r), 0);
	ck_assert_int_eq(relay_send(r, message(), &f), 0);
	relay_close(r);
	ck_assert_ptr_null(transport_fake_error(s));
	/* no SIZE after HELO: the extensions of the refused EHLO do not count */
	ck_assert_not_contains(transport_fake_sent(s), "SIZE=");
	transport_fake_free(s);
}
END_TEST

START_TEST(some_recipients_refused)
{
	static char *rcpts[] = { "ok@example.org", "no@example.org", "busy@example.org" };
	/* _i: 1 with PIPELINING (all RCPTs in one write), 0 one by one */
	static const struct transport_fake_step plain[] = { GREET, EHLO_OK, MAIL_OK,
	    ON("RCPT TO:<ok@", "250 ok\r\n"), ON("RCPT TO:<no@", "550 5.1.1 unknown\r\n"),
	    ON("RCPT TO:<busy@", "450 4.2.1 busy\r\n"), DATA_OK, DOT_OK };
	static const struct transport_fake_step piped[] = { GREET, EHLO_PIPE, MAIL_OK,
	    ON("RCPT TO:<ok@", "250 ok\r\n"), ON("RCPT TO:<no@", "550 5.1.1 unknown\r\n"),
	    ON("RCPT TO:<busy@", "450 4.2.1 busy\r\n"), DATA_OK, DOT_OK };
	struct relay_rcpt rr[3];
	struct transport_fake *s = _i ? transport_fake_new(STEPS(piped)) :
	    transport_fake_new(STEPS(plain));
	struct spool_msg *m = message();
	struct relay_params p;
	struct relay_failure f;
	struct relay *r;

	m->rcpts = rcpts;
	m->nrcpts = 3;
	params(&p, s);
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
	ck_assert_ptr_null(transport_fake_error(s));
	transport_fake_free(s);
}
END_TEST

/* The log: the failure's lines, then SMTP_close, as the original's log has them. */
START_TEST(close_logged_after_the_error)
{
	static const struct transport_fake_step st[] = { GREET, EHLO_OK, MAIL_OK, RCPT_OK,
	    DATA_OK, MESSAGE, CLOSE };
	static char *rcpts[] = { "b@example.org" };
	static const char data[] = "Subject: x\r\n\r\nhello\r\n";
	struct transport_fake *s = transport_fake_new(STEPS(st));
	struct runner_params rp;
	struct runner_stats stats;
	struct gwlog_params lp;
	struct spool *sp;
	char *dir = tu_tmpdir(), path[512], logpath[512], id[SPOOL_ID_MAX], err[ERR_LEN];
	char *text, *e, *r, *c;

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
	params(&rp.relay, s);
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
	transport_fake_free(s);
}
END_TEST

START_TEST(transports_by_name)
{
	ck_assert_str_eq(transport_find("tcp")->name, "tcp");
	ck_assert_str_eq(transport_find("fake")->name, "fake");
	ck_assert_ptr_null(transport_find("carrier-pigeon"));
	ck_assert_str_eq(transport_fake_op_name(FAKE_SEND_ERROR), "send-error");
}
END_TEST

/*
 * -vv logs every move of the state machine, in order, beside the transcript;
 * -v logs the transcript only (kbdiag reads those logs: no new lines there).
 */
START_TEST(state_moves_logged_at_vv)
{
	static const struct transport_fake_step st[] = { GREET, EHLO_OK, MAIL_OK, RCPT_OK,
	    DATA_OK, DOT_OK, ON("QUIT", "221 bye\r\n") };
	static const char *const moves[] = { "init -> connect", "connect -> greeting",
	    "greeting -> ehlo", "ehlo -> ready", "ready -> mail", "mail -> rcpt",
	    "rcpt -> data", "data -> body", "body -> end-of-data", "end-of-data -> ready",
	    "ready -> quit" };
	struct transport_fake *s;
	struct relay_params p;
	struct relay_failure f;
	struct gwlog_params lp;
	struct relay *r;
	char *dir = tu_tmpdir(), logpath[512], err[ERR_LEN], *text, *at;
	size_t i;
	int verbose;

	for (verbose = 1; verbose <= 2; verbose++) {
		s = transport_fake_new(STEPS(st));
		snprintf(logpath, sizeof(logpath), "%s/gw%d.log", dir, verbose);
		memset(&lp, 0, sizeof(lp));
		lp.log_path = logpath;
		lp.verbose = verbose;
		params(&p, s);
		ck_assert_msg(gwlog_open(&lp, &p.log, err) == 0, "%s", err);
		ck_assert_int_eq(relay_open(&p, &r, &f), 0);
		ck_assert_int_eq(relay_send(r, message(), &f), 0);
		relay_close(r);
		gwlog_close(p.log);
		transport_fake_free(s);
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

/*
 * A reply line longer than the reader's limit that arrives in one piece with
 * its line end: a protocol error (it once overflowed the line buffer on the
 * stack: found by tests/fuzz/fuzz_reply.c).
 */
START_TEST(long_reply_line_in_one_piece)
{
	struct transport_fake_step st[1];
	struct transport_fake *s;
	struct relay_params p;
	struct relay_failure f;
	struct relay *r = NULL;
	struct buf line = BUF_INIT;
	int i;

	buf_puts(&line, "220 ");
	for (i = 0; i < 6000; i++)
		buf_putc(&line, 'x');
	buf_puts(&line, "\r\n");
	st[0] = (struct transport_fake_step){ FAKE_SAY, buf_str(&line), 0 };
	s = transport_fake_new(st, 1);
	params(&p, s);
	ck_assert_int_eq(relay_open(&p, &r, &f), -1);
	ck_assert_int_eq(f.cond, LEGACY_PROTOCOL);
	ck_assert_str_eq(smtp_phase_to_text(relay_state_phase(f.state)), "greeting");
	transport_fake_free(s);
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
	struct transport_fake *s = transport_fake_new(STEPS(st));
	struct spool_msg *m = message();
	struct relay_params p;
	struct relay_failure f;
	struct relay *r;

	m->data = data;
	m->size = sizeof(data) - 1;
	params(&p, s);
	ck_assert_int_eq(relay_open(&p, &r, &f), 0);
	ck_assert_int_eq(relay_send(r, m, &f), 0);
	relay_close(r);
	ck_assert_ptr_null(transport_fake_error(s));
	ck_assert_contains(transport_fake_sent(s), "no final line end\r\n.\r\nQUIT\r\n");
	transport_fake_free(s);
}
END_TEST

/*
 * A stop (SIGTERM) while the relay waits: it gives up within a slice, not
 * at the deadline, and says it was interrupted (not a failure of the host);
 * waiting for the reply to the final dot it gives the host one second more.
 * On the fake's clock the times are exact: the stop comes as a step of the
 * script (200 ms after the final dot), as a signal would.
 */
START_TEST(stop_ends_a_wait)
{
	static const struct transport_fake_step greet_silent[] = { SILENT };
	static const struct transport_fake_step dot_stop[] = { GREET, EHLO_OK, MAIL_OK,
	    RCPT_OK, DATA_OK, MESSAGE, DELAY(200), STOP, SILENT };
	static volatile sig_atomic_t stop;
	struct transport_fake *s = transport_fake_new(STEPS(greet_silent));
	struct relay_params p;
	struct relay_failure f;
	struct relay *r = NULL;
	unsigned long long t0, ms;

	params(&p, s);
	p.reply_ms = p.data_ms = 60000;
	p.stop = &stop;
	stop = 1;
	t0 = transport_fake_now(s);
	ck_assert_int_eq(relay_open(&p, &r, &f), -1);
	ms = transport_fake_now(s) - t0;
	ck_assert_int_eq(f.interrupted, 1);
	ck_assert_msg(ms == 0, "the stop took %llu ms (the deadline is 60 s)", ms);
	transport_fake_free(s);
	/* set before the message: it is abandoned at the first wait */
	s = transport_fake_new(STEPS(dot_stop));
	transport_fake_stop_flag(s, &stop);
	params(&p, s);
	p.reply_ms = p.data_ms = 60000;
	p.stop = &stop;
	stop = 0;
	ck_assert_int_eq(relay_open(&p, &r, &f), 0);
	stop = 1;
	ck_assert_int_eq(relay_send(r, message(), &f), -1);
	ck_assert_int_eq(f.interrupted, 1);
	ck_assert_str_eq(smtp_phase_to_text(relay_state_phase(f.state)), "mail");
	relay_close(r);
	/* set while the reply to the final dot is awaited: one second more */
	stop = 0;
	ck_assert_int_eq(relay_open(&p, &r, &f), 0);
	t0 = transport_fake_now(s);
	ck_assert_int_eq(relay_send(r, message(), &f), -1);
	ms = transport_fake_now(s) - t0;
	ck_assert_int_eq(stop, 1);	/* the script's stop step came */
	ck_assert_int_eq(f.interrupted, 1);
	ck_assert_str_eq(smtp_phase_to_text(relay_state_phase(f.state)), "end-of-data");
	/* the 200 ms before the stop, then the grace of exactly one second */
	ck_assert_msg(ms == 1200, "gave up after %llu ms", ms);
	relay_close(r);
	transport_fake_free(s);
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
