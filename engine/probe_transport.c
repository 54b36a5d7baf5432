/*
 * probe_transport: the table of transports, and "tcp" (non-blocking
 * sockets, every wait a poll() bounded by its deadline).
 */
#include "probe_transport.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"
#include "probe_fake.h"
#include "util/xmem.h"

struct probe_conn {
	int	fd;
};

static const struct probe_transport *const probe_transports[] = {
	&probe_transport_tcp,
	&probe_fake_transport,
};

const struct probe_transport *
probe_transport_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(probe_transports) / sizeof(probe_transports[0]); i++)
		if (strcmp(probe_transports[i]->name, name) == 0)
			return probe_transports[i];
	return NULL;
}

/* ---------------------------------------------------------------------- */
/* tcp                                                                      */

static unsigned long long
tcp_now_ms(void *arg)
{
	(void)arg;
	return probe_now_ms();
}

static int
tcp_remaining(unsigned long long deadline)
{
	unsigned long long now = probe_now_ms();

	return now >= deadline ? 0 : (int)(deadline - now);
}

static int
tcp_wait_fd(int fd, int what, unsigned long long deadline, int *e)
{
	for (;;) {
		struct pollfd pfd = { fd, (short)(what == PROBE_WAIT_WRITE ? POLLOUT : POLLIN), 0 };
		int left = tcp_remaining(deadline), pr;

		if (left == 0)
			return 0;
		pr = poll(&pfd, 1, left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0) {
			*e = errno;
			return -1;
		}
		return pr > 0;
	}
}

static int
tcp_connect(void *arg, const char *addr, unsigned port, unsigned long long deadline,
    struct probe_conn **conn, int *e)
{
	struct addrinfo hints, *ai = NULL;
	char service[16];
	socklen_t elen = sizeof(*e);
	int fd;

	(void)arg;
	*conn = NULL;
	*e = 0;
	snprintf(service, sizeof(service), "%u", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;	/* never the resolver */
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(addr, service, &hints, &ai) != 0 || ai == NULL) {
		*e = EINVAL;
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		*e = errno;
	else if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS)
			*e = errno;
		else {
			int w = tcp_wait_fd(fd, PROBE_WAIT_WRITE, deadline, e);

			if (w == 0)
				*e = ETIMEDOUT;
			else if (w > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, e, &elen) != 0)
				*e = errno;
		}
	}
	freeaddrinfo(ai);
	/* ECONNRESET: the handshake completed and the server reset the
	   connection before we looked (a refusal to SYN is ECONNREFUSED). */
	if (fd >= 0 && (*e == 0 || *e == ECONNRESET)) {
		*conn = xmalloc(sizeof(**conn));
		(*conn)->fd = fd;
		return 0;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

static int
tcp_wait(struct probe_conn *c, int what, unsigned long long deadline, int *e)
{
	return tcp_wait_fd(c->fd, what, deadline, e);
}

static ssize_t
tcp_send(struct probe_conn *c, const void *data, size_t n, int *e)
{
	ssize_t w = send(c->fd, data, n, MSG_NOSIGNAL);

	if (w < 0)
		*e = errno == EINTR ? EAGAIN : errno;
	return w;
}

static ssize_t
tcp_recv(struct probe_conn *c, void *data, size_t n, int *e)
{
	ssize_t r = recv(c->fd, data, n, 0);

	if (r < 0)
		*e = errno == EINTR ? EAGAIN : errno;
	return r;
}

static void
tcp_close(struct probe_conn *c)
{
	if (c == NULL)
		return;
	close(c->fd);
	free(c);
}

const struct probe_transport probe_transport_tcp = {
	"tcp", tcp_now_ms, tcp_connect, tcp_wait, tcp_send, tcp_recv, tcp_close
};
