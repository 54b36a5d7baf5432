/*
 * probe_hosts and diag_probe: probing the smart hosts a log names, against
 * real silent listeners on loopback (127.0.0.2, .3, ... on one port that a
 * copy of the rule base lists in tables/ports.xml), through the CLI:
 *
 *   - the rounds run at once: the listeners see every host's connection open
 *     at the same time (sequential rounds would never overlap);
 *   - at most --probe-max hosts, those with the most attempts; the others
 *     are connected to never and are listed as not probed, with why, in
 *     every output format;
 *   - a host on a port the rule base does not expect is not connected to,
 *     and says how to probe it; --smarthost HOST:PORT does.
 *
 * The listeners accept and never greet, so every probed host holds a
 * connection for one probe timeout.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jansson.h>

#include "util/buf.h"
#include "testutil.h"

#define NHOSTS	20

/* Silent listeners on 127.0.0.2 .. 127.0.0.(n+1), one port. */
struct silent {
	int		 lfd[NHOSTS];
	int		 n;
	unsigned	 port;
	int		 stop[2];
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	int		 open, max_open;	/* connections open now, at most */
	int		 accepted[NHOSTS];	/* per host */
};

static void *
silent_run(void *arg)
{
	struct silent *s = arg;
	struct pollfd p[1 + NHOSTS + 256];
	int conn[256], nconn = 0, i, k;
	char buf[512];

	for (;;) {
		int np = 0;

		p[np].fd = s->stop[0];
		p[np++].events = POLLIN;
		for (i = 0; i < s->n; i++) {
			p[np].fd = s->lfd[i];
			p[np++].events = POLLIN;
		}
		for (i = 0; i < nconn; i++) {
			p[np].fd = conn[i];
			p[np++].events = POLLIN;
		}
		if (poll(p, (nfds_t)np, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		for (i = 0; i < s->n; i++)
			if (p[1 + i].revents & POLLIN) {
				int c = accept(s->lfd[i], NULL, NULL);

				if (c < 0 || nconn == 256) {
					if (c >= 0)
						close(c);
					continue;
				}
				conn[nconn++] = c;
				pthread_mutex_lock(&s->lock);
				s->accepted[i]++;
				if (++s->open > s->max_open)
					s->max_open = s->open;
				pthread_mutex_unlock(&s->lock);
			}
		for (k = 0; k < nconn; k++)
			if (p[1 + s->n + k].revents) {
				/* the prober's QUIT or its close: gone when it closes */
				if (read(conn[k], buf, sizeof(buf)) <= 0) {
					close(conn[k]);
					conn[k] = conn[--nconn];
					pthread_mutex_lock(&s->lock);
					s->open--;
					pthread_mutex_unlock(&s->lock);
					break;	/* the poll array no longer matches */
				}
			}
	}
	for (k = 0; k < nconn; k++)
		close(conn[k]);
	return NULL;
}

static void
silent_start(struct silent *s, int n)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int i, one = 1;

	memset(s, 0, sizeof(*s));
	s->n = n;
	pthread_mutex_init(&s->lock, NULL);
	for (i = 0; i < n; i++) {
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_addr.s_addr = htonl(0x7f000002u + (unsigned)i);
		a.sin_port = htons((unsigned short)s->port);
		ck_assert_int_ge(s->lfd[i] = socket(AF_INET, SOCK_STREAM, 0), 0);
		setsockopt(s->lfd[i], SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		ck_assert_msg(bind(s->lfd[i], (struct sockaddr *)&a, sizeof(a)) == 0,
		    "bind 127.0.0.%d:%u: %s", 2 + i, s->port, strerror(errno));
		ck_assert_int_eq(listen(s->lfd[i], 16), 0);
		if (i == 0) {
			ck_assert_int_eq(getsockname(s->lfd[0], (struct sockaddr *)&a, &len), 0);
			s->port = ntohs(a.sin_port);
		}
	}
	ck_assert_int_eq(pipe(s->stop), 0);
	ck_assert_int_eq(pthread_create(&s->thread, NULL, silent_run, s), 0);
}

static void
silent_stop(struct silent *s)
{
	int i;

	ck_assert_int_eq(write(s->stop[1], "x", 1), 1);
	pthread_join(s->thread, NULL);
	for (i = 0; i < s->n; i++)
		close(s->lfd[i]);
	close(s->stop[0]);
	close(s->stop[1]);
	pthread_mutex_destroy(&s->lock);
}

/* An events log: host k (127.0.0.(k+2)) fails `times(k)` times on port. */
static char *
events(const char *dir, int n, unsigned port, int busiest_last)
{
	struct buf b = BUF_INIT, path = BUF_INIT;
	int k, t;

	for (k = 0; k < n; k++)
		for (t = 0; t <= (busiest_last ? k : 0); t++)
			buf_printf(&b, "{\"time\":\"2026-11-23T10:%02d:%02dZ\",\"text\":\"Error (119) "
			    "Network Write Error\",\"code\":119,\"phase\":\"body\",\"peer\":"
			    "\"127.0.0.%d\",\"port\":%u}\n", k % 60, t % 60, k + 2, port);
	buf_printf(&path, "%s/events.json", dir);
	tu_write_str(buf_str(&path), buf_str(&b));
	buf_free(&b);
	return buf_detach(&path);
}

/* The rule base, with port listed as a smart host's. */
static char *
kb_with_port(unsigned port)
{
	char *kb = tu_kb_copy(), from[64], to[512];

	snprintf(from, sizeof(from), "<port id=\"submission\" number=\"587\"");
	snprintf(to, sizeof(to), "<port id=\"test\" number=\"%u\" smarthost=\"yes\"><description>"
	    "the test's silent listeners</description></port>\n  %s", port, from);
	tu_edit_in(kb, "tables/ports.xml", from, to);
	return kb;
}

/* The probe results of incident i in a JSON diagnosis: tcp-connect's. */
static const char *
tcp_connect(json_t *root, size_t i, const char **status)
{
	json_t *probes = json_object_get(json_array_get(json_object_get(root, "incidents"), i),
	    "probes"), *p;
	size_t k;

	json_array_foreach(probes, k, p)
		if (strcmp(json_string_value(json_object_get(p, "probe")), "tcp-connect") == 0) {
			*status = json_string_value(json_object_get(p, "status"));
			return json_string_value(json_object_get(p, "detail"));
		}
	*status = "none";
	return "";
}

START_TEST(rounds_run_at_once)
{
	struct silent s;
	struct tu_run r;
	char *dir = tu_tmpdir(), *log, *kb;
	int i;

	silent_start(&s, 10);
	kb = kb_with_port(s.port);
	log = events(dir, 10, s.port, 0);
	tu_kbdiag_live(&r, NULL, 0, "--kb", kb, "--probe", "--timeout", "400", "-f", "json",
	    "diagnose", log, NULL);
	silent_stop(&s);
	ck_assert_msg(r.status == 0, "%d: %s", r.status, r.err);
	for (i = 0; i < 10; i++)
		ck_assert_msg(s.accepted[i] == 1, "127.0.0.%d: %d connections", i + 2,
		    s.accepted[i]);
	/* one after another, no two would ever be open together */
	ck_assert_msg(s.max_open == 10, "at most %d of 10 connections open at once",
	    s.max_open);
	ck_assert_contains(r.out, "no greeting in 400 ms");
	tu_run_free(&r);
	tu_kb_copy_free(kb);
	tu_rmtree(dir);
	free(dir);
	free(log);
}
END_TEST

START_TEST(at_most_probe_max_the_busiest)
{
	static const char *const fmts[] = { "text", "markdown", "html" };
	struct silent s;
	struct tu_run r;
	char *dir = tu_tmpdir(), *log, *kb;
	json_t *root;
	json_error_t je;
	size_t i, notp = 0;
	const char *st, *detail;

	silent_start(&s, NHOSTS);
	kb = kb_with_port(s.port);
	log = events(dir, NHOSTS, s.port, 1);	/* host k: k + 1 attempts */
	tu_kbdiag_live(&r, NULL, 0, "--kb", kb, "--probe", "--timeout", "300", "--probe-max",
	    "5", "-f", "json", "diagnose", log, NULL);
	silent_stop(&s);
	ck_assert_msg(r.status == 0, "%d: %s", r.status, r.err);
	for (i = 0; i < NHOSTS; i++)
		ck_assert_msg(s.accepted[i] == (i >= NHOSTS - 5), "127.0.0.%zu: %d connections",
		    i + 2, s.accepted[i]);
	root = json_loads(r.out, 0, &je);
	ck_assert_ptr_nonnull(root);
	for (i = 0; i < json_array_size(json_object_get(root, "incidents")); i++) {
		detail = tcp_connect(root, i, &st);
		if (strcmp(st, "skipped") == 0) {
			ck_assert_contains(detail, "not probed: the logs name 20 smart hosts, more "
			    "than --probe-max (5): the 5 with the most attempts were probed");
			notp++;
		}
	}
	ck_assert_uint_eq(notp, 15);
	ck_assert_contains(r.out, "15 smart hosts not probed: the logs name 20, more than "
	    "--probe-max (5)");
	json_decref(root);
	tu_run_free(&r);
	/* every format lists them (the incidents' probes, the warning) */
	for (i = 0; i < 3; i++) {
		tu_kbdiag_live(&r, NULL, 0, "--kb", kb, "--probe", "--timeout", "300", "--explain",
		    "--probe-max", "5", "-f", fmts[i], "diagnose", log, NULL);
		ck_assert_msg(r.status == 0, "%s: %d: %s", fmts[i], r.status, r.err);
		ck_assert_contains(r.out, "not probed: the logs name 20 smart hosts");
		/* the warning: in the report, or on standard error for text */
		ck_assert_contains(i == 0 ? r.err : r.out, "15 smart hosts not probed");
		tu_run_free(&r);
	}
	tu_kb_copy_free(kb);
	tu_rmtree(dir);
	free(dir);
	free(log);
}
END_TEST

START_TEST(only_the_ports_the_rule_base_expects)
{
	struct silent s;
	struct tu_run r;
	char *dir = tu_tmpdir(), *log, hostport[64];
	const char *st, *detail;
	json_t *root;

	silent_start(&s, 1);
	log = events(dir, 1, s.port, 0);
	/* the real rule base: 25 and 587 only */
	tu_kbdiag_live(&r, NULL, 0, "--probe", "--timeout", "300", "-f", "json", "diagnose", log,
	    NULL);
	ck_assert_msg(r.status == 0, "%d: %s", r.status, r.err);
	root = json_loads(r.out, 0, NULL);
	detail = tcp_connect(root, 0, &st);
	ck_assert_str_eq(st, "skipped");
	snprintf(hostport, sizeof(hostport), "--smarthost 127.0.0.2:%u probes it", s.port);
	ck_assert_contains(detail, "is not one the rule base expects a smart host on (25, 587");
	ck_assert_contains(detail, hostport);
	json_decref(root);
	tu_run_free(&r);
	ck_assert_int_eq(s.accepted[0], 0);
	/* named on the command line: probed */
	snprintf(hostport, sizeof(hostport), "127.0.0.2:%u", s.port);
	tu_kbdiag_live(&r, NULL, 0, "--probe", "--timeout", "300", "-f", "json", "--smarthost",
	    hostport, "diagnose", log, NULL);
	silent_stop(&s);
	ck_assert_msg(r.status == 0, "%d: %s", r.status, r.err);
	ck_assert_int_eq(s.accepted[0], 1);
	tu_run_free(&r);
	tu_rmtree(dir);
	free(dir);
	free(log);
}
END_TEST

Suite *
probe_hosts_suite(void)
{
	Suite *s = suite_create("probe_hosts");
	TCase *tc = tcase_create("probe_hosts");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rounds_run_at_once);
	tcase_add_test(tc, at_most_probe_max_the_busiest);
	tcase_add_test(tc, only_the_ports_the_rule_base_expects);
	suite_add_tcase(s, tc);
	return s;
}
