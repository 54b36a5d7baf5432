/* transport_tcp: the "tcp" transport and the table of transports (see transport.h). */
#include "smtp/transport.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtp/transport_fake.h"
#include "util/clock.h"
#include "util/xmem.h"

struct transport_conn {
	int	 fd;
};

static unsigned long long
tcp_now_ms(void *arg)
{
	(void)arg;
	return (unsigned long long)clock_ms();
}

/* One address: a non-blocking connect, bounded by connect_ms. 0 or an errno. */
static int
tcp_connect_one(const struct transport_params *p, const struct addrinfo *ai, int *fdp)
{
	struct pollfd pfd;
	socklen_t elen;
	int fd, rc, e = 0, one = 1;
	unsigned waited;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd < 0)
		return errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (p->user_timeout_ms > 0)
		setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &p->user_timeout_ms,
		    sizeof(p->user_timeout_ms));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
		*fdp = fd;
		return 0;
	}
	if (errno != EINPROGRESS) {
		e = errno;
		close(fd);
		return e;
	}
	pfd.fd = fd;
	pfd.events = POLLOUT;
	pfd.revents = 0;
	/* in slices, so that a stop (SIGTERM) is seen within TRANSPORT_SLICE_MS */
	for (waited = 0;;) {
		int slice = (int)(p->connect_ms - waited);

		if (p->stop != NULL && *p->stop) {
			rc = -1;
			errno = EINTR;
			break;
		}
		if (waited >= p->connect_ms) {
			rc = 0;
			break;
		}
		if (p->stop != NULL && slice > TRANSPORT_SLICE_MS)
			slice = TRANSPORT_SLICE_MS;
		rc = poll(&pfd, 1, slice);
		if (rc > 0 || (rc < 0 && errno != EINTR))
			break;
		if (rc == 0)
			waited += (unsigned)slice;
	}
	elen = sizeof(e);
	if (rc == 0)
		e = ETIMEDOUT;
	else if (rc < 0)
		e = errno;
	else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) != 0)
		e = errno;
	/* a reset right after the handshake: connected, and its snapshot wanted
	 * (a refusal to the SYN is ECONNREFUSED) */
	if (e == 0 || e == ECONNRESET) {
		*fdp = fd;
		return e;
	}
	close(fd);
	return e;
}

static int
tcp_open(const struct transport_params *p, struct transport_conn **out, int *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	char port[16];
	int rc, fd = -1, e = EHOSTUNREACH;

	*out = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (p->numeric ? AI_NUMERICHOST : 0);
	snprintf(port, sizeof(port), "%u", p->port);
	if ((rc = getaddrinfo(p->host, port, &hints, &res)) != 0 || res == NULL) {
		*err = p->numeric ? EINVAL : rc == EAI_SYSTEM ? errno : EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		e = tcp_connect_one(p, ai, &fd);
	freeaddrinfo(res);
	if (fd < 0) {
		*err = e;
		return -1;
	}
	*out = xcalloc(1, sizeof(**out));
	(*out)->fd = fd;
	*err = e;	/* 0, or ECONNRESET */
	return 0;
}

static int
tcp_wait(struct transport_conn *c, int what, unsigned long long deadline, int *err)
{
	struct pollfd pfd = { c->fd, (short)(what == TRANSPORT_WAIT_WRITE ? POLLOUT : POLLIN),
	    0 };
	unsigned long long now = tcp_now_ms(NULL);
	int rc;

	if (now >= deadline)
		return 0;
	rc = poll(&pfd, 1, deadline - now > 1000000 ? 1000000 : (int)(deadline - now));
	if (rc < 0)
		*err = errno;	/* EINTR too: the caller looks at its stop flag */
	return rc < 0 ? -1 : rc > 0;
}

static ssize_t
tcp_send(struct transport_conn *c, const void *buf, size_t n, int more, int *err)
{
	ssize_t w = send(c->fd, buf, n, MSG_NOSIGNAL | (more ? MSG_MORE : 0));

	if (w < 0)
		*err = errno;
	return w;
}

static ssize_t
tcp_recv(struct transport_conn *c, void *buf, size_t n, int *err)
{
	ssize_t r = recv(c->fd, buf, n, 0);

	if (r < 0)
		*err = errno;
	return r;
}

static int
tcp_snapshot(struct transport_conn *c, struct tcpinfo_snap *out)
{
	return tcpinfo_take(c->fd, out);
}

static int
tcp_id(const struct transport_conn *c)
{
	return c->fd;
}

static int
tcp_local_literal(const struct transport_conn *c, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char addr[INET6_ADDRSTRLEN];

	if (getsockname(c->fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET &&
	    inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, addr, sizeof(addr)))
		return snprintf(out, n, "[%s]", addr) < (int)n ? 0 : -1;
	if (ss.ss_family == AF_INET6 &&
	    inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, addr, sizeof(addr)))
		return snprintf(out, n, "[IPv6:%s]", addr) < (int)n ? 0 : -1;
	return -1;
}

static void
tcp_close(struct transport_conn *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c);
}

const struct transport transport_tcp = {
	"tcp", tcp_now_ms, tcp_open, tcp_wait, tcp_send, tcp_recv, tcp_snapshot, tcp_id,
	tcp_local_literal, tcp_close,
};

const struct transport *
transport_find(const char *name)
{
	static const struct transport *const all[] = { &transport_tcp, &transport_fake };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}
