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

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "gwlog.h"
#include "smtp/tcpinfo.h"
#include "util/clock.h"
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
	long long t0;

	for (t0 = clock_ms(); clock_ms() - t0 < TU_WAIT_MS; poll(NULL, 0, 10)) {
		ck_assert_int_eq(tcpinfo_take(fd, s), 0);
		if (strcmp(s->state, state) == 0 && s->bytes_acked >= acked)
			return;
	}
	ck_abort_msg("after %d s the socket is %s with %llu bytes acknowledged; want %s, %llu",
	    TU_WAIT_MS / 1000, s->state, s->bytes_acked, state, acked);
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

/* ---------------------------------------------------------------------- */
/* The keys: one list, four users                                           */

static const char *const list_keys[] = {
#define KEY(key, type, rank) #key,
	TCPINFO_KEYS(KEY)
#undef KEY
};

static const int list_ranks[] = {
#define RANK(key, type, rank) rank,
	TCPINFO_KEYS(RANK)
#undef RANK
};

/* The keys of object o, in order, joined by spaces. */
static char *
keys_of(json_t *o)
{
	struct buf b = BUF_INIT;
	void *it;

	ck_assert(json_is_object(o));
	for (it = json_object_iter(o); it; it = json_object_iter_next(o, it))
		buf_printf(&b, "%s%s", b.len ? " " : "", json_object_iter_key(it));
	return buf_detach(&b);
}

/*
 * The event's tcp_info has the keys docs/events.md's table lists, in its
 * order; the ranks of kbdiag's JSON are 1..n once each.
 */
START_TEST(event_keys_are_the_documented_ones)
{
	struct tcpinfo_snap t;
	struct gwlog_event ev;
	struct buf doc = BUF_INIT;
	char *path = tu_src("docs/events.md"), *md = tu_read(path, NULL), *p, *js, *got;
	json_t *o;
	size_t i;
	int seen[TCPINFO_NKEYS + 1] = { 0 }, max = 0;

	/* the table under "### `tcp_info`": rows "| `key` | ..." */
	p = strstr(md, "### `tcp_info`");
	ck_assert(p != NULL);
	for (p = strstr(p, "\n| `"); p != NULL && strncmp(p, "\n| `", 4) == 0;
	    p = strchr(p + 1, '\n')) {
		char *e = strchr(p + 4, '`');

		buf_printf(&doc, "%s%.*s", doc.len ? " " : "", (int)(e - p - 4), p + 4);
	}
	memset(&t, 0, sizeof(t));
	t.valid = 1;
	t.state = "ESTABLISHED";
	memset(&ev, 0, sizeof(ev));
	ev.cond = LEGACY_READ_TIMEOUT;
	ev.phase = SMTP_PHASE_BODY;
	ev.bytes_sent = -1;
	ev.tcp = &t;
	js = gwlog_event_json(&ev);
	o = json_loads(js, 0, NULL);
	got = keys_of(json_object_get(o, "tcp_info"));
	ck_assert_str_eq(got, buf_str(&doc));
	ck_assert_uint_eq(sizeof(list_keys) / sizeof(list_keys[0]), TCPINFO_NKEYS);
	for (i = 0; i < TCPINFO_NKEYS; i++) {
		ck_assert_int_ge(list_ranks[i], 0);
		ck_assert_int_le(list_ranks[i], TCPINFO_NKEYS);
		ck_assert_msg(list_ranks[i] == 0 || !seen[list_ranks[i]]++, "rank %d twice",
		    list_ranks[i]);
		if (list_ranks[i] > max)
			max = list_ranks[i];
	}
	for (i = 1; i <= (size_t)max; i++)
		ck_assert_msg(seen[i], "no key of rank %zu", i);
	free(got);
	json_decref(o);
	free(js);
	free(md);
	free(path);
	buf_free(&doc);
}
END_TEST

/*
 * An event through kbdiag (reader, diagnosis, render) and the saved
 * diagnosis through replay and render again: the keys kbdiag keeps, with
 * their values, in kbdiag's order.
 */
START_TEST(kbdiag_reads_and_writes_the_same_keys)
{
	static const char want[] = "unacked outq_bytes notsent_bytes retransmits total_retrans "
	    "bytes_acked bytes_sent last_ack_ms snd_wnd state";
	char *dir = tu_tmpdir(), *ev = tu_join(dir, "events.json"), *saved = tu_join(dir, "d.json");
	struct tu_run r;
	json_t *o, *tcp;
	char *got;
	int round;

	tu_write_str(ev, "{\"time\":\"2026-11-23T10:15:02Z\",\"text\":\"ERROR network_read: "
	    "timed out\",\"code\":null,\"class\":\"tempfail\",\"phase\":\"end-of-data\","
	    "\"last_command\":\".\",\"last_reply\":\"354 go ahead\",\"errno\":\"ETIMEDOUT\","
	    "\"peer\":\"127.0.0.1\",\"port\":2525,\"tcp_info\":{\"state\":\"CLOSE_WAIT\","
	    "\"unacked\":1,\"outq_bytes\":2,\"notsent_bytes\":3,\"retransmits\":4,"
	    "\"total_retrans\":5,\"snd_wnd\":6,\"rtt_us\":7,\"last_ack_ms\":8,"
	    "\"last_data_sent_ms\":9,\"bytes_acked\":10,\"bytes_sent\":11}}\n");
	for (round = 0; round < 2; round++) {
		if (round == 0)
			tu_kbdiag(&r, NULL, 0, "-o", saved, "diagnose", "--offline", "--format",
			    "json", ev, NULL);
		else
			tu_kbdiag(&r, NULL, 0, "diagnose", "--offline", "--format", "json",
			    "--replay", saved, NULL);
		ck_assert_msg(r.status == 0, "kbdiag: %d %s", r.status, r.err);
		if (round == 0) {
			tu_run_free(&r);
			got = tu_read(saved, NULL);
			o = json_loads(got, 0, NULL);
			free(got);
		} else {
			o = json_loads(r.out, 0, NULL);
			tu_run_free(&r);
		}
		ck_assert(o != NULL);
		tcp = json_object_get(json_array_get(json_object_get(o, "incidents"), 0),
		    "tcp_info");
		got = keys_of(tcp);
		ck_assert_str_eq(got, want);
		ck_assert_int_eq(json_integer_value(json_object_get(tcp, "snd_wnd")), 6);
		ck_assert_int_eq(json_integer_value(json_object_get(tcp, "bytes_sent")), 11);
		ck_assert_str_eq(json_string_value(json_object_get(tcp, "state")), "CLOSE_WAIT");
		free(got);
		json_decref(o);
	}
	free(ev);
	free(saved);
	tu_rmtree(dir);
	free(dir);
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
	tcase_add_test(tc, event_keys_are_the_documented_ones);
	tcase_add_test(tc, kbdiag_reads_and_writes_the_same_keys);
	suite_add_tcase(s, tc);
	return s;
}
