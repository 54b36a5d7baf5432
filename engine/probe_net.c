/*
 * probe_net: dns, ping-*, and the SMTP chain (tcp-connect, greeting, ehlo,
 * peer-product, resend).
 *
 * dns and ping use sockets directly: non-blocking, every wait a poll()
 * bounded by the probe's deadline. The SMTP chain talks through a probe
 * transport (smtp/transport.h: real TCP, or a scripted fake for tests),
 * and all of its times are on the transport's clock. Everything read from
 * the peer goes into results through text_sanitize() (probe.c), never
 * anywhere else.
 */
#include "probe_net.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ares.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "util/buf.h"
#include "kb.h"
#include "smtp/reply.h"
#include "smtp/transport.h"
#include "util/xmem.h"

#define QUIT_WAIT_MS	1000	/* at most, for the 221 */

static int
net_remaining(unsigned long long deadline)
{
	unsigned long long now = probe_now_ms();

	return now >= deadline ? 0 : (int)(deadline - now);
}

/* ---------------------------------------------------------------------- */
/* dns                                                                      */

struct net_dns {
	int	done;
	int	status;
	char	addr[INET6_ADDRSTRLEN];
};

static void
net_dns_done(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct net_dns *d = arg;
	const struct ares_addrinfo_node *n;

	(void)timeouts;
	d->done = 1;
	d->status = status;
	/* The first IPv4 address, else the first address. */
	for (n = res ? res->nodes : NULL; n && d->addr[0] == '\0'; n = n->ai_next)
		if (n->ai_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
			    n->ai_addr)->sin_addr, d->addr, sizeof(d->addr));
	for (n = res ? res->nodes : NULL; n && d->addr[0] == '\0'; n = n->ai_next)
		if (n->ai_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)
			    n->ai_addr)->sin6_addr, d->addr, sizeof(d->addr));
	if (res)
		ares_freeaddrinfo(res);
}

int
probe_net_dns(struct probe_result *r, const char *host, const char *dns_server,
    unsigned timeout_ms, char addr[INET6_ADDRSTRLEN])
{
	unsigned long long start = probe_now_ms(), deadline = start + timeout_ms;
	struct ares_options opt;
	struct ares_addrinfo_hints hints;
	struct net_dns d;
	ares_channel ch;
	unsigned char bin[16];
	char lookups[] = "b";
	int mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES, rc = -1, st;

	probe_target(r, host);
	if (inet_pton(AF_INET, host, bin) == 1 || inet_pton(AF_INET6, host, bin) == 1) {
		snprintf(addr, INET6_ADDRSTRLEN, "%s", host);
		probe_observe(r, "resolved", "address literal");
		return 0;
	}
	memset(&opt, 0, sizeof(opt));
	/* Two tries inside the deadline; the poll loop below enforces it. */
	opt.timeout = (int)(timeout_ms / 2 ? timeout_ms / 2 : 1);
	opt.tries = 2;
	if (dns_server) {
		/* Only the server given: no hosts file, no resolv.conf servers,
		   no search domains appended. */
		opt.lookups = lookups;
		opt.flags = ARES_FLAG_NOSEARCH;
		mask |= ARES_OPT_LOOKUPS | ARES_OPT_FLAGS;
	}
	if (ares_init_options(&ch, &opt, mask) != ARES_SUCCESS) {
		probe_fail(r, "the resolver could not start");
		return -1;
	}
	if (dns_server && (st = ares_set_servers_ports_csv(ch, dns_server)) != ARES_SUCCESS) {
		probe_fail(r, "DNS server %s: %s", dns_server, ares_strerror(st));
		goto out;
	}
	memset(&d, 0, sizeof(d));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	ares_getaddrinfo(ch, host, NULL, &hints, net_dns_done, &d);
	while (!d.done) {
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		struct pollfd pfd[ARES_GETSOCK_MAXNUM];
		unsigned bits;
		int i, n = 0, left = net_remaining(deadline), ms;
		struct timeval tv, *tvp, maxtv;

		if (left == 0) {
			ares_cancel(ch);	/* calls net_dns_done with ARES_ECANCELLED */
			break;
		}
		bits = (unsigned)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
		for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			/* c-ares's own macros shift a signed 1 into the sign bit. */
			unsigned rd = bits & (1u << i);
			unsigned wr = bits & (1u << (i + ARES_GETSOCK_MAXNUM));

			if (!rd && !wr)
				continue;
			pfd[n].fd = socks[i];
			pfd[n].events = (short)((rd ? POLLIN : 0) | (wr ? POLLOUT : 0));
			pfd[n].revents = 0;
			n++;
		}
		maxtv.tv_sec = left / 1000;
		maxtv.tv_usec = (left % 1000) * 1000;
		tvp = ares_timeout(ch, &maxtv, &tv);
		ms = (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000);
		if (poll(pfd, (nfds_t)n, ms) <= 0) {
			ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
			continue;
		}
		for (i = 0; i < n; i++)
			ares_process_fd(ch,
			    pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd : ARES_SOCKET_BAD,
			    pfd[i].revents & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
	}
	r->elapsed_ms = (unsigned)(probe_now_ms() - start);
	if (d.status == ARES_SUCCESS && d.addr[0]) {
		snprintf(addr, INET6_ADDRSTRLEN, "%s", d.addr);
		probe_observe(r, "resolved", "%s resolved to %s%s%s", host, d.addr,
		    dns_server ? " by " : "", dns_server ? dns_server : "");
		rc = 0;
	} else if (d.status == ARES_ENOTFOUND || d.status == ARES_ENODATA ||
	    d.status == ARES_ENONAME || d.status == ARES_SUCCESS)
		probe_observe(r, "failed", "%s: %s", host, d.status == ARES_SUCCESS ?
		    "no address" : ares_strerror(d.status));
	else if (d.status == ARES_ETIMEOUT || d.status == ARES_ECANCELLED || !d.done)
		probe_observe(r, "timeout", "%s: no answer from the resolver in %u ms", host,
		    timeout_ms);
	else
		probe_fail(r, "%s: %s", host, ares_strerror(d.status));
out:
	ares_destroy(ch);
	return rc;
}

/* ---------------------------------------------------------------------- */
/* ping                                                                     */

static unsigned short
net_cksum(const void *p, size_t n)
{
	const unsigned char *b = p;
	unsigned long sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (unsigned long)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		sum += (unsigned long)(b[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((unsigned short)~sum);
}

static int
net_unreachable_errno(int e)
{
	return e == EHOSTUNREACH || e == ENETUNREACH || e == EHOSTDOWN || e == ENETDOWN;
}

/*
 * An ICMP echo over fd (a ping socket when raw is 0, connected to dst).
 * 1 reply, 0 no reply, 2 unreachable (with *why set).
 */
static int
net_echo(int fd, int raw, const struct sockaddr_in *dst, unsigned long long deadline,
    int *why)
{
	unsigned char pkt[64], in[1500];
	struct icmphdr *h = (struct icmphdr *)(void *)pkt;
	unsigned short id = (unsigned short)(getpid() ^ (long)fd), seq = 1;
	ssize_t n;

	memset(pkt, 0, sizeof(pkt));
	h->type = ICMP_ECHO;
	h->un.echo.id = htons(id);
	h->un.echo.sequence = htons(seq);
	memcpy(pkt + sizeof(*h), "kbdiag probe", 12);
	h->checksum = net_cksum(pkt, sizeof(pkt));
	if (sendto(fd, pkt, sizeof(pkt), 0, (const struct sockaddr *)dst, sizeof(*dst)) < 0) {
		*why = errno;
		return net_unreachable_errno(errno) ? 2 : -1;
	}
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		const struct icmphdr *rh;
		size_t off = 0;
		int left = net_remaining(deadline);

		if (left == 0 || poll(&pfd, 1, left) <= 0)
			return 0;
		n = recv(fd, in, sizeof(in), 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			*why = errno;
			return net_unreachable_errno(errno) ? 2 : -1;
		}
		if (raw) {
			const struct iphdr *ip = (const struct iphdr *)(const void *)in;

			if ((size_t)n < sizeof(*ip))
				continue;
			off = (size_t)ip->ihl * 4;
		}
		if ((size_t)n < off + sizeof(*rh))
			continue;
		rh = (const struct icmphdr *)(const void *)(in + off);
		if (rh->type == ICMP_ECHOREPLY && ntohs(rh->un.echo.sequence) == seq &&
		    (!raw || ntohs(rh->un.echo.id) == id))
			return 1;
		if (raw && rh->type == ICMP_DEST_UNREACH) {
			/* The original IP header and 8 bytes of our echo follow. */
			const struct iphdr *oip = (const struct iphdr *)(const void *)
			    (in + off + sizeof(*rh));
			const struct icmphdr *oh;

			if ((size_t)n < off + sizeof(*rh) + sizeof(*oip))
				continue;
			oh = (const struct icmphdr *)(const void *)((const unsigned char *)oip +
			    oip->ihl * 4);
			if ((const unsigned char *)oh + sizeof(*oh) > in + n)
				continue;
			if (oh->type == ICMP_ECHO && ntohs(oh->un.echo.id) == id) {
				*why = rh->code == ICMP_NET_UNREACH ? ENETUNREACH : EHOSTUNREACH;
				return 2;
			}
		}
	}
}

/* No ICMP allowed: a UDP datagram to the discard port; a port-unreachable
 * answer (ECONNREFUSED) shows that the host is up. */
static int
net_udp_check(const struct sockaddr *dst, socklen_t len, unsigned long long deadline,
    int *why)
{
	struct sockaddr_storage ss;
	int fd, rc = 0;
	char c;

	memcpy(&ss, dst, len);
	((struct sockaddr_in *)(void *)&ss)->sin_port = htons(9);	/* same offset in v6 */
	fd = socket(dst->sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*why = errno;
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) != 0 || send(fd, "", 0, 0) < 0) {
		*why = errno;
		rc = net_unreachable_errno(errno) ? 2 : -1;
		goto out;
	}
	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int left = net_remaining(deadline);

		if (left == 0 || poll(&pfd, 1, left) <= 0)
			break;
		if (recv(fd, &c, 1, 0) >= 0 || errno == ECONNREFUSED) {
			rc = 1;
			break;
		}
		if (errno == EAGAIN || errno == EINTR)
			continue;
		*why = errno;
		rc = net_unreachable_errno(errno) ? 2 : -1;
		break;
	}
out:
	close(fd);
	return rc;
}

void
probe_net_ping(struct probe_result *r, const char *addr, unsigned timeout_ms)
{
	unsigned long long start = probe_now_ms(), deadline = start + timeout_ms;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&ss;
	socklen_t len;
	const char *how = "ICMP echo";
	int fd, raw = 0, rc, why = 0;

	probe_target(r, addr);
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		len = sizeof(*sin6);
	} else {
		probe_fail(r, "'%s' is not a numeric address", addr);
		return;
	}
	fd = -1;
	if (ss.ss_family == AF_INET) {
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
		/* Connected, so that the kernel reports ICMP errors on it. */
		if (fd >= 0 && connect(fd, (struct sockaddr *)sin, len) != 0) {
			why = errno;
			close(fd);
			fd = -1;
			if (net_unreachable_errno(why)) {
				rc = 2;
				goto report;
			}
		}
		if (fd < 0 && (fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    IPPROTO_ICMP)) >= 0)
			raw = 1;
	}
	if (fd >= 0) {
		rc = net_echo(fd, raw, sin, deadline, &why);
		close(fd);
	} else {
		how = ss.ss_family == AF_INET ? "UDP check (ICMP echo not allowed here)" :
		    "UDP check (ICMP echo is IPv4 only)";
		rc = net_udp_check((struct sockaddr *)&ss, len, deadline, &why);
	}
report:
	r->elapsed_ms = (unsigned)(probe_now_ms() - start);
	if (rc == 1)
		probe_observe(r, "reply", "%s: %s answered in %u ms", how, addr, r->elapsed_ms);
	else if (rc == 0)
		probe_observe(r, "no-reply", "%s: no answer from %s in %u ms", how, addr,
		    timeout_ms);
	else if (rc == 2)
		probe_observe(r, "unreachable", "%s: %s: %s", how, addr, strerror(why));
	else
		probe_fail(r, "%s: %s: %s", how, addr, strerror(why));
}

int
probe_net_default_gateway(const char *route_file, char addr[INET_ADDRSTRLEN],
    char err[ERR_LEN])
{
	char line[512], ifname[64];
	unsigned long dest, gw, flags;
	FILE *f = fopen(route_file, "re");
	int found = 0;

	if (f == NULL)
		return err_set(err, "cannot read the routing table %s: %s", route_file,
		    strerror(errno));
	while (!found && fgets(line, sizeof(line), f)) {
		struct in_addr in;

		/* Iface Destination Gateway Flags ...; addresses in hex, network order. */
		if (sscanf(line, "%63s %lx %lx %lx", ifname, &dest, &gw, &flags) != 4)
			continue;
		if (dest != 0 || !(flags & 0x2) || !(flags & 0x1))	/* RTF_GATEWAY, RTF_UP */
			continue;
		in.s_addr = (in_addr_t)gw;
		inet_ntop(AF_INET, &in, addr, INET_ADDRSTRLEN);
		found = 1;
	}
	fclose(f);
	return found;
}

/* ---------------------------------------------------------------------- */
/* SMTP                                                                     */

enum net_read {
	NET_READ_OK,
	NET_READ_TIMEOUT,
	NET_READ_CLOSED,
	NET_READ_RESET,
	NET_READ_TOOLONG,	/* a line over SMTP_REPLY_LINE_MAX */
	NET_READ_UNFINISHED,	/* the reply began but did not end: more than
				   SMTP_REPLY_LINES_MAX lines, or the deadline came
				   after some of it */
	NET_READ_ERROR
};

struct net_session {
	const struct transport *tr;
	void		*arg;		/* the transport's: probe_params.transport_arg */
	struct transport_conn *conn;	/* NULL until connected */
	struct smtp_reader rd;		/* the server's replies, lenient */
	int		 err;		/* errno of the last failure */
	size_t		 lines;		/* lines of the last reply read */
};

/* The transport's clock: every time of the chain is on it. */
static unsigned long long
net_now(const struct net_session *s)
{
	return s->tr->now_ms(s->arg);
}

/* One reply as read: its code (0 when malformed), last line, line ends. */
struct net_reply {
	int		 code;
	int		 bare_lf;	/* some line ended in LF alone */
	struct buf	 text;		/* the lines joined by spaces, codes kept */
	char		 first[SMTP_REPLY_LINE_MAX];	/* the first line */
};

static enum net_read
net_read_more(struct net_session *s, unsigned long long deadline)
{
	char chunk[4096];
	ssize_t n;

	for (;;) {
		int e = 0, w = s->tr->wait(s->conn, TRANSPORT_WAIT_READ, deadline, &e);

		if (w == 0)
			return NET_READ_TIMEOUT;
		if (w < 0 && e == EINTR)
			continue;
		if (w < 0) {
			s->err = e;
			return NET_READ_ERROR;
		}
		n = s->tr->recv(s->conn, chunk, sizeof(chunk), &e);
		if (n > 0) {
			smtp_reader_feed(&s->rd, chunk, (size_t)n);
			return NET_READ_OK;
		}
		if (n == 0)
			return NET_READ_CLOSED;
		if (e == EAGAIN || e == EINTR)
			continue;
		s->err = e;
		return e == ECONNRESET ? NET_READ_RESET : NET_READ_ERROR;
	}
}

/*
 * Read one (possibly multi-line) reply with the lenient reader
 * (smtp/reply.h): whatever the server says is shown, and each line goes
 * into the transcript.
 */
static enum net_read
net_read_reply(struct net_session *s, unsigned long long deadline, struct net_reply *rep,
    struct probe_result *r)
{
	size_t nlines = 0;
	enum net_read rc;

	rep->code = 0;
	rep->bare_lf = 0;
	rep->first[0] = '\0';
	buf_reset(&rep->text);
	s->lines = 0;
	smtp_reader_begin(&s->rd);
	for (;;) {
		struct smtp_line l;
		enum smtp_read st = smtp_reader_next(&s->rd, &l);

		if (st == SMTP_READ_TOOLONG)
			return NET_READ_TOOLONG;
		if (st == SMTP_READ_MORE) {
			if ((rc = net_read_more(s, deadline)) != NET_READ_OK)
				/* Part of a reply came: the peer is not silent. */
				return rc == NET_READ_TIMEOUT && (nlines > 0 ||
				    smtp_reader_pending(&s->rd) > 0) ? NET_READ_UNFINISHED : rc;
			continue;
		}
		if (l.bare_lf)
			rep->bare_lf = 1;
		probe_transcript_add(r, 'S', l.text, l.len);
		if (nlines == 0) {
			snprintf(rep->first, sizeof(rep->first), "%.*s", (int)l.len, l.text);
			rep->code = l.code;
		}
		buf_printf(&rep->text, "%s%.*s", nlines ? "\n" : "", (int)l.len, l.text);
		s->lines = ++nlines;
		if (l.last)
			return NET_READ_OK;
		if (l.verdict == SMTP_LINE_TOO_MANY)
			return NET_READ_UNFINISHED;
	}
}

/* Send a command (cmd without CR LF), recorded as "C: ...". */
static int
net_send(struct net_session *s, const char *data, size_t n, unsigned long long deadline)
{
	while (n > 0) {
		ssize_t w;
		int e = 0, ready = s->tr->wait(s->conn, TRANSPORT_WAIT_WRITE, deadline, &e);

		if (ready < 0 && e == EINTR)
			continue;
		if (ready <= 0) {
			s->err = ready == 0 ? ETIMEDOUT : e;
			return -1;
		}
		w = s->tr->send(s->conn, data, n, 0, &e);
		if (w < 0) {
			if (e == EAGAIN || e == EINTR)
				continue;
			s->err = e;
			return -1;
		}
		data += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
net_command(struct net_session *s, struct probe_result *r, const char *cmd,
    unsigned long long deadline)
{
	struct buf b = BUF_INIT;
	int rc;

	probe_transcript_add(r, 'C', cmd, strlen(cmd));
	buf_printf(&b, "%s\r\n", cmd);
	rc = net_send(s, b.data, b.len, deadline);
	buf_free(&b);
	return rc;
}

static const char *
net_read_text(enum net_read rc, const struct net_session *s)
{
	switch (rc) {
	case NET_READ_OK:	return "a reply";
	case NET_READ_TIMEOUT:	return "no answer before the deadline";
	case NET_READ_CLOSED:	return "the server closed the connection";
	case NET_READ_RESET:	return "the server reset the connection";
	case NET_READ_TOOLONG:	return "a reply line longer than 4096 bytes";
	case NET_READ_UNFINISHED: return "a reply that did not end";
	case NET_READ_ERROR:	return strerror(s->err);
	}
	return "?";
}

/* tcp-connect: 0 and s->conn open, or -1 (the result says why). */
static int
net_connect(struct net_session *s, const char *addr, unsigned port, unsigned timeout_ms,
    struct probe_result *r)
{
	unsigned long long start = net_now(s);
	struct transport_params tp;
	char target[INET6_ADDRSTRLEN + 16];
	int e = 0, rc;

	snprintf(target, sizeof(target), strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr, port);
	probe_target(r, target);
	memset(&tp, 0, sizeof(tp));
	tp.host = addr;
	tp.port = port;
	tp.numeric = 1;		/* the resolving is the dns probe's */
	tp.connect_ms = timeout_ms;
	tp.arg = s->arg;
	rc = s->tr->open(&tp, &s->conn, &e);
	r->elapsed_ms = (unsigned)(net_now(s) - start);
	if (rc == 0 && e == 0)
		probe_observe(r, "connected", "connected to %s in %u ms", target, r->elapsed_ms);
	else if (rc == 0)
		/* ECONNRESET: the greeting will find it closed. */
		probe_observe(r, "connected", "connected to %s in %u ms, then reset at once",
		    target, r->elapsed_ms);
	else if (e == ECONNREFUSED)
		probe_observe(r, "refused", "%s refused the connection (reset): nothing "
		    "listens on port %u", target, port);
	else if (e == ETIMEDOUT)
		probe_observe(r, "timeout", "no answer from %s in %u ms", target, timeout_ms);
	else if (net_unreachable_errno(e))
		probe_observe(r, "unreachable", "%s: %s", target, strerror(e));
	else if (e == EINVAL)
		probe_fail(r, "'%s' is not a numeric address", addr);
	else
		probe_fail(r, "%s: %s", target, strerror(e));
	return rc;
}

/* greeting: 0 when a 220 came (the text in rep), else -1. */
static int
net_greeting(struct net_session *s, unsigned timeout_ms, struct net_reply *rep,
    struct probe_result *r)
{
	unsigned long long start = net_now(s);
	enum net_read rc;

	rc = net_read_reply(s, start + timeout_ms, rep, r);
	r->elapsed_ms = (unsigned)(net_now(s) - start);
	if (rc == NET_READ_TIMEOUT)
		probe_observe(r, "silent", "no greeting in %u ms", timeout_ms);
	else if (rc == NET_READ_UNFINISHED && s->lines >= SMTP_REPLY_LINES_MAX)
		probe_observe(r, "unfinished", "the greeting did not end after %zu lines "
		    "(at most %d are read): %s", s->lines, SMTP_REPLY_LINES_MAX, rep->first);
	else if (rc == NET_READ_UNFINISHED && s->lines > 0)
		probe_observe(r, "unfinished", "the greeting did not end in %u ms: %zu "
		    "continuation line%s and no last line: %s", timeout_ms, s->lines,
		    s->lines == 1 ? "" : "s", rep->first);
	else if (rc == NET_READ_UNFINISHED)
		probe_observe(r, "unfinished", "the greeting did not end in %u ms: %zu "
		    "byte%s without a line end", timeout_ms,
		    smtp_reader_pending(&s->rd), smtp_reader_pending(&s->rd) == 1 ? "" : "s");
	else if (rc == NET_READ_CLOSED || rc == NET_READ_RESET)
		probe_observe(r, "closed", "%s before greeting", net_read_text(rc, s));
	else if (rc != NET_READ_OK)
		probe_fail(r, "%s", net_read_text(rc, s));
	else if (rep->code == 421 || rep->code == 554)
		probe_observe(r, "rejected", "%s", rep->first);
	else if (rep->code == 220 && rep->bare_lf)
		probe_observe(r, "bare-lf", "%s (ended in a bare line feed)", rep->first);
	else if (rep->code == 220)
		probe_observe(r, "ok", "%s", rep->first);
	else
		probe_fail(r, "not an SMTP greeting: %s", rep->first);
	return r->value && (strcmp(r->value, "ok") == 0 || strcmp(r->value, "bare-lf") == 0) ?
	    0 : -1;
}

/* A 501 to a HELO is about the missing domain when we sent none, or says so. */
static int
net_domain_required(const char *name, const struct net_reply *rep)
{
	const char *t = buf_str(&rep->text);

	return rep->code == 501 && (name[0] == '\0' || strstr(t, "domain") ||
	    strstr(t, "Domain") || strstr(t, "hostname") || strstr(t, "host name"));
}

/* ehlo: EHLO, and HELO when it is refused with 5xx. 0 when a session is open. */
static int
net_ehlo(struct net_session *s, const char *name, unsigned timeout_ms,
    struct probe_result *r)
{
	unsigned long long start = net_now(s), deadline = start + timeout_ms;
	struct net_reply rep = { 0, 0, BUF_INIT, "" };
	struct buf cmd = BUF_INIT;
	enum net_read rc;
	int ok = -1;

	buf_printf(&cmd, "EHLO%s%s", name[0] ? " " : "", name);
	if (net_command(s, r, buf_str(&cmd), deadline) != 0) {
		probe_fail(r, "cannot send EHLO: %s", strerror(s->err));
		goto out;
	}
	if ((rc = net_read_reply(s, deadline, &rep, r)) != NET_READ_OK) {
		probe_fail(r, "after EHLO: %s", net_read_text(rc, s));
		goto out;
	}
	if (rep.code / 100 == 2) {
		probe_observe(r, "ok", "EHLO accepted: %s", rep.first);
		ok = 0;
		goto out;
	}
	if (rep.code / 100 != 5) {
		probe_observe(r, "rejected", "EHLO refused: %s", rep.first);
		goto out;
	}
	buf_reset(&cmd);
	buf_printf(&cmd, "HELO%s%s", name[0] ? " " : "", name);
	if (net_command(s, r, buf_str(&cmd), deadline) != 0) {
		probe_fail(r, "cannot send HELO: %s", strerror(s->err));
		goto out;
	}
	if ((rc = net_read_reply(s, deadline, &rep, r)) != NET_READ_OK) {
		probe_fail(r, "after HELO: %s", net_read_text(rc, s));
		goto out;
	}
	if (rep.code / 100 == 2) {
		probe_observe(r, "helo-only", "EHLO refused, HELO accepted: %s", rep.first);
		ok = 0;
	} else if (net_domain_required(name, &rep))
		probe_observe(r, "helo-domain-required", "HELO%s refused: %s",
		    name[0] ? "" : " without a host name", rep.first);
	else
		probe_observe(r, "rejected", "EHLO and HELO refused: %s", rep.first);
out:
	r->elapsed_ms = (unsigned)(net_now(s) - start);
	buf_free(&cmd);
	buf_free(&rep.text);
	return ok;
}

const char *
probe_peer_product(const struct kb *kb, const char *greeting, const char **product,
    char err[ERR_LEN])
{
	size_t i;

	*product = NULL;
	for (i = 0; i < kb_peer_count(kb); i++) {
		const struct kb_peer *p = kb_peer_at(kb, i);
		pcre2_match_data *md;
		pcre2_code *re;
		PCRE2_SIZE off;
		int ec, m;

		re = pcre2_compile((PCRE2_SPTR)p->greeting, PCRE2_ZERO_TERMINATED,
		    PCRE2_CASELESS | PCRE2_UTF, &ec, &off, NULL);
		if (re == NULL) {
			err_set(err, "%s:%ld: peer %s: its pattern does not compile", p->file,
			    p->line, p->id);
			return NULL;
		}
		md = pcre2_match_data_create_from_pattern(re, NULL);
		m = pcre2_match(re, (PCRE2_SPTR)greeting, strlen(greeting), 0, 0, md, NULL);
		pcre2_match_data_free(md);
		pcre2_code_free(re);
		if (m >= 0) {
			*product = p->product;
			return p->id;
		}
	}
	return "other";
}

/* peer-product: the rule base's peers table against the greeting's lines. */
static void
net_product(const struct kb *kb, const char *greeting, struct probe_result *r)
{
	const char *id, *product;
	char err[ERR_LEN];

	if ((id = probe_peer_product(kb, greeting, &product, err)) == NULL)
		probe_fail(r, "%s", err);
	else if (product != NULL)
		probe_observe(r, id, "the greeting names %s", product);
	else
		probe_observe(r, id, "the greeting names no product the rule base knows");
}

/* resend: one message through the open session. */
static void
net_resend(struct net_session *s, const struct probe_params *p, unsigned timeout_ms,
    struct probe_result *r)
{
	unsigned long long start = net_now(s), deadline = start + timeout_ms;
	struct net_reply rep = { 0, 0, BUF_INIT, "" };
	struct buf cmd = BUF_INIT;
	const char *phase = "MAIL FROM";
	enum net_read rc;
	int step;

	probe_target(r, p->resend_to);
	for (step = 0; step < 4; step++) {
		int want = step == 2 ? 354 : 250;

		buf_reset(&cmd);
		if (step == 0)
			buf_printf(&cmd, "MAIL FROM:<%s>", p->resend_from);
		else if (step == 1) {
			phase = "RCPT TO";
			buf_printf(&cmd, "RCPT TO:<%s>", p->resend_to);
		} else if (step == 2) {
			phase = "DATA";
			buf_puts(&cmd, "DATA");
		}
		if (step < 3) {
			if (net_command(s, r, buf_str(&cmd), deadline) != 0)
				goto send_failed;
		} else {
			phase = "the final dot";
			buf_printf(&cmd, "From: <%s>\r\nTo: <%s>\r\n"
			    "Subject: kbdiag probe: test message\r\n\r\n"
			    "A test message sent by kbdiag probe to check the smart host.\r\n.\r\n",
			    p->resend_from, p->resend_to);
			probe_transcript_add(r, 'C', "(message text)", 14);
			probe_transcript_add(r, 'C', ".", 1);
			if (net_send(s, cmd.data, cmd.len, deadline) != 0)
				goto send_failed;
		}
		if ((rc = net_read_reply(s, deadline, &rep, r)) != NET_READ_OK) {
			probe_observe(r, "failed", "after %s: %s", phase, net_read_text(rc, s));
			goto out;
		}
		if (rep.code != want && !(step == 1 && rep.code == 251)) {
			probe_observe(r, "failed", "%s refused: %s", phase, rep.first);
			goto out;
		}
	}
	probe_observe(r, "delivered", "accepted after the final dot: %s", rep.first);
	goto out;
send_failed:
	probe_observe(r, "failed", "cannot send %s: %s", phase, strerror(s->err));
out:
	r->elapsed_ms = (unsigned)(net_now(s) - start);
	buf_free(&cmd);
	buf_free(&rep.text);
}

static void
net_quit(struct net_session *s, struct probe_result *r, unsigned timeout_ms)
{
	unsigned long long deadline = net_now(s) +
	    (timeout_ms < QUIT_WAIT_MS ? timeout_ms : QUIT_WAIT_MS);
	struct net_reply rep = { 0, 0, BUF_INIT, "" };

	if (net_command(s, r, "QUIT", deadline) == 0)
		(void)net_read_reply(s, deadline, &rep, r);
	buf_free(&rep.text);
}

/* Is a whole timeout left of the round? If not, skip r with the reason. */
static int
net_room(const struct net_session *s, unsigned long long end_ms, unsigned timeout_ms,
    struct probe_result *r)
{
	if (net_now(s) + timeout_ms <= end_ms)
		return 1;
	probe_skip(r, "the round's time ran out before this layer (--round-timeout)");
	return 0;
}

void
probe_net_smtp(const struct probe_params *p, const char *addr, unsigned port,
    unsigned timeout_ms, unsigned round_left_ms, struct probe_result *slots)
{
	struct probe_result *conn = &slots[0], *greet = &slots[1], *ehlo = &slots[2],
	    *product = &slots[3], *resend = &slots[4];
	struct net_session s = { p->transport ? p->transport : &transport_tcp,
	    p->transport_arg, NULL, { 0 }, 0, 0 };
	struct net_reply rep = { 0, 0, BUF_INIT, "" };
	unsigned long long end_ms = net_now(&s) + round_left_ms;
	char hostname[256];
	const char *name = p->helo_name;

	smtp_reader_init(&s.rd, SMTP_REPLY_LENIENT);
	if (name == NULL) {
		if (gethostname(hostname, sizeof(hostname)) != 0 || hostname[0] == '\0')
			snprintf(hostname, sizeof(hostname), "localhost");
		hostname[sizeof(hostname) - 1] = '\0';
		name = hostname;
	}
	if (p->resend_from == NULL)
		probe_skip(resend, "not asked for (give the sender and the recipient)");
	if (!net_room(&s, end_ms, timeout_ms, conn)) {
		probe_skip(greet, "no TCP connection (out of the round's time)");
		probe_skip(ehlo, "no TCP connection (out of the round's time)");
		probe_skip(product, "no TCP connection (out of the round's time)");
		if (p->resend_from)
			probe_skip(resend, "no TCP connection (out of the round's time)");
		goto out;
	}
	if (net_connect(&s, addr, port, timeout_ms, conn) != 0) {
		probe_skip(greet, "no TCP connection");
		probe_skip(ehlo, "no TCP connection");
		probe_skip(product, "no TCP connection");
		if (p->resend_from)
			probe_skip(resend, "no TCP connection");
		goto out;
	}
	probe_target(greet, conn->target);
	probe_target(ehlo, conn->target);
	if (!net_room(&s, end_ms, timeout_ms, greet)) {
		probe_skip(product, "no greeting (out of the round's time)");
		probe_skip(ehlo, "no greeting (out of the round's time)");
		if (p->resend_from)
			probe_skip(resend, "no greeting (out of the round's time)");
		goto out;
	}
	if (net_greeting(&s, timeout_ms, &rep, greet) != 0) {
		if (rep.code)
			net_product(p->kb, buf_str(&rep.text), product);
		else
			probe_skip(product, "no greeting to recognise the peer by");
		probe_skip(ehlo, "no 220 greeting");
		if (p->resend_from)
			probe_skip(resend, "no 220 greeting");
		goto out;
	}
	net_product(p->kb, buf_str(&rep.text), product);
	if (!net_room(&s, end_ms, timeout_ms, ehlo)) {
		if (p->resend_from)
			probe_skip(resend, "no EHLO (out of the round's time)");
		goto out;
	}
	if (net_ehlo(&s, name, timeout_ms, ehlo) != 0) {
		if (p->resend_from)
			probe_skip(resend, "EHLO and HELO were not accepted");
	} else if (p->resend_from && net_room(&s, end_ms, timeout_ms, resend))
		net_resend(&s, p, timeout_ms, resend);
	if (net_now(&s) < end_ms)
		net_quit(&s, ehlo, (unsigned)(end_ms - net_now(&s) < timeout_ms ?
		    end_ms - net_now(&s) : timeout_ms));
out:
	if (s.conn != NULL)
		s.tr->close(s.conn);
	smtp_reader_free(&s.rd);
	buf_free(&rep.text);
}
