/*
 * probe: rounds against real sockets on 127.0.0.1 (small scripted SMTP
 * listeners in threads), DOS trees built in a temporary directory, and
 * dnsmasq on loopback for DNS (SKIP when it cannot start). No test uses the
 * machine's resolver or its default gateway: every round that pings the
 * gateway reads a routing table the test writes.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "probe.h"
#include "probe_dos.h"
#include "render_json.h"
#include "render_probe.h"
#include "testutil.h"
#include "util/xmem.h"

#define T_MS	1000	/* the probes' timeout in these tests */

static char *
pjoin(const char *a, const char *b)
{
	struct buf x = BUF_INIT;

	buf_printf(&x, "%s/%s", a, b);
	return buf_detach(&x);
}

/* ---------------------------------------------------------------------- */
/* A scripted SMTP listener                                                 */

/*
 * script[0] is sent on accept (NULL: close at once; "": say nothing and
 * wait; "~MS text": wait MS milliseconds first); each later entry answers one line read. After a 354 the message is
 * read up to its final dot. Replies are sent as written (put in the CR LF).
 */
struct srv {
	int			 fd;
	unsigned		 port;
	const char * const	*script;
	pthread_t		 t;
	int			 running;
};

static int
srv_listen(unsigned *port)
{
	int fd = tu_loopback_bind(SOCK_STREAM, port);

	ck_assert_int_eq(listen(fd, 4), 0);
	return fd;
}

/* One line from c (up to LF), 0 at EOF or after 5 s. */
static int
srv_line(int c, char *line, size_t max)
{
	size_t n = 0;

	while (n + 1 < max) {
		struct pollfd p = { c, POLLIN, 0 };
		char ch;

		if (poll(&p, 1, 5000) <= 0 || read(c, &ch, 1) != 1)
			return 0;
		line[n++] = ch;
		if (ch == '\n')
			break;
	}
	line[n] = '\0';
	return 1;
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	struct pollfd p = { s->fd, POLLIN, 0 };
	char line[1024];
	size_t i;
	int c;

	if (poll(&p, 1, 10000) <= 0 || (c = accept(s->fd, NULL, NULL)) < 0)
		return NULL;
	if (s->script[0] == NULL)
		goto out;
	if (s->script[0][0] == '\0') {
		(void)srv_line(c, line, sizeof(line));	/* until the client goes */
		goto out;
	}
	{
		/* "~MS rest": wait MS milliseconds, then greet with rest */
		const char *g = s->script[0];

		if (g[0] == '~') {
			char *end;

			usleep((useconds_t)strtoul(g + 1, &end, 10) * 1000);
			g = end + 1;
		}
		(void)!write(c, g, strlen(g));
	}
	for (i = 1; s->script[i]; i++) {
		if (!srv_line(c, line, sizeof(line)))
			goto out;
		(void)!write(c, s->script[i], strlen(s->script[i]));
		/* After a 354, the message up to its dot; then the next reply. */
		if (strncmp(s->script[i], "354", 3) == 0 && s->script[i + 1]) {
			while (srv_line(c, line, sizeof(line)) && strcmp(line, ".\r\n") != 0)
				;
			i++;
			(void)!write(c, s->script[i], strlen(s->script[i]));
		}
	}
	/* Wait for QUIT (or the close), so the client never sees a reset. */
	(void)srv_line(c, line, sizeof(line));
	(void)!write(c, "221 bye\r\n", 9);
out:
	close(c);
	return NULL;
}

static void
srv_start(struct srv *s, const char * const *script)
{
	memset(s, 0, sizeof(*s));
	s->script = script;
	s->fd = srv_listen(&s->port);
	ck_assert_int_eq(pthread_create(&s->t, NULL, srv_main, s), 0);
	s->running = 1;
}

static void
srv_stop(struct srv *s)
{
	if (s->running)
		pthread_join(s->t, NULL);
	close(s->fd);
}

/* ---------------------------------------------------------------------- */
/* Rounds                                                                   */

static struct kb *kb;
static char *dir;		/* a scratch directory per test */
static char *routes_none;	/* a routing table without a default route */

static void
setup(void)
{
	kb = tu_kb();
	dir = tu_tmpdir();
	routes_none = pjoin(dir, "route-none");
	tu_write_str(routes_none,
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	    "lo\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n");
}

static void
teardown(void)
{
	kb_free(kb);
	tu_rmtree(dir);
	free(dir);
	free(routes_none);
}

static void
params_init(struct probe_params *p, const char *host, unsigned port)
{
	memset(p, 0, sizeof(*p));
	p->kb = kb;
	p->host = host;
	p->port = port;
	p->timeout_ms = T_MS;
	p->helo_name = "probe.test";
	p->route_file = routes_none;
}

static struct probe_round *
run(const struct probe_params *p)
{
	struct probe_round *r;
	char err[ERR_LEN] = "";

	ck_assert_msg(probe_run(p, &r, err) == 0, "probe_run: %s", err);
	ck_assert_ptr_nonnull(r);
	return r;
}

/* The first result of the probe (nth: the one after it, for protocol-ini). */
static const struct probe_result *
get(const struct probe_round *r, const char *probe, int nth)
{
	size_t i;

	for (i = 0; i < r->nresults; i++)
		if (strcmp(r->results[i].probe, probe) == 0 && nth-- == 0)
			return &r->results[i];
	ck_abort_msg("no result for %s", probe);
	return NULL;
}

static void
expect(const struct probe_round *r, const char *probe, int nth, enum probe_status st,
    const char *value)
{
	const struct probe_result *x = get(r, probe, nth);

	ck_assert_msg(x->status == st && (value == NULL ? x->value == NULL :
	    x->value != NULL && strcmp(x->value, value) == 0),
	    "%s: got %s %s (%s), want %s %s", probe, probe_status_name(x->status),
	    x->value ? x->value : "-", x->detail ? x->detail : "", probe_status_name(st),
	    value ? value : "-");
}

static void
expect_detail(const struct probe_round *r, const char *probe, const char *needle)
{
	const struct probe_result *x = get(r, probe, 0);

	ck_assert_msg(x->detail && strstr(x->detail, needle), "%s: detail '%s' lacks '%s'",
	    probe, x->detail ? x->detail : "(null)", needle);
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

/* A round against a scripted peer. */
static struct probe_round *
run_script(const char * const *script, const char *helo)
{
	struct probe_params p;
	struct probe_round *r;
	struct srv s;

	srv_start(&s, script);
	params_init(&p, "127.0.0.1", s.port);
	if (helo)
		p.helo_name = helo;
	r = run(&p);
	srv_stop(&s);
	return r;
}

START_TEST(refused_when_nothing_listens)
{
	struct probe_params p;
	struct probe_round *r;
	unsigned port;
	int fd = srv_listen(&port);

	close(fd);	/* the port is free now: nothing listens */
	params_init(&p, "127.0.0.1", port);
	r = run(&p);
	expect(r, "dns", 0, PROBE_OBSERVED, "resolved");
	expect_detail(r, "dns", "address literal");
	expect(r, "ping-loopback", 0, PROBE_OBSERVED, "reply");
	expect(r, "ping-gateway", 0, PROBE_SKIPPED, NULL);
	expect_detail(r, "ping-gateway", "no default route");
	expect(r, "tcp-connect", 0, PROBE_OBSERVED, "refused");
	expect(r, "greeting", 0, PROBE_SKIPPED, NULL);
	expect_detail(r, "greeting", "no TCP connection");
	expect(r, "ehlo", 0, PROBE_SKIPPED, NULL);
	expect(r, "resend", 0, PROBE_SKIPPED, NULL);
	expect_detail(r, "resend", "not asked for");
	expect(r, "tcptsr", 0, PROBE_SKIPPED, NULL);
	ck_assert_int_eq(probe_result_failed(get(r, "tcp-connect", 0)), 1);
	ck_assert_int_eq(probe_result_failed(get(r, "dns", 0)), 0);
	ck_assert_int_eq(probe_result_failed(get(r, "greeting", 0)), 0);
	ck_assert_str_eq(r->address, "127.0.0.1");
	ck_assert_uint_eq(r->port, port);
	probe_round_free(r);
}
END_TEST

/*
 * A listener that never accepts: the kernel completes the handshake and
 * nothing is ever said. The greeting waits its whole timeout, and nothing
 * after it waits at all: by the probe's own record, no layer of the chain
 * after the greeting ran (elapsed 0), so no timeout follows another. (The
 * exact figures are the fake's, on its virtual clock: check_probe_fake; a
 * wall-clock bound here would fail on a loaded machine.)
 */
START_TEST(silent_peer_within_bound)
{
	struct probe_params p;
	struct probe_round *r;
	unsigned port;
	int fd = srv_listen(&port);

	params_init(&p, "127.0.0.1", port);
	r = run(&p);
	expect(r, "tcp-connect", 0, PROBE_OBSERVED, "connected");
	expect(r, "greeting", 0, PROBE_OBSERVED, "silent");
	expect(r, "ehlo", 0, PROBE_SKIPPED, NULL);
	expect_detail(r, "ehlo", "no 220 greeting");
	expect(r, "peer-product", 0, PROBE_SKIPPED, NULL);
	ck_assert_msg(r->elapsed_ms >= T_MS, "the round took %u ms, less than the "
	    "greeting's timeout", r->elapsed_ms);
	expect_detail(r, "greeting", "no greeting in 1000 ms");
	ck_assert_uint_ge(get(r, "greeting", 0)->elapsed_ms, T_MS);
	ck_assert_uint_le(get(r, "greeting", 0)->elapsed_ms, r->elapsed_ms);
	ck_assert_uint_eq(get(r, "ehlo", 0)->elapsed_ms, 0);
	ck_assert_uint_eq(get(r, "peer-product", 0)->elapsed_ms, 0);
	ck_assert_uint_eq(get(r, "resend", 0)->elapsed_ms, 0);
	probe_round_free(r);
	close(fd);
}
END_TEST

/*
 * A listener with a backlog of 0 and one connection already waiting: its
 * accept queue is full, so the kernel drops the next SYN and the connect
 * times out.
 */
START_TEST(connect_timeout_when_queue_full)
{
	struct sockaddr_in sin;
	struct probe_params p;
	struct probe_round *r;
	unsigned port;
	int fd = srv_listen(&port), first;

	ck_assert_int_eq(listen(fd, 0), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(port);
	first = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(first, (struct sockaddr *)&sin, sizeof(sin)), 0);
	params_init(&p, "127.0.0.1", port);
	r = run(&p);
	expect(r, "tcp-connect", 0, PROBE_OBSERVED, "timeout");
	expect(r, "greeting", 0, PROBE_SKIPPED, NULL);
	probe_round_free(r);
	close(first);
	close(fd);
}
END_TEST

/* IPv6 loopback: connect and greet over ::1; ping-peer says how it checked. */
START_TEST(ipv6_loopback)
{
	struct sockaddr_in6 sin6;
	socklen_t len = sizeof(sin6);
	struct probe_params p;
	struct probe_round *r;
	char want[64];
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) != 0) {
		tu_skip("probe/ipv6_loopback", "no IPv6 loopback here");
		if (fd >= 0)
			close(fd);
		return;
	}
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin6, &len), 0);
	params_init(&p, "::1", ntohs(sin6.sin6_port));
	r = run(&p);
	expect(r, "dns", 0, PROBE_OBSERVED, "resolved");
	expect(r, "tcp-connect", 0, PROBE_OBSERVED, "connected");
	snprintf(want, sizeof(want), "[::1]:%u", ntohs(sin6.sin6_port));
	ck_assert_str_eq(get(r, "tcp-connect", 0)->target, want);
	expect(r, "greeting", 0, PROBE_OBSERVED, "silent");
	expect_detail(r, "ping-peer", "UDP check");
	probe_round_free(r);
	close(fd);
}
END_TEST

START_TEST(ibm_banner_and_ehlo_500)
{
	static const char *const script[] = {
		"220 MVS1.EXAMPLE.COM running IBM TCP/IP V2R2 SMTP Server\r\n",
		"500 Unknown command\r\n", "250 MVS1.EXAMPLE.COM\r\n", NULL };
	struct probe_round *r = run_script(script, NULL);
	const struct probe_result *e = get(r, "ehlo", 0);

	expect(r, "greeting", 0, PROBE_OBSERVED, "ok");
	expect(r, "peer-product", 0, PROBE_OBSERVED, "ibm-tcpip-v2r2");
	expect(r, "ehlo", 0, PROBE_OBSERVED, "helo-only");
	ck_assert(has_line(e, "C: EHLO probe.test"));
	ck_assert(has_line(e, "S: 500 Unknown command"));
	ck_assert(has_line(e, "C: HELO probe.test"));
	ck_assert(has_line(e, "C: QUIT"));
	ck_assert(has_line(get(r, "greeting", 0),
	    "S: 220 MVS1.EXAMPLE.COM running IBM TCP/IP V2R2 SMTP Server"));
	probe_round_free(r);
}
END_TEST

START_TEST(products_from_greetings)
{
	static const char *const vm[] = {
		"220 VMHOST.EXAMPLE.COM running ibm vm smtp v2r2 on Tue, 07 Mar 95\r\n",
		"250-VMHOST\r\n250 SIZE\r\n", NULL };
	static const char *const postfix[] = {
		"220-mail.example.com ESMTP Postfix\r\n220 second line\r\n",
		"250 mail.example.com\r\n", NULL };
	struct probe_round *r = run_script(vm, NULL);

	expect(r, "peer-product", 0, PROBE_OBSERVED, "ibm-vm-smtp-v2r2");
	expect(r, "ehlo", 0, PROBE_OBSERVED, "ok");
	probe_round_free(r);
	r = run_script(postfix, NULL);
	expect(r, "greeting", 0, PROBE_OBSERVED, "ok");
	expect(r, "peer-product", 0, PROBE_OBSERVED, "other");
	ck_assert(has_line(get(r, "greeting", 0), "S: 220 second line"));
	probe_round_free(r);
}
END_TEST

START_TEST(greetings_that_fail)
{
	static const char *const g554[] = { "554 no service for you\r\n", NULL };
	static const char *const g421[] = {
		"421 VMHOST running IBM VM SMTP V2R2 closing\r\n", NULL };
	static const char *const bare[] = { "220 bare line feed\n", "250 ok\r\n", NULL };
	static const char *const closed[] = { NULL };
	struct probe_round *r = run_script(g554, NULL);

	expect(r, "greeting", 0, PROBE_OBSERVED, "rejected");
	expect_detail(r, "greeting", "554 no service");
	expect(r, "ehlo", 0, PROBE_SKIPPED, NULL);
	ck_assert_int_eq(probe_result_failed(get(r, "greeting", 0)), 1);
	probe_round_free(r);
	r = run_script(g421, NULL);
	expect(r, "greeting", 0, PROBE_OBSERVED, "rejected");
	/* Even a refusal names the product. */
	expect(r, "peer-product", 0, PROBE_OBSERVED, "ibm-vm-smtp-v2r2");
	probe_round_free(r);
	r = run_script(bare, NULL);
	expect(r, "greeting", 0, PROBE_OBSERVED, "bare-lf");
	probe_round_free(r);
	r = run_script(closed, NULL);
	expect(r, "greeting", 0, PROBE_OBSERVED, "closed");
	probe_round_free(r);
}
END_TEST

START_TEST(ehlo_outcomes)
{
	static const char *const domain[] = { "220 VMHOST ready\r\n",
		"501 EHLO requires domain address\r\n",
		"501 HELO requires domain address\r\n", NULL };
	static const char *const both[] = { "220 host ready\r\n",
		"502 not implemented\r\n", "550 go away\r\n", NULL };
	struct probe_round *r = run_script(domain, "");
	const struct probe_result *e = get(r, "ehlo", 0);

	expect(r, "ehlo", 0, PROBE_OBSERVED, "helo-domain-required");
	ck_assert(has_line(e, "C: EHLO"));
	ck_assert(has_line(e, "C: HELO"));
	probe_round_free(r);
	r = run_script(both, NULL);
	expect(r, "ehlo", 0, PROBE_OBSERVED, "rejected");
	ck_assert_int_eq(probe_result_failed(get(r, "ehlo", 0)), 1);
	probe_round_free(r);
}
END_TEST

START_TEST(resend_delivered_and_failed)
{
	static const char *const ok[] = { "220 host\r\n", "250 host\r\n", "250 ok\r\n",
		"250 ok\r\n", "354 go ahead\r\n", "250 queued as 42\r\n", NULL };
	static const char *const bad[] = { "220 host\r\n", "250 host\r\n", "250 ok\r\n",
		"550 no such user\r\n", NULL };
	struct probe_params p;
	struct probe_round *r;
	struct srv s;

	srv_start(&s, ok);
	params_init(&p, "127.0.0.1", s.port);
	p.resend_from = "probe@gw.test";
	p.resend_to = "postmaster@host.test";
	r = run(&p);
	srv_stop(&s);
	expect(r, "resend", 0, PROBE_OBSERVED, "delivered");
	ck_assert(has_line(get(r, "resend", 0), "C: RCPT TO:<postmaster@host.test>"));
	ck_assert(has_line(get(r, "resend", 0), "S: 250 queued as 42"));
	probe_round_free(r);

	srv_start(&s, bad);
	p.port = s.port;
	r = run(&p);
	srv_stop(&s);
	expect(r, "resend", 0, PROBE_OBSERVED, "failed");
	expect_detail(r, "resend", "550 no such user");
	probe_round_free(r);
}
END_TEST

START_TEST(offline_and_no_host)
{
	struct probe_params p;
	struct probe_round *r;

	params_init(&p, "127.0.0.1", 1);
	p.offline = 1;
	r = run(&p);
	expect(r, "dns", 0, PROBE_SKIPPED, NULL);
	expect_detail(r, "tcp-connect", "offline");
	expect(r, "ping-loopback", 0, PROBE_SKIPPED, NULL);
	probe_round_free(r);
	params_init(&p, NULL, 0);
	r = run(&p);
	expect_detail(r, "greeting", "no smart host");
	ck_assert_ptr_null(r->host);
	probe_round_free(r);
}
END_TEST

/* A layer starts only with a whole timeout of the round left. */
START_TEST(round_deadline_skips_late_layers)
{
	static const char *const slow[] = { "~800 220 slow.test ESMTP\r\n",
	    "250 slow.test\r\n", NULL };
	struct probe_params p;
	struct probe_round *r;
	struct srv s;

	srv_start(&s, slow);
	params_init(&p, "127.0.0.1", s.port);
	/*
	 * A timeout of 4 s and a round of 4.5 s: the 800 ms greeting has 3.2 s
	 * to spare on a loaded machine (it had 200 ms with the tests' 1 s), and
	 * after at least 800 ms less than a whole timeout is left of the round,
	 * however slow the machine: the peer's delay is a floor.
	 */
	p.timeout_ms = 4 * T_MS;
	p.round_timeout_ms = p.timeout_ms + T_MS / 2;
	r = run(&p);
	srv_stop(&s);
	expect(r, "greeting", 0, PROBE_OBSERVED, "ok");
	/* 800 ms gone: a whole 4000 ms ehlo would end after the 4500 ms round */
	expect(r, "ehlo", 0, PROBE_SKIPPED, NULL);
	expect_detail(r, "ehlo", "round's time ran out");
	ck_assert_int_eq(probe_result_failed(get(r, "ehlo", 0)), 0);
	/*
	 * By the probe's own clock: the greeting took at least the peer's 800 ms,
	 * so less than a whole timeout was left of the round, and nothing after
	 * it ran (no wall-clock bound: that would fail on a loaded machine).
	 */
	ck_assert_uint_ge(get(r, "greeting", 0)->elapsed_ms, 800);
	ck_assert_uint_gt(get(r, "greeting", 0)->elapsed_ms + p.timeout_ms, p.round_timeout_ms);
	ck_assert_uint_eq(get(r, "ehlo", 0)->elapsed_ms, 0);
	ck_assert_uint_eq(get(r, "resend", 0)->elapsed_ms, 0);
	probe_round_free(r);
	/* the same peer with the default round, 3 timeouts: every layer runs */
	srv_start(&s, slow);
	params_init(&p, "127.0.0.1", s.port);
	p.timeout_ms = 4 * T_MS;
	r = run(&p);
	srv_stop(&s);
	expect(r, "greeting", 0, PROBE_OBSERVED, "ok");
	expect(r, "ehlo", 0, PROBE_OBSERVED, "ok");
	probe_round_free(r);
}
END_TEST

START_TEST(bad_parameters)
{
	struct probe_params p;
	struct probe_round *r = (void *)1;
	char err[ERR_LEN];

	params_init(&p, "bad host;rm", 25);
	ck_assert_int_eq(probe_run(&p, &r, err), -1);
	ck_assert_ptr_null(r);
	ck_assert_contains(err, "not a host name");
	params_init(&p, "127.0.0.1", 25);
	p.resend_to = "a@b";
	ck_assert_int_eq(probe_run(&p, &r, err), -1);
	ck_assert_contains(err, "both");
	params_init(&p, "127.0.0.1", 25);
	p.resend_from = "a@b>\r\nRSET";
	p.resend_to = "c@d";
	ck_assert_int_eq(probe_run(&p, &r, err), -1);
	params_init(&p, "127.0.0.1", 25);
	p.dns_server = "dns.example";
	ck_assert_int_eq(probe_run(&p, &r, err), -1);
	ck_assert_contains(err, "numeric");
	params_init(&p, "127.0.0.1", 25);
	p.helo_name = "a b";
	ck_assert_int_eq(probe_run(&p, &r, err), -1);
	params_init(&p, "127.0.0.1", 25);
	p.round_timeout_ms = T_MS - 1;
	ck_assert_int_eq(probe_run(&p, &r, err), -1);
	ck_assert_contains(err, "shorter than one probe's timeout");
}
END_TEST

START_TEST(gateway_from_routing_table)
{
	struct probe_params p;
	struct probe_round *r;
	char *routes = pjoin(dir, "route-default");

	/* A default route via 127.0.0.1 (hex, network order as the kernel writes). */
	tu_write_str(routes,
	    "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
	    "eth0\t00000000\t0100007F\t0003\t0\t0\t0\t00000000\t0\t0\t0\n");
	params_init(&p, "127.0.0.1", 1);
	p.route_file = routes;
	r = run(&p);
	expect(r, "ping-gateway", 0, PROBE_OBSERVED, "reply");
	ck_assert_str_eq(get(r, "ping-gateway", 0)->target, "127.0.0.1");
	probe_round_free(r);
	p.route_file = "/nonexistent/route";
	r = run(&p);
	expect(r, "ping-gateway", 0, PROBE_ERROR, NULL);
	probe_round_free(r);
	free(routes);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* The fault peer (tests/peer/faultpeer.c, build/faultpeer)                 */

struct fp_case {
	const char	*fault;
	const char	*banner;	/* NULL: faultpeer's own */
	const char	*helo;		/* NULL: "probe.test" */
	const char	*probe;		/* what to check ... */
	const char	*value;		/* ... observed value, or NULL: an error */
	const char	*probe2;	/* and a second one, or NULL */
	const char	*value2;
};

static const struct fp_case fp_cases[] = {
	{ "none", NULL, NULL, "ehlo", "ok", "peer-product", "other" },
	{ "ehlo-500", "MVS1.EXAMPLE.COM running IBM TCP/IP V2R2 SMTP Server", NULL,
	  "ehlo", "helo-only", "peer-product", "ibm-tcpip-v2r2" },
	{ "helo-domain-required", "VMHOST.EXAMPLE.COM running IBM VM SMTP V2R2", "",
	  "ehlo", "helo-domain-required", "peer-product", "ibm-vm-smtp-v2r2" },
	{ "helo-domain-required", NULL, NULL, "ehlo", "ok", NULL, NULL },
	{ "greet-554", NULL, NULL, "greeting", "rejected", NULL, NULL },
	{ "greet-421", NULL, NULL, "greeting", "rejected", NULL, NULL },
	{ "bare-lf", NULL, NULL, "greeting", "bare-lf", NULL, NULL },
	{ "silent", NULL, NULL, "greeting", "silent", NULL, NULL },
	{ "close-before-greeting", NULL, NULL, "greeting", "closed", NULL, NULL },
	{ "reset", NULL, NULL, "greeting", "closed", NULL, NULL },
	{ "close-after-greeting", NULL, NULL, "greeting", "ok", "ehlo", NULL },
	{ "reply-421", NULL, NULL, "ehlo", "rejected", NULL, NULL },
};

START_TEST(fault_peer)
{
	const struct fp_case *c = &fp_cases[_i];
	char *peer = tu_build("faultpeer"), *portfile = pjoin(dir, "port");
	struct probe_params p;
	struct probe_round *r;
	unsigned port = 0;
	pid_t pid;
	long long t0;

	if (access(peer, X_OK) != 0) {
		tu_skip("probe/fault_peer", "%s: %s is not built", c->fault, peer);
		free(peer);
		free(portfile);
		return;
	}
	if ((pid = fork()) == 0) {
		const char *argv[12];
		int n = 0;

		argv[n++] = peer;
		argv[n++] = "--listen";
		argv[n++] = "127.0.0.1:0";
		argv[n++] = "--port-file";
		argv[n++] = portfile;
		argv[n++] = "--fault";
		argv[n++] = c->fault;
		if (c->banner) {
			argv[n++] = "--banner";
			argv[n++] = c->banner;
		}
		argv[n] = NULL;
		execv(peer, (char *const *)argv);
		_exit(127);
	}
	for (t0 = clock_ms(); port == 0 && clock_ms() - t0 < TU_WAIT_MS; ) {
		FILE *f = fopen(portfile, "r");

		if (f) {
			if (fscanf(f, "%u", &port) != 1)
				port = 0;
			fclose(f);
		}
		if (port == 0)
			usleep(50000);
	}
	ck_assert_msg(port != 0, "faultpeer wrote no port file in %d s", TU_WAIT_MS / 1000);
	params_init(&p, "127.0.0.1", port);
	if (c->helo)
		p.helo_name = c->helo;
	r = run(&p);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	expect(r, c->probe, 0, c->value ? PROBE_OBSERVED : PROBE_ERROR, c->value);
	if (c->probe2)
		expect(r, c->probe2, 0, c->value2 ? PROBE_OBSERVED : PROBE_ERROR, c->value2);
	probe_round_free(r);
	free(peer);
	free(portfile);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* DNS: dnsmasq on loopback, or a server that never answers                 */

static pid_t dnsmasq_pid;

/* Wait until the UDP port on 127.0.0.1 is taken (by dnsmasq), at most
 * TU_WAIT_MS: 0; or -1 when pid ended first (*st its status) or the time ran
 * out. */
static int
dnsmasq_bound(unsigned port, pid_t pid, int *st)
{
	struct sockaddr_in sin;
	long long t0;
	int fd, taken;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)port);
	for (t0 = clock_ms(); clock_ms() - t0 < TU_WAIT_MS; usleep(10000)) {
		if (waitpid(pid, st, WNOHANG) != 0)
			return -1;
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		taken = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 && errno == EADDRINUSE;
		close(fd);
		if (taken)
			return 0;
	}
	kill(pid, SIGKILL);
	waitpid(pid, st, 0);
	return -1;
}

/* Start dnsmasq on a free UDP port; 0 and the port, or -1 (SKIP). */
static int
dnsmasq_start(unsigned *port, char *why, size_t whylen)
{
	char portarg[32], errpath[4096], *errdir;
	int tries, rc = -1;

	snprintf(why, whylen, "no /usr/sbin/dnsmasq");

	if (access("/usr/sbin/dnsmasq", X_OK) != 0)
		return -1;
	errdir = tu_tmpdir();
	snprintf(errpath, sizeof(errpath), "%s/dnsmasq.err", errdir);
	for (tries = 0; tries < 5; tries++) {
		struct sockaddr_in sin;
		socklen_t len = sizeof(sin);
		int fd = socket(AF_INET, SOCK_DGRAM, 0), st;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
		    getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
			close(fd);
			snprintf(why, whylen, "no UDP port on 127.0.0.1");
			break;
		}
		*port = ntohs(sin.sin_port);
		close(fd);
		snprintf(portarg, sizeof(portarg), "--port=%u", *port);
		if ((dnsmasq_pid = fork()) == 0) {
			int err = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);

			dup2(err, 2);
			execl("/usr/sbin/dnsmasq", "dnsmasq", "--no-daemon", portarg,
			    "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv",
			    "--no-hosts", "--conf-file=/dev/null", "--pid-file=",
			    "--user=root", "--local=/test/",
			    "--address=/smarthost.test/127.0.0.1", "--log-facility=/dev/null",
			    (char *)NULL);
			_exit(127);
		}
		/* ready when it holds the port (our own bind fails), up to TU_WAIT_MS;
		 * merely running is not enough: a query sent before it binds
		 * meets a closed port */
		if (dnsmasq_bound(*port, dnsmasq_pid, &st) == 0) {
			rc = 0;
			break;
		}
		/* why it stopped, for the SKIP line: its last words */
		{
			char *text = tu_read(errpath, NULL), *nl;

			while ((nl = strrchr(text, '\n')) != NULL && nl[1] == '\0')
				*nl = '\0';
			nl = strrchr(text, '\n');
			snprintf(why, whylen, "dnsmasq exited (status %d) on port %u: %s",
			    WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st), *port,
			    nl != NULL ? nl + 1 : text);
			free(text);
		}
	}
	tu_rmtree(errdir);
	free(errdir);
	return rc;
}

static void
dnsmasq_stop(void)
{
	if (dnsmasq_pid > 0) {
		kill(dnsmasq_pid, SIGTERM);
		waitpid(dnsmasq_pid, NULL, 0);
		dnsmasq_pid = 0;
	}
}

START_TEST(dns_with_dnsmasq)
{
	struct probe_params p;
	struct probe_round *r;
	char server[64], why[512];
	unsigned port;
	struct srv s;
	static const char *const script[] = { "220 smarthost.test\r\n", "250 hi\r\n", NULL };

	if (dnsmasq_start(&port, why, sizeof(why)) != 0) {
		tu_skip("probe/dns_with_dnsmasq", "dnsmasq cannot start here: %s", why);
		return;
	}
	snprintf(server, sizeof(server), "127.0.0.1:%u", port);
	srv_start(&s, script);
	params_init(&p, "smarthost.test", s.port);
	p.dns_server = server;
	r = run(&p);
	srv_stop(&s);
	expect(r, "dns", 0, PROBE_OBSERVED, "resolved");
	ck_assert_str_eq(r->address, "127.0.0.1");
	expect(r, "greeting", 0, PROBE_OBSERVED, "ok");
	probe_round_free(r);

	params_init(&p, "missing.test", 25);
	p.dns_server = server;
	r = run(&p);
	dnsmasq_stop();
	expect(r, "dns", 0, PROBE_OBSERVED, "failed");
	expect(r, "tcp-connect", 0, PROBE_SKIPPED, NULL);
	expect_detail(r, "tcp-connect", "did not resolve");
	ck_assert_ptr_null(r->address);
	probe_round_free(r);
}
END_TEST

START_TEST(dns_server_that_never_answers)
{
	struct probe_params p;
	struct probe_round *r;
	char server[64];
	unsigned port;
	int fd = tu_loopback_bind(SOCK_DGRAM, &port), queries = 0;
	char qbuf[1500];

	snprintf(server, sizeof(server), "127.0.0.1:%u", port);
	params_init(&p, "smarthost.test", 25);
	p.dns_server = server;
	r = run(&p);
	expect(r, "dns", 0, PROBE_OBSERVED, "timeout");
	/*
	 * The server was asked (the timeout is its silence, not a query that
	 * never left), and within the probe's budget of tries: 2 per question
	 * (A and AAAA), not the resolver's default 3 x 4 servers. A count,
	 * not a wall-clock bound, which would fail on a loaded machine.
	 */
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	while (recv(fd, qbuf, sizeof(qbuf), 0) > 0)
		queries++;
	ck_assert_msg(queries >= 1 && queries <= 4, "%d queries", queries);
	ck_assert_uint_le(get(r, "dns", 0)->elapsed_ms, r->elapsed_ms);
	probe_round_free(r);
	close(fd);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* The DOS client's files                                                   */

static void
mkdirs(const char *root, const char *rel)
{
	char *path = pjoin(root, rel), *p;

	mkdir(root, 0755);
	for (p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	mkdir(path, 0755);
	free(path);
}

/* A file of n bytes dated yyyy-mm-dd. */
static void
write_sized(const char *root, const char *rel, size_t n, int y, int m, int d)
{
	char *path = pjoin(root, rel), *data = xcalloc(1, n + 1);
	struct tm tm;
	struct timeval tv[2];

	tu_write(path, data, n);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	tv[0].tv_sec = tv[1].tv_sec = timegm(&tm);
	tv[0].tv_usec = tv[1].tv_usec = 0;
	ck_assert_int_eq(utimes(path, tv), 0);
	free(path);
	free(data);
}

static struct probe_round *
run_dos(const char *root)
{
	struct probe_params p;

	params_init(&p, NULL, 0);
	p.dos_root = root;
	return run(&p);
}

START_TEST(dos_tree_odd_case_crlf_xif)
{
	char *root = pjoin(dir, "pc");
	struct probe_round *r;

	mkdirs(root, "Lanman.Dos/drivers/Protocol/tcpip");
	write_sized(root, "Lanman.Dos/drivers/Protocol/tcpip/TcpTsr.Exe", 42716, 1994, 2, 1);
	tu_write_in(root, "Lanman.Dos/protocol.ini",
	    "; LAN Manager 2.2\r\n[PROTMAN]\r\n  DRIVERNAME = PROTMAN$\r\n\r\n"
	    "[tcpip_xif]\r\n   drivername = TCPIP$\r\n  forcepushbit   =   1   ; PUSH\r\n"
	    "TCPWINDOWSIZE=4096\r\n\x1a");
	r = run_dos(root);
	expect(r, "tcptsr", 0, PROBE_OBSERVED, "push-capable");
	expect_detail(r, "tcptsr", "2.2b");
	expect(r, "protocol-ini", 0, PROBE_OBSERVED, "force-push-on");
	expect(r, "protocol-ini", 1, PROBE_OBSERVED, "section-tcpip-xif");
	expect(r, "stack", 0, PROBE_OBSERVED, "lanman");
	ck_assert_str_eq(get(r, "protocol-ini", 0)->target, "Lanman.Dos/protocol.ini");
	expect(r, "dns", 0, PROBE_SKIPPED, NULL);
	probe_round_free(r);
	free(root);
}
END_TEST

START_TEST(dos_tree_cr_only_old_build)
{
	char *root = pjoin(dir, "pc");
	struct probe_round *r;

	mkdirs(root, "LANMAN.DOS/DRIVERS/PROTOCOL/TCPIP");
	write_sized(root, "LANMAN.DOS/DRIVERS/PROTOCOL/TCPIP/TCPTSR.EXE", 40000, 1993, 6, 15);
	/* CR line ends, ForcePushBit=0 in [TCPIP], a last line without one. */
	tu_write_in(root, "PROTOCOL.INI",
	    "[TCPIP]\rDRIVERNAME=TCPIP$\r; ForcePushBit=1\rForcePushBit=0");
	r = run_dos(root);
	expect(r, "tcptsr", 0, PROBE_OBSERVED, "too-old");
	expect_detail(r, "tcptsr", "1993-06-15");
	expect(r, "protocol-ini", 0, PROBE_OBSERVED, "force-push-off");
	expect_detail(r, "protocol-ini", "line 4");
	expect(r, "protocol-ini", 1, PROBE_OBSERVED, "section-tcpip");
	probe_round_free(r);
	free(root);
}
END_TEST

START_TEST(dos_tree_push_in_wrong_section_lf)
{
	char *root = pjoin(dir, "pc");
	struct probe_round *r;

	mkdirs(root, "lanman.dos");
	tu_write_in(root, "lanman.dos/Protocol.Ini",
	    "[TCPIP]\nForcePushBit=1\n[TCPIP_XIF]\nDriverName=TCPIP$\nBINDINGS=ELNK3\n");
	r = run_dos(root);
	expect(r, "protocol-ini", 0, PROBE_OBSERVED, "force-push-off");
	expect_detail(r, "protocol-ini", "not in the driver's section");
	expect(r, "protocol-ini", 1, PROBE_OBSERVED, "section-tcpip-xif");
	expect(r, "tcptsr", 0, PROBE_OBSERVED, "absent");
	expect(r, "stack", 0, PROBE_ERROR, NULL);
	probe_round_free(r);
	free(root);
}
END_TEST

START_TEST(dos_tree_symlinks_not_followed)
{
	char *root = pjoin(dir, "pc"), *outside = pjoin(dir, "outside.ini");
	char *link = pjoin(root, "PROTOCOL.INI"), *dlink = pjoin(root, "net");
	struct probe_round *r;

	mkdirs(root, "x");
	tu_write_str(outside, "[TCPIP]\r\nForcePushBit=1\r\n");
	ck_assert_int_eq(symlink(outside, link), 0);
	ck_assert_int_eq(symlink(dir, dlink), 0);	/* a loop out of the root */
	r = run_dos(root);
	/* refused, and said what it is: not "no PROTOCOL.INI" */
	expect(r, "protocol-ini", 0, PROBE_ERROR, NULL);
	expect_detail(r, "protocol-ini", "PROTOCOL.INI is a symbolic link: refused");
	probe_round_free(r);
	free(root);
	free(outside);
	free(link);
	free(dlink);
}
END_TEST

/* The tcptsr table as kb_table_count/kb_table_field give it. */
START_TEST(tcptsr_table_from_kb)
{
	ck_assert_uint_eq(kb_table_count(kb, "tcptsr"), 2);
	ck_assert_str_eq(kb_table_field(kb, "tcptsr", 0, "bytes"), "42716");
	ck_assert_str_eq(kb_table_field(kb, "tcptsr", 0, "version"), "2.2b");
	ck_assert_str_eq(kb_table_field(kb, "tcptsr", 1, "id"), "tcptsru-1995");
	ck_assert_ptr_null(kb_table_field(kb, "tcptsr", 0, "nosuchfield"));
	ck_assert_ptr_null(kb_table_field(kb, "tcptsr", 2, "bytes"));
	ck_assert_uint_eq(kb_table_count(kb, "nosuchtable"), 0);
}
END_TEST

START_TEST(dos_root_missing)
{
	struct probe_round *r = run_dos("/nonexistent/dos/root");

	expect(r, "tcptsr", 0, PROBE_ERROR, NULL);
	expect(r, "stack", 0, PROBE_ERROR, NULL);
	probe_round_free(r);
}
END_TEST

/* The INI parser on its own: every line end, comments, Ctrl-Z. */
struct ini_seen {
	char	text[1024];
};

static int
ini_collect(void *arg, const char *section, const char *name, const char *value,
    unsigned line)
{
	struct ini_seen *s = arg;
	size_t n = strlen(s->text);

	snprintf(s->text + n, sizeof(s->text) - n, "%u[%s]%s=%s;", line, section,
	    name ? name : "(section)", value ? value : "(none)");
	return 0;
}

START_TEST(ini_parser)
{
	struct ini_seen s;
	static const char in[] = "a=1\r\n[S1]\r\n b = two words ; c\r\r\n\n"
	    "  ; note\rjunk line\r[ S2 ]\nk=\"q;x\"\nlast=9\x1a" "after=no";

	memset(&s, 0, sizeof(s));
	probe_dos_ini_parse(in, sizeof(in) - 1, ini_collect, &s);
	ck_assert_str_eq(s.text, "1[]a=1;2[S1](section)=(none);3[S1]b=two words;"
	    "7[S1]junk line=(none);8[S2](section)=(none);9[S2]k=\"q;x\";10[S2]last=9;");
}
END_TEST

/* ---------------------------------------------------------------------- */
/* Rendering and JSON                                                       */

START_TEST(json_round_trip)
{
	static const char *const script[] = { "220 <b>host</b> \x1b[31m\r\n", "250 hi\r\n",
		NULL };
	struct probe_round *r = run_script(script, NULL);
	struct probe_result *back;
	struct buf out = BUF_INIT;
	struct jw w;
	json_t *j;
	char err[ERR_LEN];
	size_t n, i, k;

	jw_init(&w, &out, 0);
	render_probe_results_jw(&w, r->results, r->nresults);
	j = json_loads(buf_str(&out), 0, NULL);
	buf_free(&out);
	ck_assert_ptr_nonnull(j);

	ck_assert_int_eq(probe_results_from_json(j, &back, &n, err), 0);
	ck_assert_uint_eq(n, r->nresults);
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(back[i].probe, r->results[i].probe);
		ck_assert_int_eq(back[i].status, r->results[i].status);
		ck_assert_pstr_eq(back[i].value, r->results[i].value);
		ck_assert_pstr_eq(back[i].detail, r->results[i].detail);
		ck_assert_pstr_eq(back[i].target, r->results[i].target);
		ck_assert_uint_eq(back[i].ntranscript, r->results[i].ntranscript);
		for (k = 0; k < n && k < back[i].ntranscript; k++)
			ck_assert_str_eq(back[i].transcript[k], r->results[i].transcript[k]);
	}
	/* The escape character never reaches a result. */
	ck_assert_not_contains(get(r, "greeting", 0)->detail, "\x1b");
	probe_results_free(back, n);
	json_decref(j);
	probe_round_free(r);
}
END_TEST

START_TEST(json_errors_name_the_element)
{
	static const char *const bad[][2] = {
		{ "{}", "not an array" },
		{ "[1]", "probes[0]: not an object" },
		{ "[{\"probe\":\"dns\",\"source\":\"dns\",\"status\":\"maybe\"}]", "maybe" },
		{ "[{\"probe\":\"dns\",\"status\":\"skipped\"}]", "\"source\" is missing" },
		{ "[{\"probe\":\"dns\",\"source\":\"dns\",\"status\":\"observed\"}]",
		  "\"value\" is missing" },
		{ "[{\"probe\":\"dns\",\"source\":\"dns\",\"status\":\"skipped\","
		  "\"transcript\":[1]}]", "transcript[0]" },
		{ "[{\"probe\":\"dns\",\"source\":\"dns\",\"status\":\"skipped\","
		  "\"elapsed_ms\":-1}]", "elapsed_ms" },
	};
	struct probe_result *r;
	char err[ERR_LEN];
	size_t i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *j = json_loads(bad[i][0], 0, NULL);

		ck_assert_ptr_nonnull(j);
		ck_assert_msg(probe_results_from_json(j, &r, &n, err) == -1, "%s accepted",
		    bad[i][0]);
		ck_assert_contains(err, bad[i][1]);
		json_decref(j);
	}
}
END_TEST

START_TEST(render_every_format)
{
	static const char *const script[] = { "220 a|b <i>x</i>\r\n", "250 hi\r\n", NULL };
	struct probe_round *r = run_script(script, NULL);
	struct buf out = BUF_INIT;
	char err[ERR_LEN];
	json_t *j;

	ck_assert_int_eq(render_probe_round(r, RENDER_TEXT, &out, err), 0);
	ck_assert_contains(buf_str(&out), "greeting       ok");
	ck_assert_contains(buf_str(&out), "Every layer that ran passed");
	buf_reset(&out);
	ck_assert_int_eq(render_probe_round(r, RENDER_MARKDOWN, &out, err), 0);
	ck_assert_contains(buf_str(&out), "220 a\\|b \\<i>x\\</i>");
	buf_reset(&out);
	ck_assert_int_eq(render_probe_round(r, RENDER_HTML, &out, err), 0);
	ck_assert_contains(buf_str(&out), "&lt;i&gt;x&lt;/i&gt;");
	ck_assert_not_contains(buf_str(&out), "<i>x");
	buf_reset(&out);
	ck_assert_int_eq(render_probe_round(r, RENDER_JSON, &out, err), 0);
	j = json_loads(buf_str(&out), 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "failed")), 0);
	ck_assert_uint_eq(json_array_size(json_object_get(j, "results")), r->nresults);
	json_decref(j);
	buf_free(&out);
	probe_round_free(r);
}
END_TEST

/* ---------------------------------------------------------------------- */
/* The command                                                              */

START_TEST(cli_probe_exit_codes)
{
	struct tu_run t;
	char hostport[64];
	unsigned port;
	int fd = srv_listen(&port);

	close(fd);
	snprintf(hostport, sizeof(hostport), "127.0.0.1:%u", port);
	tu_kbdiag_live(&t, NULL, 0, "probe", "--timeout", "500", hostport, NULL);
	ck_assert_msg(t.status == 1, "exit %d: %s", t.status, t.err);
	ck_assert_contains(t.out, "tcp-connect    refused");
	tu_run_free(&t);
	/* nothing ran: no all-clear, in the words or in the exit status */
	tu_kbdiag(&t, NULL, 0, "--offline", "probe", "-f", "json", hostport, NULL);
	ck_assert_msg(t.status == 1, "exit %d: %s", t.status, t.err);
	ck_assert_contains(t.out, "\"offline: no live probes\"");
	tu_run_free(&t);
	tu_kbdiag(&t, NULL, 0, "--offline", "probe", hostport, NULL);
	ck_assert_msg(t.status == 1, "exit %d: %s", t.status, t.err);
	ck_assert_msg(strstr(t.out, "passed") == NULL, "%s", t.out);
	ck_assert_contains(t.out, "No layer ran: offline: no live probes; no DOS client "
	    "files given (--dos-root).");
	/* protocol-ini gives two results: one row when they say the same */
	{
		const char *p = strstr(t.out, "protocol-ini");

		ck_assert_ptr_nonnull(p);
		ck_assert_msg(strstr(p + 1, "protocol-ini") == NULL, "%s", t.out);
	}
	tu_run_free(&t);
	tu_kbdiag(&t, NULL, 0, "probe", NULL);
	ck_assert_int_eq(t.status, 2);
	tu_run_free(&t);
	tu_kbdiag(&t, NULL, 0, "probe", "--timeout", "0", hostport, NULL);
	ck_assert_int_eq(t.status, 2);
	ck_assert_contains(t.err, "--timeout");
	tu_run_free(&t);
	tu_kbdiag_live(&t, NULL, 0, "probe", "--resend-to", "a@b", hostport, NULL);
	ck_assert_int_eq(t.status, 2);
	tu_run_free(&t);
}
END_TEST

Suite *
probe_suite(void)
{
	Suite *s = suite_create("probe");
	TCase *tc = tcase_create("probe");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, refused_when_nothing_listens);
	tcase_add_test(tc, silent_peer_within_bound);
	tcase_add_test(tc, connect_timeout_when_queue_full);
	tcase_add_test(tc, ipv6_loopback);
	tcase_add_test(tc, tcptsr_table_from_kb);
	tcase_add_test(tc, ibm_banner_and_ehlo_500);
	tcase_add_test(tc, products_from_greetings);
	tcase_add_test(tc, greetings_that_fail);
	tcase_add_test(tc, ehlo_outcomes);
	tcase_add_test(tc, resend_delivered_and_failed);
	tcase_add_test(tc, offline_and_no_host);
	tcase_add_test(tc, bad_parameters);
	tcase_add_test(tc, round_deadline_skips_late_layers);
	tcase_add_test(tc, gateway_from_routing_table);
	tcase_add_loop_test(tc, fault_peer, 0, (int)(sizeof(fp_cases) / sizeof(fp_cases[0])));
	tcase_add_test(tc, dns_with_dnsmasq);
	tcase_add_test(tc, dns_server_that_never_answers);
	tcase_add_test(tc, dos_tree_odd_case_crlf_xif);
	tcase_add_test(tc, dos_tree_cr_only_old_build);
	tcase_add_test(tc, dos_tree_push_in_wrong_section_lf);
	tcase_add_test(tc, dos_tree_symlinks_not_followed);
	tcase_add_test(tc, dos_root_missing);
	tcase_add_test(tc, ini_parser);
	tcase_add_test(tc, json_round_trip);
	tcase_add_test(tc, json_errors_name_the_element);
	tcase_add_test(tc, render_every_format);
	tcase_add_test(tc, cli_probe_exit_codes);
	suite_add_tcase(s, tc);
	return s;
}
