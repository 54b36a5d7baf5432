/*
 * probe_fake: the SMTP chain (tcp-connect, greeting, ehlo, peer-product,
 * resend) against the "fake" transport (smtp/transport_fake.h), a peer played from a script
 * in memory with its own clock. No socket, no sleep: a silent peer's
 * timeout moves the fake's clock, so elapsed times and the round's deadline
 * are exact. The same chain against real sockets is check_probe's.
 *
 * Each case of the table is a script and what each of the five layers must
 * report; every case also checks that the client did what the script
 * expected (the fake records a mismatch) and played it to its end.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "smtp/transport_fake.h"
#include "probe_net.h"
#include "smtp/transport.h"
#include "testutil.h"
#include "util/xmem.h"

#define T_MS	1000	/* the probes' timeout in these tests */
#define NSLOTS	5

static const char *const slot_names[NSLOTS] = {
	"tcp-connect", "greeting", "ehlo", "peer-product", "resend"
};

/* Script steps. */
#define SAY(t)		{ FAKE_SAY, (t), 0 }
#define EXPECT(t)	{ FAKE_EXPECT, (t), 0 }
#define DELAY(ms)	{ FAKE_DELAY, NULL, (ms) }
#define CONNFAIL(e)	{ FAKE_CONNECT_FAIL, NULL, (e) }
#define MESSAGE		{ FAKE_MESSAGE, NULL, 0 }
#define SILENT		{ FAKE_SILENT, NULL, 0 }
#define CLOSE		{ FAKE_CLOSE, NULL, 0 }
#define RESET		{ FAKE_RESET, NULL, 0 }
#define GREET		SAY("220 mx.example.com ESMTP Postfix\r\n")
#define EHLO_OK		EXPECT("EHLO probe.test"), SAY("250-mx.example.com\r\n250 SIZE\r\n")
#define QUIT_OK		EXPECT("QUIT"), SAY("221 bye\r\n")
#define MAIL_OK		EXPECT("MAIL FROM:<probe@gw.test>"), SAY("250 ok\r\n")
#define RCPT_OK		EXPECT("RCPT TO:<postmaster@mx.test>"), SAY("250 ok\r\n")
#define DATA_OK		EXPECT("DATA"), SAY("354 go ahead\r\n")

/* What one layer must report; detail: a part of its detail, or NULL. */
struct want {
	enum probe_status	 st;
	const char		*value;
	const char		*detail;
};
#define OBS(v, d)	{ PROBE_OBSERVED, (v), (d) }
#define SKIP(d)		{ PROBE_SKIPPED, NULL, (d) }
#define FAIL(d)		{ PROBE_ERROR, NULL, (d) }

struct chain_case {
	const char			*name;
	const struct transport_fake_step	*steps;
	size_t				 nsteps;
	int				 resend;	/* ask for the test message */
	unsigned			 round_ms;	/* 0: 3 x T_MS */
	struct want			 w[NSLOTS];
	const char			*sent;		/* in what the client sent */
	const char			*not_sent;	/* not in it */
	long				 clock;		/* the fake's clock after; -1: any */
};
#define STEPS(a)	(a), sizeof(a) / sizeof((a)[0])

static struct kb *kb;

static void
setup(void)
{
	kb = tu_kb();
}

static void
teardown(void)
{
	kb_free(kb);
}

/* Run the chain through a fake playing steps. */
static struct transport_fake *
chain_run(struct probe_result **out, const struct transport_fake_step *steps, size_t nsteps,
    int resend, unsigned round_ms, const char *helo)
{
	struct transport_fake *f = transport_fake_new(steps, nsteps);
	struct probe_result *slots = xcalloc(NSLOTS, sizeof(*slots));
	struct probe_params p;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.kb = kb;
	p.host = "192.0.2.25";
	p.timeout_ms = T_MS;
	p.helo_name = helo;
	p.transport = transport_find("fake");
	p.transport_arg = f;
	if (resend) {
		p.resend_from = "probe@gw.test";
		p.resend_to = "postmaster@mx.test";
	}
	for (i = 0; i < NSLOTS; i++)
		probe_result_init(&slots[i], slot_names[i], slot_names[i]);
	probe_net_smtp(&p, "192.0.2.25", 25, T_MS, round_ms ? round_ms : 3 * T_MS, slots);
	*out = slots;	/* free with probe_results_free(slots, NSLOTS) */
	return f;
}

static void
want_check(const char *name, const struct probe_result *x, const struct want *w)
{
	ck_assert_msg(x->status == w->st && (w->value == NULL ? x->value == NULL :
	    x->value != NULL && strcmp(x->value, w->value) == 0),
	    "%s: %s: got %s %s (%s), want %s %s", name, x->probe,
	    probe_status_name(x->status), x->value ? x->value : "-",
	    x->detail ? x->detail : "", probe_status_name(w->st), w->value ? w->value : "-");
	if (w->detail)
		ck_assert_msg(x->detail && strstr(x->detail, w->detail),
		    "%s: %s: detail '%s' lacks '%s'", name, x->probe,
		    x->detail ? x->detail : "(null)", w->detail);
}

static int
has_line(const struct probe_result *x, const char *line)
{
	size_t i;

	for (i = 0; i < x->ntranscript; i++)
		if (strcmp(x->transcript[i], line) == 0)
			return 1;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* The table                                                                */

/* tcp-connect */
static const struct transport_fake_step s_refused[] = { CONNFAIL(ECONNREFUSED) };
static const struct transport_fake_step s_conn_timeout[] = { CONNFAIL(ETIMEDOUT) };
static const struct transport_fake_step s_hostunreach[] = { CONNFAIL(EHOSTUNREACH) };
static const struct transport_fake_step s_netunreach[] = { CONNFAIL(ENETUNREACH) };
static const struct transport_fake_step s_eacces[] = { CONNFAIL(EACCES) };
static const struct transport_fake_step s_conn_reset[] = { CONNFAIL(ECONNRESET) };
/* greeting */
static const struct transport_fake_step s_ok[] = { GREET, EHLO_OK, QUIT_OK };
static const struct transport_fake_step s_g554[] = { SAY("554 no service for you\r\n") };
static const struct transport_fake_step s_g421[] = {
	SAY("421 VMHOST running IBM VM SMTP V2R2 closing\r\n"), CLOSE };
static const struct transport_fake_step s_silent[] = { SILENT };
static const struct transport_fake_step s_partial[] = { SAY("220 mx.exa"), SILENT };
static const struct transport_fake_step s_closed[] = { CLOSE };
static const struct transport_fake_step s_reset[] = { RESET };
static const struct transport_fake_step s_bare_lf[] = {
	SAY("220 bare line feed\n"), EHLO_OK, QUIT_OK };
static const struct transport_fake_step s_not_smtp[] = { SAY("HTTP/1.0 400 Bad Request\r\n") };
static const struct transport_fake_step s_g_slow[] = {
	DELAY(T_MS - 1), GREET, EHLO_OK, QUIT_OK };
static const struct transport_fake_step s_g_late[] = { DELAY(T_MS + 1), GREET };
/* A peer that keeps sending continuation lines, one every 300 ms. */
static const struct transport_fake_step s_g_endless[] = {
	SAY("220-mx.example.com\r\n"), DELAY(300), SAY("220-more\r\n"), DELAY(300),
	SAY("220-more\r\n"), DELAY(300), SAY("220-more\r\n"), DELAY(300),
	SAY("220-more\r\n"), DELAY(300), SAY("220-more\r\n"), SILENT };
/* ... or as many as it can at once: 101 lines, none the last. */
#define L10	"220-ten lines\r\n220-ten lines\r\n220-ten lines\r\n220-ten lines\r\n" \
		"220-ten lines\r\n220-ten lines\r\n220-ten lines\r\n220-ten lines\r\n" \
		"220-ten lines\r\n220-ten lines\r\n"
static const struct transport_fake_step s_g_flood[] = {
	SAY(L10 L10 L10 L10 L10 L10 L10 L10 L10 L10 "220-one more\r\n"), SILENT };
/* 99 continuation lines and the last one: a long reply that ends is fine. */
static const struct transport_fake_step s_g_hundred[] = {
	SAY(L10 L10 L10 L10 L10 L10 L10 L10 L10 "220-ten lines\r\n220-ten lines\r\n"
	    "220-ten lines\r\n220-ten lines\r\n220-ten lines\r\n220-ten lines\r\n"
	    "220-ten lines\r\n220-ten lines\r\n220-ten lines\r\n220 the last\r\n"),
	EHLO_OK, QUIT_OK };
/* 5000 bytes in one line that arrives whole, and a line of exactly 4096. */
#define X100	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define X1000	X100 X100 X100 X100 X100 X100 X100 X100 X100 X100
static const struct transport_fake_step s_g_5000[] = {
	SAY("220 " X1000 X1000 X1000 X1000 X1000 "\r\n") };
static const struct transport_fake_step s_g_4096[] = {
	SAY("220 " X1000 X1000 X1000 X1000 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"), EHLO_OK, QUIT_OK };
static const struct transport_fake_step s_ehlo_endless[] = {
	GREET, EXPECT("EHLO"), SAY("250-mx\r\n"), DELAY(300), SAY("250-SIZE\r\n"), SILENT };
static const struct transport_fake_step s_g_long[] = {
	SAY("220-mx.example.com\r\n"), SAY("220-"), DELAY(T_MS / 2), SAY("second line\r\n"),
	SAY("220 third line\r\n"), EHLO_OK, QUIT_OK };
/* ehlo */
static const struct transport_fake_step s_helo_only[] = {
	GREET, EXPECT("EHLO probe.test"), SAY("500 command unrecognized\r\n"),
	EXPECT("HELO probe.test"), SAY("250 VMHOST\r\n"), QUIT_OK };
static const struct transport_fake_step s_helo_domain[] = {
	GREET, EXPECT("EHLO"), SAY("500 what\r\n"),
	EXPECT("HELO"), SAY("501 HELO requires domain address\r\n"), QUIT_OK };
static const struct transport_fake_step s_helo_rejected[] = {
	GREET, EXPECT("EHLO"), SAY("550 go away\r\n"),
	EXPECT("HELO"), SAY("550 still no\r\n"), QUIT_OK };
static const struct transport_fake_step s_ehlo_421[] = {
	GREET, EXPECT("EHLO"), SAY("421 too busy\r\n"), QUIT_OK };
static const struct transport_fake_step s_ehlo_silent[] = { GREET, EXPECT("EHLO"), SILENT };
static const struct transport_fake_step s_ehlo_closed[] = { GREET, EXPECT("EHLO"), CLOSE };
static const struct transport_fake_step s_helo_reset[] = {
	GREET, EXPECT("EHLO"), SAY("502 no\r\n"), EXPECT("HELO"), RESET };
static const struct transport_fake_step s_ehlo_slow[] = {
	GREET, EXPECT("EHLO"), DELAY(T_MS / 2), SAY("250 mx\r\n"), QUIT_OK };
/* peer-product */
static const struct transport_fake_step s_vm[] = {
	SAY("220 VMHOST.EXAMPLE.COM running ibm vm smtp v2r2 on Tue, 07 Mar 95\r\n"),
	EHLO_OK, QUIT_OK };
static const struct transport_fake_step s_tcpip[] = {
	SAY("220-MVS1.EXAMPLE.COM\r\n220 running IBM TCP/IP V2R2 SMTP Server\r\n"),
	EHLO_OK, QUIT_OK };
static const struct transport_fake_step s_tcpip_v3[] = {
	SAY("220 host.example.com IBM TCP/IP for MVS Version 3 Release 1 ready\r\n"),
	EHLO_OK, QUIT_OK };
/* resend */
static const struct transport_fake_step s_delivered[] = {
	GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK, MESSAGE, SAY("250 queued as 4A2B\r\n"),
	QUIT_OK };
static const struct transport_fake_step s_rcpt_251[] = {
	GREET, EHLO_OK, MAIL_OK, EXPECT("RCPT TO:"), SAY("251 user not local; will forward\r\n"),
	DATA_OK, MESSAGE, SAY("250 ok\r\n"), QUIT_OK };
static const struct transport_fake_step s_mail_refused[] = {
	GREET, EHLO_OK, EXPECT("MAIL FROM:"), SAY("553 sender refused\r\n"), QUIT_OK };
static const struct transport_fake_step s_rcpt_refused[] = {
	GREET, EHLO_OK, MAIL_OK, EXPECT("RCPT TO:"), SAY("550 no such user\r\n"), QUIT_OK };
static const struct transport_fake_step s_rcpt_4xx[] = {
	GREET, EHLO_OK, MAIL_OK, EXPECT("RCPT TO:"), SAY("450 try later\r\n"), QUIT_OK };
static const struct transport_fake_step s_data_refused[] = {
	GREET, EHLO_OK, MAIL_OK, RCPT_OK, EXPECT("DATA"), SAY("554 no valid recipients\r\n"),
	QUIT_OK };
static const struct transport_fake_step s_dot_refused[] = {
	GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK, MESSAGE, SAY("552 too big\r\n"), QUIT_OK };
static const struct transport_fake_step s_closed_in_data[] = {
	GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK, CLOSE };
static const struct transport_fake_step s_reset_in_rcpt[] = {
	GREET, EHLO_OK, MAIL_OK, EXPECT("RCPT TO:"), RESET };
static const struct transport_fake_step s_silent_after_dot[] = {
	GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK, MESSAGE, SILENT };
/* the round's time */
static const struct transport_fake_step s_none[] = { GREET };
static const struct transport_fake_step s_round_edge[] = {
	DELAY(T_MS), GREET, EXPECT("EHLO"), DELAY(T_MS / 2), SAY("250 mx\r\n") };
static const struct transport_fake_step s_round_late_resend[] = {
	DELAY(800), GREET, EXPECT("EHLO"), DELAY(800), SAY("250 mx\r\n"), QUIT_OK };
static const struct transport_fake_step s_round_no_ehlo[] = { DELAY(600), GREET };

static const struct chain_case cases[] = {
	/* tcp-connect: each outcome; the layers after it are skipped. */
	{ "refused", STEPS(s_refused), 1, 0, {
	    OBS("refused", "nothing listens on port 25"), SKIP("no TCP connection"),
	    SKIP("no TCP connection"), SKIP("no TCP connection"),
	    SKIP("no TCP connection") }, NULL, NULL, 0 },
	{ "connect timeout", STEPS(s_conn_timeout), 0, 0, {
	    OBS("timeout", "no answer from 192.0.2.25:25 in 1000 ms"),
	    SKIP("no TCP connection"), SKIP(NULL), SKIP(NULL),
	    SKIP("not asked for") }, NULL, NULL, T_MS },
	{ "host unreachable", STEPS(s_hostunreach), 0, 0, {
	    OBS("unreachable", "No route to host"), SKIP(NULL), SKIP(NULL), SKIP(NULL),
	    SKIP(NULL) }, NULL, NULL, 0 },
	{ "network unreachable", STEPS(s_netunreach), 0, 0, {
	    OBS("unreachable", "Network is unreachable"), SKIP(NULL), SKIP(NULL),
	    SKIP(NULL), SKIP(NULL) }, NULL, NULL, 0 },
	{ "connect: another error", STEPS(s_eacces), 0, 0, {
	    FAIL("192.0.2.25:25: Permission denied"), SKIP(NULL), SKIP(NULL), SKIP(NULL),
	    SKIP(NULL) }, NULL, NULL, 0 },
	{ "connected, then reset", STEPS(s_conn_reset), 1, 0, {
	    OBS("connected", "then reset at once"),
	    OBS("closed", "the server reset the connection before greeting"),
	    SKIP("no 220 greeting"), SKIP("no greeting to recognise"),
	    SKIP("no 220 greeting") }, NULL, "EHLO", 0 },
	/* greeting */
	{ "greeting ok", STEPS(s_ok), 0, 0, {
	    OBS("connected", "in 0 ms"), OBS("ok", "220 mx.example.com ESMTP Postfix"),
	    OBS("ok", "EHLO accepted: 250-mx.example.com"), OBS("other", NULL),
	    SKIP("not asked for") }, "EHLO probe.test\r\nQUIT\r\n", "HELO", 0 },
	{ "greeting 554", STEPS(s_g554), 1, 0, {
	    OBS("connected", NULL), OBS("rejected", "554 no service for you"),
	    SKIP("no 220 greeting"), OBS("other", NULL), SKIP("no 220 greeting") },
	    NULL, "EHLO", 0 },
	{ "greeting 421 names the product", STEPS(s_g421), 0, 0, {
	    OBS("connected", NULL), OBS("rejected", "421 VMHOST"), SKIP(NULL),
	    OBS("ibm-vm-smtp-v2r2", "IBM VM SMTP V2R2"), SKIP(NULL) }, NULL, NULL, 0 },
	{ "greeting silent", STEPS(s_silent), 1, 0, {
	    OBS("connected", NULL), OBS("silent", "no greeting in 1000 ms"),
	    SKIP("no 220 greeting"), SKIP("no greeting to recognise the peer by"),
	    SKIP("no 220 greeting") }, NULL, NULL, T_MS },
	/* Something came, so the peer is not silent: its greeting never ended. */
	{ "greeting: part of a line", STEPS(s_partial), 0, 0, {
	    OBS("connected", NULL), OBS("unfinished", "10 bytes without a line end"),
	    SKIP(NULL), SKIP(NULL), SKIP(NULL) }, NULL, NULL, T_MS },
	{ "greeting: continuation lines until the deadline", STEPS(s_g_endless), 1, 0, {
	    OBS("connected", NULL), OBS("unfinished", "did not end in 1000 ms: 4 "
	    "continuation lines and no last line: 220-mx.example.com"),
	    SKIP("no 220 greeting"), OBS("other", NULL), SKIP("no 220 greeting") },
	    NULL, "EHLO", T_MS },
	{ "greeting: more continuation lines than the limit", STEPS(s_g_flood), 0, 0, {
	    OBS("connected", NULL), OBS("unfinished", "did not end after 100 lines"),
	    SKIP("no 220 greeting"), OBS("other", NULL), SKIP(NULL) }, NULL, "EHLO", 0 },
	{ "greeting: 100 lines that end", STEPS(s_g_hundred), 0, 0, {
	    OBS("connected", NULL), OBS("ok", "220-ten lines"), OBS("ok", NULL),
	    OBS("other", NULL), SKIP(NULL) }, "QUIT", NULL, 0 },
	{ "greeting: a 5000-byte line in one piece", STEPS(s_g_5000), 0, 0, {
	    OBS("connected", NULL), FAIL("a reply line longer than 4096 bytes"),
	    SKIP("no 220 greeting"), SKIP(NULL), SKIP(NULL) }, NULL, "EHLO", 0 },
	{ "greeting: a line of 4096 bytes", STEPS(s_g_4096), 0, 0, {
	    OBS("connected", NULL), OBS("ok", "220 xxx"), OBS("ok", NULL),
	    OBS("other", NULL), SKIP(NULL) }, "QUIT", NULL, 0 },
	{ "ehlo: continuation lines until the deadline", STEPS(s_ehlo_endless), 0, 0, {
	    OBS("connected", NULL), OBS("ok", NULL),
	    FAIL("after EHLO: a reply that did not end"), OBS("other", NULL), SKIP(NULL) },
	    "EHLO", NULL, -1 },
	{ "greeting: closed", STEPS(s_closed), 0, 0, {
	    OBS("connected", NULL), OBS("closed", "the server closed the connection"),
	    SKIP("no 220 greeting"), SKIP(NULL), SKIP(NULL) }, NULL, NULL, 0 },
	{ "greeting: reset", STEPS(s_reset), 0, 0, {
	    OBS("connected", NULL), OBS("closed", "the server reset the connection"),
	    SKIP(NULL), SKIP(NULL), SKIP(NULL) }, NULL, NULL, 0 },
	{ "greeting: bare LF", STEPS(s_bare_lf), 0, 0, {
	    OBS("connected", NULL), OBS("bare-lf", "ended in a bare line feed"),
	    OBS("ok", NULL), OBS("other", NULL), SKIP(NULL) }, "QUIT", NULL, 0 },
	{ "greeting: not SMTP", STEPS(s_not_smtp), 0, 0, {
	    OBS("connected", NULL), FAIL("not an SMTP greeting: HTTP/1.0 400"),
	    SKIP("no 220 greeting"), SKIP("no greeting to recognise"), SKIP(NULL) },
	    NULL, "EHLO", 0 },
	{ "greeting just inside the timeout", STEPS(s_g_slow), 0, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL), OBS("other", NULL),
	    SKIP(NULL) }, "QUIT", NULL, T_MS - 1 },
	{ "greeting just after the timeout", STEPS(s_g_late), 0, 0, {
	    OBS("connected", NULL), OBS("silent", NULL), SKIP(NULL), SKIP(NULL),
	    SKIP(NULL) }, NULL, "EHLO", T_MS },
	{ "greeting: three lines, one in two pieces", STEPS(s_g_long), 0, 0, {
	    OBS("connected", NULL), OBS("ok", "220-mx.example.com"), OBS("ok", NULL),
	    OBS("other", NULL), SKIP(NULL) }, NULL, NULL, T_MS / 2 },
	/* ehlo */
	{ "ehlo: helo-only", STEPS(s_helo_only), 0, 0, {
	    OBS("connected", NULL), OBS("ok", NULL),
	    OBS("helo-only", "EHLO refused, HELO accepted: 250 VMHOST"), OBS("other", NULL),
	    SKIP(NULL) }, "EHLO probe.test\r\nHELO probe.test\r\nQUIT\r\n", NULL, 0 },
	{ "ehlo: helo-domain-required", STEPS(s_helo_domain), 1, 0, {
	    OBS("connected", NULL), OBS("ok", NULL),
	    OBS("helo-domain-required", "HELO refused: 501 HELO requires domain"),
	    OBS("other", NULL), SKIP("EHLO and HELO were not accepted") },
	    "HELO probe.test\r\nQUIT", "MAIL", 0 },
	{ "ehlo: both rejected", STEPS(s_helo_rejected), 1, 0, {
	    OBS("connected", NULL), OBS("ok", NULL),
	    OBS("rejected", "EHLO and HELO refused: 550 still no"), OBS("other", NULL),
	    SKIP("EHLO and HELO were not accepted") }, NULL, "MAIL", 0 },
	{ "ehlo: 421, no HELO", STEPS(s_ehlo_421), 0, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("rejected", "EHLO refused: 421"),
	    OBS("other", NULL), SKIP(NULL) }, NULL, "HELO", 0 },
	{ "ehlo: no answer", STEPS(s_ehlo_silent), 1, 0, {
	    OBS("connected", NULL), OBS("ok", NULL),
	    FAIL("after EHLO: no answer before the deadline"), OBS("other", NULL),
	    SKIP("EHLO and HELO were not accepted") }, NULL, NULL, -1 },
	{ "ehlo: closed", STEPS(s_ehlo_closed), 0, 0, {
	    OBS("connected", NULL), OBS("ok", NULL),
	    FAIL("after EHLO: the server closed the connection"), OBS("other", NULL),
	    SKIP(NULL) }, NULL, NULL, 0 },
	{ "ehlo: reset after HELO", STEPS(s_helo_reset), 0, 0, {
	    OBS("connected", NULL), OBS("ok", NULL),
	    FAIL("after HELO: the server reset the connection"), OBS("other", NULL),
	    SKIP(NULL) }, NULL, NULL, 0 },
	{ "ehlo: slow answer", STEPS(s_ehlo_slow), 0, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL), OBS("other", NULL),
	    SKIP(NULL) }, "QUIT", NULL, T_MS / 2 },
	/* peer-product */
	{ "product: IBM VM SMTP", STEPS(s_vm), 0, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL),
	    OBS("ibm-vm-smtp-v2r2", "the greeting names IBM VM SMTP V2R2"), SKIP(NULL) },
	    NULL, NULL, 0 },
	{ "product: IBM TCP/IP on the second line", STEPS(s_tcpip), 0, 0, {
	    OBS("connected", NULL), OBS("ok", "220-MVS1.EXAMPLE.COM"), OBS("ok", NULL),
	    OBS("ibm-tcpip-v2r2", NULL), SKIP(NULL) }, NULL, NULL, 0 },
	{ "product: IBM TCP/IP V3 is other", STEPS(s_tcpip_v3), 0, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL),
	    OBS("other", "no product the rule base knows"), SKIP(NULL) }, NULL, NULL, 0 },
	/* resend */
	{ "resend: delivered", STEPS(s_delivered), 1, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL), OBS("other", NULL),
	    OBS("delivered", "accepted after the final dot: 250 queued as 4A2B") },
	    "MAIL FROM:<probe@gw.test>\r\nRCPT TO:<postmaster@mx.test>\r\nDATA\r\n"
	    "From: <probe@gw.test>\r\n", NULL, 0 },
	{ "resend: 251 for the recipient", STEPS(s_rcpt_251), 1, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL), OBS("other", NULL),
	    OBS("delivered", NULL) }, "\r\n.\r\nQUIT\r\n", NULL, 0 },
	{ "resend: refused at MAIL", STEPS(s_mail_refused), 1, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL), OBS("other", NULL),
	    OBS("failed", "MAIL FROM refused: 553 sender refused") }, NULL, "RCPT", 0 },
	{ "resend: refused at RCPT", STEPS(s_rcpt_refused), 1, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL), OBS("other", NULL),
	    OBS("failed", "RCPT TO refused: 550 no such user") }, NULL, "DATA", 0 },
	{ "resend: 4xx at RCPT", STEPS(s_rcpt_4xx), 1, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL), OBS("other", NULL),
	    OBS("failed", "RCPT TO refused: 450 try later") }, NULL, "DATA", 0 },
	{ "resend: refused at DATA", STEPS(s_data_refused), 1, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL), OBS("other", NULL),
	    OBS("failed", "DATA refused: 554 no valid recipients") }, NULL, "Subject", 0 },
	{ "resend: refused at the dot", STEPS(s_dot_refused), 1, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL), OBS("other", NULL),
	    OBS("failed", "the final dot refused: 552 too big") }, NULL, NULL, 0 },
	{ "resend: closed in DATA", STEPS(s_closed_in_data), 1, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL), OBS("other", NULL),
	    OBS("failed", "after the final dot: the server closed the connection") },
	    NULL, NULL, 0 },
	{ "resend: reset at RCPT", STEPS(s_reset_in_rcpt), 1, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL), OBS("other", NULL),
	    OBS("failed", "after RCPT TO: the server reset the connection") }, NULL, NULL,
	    0 },
	{ "resend: no answer to the dot", STEPS(s_silent_after_dot), 1, 0, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL), OBS("other", NULL),
	    OBS("failed", "after the final dot: no answer before the deadline") },
	    NULL, NULL, -1 },
	/*
	 * The round's time: a layer starts only while a whole timeout is left,
	 * and never on a shorter deadline.
	 */
	{ "round: less than one timeout", STEPS(s_none), 1, T_MS - 1, {
	    SKIP("the round's time ran out before this layer"),
	    SKIP("no TCP connection (out of the round's time)"),
	    SKIP("no TCP connection (out of the round's time)"),
	    SKIP("no TCP connection (out of the round's time)"),
	    SKIP("no TCP connection (out of the round's time)") }, NULL, NULL, 0 },
	{ "round: a whole timeout left is enough", STEPS(s_round_edge), 0, 2 * T_MS, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL), OBS("other", NULL),
	    SKIP("not asked for") }, "QUIT", NULL, T_MS + T_MS / 2 },
	{ "round: resend out of time, QUIT in what is left", STEPS(s_round_late_resend), 1,
	    2500, {
	    OBS("connected", NULL), OBS("ok", NULL), OBS("ok", NULL), OBS("other", NULL),
	    SKIP("the round's time ran out before this layer") }, "QUIT", "MAIL", 1600 },
	{ "round: a slow greeting leaves no time for EHLO", STEPS(s_round_no_ehlo), 1,
	    T_MS + T_MS / 2, {
	    OBS("connected", NULL), OBS("ok", NULL),
	    SKIP("the round's time ran out before this layer"), OBS("other", NULL),
	    SKIP("no EHLO (out of the round's time)") }, NULL, "EHLO", 600 },
};

START_TEST(chain)
{
	const struct chain_case *c = &cases[_i];
	struct probe_result *slots;
	struct transport_fake *f = chain_run(&slots, c->steps, c->nsteps, c->resend, c->round_ms,
	    "probe.test");
	size_t i;

	for (i = 0; i < NSLOTS; i++)
		want_check(c->name, &slots[i], &c->w[i]);
	ck_assert_msg(transport_fake_error(f) == NULL, "%s: %s", c->name, transport_fake_error(f));
	/* Played to its end, unless the peer fell silent (at the end, or a
	   greeting too late) or there was no connection. */
	if (transport_fake_connects(f) > 0 && c->steps[c->nsteps - 1].op != FAKE_SILENT &&
	    !(slots[1].value && strcmp(slots[1].value, "silent") == 0))
		ck_assert_msg(transport_fake_played(f) == c->nsteps,
		    "%s: played %zu of %zu steps", c->name, transport_fake_played(f), c->nsteps);
	else if (transport_fake_connects(f) == 0)
		ck_assert_uint_eq(transport_fake_played(f), 0);
	if (c->sent)
		ck_assert_contains(transport_fake_sent(f), c->sent);
	if (c->not_sent)
		ck_assert_not_contains(transport_fake_sent(f), c->not_sent);
	if (c->clock >= 0)
		ck_assert_msg(transport_fake_now(f) == (unsigned long long)c->clock,
		    "%s: the fake's clock is %llu, want %ld", c->name, transport_fake_now(f),
		    c->clock);
	probe_results_free(slots, NSLOTS);
	transport_fake_free(f);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Single cases                                                             */

START_TEST(find_by_name)
{
	ck_assert_ptr_eq(transport_find("tcp"), &transport_tcp);
	ck_assert_ptr_eq(transport_find("fake"), &transport_fake);
	ck_assert_str_eq(transport_find("tcp")->name, "tcp");
	ck_assert_str_eq(transport_find("fake")->name, "fake");
	ck_assert_ptr_null(transport_find("udp"));
	ck_assert_ptr_null(transport_find(""));
	ck_assert_str_eq(transport_fake_op_name(FAKE_EXPECT), "expect");
	ck_assert_str_eq(transport_fake_op_name((enum transport_fake_op)99), "?");
}
END_TEST

/* The exact elapsed times come from the fake's clock. */
START_TEST(elapsed_from_the_fake_clock)
{
	static const struct transport_fake_step steps[] = {
		DELAY(250), GREET, EXPECT("EHLO"), DELAY(125), SAY("250 mx\r\n"),
		MAIL_OK, RCPT_OK, DATA_OK, MESSAGE, DELAY(400), SAY("250 ok\r\n"), QUIT_OK };
	struct probe_result *s;
	struct transport_fake *f = chain_run(&s, STEPS(steps), 1, 0, "probe.test");

	ck_assert_uint_eq(s[0].elapsed_ms, 0);
	ck_assert_uint_eq(s[1].elapsed_ms, 250);
	ck_assert_uint_eq(s[2].elapsed_ms, 125);
	ck_assert_str_eq(s[4].value, "delivered");
	ck_assert_uint_eq(s[4].elapsed_ms, 400);
	ck_assert_uint_eq(transport_fake_now(f), 775);
	probe_results_free(s, NSLOTS);
	transport_fake_free(f);
}
END_TEST

/* Without a HELO name a 501 to HELO is about the domain, whatever its text. */
START_TEST(helo_without_a_name)
{
	static const struct transport_fake_step steps[] = {
		GREET, EXPECT("EHLO"), SAY("500 no\r\n"), EXPECT("HELO"), SAY("501 syntax\r\n"),
		QUIT_OK };
	struct probe_result *s;
	struct transport_fake *f = chain_run(&s, STEPS(steps), 0, 0, "");

	ck_assert_str_eq(s[2].value, "helo-domain-required");
	ck_assert_contains(s[2].detail, "HELO without a host name refused");
	ck_assert_contains(transport_fake_sent(f), "EHLO\r\nHELO\r\n");
	ck_assert_ptr_null(transport_fake_error(f));
	probe_results_free(s, NSLOTS);
	transport_fake_free(f);
}
END_TEST

/* The transcript carries both sides, with the message text summarised. */
START_TEST(transcripts)
{
	static const struct transport_fake_step steps[] = {
		GREET, EHLO_OK, MAIL_OK, RCPT_OK, DATA_OK, MESSAGE, SAY("250 ok\r\n"), QUIT_OK };
	struct probe_result *s;
	struct transport_fake *f = chain_run(&s, STEPS(steps), 1, 0, "probe.test");

	ck_assert(has_line(&s[1], "S: 220 mx.example.com ESMTP Postfix"));
	ck_assert(has_line(&s[2], "C: EHLO probe.test"));
	ck_assert(has_line(&s[2], "S: 250 SIZE"));
	ck_assert(has_line(&s[2], "C: QUIT"));	/* the session's end goes with ehlo */
	ck_assert(has_line(&s[2], "S: 221 bye"));
	ck_assert(has_line(&s[4], "C: MAIL FROM:<probe@gw.test>"));
	ck_assert(has_line(&s[4], "C: (message text)"));
	ck_assert(has_line(&s[4], "S: 354 go ahead"));
	ck_assert_str_eq(s[0].target, "192.0.2.25:25");
	ck_assert_str_eq(s[4].target, "postmaster@mx.test");
	probe_results_free(s, NSLOTS);
	transport_fake_free(f);
}
END_TEST

/* The fake notices a client that strays from the script (so the table's
 * check that it did not can fail). */
START_TEST(script_mismatch_is_reported)
{
	static const struct transport_fake_step steps[] = {
		GREET, EXPECT("HELO"), SAY("250 mx\r\n") };
	static const struct transport_fake_step late_fail[] = { GREET, CONNFAIL(ECONNREFUSED) };
	struct probe_result *s;
	struct transport_fake *f = chain_run(&s, STEPS(steps), 0, 0, "probe.test");

	ck_assert_ptr_nonnull(transport_fake_error(f));
	ck_assert_str_eq(transport_fake_error(f),
	    "step 2 (expect \"HELO\"): the client sent \"EHLO probe.test\"");
	ck_assert_uint_eq(transport_fake_played(f), 1);
	/* The peer reset the connection. */
	ck_assert_contains(s[2].detail, "reset");
	probe_results_free(s, NSLOTS);
	transport_fake_free(f);

	f = chain_run(&s, STEPS(late_fail), 0, 0, "probe.test");
	ck_assert_str_eq(transport_fake_error(f),
	    "step 2 (connect-fail): only the first step may be connect-fail");
	probe_results_free(s, NSLOTS);
	transport_fake_free(f);
}
END_TEST

/* A connect to 192.0.2.1:25 through t, with arg f and 1000 ms. */
static int
fake_open(const struct transport *t, struct transport_fake *f, struct transport_conn **c,
    int *e)
{
	struct transport_params tp;

	memset(&tp, 0, sizeof(tp));
	tp.host = "192.0.2.1";
	tp.port = 25;
	tp.numeric = 1;
	tp.connect_ms = 1000;
	tp.arg = f;
	return t->open(&tp, c, e);
}

/* The transport's calls themselves. */
START_TEST(transport_calls)
{
	static const struct transport_fake_step steps[] = {
		SAY("220 hi\r\n"), EXPECT("PING"), DELAY(300), SAY("250 pong\r\n"), RESET };
	const struct transport *t = transport_find("fake");
	struct transport_fake *f = transport_fake_new(STEPS(steps));
	struct transport_conn *c;
	char b[64];
	int e = 0;

	ck_assert_int_eq(fake_open(t, NULL, &c, &e), -1);
	ck_assert_int_eq(e, ENXIO);
	ck_assert_int_eq(fake_open(t, f, &c, &e), 0);
	ck_assert_uint_eq(transport_fake_connects(f), 1);
	ck_assert_int_eq(t->wait(c, TRANSPORT_WAIT_READ, 1000, &e), 1);
	ck_assert_int_eq((int)t->recv(c, b, 3, &e), 3);
	ck_assert_int_eq((int)t->recv(c, b, sizeof(b), &e), 5);
	ck_assert_int_eq((int)t->recv(c, b, sizeof(b), &e), -1);
	ck_assert_int_eq(e, EAGAIN);
	/* The peer waits for our line: a wait times out at once. */
	ck_assert_int_eq(t->wait(c, TRANSPORT_WAIT_READ, 100, &e), 0);
	ck_assert_uint_eq(t->now_ms(f), 100);
	ck_assert_int_eq(t->wait(c, TRANSPORT_WAIT_WRITE, 100, &e), 1);
	ck_assert_int_eq((int)t->send(c, "PI", 2, 0, &e), 2);
	ck_assert_int_eq((int)t->send(c, "NG\r\n", 4, 0, &e), 4);
	/* The delay spans two waits: 200 ms of it, then the rest. */
	ck_assert_int_eq(t->wait(c, TRANSPORT_WAIT_READ, 300, &e), 0);
	ck_assert_uint_eq(t->now_ms(f), 300);
	ck_assert_int_eq(t->wait(c, TRANSPORT_WAIT_READ, 10000, &e), 1);
	ck_assert_uint_eq(t->now_ms(f), 400);
	ck_assert_int_eq((int)t->recv(c, b, sizeof(b), &e), 10);
	ck_assert_int_eq((int)t->recv(c, b, sizeof(b), &e), -1);
	ck_assert_int_eq(e, ECONNRESET);
	ck_assert_int_eq((int)t->send(c, "QUIT\r\n", 6, 0, &e), -1);
	ck_assert_int_eq(e, ECONNRESET);
	ck_assert_str_eq(transport_fake_sent(f), "PING\r\n");
	ck_assert_uint_eq(transport_fake_played(f), 5);
	t->close(c);
	t->close(NULL);
	transport_fake_free(f);
	transport_fake_free(NULL);
}
END_TEST

/*
 * A whole round through probe_run() with the fake: the SMTP chain plays the
 * script, while dns (an address literal) and the pings stay real (loopback
 * only; the routing table has no default route).
 */
START_TEST(round_through_probe_run)
{
	static const struct transport_fake_step steps[] = {
		SAY("220 MVS1 running IBM TCP/IP V2R2 SMTP Server\r\n"), EXPECT("EHLO"),
		SAY("500 unknown\r\n"), EXPECT("HELO"), SAY("250 MVS1\r\n"), QUIT_OK };
	char *routes = tu_scratch_path("route-none");
	struct transport_fake *f = transport_fake_new(STEPS(steps));
	struct probe_params p;
	struct probe_round *r = NULL;
	char err[ERR_LEN];
	size_t i;
	int seen = 0;

	tu_write_str(routes,
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	    "lo\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n");
	memset(&p, 0, sizeof(p));
	p.kb = kb;
	p.host = "127.0.0.1";
	p.port = 2525;
	p.timeout_ms = T_MS;
	p.helo_name = "probe.test";
	p.route_file = routes;
	p.transport = transport_find("fake");
	p.transport_arg = f;
	ck_assert_msg(probe_run(&p, &r, err) == 0, "%s", err);
	for (i = 0; i < r->nresults; i++) {
		const struct probe_result *x = &r->results[i];

		if (strcmp(x->probe, "tcp-connect") == 0) {
			ck_assert_str_eq(x->value, "connected");
			ck_assert_str_eq(x->target, "127.0.0.1:2525");
			seen++;
		} else if (strcmp(x->probe, "ehlo") == 0) {
			ck_assert_str_eq(x->value, "helo-only");
			seen++;
		} else if (strcmp(x->probe, "peer-product") == 0) {
			ck_assert_str_eq(x->value, "ibm-tcpip-v2r2");
			seen++;
		} else if (strcmp(x->probe, "dns") == 0) {
			ck_assert_str_eq(x->value, "resolved");
			seen++;
		}
	}
	ck_assert_int_eq(seen, 4);
	ck_assert_ptr_null(transport_fake_error(f));
	ck_assert_uint_eq(transport_fake_connects(f), 1);
	probe_round_free(r);
	transport_fake_free(f);
	free(routes);
}
END_TEST

Suite *
probe_fake_suite(void)
{
	Suite *s = suite_create("probe_fake");
	TCase *tc = tcase_create("probe_fake");

	/* The rule base is only read: load it once, before the tests fork. */
	tcase_add_unchecked_fixture(tc, setup, teardown);
	tcase_add_unchecked_fixture(tc, tu_scratch_setup, tu_scratch_teardown);
	tcase_add_loop_test(tc, chain, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, find_by_name);
	tcase_add_test(tc, elapsed_from_the_fake_clock);
	tcase_add_test(tc, helo_without_a_name);
	tcase_add_test(tc, transcripts);
	tcase_add_test(tc, script_mismatch_is_reported);
	tcase_add_test(tc, transport_calls);
	tcase_add_test(tc, round_through_probe_run);
	suite_add_tcase(s, tc);
	return s;
}
