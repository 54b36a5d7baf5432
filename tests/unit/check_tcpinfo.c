/*
 * tcpinfo: snapshots of real loopback sockets (the module had no direct
 * test, issue 16): what the diagnosis reads from them, the state of the
 * connection and how much of our data the peer's TCP acknowledged, must
 * be what the kernel says.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtp/tcpinfo.h"
#include "testutil.h"

/* A connected pair on 127.0.0.1: *client, *server. */
static void
pair(int *client, int *server)
{
	struct sockaddr_in sin;
	unsigned port;
	int l = tu_loopback_bind(SOCK_STREAM, &port);

	ck_assert_int_eq(listen(l, 1), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((unsigned short)port);
	*client = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(connect(*client, (struct sockaddr *)&sin, sizeof(sin)), 0);
	*server = accept(l, NULL, NULL);
	ck_assert_int_ge(*server, 0);
	close(l);
}

/* Wait (bounded) until the client's snapshot says what we want. */
static void
snap_until(int fd, struct tcpinfo_snap *s, const char *state, unsigned long long acked)
{
	int i;

	for (i = 0; i < 200; i++) {
		ck_assert_int_eq(tcpinfo_take(fd, s), 0);
		if (strcmp(s->state, state) == 0 && s->bytes_acked >= acked)
			return;
		poll(NULL, 0, 10);
	}
	ck_abort_msg("after 2 s the socket is %s with %llu bytes acknowledged; want %s, %llu",
	    s->state, s->bytes_acked, state, acked);
}

/* Data the peer's TCP took (before its program read it): all acknowledged,
 * nothing outstanding; the peer reads it and closes, its FIN: CLOSE_WAIT. */
START_TEST(acked_data_and_the_peers_fin)
{
	struct tcpinfo_snap s;
	int c, sv;

	pair(&c, &sv);
	ck_assert_int_eq(tcpinfo_take(c, &s), 0);
	ck_assert_int_eq(s.valid, 1);
	ck_assert_str_eq(s.state, "ESTABLISHED");
	ck_assert_int_eq(write(c, "HELO gw.test\r\n", 14), 14);
	/* bytes_acked counts the SYN too on Linux: at least the 14 */
	snap_until(c, &s, "ESTABLISHED", 14);
	ck_assert_int_eq(s.unacked, 0);
	ck_assert_int_eq(s.outq_bytes, 0);
	ck_assert_uint_ge(s.bytes_sent, 14);
	{
		char buf[14];

		ck_assert_int_eq(read(sv, buf, sizeof(buf)), 14);
	}
	close(sv);
	snap_until(c, &s, "CLOSE_WAIT", 14);
	close(c);
}
END_TEST

/* A peer that closes with our data unread resets the connection (RFC 2525
 * 2.17): the state is CLOSE, not CLOSE_WAIT. */
START_TEST(closed_with_data_unread_is_a_reset)
{
	struct tcpinfo_snap s;
	int c, sv;

	pair(&c, &sv);
	ck_assert_int_eq(write(c, "MAIL FROM:<a@b>\r\n", 17), 17);
	snap_until(c, &s, "ESTABLISHED", 17);
	close(sv);
	snap_until(c, &s, "CLOSE", 17);
	close(c);
}
END_TEST

START_TEST(not_a_tcp_socket)
{
	struct tcpinfo_snap s;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&s, 0xff, sizeof(s));
	ck_assert_int_eq(tcpinfo_take(fd, &s), -1);
	ck_assert_int_eq(s.valid, 0);
	close(fd);
	ck_assert_int_eq(tcpinfo_take(-1, &s), -1);
	ck_assert_int_eq(errno, EBADF);
}
END_TEST

START_TEST(state_names)
{
	ck_assert_str_eq(tcpinfo_state_to_text(1), "ESTABLISHED");
	ck_assert_str_eq(tcpinfo_state_to_text(8), "CLOSE_WAIT");
	ck_assert_str_eq(tcpinfo_state_to_text(10), "LISTEN");
	ck_assert_str_eq(tcpinfo_state_to_text(0), "?");
	ck_assert_str_eq(tcpinfo_state_to_text(13), "?");
	ck_assert_str_eq(tcpinfo_state_to_text(4000000000u), "?");
}
END_TEST

Suite *
tcpinfo_suite(void)
{
	Suite *s = suite_create("tcpinfo");
	TCase *tc = tcase_create("snapshot");

	tcase_add_test(tc, acked_data_and_the_peers_fin);
	tcase_add_test(tc, closed_with_data_unread_is_a_reset);
	tcase_add_test(tc, not_a_tcp_socket);
	tcase_add_test(tc, state_names);
	suite_add_tcase(s, tc);
	return s;
}
