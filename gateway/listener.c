/* listener: SMTP from local clients into the spool (see listener.h). */
#define _GNU_SOURCE	/* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "listener.h"
#include "util/peer.h"
#include "smtpd.h"
#include "smtp/transport.h"
#include "util/xmem.h"

#define IN_SIZE		65536	/* bytes read from the client at a time */
#define LOG_REFUSALS_S	10	/* at most one line per this many seconds about the caps */

struct session_slot {
	pid_t	 pid;
	char	 addr[INET6_ADDRSTRLEN];	/* the client's address */
};

struct listener {
	const struct listener_params *p;
	int		 fd;
	unsigned	 port;
	struct session_slot *slots;	/* the sessions in progress */
	size_t		 nslots, cap;
	long long	 refusals_logged_at;	/* CLOCK_MONOTONIC s */
	unsigned long	 refused;	/* refused since the last line about it */
};

static int
stopping(const struct listener_params *p)
{
	return p->stop != NULL && *p->stop;
}

/*
 * ADDR:PORT, where PORT 0 asks the kernel for a free port (peer_parse() takes
 * 1 to 65535 only): "127.0.0.1:0", "[::1]:0".
 */
static int
listener_parse(const char *addr, char host[PEER_HOST_MAX], unsigned *port, char err[ERR_LEN])
{
	size_t n = strlen(addr);
	char *head;
	int rc;

	if (n > 2 && strcmp(addr + n - 2, ":0") == 0) {
		head = xstrdup(addr);
		head[n - 2] = '\0';
		rc = peer_parse(head, 0, host, port, err);
		free(head);
		/* "[::]:0" or "127.0.0.1:0", not "::0" nor "1.2.3.4:25:0" */
		if (rc == 0 && *port == 0 && (addr[0] == '[' || strchr(host, ':') == NULL))
			return 0;
	}
	if (peer_parse(addr, 0, host, port, err) != 0)
		return -1;
	if (*port == 0 && strchr(addr, ':') == NULL)
		return err_set(err, "--listen %s: give ADDR:PORT", addr);
	return 0;
}

int
listener_open(const struct listener_params *p, struct listener **out, char err[ERR_LEN])
{
	struct addrinfo hints, *res = NULL;
	char host[PEER_HOST_MAX], port[16];
	unsigned nport;
	int fd, one = 1, rc;

	*out = NULL;
	if (listener_parse(p->addr, host, &nport, err) != 0)
		return -1;
	snprintf(port, sizeof(port), "%u", nport);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0)
		return err_set(err, "--listen %s: %s (an IP address is needed)", p->addr,
		    gai_strerror(rc));
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		freeaddrinfo(res);
		return err_set(err, "socket: %s", strerror(errno));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
		int e = errno;
		struct gwlog_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.cond = LEGACY_BIND;
		ev.err = e;
		ev.peer = host;
		ev.port = nport;
		ev.bytes_sent = -1;
		gwlog_event(p->log, &ev, NULL, 0);
		close(fd);
		freeaddrinfo(res);
		return err_set(err, "%s (%s: %s)", legacy_get(LEGACY_BIND)->text, p->addr,
		    strerror(e));
	}
	freeaddrinfo(res);
	*out = xcalloc(1, sizeof(**out));
	(*out)->p = p;
	(*out)->fd = fd;
	{
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		getsockname(fd, (struct sockaddr *)&ss, &len);
		(*out)->port = ss.ss_family == AF_INET6 ?
		    ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) :
		    ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	gwlog_line(p->log, "SMTP_listen(port=%u)", (*out)->port);
	return 0;
}

unsigned
listener_port(const struct listener *l)
{
	return l->port;
}

int
listener_fd(const struct listener *l)
{
	return l->fd;
}

size_t
listener_sessions(const struct listener *l)
{
	return l->nslots;
}

unsigned
listener_reap(struct listener *l)
{
	unsigned n = 0;
	size_t i = 0;

	/* each session by its pid: the process has other children (delivery) */
	while (i < l->nslots) {
		if (waitpid(l->slots[i].pid, NULL, WNOHANG) == l->slots[i].pid) {
			l->slots[i] = l->slots[--l->nslots];
			n++;
		} else
			i++;
	}
	return n;
}

static void
client_addr(const struct sockaddr_storage *ss, char out[INET6_ADDRSTRLEN])
{
	const void *a = ss->ss_family == AF_INET6 ?
	    (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr :
	    (const void *)&((const struct sockaddr_in *)ss)->sin_addr;

	if (inet_ntop(ss->ss_family, a, out, INET6_ADDRSTRLEN) == NULL)
		snprintf(out, INET6_ADDRSTRLEN, "?");
}

/* Over a cap: the 421 at once (it fits in a new socket's buffer), then close. */
static void
refuse(struct listener *l, int c, const char *addr, int per_client)
{
	char line[512];
	long long now = clock_ms() / 1000;
	int n;

	n = snprintf(line, sizeof(line), "421 4.7.0 %s too many sessions%s, try again later\r\n",
	    l->p->hostname, per_client ? " from your address" : "");
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!send(c, line, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
	shutdown(c, SHUT_WR);
	close(c);
	l->refused++;
	if (l->refusals_logged_at == 0 || now - l->refusals_logged_at >= LOG_REFUSALS_S) {
		gwlog_line(l->p->log, "Session limit: 421 to %lu connection%s (the last from %s): "
		    "%zu sessions in progress, at most %u, %u per client address", l->refused,
		    l->refused == 1 ? "" : "s", addr, l->nslots, l->p->max_sessions,
		    l->p->max_client_sessions);
		l->refusals_logged_at = now;
		l->refused = 0;
	}
}

unsigned
listener_accept(struct listener *l)
{
	const struct listener_params *p = l->p;
	pid_t parent = getpid();

	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char addr[INET6_ADDRSTRLEN];
		size_t i, same = 0;
		pid_t pid;
		int c;

		c = accept4(l->fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (c < 0)
			break;	/* EAGAIN: none waiting; EMFILE and the like: later */
		listener_reap(l);
		client_addr(&ss, addr);
		for (i = 0; i < l->nslots; i++)
			same += strcmp(l->slots[i].addr, addr) == 0;
		if (p->max_sessions > 0 && l->nslots >= p->max_sessions) {
			refuse(l, c, addr, 0);
			continue;
		}
		if (p->max_client_sessions > 0 && same >= p->max_client_sessions) {
			refuse(l, c, addr, 1);
			continue;
		}
		pid = fork();
		if (pid == 0) {
			/* a session does not outlive the gateway, even a SIGKILLed one */
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != parent)
				_exit(0);
			prctl(PR_SET_NAME, "smtpgw-session");	/* for ps and top */
			close(l->fd);
			listener_session(p, c);
			_exit(0);
		}
		if (pid > 0) {
			l->slots = xgrow(l->slots, &l->cap, l->nslots + 1, sizeof(*l->slots));
			l->slots[l->nslots].pid = pid;
			memcpy(l->slots[l->nslots].addr, addr, sizeof(addr));
			l->nslots++;
		} else
			gwlog_line(p->log, "ERROR listener: fork: %s", strerror(errno));
		close(c);
	}
	return listener_reap(l);
}

void
listener_forget(struct listener *l)
{
	if (l == NULL)
		return;
	close(l->fd);
	free(l->slots);
	free(l);
}

void
listener_close(struct listener *l, int grace_ms)
{
	long long until;
	size_t i;

	if (l == NULL)
		return;
	close(l->fd);
	/* a session cut here has not had its 250: the client still has the
	 * message and will send it again */
	for (i = 0; i < l->nslots; i++)
		kill(l->slots[i].pid, SIGTERM);
	until = clock_ms() + grace_ms;
	while (l->nslots > 0 && clock_ms() < until) {
		listener_reap(l);
		if (l->nslots > 0)
			usleep(20000);
	}
	for (i = 0; i < l->nslots; i++)
		kill(l->slots[i].pid, SIGKILL);
	for (i = 0; i < l->nslots; i++)
		while (waitpid(l->slots[i].pid, NULL, 0) < 0 && errno == EINTR)
			;
	free(l->slots);
	free(l);
}

/* ---- one session ---- */

/* The sink of smtpd.h into the spool, with the log and the notification. */
struct spool_sink {
	const struct listener_params *p;
};

/* One message being written. */
struct sink_msg {
	const struct listener_params *p;
	struct spool_writer	*w;
	int			 logged;	/* its write error is in the log */
};

static void *
sink_begin(void *arg, const char *from, char *const *rcpts, size_t nrcpts)
{
	struct spool_sink *ss = arg;
	struct sink_msg *m;
	struct spool_writer *w;
	char err[ERR_LEN];

	if (spool_writer_open(ss->p->spool, from, rcpts, nrcpts, &w, err) != 0) {
		gwlog_line(ss->p->log, "ERROR spool: %s", err);
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	m->p = ss->p;
	m->w = w;
	return m;
}

static int
sink_write(void *h, const char *data, size_t n)
{
	struct sink_msg *m = h;
	char err[ERR_LEN];

	if (spool_writer_write(m->w, data, n, err) != 0) {
		if (!m->logged)
			gwlog_line(m->p->log, "ERROR spool: %s", err);
		m->logged = 1;
		return -1;
	}
	return 0;
}

static int
sink_commit(void *h, char id[SPOOL_ID_MAX])
{
	struct sink_msg *m = h;
	const struct listener_params *p = m->p;
	char err[ERR_LEN];
	int rc = spool_writer_commit(m->w, id, err);

	if (rc != 0 && !m->logged)
		gwlog_line(p->log, "ERROR spool: %s", err);
	free(m);
	if (rc == 0 && p->notify_fd >= 0)
		(void)!write(p->notify_fd, "m", 1);	/* non-blocking: a full pipe is awake */
	return rc;
}

static void
sink_abort(void *h)
{
	struct sink_msg *m = h;

	spool_writer_abort(m->w);
	free(m);
}

static const struct smtpd_sink spool_sink_ops = {
	sink_begin, sink_write, sink_commit, sink_abort,
};

/* Send out to the client within timeout_ms of no progress; -1 when it cannot. */
static int
send_out(const struct listener_params *p, int fd, struct buf *out)
{
	size_t off = 0;
	int rc = 0;

	while (off < out->len) {
		ssize_t w = send(fd, out->data + off, out->len - off, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w > 0) {
			off += (size_t)w;
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			struct pollfd pfd = { fd, POLLOUT, 0 };
			int r = poll(&pfd, 1, p->timeout_ms);

			if (r > 0 || (r < 0 && errno == EINTR))
				continue;
		}
		rc = -1;
		break;
	}
	buf_reset(out);
	return rc;
}

/*
 * End a session so that the client reads the last reply: closing a socket
 * with unread input makes the kernel send an RST, and a client that had
 * pipelined more commands (a client sending garbage, before its 421) would
 * lose the replies not yet read. So: no more output (FIN), then what the
 * client still sends is read and dropped until it closes, for at most
 * LINGER_MS (less when the gateway stops), then close.
 */
#define LINGER_MS	2000

static void
lingering_close(const struct listener_params *p, int fd)
{
	char junk[4096];
	long long until = clock_ms() + LINGER_MS;

	shutdown(fd, SHUT_WR);
	for (;;) {
		long long left = until - clock_ms();
		struct pollfd pfd = { fd, POLLIN, 0 };

		if (stopping(p) && left > 200)
			left = 200;
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0 ||
		    read(fd, junk, sizeof(junk)) <= 0)
			break;
	}
	close(fd);
}

unsigned
listener_session(const struct listener_params *p, int fd)
{
	struct spool_sink ss = { p };
	struct smtpd_params sp;
	struct smtpd *d;
	struct buf out = BUF_INIT;
	char *in = xmalloc(IN_SIZE);
	enum smtpd_status st = SMTPD_OPEN;
	long long deadline;
	unsigned queued;

	memset(&sp, 0, sizeof(sp));
	sp.hostname = p->hostname;
	sp.max_size = p->max_size;
	sp.bare_lf = p->bare_lf;
	sp.sink = &spool_sink_ops;
	sp.sink_arg = &ss;
	d = smtpd_new(&sp);
	smtpd_greeting(d, &out);
	if (send_out(p, fd, &out) != 0)
		st = SMTPD_CLOSE;
	deadline = clock_ms() + p->timeout_ms;
	while (st == SMTPD_OPEN) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		long long left = deadline - clock_ms();
		ssize_t n;
		int r;

		if (stopping(p)) {
			smtpd_shutdown(d, &out);
			(void)send_out(p, fd, &out);
			break;
		}
		if (left <= 0) {
			smtpd_timeout(d, &out);
			(void)send_out(p, fd, &out);
			break;
		}
		/* in slices, so that a stop is seen at once */
		r = poll(&pfd, 1, (int)(p->stop != NULL && left > 100 ? 100 : left));
		if (r <= 0)
			continue;	/* EINTR, or a slice passed */
		n = recv(fd, in, IN_SIZE, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;	/* the client went away: a message in progress is dropped */
		deadline = clock_ms() + p->timeout_ms;
		st = smtpd_feed(d, in, (size_t)n, &out);
		if (send_out(p, fd, &out) != 0)
			break;
	}
	queued = smtpd_queued(d);
	smtpd_free(d);
	buf_free(&out);
	free(in);
	lingering_close(p, fd);
	return queued;
}
