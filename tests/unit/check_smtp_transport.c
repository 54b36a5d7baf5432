/*
 * smtp/transport: the "tcp" transport itself, on loopback sockets of the
 * test's own (ephemeral ports): the errno convention (-1 and *err), the
 * numeric-only connect, a refusal, a connect that never completes (a full
 * accept queue drops the SYN) ending at connect_ms or at once on the stop
 * flag, the local address literal, the snapshot, send, recv and wait. The
 * fake is check_relay_fake's and check_probe_fake's.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtp/transport.h"
#include "testutil.h"

/* A listening loopback socket; its port in *port. */
static int
listener(unsigned *port, int backlog)
{
	int fd = tu_loopback_bind(SOCK_STREAM, port);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(listen(fd, backlog), 0);
	return fd;
}

static void
params(struct transport_params *p, const char *host, unsigned port, unsigned connect_ms)
{
	memset(p, 0, sizeof(*p));
	p->host = host;
	p->port = port;
	p->connect_ms = connect_ms;
}

START_TEST(numeric_never_resolves)
{
	struct transport_params p;
	struct transport_conn *c = (struct transport_conn *)&p;
	int e = 0;

	params(&p, "mx.example", 25, 1000);
	p.numeric = 1;
	ck_assert_int_eq(transport_tcp.open(&p, &c, &e), -1);
	ck_assert_int_eq(e, EINVAL);
	ck_assert_ptr_null(c);
}
END_TEST

START_TEST(refused)
{
	struct transport_params p;
	struct transport_conn *c;
	unsigned port;
	int fd = listener(&port, 1), e = 0;

	close(fd);	/* nothing listens on port now */
	params(&p, "127.0.0.1", port, 1000);
	ck_assert_int_eq(transport_tcp.open(&p, &c, &e), -1);
	ck_assert_int_eq(e, ECONNREFUSED);
}
END_TEST

/* A connection both ways: wait, send, recv, the snapshot, our literal. */
START_TEST(connected)
{
	struct transport_params p;
	struct transport_conn *c;
	struct tcpinfo_snap snap;
	char lit[64], b[16];
	unsigned port;
	int lfd = listener(&port, 4), sfd, e = 0;

	params(&p, "127.0.0.1", port, 2000);
	p.numeric = 1;
	p.user_timeout_ms = 5000;
	ck_assert_int_eq(transport_tcp.open(&p, &c, &e), 0);
	ck_assert_int_eq(e, 0);
	ck_assert_int_ge(transport_tcp.id(c), 0);
	ck_assert_int_eq(transport_tcp.local_literal(c, lit, sizeof(lit)), 0);
	ck_assert_str_eq(lit, "[127.0.0.1]");
	ck_assert_int_eq(transport_tcp.local_literal(c, lit, 5), -1);	/* no room */
	sfd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(sfd, 0);
	/* nothing to read: the wait ends at its deadline; recv says EAGAIN */
	ck_assert_int_eq(transport_tcp.wait(c, TRANSPORT_WAIT_READ,
	    transport_tcp.now_ms(NULL) + 20, &e), 0);
	ck_assert_int_eq((int)transport_tcp.recv(c, b, sizeof(b), &e), -1);
	ck_assert_int_eq(e, EAGAIN);
	ck_assert_int_eq(transport_tcp.wait(c, TRANSPORT_WAIT_WRITE,
	    transport_tcp.now_ms(NULL) + 2000, &e), 1);
	ck_assert_int_eq((int)transport_tcp.send(c, "EHLO x\r\n", 8, 0, &e), 8);
	ck_assert_int_eq((int)read(sfd, b, sizeof(b)), 8);
	ck_assert_int_eq((int)write(sfd, "250 ok\r\n", 8), 8);
	ck_assert_int_eq(transport_tcp.wait(c, TRANSPORT_WAIT_READ,
	    transport_tcp.now_ms(NULL) + 5000, &e), 1);
	ck_assert_int_eq((int)transport_tcp.recv(c, b, sizeof(b), &e), 8);
	ck_assert_int_eq(memcmp(b, "250 ok\r\n", 8), 0);
	ck_assert_int_eq(transport_tcp.snapshot(c, &snap), 0);
	ck_assert(snap.valid);
	ck_assert_str_eq(snap.state, "ESTABLISHED");
	/* the peer closes: the end of the stream */
	close(sfd);
	ck_assert_int_eq(transport_tcp.wait(c, TRANSPORT_WAIT_READ,
	    transport_tcp.now_ms(NULL) + 5000, &e), 1);
	ck_assert_int_eq((int)transport_tcp.recv(c, b, sizeof(b), &e), 0);
	transport_tcp.close(c);
	transport_tcp.close(NULL);
	close(lfd);
}
END_TEST

/*
 * A listener that never accepts, its queue full: the kernel drops the next
 * SYNs, so a connect stays in progress. It ends with ETIMEDOUT after
 * connect_ms, or with EINTR when the stop flag is set (SIGTERM).
 */
START_TEST(connect_in_progress)
{
	static volatile sig_atomic_t stop;
	struct transport_params p;
	struct transport_conn *c, *fill[4];
	unsigned port;
	int lfd = listener(&port, 0), e = 0, i, pending = 0;

	/* fill the queue: connects that complete, until one does not */
	params(&p, "127.0.0.1", port, 300);
	for (i = 0; i < 4 && !pending; i++) {
		fill[i] = NULL;
		if (transport_tcp.open(&p, &fill[i], &e) != 0) {
			ck_assert_int_eq(e, ETIMEDOUT);
			pending = 1;
		}
	}
	ck_assert_msg(pending, "the kernel took %d connections into a queue of 0", i);
	/* with the stop flag set, it gives up at once with EINTR */
	stop = 1;
	p.stop = &stop;
	p.connect_ms = 60000;
	ck_assert_int_eq(transport_tcp.open(&p, &c, &e), -1);
	ck_assert_int_eq(e, EINTR);
	while (i-- > 0)
		transport_tcp.close(fill[i]);
	close(lfd);
}
END_TEST

START_TEST(by_name)
{
	ck_assert_ptr_eq(transport_find("tcp"), &transport_tcp);
	ck_assert_ptr_nonnull(transport_find("fake"));
	ck_assert_ptr_null(transport_find("udp"));
}
END_TEST

Suite *
smtp_transport_suite(void)
{
	Suite *s = suite_create("smtp_transport");
	TCase *tc = tcase_create("smtp_transport");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, numeric_never_resolves);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, connected);
	tcase_add_test(tc, connect_in_progress);
	tcase_add_test(tc, by_name);
	suite_add_tcase(s, tc);
	return s;
}
