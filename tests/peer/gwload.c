/*
 * gwload: many SMTP clients at once against a listener (smtpgw run --listen)
 * for the soak test (tests/integration/gw-soak.sh), keeping an exact account
 * of what the server acknowledged.
 *
 *   gwload --port PORT --messages N [--clients C] [--per-session K]
 *          [--pause MS] [--prefix P] [--out FILE]
 *
 * C client threads send N messages in all over 127.0.0.1:PORT, up to K per
 * session (pipelined MAIL, RCPT, DATA; the body after the 354, MS
 * milliseconds later: a session spends that long in the middle of its data),
 * each with its own Message-ID <P-I.T@smtpgw.test> (I the message, T the
 * try). FILE gets one
 * line per outcome, written as it happens:
 *
 *   ACK MSGID QUEUEID   250 to the final dot: the gateway has it
 *   NAK MSGID CODE      a 4xx/5xx to the final dot: it does not; sent again
 *                       (same I, next T)
 *   AMBIG MSGID         the connection ended between the final dot and its
 *                       reply: it may or may not have been queued; sent again
 *                       (next T), so AMBIG ones may arrive or not, never count
 *                       as lost or as duplicates
 *
 * A refused or dropped connection (the gateway is being killed and started
 * again) is retried after 50 ms. Exit 0 once every message is acknowledged,
 * 1 on a system error, 2 on a usage error.
 *
 *   gwload --port PORT --greetings N [--wait SECONDS] [--hold SECONDS]
 *
 * opens N connections at once, then prints how many got "220", how many
 * "421", how many nothing within SECONDS (default 10) of being opened, and
 * the greeting times (median and largest, in ms): what a listener does when
 * it is flooded or its smart host hangs (tests/bench/gw-hostile.sh). The
 * greeted connections stay open --hold SECONDS more (default 0).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static unsigned port;
static unsigned long total, per_session = 5, pause_ms;
static const char *prefix = "soak";
static FILE *out;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long next_msg;		/* the next message not yet taken */
static unsigned long acked;
static unsigned *tries;			/* per message */

static void
record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
record(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&lock);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fflush(out);
	pthread_mutex_unlock(&lock);
}

/* The next message to send (a new one, or one to send again), or -1. */
struct todo {
	unsigned long	*list;
	size_t		 n, cap;
};
static struct todo again;

static long
take(void)
{
	long m = -1;

	pthread_mutex_lock(&lock);
	if (again.n > 0)
		m = (long)again.list[--again.n];
	else if (next_msg < total)
		m = (long)next_msg++;
	pthread_mutex_unlock(&lock);
	return m;
}

static void
give_back(unsigned long m)
{
	pthread_mutex_lock(&lock);
	if (again.n == again.cap) {
		again.cap = again.cap ? again.cap * 2 : 64;
		again.list = realloc(again.list, again.cap * sizeof(*again.list));
		if (again.list == NULL)
			abort();
	}
	again.list[again.n++] = m;
	pthread_mutex_unlock(&lock);
}

static int
all_done(void)
{
	int done;

	pthread_mutex_lock(&lock);
	done = acked >= total;
	pthread_mutex_unlock(&lock);
	return done;
}

static int
connect_local(void)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((unsigned short)port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	/*
	 * While nothing listens on the port (the gateway killed), a connection
	 * whose own port the kernel picked equal to it connects to itself
	 * (TCP's simultaneous open) and then holds the port the gateway comes
	 * back on: refused, as a connection nobody answered.
	 */
	{
		struct sockaddr_in me;
		socklen_t len = sizeof(me);

		if (getsockname(fd, (struct sockaddr *)&me, &len) == 0 &&
		    me.sin_port == sa.sin_port) {
			close(fd);
			errno = ECONNREFUSED;
			return -1;
		}
	}
	return fd;
}

struct conn {
	int	 fd;
	char	 in[8192];
	size_t	 len;
};

/* The next reply (its last line) into line; -1 when the connection ended. */
static int
reply(struct conn *c, char *line, size_t cap)
{
	for (;;) {
		char *nl = memchr(c->in, '\n', c->len);

		if (nl != NULL) {
			size_t n = (size_t)(nl - c->in) + 1;
			int last = n >= 4 && c->in[3] == ' ';

			if (last) {
				size_t k = n < cap ? n : cap - 1;

				memcpy(line, c->in, k);
				line[k] = '\0';
				line[strcspn(line, "\r\n")] = '\0';
			}
			memmove(c->in, c->in + n, c->len - n);
			c->len -= n;
			if (last)
				return 0;
			continue;
		}
		if (c->len == sizeof(c->in))
			return -1;
		{
			struct pollfd p = { c->fd, POLLIN, 0 };
			ssize_t got;

			if (poll(&p, 1, 120000) <= 0)
				return -1;
			got = read(c->fd, c->in + c->len, sizeof(c->in) - c->len);
			if (got <= 0)
				return -1;
			c->len += (size_t)got;
		}
	}
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One session: up to per_session messages. */
static void
session(unsigned id)
{
	struct conn c;
	char line[1024], buf[4096];
	unsigned long k;
	long m = -1;

	memset(&c, 0, sizeof(c));
	if ((c.fd = connect_local()) < 0) {
		usleep(50000);
		return;
	}
	if (reply(&c, line, sizeof(line)) != 0 || strncmp(line, "220", 3) != 0)
		goto out;	/* 421: over the cap, or stopping */
	snprintf(buf, sizeof(buf), "EHLO load%u.test\r\n", id);
	if (send_all(c.fd, buf, strlen(buf)) != 0 || reply(&c, line, sizeof(line)) != 0 ||
	    line[0] != '2')
		goto out;
	for (k = 0; k < per_session; k++) {
		unsigned t;
		int n, i;

		if ((m = take()) < 0)
			break;
		pthread_mutex_lock(&lock);
		t = tries[m]++;
		pthread_mutex_unlock(&lock);
		n = snprintf(buf, sizeof(buf), "MAIL FROM:<load@example.org>\r\n"
		    "RCPT TO:<to%ld@example.org>\r\nDATA\r\n", m);
		if (send_all(c.fd, buf, (size_t)n) != 0)
			goto retry;
		for (i = 0; i < 3; i++)
			if (reply(&c, line, sizeof(line)) != 0)
				goto retry;
		if (strncmp(line, "354", 3) != 0)
			goto retry;
		if (pause_ms > 0)
			usleep((useconds_t)(pause_ms * 1000));
		n = snprintf(buf, sizeof(buf), "From: load@example.org\r\nTo: to%ld@example.org\r\n"
		    "Message-ID: <%s-%ld.%u@smtpgw.test>\r\nSubject: soak %ld\r\n\r\nmessage %ld, "
		    "try %u\r\n..a dotted line\r\n.\r\n", m, prefix, m, t, m, m, t);
		if (send_all(c.fd, buf, (size_t)n) != 0) {
			record("AMBIG <%s-%ld.%u@smtpgw.test>\n", prefix, m, t);
			goto retry;
		}
		if (reply(&c, line, sizeof(line)) != 0) {
			record("AMBIG <%s-%ld.%u@smtpgw.test>\n", prefix, m, t);
			goto retry;
		}
		if (strncmp(line, "250", 3) == 0) {
			const char *q = strstr(line, "queued as ");

			record("ACK <%s-%ld.%u@smtpgw.test> %s\n", prefix, m, t,
			    q ? q + 10 : "?");
			pthread_mutex_lock(&lock);
			acked++;
			pthread_mutex_unlock(&lock);
			m = -1;
			continue;
		}
		record("NAK <%s-%ld.%u@smtpgw.test> %.3s\n", prefix, m, t, line);
		give_back((unsigned long)m);
		m = -1;
		if (line[0] != '4' && line[0] != '5')
			goto out;
	}
	(void)send_all(c.fd, "QUIT\r\n", 6);
	(void)reply(&c, line, sizeof(line));
	goto out;
retry:
	if (m >= 0)
		give_back((unsigned long)m);
out:
	close(c.fd);
}

static void *
client(void *arg)
{
	unsigned id = (unsigned)(size_t)arg;

	while (!all_done())
		session(id);
	return NULL;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* --greetings N: N connections at once, and what each gets first. */
static int
greetings(unsigned long n, int wait_s, int hold_s)
{
	struct pollfd *p = calloc(n, sizeof(*p));
	long long *t0 = calloc(n, sizeof(*t0)), *lat = calloc(n, sizeof(*lat)), until;
	unsigned long i, open = 0, got220 = 0, got421 = 0, other = 0, nlat = 0;

	if (p == NULL || t0 == NULL || lat == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		p[i].fd = connect_local();
		p[i].events = POLLIN;
		t0[i] = now_ms();
		if (p[i].fd >= 0)
			open++;
	}
	until = now_ms() + wait_s * 1000LL;
	while (open > 0 && now_ms() < until) {
		if (poll(p, n, (int)(until - now_ms())) <= 0)
			break;
		for (i = 0; i < n; i++) {
			char line[512];
			ssize_t k;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			k = read(p[i].fd, line, sizeof(line) - 1);
			line[k > 0 ? k : 0] = '\0';
			if (k >= 3 && strncmp(line, "220", 3) == 0)
				got220++;
			else if (k >= 3 && strncmp(line, "421", 3) == 0)
				got421++;
			else
				other++;
			lat[nlat++] = now_ms() - t0[i];
			/* keep the greeted ones open: sessions in progress */
			if (k < 3 || strncmp(line, "220", 3) != 0)
				close(p[i].fd);
			p[i].fd = -(p[i].fd + 2);	/* poll ignores negative fds */
			open--;
		}
	}
	qsort(lat, nlat, sizeof(*lat), cmp_ll);
	printf("connections %lu: 220 %lu, 421 %lu, other %lu, nothing in %d s %lu; first line "
	    "after %lld ms median, %lld ms at most\n", n, got220, got421, other, wait_s,
	    n - got220 - got421 - other, nlat ? lat[nlat / 2] : -1LL,
	    nlat ? lat[nlat - 1] : -1LL);
	fflush(stdout);
	if (hold_s > 0)
		sleep((unsigned)hold_s);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "messages", required_argument, NULL, 'n' },
		{ "clients", required_argument, NULL, 'c' },
		{ "per-session", required_argument, NULL, 'k' },
		{ "prefix", required_argument, NULL, 'x' },
		{ "out", required_argument, NULL, 'o' },
		{ "greetings", required_argument, NULL, 'g' },
		{ "pause", required_argument, NULL, 'P' },
		{ "wait", required_argument, NULL, 'w' },
		{ "hold", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long clients = 10, i, ngreet = 0;
	int wait_s = 10, hold_s = 0;
	const char *path = NULL;
	pthread_t *th;
	int c;

	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'p': port = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'n': total = strtoul(optarg, NULL, 10); break;
		case 'c': clients = strtoul(optarg, NULL, 10); break;
		case 'k': per_session = strtoul(optarg, NULL, 10); break;
		case 'x': prefix = optarg; break;
		case 'o': path = optarg; break;
		case 'g': ngreet = strtoul(optarg, NULL, 10); break;
		case 'w': wait_s = atoi(optarg); break;
		case 'H': hold_s = atoi(optarg); break;
		case 'P': pause_ms = strtoul(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: gwload --port PORT --messages N [--clients C] "
			    "[--per-session K] [--pause MS] [--prefix P] [--out FILE]\n"
			    "       gwload --port PORT --greetings N [--wait SECONDS] [--hold SECONDS]\n");
			return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (port != 0 && ngreet > 0)
		return greetings(ngreet, wait_s, hold_s);
	if (port == 0 || total == 0 || clients == 0 || per_session == 0) {
		fprintf(stderr, "gwload: --port and --messages are required (and not 0)\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	out = path ? fopen(path, "w") : stdout;
	if (out == NULL) {
		fprintf(stderr, "gwload: %s: %s\n", path, strerror(errno));
		return 1;
	}
	tries = calloc(total, sizeof(*tries));
	th = calloc(clients, sizeof(*th));
	if (tries == NULL || th == NULL)
		return 1;
	for (i = 0; i < clients; i++)
		if (pthread_create(&th[i], NULL, client, (void *)(size_t)i) != 0)
			return 1;
	for (i = 0; i < clients; i++)
		pthread_join(th[i], NULL);
	if (out != stdout)
		fclose(out);
	return 0;
}
